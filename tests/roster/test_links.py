"""One-click renewal links: signed and expiring tokens, a masked preview that writes nothing,
one tap that raises the queued lead, a second tap that is a duplicate."""

from __future__ import annotations

import string
import threading

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from renewdesk.errors import LinkRejected
from renewdesk.services import queue
from renewdesk.services.links import LinkTokens, new_roster_id
from renewdesk.services.staff import Actor
from renewdesk.services.staff_inputs import FollowUp
from tests.roster.conftest import TODAY, day, row

SECRET = b"k" * 64
TOKEN_ALPHABET = string.ascii_letters + string.digits + "-_."


def leads(stored) -> list[dict]:
    return [item for item in stored().get("lead", []) if item["sk"] == "LEAD"]


@pytest.fixture
def linked(import_rows, backend, stored):
    """A roster policy (with its queued lead unless run=False) and a link token for it."""

    def make(plate="粤B70001", expires_in=60, grade="B", run=True, phone="13800138001"):
        import_rows([row(plate, expires_in, grade=grade, phone=phone, name="欧阳娜娜")])
        if run:
            backend.roster.reminders.run()
        policy = next(p for p in stored()["policy"] if p["plate"] == plate)
        return policy, backend.roster.links.issue(policy["roster_id"])

    return make


# -- the token ------------------------------------------------------------------------------


def test_a_token_names_only_the_roster_id_and_reads_back():
    tokens = LinkTokens(SECRET, "default", 45)
    roster_id = new_roster_id()
    token = tokens.issue(roster_id)
    assert token.split(".")[0] == roster_id and len(token.split(".")) == 3
    assert tokens.read(token) == roster_id


def test_a_token_expires_after_45_days():
    issued_at = 1_800_000_000
    token = LinkTokens(SECRET, "default", 45, clock=lambda: issued_at).issue(new_roster_id())
    on_day_45 = LinkTokens(SECRET, "default", 45, clock=lambda: issued_at + 45 * 86400)
    on_day_46 = LinkTokens(SECRET, "default", 45, clock=lambda: issued_at + 45 * 86400 + 1)
    assert on_day_45.read(token)
    with pytest.raises(LinkRejected) as rejected:
        on_day_46.read(token)
    assert rejected.value.code == "expired_token"


def test_a_token_of_another_store_or_key_is_invalid():
    token = LinkTokens(SECRET, "default", 45).issue(new_roster_id())
    for reader in (LinkTokens(SECRET, "store2", 45), LinkTokens(b"x" * 64, "default", 45)):
        with pytest.raises(LinkRejected) as rejected:
            reader.read(token)
        assert rejected.value.code == "invalid_token"


def test_changing_any_single_character_of_a_token_makes_it_invalid():
    tokens = LinkTokens(SECRET, "default", 45)
    token = tokens.issue(new_roster_id())
    for position in range(len(token)):
        for replacement in TOKEN_ALPHABET:
            if replacement == token[position]:
                continue
            altered = token[:position] + replacement + token[position + 1 :]
            with pytest.raises(LinkRejected) as rejected:
                tokens.read(altered)
            assert rejected.value.code == "invalid_token", (position, replacement)


@hypothesis_settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_altered_byte_of_a_token_is_rejected_as_invalid(data):
    tokens = LinkTokens(SECRET, "default", 45)
    token = tokens.issue(new_roster_id()).encode()
    position = data.draw(st.integers(0, len(token) - 1), label="position")
    byte = data.draw(st.integers(0, 255).filter(lambda b: b != token[position]), label="byte")
    altered = token[:position] + bytes([byte]) + token[position + 1 :]
    with pytest.raises(LinkRejected) as rejected:
        tokens.read(altered.decode("utf-8", errors="surrogateescape"))
    assert rejected.value.code == "invalid_token"


@given(st.text(max_size=120))
def test_no_made_up_string_is_a_token(text):
    with pytest.raises(LinkRejected):
        LinkTokens(SECRET, "default", 45).read(text)


# -- the preview ----------------------------------------------------------------------------


def test_the_preview_is_masked_and_writes_nothing(linked, client, stored):
    policy, token = linked()
    before = stored()
    answer = client.get(f"/api/renewals/link?t={token}")
    assert answer.status_code == 200
    assert answer.get_json() == {"name": "欧***", "plate": "粤B***01", "expiry_date": day(60)}
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    assert answer.headers["Cache-Control"] == "no-store"
    assert stored() == before


@pytest.mark.parametrize("query", ["", "?t=", "?t=abc", "?t=AAAAAAAAAAAAAAAA.awJjiQ.forged"])
def test_a_preview_without_a_genuine_token_is_400(client, query):
    answer = client.get(f"/api/renewals/link{query}")
    assert answer.status_code == 400 and answer.get_json()["error"] == "invalid_token"
    assert answer.get_json()["message"].startswith("这个续保链接无效")


