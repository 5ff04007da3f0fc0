"""Renewal cycles and the 续保率 figures in DynamoDB (key shapes in keys.py).

A cycle is rewritten whole (Put) under the condition that it still has the version it was read
with; the same transaction ADDs the change of its contribution (services/cycles.py) to its
month's aggregate items, so the figures are always the sum of the cycles as stored. Bulk work
(roster imports, the lapse job) packs many cycles into one transaction of up to 100 items, the
aggregates of all its cycles merged into one update per aggregate item (DynamoDB refuses two
operations on one item in a transaction).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Iterator

from renewdesk.services import clock
from renewdesk.services.cycles import CycleUpdate, Deltas, PolicyRoll, is_due, merge, state
from renewdesk.services.records import CYCLE_FIELDS, Cycle, Policy
from renewdesk.store import keys
from renewdesk.store.dynamo import (
    TRANSACTION,
    ConditionFailed,
    StoreTable,
    Write,
    from_item,
    pause_if,
    to_item,
)
from renewdesk.store.items import policy_from, policy_places

# An aggregate update's ADD clause names each attribute; keep one within DynamoDB's 4 KB limit
# on expressions by sending a large one alone (it never is, at the splits a store has).
MAX_ATTRIBUTES = 160
VERSION = {"#_cv": "version"}
# What the board reads of a month's targets item (services/renewal_board.py).
TARGET_ATTRIBUTES = (
    "rate_count",
    "rate_premium",
    "grade_a",
    "grade_b",
    "grade_c",
    "set_by",
    "set_at",
)
FIELD_ORDER = tuple(f.name for f in dataclasses.fields(Cycle))


def cycle_item(store_id: str, cycle: Cycle) -> dict[str, Any]:
    """A cycle with its places: the month of its expiry, its vehicle, the open list."""
    position = f"{cycle.expiry_date}#{cycle.cycle_id}"
    item: dict[str, Any] = {
        **keys.cycle(store_id, cycle.cycle_id),
        **{name: value for name in FIELD_ORDER if (value := getattr(cycle, name)) is not None},
        "month_pk": keys.cycles_month(store_id, cycle.expiry_date[:7]),
        "month_sk": position,
    }
    if cycle.plate:
        item.update(coll_pk=keys.vehicle_cycles(store_id, cycle.plate), coll_sk=position)
    if is_due(cycle) and state(cycle) == "open":
        item.update(ready_pk=keys.open_cycles(store_id), ready_sk=position)
    return item


def cycle_from(item: dict[str, Any]) -> Cycle:
    """The cycle an item holds."""
    return Cycle(**{k: v for k, v in item.items() if k in CYCLE_FIELDS})


def totals_key(store_id: str, month: str, sort_key: str) -> dict[str, str]:
    """Key of one aggregate item of a month."""
    return {"pk": keys.renewal_totals(store_id, month), "sk": sort_key}


def aggregate_writes(table: StoreTable, deltas: Deltas) -> list[Write]:
    """ADDs of the figures' changes, one update per aggregate item."""
    return [
        table.update(
            f"totals:{month}:{sort_key}", totals_key(table.store_id, month, sort_key), adds=values
        )
        for (month, sort_key), values in sorted(deltas.items())
        if values
    ]


def update_writes(table: StoreTable, update: CycleUpdate, totals: bool = True) -> list[Write]:
    """The items of one CycleUpdate, for the transaction of the change that makes it: each
    cycle only onto the version read, the policy's rollover only onto the policy as read, and
    (unless the caller merges them itself) the aggregates' ADDs."""
    writes: list[Write] = []
    for write in update.writes:
        cycle = write.cycle
        name = f"cycle:{cycle.cycle_id}"
        key = keys.cycle(table.store_id, cycle.cycle_id)
        if write.before is None:
            item = cycle_item(table.store_id, cycle)
            writes.append(table.put(name, item, condition="attribute_not_exists(pk)"))
        elif write.after is None:
            writes.append(
                table.delete(
                    name,
                    key,
                    condition="#_cv = :_cv",
                    values={":_cv": write.before.version},
                    names=VERSION,
                )
            )
        else:
            writes.append(
                table.put(
                    name,
                    cycle_item(table.store_id, write.after),
                    condition="#_cv = :_cv",
                    values={":_cv": write.before.version},
                    names=VERSION,
                )
            )
    if update.roll is not None:
        writes.append(roll_write(table, update.roll))
    return writes + (aggregate_writes(table, update.deltas()) if totals else [])


