"""Short personal links for reminder SMS: ``<site>/r/<code>``, 12 characters that fit a
one-message SMS where the 98-character token link took three.

A code is ``<day><key><signature>`` in base62: ``day`` (2) the issuing day (days since 2026-01-01,
modulo 62², unambiguous within a link's life), ``key`` (7) an HMAC of the store, the policy's
opaque roster id and the day, ``signature`` (3) an HMAC of the first nine. So the same policy on
the same day always gets the same link (a second run rewrites the day's file identically), a
code says nothing about the customer, a forged or altered code is refused without reading
anything (but for one in about 240,000 that passes the signature and then finds nothing), and an
expired one too: it works for ``LINK_TOKEN_DAYS`` from the start of its day, as a token does.
The code's first nine characters name the stored link (the roster id it stands for), written
when the reminders run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Callable, Protocol

from renewdesk.errors import LinkRejected
from renewdesk.services import clock
from renewdesk.services.links import EXPIRED, INVALID

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
CODE_LENGTH = 12
DAY_DIGITS, KEY_DIGITS, SIGNATURE_DIGITS = 2, 7, 3
CODE_RE = re.compile(rf"^[0-9A-Za-z]{{{CODE_LENGTH}}}$")
CODE_PATTERN = CODE_RE.pattern
EPOCH = dt.date(2026, 1, 1)
DAY_CYCLE = len(ALPHABET) ** DAY_DIGITS


@dataclass(frozen=True)
class ShortLink:
    """A stored link: the code's first nine characters, the roster id, the day it was issued,
    and when it may be deleted (epoch seconds)."""

    key: str
    roster_id: str
    issued_on: str
    expires_at: int


class ShortLinkStore(Protocol):
    """Where links are kept (implemented by store.short_links)."""

    def put_links(self, links: list[ShortLink]) -> set[str]: ...

    def get_link(self, key: str) -> ShortLink | None: ...


def _base62(number: int, digits: int) -> str:
    out = []
    for _ in range(digits):
        number, rest = divmod(number, len(ALPHABET))
        out.append(ALPHABET[rest])
    return "".join(reversed(out))


def _number(text: str) -> int:
    value = 0
    for ch in text:
        value = value * len(ALPHABET) + ALPHABET.index(ch)
    return value


class ShortLinks:
    """Issues, stores and reads the short links of one store."""

    def __init__(
        self,
        secret: bytes,
        store_id: str,
        days: int,
        store: ShortLinkStore,
        now: Callable[[], dt.datetime] = clock.now,
    ):
        self._key = hmac.new(secret, f"renewdesk.short-link.{store_id}".encode(), "sha256").digest()
        self.store_id = store_id
        self.days = days
        self.store = store
        self.now = now

    def code(self, roster_id: str, day: dt.date) -> str:
        """The code of a policy's link issued on a day (always the same)."""
        stamp = _base62((day - EPOCH).days % DAY_CYCLE, DAY_DIGITS)
        key = _base62(self._mac(f"key|{roster_id}|{day.isoformat()}"), KEY_DIGITS)
        return stamp + key + self._signature(stamp + key)

    def issue(self, roster_ids: list[str], day: dt.date) -> dict[str, str]:
        """Codes for these policies' links of a day, stored; by roster id. A policy whose code
        collides with another policy's is left out (its message keeps the long link)."""
        codes = {roster_id: self.code(roster_id, day) for roster_id in roster_ids}
        expires = int(self._start(day).timestamp()) + (self.days + 1) * 86400
        taken = self.store.put_links(
            [
                ShortLink(code[: DAY_DIGITS + KEY_DIGITS], roster_id, day.isoformat(), expires)
                for roster_id, code in codes.items()
            ]
        )
        return {rid: code for rid, code in codes.items() if code[:9] not in taken}

    def read(self, code: object) -> tuple[str, float]:
        """(The roster id a code stands for, when its link was issued, epoch seconds);
        LinkRejected invalid_token (forged, altered) or expired_token (too old, or gone)."""
        if not isinstance(code, str) or not CODE_RE.fullmatch(code):
            raise LinkRejected(INVALID)
        head, signature = code[:-SIGNATURE_DIGITS], code[-SIGNATURE_DIGITS:]
        if not hmac.compare_digest(self._signature(head), signature):
            raise LinkRejected(INVALID)
        issued = self._start(self._issued_on(_number(code[:DAY_DIGITS])))
        if self.now() > issued + dt.timedelta(days=self.days):
            raise LinkRejected(EXPIRED)
        link = self.store.get_link(head)
        if link is None or link.issued_on != issued.date().isoformat():
            raise LinkRejected(EXPIRED)  # its record is gone: the link no longer works
        return link.roster_id, issued.timestamp()

    def _issued_on(self, residue: int) -> dt.date:
        """The latest day up to today with this day number (modulo the cycle)."""
        today = clock.local_date(self.now())
        back = ((today - EPOCH).days - residue) % DAY_CYCLE
        return today - dt.timedelta(days=back)

    @staticmethod
    def _start(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), tzinfo=clock.CHINA)

    def _mac(self, text: str) -> int:
        return int.from_bytes(hmac.new(self._key, text.encode(), hashlib.sha256).digest()[:8])

    def _signature(self, head: str) -> str:
        return _base62(self._mac(f"sig|{head}"), SIGNATURE_DIGITS)
