"""Erasing a customer on request (PIPL) against DynamoDB Local."""

from __future__ import annotations

import logging

import pytest

from renewdesk.errors import StorageUnavailable
from renewdesk.services.privacy import Erasure
from renewdesk.services.staff import Actor
from renewdesk.store.privacy import PrivacyStore
from tests.staff.conftest import post

MONTH = "2026-05"


def _items_of(stored, customer) -> list[dict]:
    """Every stored item that carries a trace of the customer, rate counters aside."""
    found = [
        item
        for kind, items in stored().items()
        if kind != "rate"
        for item in items
        if any(trace in repr(item) for trace in customer.traces())
    ]
    return sorted(found, key=lambda item: (item["pk"], item["sk"]))


def _report(backend) -> dict:
    return backend.staff.reports.monthly(Actor("wang.boss", "supervisor"), MONTH)


def _without_notes(report: dict) -> dict:
    """The report's figures: everything but the defeat notes' free text."""
    return {
        **report,
        "defeat_reasons": [{**row, "notes": len(row["notes"])} for row in report["defeat_reasons"]],
    }


def test_erasing_a_customer_leaves_no_trace_of_them_in_any_stored_item(backend, stored, customers):
    """Leads, events, guards, policy, referral code, opt-out and spam: nothing names them."""
    erased, _ = customers
    assert _items_of(stored, erased), "the fixture stored the customer's data"
    counts = backend.privacy.erasure.erase(erased.phone)
    assert counts == {
        "open_leads": 2,
        "closed_leads": 1,
        "event_notes": 3,
        "dedupe_guards": 3,
        "policies": 1,
        "referral_codes": 1,
        "optouts": 1,
        "spam": 1,
    }
    assert _items_of(stored, erased) == []


def test_rate_counters_of_the_phone_are_left_to_expire_by_ttl(
    backend, stored, customers, fake_clock
):
    """Documented, not deleted: they go within two days of their window."""
    erased, _ = customers
    backend.privacy.erasure.erase(erased.phone)
    counters = [i for i in stored()["rate"] if erased.phone in i["pk"]]
    assert counters
    horizon = fake_clock().timestamp() + 2 * 86400
    assert all(i["expires_at"] <= horizon for i in counters)


def test_erased_leads_keep_what_reports_need_and_leave_the_queue(backend, stored, customers):
    """Type, source, outcome and reason stay; open leads are off the ready queue and desks."""
    erased, _ = customers
    before = {i: backend.stores.leads.get_lead(i) for i in erased.lead_ids}
    backend.privacy.erasure.erase(erased.phone)
    for lead_id, old in before.items():
        lead = backend.stores.leads.get_lead(lead_id)
        assert lead.status == "erased" and lead.erased_at
        for kept in ("type", "source", "created_at", "outcome", "reason", "owner", "closed_at"):
            assert getattr(lead, kept) == getattr(old, kept)
        item = next(i for i in stored()["lead"] if i["sk"] == "LEAD" and i["lead_id"] == lead_id)
        for gone in (
            "name",
            "phone",
            "plate",
            "note",
            "ready_pk",
            "desk_pk",
            "coll_pk",
            "policy",
            "referral_code",
        ):
            assert gone not in item
    events = [
        e for e in stored()["lead"] if e["sk"].startswith("EV#") and e["lead_id"] in erased.lead_ids
    ]
    assert events and all("note" not in e and e["month_pk"] for e in events)


def test_another_customers_data_is_untouched(backend, stored, customers):
    """Byte for byte, every item of the other customer stays as it was."""
    erased, kept = customers
    before = _items_of(stored, kept)
    backend.privacy.erasure.erase(erased.phone)
    assert _items_of(stored, kept) == before


