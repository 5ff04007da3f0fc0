"""The roster stays true: a new owner for a plate re-points the open lead and takes the former
owner's data out of it; changed premiums or expiry dates update the open lead; the summary
counts the leads that changed; an import stopped in between finishes them next time."""

from __future__ import annotations

from renewdesk.roster_sample import write_roster
from renewdesk.services import clock
from renewdesk.services.records import Lead
from renewdesk.services.roster import ImportSummary, RosterImport, check_rows
from renewdesk.services.roster_files import read_roster
from renewdesk.services.staff import Actor
from renewdesk.services.staff_inputs import FollowUp
from tests.roster.conftest import TODAY, day, row

SPECIALIST = Actor("li.na", "specialist")
FORMER = "13800138101"
NEW = "13900139202"


def lead_items(stored) -> dict[str, dict]:
    return {i["lead_id"]: i for i in stored().get("lead", []) if i["sk"] == "LEAD"}


def events_of(stored, lead_id: str) -> list[dict]:
    found = [
        i for i in stored().get("lead", []) if i["sk"].startswith("EV#") and i["lead_id"] == lead_id
    ]
    return sorted(found, key=lambda i: i["sk"])


def worked_lead(import_rows, backend, fake_clock) -> Lead:
    """A roster lead at N-90, claimed and called by a specialist, who noted the call."""
    import_rows([row("粤B60001", 80, phone=FORMER, name="张伟", commercial="4280.00")])
    backend.roster.reminders.run()
    fake_clock.advance(minutes=5)
    lead = backend.staff.claims.claim_next(SPECIALIST)
    assert lead is not None and lead.plate == "粤B60001"
    fake_clock.advance(minutes=5)
    follow_up = FollowUp(channel="phone", result="call_back", note="张先生说月底再联系")
    worked = backend.staff.followups.record(SPECIALIST, lead.lead_id, follow_up)
    fake_clock.advance(minutes=5)
    return worked


def test_a_new_owner_gets_the_open_lead_and_the_former_owners_data_leaves_it(
    import_rows, backend, stored, fake_clock
):
    lead = worked_lead(import_rows, backend, fake_clock)
    summary = import_rows([row("粤B60001", 80, phone=NEW, name="王芳", commercial="4280.00")])
    assert (summary.updated, summary.leads_updated, summary.owners_changed) == (1, 1, 1)

    leads = lead_items(stored)
    now = leads[lead.lead_id]
    assert (now["name"], now["phone"], now["status"], now["holder"]) == (
        "王芳",
        "+86" + NEW,
        "claimed",
        "li.na",
    )
    for gone in ("note", "last_result", "first_contact_at", "next_contact_at", "consent_version"):
        assert gone not in now
    assert now["followups"] == 0 and now["customer_requested"] is False
    assert now["coll_pk"].endswith("#CUSTOMER#+86" + NEW)
    assert [e["kind"] for e in events_of(stored, lead.lead_id)] == ["owner_changed"]

    # The former owner's own record: a closed lead in their customer index, with the history.
    [archive] = [i for i in leads.values() if i["status"] == "handed_over"]
    assert (archive["name"], archive["phone"], archive["plate"]) == (
        "张伟",
        "+86" + FORMER,
        "粤B60001",
    )
    assert archive["coll_pk"].endswith("#CUSTOMER#+86" + FORMER)
    assert "ready_pk" not in archive and "month_pk" not in archive and "holder" not in archive
    kinds = [e["kind"] for e in events_of(stored, archive["lead_id"])]
    assert kinds == ["claim", "followup", "handed_over"]
    note = next(e for e in events_of(stored, archive["lead_id"]) if e["kind"] == "followup")
    assert note["note"] == "张先生说月底再联系"

    guard = stored()["dedupe"][0]
    from renewdesk.services.fields import phone_digest

    assert guard["lead_id"] == lead.lead_id and guard["phone_digest"] == phone_digest("+86" + NEW)


def test_the_former_owner_finds_their_record_and_the_new_owner_the_lead(
    import_rows, backend, fake_clock
):
    lead = worked_lead(import_rows, backend, fake_clock)
    import_rows([row("粤B60001", 80, phone=NEW, name="王芳", commercial="4280.00")])
    former = backend.privacy.access.export("+86" + FORMER)
    assert [found["status"] for found in former.leads] == ["handed_over"]
    assert "张先生说月底再联系" in str(former.leads[0]["events"])
    assert former.policies == []  # the roster record is the new owner's now
    new = backend.privacy.access.export("+86" + NEW)
    assert [(found["plate"], found["name"]) for found in new.leads] == [(lead.plate, "王芳")]
    assert "张先生" not in str(new.as_json())


def test_the_former_owners_record_goes_when_its_retention_ends(
    import_rows, backend, stored, fake_clock
):
    worked_lead(import_rows, backend, fake_clock)
    import_rows([row("粤B60001", 80, phone=NEW, name="王芳", commercial="4280.00")])
    fake_clock.advance(days=backend.settings.lead_retention_days + 1)
    report = backend.privacy.purge.run()
    assert report.counts["leads"] == 1
    [archive] = [i for i in lead_items(stored).values() if i.get("status") == "erased"]
    assert "phone" not in archive and "name" not in archive


