"""Erasing a customer in DynamoDB: their leads by the customer index, the rest by key or Scan.

Roster policies are keyed by plate and indexed by expiry month and roster id, never by phone, so
finding a phone's policies takes one Scan of the table (paged, filtered on the server; it reads
and bills every item of every store). Honeypot submissions come back from the same Scan. Only
the operator's `customers erase` scans; the retention purge (run by the Lambda) only queries.
"""

from __future__ import annotations

from typing import Any, Iterator

from renewdesk.errors import StaleWrite
from renewdesk.services.privacy import EVENT_FREE_TEXT, LeadErasure
from renewdesk.store import keys
from renewdesk.store.dynamo import from_item, to_item
from renewdesk.store.queue import QueueStore

# A transaction holds at most 100 items: the lead, its guard, and up to 98 events.
TRANSACTION = 100


class PrivacyStore(QueueStore):
    """Reads and deletes of one customer's items (a QueueStore: it reads leads with history)."""

    def customer_lead_ids(self, phone: str) -> list[str]:
        """Every lead of the customer (all pages of the customer index)."""
        kwargs = {
            "TableName": self.table, "IndexName": "collection",
            "KeyConditionExpression": "coll_pk = :p",
            "ExpressionAttributeValues": to_item(
                {":p": keys.collection(self.store, f"CUSTOMER#{phone}")}),
            "ProjectionExpression": "lead_id",
        }
        return [item["lead_id"] for item in self._query_all(kwargs, "customer_lead_ids")]

    def guard_holder(self, lead_type: str, identity: str) -> str | None:
        """The lead id a dedupe guard holds, or None when there is no guard."""
        guard = self._get(keys.dedupe_guard(self.store, lead_type, identity), "get_guard")
        return guard["lead_id"] if guard else None

    def erase_lead(self, erasure: LeadErasure) -> None:
        """Clear the events, delete the guard and strip the lead; the lead and guard in the last
        transaction, so the lead stays findable until everything of it is done. StaleWrite if
        the lead or its guard changed since they were read."""
        events = [self._clear_event(key) for key in erasure.event_keys]
        last = [self._strip_lead(erasure)]
        if erasure.guard:
            lead_type, identity = erasure.guard
            last.append({"Delete": {
                "TableName": self.table,
                "Key": to_item(keys.dedupe_guard(self.store, lead_type, identity)),
                "ConditionExpression": "lead_id = :id",
                "ExpressionAttributeValues": to_item({":id": erasure.lead_id}),
            }})
        room = TRANSACTION - len(last)
        while len(events) > room:
            self._transact(events[:TRANSACTION], erasure.lead_id)
            events = events[TRANSACTION:]
        self._transact(events + last, erasure.lead_id)

    def scan_phone(self, phone: str) -> tuple[list[str], list[dict[str, Any]]]:
        """(Plates of the policies with this phone, every honeypot submission as
        {spam_id, fields}): one paged Scan of the table."""
        prefix = f"ST#{self.store}#"
        kwargs = {
            "TableName": self.table,
            "FilterExpression": "(begins_with(pk, :policy) AND #phone = :phone) "
                                "OR begins_with(pk, :spam)",
            "ProjectionExpression": "pk, #plate, #fields, received_at",
            "ExpressionAttributeNames": {"#phone": "phone", "#plate": "plate",
                                         "#fields": "fields"},
            "ExpressionAttributeValues": to_item({":policy": prefix + "POLICY#",
                                                  ":spam": prefix + "SPAM#", ":phone": phone}),
        }
        plates, spam = [], []
        while True:
            page = self._call("scan_phone", lambda: self.client.scan(**kwargs))
            for item in map(from_item, page.get("Items", [])):
                if item["pk"].startswith(prefix + "SPAM#"):
                    spam.append({"spam_id": item["pk"][len(prefix + "SPAM#"):],
                                 "fields": item.get("fields") or {},
                                 "received_at": item.get("received_at")})
                else:
                    plates.append(item["plate"])
            if "LastEvaluatedKey" not in page:
                return plates, spam
            kwargs = {**kwargs, "ExclusiveStartKey": page["LastEvaluatedKey"]}

    def delete_policy(self, plate: str, phone: str) -> bool:
        """Delete a roster record if it is still this phone's; False if it is not (any more)."""
        return self._delete(keys.policy(self.store, plate), "delete_policy",
                            "#phone = :phone", {":phone": phone}, {"#phone": "phone"})

    def referral_code_of(self, phone: str) -> str | None:
        """The referral code issued to this phone, or None."""
        guard = self._get(keys.referrer_phone(self.store, phone), "get_referrer_phone")
        return guard["code"] if guard else None

    def delete_referrer(self, code: str, phone: str) -> None:
        """Delete a referrer and its phone guard together (each only if it is still theirs)."""
        items = [
            {"Delete": {"TableName": self.table,
                        "Key": to_item(keys.referrer_phone(self.store, phone)),
                        "ConditionExpression": "code = :code",
                        "ExpressionAttributeValues": to_item({":code": code})}},
            {"Delete": {"TableName": self.table, "Key": to_item(keys.referrer(self.store, code)),
                        "ConditionExpression": "attribute_not_exists(pk) OR phone = :phone",
                        "ExpressionAttributeValues": to_item({":phone": phone})}},
        ]
        self._transact(items, code)

    def policy_records(self, plates: list[str]) -> list[dict[str, Any]]:
        """The roster records of these plates."""
        return self._batch_get([keys.policy(self.store, plate) for plate in plates])

    def referrer_record(self, code: str) -> dict[str, Any] | None:
        """The referrer item of a code."""
        return self._get(keys.referrer(self.store, code), "get_referrer")

    def optout_record(self, phone: str) -> dict[str, Any] | None:
        """The reminder opt-out of a phone."""
        return self._get(keys.optout(self.store, phone), "get_optout")

    def has_optout(self, phone: str) -> bool:
        """Whether the phone opted out of reminder SMS."""
        return self._get(keys.optout(self.store, phone), "get_optout") is not None

    def delete_optout(self, phone: str) -> bool:
        """Delete the opt-out; False if there was none."""
        return self._delete(keys.optout(self.store, phone), "delete_optout")

    def delete_spam(self, spam_id: str) -> None:
        """Delete one honeypot submission."""
        self._delete(keys.spam(self.store, spam_id), "delete_spam")

    # -- retention purge (Query only: the Lambda role may not Scan) ------------------------

    def purge_cursor(self) -> str | None:
        """Where the last purge run stopped (a month_sk of the ACTIVITY index), or None."""
        cursor = self._get(keys.purge_cursor(self.store), "get_purge_cursor")
        return cursor["leads_through"] if cursor else None

    def set_purge_cursor(self, cursor: str) -> None:
        """Save where the purge stopped; never moves it back (an older --as-of run)."""
        try:
            self._call("set_purge_cursor", lambda: self.client.put_item(
                TableName=self.table,
                Item=to_item({**keys.purge_cursor(self.store), "leads_through": cursor}),
                ConditionExpression="attribute_not_exists(leads_through) OR leads_through < :c",
                ExpressionAttributeValues=to_item({":c": cursor})))
        except self.client.exceptions.ConditionalCheckFailedException:
            pass  # already further on

    def close_events(self, months: list[str], start: str,
                     through: str) -> Iterator[dict[str, Any]]:
        """Close events not undone by a reopen, from the month_sk ``start`` to the time
        ``through`` (both included), oldest first, across these local months; page by page, so
        a caller that stops early reads no further."""
        for month in months:
            kwargs: dict[str, Any] = {
                "TableName": self.table, "IndexName": "month",
                "KeyConditionExpression": "month_pk = :p AND month_sk BETWEEN :a AND :b",
                "FilterExpression": "#kind = :close AND attribute_not_exists(superseded)",
                "ProjectionExpression": "lead_id, month_sk",
                "ExpressionAttributeNames": {"#kind": "kind"},
                "ExpressionAttributeValues": to_item({
                    ":p": keys.activity_month(self.store, month), ":a": start,
                    ":b": through + "~", ":close": "close"}),
            }
            while True:
                page = self._call("close_events", lambda: self.client.query(**kwargs))
                yield from map(from_item, page.get("Items", []))
                if "LastEvaluatedKey" not in page:
                    break
                kwargs = {**kwargs, "ExclusiveStartKey": page["LastEvaluatedKey"]}

    def delete_expired_policy(self, plate: str, expiry_date: str) -> bool:
        """Delete a roster record if its expiry date is still this one (no newer import)."""
        return self._delete(keys.policy(self.store, plate), "delete_expired_policy",
                            "#expiry = :expiry", {":expiry": expiry_date},
                            {"#expiry": "expiry_date"})

    # -- plumbing -------------------------------------------------------------------------

    def _strip_lead(self, erasure: LeadErasure) -> dict[str, Any]:
        names = {f"#r{i}": a for i, a in enumerate(erasure.removes)}
        names.update({f"#s{i}": a for i, a in enumerate(erasure.sets)})
        names["#version"] = "version"
        values = {f":s{i}": v for i, v in enumerate(erasure.sets.values())}
        values[":next"] = erasure.version + 1
        sets = [f"#s{i} = :s{i}" for i in range(len(erasure.sets))] + ["#version = :next"]
        expression = "SET " + ", ".join(sets)
        if erasure.removes:
            expression += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(erasure.removes)))
        if erasure.version:
            condition = "#version = :version"
            values[":version"] = erasure.version
        else:
            condition = "attribute_exists(pk) AND attribute_not_exists(#version)"
        return {"Update": {
            "TableName": self.table, "Key": to_item(keys.lead(self.store, erasure.lead_id)),
            "UpdateExpression": expression, "ConditionExpression": condition,
            "ExpressionAttributeNames": names, "ExpressionAttributeValues": to_item(values),
        }}

    def _clear_event(self, key: dict[str, str]) -> dict[str, Any]:
        names = {f"#t{i}": f for i, f in enumerate(EVENT_FREE_TEXT)}
        return {"Update": {
            "TableName": self.table, "Key": to_item(key),
            "UpdateExpression": "REMOVE " + ", ".join(names),
            "ConditionExpression": "attribute_exists(pk)",
            "ExpressionAttributeNames": names,
        }}

    def _transact(self, items: list[dict[str, Any]], subject: str) -> None:
        try:
            self._call("erase", lambda: self.client.transact_write_items(TransactItems=items))
        except self.client.exceptions.TransactionCanceledException:
            raise StaleWrite(subject) from None

    def _delete(self, key: dict[str, str], operation: str, condition: str | None = None,
                values: dict[str, Any] | None = None,
                names: dict[str, str] | None = None) -> bool:
        kwargs: dict[str, Any] = {"TableName": self.table, "Key": to_item(key),
                                  "ReturnValues": "ALL_OLD"}
        if condition:
            kwargs.update(ConditionExpression=condition, ExpressionAttributeValues=to_item(values),
                          ExpressionAttributeNames=names)
        try:
            answer = self._call(operation, lambda: self.client.delete_item(**kwargs))
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return "Attributes" in answer
