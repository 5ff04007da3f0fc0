"""Counters in fixed time windows: submission rate limits and login throttles."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RateLimit:
    """One counter an action must stay under, in one time window."""

    scope: str  # "phone", "address", "login_address", "login_account_address", "login_account"
    key: str
    window: str
    limit: int
    expires_at: int  # epoch seconds, when the counter may be deleted
    retry_after: int  # seconds until the window ends