def roll_write(table: StoreTable, roll: PolicyRoll) -> Write:
    """The policy moved to another expiry date and cycle, if it is still where it was read."""
    policy = roll.policy
    return table.update(
        "policy",
        keys.policy(table.store_id, roll.plate),
        {
            "expiry_date": policy.expiry_date,
            "start_date": policy.start_date,
            "cycle_id": policy.cycle_id,
            "cycles": policy.cycles,
            "commercial_premium": policy.commercial_premium,
            "compulsory_premium": policy.compulsory_premium,
            "last_insurer": policy.last_insurer,
            "updated_at": policy.updated_at,
            **policy_places(table.store_id, policy),
        },
        condition="#_exp = :_from AND #_cid = :_cycle",
        values={":_from": roll.from_expiry, ":_cycle": roll.from_cycle},
        names={"#_exp": "expiry_date", "#_cid": "cycle_id"},
    )


def counted_transactions(
    table: StoreTable, groups: list[list[Write]], deltas: list[Deltas], operation: str
) -> set[int]:
    """Write groups of items, each all or nothing, with the aggregate changes of each group
    (``deltas``, by group) merged per transaction; as many groups per transaction as fit in
    100 items. Returns the groups whose condition failed (the rest are written)."""
    failed: set[int] = set()
    owner: dict[str, int] = {}
    for index, group in enumerate(groups):
        for write in group:
            owner[write.name] = index
    pending = list(range(len(groups)))
    while pending:
        batch = _fill(pending, groups, deltas)
        pending = pending[len(batch) :]
        while batch:
            merged = merge(*(deltas[i] for i in batch))
            writes = [w for i in batch for w in groups[i]] + aggregate_writes(table, merged)
            try:
                table.transact(writes, operation, token=clock.new_id(clock.now()))
                break
            except ConditionFailed as cancelled:
                bad = {owner[name] for name in cancelled.failed if name in owner}
                if not bad:
                    raise
                failed |= bad
                batch = [i for i in batch if i not in bad]
    return failed


def _fill(pending: list[int], groups: list[list[Write]], deltas: list[Deltas]) -> list[int]:
    """The groups from the head of ``pending`` that fit one transaction with their aggregates."""
    batch: list[int] = []
    items = 0
    aggregate_keys: set[Any] = set()
    attributes: dict[Any, set[str]] = {}
    for index in pending:
        wanted = aggregate_keys | set(deltas[index])
        grown = {
            key: attributes.get(key, set()) | set(deltas[index].get(key, {})) for key in wanted
        }
        too_wide = any(len(names) > MAX_ATTRIBUTES for names in grown.values())
        if batch and (items + len(groups[index]) + len(wanted) > TRANSACTION or too_wide):
            break
        batch.append(index)
        items += len(groups[index])
        aggregate_keys = wanted
        attributes = grown
    return batch


