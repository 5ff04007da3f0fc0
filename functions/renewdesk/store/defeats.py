"""Lost closes by month (the ready index: LOST#<month>) and stored defeat analyses."""

from __future__ import annotations

import json
from typing import Any

from renewdesk.errors import StaleWrite
from renewdesk.services.defeats import note_entry
from renewdesk.services.records import Event
from renewdesk.store import keys
from renewdesk.store.dynamo import ConditionFailed, StoreTable, Write, to_item
from renewdesk.store.items import event_from, event_key

# A note item and the check that its event still has the note: 50 notes a transaction.
NOTES_PER_TRANSACTION = 50


class DefeatStore(StoreTable):
    """The month's defeats and their stored analysis."""

    def lost_closes(self, month: str) -> list[Event]:
        """The lost close events of a local month still standing (a reopen takes one out)."""
        kwargs = {
            "TableName": self.table,
            "IndexName": "ready",
            "KeyConditionExpression": "ready_pk = :p",
            "ExpressionAttributeValues": to_item({":p": keys.lost_closes(self.store_id, month)}),
        }
        return [event_from(i) for i in self._query_all(kwargs, "lost_closes")]

    def save_analysis(self, month: str, summary: dict[str, Any], notes: list[Event]) -> None:
        """Store the analysis: each note with a check that its event still carries it (an
        erasure in between makes this StaleWrite), notes of an earlier run that are gone
        deleted, the summary last (it is what makes the month ready)."""
        partition = keys.defeats(self.store_id, month)
        existing = {
            item["sk"]
            for item in self._query_all(
                {
                    "TableName": self.table,
                    "KeyConditionExpression": "pk = :p",
                    "ExpressionAttributeValues": to_item({":p": partition}),
                    "ProjectionExpression": "sk",
                },
                "defeat_items",
            )
        }
        for start in range(0, len(notes), NOTES_PER_TRANSACTION):
            writes: list[Write] = []
            for event in notes[start : start + NOTES_PER_TRANSACTION]:
                writes.append(
                    self.put(
                        f"note:{event.event_id}",
                        {"pk": partition, "sk": f"NOTE#{event.event_id}", **note_entry(event)},
                    )
                )
                writes.append(
                    self.check(
                        f"event:{event.event_id}",
                        event_key(self.store_id, event),
                        "#note = :note",
                        values={":note": event.note},
                        names={"#note": "note"},
                    )
                )
            try:
                self.transact(writes, "save_defeat_notes")
            except ConditionFailed:
                raise StaleWrite(month) from None
        kept = {f"NOTE#{e.event_id}" for e in notes}
        for sort_key in sorted(existing - kept - {"SUMMARY"}):
            self.transact(
                [self.delete("stale_note", {"pk": partition, "sk": sort_key})], "drop_note"
            )
        self.transact(
            [
                self.put(
                    "summary",
                    {
                        "pk": partition,
                        "sk": "SUMMARY",
                        "summary": json.dumps(summary, ensure_ascii=False),
                    },
                )
            ],
            "save_defeat_summary",
        )

    def stored_analysis(self, month: str) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
        """(summary, notes) of a stored month, or None (one Query of its partition)."""
        items = self._query_all(
            {
                "TableName": self.table,
                "KeyConditionExpression": "pk = :p",
                "ExpressionAttributeValues": to_item({":p": keys.defeats(self.store_id, month)}),
                "ConsistentRead": True,
            },
            "stored_analysis",
        )
        summary = next((i for i in items if i["sk"] == "SUMMARY"), None)
        if summary is None:
            return None
        notes = [
            {k: v for k, v in i.items() if k not in ("pk", "sk")}
            for i in items
            if i["sk"].startswith("NOTE#")
        ]
        return json.loads(summary["summary"]), notes

    def prepared_at(self, month: str) -> str | None:
        """When a month's analysis was stored (its summary), or None."""
        item = self._get(
            {"pk": keys.defeats(self.store_id, month), "sk": "SUMMARY"}, "defeats_ready"
        )
        return json.loads(item["summary"]).get("generated_at") if item else None
