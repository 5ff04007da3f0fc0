"""Time for the business: UTC for storage, China Standard Time for days the store works by."""

from __future__ import annotations

import datetime as dt
import math

# China has one time zone and no daylight saving; a fixed offset avoids needing tzdata on Lambda.
CHINA = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")


def now() -> dt.datetime:
    """The current time, timezone-aware in UTC."""
    return dt.datetime.now(dt.timezone.utc)


def iso(moment: dt.datetime) -> str:
    """UTC timestamp as stored: sortable, millisecond precision, ending in Z."""
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def new_id(moment: dt.datetime) -> str:
    """A ULID: unique, and sorting by it sorts by creation time."""
    from ulid import ULID

    return str(ULID.from_datetime(moment))


def local_date(moment: dt.datetime) -> dt.date:
    """The store's calendar date at that moment."""
    return moment.astimezone(CHINA).date()


def local_day_window(moment: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """Start and end of the store's calendar day containing the moment."""
    start = dt.datetime.combine(local_date(moment), dt.time(), tzinfo=CHINA)
    return start, start + dt.timedelta(days=1)


def hour_window(moment: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """Start and end of the clock hour containing the moment."""
    start = moment.astimezone(CHINA).replace(minute=0, second=0, microsecond=0)
    return start, start + dt.timedelta(hours=1)


def seconds_until(moment: dt.datetime, later: dt.datetime) -> int:
    """Whole seconds from one moment to a later one, at least 1."""
    return max(1, math.ceil((later - moment).total_seconds()))


def parse_iso(stamp: str) -> dt.datetime:
    """A stored UTC timestamp (as written by iso) back to an aware datetime."""
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