class CycleStore(StoreTable):
    """Cycles, their month's figures, targets; every read a GetItem, BatchGetItem or Query."""

    # -- cycles -----------------------------------------------------------------------------

    def get_cycle(self, cycle_id: str) -> Cycle | None:
        """One cycle, read consistently."""
        item = self._get(keys.cycle(self.store_id, cycle_id), "get_cycle")
        return cycle_from(item) if item else None

    def get_cycles(self, cycle_ids: list[str]) -> dict[str, Cycle]:
        """Cycles by id (consistent reads)."""
        found = self._batch_get([keys.cycle(self.store_id, i) for i in dict.fromkeys(cycle_ids)])
        return {item["cycle_id"]: cycle_from(item) for item in found}

    def get_policy(self, plate: str) -> Policy | None:
        """The roster record of a vehicle."""
        item = self._get(keys.policy(self.store_id, plate), "get_policy")
        return policy_from(item) if item else None

    def cycles_of_month(self, month: str) -> list[Cycle]:
        """Every cycle expiring in a month, by expiry date (the month index)."""
        kwargs = {
            "TableName": self.table,
            "IndexName": "month",
            "KeyConditionExpression": "month_pk = :p",
            "ExpressionAttributeValues": to_item({":p": keys.cycles_month(self.store_id, month)}),
        }
        return [cycle_from(i) for i in self._query_all(kwargs, "cycles_of_month")]

    def vehicle_cycles(self, plate: str) -> list[Cycle]:
        """Every cycle of a vehicle still carrying its plate."""
        kwargs = {
            "TableName": self.table,
            "IndexName": "collection",
            "KeyConditionExpression": "coll_pk = :p",
            "ExpressionAttributeValues": to_item({":p": keys.vehicle_cycles(self.store_id, plate)}),
        }
        return [cycle_from(i) for i in self._query_all(kwargs, "vehicle_cycles")]

    def open_cycles_through(self, last_expiry: str, limit: int) -> Iterator[Cycle]:
        """Due cycles still open whose expiry date is on or before a day, oldest first, page by
        page (a caller that stops early reads no further)."""
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": "ready",
            "KeyConditionExpression": "ready_pk = :p AND ready_sk < :b",
            "ExpressionAttributeValues": to_item(
                {":p": keys.open_cycles(self.store_id), ":b": last_expiry + "$"}
            ),
            "Limit": limit,
        }
        while True:
            page = self._call("open_cycles", self.client.query, **kwargs)
            for item in page.get("Items", []):
                yield cycle_from(from_item(item))
            if "LastEvaluatedKey" not in page:
                return
            kwargs = {**kwargs, "ExclusiveStartKey": page["LastEvaluatedKey"]}

    def write_updates(self, updates: list[CycleUpdate], operation: str) -> set[int]:
        """Write cycle updates in bulk; the indexes of those whose cycle changed meanwhile."""
        groups = [update_writes(self, u, totals=False) for u in updates]
        return counted_transactions(self, groups, [u.deltas() for u in updates], operation)

    # -- the month's figures ----------------------------------------------------------------

    def month_totals(
        self, month: str, open_days: tuple[str, str] | None = None
    ) -> dict[str, dict[str, Any]]:
        """A month's aggregate items by sort key: MONTH, BY_DUE#, BY_WIN# (one Query), and the
        OPEN# items of the expiry days from one date to another, when asked (one more)."""
        partition = keys.renewal_totals(self.store_id, month)
        ranges = [("BY_", "MONTH")]
        if open_days is not None:
            ranges.append((f"OPEN#{open_days[0]}", f"OPEN#{open_days[1]}"))
        found: dict[str, dict[str, Any]] = {}
        for low, high in ranges:
            kwargs = {
                "TableName": self.table,
                "KeyConditionExpression": "pk = :p AND sk BETWEEN :a AND :b",
                "ExpressionAttributeValues": to_item({":p": partition, ":a": low, ":b": high}),
                "ConsistentRead": True,
            }
            for item in self._query_all(kwargs, "month_totals"):
                found[item["sk"]] = {k: v for k, v in item.items() if k not in ("pk", "sk")}
        return found

    def board_context(
        self, months: list[str], month: str, attributes: tuple[str, ...]
    ) -> tuple[dict[str, dict[str, Any]], dict[str, Any] | None, str | None]:
        """In one BatchGetItem: some attributes of the MONTH items of several months (the
        trend), a month's targets, and how far the lapse job got."""
        wanted = (*attributes, *TARGET_ATTRIBUTES, "through")
        names = {f"#a{i}": name for i, name in enumerate(("pk", "sk", *wanted))}
        key_list = [totals_key(self.store_id, m, "MONTH") for m in months]
        key_list += [keys.renewal_target(self.store_id, month), keys.lapse_cursor(self.store_id)]
        request = {
            self.table: {
                "Keys": [to_item(k) for k in key_list],
                "ProjectionExpression": ", ".join(names),
                "ExpressionAttributeNames": names,
                "ConsistentRead": True,
            }
        }
        summaries: dict[str, dict[str, Any]] = {}
        targets: dict[str, Any] | None = None
        through: str | None = None
        attempt = 0
        while request:
            answer = self._call("board_context", self.client.batch_get_item, RequestItems=request)
            for raw in answer["Responses"].get(self.table, []):
                item = from_item(raw)
                pk, sk = item.pop("pk"), item.pop("sk")
                if sk == "MONTH":
                    summaries[pk.rsplit("#", 1)[-1]] = item
                elif sk == "RTARGET":
                    targets = item
                else:
                    through = item.get("through")
            request = answer.get("UnprocessedKeys") or {}
            attempt = pause_if(request, attempt)
        return summaries, targets, through

    # -- the lapse job's progress -----------------------------------------------------------

    def lapsed_through(self) -> str | None:
        """The last expiry date whose open cycles the lapse job has all marked, or None."""
        item = self._get(keys.lapse_cursor(self.store_id), "lapsed_through")
        return item.get("through") if item else None

    def set_lapsed_through(self, day: str) -> None:
        """Move the lapse job's progress on to an expiry date (never back)."""
        cursor = {**keys.lapse_cursor(self.store_id), "through": day}
        write = self.put(
            "lapse_cursor",
            cursor,
            condition="attribute_not_exists(#t) OR #t < :d",
            names={"#t": "through"},
            values={":d": day},
        )
        try:
            self.transact([write], "set_lapsed_through")
        except ConditionFailed:
            pass  # it is there already, or further on (a later run's)

    # -- targets ----------------------------------------------------------------------------

    def get_targets(self, month: str) -> dict[str, Any] | None:
        """A month's 续保率 targets as the supervisor set them, or None."""
        item = self._get(keys.renewal_target(self.store_id, month), "get_targets")
        return {k: v for k, v in item.items() if k not in ("pk", "sk")} if item else None

    def put_targets(self, month: str, values: dict[str, Any]) -> None:
        """Set (or replace) a month's targets."""
        self.transact(
            [self.put("targets", {**keys.renewal_target(self.store_id, month), **values})],
            "put_targets",
        )

    # -- loading a generated store (tests and benchmarks) -----------------------------------

    def load(
        self, cycles: list[Cycle], totals: Deltas | None = None, lapsed_through: str | None = None
    ) -> None:
        """Store finished cycles and their figures with BatchWriteItem: a generated store of
        200,000 policies in minutes, the aggregate items written whole (``totals``: the sum of
        the changes its history made; else the sum of every cycle's contribution), never
        through one API call per policy."""
        from renewdesk.services.cycles import contribution

        if totals is None:
            totals = merge(*(contribution(c) for c in cycles))
        items = [cycle_item(self.store_id, c) for c in cycles]
        items += [
            {**totals_key(self.store_id, month, sort_key), **values}
            for (month, sort_key), values in totals.items()
            if any(values.values())
        ]
        if lapsed_through:
            items.append({**keys.lapse_cursor(self.store_id), "through": lapsed_through})
        self.put_items(items)

    def put_items(self, items: list[dict[str, Any]], workers: int = 8) -> None:
        """Plain puts, 25 to a BatchWriteItem, a few requests at a time, unprocessed ones sent
        again."""
        from concurrent.futures import ThreadPoolExecutor

        def send(batch: list[dict[str, Any]]) -> None:
            pending = {self.table: [{"PutRequest": {"Item": to_item(i)}} for i in batch]}
            attempt = 0
            while pending:
                answer = self._call("load", self.client.batch_write_item, RequestItems=pending)
                pending = answer.get("UnprocessedItems") or {}
                attempt = pause_if(pending, attempt)

        batches = [items[start : start + 25] for start in range(0, len(items), 25)]
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(send, batches))
