"""Leads in DynamoDB: a new lead with its dedupe guard and rate counters in one transaction."""

from __future__ import annotations

from typing import Any, Iterable

from renewdesk.errors import FieldRejected, RateLimited
from renewdesk.services.fields import phone_digest
from renewdesk.services.intake import NewLead, Outcome
from renewdesk.services.limits import RateLimit
from renewdesk.services.records import Lead
from renewdesk.store import keys
from renewdesk.store.dynamo import ConditionFailed, StoreTable, Write
from renewdesk.store.items import desk_place, event_item, lead_from, new_lead_item
from renewdesk.store.outbox import notice_put

GUARD_CONDITION = "attribute_not_exists(pk) OR (is_open = :closed AND created_at < :cutoff)"
COUNTER_CONDITION = "attribute_not_exists(n) OR n < :limit"
REFERRER_CONDITION = "attribute_exists(pk) AND phone <> :phone"


class LeadStore(StoreTable):
    """Reads and writes leads of one store."""

    def add_lead(self, new: NewLead) -> Outcome:
        """One TransactWriteItems: lead, dedupe guard, rate counters (and the referrer check)."""
        lead = new.lead
        writes = [
            self.put(
                "lead", new_lead_item(self.store_id, lead), condition="attribute_not_exists(pk)"
            ),
            self.put(
                "guard",
                guard_item(self.store_id, lead),
                condition=GUARD_CONDITION,
                values={":closed": False, ":cutoff": new.dedupe_cutoff},
                return_old=True,
            ),
            *counter_updates(self, new.rate_limits),
            *(notice_put(self, notice) for notice in new.notices),
        ]
        writes += [
            self.put(f"event:{n}", event_item(self.store_id, event))
            for n, event in enumerate(new.events)
        ]
        if new.desk is not None:
            writes[0] = self.put(
                "lead",
                {
                    **new_lead_item(self.store_id, lead),
                    **desk_place(self.store_id, lead.lead_id, *new.desk),
                },
                condition="attribute_not_exists(pk)",
            )
        if new.referral_code:
            writes.append(
                self.check(
                    "referrer",
                    keys.referrer(self.store_id, new.referral_code),
                    REFERRER_CONDITION,
                    values={":phone": lead.phone},
                    return_old=True,
                )
            )
        try:
            # The lead id as client token makes a retry after a lost answer idempotent.
            self.transact(writes, "add_lead", token=lead.lead_id)
        except ConditionFailed as cancelled:
            return self._explain(new, cancelled.failed)
        return Outcome(lead.lead_id, duplicate=False)

    def add_spam(
        self, spam_id: str, values: dict[str, Any], expires_at: int, limit: RateLimit
    ) -> None:
        """Store a honeypot submission apart from leads, counted against the client address's
        rate limit in the same transaction (RateLimited when it is full)."""
        item = {**keys.spam(self.store_id, spam_id), **values, keys.TTL_ATTRIBUTE: expires_at}
        try:
            self.transact(
                [self.put("spam", item), *counter_updates(self, [limit])], "add_spam", token=spam_id
            )
        except ConditionFailed:
            raise RateLimited(limit.scope, limit.retry_after) from None

    def ping(self) -> None:
        """One cheap read that proves the table answers."""
        self._get(keys.lead(self.store_id, "HEALTH"), "ping", consistent=False)

    def get_lead(self, lead_id: str) -> Lead | None:
        """One lead by id, or None."""
        item = self._get(keys.lead(self.store_id, lead_id), "get_lead")
        return lead_from(item) if item else None

    @staticmethod
    def _explain(new: NewLead, failed: dict[str, dict[str, Any] | None]) -> Outcome:
        """Turn the failed conditions into the answer: bad code, duplicate or rate limited."""
        if "referrer" in failed:
            raise (
                FieldRejected("phone", "self_referral")
                if failed["referrer"]
                else FieldRejected("code", "unknown")
            )
        if "guard" in failed:
            existing = failed["guard"] or {}
            # Guards written before digests were kept say nothing: count them as the same.
            kept = existing.get("phone_digest")
            return Outcome(
                existing["lead_id"],
                duplicate=True,
                same_customer=kept in (None, phone_digest(new.lead.phone or "")),
            )
        for limit in new.rate_limits:
            if f"rate:{limit.scope}" in failed:
                raise RateLimited(limit.scope, limit.retry_after)
        raise RuntimeError(f"transaction cancelled for no known reason: {sorted(failed)}")


def guard_item(store_id: str, lead: Lead) -> dict[str, Any]:
    """The dedupe guard of an open lead, with its customer's phone digest."""
    return {
        **keys.dedupe_guard(store_id, lead.type, lead.identity),
        "lead_id": lead.lead_id,
        "created_at": lead.created_at,
        "is_open": True,
        "phone_digest": phone_digest(lead.phone or ""),
    }


def counter_updates(store: StoreTable, limits: Iterable[RateLimit]) -> list[Write]:
    """Transaction items that count one submission against each rate limit, within its limit
    (named ``rate:<scope>``)."""
    return [
        store.update(
            f"rate:{limit.scope}",
            keys.rate_counter(store.store_id, limit.scope, limit.key, limit.window),
            {"expires_at": limit.expires_at},
            adds={"n": 1},
            condition=COUNTER_CONDITION,
            values={":limit": limit.limit},
        )
        for limit in limits
    ]
