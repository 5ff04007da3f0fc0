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
