"""Policies (the roster), reminder opt-outs, and the writes the reminders and renewal links make.

Bulk work goes in as few requests as DynamoDB allows: BatchGetItem (100 keys), BatchWriteItem
(25 new records), and TransactWriteItems of up to 100 conditional writes, where a failed
condition cancels the whole transaction, says which item failed, and the others are written
again without it.
"""

from __future__ import annotations

import time
from typing import Any, Iterable

from renewdesk.errors import RateLimited
from renewdesk.services import clock
from renewdesk.services.reminders import CycleStart
from renewdesk.store import keys
from renewdesk.store.dynamo import StoreTable, from_item, pause_if, to_item, with_retries
from renewdesk.store.leads import counter_updates, guard_item, lead_item

BATCH_WRITE = 25
TRANSACTION = 100
# The cycle of a policy is the expiry date its reminder steps were taken for.
NEW_CYCLE = "expiry_date = :exp AND (attribute_not_exists(#cycle) OR #cycle <> :exp)"
ROSTER_GUARD = ("attribute_not_exists(pk) OR "
                "(is_open = :closed AND created_at < :season_start)")
CYCLE_STATE = ("sms_step", "sms_on", "sms_sent_at")


class RosterStore(StoreTable):
    """Roster records and reminder state of one store."""

    # -- import ---------------------------------------------------------------------------

    def get_policies(self, plates: list[str]) -> dict[str, dict[str, Any]]:
        """The stored records of these plates (consistent reads), by plate."""
        found = self._batch_get([keys.policy(self.store, p) for p in plates])
        return {item["plate"]: item for item in found}

    def add_policies(self, policies: list[dict[str, Any]]) -> None:
        """Store new records (BatchWriteItem; the import read first that they were missing)."""
        for start in range(0, len(policies), BATCH_WRITE):
            requests = [{"PutRequest": {"Item": to_item(self._policy_item(p))}}
                        for p in policies[start:start + BATCH_WRITE]]
            self._batch_write(requests)

    def update_policies(self, changes: list[tuple[dict[str, Any], dict[str, Any]]]) -> list[str]:
        """Write changed data onto stored records, each only if it is still as read; the plates
        that changed meanwhile."""
        groups = []
        for stored, values in changes:
            sets = {**values, **self._index_values({**stored, **values})}
            update = self._update(keys.policy(self.store, stored["plate"]), sets,
                                  "row_hash = :old_hash", {":old_hash": stored["row_hash"]})
            groups.append([update])
        failed = self._transact_groups(groups)
        return [changes[i][0]["plate"] for i in failed]

    def _policy_item(self, policy: dict[str, Any]) -> dict[str, Any]:
        return {**keys.policy(self.store, policy["plate"]), **policy,
                **self._index_values(policy)}

    def _index_values(self, policy: dict[str, Any]) -> dict[str, Any]:
        expiry = policy["expiry_date"]
        return {"month_pk": keys.expiry_month(self.store, expiry[:7]),
                "month_sk": f"{expiry}#{policy['plate']}",
                "coll_pk": keys.roster_link(self.store, policy["roster_id"]),
                "coll_sk": "POLICY"}

    # -- reads ----------------------------------------------------------------------------

    def policies_expiring(self, first: str, last: str) -> list[dict[str, Any]]:
        """Every policy expiring between two dates (YYYY-MM-DD, both included), by date."""
        found: list[dict[str, Any]] = []
        for month in _months(first, last):
            kwargs: dict[str, Any] = {
                "TableName": self.table, "IndexName": "month",
                "KeyConditionExpression": "month_pk = :p AND month_sk BETWEEN :a AND :b",
                "ExpressionAttributeValues": to_item({
                    ":p": keys.expiry_month(self.store, month), ":a": first, ":b": last + "~"}),
            }
            found += self._query_all(kwargs, "policies_expiring")
        return found

    def find_by_roster_id(self, roster_id: str) -> dict[str, Any] | None:
        """The policy a renewal link names, or None (one Query)."""
        kwargs = {
            "TableName": self.table, "IndexName": "collection",
            "KeyConditionExpression": "coll_pk = :p",
            "ExpressionAttributeValues": to_item({":p": keys.roster_link(self.store, roster_id)}),
            "Limit": 1,
        }
        page = with_retries(self.settings, lambda: self.client.query(**kwargs), "find_policy")
        items = page.get("Items", [])
        return from_item(items[0]) if items else None

    def get_leads(self, lead_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Leads by id (consistent reads)."""
        found = self._batch_get([keys.lead(self.store, i) for i in set(lead_ids)])
        return {item["lead_id"]: item for item in found}

    def get_guard(self, plate: str) -> dict[str, Any] | None:
        """The renewal dedupe guard of a vehicle."""
        found = self._batch_get([keys.dedupe_guard(self.store, "renewal", plate)])
        return found[0] if found else None

    # -- reminder steps -------------------------------------------------------------------

    def start_cycles(self, starts: list[CycleStart]) -> dict[str, Any]:
        """Create each policy's renewal lead with its dedupe guard and record it on the policy,
        all or nothing per policy. By plate: None when created, else the guard item that holds
        the vehicle for another lead, or "stale" when the policy changed meanwhile."""
        groups = []
        for start in starts:
            values = start.lead_values
            groups.append([
                {"Put": {"TableName": self.table,
                         "Item": to_item(lead_item(self.store, start.lead_id, values)),
                         "ConditionExpression": "attribute_not_exists(pk)"}},
                {"Put": {"TableName": self.table,
                         "Item": to_item(guard_item(self.store, "renewal", start.plate,
                                                    start.lead_id, values["created_at"],
                                                    values["phone"])),
                         "ConditionExpression": ROSTER_GUARD,
                         "ExpressionAttributeValues": to_item(
                             {":closed": False, ":season_start": start.season_start}),
                         "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
                self._cycle_update(start.plate, start.expiry_date, start.lead_id, "created"),
            ])
        failed = self._transact_groups(groups)
        outcome: dict[str, Any] = {s.plate: None for s in starts}
        for index, reasons in failed.items():
            guard = reasons.get(1)
            outcome[starts[index].plate] = from_item(guard) if guard else "stale"
        return outcome

    def adopt_lead(self, plate: str, expiry_date: str, lead_id: str,
                   additions: dict[str, Any]) -> bool:
        """Make an open lead of the vehicle this cycle's lead: give it this cycle's plan, expiry
        date and policy data (unless it has them already) and record it on the policy; False if
        the policy changed meanwhile."""
        lead_update = self._update(
            keys.lead(self.store, lead_id), {**additions, "expiry_date": expiry_date},
            "attribute_exists(pk) AND (attribute_not_exists(#plan) OR #expiry <> :exp)",
            {":exp": expiry_date}, bump_version=True,
            names={"#plan": "plan", "#expiry": "expiry_date"})
        cycle = self._cycle_update(plate, expiry_date, lead_id, "adopted")
        failed = self._transact_groups([[lead_update, cycle]])
        if not failed:
            return True
        if 1 in failed[0]:
            return False
        return self.record_cycle(plate, expiry_date, lead_id, "adopted")

    def record_cycle(self, plate: str, expiry_date: str, lead_id: str, step: str) -> bool:
        """Record that the lead step of this cycle is taken care of by an existing lead."""
        return not self._transact_groups([[self._cycle_update(plate, expiry_date, lead_id,
                                                              step)]])

    def mark_sms(self, marks: list[tuple[str, str, str, str]]) -> None:
        """Record the SMS step of each (plate, expiry date, step, day) once per cycle."""
        groups = [[self._update(
            keys.policy(self.store, plate), {"sms_step": step, "sms_on": day},
            "#cycle = :exp AND attribute_not_exists(sms_step)", {":exp": expiry},
            names={"#cycle": "cycle"})] for plate, expiry, step, day in marks]
        self._transact_groups(groups)  # a mark lost to a concurrent run is that run's mark

    def mark_sent(self, plate: str, expiry_date: str, at: str) -> None:
        """Record that the SMS of this cycle went out through the sender."""
        self._transact_groups([[self._update(
            keys.policy(self.store, plate), {"sms_sent_at": at}, "#cycle = :exp",
            {":exp": expiry_date}, names={"#cycle": "cycle"})]])

    def _cycle_update(self, plate: str, expiry: str, lead_id: str, step: str) -> dict[str, Any]:
        update = self._update(keys.policy(self.store, plate),
                              {"cycle": expiry, "lead_id": lead_id, "lead_step": step},
                              NEW_CYCLE, {":exp": expiry}, names={"#cycle": "cycle"})
        # A new cycle starts with no SMS step taken.
        update["Update"]["UpdateExpression"] += " REMOVE " + ", ".join(CYCLE_STATE)
        return update

    # -- opt-outs -------------------------------------------------------------------------

    def opted_out(self, phones: Iterable[str]) -> set[str]:
        """Which of these phones opted out of reminders."""
        found = self._batch_get([keys.optout(self.store, p) for p in set(phones)])
        return {item["phone"] for item in found}

    def put_optout(self, phone: str, via: str, at: str) -> None:
        """Record an opt-out (again: the first one's time is kept)."""
        with_retries(self.settings, lambda: self.client.update_item(
            TableName=self.table, Key=to_item(keys.optout(self.store, phone)),
            UpdateExpression="SET phone = :phone, opted_out_at = if_not_exists(opted_out_at, :at),"
                             " via = if_not_exists(via, :via)",
            ExpressionAttributeValues=to_item({":phone": phone, ":at": at, ":via": via})),
            "put_optout")

    def delete_optout(self, phone: str) -> bool:
        """Take an opt-out back; False if there was none."""
        answer = with_retries(self.settings, lambda: self.client.delete_item(
            TableName=self.table, Key=to_item(keys.optout(self.store, phone)),
            ReturnValues="ALL_OLD"), "delete_optout")
        return "Attributes" in answer

    # -- renewal link requests ------------------------------------------------------------

    def request_lead(self, lead_id: str, values: dict[str, Any], limits, token: str,
                     queue_at: tuple[int, str] | None = None,
                     version: int | None = None) -> dict[str, Any] | None:
        """Mark an open lead as the customer's request and count the submission against the rate
        limits, in one transaction. ``queue_at`` (rank, due): the lead must be on the ready queue
        and moves to that place; else ``version``: the lead must still be at that version. None
        when written, else the lead as it is ({} if missing). RateLimited when a counter is full.
        """
        sets = dict(values)
        condition = "customer_requested = :no AND #status IN (:queued, :claimed, :attention)"
        condition_values: dict[str, Any] = {":no": False, ":queued": "queued",
                                            ":claimed": "claimed", ":attention": "attention"}
        if queue_at is not None:
            sets["ready_sk"] = keys.ready_position(*queue_at, lead_id)
            condition += " AND ready_pk = :ready"
            condition_values[":ready"] = keys.ready_queue(self.store)
        elif version:
            condition += " AND version = :version"
            condition_values[":version"] = version
        else:
            condition += " AND attribute_not_exists(version)"
        update = self._update(keys.lead(self.store, lead_id), sets, condition, condition_values,
                              bump_version=True, names={"#status": "status"})
        update["Update"]["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        items = [update] + counter_updates(self.table, self.store, limits)
        try:
            with_retries(self.settings, lambda: self.client.transact_write_items(
                TransactItems=items, ClientRequestToken=token), "request_lead")
        except self.client.exceptions.TransactionCanceledException as error:
            reasons = error.response.get("CancellationReasons", [])
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                return from_item(reasons[0].get("Item") or {})
            for limit, reason in zip(limits, reasons[1:]):
                if reason.get("Code") == "ConditionalCheckFailed":
                    raise RateLimited(limit.scope, limit.retry_after) from None
            raise
        return None

    # -- plumbing -------------------------------------------------------------------------

    def _update(self, key: dict[str, str], sets: dict[str, Any], condition: str,
                condition_values: dict[str, Any], bump_version: bool = False,
                names: dict[str, str] | None = None) -> dict[str, Any]:
        """A transaction Update item: SET the given values (REMOVE the None ones)."""
        names = dict(names or {})
        values = dict(condition_values)
        set_parts, removes = [], []
        for i, (attribute, value) in enumerate(sets.items()):
            names[f"#a{i}"] = attribute
            if value is None:
                removes.append(f"#a{i}")
            else:
                values[f":a{i}"] = value
                set_parts.append(f"#a{i} = :a{i}")
        expression = "SET " + ", ".join(set_parts)
        if removes:
            expression += " REMOVE " + ", ".join(removes)
        if bump_version:
            # Staff changes are conditional on the version they read: ours must move it on.
            expression += " ADD version :one"
            values[":one"] = 1
        update: dict[str, Any] = {
            "TableName": self.table, "Key": to_item(key), "UpdateExpression": expression,
            "ConditionExpression": condition, "ExpressionAttributeNames": names,
        }
        if values:
            update["ExpressionAttributeValues"] = to_item(values)
        return {"Update": update}

    def _transact_groups(self, groups: list[list[dict[str, Any]]]) -> dict[int, dict[int, Any]]:
        """Write groups of items, each group all or nothing, many groups per transaction.

        Returns the groups whose condition failed: group index → {item index in the group: the
        item as it was (when the item asked for it) or None}.
        """
        failed: dict[int, dict[int, Any]] = {}
        pending = list(range(len(groups)))
        while pending:
            batch, size = [], 0
            for index in pending:
                if size + len(groups[index]) > TRANSACTION:
                    break
                batch.append(index)
                size += len(groups[index])
            pending = pending[len(batch):]
            items = [item for index in batch for item in groups[index]]
            token = clock.new_id(clock.now())
            try:
                with_retries(self.settings, lambda: self.client.transact_write_items(
                    TransactItems=items, ClientRequestToken=token), "transact_groups")
            except self.client.exceptions.TransactionCanceledException as error:
                reasons = error.response.get("CancellationReasons", [])
                position = 0
                retry = []
                for index in batch:
                    own = reasons[position:position + len(groups[index])]
                    position += len(groups[index])
                    bad = {i: r.get("Item") for i, r in enumerate(own)
                           if r.get("Code") == "ConditionalCheckFailed"}
                    if bad:
                        failed[index] = bad
                    else:
                        retry.append(index)
                if not failed.keys() & set(batch):
                    raise  # cancelled for a reason other than a condition
                pending = retry + pending
        return failed

    def _batch_write(self, requests: list[dict[str, Any]]) -> None:
        pending = {self.table: requests}
        attempt = 0
        while pending:
            answer = with_retries(self.settings,
                                  lambda: self.client.batch_write_item(RequestItems=pending),
                                  "batch_write")
            pending = answer.get("UnprocessedItems") or {}
            attempt = pause_if(pending, attempt)


def _months(first: str, last: str) -> list[str]:
    """Every YYYY-MM from the month of one date to the month of another."""
    year, month = int(first[:4]), int(first[5:7])
    months = []
    while f"{year:04d}-{month:02d}" <= last[:7]:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
