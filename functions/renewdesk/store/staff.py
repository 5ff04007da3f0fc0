"""Staff accounts and sessions in DynamoDB."""

from __future__ import annotations

from typing import Any

from renewdesk.services.limits import RateLimit
from renewdesk.store import keys
from renewdesk.store.dynamo import ConditionFailed, StoreTable, from_item, to_item


class StaffStore(StoreTable):
    """Accounts and sessions of one store."""

    # -- accounts -------------------------------------------------------------------------

    def add_staff(self, values: dict[str, Any]) -> bool:
        """Store a new account; False if the username is taken."""
        item = {
            **keys.staff(self.store_id, values["username"]),
            **values,
            "coll_pk": keys.collection(self.store_id, "STAFF"),
            "coll_sk": values["username"],
        }
        try:
            self.transact(
                [self.put("staff", item, condition="attribute_not_exists(pk)")], "add_staff"
            )
        except ConditionFailed:
            return False
        return True

    def get_staff(self, username: str) -> dict[str, Any] | None:
        """One account, read consistently (disabling must bite at once)."""
        return self._get(keys.staff(self.store_id, username), "get_staff")

    def list_staff(self) -> list[dict[str, Any]]:
        """Every account, by username."""
        kwargs = {
            "TableName": self.table,
            "IndexName": "collection",
            "KeyConditionExpression": "coll_pk = :p",
            "ExpressionAttributeValues": to_item({":p": keys.collection(self.store_id, "STAFF")}),
        }
        found: list[dict[str, Any]] = []
        while True:
            page = self._call("list_staff", self.client.query, **kwargs)
            found.extend(from_item(i) for i in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return found
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def update_staff(
        self,
        username: str,
        values: dict[str, Any],
        condition: tuple[str, dict[str, Any]] | None = None,
    ) -> bool:
        """Set attributes of an existing account; False if it is missing or the condition fails."""
        extra, extra_values = condition or (None, None)
        try:
            self.transact(
                [
                    self.update(
                        "staff",
                        keys.staff(self.store_id, username),
                        values,
                        condition="attribute_exists(pk)" + (f" AND ({extra})" if extra else ""),
                        values=extra_values,
                    )
                ],
                "update_staff",
            )
        except ConditionFailed:
            return False
        return True

    def login_state(
        self, username: str | None, counters: list[RateLimit], now: int
    ) -> tuple[dict[str, Any] | None, list[int]]:
        """The account (None for no name or no account) and each counter's failures at ``now``
        (epoch seconds), in one BatchGetItem (consistent reads)."""
        wanted = [keys.rate_counter(self.store_id, c.scope, c.key, c.window) for c in counters]
        if username is not None:
            wanted.append(keys.staff(self.store_id, username))
        found = {(i["pk"], i["sk"]): i for i in self._batch_get(wanted)}
        account = found.get((wanted[-1]["pk"], wanted[-1]["sk"])) if username else None
        counts = []
        for key in wanted[: len(counters)]:
            item = found.get((key["pk"], key["sk"]))
            # TTL deletes lazily: an expired counter still read counts for nothing.
            live = item is not None and int(item.get("expires_at", 0)) > now
            counts.append(int(item["n"]) if item is not None and live else 0)
        return account, counts

    def count_login_failure(self, counters: list[RateLimit]) -> None:
        """Add one failure to each counter (one transaction)."""
        self.transact(
            [
                self.update(
                    f"rate:{c.scope}",
                    keys.rate_counter(self.store_id, c.scope, c.key, c.window),
                    {"expires_at": c.expires_at},
                    adds={"n": 1},
                )
                for c in counters
            ],
            "count_login_failure",
        )

    def clear_counter(self, counter: RateLimit) -> None:
        """Forget a counter's failures."""
        key = keys.rate_counter(self.store_id, counter.scope, counter.key, counter.window)
        self._call("clear_counter", self.client.delete_item, TableName=self.table, Key=to_item(key))

    # -- sessions -------------------------------------------------------------------------

    def put_session(self, session_hash: str, values: dict[str, Any]) -> None:
        """Store a new session (the hash of a fresh random id cannot collide)."""
        item = {**keys.session(self.store_id, session_hash), **values}
        self.transact(
            [self.put("session", item, condition="attribute_not_exists(pk)")], "put_session"
        )

    def get_session(self, session_hash: str) -> dict[str, Any] | None:
        """One session, or None."""
        return self._get(keys.session(self.store_id, session_hash), "get_session")

    def touch_session(self, session_hash: str, last_seen: int) -> None:
        """Record activity, so the idle expiry starts again."""
        try:
            self.transact(
                [
                    self.update(
                        "session",
                        keys.session(self.store_id, session_hash),
                        {"last_seen": last_seen},
                        condition="attribute_exists(pk)",
                    )
                ],
                "touch_session",
            )
        except ConditionFailed:
            pass  # logged out meanwhile: nothing to renew

    def delete_session(self, session_hash: str) -> None:
        """End a session at once."""
        self._call(
            "delete_session",
            self.client.delete_item,
            TableName=self.table,
            Key=to_item(keys.session(self.store_id, session_hash)),
        )
