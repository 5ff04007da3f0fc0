"""Settings read from the environment, overridable by a mapping (tests pass their own)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _default_content_dir() -> Path:
    """content/ of the source tree, or of the Lambda package (there it sits beside renewdesk/)."""
    # zappa copies the project folder to the zip root and the package comes from site-packages,
    # so in Lambda the two are siblings under /var/task and PROJECT_ROOT points above them.
    packaged = Path(__file__).resolve().parents[1] / "content"
    return packaged if packaged.is_dir() else PROJECT_ROOT / "content"


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from None
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return value


def _port(env: Mapping[str, str]) -> int:
    raw = env.get("PORT") or "8000"
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ValueError(f"PORT must be a port number, got {raw!r}")
    return int(raw)


def local_site_origin(env: Mapping[str, str] | None = None) -> str:
    """Where the site is when nothing says otherwise: SITE_ORIGIN, else the local server on
    PORT (8000), as `make run` serves it."""
    env = os.environ if env is None else env
    return env.get("SITE_ORIGIN") or f"http://127.0.0.1:{_port(env)}"


def _choice(env: Mapping[str, str], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = env.get(name) or default
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
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
    content_dir: Path = field(default_factory=_default_content_dir)
    # Built site served at / by the local server only; on AWS the site lives on S3.
    site_dir: Path | None = None
    rate_limit_per_phone_per_day: int = 5
    rate_limit_per_address_per_hour: int = 30
    dedupe_days: int = 30
    spam_retention_days: int = 30
    # Personal data of a closed lead is purged this many days after the close (3 years).
    lead_retention_days: int = 1095
    # Bounded retries of one storage call, with full jitter between attempts.
    storage_attempts: int = 4
    storage_backoff_seconds: float = 0.05
    storage_timeout_seconds: float = 3.0
    # Plain-http cookies and no HSTS only when serving on localhost.
    local: bool = False
    # Staff queue: a claim not acted on within the lease returns to the queue by itself.
    lease_minutes: int = 30
    attention_after_bounces: int = 5
    # Ready-index items read per claim query: above the leases that can sit at the queue's top.
    claim_page_size: int = 25
    # Staff sessions and logins.
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    # Failed logins allowed per window: per account from one address, per address; per account
    # from every address in a day (then `renewdesk staff unlock`).
    login_max_failures: int = 5
    login_address_max_failures: int = 30
    login_window_minutes: int = 15
    login_account_daily_ceiling: int = 100
    # argon2id cost of staff passwords (tests lower it; production keeps RFC 9106's 64 MiB x 3).
    password_hash_memory_kib: int = 65536
    password_hash_time_cost: int = 3
    # Renewal links (issue 5): how long an SMS link works, and where its signing key lives:
    # SSM Parameter Store under this prefix on AWS, else a generated file in secrets_dir.
    link_token_days: int = 45
    secrets_parameter_prefix: str | None = None
    secrets_dir: Path = PROJECT_ROOT / ".local" / "secrets"
    # Renewal reminders: the day's SMS file goes to sms_outbox_dir; "sns" also sends them.
    sms_sender: str = "none"
    sms_outbox_dir: Path = PROJECT_ROOT / "build" / "sms"
    # Inbound work (issue 11). The group robots told of every customer's request: a WeCom
    # group robot's webhook and/or a DingTalk custom robot's (with its signing secret); on AWS
    # from SSM Parameter Store (renewdesk/robots.py), never from zappa's environment.
    notify_wecom_webhook: str | None = None
    notify_dingtalk_webhook: str | None = None
    notify_dingtalk_secret: str | None = None
    notify_timeout_seconds: float = 5.0
    # Where the console is (links in the robots' messages): the site's origin unless set.
    console_origin: str | None = None
    # A customer's request unclaimed this many working minutes (store hours, content/
    # store.yml) goes to the supervisor; a booked call is pushed this long before.
    speed_to_lead_minutes: int = 15
    booked_call_notice_minutes: int = 10
    # A released lead is not handed back to the same specialist by claim-next for this long.
    release_cooldown_minutes: int = 30
    # A scheduled invocation of the notification worker keeps passing for this many seconds
    # (under the function's 29-second limit: it runs every minute).
    notify_poll_seconds: int = 20

    # Roster uploads (issue 12): the file waits in this S3 bucket on AWS, else in upload_dir;
    # the import runs in a thread, or ("lambda") in an asynchronous invocation of this function.
    roster_upload_bucket: str | None = None
    upload_dir: Path = PROJECT_ROOT / ".local" / "uploads"
    import_runner: str = "thread"
    lambda_function_name: str | None = None

    @property
    def console_url(self) -> str:
        """The console's origin, for links sent outside the app."""
        return (self.console_origin or self.site_origin).rstrip("/")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> "Settings":
        """Build settings from environment variables, then apply explicit overrides."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {
            "table_name": env.get("TABLE_NAME", cls.table_name),
            "dynamodb_endpoint": env.get("DYNAMODB_ENDPOINT") or None,
            "region": env.get("AWS_REGION", cls.region),
            "store_id": env.get("STORE_ID", cls.store_id),
            "site_origin": local_site_origin(env),
            "rate_limit_per_phone_per_day": _int(
                env, "RATE_LIMIT_PER_PHONE_PER_DAY", cls.rate_limit_per_phone_per_day
            ),
            "rate_limit_per_address_per_hour": _int(
                env, "RATE_LIMIT_PER_ADDRESS_PER_HOUR", cls.rate_limit_per_address_per_hour
            ),
            "lease_minutes": _int(env, "LEASE_MINUTES", cls.lease_minutes),
            "lead_retention_days": _int(env, "LEAD_RETENTION_DAYS", cls.lead_retention_days),
            "link_token_days": _int(env, "LINK_TOKEN_DAYS", cls.link_token_days),
            "secrets_parameter_prefix": env.get("SECRETS_PARAMETER_PREFIX") or None,
            "sms_sender": _choice(env, "SMS_SENDER", ("none", "sns"), cls.sms_sender),
            "notify_wecom_webhook": env.get("NOTIFY_WECOM_WEBHOOK") or None,
            "notify_dingtalk_webhook": env.get("NOTIFY_DINGTALK_WEBHOOK") or None,
            "notify_dingtalk_secret": env.get("NOTIFY_DINGTALK_SECRET") or None,
            "console_origin": env.get("CONSOLE_ORIGIN") or None,
            "speed_to_lead_minutes": _int(env, "SPEED_TO_LEAD_MINUTES", cls.speed_to_lead_minutes),
            "booked_call_notice_minutes": _int(
                env, "BOOKED_CALL_NOTICE_MINUTES", cls.booked_call_notice_minutes
            ),
            "release_cooldown_minutes": _int(
                env, "RELEASE_COOLDOWN_MINUTES", cls.release_cooldown_minutes
            ),
            "roster_upload_bucket": env.get("ROSTER_UPLOAD_BUCKET") or None,
            "lambda_function_name": env.get("AWS_LAMBDA_FUNCTION_NAME") or None,
            "import_runner": _choice(
                env,
                "IMPORT_RUNNER",
                ("thread", "lambda"),
                "lambda" if env.get("AWS_LAMBDA_FUNCTION_NAME") else cls.import_runner,
            ),
        }
        for name, setting in (
            ("CONTENT_DIR", "content_dir"),
            ("SECRETS_DIR", "secrets_dir"),
            ("SMS_OUTBOX_DIR", "sms_outbox_dir"),
            ("UPLOAD_DIR", "upload_dir"),
        ):
            if env.get(name):
                values[setting] = Path(env[name])
        known = {f.name for f in fields(cls)}
        unknown = set(overrides) - known
        if unknown:
            raise TypeError(f"unknown settings: {sorted(unknown)}")
        return cls(**{**values, **overrides})

    def with_(self, **changes: Any) -> "Settings":
        """Copy with some settings changed."""
        return replace(self, **changes)
