"""Staff accounts: argon2 password hashes, roles, TOTP, and locking after failed logins."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable, Protocol

from renewdesk.errors import AccountLocked, LoginRefused, NotFound
from renewdesk.services import clock

ROLES = ("specialist", "supervisor")
USERNAME_RE = re.compile(r"^[a-z][a-z0-9._-]{1,31}$")
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in staff member."""

    username: str
    role: str

    @property
    def is_supervisor(self) -> bool:
        return self.role == "supervisor"


@dataclass(frozen=True)
class StaffMember:
    """An account as the rest of the product sees it (no secrets)."""

    username: str
    role: str
    disabled: bool
    totp_enabled: bool
    created_at: str


class AccountStore(Protocol):
    """What accounts need from storage (implemented by store.staff)."""

    def add_staff(self, values: dict[str, Any]) -> bool: ...

    def get_staff(self, username: str) -> dict[str, Any] | None: ...

    def list_staff(self) -> list[dict[str, Any]]: ...

    def update_staff(self, username: str, values: dict[str, Any],
                     condition: tuple[str, dict[str, Any]] | None = None) -> bool: ...

    def count_login_failure(self, username: str) -> int: ...


class AccountError(ValueError):
    """A bad username, role or password given to the CLI (``code`` names the problem)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def password_hasher(memory_kib: int, time_cost: int):
    """An argon2id hasher (argon2 loads a native library: only when a password is checked)."""
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)


def _verify(hasher, stored_hash: str | None, password: str) -> bool:
    """Check a password; unknown users are checked against a dummy hash to take the same time."""
    from argon2.exceptions import InvalidHashError, VerificationError

    if stored_hash is None:
        stored_hash = hasher.hash("not a real password")
        password = password + "\x00"  # never matches
    try:
        return hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def check_password(password: str) -> str:
    """A password good enough for a staff account, or AccountError."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError("password_too_short")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError("password_too_long")
    return password


def _member(item: dict[str, Any]) -> StaffMember:
    return StaffMember(item["username"], item["role"], bool(item.get("disabled")),
                       bool(item.get("totp_secret")), item.get("created_at", ""))


@dataclass
class Accounts:
    """Creates accounts and decides logins; knows neither HTTP nor DynamoDB."""

    store: AccountStore
    max_failures: int = 5
    lockout_minutes: int = 15
    now: Callable[[], dt.datetime] = field(default=clock.now)
    # argon2id cost: RFC 9106's second recommendation (64 MiB, 3 passes) unless configured.
    hash_memory_kib: int = 65536
    hash_time_cost: int = 3

    @cached_property
    def _hasher(self):
        return password_hasher(self.hash_memory_kib, self.hash_time_cost)

    def add(self, username: str, role: str, password: str) -> StaffMember:
        """Create an account; AccountError if the name, role or password is not acceptable."""
        if not USERNAME_RE.fullmatch(username):
            raise AccountError("bad_username")
        if role not in ROLES:
            raise AccountError("bad_role")
        values = {
            "username": username,
            "role": role,
            "password_hash": self._hasher.hash(check_password(password)),
            "disabled": False,
            "failed_logins": 0,
            "created_at": clock.iso(self.now()),
        }
        if not self.store.add_staff(values):
            raise AccountError("username_taken")
        return _member(values)

    def get(self, username: str) -> StaffMember | None:
        """One account, or None."""
        item = self.store.get_staff(username)
        return _member(item) if item else None

    def active(self, username: str) -> StaffMember | None:
        """The account if it exists and is not disabled."""
        member = self.get(username)
        return member if member and not member.disabled else None

    def list_all(self) -> list[StaffMember]:
        """Every account."""
        return [_member(i) for i in self.store.list_staff()]

    def set_disabled(self, username: str, disabled: bool) -> None:
        """Disable (or enable again) an account; a disabled account's sessions stop at once."""
        if not self.store.update_staff(username, {"disabled": disabled}):
            raise NotFound(username)

    def set_password(self, username: str, password: str) -> None:
        """Replace a password (and lift a lockout)."""
        hashed = self._hasher.hash(check_password(password))
        if not self.store.update_staff(username, {"password_hash": hashed, "failed_logins": 0,
                                                  "locked_until": 0}):
            raise NotFound(username)

    def enable_totp(self, username: str, issuer: str) -> str:
        """Turn on one-time codes for an account; the provisioning URI for an authenticator app."""
        import pyotp

        secret = pyotp.random_base32()
        if not self.store.update_staff(username, {"totp_secret": secret, "totp_last_step": 0}):
            raise NotFound(username)
        return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)

    def authenticate(self, username: str, password: str, otp: str | None) -> StaffMember:
        """The account if the password (and code) are right; LoginRefused or AccountLocked if not."""
        item = self.store.get_staff(username) if USERNAME_RE.fullmatch(username) else None
        now = self.now()
        if item is None:
            _verify(self._hasher, None, password)
            raise LoginRefused("bad_credentials")
        locked_until = int(item.get("locked_until") or 0)
        if locked_until > now.timestamp():
            raise AccountLocked(clock.seconds_until(now, _from_epoch(locked_until)))
        if not _verify(self._hasher, item["password_hash"], password):
            self._failed(username, now)
            raise LoginRefused("bad_credentials")
        if item.get("disabled"):
            raise LoginRefused("account_disabled")
        if item.get("totp_secret"):
            if not otp:
                raise LoginRefused("otp_required")
            if not self._accept_otp(item, otp, now):
                self._failed(username, now)
                raise LoginRefused("bad_otp")
        changes: dict[str, Any] = {}
        if item.get("failed_logins"):
            changes["failed_logins"] = 0
        if self._hasher.check_needs_rehash(item["password_hash"]):
            changes["password_hash"] = self._hasher.hash(password)
        if changes:
            self.store.update_staff(username, changes)
        return _member(item)

    def _failed(self, username: str, now: dt.datetime) -> None:
        if self.store.count_login_failure(username) >= self.max_failures:
            until = now + dt.timedelta(minutes=self.lockout_minutes)
            self.store.update_staff(username, {"locked_until": int(until.timestamp()),
                                               "failed_logins": 0})
            raise AccountLocked(self.lockout_minutes * 60)

    def _accept_otp(self, item: dict[str, Any], otp: str, now: dt.datetime) -> bool:
        """Check a code, once: a code already used (or an older one) is refused."""
        import pyotp

        totp = pyotp.TOTP(item["totp_secret"])
        code = otp.strip().replace(" ", "")
        for offset in (0, -1, 1):  # one step of clock drift either way
            moment = now + dt.timedelta(seconds=offset * totp.interval)
            if totp.verify(code, for_time=moment):
                step = int(moment.timestamp()) // totp.interval
                return self.store.update_staff(
                    item["username"], {"totp_last_step": step},
                    ("attribute_not_exists(totp_last_step) OR totp_last_step < :step",
                     {":step": step}))
        return False


def _from_epoch(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc)
