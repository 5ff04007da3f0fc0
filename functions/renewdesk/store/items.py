"""Records to DynamoDB items and back, and a lead's places in the indexes (shapes in keys.py).

Items carry the record's fields under their own names plus the table and index keys; reading an
item keeps only the record's fields, so nothing above store/ ever sees a key.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from renewdesk.services import clock
from renewdesk.services.notifications import KEEP_DAYS, NOTICE_FIELDS, Notice
from renewdesk.services.records import EVENT_FIELDS, LEAD_FIELDS, POLICY_FIELDS, Event, Lead, Policy
from renewdesk.store import keys

# The index attributes a lead may carry (keys.py documents what each index is for).
LEAD_INDEX_ATTRIBUTES = ("ready_pk", "ready_sk", "desk_pk", "desk_sk", "coll_pk", "coll_sk")


def _values(record: Any) -> dict[str, Any]:
    """A record's set fields (None left out: DynamoDB has no null we want)."""
    return {k: v for k, v in dataclasses.asdict(record).items() if v is not None}


# -- leads ----------------------------------------------------------------------------------


def lead_values(lead: Lead) -> dict[str, Any]:
    """The attributes of a lead's own fields; no version until its first change."""
    values = _values(lead)
    if not lead.version:
        values.pop("version", None)
    return values


def new_lead_item(store_id: str, lead: Lead) -> dict[str, Any]:
    """A new queued lead as stored: its fields plus its places in the ready, month and customer
    indexes."""
    return {
        **keys.lead(store_id, lead.lead_id),
        **lead_values(lead),
        "ready_pk": keys.ready_queue(store_id),
        "ready_sk": keys.ready_position(lead.rank, lead.due, lead.lead_id),
        "month_pk": keys.month(store_id, lead.created_at[:7]),
        "month_sk": f"{lead.created_at}#{lead.lead_id}",
        **customer_place(store_id, lead),
    }


def customer_place(store_id: str, lead: Lead) -> dict[str, str]:
    """The lead's place among its customer's leads (the collection index)."""
    return {
        "coll_pk": keys.collection(store_id, f"CUSTOMER#{lead.phone}"),
        "coll_sk": f"{lead.created_at}#{lead.lead_id}",
    }


def desk_place(store_id: str, lead_id: str, username: str, due_at: str) -> dict[str, str]:
    """The lead's place on one staff member's desk (the desk index), due at a time."""
    return {
        "desk_pk": keys.desk(store_id, username),
        "desk_sk": f"{due_at}#{lead_id}",
        "desk_due_at": due_at,
    }


def lead_from(item: dict[str, Any]) -> Lead:
    """The lead an item holds."""
    values = {k: v for k, v in item.items() if k in LEAD_FIELDS}
    if "desk_due_at" not in values and item.get("desk_sk"):
        values["desk_due_at"] = item["desk_sk"].rsplit("#", 1)[0]  # written before the field
    return Lead(**values)


def lead_position(store_id: str, lead: Lead, listing: str) -> dict[str, str]:
    """The index key of a lead in a paged list (``ready``, ``attention`` or ``month``): where
    the page after it starts."""
    position = keys.lead(store_id, lead.lead_id)
    if listing == "ready":
        position.update(
            ready_pk=keys.ready_queue(store_id),
            ready_sk=keys.ready_position(lead.rank, lead.due, lead.lead_id),
        )
    elif listing == "attention":
        position.update(
            ready_pk=keys.attention_list(store_id), ready_sk=f"{lead.attention_at}#{lead.lead_id}"
        )
    else:
        position.update(
            month_pk=keys.month(store_id, lead.created_at[:7]),
            month_sk=f"{lead.created_at}#{lead.lead_id}",
        )
    return position


# -- history events -------------------------------------------------------------------------


# Events that go into their author's follow-up register (the weekly review reads it by week).
REGISTER_KINDS = ("followup", "quote", "close")


