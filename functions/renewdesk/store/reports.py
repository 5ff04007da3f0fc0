"""Month queries for reports (never a Scan) and the monthly targets."""

from __future__ import annotations

from typing import Any

from renewdesk.services.records import Event, Lead
from renewdesk.store import keys
from renewdesk.store.dynamo import StoreTable, to_item
from renewdesk.store.items import event_from, lead_from

LEAD_FIELDS = ("lead_id", "source", "type", "created_at")
EVENT_FIELDS = (
    "kind",
    "at",
    "by",
    "lead_id",
    "lead_type",
    "source",
    "lead_created_at",
    "owner",
    "outcome",
    "reason",
    "note",
    "premium",
    "reached",
    "first_contact",
    "superseded",
    "event_id",
    "month_pk",
)


class ReportStore(StoreTable):
    """What the monthly report reads, by Query on the month index."""

    def leads_created(self, partitions: list[tuple[str, str, str]]) -> list[Lead]:
        """Leads created within (UTC month partition, from, to) ranges; only reported fields."""
        found: list[Lead] = []
        for utc_month, after, before in partitions:
            found += [
                lead_from(item)
                for item in self._query(
                    {":p": keys.month(self.store_id, utc_month), ":a": after, ":b": before},
                    "month_sk BETWEEN :a AND :b",
                    LEAD_FIELDS,
                )
            ]
        return found

    def events_of_month(self, month: str) -> list[Event]:
        """Every lead event of a local month."""
        return [
            event_from(item)
            for item in self._query(
                {":p": keys.activity_month(self.store_id, month)}, None, EVENT_FIELDS
            )
        ]

    def get_target(self, year_month: str) -> dict[str, Any] | None:
        """A month's target, or None."""
        return self._get(keys.target(self.store_id, year_month), "get_target", consistent=False)

    def put_target(self, year_month: str, values: dict[str, Any]) -> None:
        """Set (or replace) a month's target."""
        self.transact(
            [self.put("target", {**keys.target(self.store_id, year_month), **values})], "put_target"
        )

    def _query(
        self, values: dict[str, str], sk_condition: str | None, fields: tuple[str, ...]
    ) -> list[dict[str, Any]]:
        # Every attribute aliased: several (at, by, source, type, owner) are reserved words.
        names = {f"#f{i}": name for i, name in enumerate(fields)}
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": "month",
            "KeyConditionExpression": "month_pk = :p"
            + (f" AND {sk_condition}" if sk_condition else ""),
            "ExpressionAttributeValues": to_item(values),
            "ProjectionExpression": ", ".join(names),
            "ExpressionAttributeNames": names,
        }
        return self._query_all(kwargs, "report_query")
