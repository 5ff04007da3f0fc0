"""The renewal and referral forms in Debian's Chromium, against the local server and DynamoDB."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlparse

import pytest

from tests.pages import SCREENSHOTS

RENEWAL = {"name": "李先生", "phone": "139 2345 6789", "plate": "粤B 7K2P9"}


def lead_id_from(url: str) -> str:
    [lead] = parse_qs(urlparse(url).query)["lead"]
    return lead


def short(lead_id: str) -> str:
    """The reference a customer reads: the lead id's last 8 characters as XXXX-XXXX."""
    return f"{lead_id[-8:-4]}-{lead_id[-4:]}"


def fill_renewal(page, **fields):
    values = {**RENEWAL, **fields}
    page.fill("#f-name", values["name"])
    page.fill("#f-phone", values["phone"])
    page.fill("#f-plate", values["plate"])


def test_renewal_with_javascript_reaches_the_thank_you_page_and_the_table(live_site, phone):
    """JSON submission, thank-you page with its reference, lead stored with the consent version."""
    phone.goto(f"{live_site.url}/renew/")
    fill_renewal(phone)
    phone.fill("#f-expiry_date", "2027-01-20")
    phone.select_option("#f-contact_time", "evening")
    phone.check("input[name=consent]")
    phone.click("[data-rd-submit]")
    phone.wait_for_url("**/thanks/?lead=*")
    lead_id = lead_id_from(phone.url)
    assert phone.inner_text("[data-rd-lead]") == short(lead_id)
    assert phone.is_hidden("[data-rd-duplicate]") and phone.is_hidden("[data-rd-duplicate-other]")
    lead = live_site.backend.stores.leads.get_lead(lead_id)
    assert (
        lead.type,
        lead.plate,
        lead.phone,
        lead.contact_time,
        lead.expiry_date,
    ) == ("renewal", "粤B7K2P9", "+8613923456789", "evening", "2027-01-20")
    assert lead.consent_version == live_site.backend.public.consent.version
    assert phone.problems == []


def test_renewal_without_javascript_gets_the_thank_you_page_with_its_reference(
    live_site, phone_without_js
):
    """A plain form post: the API answers with the thank-you page and the short reference."""
    page = phone_without_js
    page.goto(f"{live_site.url}/renew/")
    fill_renewal(page)
    page.check("input[name=consent]")
    with page.expect_navigation():
        page.click("[data-rd-submit]")
    assert "提交成功" in page.inner_text("h1")
    reference = page.inner_text(".reference")
    assert len(reference) == 9 and reference[4] == "-"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "no-js-thanks.png"), full_page=True)
    assert _lead_by_reference(live_site, reference).plate == "粤B7K2P9"


def _lead_by_reference(live_site, reference: str):
    """The lead a reference names (read straight from DynamoDB Local)."""
    tail = reference.replace("-", "")
    prefix = f"ST#{live_site.settings.store_id}#LEAD#"
    pages = live_site.backend.client.get_paginator("scan").paginate(
        TableName=live_site.settings.table_name,
        FilterExpression="begins_with(pk, :p)",
        ExpressionAttributeValues={":p": {"S": prefix}},
        ConsistentRead=True,
    )
    ids = {item["pk"]["S"][len(prefix) :] for page in pages for item in page["Items"]}
    [lead_id] = [i for i in ids if i.upper().endswith(tail)]
    return live_site.backend.stores.leads.get_lead(lead_id)


def test_second_request_for_the_same_car_says_it_is_already_in_hand(live_site, phone):
    """The API's duplicate answer shows as such on the thank-you page."""
    for _ in range(2):
        phone.goto(f"{live_site.url}/renew/")
        fill_renewal(phone)
        phone.check("input[name=consent]")
        phone.click("[data-rd-submit]")
        phone.wait_for_url("**/thanks/?lead=*")
    assert "duplicate=1" in phone.url
    assert phone.is_visible("[data-rd-duplicate]")


@pytest.fixture
def referral_code(live_site) -> str:
    return live_site.backend.referrals.referrers.issue("王大明", "+8613800138000").code


