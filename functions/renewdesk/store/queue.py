"""Leads as staff work them: the ready queue, desks, the attention list, and lead history.

Every change is one TransactWriteItems: the lead (conditional on the version it was read with),
the event appended to its history, and where needed the customer's dedupe guard and an earlier
close event. A claim is one Query on the ready index plus that one transaction.
"""

from __future__ import annotations

from typing import Any

from renewdesk.errors import GuardTaken, StaleWrite
from renewdesk.services.worklist import LeadChange
from renewdesk.store import cursors, keys
from renewdesk.store.dynamo import StoreTable, from_item, to_item, with_retries

CLAIMABLE = "(attribute_not_exists(lease_until) OR lease_until < :now)"
# The index each paged staff list reads.
LISTING_INDEX = {"ready": "ready", "attention": "ready", "month": "month"}


class QueueStore(StoreTable):
    """Reads and conditional writes of leads being worked, for one store."""

    # -- reads ----------------------------------------------------------------------------

    def ready_page(self, lead_type: str | None, now_iso: str, limit: int,
                   start_key: dict | None = None) -> tuple[list[dict[str, Any]], dict | None]:
        """Claimable leads at the head of the queue, in claim order (one Query)."""
        condition = CLAIMABLE
        values: dict[str, Any] = {":p": keys.ready_queue(self.store), ":now": now_iso}
        names = None
        if lead_type:
            condition += " AND #type = :type"
            values[":type"] = lead_type
            names = {"#type": "type"}
        return self._query("ready", "ready_pk", values, limit, start_key,
                           filter_expression=condition, names=names)

    def attention_page(self, limit: int, start_key: dict | None = None):
        """Leads on the supervisor's attention list, oldest first."""
        return self._query("ready", "ready_pk", {":p": keys.attention_list(self.store)}, limit,
                           start_key)

    def desk_page(self, username: str, due_before: str | None = None, limit: int = 200,
                  start_key: dict | None = None):
        """Leads on one desk by due time; only those due before a time if given."""
        values: dict[str, Any] = {":p": keys.desk(self.store, username)}
        sk_condition = None
        if due_before:
            sk_condition = "desk_sk < :before"
            values[":before"] = due_before
        return self._query("desk", "desk_pk", values, limit, start_key, sk_condition)

    def month_leads_page(self, utc_month: str, after: str, before: str, limit: int,
                         start_key: dict | None = None, newest_first: bool = False):
        """Leads created between two UTC timestamps within one UTC month partition."""
        values = {":p": keys.month(self.store, utc_month), ":a": after, ":b": before}
        return self._query("month", "month_pk", values, limit, start_key,
                           "month_sk BETWEEN :a AND :b", newest_first=newest_first)

    def get_lead(self, lead_id: str) -> dict[str, Any] | None:
        """One lead, read consistently."""
        return self._get(keys.lead(self.store, lead_id), "get_lead")

    def lead_with_history(self, lead_id: str) -> tuple[dict[str, Any] | None,
                                                       list[dict[str, Any]]]:
        """The lead and its events, oldest first, in one consistent Query of its partition."""
        kwargs = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :p",
            "ExpressionAttributeValues": to_item({":p": keys.lead(self.store, lead_id)["pk"]}),
            "ConsistentRead": True,
        }
        items = self._query_all(kwargs, "lead_with_history")
        lead = next((item for item in items if item["sk"] == "LEAD"), None)
        return lead, [item for item in items if item["sk"].startswith("EV#")]

    def customer_leads(self, phone: str, limit: int = 20) -> list[dict[str, Any]]:
        """A customer's leads, newest first."""
        items, _ = self._query("collection", "coll_pk",
                               {":p": keys.collection(self.store, f"CUSTOMER#{phone}")},
                               limit, None, newest_first=True)
        return items

    def vehicle_records(self, plate: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """(The renewal dedupe guard, the roster policy) of a vehicle, in one TransactGetItems
        (one request for both, and no unprocessed keys to send again as a batch read has)."""
        wanted = [keys.dedupe_guard(self.store, "renewal", plate), keys.policy(self.store, plate)]
        answer = with_retries(self.settings, lambda: self.client.transact_get_items(
            TransactItems=[{"Get": {"TableName": self.table, "Key": to_item(key)}}
                           for key in wanted]), "vehicle_records")
        guard, policy = (from_item(r["Item"]) if r.get("Item") else None
                         for r in answer["Responses"])
        return guard, policy

    # -- cursors of the paged lists (store.cursors) ---------------------------------------

    def resume(self, cursor: str, listing: str,
               months: list[tuple[str, str, str]] | None = None) -> tuple[int, dict[str, Any]]:
        """Where a page of a list starts again: (which month partition, ExclusiveStartKey).

        ``listing`` is ``ready``, ``attention`` or ``month`` (with the month's UTC partitions
        and bounds, as month_leads_page reads them). InvalidFields for a cursor that is not one
        this list handed out.
        """
        if listing == "month":
            ranges = [(keys.month(self.store, m), after, before)
                      for m, after, before in months or []]
        else:
            partition = keys.ready_queue(self.store) if listing == "ready" \
                else keys.attention_list(self.store)
            ranges = [(partition, None, None)]
        return cursors.decode(cursor, LISTING_INDEX[listing], self.store, ranges)

    def cursor_after(self, item: dict[str, Any], listing: str) -> str:
        """The cursor of the page that starts after this item of a list."""
        return cursors.encode(item, LISTING_INDEX[listing])

    # -- the one write --------------------------------------------------------------------

    def write(self, change: LeadChange) -> None:
        """Apply a change in one transaction; StaleWrite if the lead moved on, GuardTaken if the
        customer's dedupe guard is not this lead's."""
        items = [self._lead_update(change)]
        if change.event is not None:
            items.append({"Put": {"TableName": self.table,
                                  "Item": to_item(self._event_item(change))}})
        guard_index = None
        if change.guard is not None:
            guard_index = len(items)
            items.append({"Update": {
                "TableName": self.table,
                "Key": to_item(keys.dedupe_guard(self.store, change.guard.lead_type,
                                                 change.guard.identity)),
                "UpdateExpression": "SET is_open = :open",
                "ConditionExpression": "lead_id = :id",
                "ExpressionAttributeValues": to_item(
                    {":open": change.guard.is_open, ":id": change.lead_id}),
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }})
        if change.supersede is not None:
            at, event_id = change.supersede
            items.append({"Update": {
                "TableName": self.table,
                "Key": to_item(keys.lead_event(self.store, change.lead_id, at, event_id)),
                "UpdateExpression": "SET superseded = :yes",
                "ConditionExpression": "attribute_exists(pk)",
                "ExpressionAttributeValues": to_item({":yes": True}),
            }})

        # A retry after a lost answer is idempotent; the same change written again without its
        # guard (see services.closing) is a different request, so it gets a different token.
        token = change.change_id + ("G" if change.guard else "")

        def call():
            return self.client.transact_write_items(TransactItems=items,
                                                    ClientRequestToken=token)

        try:
            with_retries(self.settings, call, "write_lead")
        except self.client.exceptions.TransactionCanceledException as error:
            reasons = error.response.get("CancellationReasons", [])
            failed = [i for i, r in enumerate(reasons) if r.get("Code") == "ConditionalCheckFailed"]
            if guard_index is not None and failed == [guard_index]:
                old = reasons[guard_index].get("Item")
                raise GuardTaken(from_item(old) if old else None) from None
            raise StaleWrite(change.lead_id) from None

    def _lead_update(self, change: LeadChange) -> dict[str, Any]:
        sets = {**change.set, "version": change.version + 1}
        removes = list(change.remove)
        placement = change.placement
        if placement is not None:
            if placement.queue is not None:
                rank, due = placement.queue
                sets["ready_pk"] = keys.ready_queue(self.store)
                sets["ready_sk"] = keys.ready_position(rank, due, change.lead_id)
            elif placement.attention_since is not None:
                sets["ready_pk"] = keys.attention_list(self.store)
                sets["ready_sk"] = f"{placement.attention_since}#{change.lead_id}"
            else:
                removes += ["ready_pk", "ready_sk"]
            if placement.desk is not None:
                username, due_at = placement.desk
                sets["desk_pk"] = keys.desk(self.store, username)
                sets["desk_sk"] = f"{due_at}#{change.lead_id}"
            else:
                removes += ["desk_pk", "desk_sk"]
        sets = {k: v for k, v in sets.items() if v is not None}
        removes += [k for k, v in change.set.items() if v is None]
        names: dict[str, str] = {}
        values: dict[str, Any] = {}

        def name(attribute: str) -> str:
            alias = f"#n{len(names)}"
            names[alias] = attribute
            return alias

        set_parts = []
        for attribute, value in sets.items():
            placeholder = f":s{len(values)}"
            values[placeholder] = value
            set_parts.append(f"{name(attribute)} = {placeholder}")
        expression = "SET " + ", ".join(set_parts)
        if removes:
            expression += " REMOVE " + ", ".join(name(a) for a in dict.fromkeys(removes))
        if change.version:
            condition = f"{name('version')} = :version"
            values[":version"] = change.version
        else:
            condition = f"attribute_exists(pk) AND attribute_not_exists({name('version')})"
        if change.claimable_at is not None:
            condition += (f" AND {name('ready_pk')} = :ready AND (attribute_not_exists("
                          f"{name('lease_until')}) OR {name('lease_until')} < :now)")
            values[":ready"] = keys.ready_queue(self.store)
            values[":now"] = change.claimable_at
        return {"Update": {
            "TableName": self.table,
            "Key": to_item(keys.lead(self.store, change.lead_id)),
            "UpdateExpression": expression,
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": to_item(values),
        }}

    def _event_item(self, change: LeadChange) -> dict[str, Any]:
        event = dict(change.event or {})
        month = event.pop("month")
        return {
            **keys.lead_event(self.store, change.lead_id, event["at"], change.change_id),
            **event,
            "event_id": change.change_id,
            "month_pk": keys.activity_month(self.store, month),
            "month_sk": f"{event['at']}#{change.lead_id}#{change.change_id}",
        }

    def _query(self, index: str, pk_name: str, values: dict[str, Any], limit: int | None,
               start_key: dict | None, sk_condition: str | None = None,
               newest_first: bool = False, filter_expression: str | None = None,
               names: dict[str, str] | None = None):
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
        page = with_retries(self.settings, lambda: self.client.query(**kwargs),
                            f"query_{index}")
        return [from_item(i) for i in page.get("Items", [])], page.get("LastEvaluatedKey")
