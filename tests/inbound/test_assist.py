"""Faster hands: the script (话术) for the lead's type and step, objection answers for every defeat
reason, follow-up messages filled in and logged when sent; the content files are checked like
every other content file."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from renewdesk.config import PROJECT_ROOT
from renewdesk.content import ContentInvalid, loader, worktexts
from renewdesk.services import clock
from tests.inbound.conftest import add_lead, post

DEFEATS = ("friend", "price", "claims_experience", "corporate", "telesales", "other")


def assist(client, lead_id: str) -> dict:
    answer = client.get(f"/api/staff/leads/{lead_id}/assist")
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_a_customers_own_request_opens_on_the_callback_script(specialist, backend):
    lead_id = add_lead(backend, name="陈静")
    post(specialist, "/api/staff/leads/claim")
    panel = assist(specialist, lead_id)
    assert panel["current"] == "inbound"
    assert panel["scripts"][0]["when"] == "inbound" and panel["scripts"][0]["current"]
    assert "陈静" in panel["scripts"][0]["lines"][0]
    assert [o["reason"] for o in panel["objections"]] == list(DEFEATS)
    assert all(o["lines"] for o in panel["objections"])


@pytest.mark.parametrize(("days", "step"), [(40, "N-30"), (30, "N-30"), (6, "N-7"), (-3, "lapsed")])
def test_a_renewal_opens_on_its_plan_steps_script(specialist, backend, fake_clock, days, step):
    """The first plan step not done decides: N-30 first call, N-7 last call, lapsed after."""
    expiry = clock.local_date(fake_clock()) + dt.timedelta(days=days)
    lead_id = add_lead(backend, customer_requested=False, expiry_date=expiry.isoformat())
    post(specialist, "/api/staff/leads/claim")
    assert assist(specialist, lead_id)["current"] == step


def test_a_referral_gets_the_referral_script_and_its_templates(specialist, backend):
    lead_id = add_lead(backend, lead_type="referral")
    post(specialist, "/api/staff/leads/claim")
    panel = assist(specialist, lead_id)
    assert panel["current"] == "referral"
    assert {s["when"] for s in panel["scripts"]} == {"referral"}
    assert {t["id"] for t in panel["templates"]} == {"visit_confirm", "referral_welcome"}


def test_templates_are_filled_in_and_logged_as_a_follow_up_when_sent(
    specialist, backend, fake_clock
):
    expiry = clock.local_date(fake_clock()) + dt.timedelta(days=20)
    lead_id = add_lead(backend, name="陈静", expiry_date=expiry.isoformat())
    post(specialist, "/api/staff/leads/claim")
    [quote] = [t for t in assist(specialist, lead_id)["templates"] if t["id"] == "quote_sms"]
    plate = backend.stores.queue.get_lead(lead_id).plate
    assert "陈静" in quote["text"] and plate in quote["text"]
    assert f"{expiry.year}年{expiry.month}月{expiry.day}日" in quote["text"]
    assert "还有20天" in quote["text"] and "德瑞汽车4S店" in quote["text"]
    assert "回复TD退订" in quote["text"] and "{" not in quote["text"]
    early = post(specialist, f"/api/staff/leads/{lead_id}/messages", {"template": "quote_sms"})
    # A quoted follow-up needs a quote on the lead (the 续保率 board's quote rate counts them).
    assert early.status_code == 400
    assert early.get_json()["fields"]["result"]["code"] == "quote_missing"
    quoted = post(
        specialist,
        f"/api/staff/leads/{lead_id}/quotes",
        {"insurer": "平安", "commercial_premium": "4100", "compulsory_premium": "950"},
    )
    assert quoted.status_code == 201, quoted.get_json()
    sent = post(specialist, f"/api/staff/leads/{lead_id}/messages", {"template": "quote_sms"})
    assert sent.status_code == 201 and sent.get_json()["text"] == quote["text"]
    history = specialist.get(f"/api/staff/leads/{lead_id}").get_json()["history"]
    [logged] = [e for e in history if e["kind"] == "followup"]
    assert (logged["channel"], logged["result"]) == ("sms", "quoted")
    assert logged["note"] == f"报价短信：{quote['text']}"
    assert sent.get_json()["lead"]["lease_expires_at"] is None  # a follow-up: hers now
    unknown = post(specialist, f"/api/staff/leads/{lead_id}/messages", {"template": "nope"})
    assert unknown.status_code == 404


def test_the_lead_page_shows_the_panel_copy_buttons_and_the_sms_link(specialist, backend):
    lead_id = add_lead(backend, name="陈静")
    post(specialist, "/api/staff/leads/claim")
    page = specialist.get(f"/staff/leads/{lead_id}").get_data(as_text=True)
    assert 'id="scripts"' in page and "客户主动申请后的回电" in page and "找朋友买" in page
    assert 'id="templates"' in page and "data-copy=" in page and 'href="sms:+86' in page
    logged = specialist.post(
        f"/staff/leads/{lead_id}/messages",
        data={"template": "missed_call", "csrf_token": specialist.csrf},
    )
    assert logged.status_code == 303 and "notice=message_logged" in logged.headers["Location"]
    assert "消息已记为一条跟进" in specialist.get(logged.headers["Location"]).get_data(as_text=True)


def test_a_colleague_cannot_send_from_someone_elses_lead(specialist, backend, app):
    from tests.inbound.conftest import add_staff, sign_in

    lead_id = add_lead(backend)
    post(specialist, "/api/staff/leads/claim")
    colleague = sign_in(app, add_staff(backend, "zhao.min"))
    answer = post(colleague, f"/api/staff/leads/{lead_id}/messages", {"template": "missed_call"})
    assert answer.status_code == 403


def test_every_page_has_the_shortcut_help(specialist):
    page = specialist.get("/staff/").get_data(as_text=True)
    assert '<dialog class="shortcuts"' in page and "领取下一条线索" in page
    assert 'id="shortcut-claim"' in page and "inbound.js" in page


# -- the content files ---------------------------------------------------------------------------


@pytest.fixture
def content(tmp_path):
    root = tmp_path / "content"
    shutil.copytree(PROJECT_ROOT / "content", root)
    return root


def problems_of(root) -> list[str]:
    with pytest.raises(ContentInvalid) as failed:
        loader.load(root)
    return [p.message() for p in failed.value.problems]


def test_the_shipped_scripts_and_templates_are_valid(content):
    scripts, messages = worktexts.load(content)
    assert {s.when for s in scripts.scripts} >= {"inbound", "N-30", "N-7", "referral"}
    assert set(scripts.objections) == set(DEFEATS)
    assert messages.templates


def test_an_unknown_placeholder_fails_the_build_naming_its_line(content):
    path = content / "followup_messages.yml"
    text = path.read_text(encoding="utf-8").replace("您的爱车{plate}", "您的爱车{car}", 1)
    path.write_text(text, "utf-8")
    [problem] = problems_of(content)
    assert "followup_messages.yml" in problem and "templates[0].text" in problem
    assert "{car}" in problem and "第" in problem


def test_a_missing_objection_or_last_call_script_fails_the_build(content):
    path = content / "scripts.yml"
    text = path.read_text(encoding="utf-8").replace("    when: N-7\n", "    when: N-20\n")
    cut = text.index("  telesales:")
    path.write_text(text[:cut] + text[text.index("  other:", cut) :], "utf-8")
    found = problems_of(content)
    assert any("renewal" in p and "N-7" in p and "话术" in p for p in found)
    assert any("telesales" in p and "应对话术" in p for p in found)


def test_a_misspelt_defeat_reason_is_named(content):
    path = content / "scripts.yml"
    text = path.read_text(encoding="utf-8").replace("  telesales:", "  telesale:")
    path.write_text(text, "utf-8")
    [problem] = problems_of(content)
    assert "objections.telesale" in problem and "telesales" in problem


def test_a_missing_file_is_reported(content):
    (content / "scripts.yml").unlink()
    assert any("scripts.yml" in p for p in problems_of(content))