def test_referral_link_prefills_the_code_and_signs_up(live_site, phone, referral_code):
    """/join/?code=... fills the code in; the sign-up becomes a referral lead."""
    phone.goto(f"{live_site.url}/join/?code={referral_code.lower()}")
    assert phone.input_value("#f-code") == referral_code
    phone.fill("#f-name", "赵女士")
    phone.fill("#f-phone", "13712345678")
    phone.select_option("#f-interest", "insurance")
    phone.check("input[name=consent]")
    phone.click("[data-rd-submit]")
    phone.wait_for_url("**/thanks/?lead=*")
    lead = live_site.backend.stores.leads.get_lead(lead_id_from(phone.url))
    assert (lead.type, lead.referral_code, lead.interest) == (
        "referral",
        referral_code,
        "insurance",
    )
    assert phone.problems == []


def test_referral_without_javascript_names_exactly_the_wrong_fields_and_keeps_the_input(
    live_site, phone_without_js, referral_code
):
    """No JavaScript: the API sends the form back with the bad phone marked, the rest kept."""
    page = phone_without_js
    page.goto(f"{live_site.url}/join/")
    page.fill("#f-code", referral_code)
    page.fill("#f-name", "赵女士")
    page.fill("#f-phone", "12345")
    page.select_option("#f-interest", "new_car")
    page.fill("#f-note", "周末联系")
    page.check("input[name=consent]")
    with page.expect_navigation():
        page.click("[data-rd-submit]")
    assert page.locator(".errors li").all_inner_texts() == [
        "请填写11位中国大陆手机号码，例如 138 0013 8000"
    ]
    assert page.inner_text("#f-phone-error") == "请填写11位中国大陆手机号码，例如 138 0013 8000"
    assert page.get_attribute("#f-phone", "aria-invalid") == "true"
    assert (
        page.input_value("#f-code"),
        page.input_value("#f-name"),
        page.input_value("#f-note"),
        page.input_value("#f-interest"),
    ) == (referral_code, "赵女士", "周末联系", "new_car")
    assert page.is_checked("input[name=consent]")
    assert "系统繁忙" not in page.inner_text("body")
    page.fill("#f-phone", "13712345678")
    with page.expect_navigation():
        page.click("[data-rd-submit]")
    assert "提交成功" in page.inner_text("h1")
    assert _lead_by_reference(live_site, page.inner_text(".reference")).interest == "new_car"


def test_renewal_without_javascript_lists_only_the_renewal_forms_failures(
    live_site, phone_without_js
):
    """A bad phone and plate: exactly those two, outlined in red; no referral rules, no outage."""
    page = phone_without_js
    page.goto(f"{live_site.url}/renew/")
    fill_renewal(page, phone="12345", plate="B12")
    page.check("input[name=consent]")
    with page.expect_navigation() as navigation:
        page.click("[data-rd-submit]")
    assert navigation.value.status == 400
    assert page.locator(".errors li").all_inner_texts() == [
        "请填写11位中国大陆手机号码，例如 138 0013 8000",
        "请填写正确的车牌号，例如 粤B12345 或新能源车牌 粤BD12345",
    ]
    body = page.inner_text("body")
    assert "推荐码" not in body and "感兴趣的服务" not in body and "系统繁忙" not in body
    red = "rgb(179, 38, 30)"
    for field in ("#f-phone", "#f-plate"):
        assert page.eval_on_selector(field, "e => getComputedStyle(e).borderTopColor") == red
    assert page.eval_on_selector("#f-name", "e => getComputedStyle(e).borderTopColor") != red
    assert page.input_value("#f-name") == "李先生"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "no-js-form-error.png"), full_page=True)


