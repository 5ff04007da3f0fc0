"""Referral codes: short, easy to read aloud or type from a poster, with no 0/O or 1/I."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Callable, Protocol

from renewdesk.services import clock

# 32 symbols without the look-alikes 0, O, 1 and I.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 6


@dataclass(frozen=True)
class Referrer:
    """An existing customer who refers new ones."""

    code: str
    name: str
    phone: str
    created_at: str


class ReferrerStore(Protocol):
    """What referral codes need from storage (implemented by store.referrers)."""

    def add_referrer(self, referrer: Referrer) -> Referrer | None: ...

    def list_referrers(self) -> list[Referrer]: ...


def new_code() -> str:
    """A random referral code."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


@dataclass
class Referrers:
    """Issues and lists referral codes; knows neither click nor DynamoDB."""

    store: ReferrerStore
    site_origin: str
    now: Callable[[], dt.datetime] = clock.now
    attempts: int = 5

    def issue(self, name: str, phone: str) -> Referrer:
        """The customer's referral code: the existing one, or a new one no one else holds."""
        for _ in range(self.attempts):
            candidate = Referrer(new_code(), name, phone, clock.iso(self.now()))
            stored = self.store.add_referrer(candidate)
            if stored is not None:
                return stored
        raise RuntimeError("could not find a free referral code; try again")

    def all(self) -> list[Referrer]:
        """Every referrer, oldest first."""
        return self.store.list_referrers()

    def signup_url(self, code: str) -> str:
        """The page a referred person opens to sign up."""
        return f"{self.site_origin.rstrip('/')}/join/?code={code}"
