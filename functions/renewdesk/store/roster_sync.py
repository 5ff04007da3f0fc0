"""Open leads following their roster policies (services.roster_sync) in DynamoDB.

A vehicle's open lead is found through its renewal dedupe guard (BatchGetItem of guards, then of
leads). Each lead is written together with its policy's marker (``lead_synced``) in one
transaction, the lead conditional on the version it was read with. A handover to a new owner
moves the lead's history to the former owner's record first (events copied and deleted, up to
50 a transaction) when it does not fit in the final transaction, which re-points the lead,
writes that record, the two events, the guard's phone digest and the marker.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from renewdesk.errors import StaleWrite
from renewdesk.services.records import Event, Lead, Policy
from renewdesk.services.roster_sync import LeadFollow
from renewdesk.store import keys
from renewdesk.store.dynamo import TRANSACTION, ConditionFailed, Write
from renewdesk.store.items import customer_place, event_item, event_key, lead_from, lead_values
from renewdesk.store.queue import QueueStore

OPEN = ("queued", "claimed", "attention")
# The final transaction of a handover: lead, former owner's record, two events, guard, marker.
HANDOVER_ITEMS = 6


class FollowStore(QueueStore):
    """Reads and writes of open leads following roster changes, for one store."""

    def vehicle_open_leads(self, plates: list[str]) -> dict[str, Lead]:
        """The open renewal lead of each vehicle that has one, by plate."""
        guard_keys = {
            keys.dedupe_guard(self.store_id, "renewal", plate)["pk"]: plate for plate in plates
        }
        guards = self._batch_get(
            [keys.dedupe_guard(self.store_id, "renewal", plate) for plate in plates]
        )
        holders = {g["lead_id"]: guard_keys[g["pk"]] for g in guards if g.get("is_open")}
        found = self._batch_get([keys.lead(self.store_id, lead_id) for lead_id in holders])
        leads = [lead_from(item) for item in found]
        return {holders[lead.lead_id]: lead for lead in leads if lead.status in OPEN}

    def mark_followed(self, policies: list[Policy]) -> None:
        """Record that these policies' leads show their data (nothing else to write)."""
        groups = [[self._marker(policy)] for policy in policies]
        # A policy changed meanwhile is followed by the import that changed it.
        self.transact_groups(groups, "mark_followed")

    def write_follows(self, follows: list[LeadFollow]) -> list[str]:
        """Write each lead change with its event and its policy's marker; the plates whose lead
        changed meanwhile (to be read again)."""
        groups = [
            [
                self._follow_update(follow),
                self.put("event", event_item(self.store_id, follow.event)),
                self._marker(follow.policy),
            ]
            for follow in follows
        ]
        failed = self.transact_groups(groups, "follow_leads")
        return [follows[i].policy.plate for i, items in failed.items() if "lead" in items]

    def hand_over(self, follow: LeadFollow) -> None:
        """Re-point the lead to the new owner and keep what it held of the former owner in
        their own record; StaleWrite if the lead, its guard or the policy moved on."""
        handover = follow.handover
        if handover is None:
            raise ValueError("not a handover")
        archive = handover.archive
        history = list(handover.history)
        room = (TRANSACTION - HANDOVER_ITEMS) // 2
        while len(history) > room:
            self._moving(history[: TRANSACTION // 2], archive.lead_id)
            history = history[TRANSACTION // 2 :]
        final = [
            self._follow_update(follow, owner=True),
            self.put(
                "archive",
                {
                    **keys.lead(self.store_id, archive.lead_id),
                    **lead_values(archive),
                    **customer_place(self.store_id, archive),
                },
            ),
            self.put("marked", event_item(self.store_id, handover.marked)),
            self.put("closed", event_item(self.store_id, handover.closed)),
            self.update(
                "guard",
                keys.dedupe_guard(self.store_id, "renewal", follow.policy.plate),
                {"phone_digest": handover.phone_digest},
                condition="lead_id = :id",
                values={":id": follow.lead.lead_id},
            ),
            self._marker(follow.policy),
            *self._moves(history, archive.lead_id),
        ]
        try:
            self.transact(final, "hand_over", token=handover.marked.event_id)
        except ConditionFailed:
            raise StaleWrite(follow.lead.lead_id) from None

    def _moving(self, events: list[Event], archive_id: str) -> None:
        try:
            self.transact(self._moves(events, archive_id), "move_history")
        except ConditionFailed:
            raise StaleWrite(archive_id) from None

    def _moves(self, events: list[Event], archive_id: str) -> list[Write]:
        """Copy events to the former owner's record and delete them from the lead."""
        writes = []
        for event in events:
            moved = dataclasses.replace(event, lead_id=archive_id)
            writes.append(self.put(f"copy:{event.event_id}", event_item(self.store_id, moved)))
            writes.append(
                self.delete(
                    f"move:{event.event_id}",
                    event_key(self.store_id, event),
                    condition="attribute_exists(pk)",
                )
            )
        return writes

    def _follow_update(self, follow: LeadFollow, owner: bool = False) -> Write:
        lead = follow.lead
        sets: dict[str, Any] = dict(follow.sets)
        if owner:
            new = lead.changed(**follow.sets)
            sets.update(customer_place(self.store_id, new))
        if follow.queue_at is not None:
            sets["ready_sk"] = keys.ready_position(*follow.queue_at, lead.lead_id)
        if follow.desk_due_at is not None:
            sets["desk_sk"] = f"{follow.desk_due_at}#{lead.lead_id}"
            sets["desk_due_at"] = follow.desk_due_at
        return self.update(
            "lead",
            keys.lead(self.store_id, lead.lead_id),
            sets,
            expected_version=lead.version,
        )

    def _marker(self, policy: Policy) -> Write:
        return self.update(
            "policy",
            keys.policy(self.store_id, policy.plate),
            {"lead_synced": policy.row_hash, "lead_phone": policy.phone},
            condition="row_hash = :hash",
            values={":hash": policy.row_hash},
        )
