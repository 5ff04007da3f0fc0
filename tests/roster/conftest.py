"""Roster fixtures: a clock the app and tests share, roster files on disk, policies in the store."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from renewdesk.app import create_app
from renewdesk.roster_sample import write_roster
from renewdesk.services import clock
from tests.staff.conftest import Clock  # the staff tests' movable clock

# 09:00 in the store on 2 March 2026.
START = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.timezone.utc)
TODAY = clock.local_date(START)


@pytest.fixture
def fake_clock() -> Clock:
    return Clock(START)


@pytest.fixture
def app(settings, fake_clock):
    return create_app(settings, now=fake_clock)


def day(offset: int) -> str:
    """The date ``offset`` days after TODAY, as YYYY-MM-DD."""
    return (TODAY + dt.timedelta(days=offset)).isoformat()


def row(
    plate: str,
    expires_in: int,
    grade: str = "B",
    phone: str | None = None,
    name: str = "张伟",
    **changes,
) -> tuple:
    """One roster row (Chinese column order of roster_sample.HEADERS)."""
    number = sum(ord(c) for c in plate) % 10**8
    values = {
        "plate": plate,
        "name": name,
        "phone": phone or f"137{number:08d}",
        "expiry": day(expires_in),
        "insurer": "人保财险",
        "commercial": "4280.00",
        "compulsory": "950.00",
        "grade": grade,
        "model": "凯美瑞",
        "vin": "LVGBE40K8GG123456",
        "advisor": "陈顾问",
    }
    values.update(changes)
    return tuple(values.values())


@pytest.fixture
def import_rows(backend, tmp_path):
    """Import roster rows through the service the CLI uses; the summary."""

    def run(rows: list[tuple], name: str = "roster.csv", language: str = "zh"):
        from renewdesk.services.roster import ImportSummary, check_rows
        from renewdesk.services.roster_files import read_roster

        path = write_roster(tmp_path / name, rows, language)
        checked = check_rows(read_roster(path), clock.local_date(backend.now()))
        summary = ImportSummary(rejections=checked.rejections)
        return backend.roster.imports.import_records(checked.records, summary)

    return run


@pytest.fixture
def cli(settings):
    """Run `renewdesk ...` against this test's store; (exit code, stdout, stderr)."""
    from renewdesk.cli import main

    base = {
        "DYNAMODB_ENDPOINT": settings.dynamodb_endpoint,
        "TABLE_NAME": settings.table_name,
        "STORE_ID": settings.store_id,
        "SITE_ORIGIN": settings.site_origin,
        "SECRETS_DIR": str(settings.secrets_dir),
        "SMS_OUTBOX_DIR": str(settings.sms_outbox_dir),
        "RENEWDESK_LANG": "zh",
    }

    def run(*args: str, input: str | None = None, env: dict | None = None):
        merged = {**base, **(env or {})}  # a None value unsets the variable
        result = CliRunner().invoke(
            main, list(args), env=merged, input=input, catch_exceptions=False
        )
        return result.exit_code, result.stdout, result.stderr

    return run
