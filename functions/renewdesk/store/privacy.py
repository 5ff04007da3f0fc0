"""Erasing a customer in DynamoDB: their leads by the customer index, the rest by key or Scan.

Roster policies are keyed by plate and indexed by expiry month and roster id, never by phone, so
finding a phone's policies takes one Scan of the table (paged, filtered on the server; it reads
and bills every item of every store). Honeypot submissions come back from the same Scan. Only
the operator's `customers erase` scans; the retention purge (run by the Lambda) only queries.
"""

from __future__ import annotations

from typing import Any, Iterator

from renewdesk.errors import StaleWrite
from renewdesk.services.privacy import LeadErasure
from renewdesk.services.records import EVENT_FREE_TEXT, PERSONAL, OptOut, Policy
from renewdesk.services.referrers import Referrer
from renewdesk.store import keys
from renewdesk.store.cycles import update_writes
from renewdesk.store.dynamo import TRANSACTION, ConditionFailed, Write, from_item, to_item
from renewdesk.store.items import LEAD_INDEX_ATTRIBUTES, event_key, policy_from
from renewdesk.store.queue import QueueStore


class PrivacyStore(QueueStore):
    """Reads and deletes of one customer's items (a QueueStore: it reads leads with history)."""

    def customer_lead_ids(self, phone: str) -> list[str]:
        """Every lead of the customer (all pages of the customer index)."""
        kwargs = {
            "TableName": self.table,
            "IndexName": "collection",
            "KeyConditionExpression": "coll_pk = :p",
            "ExpressionAttributeValues": to_item(
                {":p": keys.collection(self.store_id, f"CUSTOMER#{phone}")}
            ),
            "ProjectionExpression": "lead_id",
        }
        return [item["lead_id"] for item in self._query_all(kwargs, "customer_lead_ids")]

    def guard_holder(self, lead_type: str, identity: str) -> str | None:
        """The lead id a dedupe guard holds, or None when there is no guard."""
        guard = self._get(keys.dedupe_guard(self.store_id, lead_type, identity), "get_guard")
        return guard["lead_id"] if guard else None

    def erase_lead(self, erasure: LeadErasure) -> None:
        """Clear the events, delete the guard and strip the lead; the lead and guard in the last
        transaction, so the lead stays findable until everything of it is done. StaleWrite if
        the lead or its guard changed since they were read."""
        lead = erasure.lead
        events = [
            self.update(
                f"event:{e.event_id}",
                event_key(self.store_id, e),
                removes=EVENT_FREE_TEXT,
                condition="attribute_exists(pk)",
            )
            for e in erasure.events
        ]
        # A close note copied into a month's stored defeat analysis goes with the event's.
        events += [
            self.delete(
                f"defeat_note:{e.event_id}",
                {"pk": keys.defeats(self.store_id, e.month), "sk": f"NOTE#{e.event_id}"},
            )
            for e in erasure.events
            if e.kind == "close" and e.note
        ]
        last = [
            self.update(
                "lead",
                keys.lead(self.store_id, lead.lead_id),
                {"status": "erased", "erased_at": erasure.erased_at},
                removes=[*sorted(PERSONAL), *LEAD_INDEX_ATTRIBUTES],
                expected_version=lead.version,
            )
        ]
        if erasure.guarded:
            last.append(
                self.delete(
                    "guard",
                    keys.dedupe_guard(self.store_id, lead.type, lead.identity),
                    condition="lead_id = :id",
                    values={":id": lead.lead_id},
                )
            )
        if erasure.cycle is not None:
            last += update_writes(self, erasure.cycle)
        room = TRANSACTION - len(last)
        while len(events) > room:
            self._erase(events[:TRANSACTION], lead.lead_id)
            events = events[TRANSACTION:]
        self._erase(events + last, lead.lead_id)

    def scan_phone(self, phone: str) -> tuple[list[str], list[dict[str, Any]]]:
        """(Plates of the policies with this phone, every honeypot submission as
        {spam_id, fields}): one paged Scan of the table."""
        prefix = f"ST#{self.store_id}#"
        kwargs = {
            "TableName": self.table,
            "FilterExpression": "(begins_with(pk, :policy) AND #phone = :phone) "
            "OR begins_with(pk, :spam)",
            "ProjectionExpression": "pk, #plate, #fields, received_at",
            "ExpressionAttributeNames": {"#phone": "phone", "#plate": "plate", "#fields": "fields"},
            "ExpressionAttributeValues": to_item(
                {":policy": prefix + "POLICY#", ":spam": prefix + "SPAM#", ":phone": phone}
            ),
        }
        plates, spam = [], []
        while True:
            page = self._call("scan_phone", self.client.scan, **kwargs)
            for item in map(from_item, page.get("Items", [])):
                if item["pk"].startswith(prefix + "SPAM#"):
                    spam.append(
                        {
                            "spam_id": item["pk"][len(prefix + "SPAM#") :],
                            "fields": item.get("fields") or {},
                            "received_at": item.get("received_at"),
                        }
                    )
                else:
                    plates.append(item["plate"])
            if "LastEvaluatedKey" not in page:
                return plates, spam
            kwargs = {**kwargs, "ExclusiveStartKey": page["LastEvaluatedKey"]}

    def delete_policy(self, plate: str, phone: str) -> bool:
        """Delete a roster record if it is still this phone's (False if it is not any more),
        and take the plate off the vehicle's renewal cycles."""
        deleted = self._delete(
            keys.policy(self.store_id, plate),
            "delete_policy",
            "#phone = :phone",
            {":phone": phone},
            {"#phone": "phone"},
        )
        if deleted:
            self.forget_vehicle(plate)
        return deleted

    def forget_vehicle(self, plate: str) -> int:
        """Take a plate off every renewal cycle that carries it (each a new version, so a
        rewrite read before cannot put it back); how many."""
        from renewdesk.store.cycles import CycleStore

        cycles = CycleStore(self.client, self.settings).vehicle_cycles(plate)
        for cycle in cycles:
            self.transact(
                [
                    self.update(
                        "cycle",
                        keys.cycle(self.store_id, cycle.cycle_id),
                        removes=("plate", "coll_pk", "coll_sk"),
                        adds={"version": 1},
                        condition="attribute_exists(pk)",
                    )
                ],
                "forget_vehicle",
            )
        return len(cycles)

    def referral_code_of(self, phone: str) -> str | None:
        """The referral code issued to this phone, or None."""
        guard = self._get(keys.referrer_phone(self.store_id, phone), "get_referrer_phone")
        return guard["code"] if guard else None

    def delete_referrer(self, code: str, phone: str) -> None:
        """Delete a referrer and its phone guard together (each only if it is still theirs)."""
        self._erase(
            [
                self.delete(
                    "phone",
                    keys.referrer_phone(self.store_id, phone),
                    condition="code = :code",
                    values={":code": code},
                ),
                self.delete(
                    "referrer",
                    keys.referrer(self.store_id, code),
                    condition="attribute_not_exists(pk) OR phone = :phone",
                    values={":phone": phone},
                ),
            ],
            code,
        )

    def policy_records(self, plates: list[str]) -> list[Policy]:
        """The roster records of these plates."""
        return [
            policy_from(i)
            for i in self._batch_get([keys.policy(self.store_id, plate) for plate in plates])
        ]

    def referrer_record(self, code: str) -> Referrer | None:
        """The referrer of a code."""
        item = self._get(keys.referrer(self.store_id, code), "get_referrer")
        return (
            Referrer(item["code"], item["name"], item["phone"], item["created_at"])
            if item
            else None
        )

    def optout_record(self, phone: str) -> OptOut | None:
        """The reminder opt-out of a phone."""
        item = self._get(keys.optout(self.store_id, phone), "get_optout")
        return OptOut(item["phone"], item["opted_out_at"], item["via"]) if item else None

    def has_optout(self, phone: str) -> bool:
        """Whether the phone opted out of reminder SMS."""
        return self._get(keys.optout(self.store_id, phone), "get_optout") is not None

    def delete_optout(self, phone: str) -> bool:
        """Delete the opt-out; False if there was none."""
        return self._delete(keys.optout(self.store_id, phone), "delete_optout")

    def delete_spam(self, spam_id: str) -> None:
        """Delete one honeypot submission."""
        self._delete(keys.spam(self.store_id, spam_id), "delete_spam")

    # -- retention purge (Query only: the Lambda role may not Scan) ------------------------

    def purge_cursor(self) -> str | None:
        """Where the last purge run stopped (a month_sk of the ACTIVITY index), or None."""
        cursor = self._get(keys.purge_cursor(self.store_id), "get_purge_cursor")
        return cursor["leads_through"] if cursor else None

    def set_purge_cursor(self, cursor: str) -> None:
        """Save where the purge stopped; never moves it back (an older --as-of run)."""
        try:
            self._call(
                "set_purge_cursor",
                self.client.put_item,
                TableName=self.table,
                Item=to_item({**keys.purge_cursor(self.store_id), "leads_through": cursor}),
                ConditionExpression="attribute_not_exists(leads_through) OR leads_through < :c",
                ExpressionAttributeValues=to_item({":c": cursor}),
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            pass  # already further on

    def close_events(
        self, months: list[str], start: str, through: str
    ) -> Iterator[tuple[str, str]]:
        """(lead id, position) of the close events not undone by a reopen, from the position
        ``start`` to the time ``through`` (both included), oldest first, across these local
        months; page by page, so a caller that stops early reads no further. A position is
        opaque above store/ (it is the event's month-index sort key)."""
        for month in months:
            kwargs: dict[str, Any] = {
                "TableName": self.table,
                "IndexName": "month",
                "KeyConditionExpression": "month_pk = :p AND month_sk BETWEEN :a AND :b",
                # A former owner's record of a handed-over lead closes with "handed_over".
                "FilterExpression": "#kind IN (:close, :handover) "
                "AND attribute_not_exists(superseded)",
                "ProjectionExpression": "lead_id, month_sk",
                "ExpressionAttributeNames": {"#kind": "kind"},
                "ExpressionAttributeValues": to_item(
                    {
                        ":p": keys.activity_month(self.store_id, month),
                        ":a": start,
                        ":b": through + "~",
                        ":close": "close",
                        ":handover": "handed_over",
                    }
                ),
            }
            while True:
                page = self._call("close_events", self.client.query, **kwargs)
                for item in map(from_item, page.get("Items", [])):
                    yield item["lead_id"], item["month_sk"]
                if "LastEvaluatedKey" not in page:
                    break
                kwargs = {**kwargs, "ExclusiveStartKey": page["LastEvaluatedKey"]}

    def delete_expired_policy(self, plate: str, expiry_date: str) -> bool:
        """Delete a roster record if its expiry date is still this one (no newer import), and
        take the plate off the vehicle's renewal cycles (all of them older still)."""
        deleted = self._delete(
            keys.policy(self.store_id, plate),
            "delete_expired_policy",
            "#expiry = :expiry",
            {":expiry": expiry_date},
            {"#expiry": "expiry_date"},
        )
        if deleted:
            self.forget_vehicle(plate)
        return deleted

    # -- plumbing -------------------------------------------------------------------------

    def _erase(self, writes: list[Write], subject: str) -> None:
        try:
            self.transact(writes, "erase")
        except ConditionFailed:
            raise StaleWrite(subject) from None

    def _delete(
        self,
        key: dict[str, str],
        operation: str,
        condition: str | None = None,
        values: dict[str, Any] | None = None,
        names: dict[str, str] | None = None,
    ) -> bool:
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "Key": to_item(key),
            "ReturnValues": "ALL_OLD",
        }
        if condition:
            kwargs.update(
                ConditionExpression=condition,
                ExpressionAttributeValues=to_item(values or {}),
                ExpressionAttributeNames=names,
            )
        try:
            answer = self._call(operation, self.client.delete_item, **kwargs)
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return "Attributes" in answer