def test_error_page_with_javascript_lists_each_error_in_chinese(live_site, phone):
    """/form-error/ reads field:code pairs and explains each with the API's own texts."""
    phone.goto(
        f"{live_site.url}/form-error/?form=renewal&errors=phone:invalid,plate:invalid,"
        "consent:must_accept,form:unavailable"
    )
    items = phone.locator("[data-rd-error-list] li").all_inner_texts()
    assert items == [
        "请填写11位中国大陆手机号码，例如 138 0013 8000",
        "请填写正确的车牌号，例如 粤B12345 或新能源车牌 粤BD12345",
        "请阅读并勾选个人信息授权后再提交",
        "系统繁忙，您填写的内容未丢失，请稍后重试",
    ]
    assert phone.is_hidden("[data-rd-static-help]")
    assert phone.is_visible("[data-rd-back]")


def test_field_errors_show_next_to_their_fields_and_keep_the_input(live_site, phone):
    """The API's 400 puts each message under its own field; nothing typed is cleared."""
    phone.goto(f"{live_site.url}/renew/")
    fill_renewal(phone, phone="12345", plate="B12")
    phone.click("[data-rd-submit]")
    phone.wait_for_selector("#f-phone-error:not([hidden])")
    assert phone.inner_text("#f-phone-error") == "请填写11位中国大陆手机号码，例如 138 0013 8000"
    assert phone.inner_text("#f-plate-error").startswith("请填写正确的车牌号")
    assert phone.inner_text("#f-consent-error") == "请阅读并勾选个人信息授权后再提交"
    assert phone.is_hidden("#f-name-error")
    assert phone.get_attribute("#f-phone", "aria-invalid") == "true"
    assert phone.evaluate("document.activeElement.id") == "f-phone"  # the first wrong field
    assert "有 3 项需要修改" in phone.inner_text("[data-rd-summary]")
    assert (phone.input_value("#f-name"), phone.input_value("#f-phone")) == ("李先生", "12345")
    assert live_site.backend.stores.leads.get_lead("none") is None


def test_network_failure_keeps_the_input_and_retry_sends_it(live_site, phone):
    """With the API unreachable nothing typed is lost; Retry sends it once the network is back."""
    phone.goto(f"{live_site.url}/renew/")
    fill_renewal(phone)
    phone.fill("#f-note", "周末下午方便")
    phone.check("input[name=consent]")
    phone.route("**/api/renewals", lambda route: route.abort("internetdisconnected"))
    phone.click("[data-rd-submit]")
    phone.wait_for_selector("[data-rd-status]:not([hidden])")
    assert "您填写的内容都还在" in phone.inner_text("[data-rd-status-text]")
    assert phone.is_enabled("[data-rd-submit]")
    assert (phone.input_value("#f-name"), phone.input_value("#f-note")) == (
        "李先生",
        "周末下午方便",
    )
    phone.unroute("**/api/renewals")
    phone.click("[data-rd-retry]")
    phone.wait_for_url("**/thanks/?lead=*")
    assert live_site.backend.stores.leads.get_lead(lead_id_from(phone.url)).note == "周末下午方便"


def test_service_unavailable_offers_a_retry(live_site, phone):
    """A 503 shows the API's message with a retry button; the input stays."""
    phone.goto(f"{live_site.url}/renew/")
    fill_renewal(phone)
    phone.check("input[name=consent]")
    phone.route(
        "**/api/renewals",
        lambda route: route.fulfill(
            status=503,
            headers={"Retry-After": "5", "Content-Type": "application/json"},
            body=json.dumps(
                {"error": "unavailable", "message": "系统繁忙，您填写的内容未丢失，请稍后重试"}
            ),
        ),
    )
    phone.click("[data-rd-submit]")
    phone.wait_for_selector("[data-rd-retry]:not([hidden])")
    assert phone.inner_text("[data-rd-status-text]") == "系统繁忙，您填写的内容未丢失，请稍后重试"
    assert phone.input_value("#f-plate") == RENEWAL["plate"]


