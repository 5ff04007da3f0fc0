"""Domain errors shared by the services and the store; the HTTP layer maps them to answers."""

from __future__ import annotations


class RenewDeskError(Exception):
    """Base of every error the product raises on purpose."""


class StorageUnavailable(RenewDeskError):
    """DynamoDB failed (throttled, unreachable, timed out) after the bounded retries."""

    retry_after = 5


class RateLimited(RenewDeskError):
    """Too many submissions for one phone or one client address in the current window."""

    def __init__(self, scope: str, retry_after: int):
        super().__init__(scope)
        self.scope = scope
        self.retry_after = retry_after


class FieldRejected(RenewDeskError):
    """A field passed validation but the stored data rejects it (unknown code, self-referral)."""

    def __init__(self, field: str, code: str):
        super().__init__(f"{field}:{code}")
        self.field = field
        self.code = code


class NotFound(RenewDeskError):
    """The thing asked for does not exist."""


class NotAuthenticated(RenewDeskError):
    """No valid staff session (missing, expired, revoked, or the account is disabled)."""

    def __init__(self, code: str = "not_authenticated"):
        super().__init__(code)
        self.code = code


class LoginRefused(RenewDeskError):
    """Wrong username, password or one-time code (``code`` says which answer to give)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class Forbidden(RenewDeskError):
    """The staff member may not do this: wrong role, or someone else's lead."""

    def __init__(self, code: str = "forbidden"):
        super().__init__(code)
        self.code = code


class WrongState(RenewDeskError):
    """The lead is not in a state that allows this (closed, not claimed, lease lapsed...)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class StaleWrite(RenewDeskError):
    """A conditional write lost to a concurrent change: read again and decide again."""


class GuardTaken(RenewDeskError):
    """A customer's dedupe guard belongs to another lead (``lead_id``, None when there is no
    guard), open or not."""

    def __init__(self, lead_id: str | None, is_open: bool):
        super().__init__("guard_taken")
        self.lead_id = lead_id
        self.is_open = is_open


class InvalidFields(RenewDeskError):
    """Fields that are well-formed alone but wrong together or for this lead (field → code)."""

    def __init__(self, fields: dict[str, str]):
        super().__init__(",".join(f"{k}:{v}" for k, v in fields.items()))
        self.fields = fields


class LinkRejected(RenewDeskError):
    """A renewal link's token is forged or altered (``invalid_token``) or no longer works
    (``expired_token``)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code
