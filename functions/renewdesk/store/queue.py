"""Leads as staff work them: the ready queue, desks, the attention list, and lead history.

Every change is one TransactWriteItems: the lead (conditional on the version it was read with),
the event appended to its history, and where needed the customer's dedupe guard and an earlier
close event. A claim is one Query on the ready index plus that one transaction.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from renewdesk.errors import GuardTaken, StaleWrite
from renewdesk.services.records import Event, Lead, Policy
from renewdesk.services.worklist import LeadChange
from renewdesk.store import cursors, keys
from renewdesk.store.cycles import update_writes
from renewdesk.store.dynamo import ConditionFailed, StoreTable, Write, from_item, to_item
from renewdesk.store.items import (
    desk_place,
    event_from,
    event_item,
    lead_from,
    lead_position,
    policy_from,
)
from renewdesk.store.outbox import notice_put

CLAIMABLE = "(attribute_not_exists(lease_until) OR lease_until < :now)"
# The index each paged staff list reads.
LISTING_INDEX = {"ready": "ready", "attention": "ready", "month": "month"}


class QueueStore(StoreTable):
    """Reads and conditional writes of leads being worked, for one store."""

    # -- reads ----------------------------------------------------------------------------

    def ready_page(
        self,
        lead_type: str | None,
        now_iso: str,
        limit: int,
        start_key: dict[str, Any] | None = None,
    ) -> tuple[list[Lead], dict[str, Any] | None]:
        """Claimable leads at the head of the queue, in claim order (one Query)."""
        condition = CLAIMABLE
        values: dict[str, Any] = {":p": keys.ready_queue(self.store_id), ":now": now_iso}
        names = None
        if lead_type:
            condition += " AND #type = :type"
            values[":type"] = lead_type
            names = {"#type": "type"}
        return self._leads(
            "ready", "ready_pk", values, limit, start_key, filter_expression=condition, names=names
        )

    def attention_page(
        self, limit: int, start_key: dict[str, Any] | None = None
    ) -> tuple[list[Lead], dict[str, Any] | None]:
        """Leads on the supervisor's attention list, oldest first."""
        return self._leads(
            "ready", "ready_pk", {":p": keys.attention_list(self.store_id)}, limit, start_key
        )

    def desk_page(
        self,
        username: str,
        due_before: str | None = None,
        limit: int = 200,
        start_key: dict[str, Any] | None = None,
    ) -> tuple[list[Lead], dict[str, Any] | None]:
        """Leads on one desk by due time; only those due before a time if given."""
        values: dict[str, Any] = {":p": keys.desk(self.store_id, username)}
        sk_condition = None
        if due_before:
            sk_condition = "desk_sk < :before"
            values[":before"] = due_before
        return self._leads("desk", "desk_pk", values, limit, start_key, sk_condition)

    def month_leads_page(
        self,
        utc_month: str,
        after: str,
        before: str,
        limit: int,
        start_key: dict[str, Any] | None = None,
        newest_first: bool = False,
    ) -> tuple[list[Lead], dict[str, Any] | None]:
        """Leads created between two UTC timestamps within one UTC month partition."""
        values = {":p": keys.month(self.store_id, utc_month), ":a": after, ":b": before}
        return self._leads(
            "month",
            "month_pk",
            values,
            limit,
            start_key,
            "month_sk BETWEEN :a AND :b",
            newest_first=newest_first,
        )

    def get_lead(self, lead_id: str) -> Lead | None:
        """One lead, read consistently."""
        item = self._get(keys.lead(self.store_id, lead_id), "get_lead")
        return lead_from(item) if item else None

    def lead_with_history(self, lead_id: str) -> tuple[Lead | None, list[Event]]:
        """The lead and its events, oldest first, in one consistent Query of its partition."""
        kwargs = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :p",
            "ExpressionAttributeValues": to_item({":p": keys.lead(self.store_id, lead_id)["pk"]}),
            "ConsistentRead": True,
        }
        items = self._query_all(kwargs, "lead_with_history")
        lead = next((lead_from(i) for i in items if i["sk"] == "LEAD"), None)
        return lead, [event_from(i) for i in items if i["sk"].startswith("EV#")]

    def customer_leads(self, phone: str, limit: int = 20) -> list[Lead]:
        """A customer's leads, newest first."""
        leads, _ = self._leads(
            "collection",
            "coll_pk",
            {":p": keys.collection(self.store_id, f"CUSTOMER#{phone}")},
            limit,
            None,
            newest_first=True,
        )
        return leads

    def vehicle_records(self, plate: str) -> tuple[str | None, Policy | None]:
        """(The lead id the vehicle's renewal dedupe guard holds, the roster policy), in one
        TransactGetItems (one request for both, and no unprocessed keys as a batch read has)."""
        wanted = [
            keys.dedupe_guard(self.store_id, "renewal", plate),
            keys.policy(self.store_id, plate),
        ]
        answer = self._call(
            "vehicle_records",
            self.client.transact_get_items,
            TransactItems=[
                {"Get": {"TableName": self.table, "Key": to_item(key)}} for key in wanted
            ],
        )
        guard, policy = (
            from_item(r["Item"]) if r.get("Item") else None for r in answer["Responses"]
        )
        return (guard or {}).get("lead_id"), policy_from(policy) if policy else None

    # -- cursors of the paged lists (store.cursors) ---------------------------------------

    def resume(
        self, cursor: str, listing: str, months: list[tuple[str, str, str]] | None = None
    ) -> tuple[int, dict[str, Any]]:
        """Where a page of a list starts again: (which month partition, ExclusiveStartKey).

        ``listing`` is ``ready``, ``attention`` or ``month`` (with the month's UTC partitions
        and bounds, as month_leads_page reads them). InvalidFields for a cursor that is not one
        this list handed out.
        """
        ranges: list[tuple[str, str | None, str | None]]
        if listing == "month":
            ranges = [
                (keys.month(self.store_id, m), after, before) for m, after, before in months or []
            ]
        else:
            partition = (
                keys.ready_queue(self.store_id)
                if listing == "ready"
                else keys.attention_list(self.store_id)
            )
            ranges = [(partition, None, None)]
        return cursors.decode(cursor, LISTING_INDEX[listing], self.store_id, ranges)

    def cursor_after(self, lead: Lead, listing: str) -> str:
        """The cursor of the page that starts after this lead of a list."""
        return cursors.encode(lead_position(self.store_id, lead, listing), LISTING_INDEX[listing])

    # -- the one write --------------------------------------------------------------------

    def write(self, change: LeadChange) -> None:
        """Apply a change in one transaction; StaleWrite if the lead moved on, GuardTaken if the
        customer's dedupe guard is not this lead's."""
        writes = [self._lead_update(change)]
        if change.event is not None:
            event = dataclasses.replace(change.event, event_id=change.change_id)
            writes.append(self.put("event", event_item(self.store_id, event)))
        if change.guard is not None:
            writes.append(
                self.update(
                    "guard",
                    keys.dedupe_guard(self.store_id, change.guard.lead_type, change.guard.identity),
                    {"is_open": change.guard.is_open},
                    condition="lead_id = :id",
                    values={":id": change.lead_id},
                    return_old=True,
                )
            )
        writes += [notice_put(self, notice) for notice in change.notices]
        if change.supersede is not None:
            at, event_id = change.supersede
            writes.append(
                self.update(
                    "supersede",
                    keys.lead_event(self.store_id, change.lead_id, at, event_id),
                    {"superseded": True},
                    removes=("ready_pk", "ready_sk"),  # no longer among the month's defeats
                    condition="attribute_exists(pk)",
                )
            )
        if change.cycle is not None:
            writes += update_writes(self, change.cycle)
        # A retry after a lost answer is idempotent; the same change written again without its
        # guard (see services.closing) is a different request, so it gets a different token.
        token = change.change_id + ("G" if change.guard else "")
        try:
            self.transact(writes, "write_lead", token)
        except ConditionFailed as failed:
            if set(failed.failed) == {"guard"}:
                old = failed.failed["guard"]
                raise GuardTaken(
                    old.get("lead_id") if old else None, bool(old and old.get("is_open"))
                ) from None
            raise StaleWrite(change.lead_id) from None

    def _lead_update(self, change: LeadChange) -> Write:
        sets = dict(change.set)
        removes: list[str] = []
        placement = change.placement
        if placement is not None:
            if placement.queue is not None:
                rank, due = placement.queue
                sets["ready_pk"] = keys.ready_queue(self.store_id)
                sets["ready_sk"] = keys.ready_position(rank, due, change.lead_id)
            elif placement.attention_since is not None:
                sets["ready_pk"] = keys.attention_list(self.store_id)
                sets["ready_sk"] = f"{placement.attention_since}#{change.lead_id}"
            else:
                removes += ["ready_pk", "ready_sk"]
            if placement.desk is not None:
                username, due_at = placement.desk
                sets.update(desk_place(self.store_id, change.lead_id, username, due_at))
            elif placement.waiting_since is not None:
                sets["desk_pk"] = keys.waiting_list(self.store_id)
                sets["desk_sk"] = f"{placement.waiting_since}#{change.lead_id}"
                removes.append("desk_due_at")
            else:
                removes += ["desk_pk", "desk_sk", "desk_due_at"]
        condition, values = None, None
        if change.claimable_at is not None:
            condition = f"ready_pk = :ready AND {CLAIMABLE.replace(':now', ':claimable')}"
            values = {":ready": keys.ready_queue(self.store_id), ":claimable": change.claimable_at}
        return self.update(
            "lead",
            keys.lead(self.store_id, change.lead_id),
            sets,
            removes=removes,
            condition=condition,
            values=values,
            expected_version=change.version,
        )

    def _leads(
        self,
        index: str,
        pk_name: str,
        values: dict[str, Any],
        limit: int | None,
        start_key: dict[str, Any] | None,
        sk_condition: str | None = None,
        newest_first: bool = False,
        filter_expression: str | None = None,
        names: dict[str, str] | None = None,
    ) -> tuple[list[Lead], dict[str, Any] | None]:
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": index,
            "KeyConditionExpression": f"{pk_name} = :p"
            + (f" AND {sk_condition}" if sk_condition else ""),
            "ExpressionAttributeValues": to_item(values),
            "ScanIndexForward": not newest_first,
        }
        if limit:
            kwargs["Limit"] = limit
        if start_key:
            kwargs["ExclusiveStartKey"] = start_key
        if filter_expression:
            kwargs["FilterExpression"] = filter_expression
        if names:
            kwargs["ExpressionAttributeNames"] = names
        page = self._call(f"query_{index}", self.client.query, **kwargs)
        return [lead_from(from_item(i)) for i in page.get("Items", [])], page.get(
            "LastEvaluatedKey"
        )