def test_submit_button_cannot_send_twice(live_site, phone):
    """A double tap while the first request is on its way sends one request."""
    requests = []
    phone.goto(f"{live_site.url}/renew/")
    fill_renewal(phone)
    phone.check("input[name=consent]")

    def slow(route):
        requests.append(route.request.post_data)
        phone.wait_for_timeout(300)
        route.continue_()

    phone.route("**/api/renewals", slow)
    phone.click("[data-rd-submit]")
    phone.dispatch_event("[data-rd-form]", "submit")
    phone.dispatch_event("[data-rd-form]", "submit")
    phone.wait_for_url("**/thanks/?lead=*")
    assert len(requests) == 1
    assert json.loads(requests[0])["consent"] is True


def test_invalid_fields_are_outlined_in_red_with_javascript(live_site, phone):
    """The error style wins over the field's own border rule."""
    phone.goto(f"{live_site.url}/renew/")
    fill_renewal(phone, phone="12345")
    phone.check("input[name=consent]")
    phone.click("[data-rd-submit]")
    phone.wait_for_selector("#f-phone-error:not([hidden])")
    red = "rgb(217, 58, 43)"
    assert phone.eval_on_selector("#f-phone", "e => getComputedStyle(e).borderTopColor") == red
    assert phone.eval_on_selector("#f-name", "e => getComputedStyle(e).borderTopColor") != red


def test_full_width_digits_and_letters_go_through_the_form(live_site, phone):
    """１３９… and 粤Ｂ７Ｋ… typed by a Chinese input method are the same phone and plate."""
    phone.goto(f"{live_site.url}/renew/")
    fill_renewal(phone, phone="１３９ ２３４５ ６７８９", plate="粤Ｂ７Ｋ２Ｐ９")
    phone.check("input[name=consent]")
    phone.click("[data-rd-submit]")
    phone.wait_for_url("**/thanks/?lead=*")
    lead = live_site.backend.stores.leads.get_lead(lead_id_from(phone.url))
    assert (lead.phone, lead.plate) == ("+8613923456789", "粤B7K2P9")


@pytest.fixture
def limited_site(settings, built_site):
    """The local server with one submission per phone per day."""
    from renewdesk import devserver, localdb
    from renewdesk.wiring import Services

    port = localdb.free_port()
    base = f"http://127.0.0.1:{port}"
    served = settings.with_(
        site_dir=built_site, site_origin=base, local=True, rate_limit_per_phone_per_day=1
    )
    url, stop = devserver.serve_in_thread(served, port=port)
    yield type("Site", (), {"url": url, "backend": Services(served)})
    stop()


def test_daily_limit_says_when_to_try_again(limited_site, phone, phone_without_js):
    """A 429 from the real limiter: when to come back, and no retry button that cannot work."""
    phone.goto(f"{limited_site.url}/renew/")
    fill_renewal(phone)
    phone.check("input[name=consent]")
    phone.click("[data-rd-submit]")
    phone.wait_for_url("**/thanks/?lead=*")
    phone.goto(f"{limited_site.url}/renew/")
    fill_renewal(phone, plate="粤B 8K2P9")
    phone.check("input[name=consent]")
    phone.click("[data-rd-submit]")
    phone.wait_for_selector("[data-rd-status]:not([hidden])")
    text = phone.inner_text("[data-rd-status-text]")
    assert text.startswith("提交次数已达上限")
    assert "请明天（" in text or "请在今天 " in text or "分钟后再提交" in text
    assert "请稍后再试" not in text
    assert phone.is_hidden("[data-rd-retry]")
    page = phone_without_js  # the same limit without JavaScript: the API's own page
    page.goto(f"{limited_site.url}/renew/")
    fill_renewal(page, plate="粤B 9K2P9")
    page.check("input[name=consent]")
    with page.expect_navigation() as navigation:
        page.click("[data-rd-submit]")
    assert navigation.value.status == 429
    notice = page.inner_text(".notice")
    assert notice.startswith("提交次数已达上限") and (
        "请明天（" in notice or "请在今天 " in notice or "分钟后再提交" in notice
    )


