"""The renewal and referral forms in Debian's Chromium, against the local server and DynamoDB."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlparse

import pytest

from renewdesk.services import referrers

RENEWAL = {"name": "李先生", "phone": "139 2345 6789", "plate": "粤B 7K2P9"}


def lead_id_from(url: str) -> str:
    [lead] = parse_qs(urlparse(url).query)["lead"]
    return lead


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
    assert phone.inner_text("[data-rd-lead]") == lead_id
    assert phone.is_hidden("[data-rd-duplicate]")
    lead = live_site.backend.lead_store.get_lead(lead_id)
    assert (
        lead["type"],
        lead["plate"],
        lead["phone"],
        lead["contact_time"],
        lead["expiry_date"],
    ) == ("renewal", "粤B7K2P9", "+8613923456789", "evening", "2027-01-20")
    assert lead["consent_version"] == live_site.backend.consent.version
    assert phone.problems == []


def test_renewal_without_javascript_uses_the_303_flow(live_site, phone_without_js):
    """A plain form post lands on /thanks/ and the lead is in the table."""
    page = phone_without_js
    page.goto(f"{live_site.url}/renew/")
    fill_renewal(page)
    page.check("input[name=consent]")
    page.click("[data-rd-submit]")
    page.wait_for_url("**/thanks/?lead=*")
    assert "提交成功" in page.inner_text("h1")
    assert live_site.backend.lead_store.get_lead(lead_id_from(page.url))["plate"] == "粤B7K2P9"


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
    return referrers.issue_code(live_site.backend.referrer_store, "王大明", "+8613800138000").code


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
    lead = live_site.backend.lead_store.get_lead(lead_id_from(phone.url))
    assert (lead["type"], lead["referral_code"], lead["interest"]) == (
        "referral",
        referral_code,
        "insurance",
    )
    assert phone.problems == []


def test_referral_without_javascript_signs_up_and_explains_errors(
    live_site, phone_without_js, referral_code
):
    """No JavaScript: a bad phone lands on /form-error/ with the rules; fixed, it goes through."""
    page = phone_without_js
    page.goto(f"{live_site.url}/join/")
    page.fill("#f-code", referral_code)
    page.fill("#f-name", "赵女士")
    page.fill("#f-phone", "12345")
    page.select_option("#f-interest", "new_car")
    page.check("input[name=consent]")
    page.click("[data-rd-submit]")
    page.wait_for_url("**/form-error/?*")
    assert parse_qs(urlparse(page.url).query) == {"form": ["referral"], "errors": ["phone:invalid"]}
    help_text = page.inner_text("[data-rd-static-help]")
    assert "请填写11位中国大陆手机号码" in help_text and "浏览器的“返回”" in help_text
    page.go_back()
    page.fill("#f-phone", "13712345678")
    page.click("[data-rd-submit]")
    page.wait_for_url("**/thanks/?lead=*")
    assert live_site.backend.lead_store.get_lead(lead_id_from(page.url))["interest"] == "new_car"


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
    assert live_site.backend.lead_store.get_lead("none") is None


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
    assert live_site.backend.lead_store.get_lead(lead_id_from(phone.url))["note"] == "周末下午方便"


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