def test_the_monthly_report_counts_are_the_same_after_erasure(backend, customers):
    """Only the erased customer's defeat note leaves the report."""
    erased, _ = customers
    before = _report(backend)
    backend.privacy.erasure.erase(erased.phone)
    after = _report(backend)
    assert after["leads_in"] == before["leads_in"] == 6
    assert after["lost"] == before["lost"] == 2
    notes = [n for row in after["defeat_reasons"] for n in row["notes"]]
    assert erased.note not in repr(notes) and len(notes) == 1
    assert {**_without_notes(after), "defeat_reasons": None} == {
        **_without_notes(before),
        "defeat_reasons": None,
    }
    assert [(r["reason"], r["count"]) for r in after["defeat_reasons"]] == [
        (r["reason"], r["count"]) for r in before["defeat_reasons"]
    ]


def test_erasing_twice_finds_nothing_left(backend, stored, customers):
    """The second run changes nothing and counts nothing."""
    erased, _ = customers
    backend.privacy.erasure.erase(erased.phone)
    after_first = stored()
    again = backend.privacy.erasure.erase(erased.phone)
    assert set(again.values()) == {0}
    assert stored() == after_first


class CrashAfterOneLead(PrivacyStore):
    """A store whose process dies (storage gives up) after erasing one lead."""

    def __init__(self, *args):
        super().__init__(*args)
        self.erased = 0

    def erase_lead(self, erasure):
        if self.erased == 1:
            raise StorageUnavailable("erase")
        super().erase_lead(erasure)
        self.erased += 1


def test_a_crash_midway_leaves_each_lead_whole_and_running_again_finishes(
    backend, settings, stored, customers
):
    """One lead fully erased, the others untouched; the re-run erases the rest."""
    erased, _ = customers
    crashing = Erasure(CrashAfterOneLead(backend.client, settings), now=backend.now)
    with pytest.raises(StorageUnavailable):
        crashing.erase(erased.phone)
    leads = [backend.stores.leads.get_lead(i) for i in erased.lead_ids]
    assert sorted(bool(lead.erased_at) for lead in leads) == [False, False, True]
    assert all(lead.phone == erased.phone for lead in leads if not lead.erased_at)
    counts = backend.privacy.erasure.erase(erased.phone)
    assert counts["open_leads"] + counts["closed_leads"] == 2
    assert _items_of(stored, erased) == []


def test_no_log_line_names_the_customer(backend, customers, caplog):
    """Counts only, never a name, phone, plate or note."""
    erased, _ = customers
    caplog.set_level(logging.DEBUG, logger="renewdesk")
    caplog.set_level(logging.INFO)  # botocore's DEBUG dumps request bodies; it is never on
    backend.privacy.erasure.erase(erased.phone)
    assert any("customer erased" in r.getMessage() for r in caplog.records)
    for record in caplog.records:
        assert not any(trace in record.getMessage() for trace in erased.traces())


def test_staff_see_an_erased_lead_without_its_contact_and_cannot_work_it(
    app, backend, supervisor, customers
):
    """The API and console show it as erased; reopening or claiming it is refused."""
    erased, _ = customers
    closed, renewal, _ = erased.lead_ids
    backend.privacy.erasure.erase(erased.phone)
    shown = supervisor.get(f"/api/staff/leads/{renewal}")
    assert shown.status_code == 200
    lead = shown.get_json()["lead"]
    assert lead["status"] == "erased" and lead["phone"] is None and lead["erased_at"]
    page = supervisor.get(f"/staff/leads/{closed}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "客户信息已删除" in html and "None" not in html
    assert not any(trace in html for trace in erased.traces())
    listed = supervisor.get(f"/staff/leads?month={MONTH}").get_data(as_text=True)
    assert listed.count("（客户信息已删除）") == 3 and erased.name not in listed
    reopen = post(supervisor, f"/api/staff/leads/{closed}/reopen")
    assert reopen.status_code == 409 and reopen.get_json()["error"] == "lead_erased"
    followup = post(
        supervisor,
        f"/api/staff/leads/{renewal}/followups",
        {"channel": "phone", "result": "reached"},
    )
    assert followup.status_code == 409
    claimed = post(supervisor, "/api/staff/leads/claim")
    assert claimed.status_code == 200 and claimed.get_json()["lead_id"] not in erased.lead_ids
