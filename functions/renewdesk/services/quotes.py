"""Quotes a specialist gives the customer: an insurer from content/insurers.yml, commercial and
compulsory premium apart, how long the quote holds, and the gift tier it earns.

A quote is an event of the lead's history (kind ``quote``; its id is the event's): it shows in
the lead's timeline and in the specialist's follow-up register, erasure clears its note like
any other, and closing won names it (``quote_id``) so premium and insurer are never typed
twice. The first quote of a renewal lead counts its cycle as quoted.

The gift tier comes from the tiers in force on the quote's day: a running campaign's own tiers
(content/campaigns), else the standing ones of content/offers.yml. Commercial premium picks the
band; a quote of compulsory insurance only gets the compulsory-only tier.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Sequence

from renewdesk.errors import InvalidFields, StaleWrite, WrongState
from renewdesk.services import clock, worklist
from renewdesk.services.cycle_book import NOTHING, CycleBook
from renewdesk.services.cycles import amount
from renewdesk.services.insurers import InsurerList
from renewdesk.services.records import Event
from renewdesk.services.renewal_inputs import Quote
from renewdesk.services.staff import Actor
from renewdesk.services.worklist import LeadChange

FRONT_MATTER = re.compile(r"^---[ \t]*\n(.*?\n)---[ \t]*(?:\n|$)", re.S)


@dataclass(frozen=True)
class GiftTier:
    """The tier a premium earns: its band (``compulsory_only``, ``3000-5000``, ``8000+``), the
    gifts, and the campaign whose tiers they are (None: the standing offer)."""

    band: str
    gifts: tuple[str, ...]
    campaign: str | None = None


def band_of(tier: Any) -> str:
    """A content tier's band key."""
    if tier.compulsory_only:
        return "compulsory_only"
    if tier.premium_to is None:
        return f"{tier.premium_from}+"
    return f"{tier.premium_from}-{tier.premium_to}"


def gift_tier(
    commercial: Decimal, compulsory: Decimal, tiers: Sequence[Any], campaign: str | None = None
) -> GiftTier | None:
    """The tier a quote earns, or None (no premium at all, or no band covers it)."""
    if commercial <= 0:
        if compulsory <= 0:
            return None
        found = next((t for t in tiers if t.compulsory_only), None)
    else:
        found = next(
            (
                t
                for t in tiers
                if not t.compulsory_only
                and t.premium_from <= commercial
                and (t.premium_to is None or commercial < t.premium_to)
            ),
            None,
        )
    if found is None:
        return None
    return GiftTier(band_of(found), tuple(found.gifts), campaign)


@lru_cache(maxsize=4)
def _offers(content_dir: Path) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """The standing tiers and the campaigns that carry tiers of their own."""
    import yaml
    from pydantic import ValidationError

    from renewdesk.content.schema import Campaign, Offers

    offers = Offers.model_validate(
        yaml.safe_load((content_dir / "offers.yml").read_text(encoding="utf-8"))
    )
    campaigns = []
    for path in sorted((content_dir / "campaigns").glob("*.md")):
        match = FRONT_MATTER.match(path.read_text(encoding="utf-8"))
        if not match:
            continue
        try:
            campaign = Campaign.model_validate(yaml.safe_load(match.group(1)))
        except ValidationError:
            continue  # the site build reports it; a quote falls back to the standing tiers
        if campaign.gift_tiers:
            campaigns.append(campaign)
    return tuple(offers.renewal_gifts.tiers), tuple(campaigns)


def tiers_on(content_dir: Path, day: dt.date) -> tuple[Sequence[Any], str | None]:
    """The gift tiers in force on a day, and the title of the campaign they come from."""
    standing, campaigns = _offers(Path(content_dir))
    for campaign in campaigns:
        if campaign.start <= day <= campaign.end:
            return campaign.gift_tiers, campaign.title
    return standing, None


def quote_view(event: Event, insurers: InsurerList | None = None) -> dict[str, Any]:
    """A quote as the staff API shows it."""
    return {
        "quote_id": event.quote_id,
        "insurer": event.insurer,
        "partner": insurers.is_partner(event.insurer) if insurers else None,
        "commercial_premium": _yuan(event.commercial_premium),
        "compulsory_premium": _yuan(event.compulsory_premium),
        "premium": _yuan(event.premium),
        "valid_until": event.valid_until,
        "note": event.note,
        "gift_tier": {"band": event.gift_tier, "gifts": list(event.gifts or [])}
        if event.gift_tier
        else None,
        "by": event.by,
        "at": event.at,
    }


def quotes_of(history: list[Event], insurers: InsurerList | None = None) -> list[dict[str, Any]]:
    """The quotes of a lead's history, oldest first (the lead page lists them side by side)."""
    return [quote_view(e, insurers) for e in history if e.kind == "quote"]


@dataclass
class Quotes:
    """Records quotes on leads."""

    store: worklist.WorkStore
    insurers: Callable[[], InsurerList]
    tiers: Callable[[dt.date], tuple[Sequence[Any], str | None]]
    cycles: CycleBook | None = None
    now: Callable[[], dt.datetime] = field(default=clock.now)
    new_id: Callable[[dt.datetime], str] = field(default=clock.new_id)

    def record(self, actor: Actor, lead_id: str, quote: Quote) -> dict[str, Any]:
        """Record a quote on an open lead: its holder, or a supervisor."""
        now = self.now()
        now_iso = clock.iso(now)
        lead = worklist.require_lead(self.store.get_lead(lead_id), lead_id)
        if worklist.effective_status(lead, now_iso) in worklist.CLOSED:
            raise WrongState("lead_closed")
        owner = worklist.holder(lead, now_iso)
        if not actor.is_supervisor:
            owner = worklist.require_workable(lead, actor, now_iso)
        problems: dict[str, str] = {}
        insurer = self.insurers().resolve(quote.insurer)
        if insurer is None:
            problems["insurer"] = "unknown"
        commercial, compulsory = quote.commercial_premium, quote.compulsory_premium
        if commercial + compulsory <= 0:
            problems["commercial_premium"] = "premium_missing"
        today = clock.local_date(now)
        if quote.valid_until is not None and quote.valid_until < today:
            problems["valid_until"] = "in_past"
        if problems or insurer is None:
            raise InvalidFields(problems)
        tier = gift_tier(commercial, compulsory, *self.tiers(today))
        cid = self.new_id(now)
        step = NOTHING
        if self.cycles is not None:
            step = self.cycles.quoted(lead, owner or actor.username)
        values: dict[str, Any] = {"quotes": lead.quotes + 1}
        if step.cycle_id and step.cycle_id != lead.cycle_id:
            values["cycle_id"] = step.cycle_id
        event = worklist.event(
            "quote",
            actor,
            now,
            lead,
            owner=owner,
            insurer=insurer.name,
            premium=commercial + compulsory,
            commercial_premium=commercial,
            compulsory_premium=compulsory,
            valid_until=quote.valid_until.isoformat() if quote.valid_until else None,
            note=quote.note or None,
            gift_tier=tier.band if tier else None,
            gifts=list(tier.gifts) if tier else None,
            quote_id=cid,
        )
        change = LeadChange(
            lead_id, lead.version, values, event=event, change_id=cid, cycle=step.update
        )
        try:
            self.store.write(change)
        except StaleWrite:
            raise WrongState("changed_meanwhile") from None
        return {**quote_view(event, self.insurers()), "lead_id": lead_id}


def _yuan(value: Decimal | float | None) -> float | None:
    return None if value is None else float(amount(value).quantize(Decimal("0.01")))
