"""Policies (the roster), reminder opt-outs, and the writes the reminders and renewal links make.

Bulk work goes in as few requests as DynamoDB allows: BatchGetItem (100 keys) and
TransactWriteItems of up to 100 conditional writes, where a failed condition cancels the whole
transaction, says which item failed, and the others are written again without it. New and
changed records go with their renewal cycles and the cycles' figures (store/cycles.py).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Iterable

from renewdesk.config import Settings
from renewdesk.errors import RateLimited
from renewdesk.services.cycles import CycleRules, CycleUpdate, CycleWrite
from renewdesk.services.limits import RateLimit
from renewdesk.services.records import Guard, Lead, Policy
from renewdesk.services.reminders import CycleStart
from renewdesk.store import keys
from renewdesk.store.cycles import counted_transactions, cycle_from, update_writes
from renewdesk.store.dynamo import ConditionFailed, StoreTable, Write, from_item, to_item
from renewdesk.store.items import lead_from, new_lead_item, policy_from, policy_item, policy_places
from renewdesk.store.leads import counter_updates, guard_item
from renewdesk.store.outbox import notice_put

# The cycle of a policy is the expiry date its reminder steps were taken for.
NEW_CYCLE = "expiry_date = :exp AND (attribute_not_exists(#cycle) OR #cycle <> :exp)"
ROSTER_GUARD = "attribute_not_exists(pk) OR (is_open = :closed AND created_at < :season_start)"
CYCLE_STATE = ("sms_step", "sms_on", "sms_sent_at")
# Months of new records written at once (each its own transactions: see add_policies).
MONTH_WORKERS = 4
OPEN_STATUSES = {":queued": "queued", ":claimed": "claimed", ":attention": "attention"}


class RosterStore(StoreTable):
    """Roster records and reminder state of one store. Every record is written with the
    renewal cycle of its expiry date (``rules``: services.cycles.CycleRules) and the cycle's
    figures, in the same transaction."""

    def __init__(self, client: Any, settings: Settings, rules: CycleRules | None = None):
        super().__init__(client, settings)
        self.rules = rules or CycleRules()

    # -- import ---------------------------------------------------------------------------

    def get_policies(self, plates: list[str]) -> dict[str, Policy]:
        """The stored records of these plates (consistent reads), by plate."""
        found = self._batch_get([keys.policy(self.store_id, p) for p in plates])
        return {item["plate"]: policy_from(item) for item in found}

    def add_policies(self, policies: list[Policy]) -> list[str]:
        """Store new records, each with its first renewal cycle and the cycle's figures, in
        transactions of up to 100 items (each record only if it is still missing: the import
        read that it was); the plates someone else stored meanwhile."""
        planned = sorted(
            (self.rules.added(p) for p in policies), key=lambda pair: pair[0].expiry_date
        )
        months: dict[str, list[int]] = {}
        for index, (policy, _) in enumerate(planned):
            months.setdefault(policy.expiry_date[:7], []).append(index)

        def write_month(indices: list[int]) -> list[int]:
            groups = [self._new_policy_writes(*planned[i]) for i in indices]
            deltas = [planned[i][1].deltas() for i in indices]
            failed = counted_transactions(self, groups, deltas, "add_policies")
            return [indices[i] for i in failed]

        from concurrent.futures import ThreadPoolExecutor

        # A month's figures are items of that month alone, so months never write the same item
        # and go side by side.
        with ThreadPoolExecutor(max_workers=MONTH_WORKERS) as pool:
            failed = sorted(i for lost in pool.map(write_month, months.values()) for i in lost)
        return [planned[i][0].plate for i in failed]

    def _new_policy_writes(self, policy: Policy, write: CycleWrite) -> list[Write]:
        """A new record, only if it is still missing, and its first cycle."""
        return [
            self.put(
                f"policy:{policy.plate}",
                policy_item(self.store_id, policy),
                condition="attribute_not_exists(pk)",
            ),
            *update_writes(self, CycleUpdate((write,)), totals=False),
        ]

    def update_policies(self, changes: list[tuple[Policy, Policy]]) -> list[str]:
        """Write changed records over stored ones, each only if it is still as read, with what
        the change does to their cycles (services.cycles.CycleRules.changed) and the figures;
        the plates that changed meanwhile."""
        current = self._current_cycles([stored for stored, _ in changes])
        groups, deltas = [], []
        for stored, changed in changes:
            policy, writes = self.rules.changed(stored, changed, current.get(stored.cycle_id or ""))
            update = CycleUpdate(tuple(writes))
            groups.append(
                [
                    self.update(
                        f"policy:{stored.plate}",
                        keys.policy(self.store_id, stored.plate),
                        {**_data(policy), **policy_places(self.store_id, policy)},
                        condition="row_hash = :old_hash",
                        values={":old_hash": stored.row_hash},
                    ),
                    *update_writes(self, update, totals=False),
                ]
            )
            deltas.append(update.deltas())
        failed = counted_transactions(self, groups, deltas, "update_policies")
        return [changes[i][0].plate for i in sorted(failed)]

    def backfill_cycles(self) -> int:
        """Give every record stored before renewal cycles existed its cycle (the expiry index,
        month by month over the span an import accepts); how many it gave. Again: none."""
        from renewdesk.services import clock
        from renewdesk.services.roster import DATE_SPAN_YEARS

        today = clock.local_date(clock.now())
        first = today.replace(year=today.year - DATE_SPAN_YEARS[0], day=1).isoformat()
        last = today.replace(year=today.year + DATE_SPAN_YEARS[1], day=28).isoformat()
        missing = [p for p in self.policies_expiring(first, last) if not p.cycle_id]
        planned = [self.rules.added(p) for p in missing]
        groups = [
            [
                self.update(
                    f"policy:{policy.plate}",
                    keys.policy(self.store_id, policy.plate),
                    {"cycle_id": policy.cycle_id, "cycles": policy.cycles},
                    condition="attribute_exists(pk) AND attribute_not_exists(cycle_id)",
                ),
                *update_writes(self, CycleUpdate((write,)), totals=False),
            ]
            for policy, write in planned
        ]
        failed = counted_transactions(
            self, groups, [w.deltas() for _, w in planned], "backfill_cycles"
        )
        return len(planned) - len(failed)

    def _current_cycles(self, policies: list[Policy]) -> dict[str, Any]:
        ids = [p.cycle_id for p in policies if p.cycle_id]
        found = self._batch_get([keys.cycle(self.store_id, i) for i in dict.fromkeys(ids)])
        return {item["cycle_id"]: cycle_from(item) for item in found}

    # -- reads ----------------------------------------------------------------------------

    def policies_expiring(self, first: str, last: str) -> list[Policy]:
        """Every policy expiring between two dates (YYYY-MM-DD, both included), by date."""
        found: list[Policy] = []
        for month in _months(first, last):
            kwargs: dict[str, Any] = {
                "TableName": self.table,
                "IndexName": "month",
                "KeyConditionExpression": "month_pk = :p AND month_sk BETWEEN :a AND :b",
                "ExpressionAttributeValues": to_item(
                    {":p": keys.expiry_month(self.store_id, month), ":a": first, ":b": last + "~"}
                ),
            }
            found += [policy_from(i) for i in self._query_all(kwargs, "policies_expiring")]
        return found

    def find_by_roster_id(self, roster_id: str) -> Policy | None:
        """The policy a renewal link names, or None (one Query)."""
        kwargs = {
            "TableName": self.table,
            "IndexName": "collection",
            "KeyConditionExpression": "coll_pk = :p",
            "ExpressionAttributeValues": to_item(
                {":p": keys.roster_link(self.store_id, roster_id)}
            ),
            "Limit": 1,
        }
        page = self._call("find_policy", self.client.query, **kwargs)
        items = page.get("Items", [])
        return policy_from(from_item(items[0])) if items else None

    def get_leads(self, lead_ids: Iterable[str]) -> dict[str, Lead]:
        """Leads by id (consistent reads)."""
        found = self._batch_get([keys.lead(self.store_id, i) for i in set(lead_ids)])
        return {item["lead_id"]: lead_from(item) for item in found}

    # -- reminder steps -------------------------------------------------------------------

    def start_cycles(self, starts: list[CycleStart]) -> dict[str, Guard | str | None]:
        """Create each policy's renewal lead with its dedupe guard and record it on the policy,
        all or nothing per policy. By plate: None when created, else the guard that holds the
        vehicle for another lead, or "stale" when the policy changed meanwhile."""
        groups = [
            [
                self.put(
                    "lead",
                    new_lead_item(self.store_id, start.lead),
                    condition="attribute_not_exists(pk)",
                ),
                self.put(
                    "guard",
                    guard_item(self.store_id, start.lead),
                    condition=ROSTER_GUARD,
                    values={":closed": False, ":season_start": start.season_start},
                    return_old=True,
                ),
                self._cycle_update(start.plate, start.expiry_date, start.lead.lead_id, "created"),
                *self._cycle_link(start.lead.cycle_id, start.lead.lead_id),
            ]
            for start in starts
        ]
        failed = self.transact_groups(groups, "start_cycles")
        outcome: dict[str, Guard | str | None] = {s.plate: None for s in starts}
        for index, items in failed.items():
            guard = items.get("guard")
            outcome[starts[index].plate] = (
                Guard(guard["lead_id"], bool(guard["is_open"])) if guard else "stale"
            )
        return outcome

    def adopt_lead(
        self, plate: str, expiry_date: str, lead_id: str, additions: dict[str, Any]
    ) -> bool:
        """Make an open lead of the vehicle this cycle's lead: give it this cycle's plan, expiry
        date and policy data (unless it has them already) and record it on the policy; False if
        the policy changed meanwhile."""
        lead_update = self.update(
            "lead",
            keys.lead(self.store_id, lead_id),
            {**additions, "expiry_date": expiry_date},
            condition="attribute_exists(pk) AND (attribute_not_exists(#plan) OR #expiry <> :exp)",
            values={":exp": expiry_date},
            names={"#plan": "plan", "#expiry": "expiry_date"},
            adds={"version": 1},
        )
        cycle = self._cycle_update(plate, expiry_date, lead_id, "adopted")
        link = self._cycle_link(additions.get("cycle_id"), lead_id)
        failed = self.transact_groups([[lead_update, cycle, *link]], "adopt_lead")
        if not failed:
            return True
        if "policy" in failed[0]:
            return False
        return self.record_cycle(plate, expiry_date, lead_id, "adopted")

    def record_cycle(self, plate: str, expiry_date: str, lead_id: str, step: str) -> bool:
        """Record that the lead step of this cycle is taken care of by an existing lead."""
        return not self.transact_groups(
            [[self._cycle_update(plate, expiry_date, lead_id, step)]], "record_cycle"
        )

    def mark_sms(self, marks: list[tuple[str, str, str, str]]) -> None:
        """Record the SMS step of each (plate, expiry date, step, day) once per cycle."""
        groups = [
            [
                self.update(
                    "policy",
                    keys.policy(self.store_id, plate),
                    {"sms_step": step, "sms_on": day},
                    condition="#cycle = :exp AND attribute_not_exists(sms_step)",
                    values={":exp": expiry},
                    names={"#cycle": "cycle"},
                )
            ]
            for plate, expiry, step, day in marks
        ]
        self.transact_groups(groups, "mark_sms")  # a mark lost to a concurrent run is its mark

    def mark_sent(self, plate: str, expiry_date: str, at: str) -> None:
        """Record that the SMS of this cycle went out through the sender."""
        self.transact_groups(
            [
                [
                    self.update(
                        "policy",
                        keys.policy(self.store_id, plate),
                        {"sms_sent_at": at},
                        condition="#cycle = :exp",
                        values={":exp": expiry_date},
                        names={"#cycle": "cycle"},
                    )
                ]
            ],
            "mark_sent",
        )

    def _cycle_link(self, cycle_id: str | None, lead_id: str) -> list[Write]:
        """The renewal cycle learns its lead (a new version: rewrites read before fail)."""
        if not cycle_id:
            return []
        return [
            self.update(
                "renewal_cycle",
                keys.cycle(self.store_id, cycle_id),
                {"lead_id": lead_id},
                adds={"version": 1},
                condition="attribute_exists(pk)",
            )
        ]

    def _cycle_update(self, plate: str, expiry: str, lead_id: str, step: str) -> Write:
        # A new cycle starts with no SMS step taken.
        return self.update(
            "policy",
            keys.policy(self.store_id, plate),
            {"cycle": expiry, "lead_id": lead_id, "lead_step": step},
            removes=CYCLE_STATE,
            condition=NEW_CYCLE,
            values={":exp": expiry},
            names={"#cycle": "cycle"},
        )

    # -- opt-outs -------------------------------------------------------------------------

    def opted_out(self, phones: Iterable[str]) -> set[str]:
        """Which of these phones opted out of reminders."""
        found = self._batch_get([keys.optout(self.store_id, p) for p in set(phones)])
        return {item["phone"] for item in found}

    def put_optout(self, phone: str, via: str, at: str) -> None:
        """Record an opt-out (again: the first one's time is kept)."""
        self._call(
            "put_optout",
            self.client.update_item,
            TableName=self.table,
            Key=to_item(keys.optout(self.store_id, phone)),
            UpdateExpression="SET phone = :phone, "
            "opted_out_at = if_not_exists(opted_out_at, :at),"
            " via = if_not_exists(via, :via)",
            ExpressionAttributeValues=to_item({":phone": phone, ":at": at, ":via": via}),
        )

    def delete_optout(self, phone: str) -> bool:
        """Take an opt-out back; False if there was none."""
        answer = self._call(
            "delete_optout",
            self.client.delete_item,
            TableName=self.table,
            Key=to_item(keys.optout(self.store_id, phone)),
            ReturnValues="ALL_OLD",
        )
        return "Attributes" in answer

    # -- renewal link requests ------------------------------------------------------------

    def request_lead(
        self,
        lead_id: str,
        values: dict[str, Any],
        limits: list[RateLimit],
        token: str,
        queue_at: tuple[int, str] | None = None,
        version: int | None = None,
        notices: tuple[Any, ...] = (),
    ) -> tuple[bool, Lead | None]:
        """Mark an open lead as the customer's request and count the submission against the rate
        limits, in one transaction. ``queue_at`` (rank, due): the lead must be on the ready queue
        and moves to that place; else ``version``: the lead must still be at that version.
        (True, None) when written, else (False, the lead as it is, None if missing).
        RateLimited when a counter is full. ``notices`` (announcing the request) go with it."""
        sets = dict(values)
        condition = "customer_requested = :no AND #status IN (:queued, :claimed, :attention)"
        condition_values: dict[str, Any] = {":no": False, **OPEN_STATUSES}
        expected = None
        if queue_at is not None:
            sets["ready_sk"] = keys.ready_position(*queue_at, lead_id)
            condition += " AND ready_pk = :ready"
            condition_values[":ready"] = keys.ready_queue(self.store_id)
        else:
            expected = version or 0
        update = self.update(
            "lead",
            keys.lead(self.store_id, lead_id),
            sets,
            condition=condition,
            values=condition_values,
            names={"#status": "status"},
            expected_version=expected,
            adds=None if expected is not None else {"version": 1},
            return_old=True,
        )
        try:
            self.transact(
                [update, *counter_updates(self, limits), *(notice_put(self, n) for n in notices)],
                "request_lead",
                token,
            )
        except ConditionFailed as cancelled:
            if "lead" in cancelled.failed:
                old = cancelled.failed["lead"]
                return False, lead_from(old) if old else None
            for limit in limits:
                if f"rate:{limit.scope}" in cancelled.failed:
                    raise RateLimited(limit.scope, limit.retry_after) from None
            raise
        return True, None


def _data(policy: Policy) -> dict[str, Any]:
    """A changed record's fields for an update (the reminder steps are not the import's)."""
    return {
        k: v
        for k, v in dataclasses.asdict(policy).items()
        if k not in ("cycle", "lead_id", "lead_step", *CYCLE_STATE)
    }


def _months(first: str, last: str) -> list[str]:
    """Every YYYY-MM from the month of one date to the month of another."""
    year, month = int(first[:4]), int(first[5:7])
    months = []
    while f"{year:04d}-{month:02d}" <= last[:7]:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
