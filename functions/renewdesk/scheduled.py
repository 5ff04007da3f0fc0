"""Scheduled jobs Zappa runs (see "events" in zappa_settings.json): the daily reminder run (with
the lapse of renewal cycles 30 days past expiry), the daily retention purge, the notification
worker every minute, the hourly attention sweep, on the 1st of each month last month's defeat
analysis, and a roster upload's import (each its own invocation, with its own time limit).

On Lambda the day's SMS are recorded and, with SMS_SENDER=sns, sent; the CSV for an SMS platform
is written where there is a disk, by `renewdesk reminders run` (which rewrites the day's file
from what this run recorded).
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


def _lambda_clock(context: Any):
    """Seconds the invocation has left, when Lambda tells (None elsewhere)."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return (lambda: remaining() / 1000) if remaining else None


def daily_reminders(
    event: dict[str, Any] | None = None, context: Any = None, settings=None
) -> dict[str, Any]:
    """Take the reminder steps due today (China time); answer the counts."""
    from renewdesk.config import Settings
    from renewdesk.wiring import Services

    services = Services(settings or Settings.from_env())
    seconds_left = _lambda_clock(context)
    report = services.roster.reminders.run(write_file=False, seconds_left=seconds_left)
    counts = report.counts()
    counts["lapses"] = services.renewals.lapses.run(seconds_left=seconds_left).counts()
    # Counts only: no name, phone, plate or link in the log.
    log.info("daily reminders done: %s", counts)
    return counts


def daily_purge(
    event: dict[str, Any] | None = None, context: Any = None, settings=None
) -> dict[str, Any]:
    """Erase the personal data past its retention (LEAD_RETENTION_DAYS); answer the counts."""
    from renewdesk.config import Settings
    from renewdesk.wiring import Services

    services = Services(settings or Settings.from_env())
    # The purge logs its own counts (no personal data); an incomplete run goes on tomorrow.
    return services.privacy.purge.run(seconds_left=_lambda_clock(context)).summary()


def notifications(
    event: dict[str, Any] | None = None, context: Any = None, settings=None
) -> dict[str, Any]:
    """Every minute: send what the outbox holds, pass after pass for NOTIFY_POLL_SECONDS (within
    the invocation's time), so a customer's request reaches the group robots within a minute."""
    from renewdesk.config import Settings
    from renewdesk.wiring import Services

    services = Services(settings or Settings.from_env())
    seconds = float(services.settings.notify_poll_seconds)
    left = _lambda_clock(context)
    if left is not None:
        seconds = max(0.0, min(seconds, left() - 8))
    services.inbound.dispatcher.run(seconds)
    return {"ran_seconds": seconds}


def attention_sweep(
    event: dict[str, Any] | None = None, context: Any = None, settings=None
) -> dict[str, Any]:
    """Hourly: renewal leads nobody holds on or after their N-7 day join the attention list."""
    from renewdesk.config import Settings
    from renewdesk.wiring import Services

    services = Services(settings or Settings.from_env())
    return {"past_n7": services.inbound.attention.sweep()}


def roster_import(
    event: dict[str, Any] | None = None, context: Any = None, settings=None, now=None
) -> dict[str, Any]:
    """Run a roster upload's import (an asynchronous invocation the upload started); short of
    time it queues the rest and invokes the function again."""
    from renewdesk.config import Settings
    from renewdesk.wiring import Services

    event = event or {}
    settings = settings or Settings.from_env()
    if event.get("store_id"):
        settings = settings.with_(store_id=str(event["store_id"]))
    services = Services(settings, now=now) if now else Services(settings)
    state = services.roster.jobs.run(str(event.get("import_id", "")), _lambda_clock(context))
    log.info("roster import runner: import_id=%s state=%s", event.get("import_id"), state)
    return {"import_id": event.get("import_id"), "state": state}


def monthly_defeats(
    event: dict[str, Any] | None = None, context: Any = None, settings=None, now=None
) -> dict[str, Any]:
    """On the 1st (China time): store last month's defeat analysis; answer its summary."""
    from renewdesk.config import Settings
    from renewdesk.services import clock
    from renewdesk.wiring import Services

    services = Services(settings or Settings.from_env(), now=now or clock.now)
    summary = services.renewals.defeats.prepare()
    # Counts and premium only: no note, name or plate in the log.
    log.info("defeat analysis stored: month=%s lost=%s", summary["month"], summary["lost"])
    return summary
