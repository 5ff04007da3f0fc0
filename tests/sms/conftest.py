"""SMS fixtures: the roster tests' day, store and CLI, and a sender that records what it sends."""

from __future__ import annotations

import pytest

from tests.roster.conftest import app, cli, fake_clock, import_rows  # noqa: F401  (fixtures)


class Outbox:
    """An SmsSender that keeps what it was asked to send."""

    def __init__(self):
        self.sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        self.sent.append((phone, text))


@pytest.fixture
def outbox(backend):
    box = Outbox()
    backend.roster.reminders.sender = lambda: box
    return box
