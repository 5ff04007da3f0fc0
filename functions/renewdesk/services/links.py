"""Renewal-link tokens: signed, expiring, naming only an opaque roster id.

A token is ``<roster id>.<timestamp>.<signature>`` (itsdangerous' TimestampSigner, HMAC-SHA256,
salted with the store id so one store's links do not open another's records). Nothing else is in
it: no name, phone or plate. itsdangerous decodes base64 leniently, so a signature with a
different last character can decode to the same bytes; a token is only accepted when it is
exactly the one we would issue.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from typing import Callable

from renewdesk.errors import LinkRejected

ROSTER_ID_RE = re.compile(r"^[A-Za-z0-9_-]{16,32}$")
# The shape of a token, not a secret.
TOKEN_PATTERN = r"^[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{1,16}\.[A-Za-z0-9_-]{20,64}$"  # nosec B105
TOKEN_RE = re.compile(TOKEN_PATTERN)
INVALID = "invalid_token"
EXPIRED = "expired_token"


class LinkTokens:
    """Issues and reads the tokens of one store's renewal links."""

    def __init__(
        self,
        secret: bytes,
        store_id: str,
        max_age_days: int,
        clock: Callable[[], float] = time.time,
    ):
        from itsdangerous import TimestampSigner

        class Signer(TimestampSigner):
            def get_timestamp(self) -> int:
                return int(clock())

        self._signer = Signer(
            secret, salt=f"renewdesk.renewal-link.{store_id}", digest_method=hashlib.sha256
        )
        self.max_age_seconds = max_age_days * 86400

    def issue(self, roster_id: str) -> str:
        """A token for a roster record, valid for ``max_age_days`` from now."""
        if not ROSTER_ID_RE.fullmatch(roster_id):
            raise ValueError("not a roster id")
        return self._signer.sign(roster_id).decode("ascii")

    def issue_at(self, roster_id: str, timestamp: float) -> str:
        """A token as it would have been issued at ``timestamp`` (a short link's: it expires
        when the short link does)."""
        from itsdangerous.encoding import base64_encode, int_to_bytes

        if not ROSTER_ID_RE.fullmatch(roster_id):
            raise ValueError("not a roster id")
        stamped = roster_id.encode("ascii") + b"." + base64_encode(int_to_bytes(int(timestamp)))
        return (stamped + b"." + self._signer.get_signature(stamped)).decode("ascii")

    def read(self, token: str) -> str:
        """The roster id a token names; LinkRejected(invalid_token or expired_token) otherwise."""
        from itsdangerous import BadSignature, SignatureExpired

        if not isinstance(token, str) or not TOKEN_RE.fullmatch(token):
            raise LinkRejected(INVALID)
        signed, _, signature = token.rpartition(".")
        canonical = self._signer.get_signature(signed).decode("ascii")
        if not hmac.compare_digest(canonical, signature):
            raise LinkRejected(INVALID)
        try:
            roster_id = self._signer.unsign(token, max_age=self.max_age_seconds)
        except SignatureExpired:
            raise LinkRejected(EXPIRED) from None
        except BadSignature:
            raise LinkRejected(INVALID) from None
        return roster_id.decode("ascii")


def new_roster_id() -> str:
    """A fresh opaque roster id (96 random bits)."""
    import secrets

    return secrets.token_urlsafe(12)
