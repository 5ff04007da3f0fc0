"""Privacy fixtures: the staff tests' clock and sign-in, the roster import, two customers' data."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from renewdesk.app import create_app
from tests.roster.conftest import cli, import_rows, row  # noqa: F401  (cli, import_rows: fixtures)
from tests.staff.conftest import (  # noqa: F401  (fixtures used here as the staff tests have them)
    HttpsClient,
    add_lead,
    add_staff,
    backend,
    fake_clock,
    post,
    settings,
    sign_in,
)


@dataclass(frozen=True)
class Customer:
    """What a test knows of one customer: everything that must (not) be left after erasure."""

    name: str
    phone: str  # as stored: +86...
    plates: tuple[str, ...]
    note: str
    lead_ids: tuple[str, ...]

    def traces(self) -> tuple[str, ...]:
        """Strings that would betray the customer if found in any stored item."""
        return (self.name, self.phone, self.phone[3:], *self.plates, self.note)


@pytest.fixture
def app(settings, fake_clock):
    """The app on the staff tests' clock, public intake included (one month for reports)."""
    application = create_app(settings, now=fake_clock)
    application.test_client_class = HttpsClient
    return application


@pytest.fixture
def supervisor(app, backend):
    return sign_in(app, add_staff(backend, "wang.boss", "supervisor"))


def worked_lead(backend, staff, phone: str, name: str, note: str, outcome: dict) -> str:
    """A lead claimed, followed up twice and closed through the staff API."""
    lead_id = add_lead(backend, phone=phone, name=name)
    claimed = post(staff, "/api/staff/leads/claim")
    assert claimed.status_code == 200 and claimed.get_json()["lead_id"] == lead_id
    for result in ("no_answer", "reached"):
        answer = post(
            staff,
            f"/api/staff/leads/{lead_id}/followups",
            {"channel": "phone", "result": result, "note": note},
        )
        assert answer.status_code in (200, 201), answer.get_json()
    closed = post(staff, f"/api/staff/leads/{lead_id}/close", {**outcome, "note": note})
    assert closed.status_code == 200, closed.get_json()
    return lead_id


PEOPLE = (
    ("欧阳娜娜", "13812345678", "粤B8A123", "13900139000"),
    ("司马强", "13798765432", "粤C5K777", "13600136000"),
)


@pytest.fixture
def customers(app, backend, client, supervisor, import_rows):
    """Customer A (to erase) and customer B (to keep), each with: a closed lead with follow-ups,
    a roster policy, a renewal request, a referral sign-up, a referral code; A also opted out of
    reminders and has a honeypot submission. Returns (A, B)."""
    # The closed leads first: each claim takes the head of the queue.
    closed = [
        worked_lead(
            backend,
            supervisor,
            "+86" + mobile,
            name,
            _note(name, mobile),
            {"outcome": "lost", "reason": "other"},
        )
        for name, mobile, _, _ in PEOPLE
    ]
    made = []
    for (name, mobile, plate, friend), closed_id in zip(PEOPLE, closed, strict=True):
        phone, note = "+86" + mobile, _note(name, mobile)
        assert import_rows([row(plate, 80, phone=mobile, name=name)]).added == 1
        renewal = client.post(
            "/api/renewals",
            json={"name": name, "phone": mobile, "plate": plate, "note": note, "consent": True},
        )
        assert renewal.status_code == 201
        other = backend.referrals.referrers.issue("推荐人", "+86" + friend).code
        referral = client.post(
            "/api/referrals",
            json={
                "code": other,
                "name": name,
                "phone": mobile,
                "interest": "club",
                "note": note,
                "consent": True,
            },
        )
        assert referral.status_code == 201
        backend.referrals.referrers.issue(name, phone)
        old_plate = backend.stores.leads.get_lead(closed_id).plate
        made.append(
            Customer(
                name,
                phone,
                (plate, old_plate),
                note,
                (closed_id, renewal.get_json()["lead_id"], referral.get_json()["lead_id"]),
            )
        )
    erased = made[0]
    backend.stores.roster.put_optout(erased.phone, "link", "2026-05-12T02:00:00.000Z")
    spam = client.post(
        "/api/renewals",
        json={
            "name": erased.name,
            "phone": "138 1234 5678",
            "plate": erased.plates[0],
            "consent": True,
            "website": "http://spam.example",
        },
    )
    assert spam.status_code == 201
    return made[0], made[1]


def _note(name: str, mobile: str) -> str:
    return f"{name}说让朋友{mobile}代买"
