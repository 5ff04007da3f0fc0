"""Referral codes: short, easy to read aloud or type from a poster, with no 0/O or 1/I."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Protocol

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


def issue_code(store: ReferrerStore, name: str, phone: str, attempts: int = 5) -> Referrer:
    """The customer's referral code: the existing one, or a new one that no one else holds."""
    for _ in range(attempts):
        candidate = Referrer(new_code(), name, phone, clock.iso(clock.now()))
        stored = store.add_referrer(candidate)
        if stored is not None:
            return stored
    raise RuntimeError("could not find a free referral code; try again")


def signup_url(site_origin: str, code: str) -> str:
    """The page a referred person opens to sign up."""
    return f"{site_origin.rstrip('/')}/join/?code={code}"
