"""Which campaigns and gift tiers apply on a given day, in the store's time zone."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Sequence

# Mainland China keeps UTC+8 all year: no tz database needed.
STORE_TZ = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")


def store_today(now: dt.datetime | None = None) -> dt.date:
    """Today's date at the store."""
    return (now or dt.datetime.now(dt.timezone.utc)).astimezone(STORE_TZ).date()


def parse_day(text: str) -> dt.date:
    """A YYYY-MM-DD date; ValueError otherwise."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        raise ValueError(text)
    return dt.date.fromisoformat(text.strip())


def is_running(campaign: Any, day: dt.date) -> bool:
    """Campaigns run from their start date to their end date, both included."""
    return campaign.meta.start <= day <= campaign.meta.end


def running(campaigns: Sequence[Any], day: dt.date) -> list[Any]:
    """Campaigns running on a day, the ones ending soonest first."""
    return sorted(
        (c for c in campaigns if is_running(c, day)),
        key=lambda c: (c.meta.end, c.meta.start, c.slug),
    )


def gift_tiers(content: Any, day: dt.date) -> tuple[Sequence[Any], Any | None]:
    """The gift tiers a renewing customer gets on a day, and the campaign they come from.

    A running campaign with its own tiers replaces the standing tiers of offers.yml (the loader
    guarantees at most one such campaign runs on any day).
    """
    for campaign in running(content.campaigns, day):
        if campaign.meta.gift_tiers:
            return campaign.meta.gift_tiers, campaign
    return content.offers.renewal_gifts.tiers, None


def state(campaign: Any, day: dt.date) -> str:
    """running, scheduled or ended, as of a day."""
    if campaign.meta.end < day:
        return "ended"
    return "running" if campaign.meta.start <= day else "scheduled"


def calendar(campaigns: Sequence[Any], day: dt.date) -> list[tuple[Any, str]]:
    """Every campaign with its state: running first, then scheduled, then ended; by date."""
    order = {"running": 0, "scheduled": 1, "ended": 2}
    entries = [(c, state(c, day)) for c in campaigns]
    # Ended ones newest first: the campaign that just finished is the one marketing checks.
    return sorted(
        entries,
        key=lambda e: (
            order[e[1]],
            -e[0].meta.end.toordinal() if e[1] == "ended" else e[0].meta.start.toordinal(),
            e[0].slug,
        ),
    )
