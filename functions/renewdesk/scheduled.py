"""Scheduled jobs Zappa runs (see "events" in zappa_settings.json): the daily reminder run.

On Lambda the day's SMS are recorded and, with SMS_SENDER=sns, sent; the CSV for an SMS platform
is written where there is a disk, by `renewdesk reminders run` (which rewrites the day's file
from what this run recorded).
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


def daily_reminders(event: dict[str, Any] | None = None, context: Any = None,
                    settings=None) -> dict[str, Any]:
    """Take the reminder steps due today (China time); answer the counts."""
    from renewdesk.backend import Backend
    from renewdesk.config import Settings

    backend = Backend(settings or Settings.from_env())
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    report = backend.reminders.run(
        write_file=False, seconds_left=(lambda: remaining() / 1000) if remaining else None)
    counts = report.counts()
    # Counts only: no name, phone, plate or link in the log.
    log.info("daily reminders done: %s", counts)
    return counts
