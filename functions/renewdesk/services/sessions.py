"""Server-side staff sessions: random ids stored only as hashes, idle and absolute expiry, CSRF.

The session id and the CSRF token are random; the table keeps only their SHA-256, so a leaked
table backup cannot be replayed as a login. Expiry is checked on every read (TTL deletes lazily).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from renewdesk.errors import NotAuthenticated
from renewdesk.services import clock
from renewdesk.services.staff import Actor, StaffMember

# Activity is written at most this often, so every request does not cost a write.
TOUCH_EVERY_SECONDS = 60


@dataclass(frozen=True)
class Session:
    """A live session: who, and the hash of the CSRF token it was given."""

    session_hash: str
    actor: Actor
    csrf_hash: str
    created_at: int


@dataclass(frozen=True)
class NewSession:
    """What a login hands to the client: the cookie value and the CSRF token."""

    session_id: str
    csrf_token: str
    actor: Actor


class SessionStore(Protocol):
    """What sessions need from storage (implemented by store.staff)."""

    def put_session(self, session_hash: str, values: dict[str, Any]) -> None: ...

    def get_session(self, session_hash: str) -> dict[str, Any] | None: ...

    def touch_session(self, session_hash: str, last_seen: int) -> None: ...

    def delete_session(self, session_hash: str) -> None: ...

    def get_staff(self, username: str) -> dict[str, Any] | None: ...


def digest(secret: str) -> str:
    """SHA-256 of a session id or CSRF token, as stored."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass
class Sessions:
    """Opens, checks and ends sessions."""

    store: SessionStore
    idle_minutes: int = 30
    absolute_hours: int = 12
    now: Callable[[], dt.datetime] = field(default=clock.now)

    def open(self, member: StaffMember, previous_id: str | None = None) -> NewSession:
        """A fresh session for a successful login; a session the browser still had is ended."""
        if previous_id:
            self.store.delete_session(digest(previous_id))
        session_id = secrets.token_urlsafe(32)
        csrf_token = secrets.token_urlsafe(32)
        now = int(self.now().timestamp())
        self.store.put_session(
            digest(session_id),
            {
                "username": member.username,
                "csrf_hash": digest(csrf_token),
                "created_at": now,
                "last_seen": now,
                "expires_at": now + self.absolute_hours * 3600,
            },
        )
        return NewSession(session_id, csrf_token, Actor(member.username, member.role))

    def resolve(self, session_id: str | None) -> Session:
        """The live session for a cookie value, or NotAuthenticated; renews the idle timer."""
        if not session_id:
            raise NotAuthenticated()
        session_hash = digest(session_id)
        item = self.store.get_session(session_hash)
        if item is None:
            raise NotAuthenticated()
        now = int(self.now().timestamp())
        idle_end = int(item["last_seen"]) + self.idle_minutes * 60
        absolute_end = int(item["created_at"]) + self.absolute_hours * 3600
        if now >= idle_end or now >= absolute_end:
            self.store.delete_session(session_hash)
            raise NotAuthenticated("session_expired")
        # The account is read on every request: disabling it or changing its role bites at once.
        staff = self.store.get_staff(item["username"])
        if staff is None or staff.get("disabled"):
            self.store.delete_session(session_hash)
            raise NotAuthenticated()
        if now - int(item["last_seen"]) >= TOUCH_EVERY_SECONDS:
            self.store.touch_session(session_hash, now)
        return Session(
            session_hash,
            Actor(staff["username"], staff["role"]),
            item["csrf_hash"],
            int(item["created_at"]),
        )

    def close(self, session_id: str | None) -> None:
        """Log out: the session is deleted server-side."""
        if session_id:
            self.store.delete_session(digest(session_id))


def csrf_ok(session: Session, token: str | None) -> bool:
    """Whether a request carries this session's CSRF token."""
    if not token:
        return False
    return hmac.compare_digest(digest(token), session.csrf_hash)
