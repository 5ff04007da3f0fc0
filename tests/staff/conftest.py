"""Staff fixtures: accounts, signed-in clients, leads in the queue, a clock tests can move."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from flask.testing import FlaskClient

from renewdesk.app import create_app
from renewdesk.services import clock, queue
from renewdesk.services.intake import NewLead
from renewdesk.services.records import new_lead

PASSWORD = "correct horse battery"
LEASE_MINUTES = 10
START = dt.datetime(2026, 5, 12, 2, 0, tzinfo=dt.timezone.utc)  # 10:00 in the store
_numbers = itertools.count(10000)


class HttpsClient(FlaskClient):
    """A test client that talks https, so Secure __Host- cookies go back to the app."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("base_url", "https://localhost")
        return super().open(*args, **kwargs)


class Clock:
    """The time the app sees; tests move it forward."""

    def __init__(self, start: dt.datetime = START):
        self.moment = start

    def __call__(self) -> dt.datetime:
        return self.moment

    def advance(self, **delta) -> None:
        self.moment += dt.timedelta(**delta)


@pytest.fixture
def settings(settings):
    """The root settings with cheap argon2 hashing (production keeps 64 MiB x 3 passes) and a
    10-minute lease, so a lease can lapse while the 30-minute session idle limit has not."""
    return settings.with_(
        password_hash_memory_kib=1024, password_hash_time_cost=1, lease_minutes=LEASE_MINUTES
    )


@pytest.fixture
def fake_clock() -> Clock:
    return Clock()


@pytest.fixture
def app(settings, fake_clock):
    application = create_app(settings, now=fake_clock)
    application.test_client_class = HttpsClient
    return application


@pytest.fixture
def backend(app):
    return app.extensions["renewdesk"]


def add_staff(backend, username: str, role: str = "specialist") -> str:
    backend.staff.accounts.add(username, role, PASSWORD)
    return username


def sign_in(app, username: str, password: str = PASSWORD, otp: str | None = None):
    """A client with a live session; its CSRF token is in ``client.csrf``."""
    client = HttpsClient(app, app.response_class, use_cookies=True)
    body = {"username": username, "password": password, **({"otp": otp} if otp else {})}
    answer = client.post("/api/staff/session", json=body)
    assert answer.status_code == 200, answer.get_json()
    client.csrf = answer.get_json()["csrf_token"]
    return client


def after(app, fake_clock, username: str, **delta):
    """Let time pass (beyond the session's idle limit) and sign the person in again."""
    fake_clock.advance(**delta)
    return sign_in(app, username)


def post(client, path: str, body: dict | None = None, **kwargs):
    """A state-changing call with the client's CSRF token."""
    return client.post(path, json=body or {}, headers={"X-CSRF-Token": client.csrf}, **kwargs)


@pytest.fixture
def specialist(app, backend):
    return sign_in(app, add_staff(backend, "li.na"))


@pytest.fixture
def supervisor(app, backend):
    return sign_in(app, add_staff(backend, "wang.boss", "supervisor"))


def add_lead(
    backend,
    *,
    grade: str | None = None,
    customer_requested: bool = True,
    due: str | None = None,
    created: dt.datetime | None = None,
    lead_type: str = "renewal",
    expiry_date: str | None = None,
    phone: str | None = None,
    source: str | None = None,
    name: str = "张伟",
) -> str:
    """A lead in the queue, stored the way public intake stores one."""
    moment = created or backend.now()
    number = next(_numbers)
    lead = new_lead(
        lead_id=clock.new_id(moment),
        lead_type=lead_type,
        now=moment,
        source=source or ("renewal_request" if lead_type == "renewal" else "referral"),
        customer_requested=customer_requested,
        rank=queue.rank(grade, customer_requested),
        due=due,
        name=name,
        phone=phone or f"+86139{number:08d}",
        plate=f"粤B{number:05d}",
        expiry_date=expiry_date,
        consent_version="test",
        consent_at=clock.iso(moment),
        grade=grade,
        referral_code="ABCDEF" if lead_type == "referral" else None,
        interest="insurance" if lead_type == "referral" else None,
    )
    outcome = backend.stores.leads.add_lead(NewLead(lead, ()))
    assert not outcome.duplicate
    return lead.lead_id
