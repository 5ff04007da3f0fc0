"""Reminder opt-outs: a customer who replied TD, phoned, or tapped the link's opt-out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable, Protocol

from renewdesk.services import clock


class OptOutStore(Protocol):
    """What opt-outs need from storage (implemented by store.roster)."""

    def put_optout(self, phone: str, via: str, at: str) -> None: ...

    def delete_optout(self, phone: str) -> bool: ...


@dataclass
class OptOuts:
    """Records and takes back opt-outs from reminder SMS."""

    store: OptOutStore
    now: Callable[[], dt.datetime] = clock.now

    def add(self, phone: str, via: str) -> None:
        """No more reminder SMS to this (normalised) phone; the first opt-out's time is kept."""
        self.store.put_optout(phone, via, clock.iso(self.now()))

    def remove(self, phone: str) -> bool:
        """Reminders again; False if the phone had not opted out."""
        return self.store.delete_optout(phone)
