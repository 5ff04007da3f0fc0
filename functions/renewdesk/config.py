"""Settings read from the environment, overridable by a mapping (tests pass their own)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from None
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return value


@dataclass(frozen=True)
class Settings:
    """Everything the app and the CLI need to know about where they run."""

    table_name: str = "renewdesk"
    # None means real AWS (credentials and region from the Lambda role).
    dynamodb_endpoint: str | None = None
    region: str = "ap-east-1"
    store_id: str = "default"
    site_origin: str = "http://127.0.0.1:8000"
    content_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "content")
    # Built site served at / by the local server only; on AWS the site lives on S3.
    site_dir: Path | None = None
    rate_limit_per_phone_per_day: int = 5
    rate_limit_per_address_per_hour: int = 30
    dedupe_days: int = 30
    spam_retention_days: int = 30
    # Bounded retries of one storage call, with full jitter between attempts.
    storage_attempts: int = 4
    storage_backoff_seconds: float = 0.05
    storage_timeout_seconds: float = 3.0
    # Plain-http cookies and no HSTS only when serving on localhost.
    local: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> "Settings":
        """Build settings from environment variables, then apply explicit overrides."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {
            "table_name": env.get("TABLE_NAME", cls.table_name),
            "dynamodb_endpoint": env.get("DYNAMODB_ENDPOINT") or None,
            "region": env.get("AWS_REGION", cls.region),
            "store_id": env.get("STORE_ID", cls.store_id),
            "site_origin": env.get("SITE_ORIGIN", cls.site_origin),
            "rate_limit_per_phone_per_day": _int(
                env, "RATE_LIMIT_PER_PHONE_PER_DAY", cls.rate_limit_per_phone_per_day
            ),
            "rate_limit_per_address_per_hour": _int(
                env, "RATE_LIMIT_PER_ADDRESS_PER_HOUR", cls.rate_limit_per_address_per_hour
            ),
        }
        if env.get("CONTENT_DIR"):
            values["content_dir"] = Path(env["CONTENT_DIR"])
        known = {f.name for f in fields(cls)}
        unknown = set(overrides) - known
        if unknown:
            raise TypeError(f"unknown settings: {sorted(unknown)}")
        return cls(**{**values, **overrides})

    def with_(self, **changes: Any) -> "Settings":
        """Copy with some settings changed."""
        return replace(self, **changes)