def test_a_preview_of_an_expired_link_is_410(linked, client, backend, fake_clock):
    _, token = linked()
    fake_clock.advance(days=46)
    answer = client.get(f"/api/renewals/link?t={token}", headers={"Accept-Language": "en"})
    assert answer.status_code == 410 and answer.get_json()["error"] == "expired_token"
    assert "no longer works" in answer.get_json()["message"]


def test_a_link_sent_to_the_previous_owner_stops_working(linked, client, import_rows):
    _, token = linked(run=False)
    import_rows([row("粤B70001", 60, phone="13600136000", name="王芳")])
    assert client.get(f"/api/renewals/link?t={token}").status_code == 410


# -- one tap --------------------------------------------------------------------------------


def test_one_tap_makes_the_queued_lead_the_customers_request_and_raises_it(
    linked, client, stored, fake_clock
):
    policy, token = linked(grade="C")
    [queued] = leads(stored)
    assert queued["rank"] == queue.rank("C", customer_requested=False)
    fake_clock.advance(hours=2)
    answer = client.post(
        "/api/renewals", json={"token": token, "consent": True, "contact_time": "evening"}
    )
    assert answer.status_code == 201
    assert answer.get_json() == {"lead_id": queued["lead_id"], "duplicate": False}
    [lead] = leads(stored)
    assert lead["customer_requested"] is True and lead["requested_via"] == "renewal_link"
    assert lead["rank"] == queue.rank("C", customer_requested=True)
    assert lead["ready_sk"] == f"{lead['rank']}#{TODAY.isoformat()}#{lead['lead_id']}"
    assert lead["consent_version"] and lead["consent_at"].startswith(TODAY.isoformat())
    assert lead["contact_time"] == "evening"
    assert (lead["name"], lead["phone"], lead["plate"]) == (
        "欧阳娜娜",
        "+8613800138001",
        "粤B70001",
    )
    assert lead["version"] == 1
    assert lead["plan"] == queued["plan"]


def test_a_second_tap_answers_200_duplicate_and_writes_nothing(linked, client, stored):
    _, token = linked()
    first = client.post("/api/renewals", json={"token": token, "consent": True})
    before = stored()
    second = client.post("/api/renewals", json={"token": token, "consent": True})
    assert second.status_code == 200
    assert second.get_json() == {"lead_id": first.get_json()["lead_id"], "duplicate": True}
    assert stored() == before


def test_ten_taps_at_once_give_one_201_and_nine_duplicates(linked, app, stored):
    _, token = linked()
    answers = []

    def tap():
        answers.append(
            app.test_client().post("/api/renewals", json={"token": token, "consent": True})
        )

    threads = [threading.Thread(target=tap) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a.status_code for a in answers) == [200] * 9 + [201]
    assert len({a.get_json()["lead_id"] for a in answers}) == 1
    assert len(leads(stored)) == 1


def test_a_tap_before_n90_is_a_new_request_from_the_roster_data(
    linked, client, stored, backend, fake_clock
):
    policy, token = linked(expires_in=120, grade="A", run=False)
    answer = client.post("/api/renewals", json={"token": token, "consent": True})
    assert answer.status_code == 201
    [lead] = leads(stored)
    assert lead["lead_id"] == answer.get_json()["lead_id"]
    assert (lead["source"], lead["grade"], lead["expiry_date"]) == ("renewal_link", "A", day(120))
    assert lead["rank"] == queue.rank("A", customer_requested=True)
    assert lead["plan"]["N-30"] == day(90) and lead["policy"]["last_insurer"] == "人保财险"
    # At N-90 the run takes this lead as the policy's: still one lead.
    fake_clock.advance(days=30)
    report = backend.roster.reminders.run()
    assert (report.leads_created, report.leads_adopted) == (0, 1)
    assert len(leads(stored)) == 1


def test_a_tap_on_a_lead_a_specialist_holds_marks_it_where_it_is(linked, client, stored, backend):
    _, token = linked()
    specialist = Actor("xiaoli", "specialist")
    claimed = backend.staff.claims.claim_next(specialist)
    backend.staff.followups.record(
        specialist, claimed.lead_id, FollowUp(channel="phone", result="call_back")
    )
    answer = client.post("/api/renewals", json={"token": token, "consent": True})
    assert answer.status_code == 201 and answer.get_json()["lead_id"] == claimed.lead_id
    [lead] = leads(stored)
    assert lead["customer_requested"] is True
    assert lead["holder"] == "xiaoli" and "ready_pk" not in lead and lead["desk_pk"]


