"""The errors the product raises on purpose: one hierarchy, each error with a stable ``code``.

Services and stores raise them; the HTTP layer maps every one to a status in one table
(api/errors.py) and the CLI to a message; the codes name the catalog texts (``error.<code>``).
"""

from __future__ import annotations


class RenewDeskError(Exception):
    """Base of every error the product raises on purpose; ``code`` names it for people."""

    code = "internal"

    def __init__(self, code: str | None = None):
        super().__init__(code or self.code)
        if code:
            self.code = code


class StorageUnavailable(RenewDeskError):
    """DynamoDB failed (throttled, unreachable, timed out) after the bounded retries."""

    code = "unavailable"
    retry_after = 5

    def __init__(self, operation: str = ""):
        super().__init__()
        self.operation = operation


class RateLimited(RenewDeskError):
    """Too many submissions for one phone or one client address in the current window."""

    code = "rate_limited"

    def __init__(self, scope: str, retry_after: int):
        super().__init__()
        self.scope = scope
        self.retry_after = retry_after


class InvalidFields(RenewDeskError):
    """Fields that are malformed, or well-formed alone but wrong together or for this record
    (field → code)."""

    code = "invalid"

    def __init__(self, fields: dict[str, str]):
        super().__init__()
        self.fields = fields

    def __str__(self) -> str:
        return ",".join(f"{k}:{v}" for k, v in self.fields.items())


class FieldRejected(InvalidFields):
    """One field passed validation but the stored data rejects it (unknown code, self-referral)."""

    def __init__(self, field: str, code: str):
        super().__init__({field: code})
        self.field = field
        self.field_code = code


class UnreadableBody(RenewDeskError):
    """The request body cannot be read at all: not_json_object, too_deep, invalid_encoding,
    unsupported_media_type (field-level problems are InvalidFields)."""


class LinkRejected(RenewDeskError):
    """A renewal link's token is forged or altered (``invalid_token``) or no longer works
    (``expired_token``)."""


class NotFound(RenewDeskError):
    """The thing asked for (``what``: a lead id, a username) does not exist."""

    code = "not_found"

    def __init__(self, what: str = ""):
        super().__init__()
        self.what = what


class NotAuthenticated(RenewDeskError):
    """No valid staff session (missing, expired, revoked, or the account is disabled)."""

    code = "not_authenticated"


class LoginRefused(RenewDeskError):
    """The login is refused; ``code`` says which answer to give (bad_credentials for an unknown
    user, a wrong password and a throttled attempt alike)."""


class Forbidden(RenewDeskError):
    """The staff member may not do this: wrong role, someone else's lead, a missing token."""

    code = "forbidden"


class WrongState(RenewDeskError):
    """The record is not in a state that allows this (closed, not claimed, lease lapsed...)."""


class StaleWrite(RenewDeskError):
    """A conditional write lost to a concurrent change: read again and decide again."""

    code = "changed_meanwhile"

    def __init__(self, subject: str = ""):
        super().__init__()
        self.subject = subject


class GuardTaken(RenewDeskError):
    """A customer's dedupe guard belongs to another lead (``lead_id``, None when there is no
    guard), open or not."""

    code = "guard_taken"

    def __init__(self, lead_id: str | None, is_open: bool):
        super().__init__()
        self.lead_id = lead_id
        self.is_open = is_open


class RosterFileRefused(InvalidFields):
    """An uploaded file cannot be read as a roster: field ``file`` with the reason (a
    roster_files code such as missing_columns) and its ``detail`` (the missing columns...)."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__({"file": reason})
        self.reason = reason
        self.detail = detail
