"""The one-click renewal page in Debian's Chromium: the SMS link's preview, one confirm, the
opt-out, and the manual form when there is no working link."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import pytest

from renewdesk.services import clock
from renewdesk.services.roster import ImportSummary, RosterImport
from tests.pages import SCREENSHOTS


def policy_record(plate: str, phone: str, expires_in: int) -> dict:
    expiry = clock.local_date(clock.now()) + dt.timedelta(days=expires_in)
    return {
        "plate": plate,
        "name": "欧阳娜娜",
        "phone": phone,
        "expiry_date": expiry.isoformat(),
        "grade": "A",
        "last_insurer": "人保财险",
        "commercial_premium": None,
        "compulsory_premium": None,
        "model": "凯美瑞",
        "vin": None,
        "advisor": None,
    }


@pytest.fixture
def sms_link(live_site):
    """Import a policy at N-60, run the reminders; the link in the day's SMS, and the lead."""
    backend = live_site.backend
    RosterImport(backend.stores.roster).import_records(
        [policy_record("粤B86868", "+8613800138686", 60)], ImportSummary()
    )
    report = backend.roster.reminders.run()
    assert report.leads_created == 1
    path = Path(live_site.settings.sms_outbox_dir) / f"{report.as_of.isoformat()}.csv"
    with path.open(encoding="utf-8-sig", newline="") as day_file:
        [message] = list(csv.DictReader(day_file))
    link = re.search(r"https?://\S+/r/[0-9A-Za-z]{12}", message["message"]).group(0)
    assert link.startswith(f"{live_site.url}/r/")
    [policy] = backend.stores.roster.get_policies(["粤B86868"]).values()
    return link, policy.lead_id


def referers(page) -> list[str]:
    """Every Referer header the page's requests send, collected as they go."""
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.headers.get("referer", "")))
    return sent


def test_the_sms_link_shows_the_masked_policy_and_one_tap_requests_the_renewal(
    live_site, phone, sms_link
):
    link, lead_id = sms_link
    sent = referers(phone)
    phone.goto(link)
    oneclick = phone.locator("[data-rd-oneclick]")
    oneclick.locator("[data-rd-oneclick-preview]").wait_for()
    assert oneclick.locator('[data-rd-preview="name"]').inner_text() == "欧***"
    assert oneclick.locator('[data-rd-preview="plate"]').inner_text() == "粤B***68"
    expiry = dt.date.fromisoformat(live_site.backend.stores.leads.get_lead(lead_id).expiry_date)
    assert oneclick.locator('[data-rd-preview="expiry_date"]').inner_text() == (
        f"{expiry.year}年{expiry.month}月{expiry.day}日"
    )
    assert phone.locator("[data-rd-manual]").is_hidden()
    assert phone.url == f"{live_site.url}/renew/"  # the code left the address bar
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SCREENSHOTS / "renew-one-click.png"), full_page=True)

    oneclick.locator("#oc-consent").check()
    oneclick.locator("[data-rd-submit]").click()
    phone.wait_for_url("**/thanks/?lead=*")
    assert f"lead={lead_id}" in phone.url and "duplicate" not in phone.url
    lead = live_site.backend.stores.leads.get_lead(lead_id)
    assert lead.customer_requested is True and lead.requested_via == "renewal_link"
    # Nothing the renewal page loaded or sent named the page (and so the token) as referrer.
    assert not [r for r in sent if "/renew/" in r or "/r/" in r], f"the page leaked: {sent}"
    assert phone.problems == []

    # A second tap on the same SMS link: already in hand.
    phone.goto(link)
    oneclick.locator("[data-rd-oneclick-preview]").wait_for()
    oneclick.locator("#oc-consent").check()
    oneclick.locator("[data-rd-submit]").click()
    phone.wait_for_url("**/thanks/?lead=*duplicate=1")
    assert phone.is_visible("[data-rd-duplicate]")


def test_confirming_without_consent_shows_the_consent_error_and_writes_nothing(
    live_site, phone, sms_link
):
    link, lead_id = sms_link
    phone.goto(link)
    oneclick = phone.locator("[data-rd-oneclick]")
    oneclick.locator("[data-rd-oneclick-preview]").wait_for()
    oneclick.locator("[data-rd-submit]").click()
    error = oneclick.locator("#oc-consent-error")
    error.wait_for()
    assert "个人信息授权" in error.inner_text()
    assert live_site.backend.stores.leads.get_lead(lead_id).customer_requested is False


def test_the_customer_opts_out_of_reminders_from_the_page(live_site, phone, sms_link):
    link, _ = sms_link
    phone.goto(link)
    phone.locator("[data-rd-oneclick-preview]").wait_for()
    phone.click("[data-rd-optout] button[type=submit]")
    phone.locator("[data-rd-optout-done]").wait_for()
    assert "已为您退订续保提醒短信" in phone.inner_text("[data-rd-optout-done]")
    assert live_site.backend.stores.roster.opted_out(["+8613800138686"]) == {"+8613800138686"}
    assert phone.problems == []


def test_a_token_link_sent_before_short_links_still_works(live_site, phone, sms_link):
    [policy] = live_site.backend.stores.roster.get_policies(["粤B86868"]).values()
    token = live_site.backend.roster.links.issue(policy.roster_id)
    phone.goto(f"{live_site.url}/renew/?t={token}")
    phone.locator("[data-rd-oneclick-preview]").wait_for()
    assert phone.locator('[data-rd-preview="plate"]').inner_text() == "粤B***68"
    assert "?t=" not in phone.url


def test_a_link_that_does_not_work_says_so_and_offers_the_manual_form(live_site, phone):
    phone.goto(f"{live_site.url}/renew/?t=AAAAAAAAAAAAAAAA.awJjiQ.forgedforgedforgedforged")
    problem = phone.locator("[data-rd-link-problem]")
    problem.wait_for()
    assert "续保链接无效" in problem.inner_text()
    assert phone.is_visible("#f-name") and phone.locator("[data-rd-oneclick]").is_hidden()


def test_details_wrong_switches_to_the_manual_form(live_site, phone, sms_link):
    link, _ = sms_link
    phone.goto(link)
    phone.locator("[data-rd-oneclick-preview]").wait_for()
    phone.click("[data-rd-not-me]")
    assert phone.is_visible("#f-name") and phone.locator("[data-rd-oneclick]").is_hidden()


def test_without_a_token_or_without_javascript_the_page_is_the_manual_form(
    live_site, phone, phone_without_js, sms_link
):
    phone.goto(f"{live_site.url}/renew/")
    assert phone.is_visible("#f-name") and phone.locator("[data-rd-oneclick]").is_hidden()
    link, _ = sms_link
    phone_without_js.goto(link)
    assert phone_without_js.is_visible("#f-name")
    assert phone_without_js.locator("[data-rd-oneclick]").is_hidden()
    meta = phone_without_js.locator('meta[name="referrer"]').get_attribute("content")
    assert meta == "no-referrer"
