"""Reads behind inbound work: the queued leads on the attention list, renewals past their last
call that nobody holds, a caller's roster policies by mobile number (shapes in keys.py)."""

from __future__ import annotations

from typing import Any

from renewdesk.services.records import Lead, Policy
from renewdesk.store import keys
from renewdesk.store.dynamo import from_item, to_item
from renewdesk.store.items import policy_from
from renewdesk.store.queue import CLAIMABLE, QueueStore

# How many policies one mobile number is shown with at most (a fleet owner has many).
POLICIES_PER_PHONE = 20


class InboundStore(QueueStore):
    """Inbound work's reads, on top of the queue's reads and writes."""

    def waiting_page(
        self, limit: int, start_key: dict[str, Any] | None = None
    ) -> tuple[list[Lead], dict[str, Any] | None]:
        """Queued leads on the attention list, longest waiting first (one Query)."""
        return self._leads(
            "desk", "desk_pk", {":p": keys.waiting_list(self.store_id)}, limit, start_key
        )

    def unheld_renewals(
        self, rank: int, due_by: str, expiry_by: str, now_iso: str, start_key: dict[str, Any] | None
    ) -> tuple[list[Lead], dict[str, Any] | None]:
        """Renewal leads of one queue rank, due by a day, expiring by a day, that nobody holds
        and that are not on the attention list yet (a page of one Query: the due part of the
        queue only, never the whole of it)."""
        values = {
            ":p": keys.ready_queue(self.store_id),
            ":first": f"{rank}#",
            ":last": f"{rank}#{due_by}~",
            ":renewal": "renewal",
            ":expiry": expiry_by,
            ":now": now_iso,
        }
        condition = (
            f"#type = :renewal AND expiry_date <= :expiry AND {CLAIMABLE}"
            " AND attribute_not_exists(waiting_reason)"
        )
        return self._leads(
            "ready",
            "ready_pk",
            values,
            200,
            start_key,
            "ready_sk BETWEEN :first AND :last",
            filter_expression=condition,
            names={"#type": "type"},
        )

    def policies_of_phone(self, phone: str) -> list[Policy]:
        """The roster policies of a mobile number, soonest expiry first (one Query)."""
        page = self._call(
            "policies_of_phone",
            self.client.query,
            TableName=self.table,
            IndexName="desk",
            KeyConditionExpression="desk_pk = :p",
            ExpressionAttributeValues=to_item({":p": keys.policy_holder(self.store_id, phone)}),
            Limit=POLICIES_PER_PHONE,
        )
        return [policy_from(from_item(i)) for i in page.get("Items", [])]
