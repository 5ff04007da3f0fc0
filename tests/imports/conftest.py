"""Import fixtures: the roster tests' day (2 March 2026) and CLI, the staff tests' sign-in."""

from __future__ import annotations

import pytest

from tests.roster.conftest import START, cli, import_rows  # noqa: F401  (fixtures)
from tests.staff.conftest import (  # noqa: F401  (fixtures used here as the staff tests have them)
    Clock,
    HttpsClient,
    add_staff,
    app,
    backend,
    settings,
    sign_in,
)


@pytest.fixture
def fake_clock() -> Clock:
    return Clock(START)


@pytest.fixture
def supervisor(app, backend):
    return sign_in(app, add_staff(backend, "wang.boss", "supervisor"))


@pytest.fixture
def specialist(app, backend):
    return sign_in(app, add_staff(backend, "li.na"))