def test_retry_time_is_said_in_the_stores_time():
    """20 minutes, later today, or tomorrow, in UTC+8."""
    import datetime as dt

    from renewdesk.api.form_pages import retry_text

    evening = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.timezone.utc)  # 20:00 in Shenzhen
    assert retry_text("zh", 1200, evening) == "请在 20 分钟后再提交。"
    assert retry_text("zh", 2 * 3600, evening) == "请在今天 22:00 以后再提交。"
    assert (
        retry_text("zh", 4 * 3600 + 1, evening)
        == "请明天（00:00 以后）再提交，或直接拨打续保专线。"
    )


def test_same_plate_from_another_phone_is_not_shown_someone_elses_reference(live_site, phone):
    """The API's duplicate answer for another customer (same_customer: false, the backend's
    signal; served here by the test): no reference, no "you already submitted"."""
    phone.goto(f"{live_site.url}/renew/")
    fill_renewal(phone, phone="13800138000")
    phone.check("input[name=consent]")
    phone.route(
        "**/api/renewals",
        lambda route: route.fulfill(
            status=200,
            headers={"Content-Type": "application/json"},
            body=json.dumps(
                {"lead_id": "01JD3V6Q8ZK0H2M4T7X9C5BRAW", "duplicate": True, "same_customer": False}
            ),
        ),
    )
    phone.click("[data-rd-submit]")
    phone.wait_for_url("**/thanks/?duplicate=1&other=1")
    assert "01JD3V6Q8ZK0H2M4T7X9C5BRAW" not in phone.url
    assert phone.is_visible("[data-rd-duplicate-other]")
    assert "已经有一条续保预约在跟进中" in phone.inner_text("[data-rd-duplicate-other]")
    assert phone.is_hidden("[data-rd-duplicate]") and phone.is_hidden("[data-rd-reference]")
    # The no-JavaScript redirect of the contract lands on the same page the same way.
    phone.goto(f"{live_site.url}/thanks/?duplicate=1&other=1")
    assert phone.is_visible("[data-rd-duplicate-other]") and phone.is_hidden("[data-rd-reference]")


def test_no_javascript_thanks_page_for_another_customers_car(app):
    """form_pages with the backend's same_customer=False outcome: no number, the right words."""
    from types import SimpleNamespace

    from renewdesk.api import form_pages

    other = SimpleNamespace(
        lead_id="01JD3V6Q8ZK0H2M4T7X9C5BRAW", duplicate=True, same_customer=False
    )
    mine = SimpleNamespace(lead_id="01JD3V6Q8ZK0H2M4T7X9C5BRAW", duplicate=True, same_customer=True)
    with app.test_request_context("/api/renewals", method="POST"):
        page = form_pages.thanks_page("renewal", other).get_data(as_text=True)
        assert "X9C5-BRAW" not in page and "已经有一条续保预约在跟进中" in page
        page = form_pages.thanks_page("renewal", mine).get_data(as_text=True)
        assert "X9C5-BRAW" in page and "您之前已经提交过" in page


def test_reference_is_the_lead_ids_last_eight_characters():
    from renewdesk.api.form_pages import reference

    assert reference("01JD3V6Q8ZK0H2M4T7X9C5BRAW") == "X9C5-BRAW"


def test_error_page_shows_only_the_forms_own_fields_and_codes(live_site, phone):
    """Another form's field, unknown codes and text put in the link are never shown (issue 8)."""
    phone.goto(
        f"{live_site.url}/form-error/?form=renewal&errors=phone:invalid,code:unknown,"
        "请立即拨打13800000000领取补贴:invalid,plate:请加微信xyz,form:x%3Cb%3E"
    )
    items = phone.locator("[data-rd-error-list] li").all_inner_texts()
    assert items == ["请填写11位中国大陆手机号码，例如 138 0013 8000"]
    body = phone.inner_text("body")
    for planted in ("13800000000", "补贴", "加微信", "xyz", "<b>"):
        assert planted not in body
    assert "推荐码" not in phone.inner_text("[data-rd-form-error]")
    phone.goto(f"{live_site.url}/form-error/?form=evil&errors=phone:invalid")
    assert phone.locator("[data-rd-error-list] li").count() == 0
