"""The generated pages in Debian's Chromium on a 390×844 phone: calculator, search, layout."""

from __future__ import annotations

import pytest

from tests.pages import SCREENSHOTS

PHONE_PAGES = {
    "home": "/",
    "offers": "/offers/",
    "claims": "/claims/",
    "club": "/club/",
    "charter": "/club/charter/",
    "renew": "/renew/",
    "join": "/join/?code=K7P2QX",
    "campaign": "/offers/year-end-renewal/",
    "thanks": "/thanks/?lead=01KAXYZ0000000000000000000",
    "form-error": "/form-error/?form=renewal&errors=phone:invalid",
    "privacy": "/privacy/",
    "about": "/about/",
    "not-found": "/offers/ended-campaign/",
}


def calculate(page, premium: str) -> str:
    page.fill("[data-rd-premium]", premium)
    return page.inner_text("[data-rd-result]")


def test_calculator_shows_the_gift_package_for_a_premium(live_site, phone):
    """Typing last year's premium picks the band from the listed table, boundaries included."""
    phone.goto(f"{live_site.url}/offers/")
    result = calculate(phone, "6000")
    assert "商业险 5,000–8,000 元" in result and "精致洗车 12 次" in result
    assert (
        phone.locator("tr.rd-tiers__row--match th").inner_text().startswith("商业险 5,000–8,000 元")
    )
    assert "商业险 5,000–8,000 元" in calculate(phone, "5000")
    assert "商业险 3,000 元以下" in calculate(phone, "2999")
    assert "至尊档" in calculate(phone, "20,000") and "200 元加油卡" in phone.inner_text(
        "[data-rd-result]"
    )
    assert "请输入不小于 0 的金额" in calculate(phone, "-5")
    # As customers type it: full-width digits (Chinese input methods) and 万 (ten thousand).
    assert "商业险 3,000–5,000 元" in calculate(phone, "４５００")
    assert "至尊档" in calculate(phone, "1.5万")
    assert "商业险 8,000–10,000 元" in calculate(phone, "０.９万元")
    assert "商业险 5,000–8,000 元" in calculate(phone, "¥6，000")
    phone.check("[data-rd-compulsory]")
    assert "仅投保交强险" in phone.inner_text("[data-rd-result]")
    assert phone.is_disabled("[data-rd-premium]")
    assert phone.problems == []


def test_without_javascript_the_gift_tiers_are_a_plain_table(live_site, phone_without_js):
    """No calculator to break: the bands and gifts are all in the table."""
    page = phone_without_js
    page.goto(f"{live_site.url}/offers/")
    assert page.is_hidden("[data-rd-calculator]")
    rows = page.locator("table.rd-tiers tbody tr").all_inner_texts()
    assert len(rows) == 7 and rows[0].startswith("仅投保交强险")


@pytest.mark.parametrize("query, expected", [("理赔", "/claims/"), ("续保", "/offers/")])
def test_chinese_search_finds_the_page(live_site, phone, query, expected):
    """mkdocs-material's search with jieba-segmented Chinese finds claims and offers."""
    phone.goto(f"{live_site.url}/")
    phone.click("label[for=__search].md-header__button")
    phone.fill("input.md-search__input", query)
    # An IME commits Chinese text and then releases a key: the search listens for that keyup.
    phone.press("input.md-search__input", "End")
    phone.wait_for_selector(".md-search-result__item a")
    links = phone.eval_on_selector_all(
        ".md-search-result__item > a", "els => els.map(e => new URL(e.href).pathname)"
    )
    assert expected in links


def test_every_page_fits_a_phone_without_sideways_scrolling(live_site, phone):
    """At 390×844 nothing overflows, nothing breaks the CSP; screenshots are kept for review."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    overflowing, problems = {}, {}
    for name, path in PHONE_PAGES.items():
        response = phone.goto(f"{live_site.url}{path}")
        # The strict policy really applies: a page needing an inline script would log an error.
        assert "script-src 'self';" in response.headers["content-security-policy"]
        width = phone.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if width[0] > width[1]:
            overflowing[name] = width
        phone.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        # The not-found page's own 404 status is logged by Chromium; nothing else may be.
        expected = 1 if response.status == 404 else 0
        if len(phone.problems) != expected:
            problems[name] = list(phone.problems)
        phone.problems.clear()
    assert overflowing == {}
    assert problems == {}
    assert response.status == 404  # the last page, an ended campaign


def test_hotline_and_rescue_are_one_tap_away_on_the_landing_page(live_site, phone):
    """Without scrolling: the renewal hotline in the header and rescue in the call bar."""
    phone.goto(f"{live_site.url}/")
    call = phone.locator("a.rd-header__call")
    rescue = phone.locator("a.rd-callbar__item--alert")
    assert call.get_attribute("href") == "tel:075523456780"
    assert rescue.get_attribute("href") == "tel:075523456789"
    for link in (call, rescue):
        box = link.bounding_box()
        assert box and 0 <= box["y"] and box["y"] + box["height"] <= 844


def test_claims_checklist_prints_without_the_site_chrome(live_site, phone):
    """In print, header, call bar and emergency buttons go; every document case stays."""
    phone.goto(f"{live_site.url}/claims/")
    assert phone.is_visible("[data-rd-print]")
    phone.emulate_media(media="print")
    assert phone.is_hidden(".md-header") and phone.is_hidden(".rd-callbar")
    assert phone.locator(".rd-checklist__case").count() == 5
    assert phone.is_visible(".rd-print-only")
