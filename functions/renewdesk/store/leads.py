"""Leads in DynamoDB: a new lead with its dedupe guard and rate counters in one transaction."""

from __future__ import annotations

from typing import Any

from renewdesk.errors import FieldRejected, RateLimited
from renewdesk.services.fields import phone_digest
from renewdesk.services.intake import NewLead, Outcome
from renewdesk.store import keys
from renewdesk.store.dynamo import StoreTable, from_item, to_item, with_retries

GUARD_CONDITION = "attribute_not_exists(pk) OR (is_open = :closed AND created_at < :cutoff)"
COUNTER_CONDITION = "attribute_not_exists(n) OR n < :limit"
REFERRER_CONDITION = "attribute_exists(pk) AND phone <> :phone"


class LeadStore(StoreTable):
    """Reads and writes leads of one store."""

    def add_lead(self, lead: NewLead) -> Outcome:
        """One TransactWriteItems: lead, dedupe guard, rate counters (and the referrer check)."""
        items = self._transaction(lead)

        def write():
            # The lead id as client token makes a retry after a lost answer idempotent.
            return self.client.transact_write_items(
                TransactItems=items, ClientRequestToken=lead.lead_id
            )

        try:
            with_retries(self.settings, write, "add_lead")
        except self.client.exceptions.TransactionCanceledException as error:
            return self._explain_cancellation(lead, error.response.get("CancellationReasons", []))
        return Outcome(lead.lead_id, duplicate=False)

    def add_spam(self, spam_id: str, values: dict[str, Any], expires_at: int, limit) -> None:
        """Store a honeypot submission apart from leads, counted against the client address's
        rate limit in the same transaction (RateLimited when it is full)."""
        item = {**keys.spam(self.store, spam_id), **values, keys.TTL_ATTRIBUTE: expires_at}
        items = [{"Put": {"TableName": self.table, "Item": to_item(item)}},
                 *counter_updates(self.table, self.store, [limit])]
        try:
            with_retries(self.settings, lambda: self.client.transact_write_items(
                TransactItems=items, ClientRequestToken=spam_id), "add_spam")
        except self.client.exceptions.TransactionCanceledException:
            raise RateLimited(limit.scope, limit.retry_after) from None

    def ping(self) -> None:
        """One cheap read that proves the table answers."""
        with_retries(
            self.settings,
            lambda: self.client.get_item(TableName=self.table,
                                         Key=to_item(keys.lead(self.store, "HEALTH"))),
            "ping",
        )

    def get_lead(self, lead_id: str) -> dict[str, Any] | None:
        """One lead by id, or None."""
        return self._get(keys.lead(self.store, lead_id), "get_lead")

    def _transaction(self, lead: NewLead) -> list[dict[str, Any]]:
        values = lead.values
        items: list[dict[str, Any]] = [
            {"Put": {"TableName": self.table,
                     "Item": to_item(lead_item(self.store, lead.lead_id, values)),
                     "ConditionExpression": "attribute_not_exists(pk)"}},
            {"Put": {"TableName": self.table,
                     "Item": to_item(guard_item(self.store, lead.lead_type,
                                                lead.dedupe_identity, lead.lead_id,
                                                values["created_at"], values["phone"])),
                     "ConditionExpression": GUARD_CONDITION,
                     "ExpressionAttributeValues": to_item(
                         {":closed": False, ":cutoff": lead.dedupe_cutoff}),
                     "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
        ]
        items += counter_updates(self.table, self.store, lead.rate_limits)
        if lead.referral_code:
            items.append({"ConditionCheck": {
                "TableName": self.table,
                "Key": to_item(keys.referrer(self.store, lead.referral_code)),
                "ConditionExpression": REFERRER_CONDITION,
                "ExpressionAttributeValues": to_item({":phone": values["phone"]}),
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }})
        return items

    def _explain_cancellation(self, lead: NewLead, reasons: list[dict[str, Any]]) -> Outcome:
        """Turn the failed conditions into the answer: bad code, duplicate or rate limited."""
        failed = [i for i, r in enumerate(reasons) if r.get("Code") == "ConditionalCheckFailed"]
        counters = range(2, 2 + len(lead.rate_limits))
        if lead.referral_code and len(reasons) - 1 in failed:
            referrer = reasons[-1].get("Item")
            raise FieldRejected("phone", "self_referral") if referrer else FieldRejected(
                "code", "unknown")
        if 1 in failed:
            existing = from_item(reasons[1]["Item"])
            # Guards written before digests were kept say nothing: count them as the same.
            kept = existing.get("phone_digest")
            return Outcome(existing["lead_id"], duplicate=True,
                           same_customer=kept in (None, phone_digest(lead.values["phone"])))
        for index in failed:
            if index in counters:
                limit = lead.rate_limits[index - 2]
                raise RateLimited(limit.scope, limit.retry_after)
        raise RuntimeError(f"transaction cancelled for no known reason: {reasons}")


def lead_item(store: str, lead_id: str, values: dict[str, Any]) -> dict[str, Any]:
    """A new queued lead as stored: its values plus its places in the ready, month and
    customer indexes (also used for the leads the renewal reminders create)."""
    return {
        **keys.lead(store, lead_id),
        **values,
        "ready_pk": keys.ready_queue(store),
        "ready_sk": keys.ready_position(values["rank"], values["due"], lead_id),
        "month_pk": keys.month(store, values["created_at"][:7]),
        "month_sk": f"{values['created_at']}#{lead_id}",
        "coll_pk": keys.collection(store, f"CUSTOMER#{values['phone']}"),
        "coll_sk": f"{values['created_at']}#{lead_id}",
    }


def guard_item(store: str, lead_type: str, identity: str, lead_id: str,
               created_at: str, phone: str) -> dict[str, Any]:
    """The dedupe guard of an open lead, with its customer's phone digest."""
    return {**keys.dedupe_guard(store, lead_type, identity), "lead_id": lead_id,
            "created_at": created_at, "is_open": True, "phone_digest": phone_digest(phone)}


def counter_updates(table: str, store: str, limits) -> list[dict[str, Any]]:
    """Transaction items that count one submission against each rate limit, within its limit."""
    return [{"Update": {
        "TableName": table,
        "Key": to_item(keys.rate_counter(store, limit.scope, limit.key, limit.window)),
        "UpdateExpression": "ADD n :one SET expires_at = :expires",
        "ConditionExpression": COUNTER_CONDITION,
        "ExpressionAttributeValues": to_item(
            {":one": 1, ":limit": limit.limit, ":expires": limit.expires_at}),
    }} for limit in limits]