def test_a_tap_after_the_lead_was_lost_long_ago_is_a_new_request(
    linked, client, stored, backend, fake_clock
):
    from renewdesk.services.staff_inputs import Close

    _, token = linked(expires_in=89)
    [roster_lead] = leads(stored)
    backend.staff.closing.close(
        Actor("zhuguan", "supervisor"),
        roster_lead["lead_id"],
        Close(outcome="lost", reason="price"),
    )
    fake_clock.advance(days=31)
    answer = client.post("/api/renewals", json={"token": token, "consent": True})
    assert answer.status_code == 201
    assert answer.get_json()["lead_id"] != roster_lead["lead_id"]
    assert len(leads(stored)) == 2


def test_forged_and_expired_tokens_write_nothing(linked, client, stored, fake_clock):
    _, token = linked()
    before = stored()
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    answer = client.post("/api/renewals", json={"token": forged, "consent": True})
    assert answer.status_code == 400 and answer.get_json()["error"] == "invalid_token"
    fake_clock.advance(days=46)
    answer = client.post("/api/renewals", json={"token": token, "consent": True})
    assert answer.status_code == 410 and answer.get_json()["error"] == "expired_token"
    assert stored() == before


def test_a_tap_needs_consent(linked, client, stored):
    _, token = linked()
    answer = client.post("/api/renewals", json={"token": token})
    assert answer.status_code == 400
    assert answer.get_json()["fields"]["consent"]["code"] == "required"
    assert all(not lead["customer_requested"] for lead in leads(stored))


def test_a_plain_form_tap_redirects_to_the_thank_you_page(linked, client, settings):
    _, token = linked()
    answer = client.post("/api/renewals", data={"token": token, "consent": "on"})
    assert answer.status_code == 303
    assert answer.headers["Location"].startswith(f"{settings.site_origin}/thanks/?lead=")
    bad = client.post("/api/renewals", data={"token": token + "x", "consent": "on"})
    assert bad.status_code == 303
    assert bad.headers["Location"] == (
        f"{settings.site_origin}/form-error/?form=renewal&errors=token%3Ainvalid_token"
    )


def test_details_the_customer_corrects_are_kept_for_the_specialist(linked, client, stored):
    _, token = linked()
    answer = client.post(
        "/api/renewals",
        json={
            "token": token,
            "consent": True,
            "phone": "139 0013 9000",
            "name": "欧阳娜娜",
            "note": "换号了",
        },
    )
    assert answer.status_code == 201
    [lead] = leads(stored)
    assert lead["corrections"] == {"phone": "+8613900139000"}
    assert lead["phone"] == "+8613800138001" and lead["note"] == "换号了"


def test_link_taps_count_against_the_phone_limit(linked, client, settings, app):
    app.extensions["renewdesk"].public.intake.phone_limit_per_day = 1
    _, first = linked(plate="粤B70002", phone="13800138002")
    _, second = linked(plate="粤B70003", phone="13800138002")
    assert client.post("/api/renewals", json={"token": first, "consent": True}).status_code == 201
    limited = client.post("/api/renewals", json={"token": second, "consent": True})
    assert limited.status_code == 429 and limited.headers["Retry-After"]


# -- opt-out --------------------------------------------------------------------------------


def test_opting_out_from_the_link_stops_the_reminder_sms(linked, client, stored, backend):
    _, token = linked(expires_in=75)
    answer = client.post("/api/renewals/optout", json={"token": token})
    assert answer.status_code == 200 and answer.get_json() == {"opted_out": True}
    [optout] = stored()["optout"]
    assert (optout["phone"], optout["via"]) == ("+8613800138001", "link")
    form = client.post("/api/renewals/optout", data={"token": token})
    assert form.status_code == 303 and form.headers["Location"].endswith("/renew/?optout=1")
    assert len(stored()["optout"]) == 1


def test_opting_out_needs_a_genuine_link(client, stored):
    answer = client.post("/api/renewals/optout", json={"token": "nope"})
    assert answer.status_code == 400 and "optout" not in stored()


def test_an_opt_out_can_be_taken_back(linked, client, cli, stored):
    _, token = linked(expires_in=75)
    client.post("/api/renewals/optout", json={"token": token})
    code, out, _ = cli("roster", "optin", "13800138001")
    assert code == 0 and "已恢复接收" in out and "optout" not in stored()
    code, out, _ = cli("roster", "optin", "13800138001")
    assert "没有退订记录" in out


def test_the_link_endpoints_and_the_token_request_are_documented(client):
    from renewdesk.services.renewal_links import LinkedRenewal

    doc = client.get("/api/openapi.json").get_json()
    assert {"/api/renewals/link", "/api/renewals/optout"} <= set(doc["paths"])
    linked = doc["components"]["schemas"]["LinkedRenewal"]
    assert set(linked["properties"]) == set(LinkedRenewal.model_fields)
    assert set(linked["required"]) == {"token", "consent"}
    link = doc["paths"]["/api/renewals/link"]["get"]
    assert {"200", "400", "410"} <= set(link["responses"])
