"""The notification outbox in DynamoDB (services/notifications.py): notices written with the change
they announce, read by when they are due, taken and settled by conditional writes.

Every write of a notice is a whole-item Put conditional on the version it was read with, so two
workers never both take or settle the same round of a notice.
"""

from __future__ import annotations

from typing import Any, Iterable

from renewdesk.services.notifications import Notice
from renewdesk.services.records import Lead
from renewdesk.store import keys
from renewdesk.store.dynamo import ConditionFailed, StoreTable, Write, from_item, to_item
from renewdesk.store.items import lead_from, notice_from, notice_item


def notice_put(table: StoreTable, notice: Notice, name: str | None = None) -> Write:
    """A new notice, as one item of another change's transaction."""
    return table.put(
        name or f"notice:{notice.notice_id}",
        notice_item(table.store_id, notice),
        condition="attribute_not_exists(pk)",
    )


class OutboxStore(StoreTable):
    """Notices of one store."""

    def due_notices(self, now_iso: str, limit: int) -> list[Notice]:
        """Pending notices due by now, oldest due first (one Query)."""
        return self._notices(keys.outbox(self.store_id), limit, before=now_iso + "~")

    def notices(self, state: str, limit: int) -> list[Notice]:
        """Dead notices (``dead``), newest first, or pending ones (``pending``) by due time."""
        if state == "dead":
            return self._notices(keys.dead_letters(self.store_id), limit, newest_first=True)
        return self._notices(keys.outbox(self.store_id), limit)

    def get_notice(self, notice_id: str) -> Notice | None:
        """One notice, read consistently."""
        item = self._get(keys.notice(self.store_id, notice_id), "get_notice")
        return notice_from(item) if item else None

    def take(self, notices: list[Notice], until: str) -> list[Notice]:
        """Move each notice's due time to ``until`` (so no other worker takes it meanwhile), if
        it is still at the version read; the notices taken, as now stored."""
        moved = [n.changed(due_at=until) for n in notices]
        failed = self.transact_groups([[self._put(n)] for n in moved], "take_notices")
        return [n.changed(version=n.version + 1) for i, n in enumerate(moved) if i not in failed]

    def settle(self, notices: list[Notice]) -> None:
        """Write where each notice now stands (a notice changed meanwhile is left as it is)."""
        if notices:
            self.transact_groups([[self._put(n)] for n in notices], "settle_notices")

    def leads_by_id(self, lead_ids: Iterable[str]) -> dict[str, Lead]:
        """The leads the notices name (consistent reads)."""
        found = self._batch_get([keys.lead(self.store_id, i) for i in set(lead_ids)])
        return {item["lead_id"]: lead_from(item) for item in found}

    def reserve(self, robot: str, window: str, limit: int, expires_at: int) -> bool:
        """Count one message to a robot in a minute; False when the minute's budget is spent."""
        from renewdesk.services.limits import RateLimit
        from renewdesk.store.leads import counter_updates

        slot = RateLimit("robot", robot, window, limit, expires_at, 60)
        try:
            self.transact(counter_updates(self, [slot]), "reserve_robot")
        except ConditionFailed:
            return False
        return True

    def _put(self, notice: Notice) -> Write:
        """The notice over the stored one, if that is still at ``notice.version``."""
        item = notice_item(self.store_id, notice.changed(version=notice.version + 1))
        if notice.version:
            return self.put(
                "notice",
                item,
                condition="#v = :v",
                names={"#v": "version"},
                values={":v": notice.version},
            )
        return self.put(
            "notice",
            item,
            condition="attribute_exists(pk) AND attribute_not_exists(#v)",
            names={"#v": "version"},
        )

    def _notices(
        self, partition: str, limit: int, before: str | None = None, newest_first: bool = False
    ) -> list[Notice]:
        values: dict[str, Any] = {":p": partition}
        condition = "ready_pk = :p"
        if before:
            condition += " AND ready_sk < :before"
            values[":before"] = before
        page = self._call(
            "query_notices",
            self.client.query,
            TableName=self.table,
            IndexName="ready",
            KeyConditionExpression=condition,
            ExpressionAttributeValues=to_item(values),
            ScanIndexForward=not newest_first,
            Limit=limit,
        )
        return [notice_from(from_item(i)) for i in page.get("Items", [])]