def test_changed_premiums_and_expiry_update_the_open_lead(import_rows, backend, stored):
    import_rows([row("粤B60002", 85, commercial="4280.00")])
    backend.roster.reminders.run()
    [before] = lead_items(stored).values()
    summary = import_rows([row("粤B60002", 88, commercial="5100.00", insurer="平安产险")])
    assert (summary.updated, summary.leads_updated, summary.owners_changed) == (1, 1, 0)
    [after] = lead_items(stored).values()
    assert after["expiry_date"] == day(88)
    assert after["policy"]["commercial_premium"] == 5100
    assert after["policy"]["last_insurer"] == "平安产险"
    assert after["plan"]["N-30"] == day(58)
    assert (
        after["due"] == day(58)
        and after["ready_sk"] == f"{after['rank']}#{day(58)}#{after['lead_id']}"
    )
    assert after["version"] == before.get("version", 0) + 1
    [event] = events_of(stored, after["lead_id"])
    assert (event["kind"], event["cause"]) == ("roster_update", "expiry_date,policy")


def test_a_lead_asked_for_by_someone_else_keeps_its_contact(import_rows, backend, stored, client):
    asked = client.post(
        "/api/renewals",
        json={"name": "张太太", "phone": "13700137777", "plate": "粤B60003", "consent": True},
    )
    assert asked.status_code == 201
    import_rows([row("粤B60003", 70, phone=FORMER)])
    backend.roster.reminders.run()
    summary = import_rows([row("粤B60003", 70, phone=NEW, name="王芳", commercial="9000.00")])
    assert summary.owners_changed == 0 and summary.leads_updated == 1
    [lead] = lead_items(stored).values()
    assert (lead["name"], lead["phone"]) == ("张太太", "+8613700137777")
    assert lead["policy"]["commercial_premium"] == 9000


def test_nothing_changes_nothing_is_written(import_rows, backend, stored):
    import_rows([row("粤B60004", 70)])
    backend.roster.reminders.run()
    before = stored()
    summary = import_rows([row("粤B60004", 70)])
    assert (summary.unchanged, summary.leads_updated) == (1, 0)
    assert stored() == before


def test_an_import_stopped_before_the_leads_followed_finishes_them_next_time(
    import_rows, backend, stored, tmp_path
):
    import_rows([row("粤B60005", 75)])
    backend.roster.reminders.run()
    changed = write_roster(tmp_path / "newer.csv", [row("粤B60005", 75, commercial="7000.00")])
    checked = check_rows(read_roster(changed), TODAY)
    # The records are written, then the import stops (no follower: as if Lambda timed out).
    RosterImport(backend.stores.roster, backend.now).import_records(
        checked.records, ImportSummary()
    )
    [lead] = lead_items(stored).values()
    assert lead["policy"]["commercial_premium"] == 4280
    again = import_rows([row("粤B60005", 75, commercial="7000.00")])
    assert (again.unchanged, again.leads_updated) == (1, 1)
    [lead] = lead_items(stored).values()
    assert lead["policy"]["commercial_premium"] == 7000
    [policy] = stored()["policy"]
    assert policy["lead_synced"] == policy["row_hash"]
    assert clock.local_date(backend.now()) == TODAY


def test_erasing_the_former_owner_leaves_the_vehicles_cycle_to_the_new_owners_lead(
    import_rows, backend, fake_clock
):
    lead = worked_lead(import_rows, backend, fake_clock)
    import_rows([row("粤B60001", 80, phone=NEW, name="王芳", commercial="4280.00")])
    backend.privacy.erasure.erase("+86" + FORMER)
    policy = backend.stores.cycles.get_policy("粤B60001")
    cycle = backend.stores.cycles.get_cycle(policy.cycle_id)
    assert (cycle.plate, cycle.lead_id) == ("粤B60001", lead.lead_id)
    assert backend.renewals.cycles.find(backend.stores.leads.get_lead(lead.lead_id)) == cycle


def test_an_open_lead_follows_its_policy_to_the_cycle_of_the_new_expiry_date(
    import_rows, backend, stored, fake_clock
):
    import_rows([row("粤B60003", 85, commercial="4280.00")])
    backend.roster.reminders.run()
    [item] = lead_items(stored).values()
    first = backend.stores.cycles.get_policy("粤B60003").cycle_id
    assert item["cycle_id"] == first
    import_rows([row("粤B60003", 140, commercial="4280.00")])  # the export's date was wrong
    policy = backend.stores.cycles.get_policy("粤B60003")
    assert policy.cycle_id != first and policy.expiry_date == day(140)
    lead = backend.stores.leads.get_lead(item["lead_id"])
    assert lead.expiry_date == day(140) and lead.cycle_id is None
    found = backend.renewals.cycles.find(lead)
    assert found is not None and (found.cycle_id, found.expiry_date) == (policy.cycle_id, day(140))
    assert backend.stores.cycles.get_cycle(first).excluded == "superseded"
