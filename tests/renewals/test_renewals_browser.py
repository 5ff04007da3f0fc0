"""The supervisor's renewal routine in Debian's Chromium: read the 续保率 board, open a
specialist's week of the register, sign it, read the defeat analysis; the lead page's quotes.
Screenshots in build/screenshots/ (desktop and phone)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from renewdesk.devserver import serve_in_thread
from renewdesk.renewals_sample import generated_year
from renewdesk.services import clock
from renewdesk.services.insurers import load_insurers
from renewdesk.services.renewal_inputs import Quote
from renewdesk.services.reviews import week_of
from renewdesk.services.staff import Actor
from renewdesk.services.staff_inputs import Close, FollowUp
from renewdesk.wiring import Services
from tests.pages import SCREENSHOTS
from tests.staff.conftest import PASSWORD, add_lead
from tests.staff.test_console_browser import sign_in

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def store(settings):
    """A store with a year of renewal work behind it (generated, 1,500 policies), and this
    week's register of li.na written through the services."""
    local = settings.with_(local=True)
    backend = Services(local)
    today = clock.local_date(clock.now())
    year = generated_year(1500, today, load_insurers(local.content_dir), specialists=4)
    backend.stores.cycles.load(year.cycles, year.totals, year.lapsed_through)
    backend.staff.accounts.add("li.na", "specialist", PASSWORD)
    backend.staff.accounts.add("wang.boss", "supervisor", PASSWORD)
    boss, li = Actor("wang.boss", "supervisor"), Actor("li.na", "specialist")
    staff, renewals = backend.staff, backend.renewals
    expiry = (today + dt.timedelta(days=20)).isoformat()
    leads = [
        add_lead(backend, grade=g, name=n, expiry_date=expiry)
        for g, n in (("A", "陈静"), ("B", "刘洋"), ("B", "赵磊"))
    ]
    for lead_id in leads:
        staff.claims.reassign(boss, lead_id, "li.na")
        staff.followups.record(
            li, lead_id, FollowUp(channel="phone", result="reached", note="客户考虑中")
        )
    first = renewals.quotes.record(
        li,
        leads[0],
        Quote(
            insurer="人保", commercial_premium="4380", compulsory_premium="950", note="三者险200万"
        ),
    )
    renewals.quotes.record(
        li, leads[0], Quote(insurer="众安在线", commercial_premium="3990", compulsory_premium="950")
    )
    renewals.quotes.record(
        li, leads[0], Quote(insurer="平安", commercial_premium="0", compulsory_premium="950")
    )
    staff.closing.close(li, leads[1], Close(outcome="lost", reason="telesales"))
    staff.closing.close(
        li,
        leads[2],
        Close(outcome="lost", reason="price", note="外面便宜300元，已申请礼包仍不接受"),
    )
    renewals.defeats.prepare(today.strftime("%Y-%m"))
    url, stop = serve_in_thread(local)
    yield url, today, leads[0], first
    stop()


def test_a_supervisor_reads_the_board_signs_a_week_and_reads_the_defeat_analysis(store, browser):
    from playwright.sync_api import expect

    url, today, quoted_lead, quote = store
    month, week = today.strftime("%Y-%m"), week_of(today)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport=DESKTOP, locale="zh-CN")
    problems = []
    page.on(
        "console", lambda m: m.type == "error" and "404" not in m.text and problems.append(m.text)
    )
    page.on(
        "response", lambda r: r.status >= 400 and "favicon" not in r.url and problems.append(r.url)
    )
    sign_in(page, url, "wang.boss")

    page.get_by_role("link", name="续保率").click()
    expect(page.get_by_role("heading", name=f"续保率 · {month}")).to_be_visible()
    expect(page.locator(".renewal-kpis")).to_contain_text("件数续保率")
    expect(page.locator(".review-missing")).to_contain_text("li.na")
    for image in page.locator("img.chart").all():
        expect(image).to_have_js_property("complete", True)
    assert page.evaluate("[...document.images].every(i => i.naturalWidth > 0)")
    page.screenshot(path=str(SCREENSHOTS / "renewals-board.png"), full_page=True)

    page.get_by_role("link", name="li.na").first.click()
    page.wait_for_url(re.compile(r"/staff/register/li\.na"))
    page.goto(f"{url}/staff/register/li.na?week={week}")
    checks = page.locator(".report-grid").first
    expect(checks).to_contain_text("众安保险")  # a quote from an insurer that is not a partner
    expect(checks).to_contain_text("电销")  # a defeat record that says nothing
    page.get_by_label("审阅意见").fill("众安报价请换成合作公司；电销战败要写清处理过程")
    page.get_by_role("button", name="签字确认").click()
    expect(page.locator(".notice")).to_contain_text("已签字")
    expect(page.locator(".signed")).to_contain_text("wang.boss")
    page.screenshot(path=str(SCREENSHOTS / "renewals-register-signed.png"), full_page=True)

    page.goto(f"{url}/staff/defeats?month={month}")
    expect(page.locator(".ready-line")).to_contain_text("已于")
    expect(page.locator(".defeat-table")).to_contain_text("价格比外面贵")
    expect(page.locator(".defeat-notes")).to_contain_text("外面便宜300元")
    page.screenshot(path=str(SCREENSHOTS / "renewals-defeats.png"), full_page=True)
    page.emulate_media(media="print")
    page.screenshot(path=str(SCREENSHOTS / "renewals-defeats-print.png"), full_page=True)
    page.emulate_media(media="screen")

    page.goto(f"{url}/staff/leads/{quoted_lead}")
    cards = page.locator(".quote-card")
    expect(cards).to_have_count(3)
    expect(cards.first).to_contain_text("商业险 ¥3,000–5,000")
    expect(page.locator(".quotes")).to_contain_text("非合作公司")
    page.screenshot(path=str(SCREENSHOTS / "renewals-lead-quotes.png"), full_page=True)
    assert not problems, problems

    phone = browser.new_page(
        viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True, device_scale_factor=2
    )
    sign_in(phone, url, "wang.boss")
    phone.goto(f"{url}/staff/renewals")
    expect(phone.locator(".renewal-kpis")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.screenshot(path=str(SCREENSHOTS / "renewals-board-phone.png"))
    phone.locator(".split-table").first.scroll_into_view_if_needed()
    phone.screenshot(path=str(SCREENSHOTS / "renewals-board-phone-grades.png"))
    phone.goto(f"{url}/staff/leads/{quoted_lead}")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.locator("#quote").scroll_into_view_if_needed()
    phone.screenshot(path=str(SCREENSHOTS / "renewals-lead-quotes-phone.png"))
    phone.goto(f"{url}/staff/register/li.na?week={week}")
    phone.screenshot(path=str(SCREENSHOTS / "renewals-register-phone.png"))
    phone.close()
    page.close()
    assert quote["gift_tier"]["band"] == "3000-5000"
