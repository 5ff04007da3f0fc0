"""One table from every domain error to its HTTP status, used by the public API, the staff API
and the console alike; each front end only decides how the answer looks (JSON, a page, a
redirect)."""

from __future__ import annotations

from renewdesk.errors import (
    Forbidden,
    InvalidFields,
    LinkRejected,
    LoginRefused,
    NotAuthenticated,
    NotFound,
    RateLimited,
    RenewDeskError,
    StorageUnavailable,
    UnreadableBody,
    WrongState,
)

# By class (the first match along the class's ancestry wins)...
STATUS: dict[type[RenewDeskError], int] = {
    InvalidFields: 400,
    UnreadableBody: 400,
    LinkRejected: 400,
    NotAuthenticated: 401,
    LoginRefused: 401,
    Forbidden: 403,
    NotFound: 404,
    WrongState: 409,
    RateLimited: 429,
    StorageUnavailable: 503,
}
# ...and the codes that have a status of their own (codes, not secrets).
STATUS_OF_CODE: dict[str, int] = {
    "expired_token": 410,  # nosec B105
    "unsupported_media_type": 415,
}


def status_of(error: RenewDeskError) -> int:
    """The HTTP status of a domain error (500 for one the table does not know)."""
    if error.code in STATUS_OF_CODE:
        return STATUS_OF_CODE[error.code]
    for kind in type(error).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 500


def headers_of(error: RenewDeskError) -> dict[str, str]:
    """Headers the answer carries: when to try again, for limits and outages."""
    retry_after = getattr(error, "retry_after", None)
    return {"Retry-After": str(retry_after)} if retry_after else {}
