"""Month queries for reports (never a Scan) and the monthly targets."""

from __future__ import annotations

from typing import Any

from renewdesk.config import Settings
from renewdesk.store import keys
from renewdesk.store.dynamo import from_item, to_item, with_retries

LEAD_FIELDS = ("lead_id", "source", "type", "created_at")
EVENT_FIELDS = ("kind", "at", "by", "lead_id", "lead_type", "source", "lead_created_at", "owner",
                "outcome", "reason", "note", "premium", "reached", "first_contact", "superseded")


class ReportStore:
    """What the monthly report reads, by Query on the month index."""

    def __init__(self, client, settings: Settings):
        self.client = client
        self.settings = settings
        self.table = settings.table_name
        self.store = settings.store_id

    def leads_created(self, partitions: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
        """Leads created within (UTC month partition, from, to) ranges; only reported fields."""
        found: list[dict[str, Any]] = []
        for utc_month, after, before in partitions:
            found += self._query(
                {":p": keys.month(self.store, utc_month), ":a": after, ":b": before},
                "month_sk BETWEEN :a AND :b", LEAD_FIELDS)
        return found

    def events_of_month(self, month: str) -> list[dict[str, Any]]:
        """Every lead event of a local month."""
        return self._query({":p": keys.activity_month(self.store, month)}, None, EVENT_FIELDS)

    def get_target(self, year_month: str) -> dict[str, Any] | None:
        """A month's target, or None."""
        answer = with_retries(self.settings, lambda: self.client.get_item(
            TableName=self.table, Key=to_item(keys.target(self.store, year_month))),
            "get_target")
        return from_item(answer["Item"]) if "Item" in answer else None

    def put_target(self, year_month: str, values: dict[str, Any]) -> None:
        """Set (or replace) a month's target."""
        item = {**keys.target(self.store, year_month), **values}
        with_retries(self.settings, lambda: self.client.put_item(
            TableName=self.table, Item=to_item(item)), "put_target")

    def _query(self, values: dict[str, str], sk_condition: str | None,
               fields: tuple[str, ...]) -> list[dict[str, Any]]:
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
        found: list[dict[str, Any]] = []
        while True:
            page = with_retries(self.settings, lambda: self.client.query(**kwargs),
                                "report_query")
            found.extend(from_item(i) for i in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return found
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
