"""Staff accounts: argon2 password hashes, roles, TOTP, and throttling failed logins.

A login answers the same, in the same time, for an unknown user, a wrong password and a
throttled attempt (one argon2 verification each, against a dummy hash when there is no account).
Failures are counted per client address, per account from that address, and per account from
everywhere in a day. The first two throttle for the rest of their window, so failures from one
address never stop the owner logging in from another; the daily per-account ceiling stops a
guess spread over many addresses and is cleared by `renewdesk staff unlock`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import secrets
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Callable, Protocol

from renewdesk.errors import LoginRefused, NotFound
from renewdesk.services import clock
from renewdesk.services.limits import RateLimit

if TYPE_CHECKING:
    from argon2 import PasswordHasher

log = logging.getLogger(__name__)

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

    def update_staff(
        self,
        username: str,
        values: dict[str, Any],
        condition: tuple[str, dict[str, Any]] | None = None,
    ) -> bool: ...

    def login_state(
        self, username: str | None, counters: list[RateLimit], now: int
    ) -> tuple[dict[str, Any] | None, list[int]]: ...

    def count_login_failure(self, counters: list[RateLimit]) -> None: ...

    def clear_counter(self, counter: RateLimit) -> None: ...


@dataclass(frozen=True)
class LoginLimits:
    """How many failed logins each counter allows in its window."""

    per_account_address: int = 5
    per_address: int = 30
    window_minutes: int = 15
    per_account_per_day: int = 100


class AccountError(ValueError):
    """A bad username, role or password given to the CLI (``code`` names the problem)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def password_hasher(memory_kib: int, time_cost: int) -> PasswordHasher:
    """An argon2id hasher (argon2 loads a native library: only when a password is checked)."""
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)


def check_password(password: str) -> str:
    """A password good enough for a staff account, or AccountError."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError("password_too_short")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError("password_too_long")
    return password


def _member(item: dict[str, Any]) -> StaffMember:
    return StaffMember(
        item["username"],
        item["role"],
        bool(item.get("disabled")),
        bool(item.get("totp_secret")),
        item.get("created_at", ""),
    )


@dataclass
class Accounts:
    """Creates accounts and decides logins; knows neither HTTP nor DynamoDB."""

    store: AccountStore
    limits: LoginLimits = field(default_factory=LoginLimits)
    now: Callable[[], dt.datetime] = field(default=clock.now)
    # argon2id cost: RFC 9106's second recommendation (64 MiB, 3 passes) unless configured.
    hash_memory_kib: int = 65536
    hash_time_cost: int = 3

    @cached_property
    def _hasher(self) -> PasswordHasher:
        return password_hasher(self.hash_memory_kib, self.hash_time_cost)

    @cached_property
    def _dummy_hash(self) -> str:
        """What a login without an account is checked against (same cost as a real one)."""
        return str(self._hasher.hash(secrets.token_urlsafe(16)))

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
        """Replace a password (and lift the account's daily ceiling of failed logins)."""
        hashed = self._hasher.hash(check_password(password))
        if not self.store.update_staff(username, {"password_hash": hashed}):
            raise NotFound(username)
        self.unlock(username)

    def unlock(self, username: str) -> None:
        """Clear the account's daily ceiling of failed logins (a supervisor, after checking)."""
        if self.store.get_staff(username) is None:
            raise NotFound(username)
        self.store.clear_counter(self._account_counter(username, self.now()))
        log.info("staff logins unlocked: account=%s", username)

    def enable_totp(self, username: str, issuer: str) -> str:
        """Turn on one-time codes for an account; the provisioning URI for an authenticator app."""
        import pyotp

        secret = pyotp.random_base32()
        if not self.store.update_staff(username, {"totp_secret": secret, "totp_last_step": 0}):
            raise NotFound(username)
        return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)

    def authenticate(
        self, username: str, password: str, otp: str | None, address: str
    ) -> StaffMember:
        """The account if the password (and code) are right, else LoginRefused: the same
        ``bad_credentials`` for an unknown user, a wrong password and a throttled attempt."""
        now = self.now()
        known_name = USERNAME_RE.fullmatch(username) is not None
        counters = self._counters(username, address, now)
        item, counts = self.store.login_state(
            username if known_name else None, counters, int(now.timestamp())
        )
        throttled = [c.scope for c, n in zip(counters, counts, strict=True) if n >= c.limit]
        _ = self._dummy_hash  # made on the first attempt of all, known user or not: same cost
        right = self._verify(item["password_hash"] if item else None, password)
        account = username if item else "unknown"  # never an attempted name: it may be a password
        where = _address_tag(address)
        if throttled:
            log.warning(
                "staff login throttled: account=%s address=%s by=%s",
                account,
                where,
                ",".join(throttled),
            )
            raise LoginRefused("bad_credentials")
        if not right:
            self.store.count_login_failure(counters)
            log.info("staff login failed: account=%s address=%s", account, where)
            raise LoginRefused("bad_credentials")
        if item is None:  # unreachable: no account never verifies (see _verify)
            raise LoginRefused("bad_credentials")
        if item.get("disabled"):
            raise LoginRefused("account_disabled")
        if item.get("totp_secret"):
            if not otp:
                raise LoginRefused("otp_required")
            if not self._accept_otp(item, otp, now):
                self.store.count_login_failure(counters)
                log.info("staff login failed: account=%s address=%s otp", account, where)
                raise LoginRefused("bad_otp")
        self.store.clear_counter(counters[1])  # the owner is back at this address
        if self._hasher.check_needs_rehash(item["password_hash"]):
            self.store.update_staff(username, {"password_hash": self._hasher.hash(password)})
        return _member(item)

    def _verify(self, stored_hash: str | None, password: str) -> bool:
        """One argon2 verification, whether or not there is an account."""
        from argon2.exceptions import InvalidHashError, VerificationError

        try:
            return (
                self._hasher.verify(stored_hash or self._dummy_hash, password)
                and stored_hash is not None
            )
        except (VerificationError, InvalidHashError):
            return False

    def _counters(self, username: str, address: str, now: dt.datetime) -> list[RateLimit]:
        """Failures from this address, for this account from this address, for this account."""
        seconds = self.limits.window_minutes * 60
        number = int(now.timestamp()) // seconds  # fixed windows, numbered from the epoch
        end = (number + 1) * seconds
        window, where = str(number), _address_tag(address)
        expires, left = end + 3600, max(1, end - int(now.timestamp()))
        return [
            RateLimit("login_address", where, window, self.limits.per_address, expires, left),
            RateLimit(
                "login_account_address",
                f"{username}#{where}",
                window,
                self.limits.per_account_address,
                expires,
                left,
            ),
            self._account_counter(username, now),
        ]

    def _account_counter(self, username: str, now: dt.datetime) -> RateLimit:
        day_start, day_end = clock.local_day_window(now)
        return RateLimit(
            "login_account",
            username,
            day_start.strftime("%Y%m%d"),
            self.limits.per_account_per_day,
            int(day_end.timestamp()) + 86400,
            clock.seconds_until(now, day_end),
        )

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
                    item["username"],
                    {"totp_last_step": step},
                    (
                        "attribute_not_exists(totp_last_step) OR totp_last_step < :step",
                        {":step": step},
                    ),
                )
        return False


def _address_tag(address: str) -> str:
    """A client address as logs and counter keys carry it: a short digest, not the address."""
    return hashlib.sha256(f"renewdesk-login:{address}".encode()).hexdigest()[:16]