def event_item(store_id: str, event: Event) -> dict[str, Any]:
    """An event in its lead's partition and in the month index under its local month; a
    follow-up, quote or close also in its author's register of the week, and a lost close
    among the month's defeats."""
    values = _values(event)
    month = values.pop("month")
    position = f"{event.at}#{event.lead_id}#{event.event_id}"
    item = {
        **keys.lead_event(store_id, event.lead_id, event.at, event.event_id),
        **values,
        "month_pk": keys.activity_month(store_id, month),
        "month_sk": position,
    }
    if event.kind in REGISTER_KINDS:
        item["coll_pk"] = keys.register(store_id, event.by, iso_week(event.at))
        item["coll_sk"] = position
    if event.kind == "close" and event.outcome == "lost":
        item["ready_pk"] = keys.lost_closes(store_id, month)
        item["ready_sk"] = position
    return item


def iso_week(stamp: str) -> str:
    """The ISO week (YYYY-Www) of the store's local date at a stored timestamp."""
    from renewdesk.services import clock

    year, week, _ = clock.local_date(clock.parse_iso(stamp)).isocalendar()
    return f"{year}-W{week:02d}"


def event_key(store_id: str, event: Event) -> dict[str, str]:
    """The table key of an event."""
    return keys.lead_event(store_id, event.lead_id, event.at, event.event_id)


def event_from(item: dict[str, Any]) -> Event:
    """The event an item holds."""
    values = {k: v for k, v in item.items() if k in EVENT_FIELDS}
    values.setdefault("month", item.get("month_pk", "").rsplit("#", 1)[-1])
    return Event(**values)


# -- roster policies ------------------------------------------------------------------------


def policy_item(store_id: str, policy: Policy) -> dict[str, Any]:
    """A roster record with its places in the expiry and roster-link indexes."""
    return {
        **keys.policy(store_id, policy.plate),
        **_values(policy),
        **policy_places(store_id, policy),
    }


def policy_places(store_id: str, policy: Policy) -> dict[str, str]:
    """Where a policy sits in the expiry index (by date) and the roster-link collection."""
    return {
        "month_pk": keys.expiry_month(store_id, policy.expiry_date[:7]),
        "month_sk": f"{policy.expiry_date}#{policy.plate}",
        "coll_pk": keys.roster_link(store_id, policy.roster_id),
        "coll_sk": "POLICY",
        "desk_pk": keys.policy_holder(store_id, policy.phone),
        "desk_sk": f"{policy.expiry_date}#{policy.plate}",
    }


def policy_from(item: dict[str, Any]) -> Policy:
    """The policy an item holds."""
    return Policy(**{k: v for k, v in item.items() if k in POLICY_FIELDS})


# -- outbox notices -------------------------------------------------------------------------


def notice_item(store_id: str, notice: Notice) -> dict[str, Any]:
    """A notice with its place: the outbox while pending, the dead letters once dead, none once
    sent (then it expires)."""
    values = _values(notice)
    values["sent_to"] = list(notice.sent_to)
    if not notice.version:
        values.pop("version", None)
    return {**keys.notice(store_id, notice.notice_id), **values, **notice_place(store_id, notice)}


def notice_place(store_id: str, notice: Notice) -> dict[str, Any]:
    """Where a notice is listed, and when it expires (None: that attribute goes)."""
    if notice.state == "pending":
        return {
            "ready_pk": keys.outbox(store_id),
            "ready_sk": f"{notice.due_at}#{notice.notice_id}",
            keys.TTL_ATTRIBUTE: None,
        }
    place: dict[str, Any] = {"ready_pk": None, "ready_sk": None}
    if notice.state == "dead":
        place.update(ready_pk=keys.dead_letters(store_id))
        place.update(ready_sk=f"{notice.finished_at}#{notice.notice_id}")
    finished = clock.parse_iso(notice.finished_at or notice.created_at)
    place[keys.TTL_ATTRIBUTE] = int((finished + dt.timedelta(days=KEEP_DAYS)).timestamp())
    return place


def notice_from(item: dict[str, Any]) -> Notice:
    """The notice an item holds."""
    values = {k: v for k, v in item.items() if k in NOTICE_FIELDS}
    values["sent_to"] = tuple(values.get("sent_to") or ())
    return Notice(**values)
