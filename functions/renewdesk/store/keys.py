"""Every DynamoDB key shape of the one table, in one place.

All items live in one table with a string partition key ``pk`` and sort key ``sk``. Every key
starts with ``ST#<store>`` so one deployment can serve several 4S stores of a dealer group
without migrating data.

| item            | pk                                         | sk         | notes |
| --------------- | ------------------------------------------ | ---------- | ----- |
| lead            | ST#<store>#LEAD#<lead_id>                  | LEAD       | contact data, consent version and time |
| dedupe guard    | ST#<store>#DEDUPE#<type>#<plate or phone>  | DEDUPE     | holds the lead id; written with the lead |
| rate counter    | ST#<store>#RATE#<scope>#<key>#<window>     | RATE       | ``n`` counted with ADD; ``expires_at`` TTL |
| spam            | ST#<store>#SPAM#<id>                       | SPAM       | honeypot hits, kept apart, ``expires_at`` TTL |
| referrer        | ST#<store>#REFERRER#<code>                 | REFERRER   | the customer who refers, by code |
| referrer phone  | ST#<store>#REFERRER_PHONE#<phone>          | REFERRER   | one code per customer phone |

Global secondary indexes (all projected ALL):

| index      | partition key                     | sort key                        | who carries it |
| ---------- | --------------------------------- | ------------------------------- | -------------- |
| ready      | ready_pk = ST#<store>#READY       | ready_sk = <rank>#<due>#<id>    | only claimable leads (sparse) |
| month      | month_pk = ST#<store>#MONTH#<ym>  | month_sk = <created_at>#<id>    | every lead, by month of submission |
| collection | coll_pk = ST#<store>#<collection> | coll_sk = <ordering>            | referrers (REFERRERS), a customer's leads (CUSTOMER#<phone>) |

TTL attribute: ``expires_at`` (epoch seconds). DynamoDB deletes lazily, so readers check it.
"""

from __future__ import annotations

TTL_ATTRIBUTE = "expires_at"

INDEXES = {
    "ready": ("ready_pk", "ready_sk"),
    "month": ("month_pk", "month_sk"),
    "collection": ("coll_pk", "coll_sk"),
}


def _prefix(store: str) -> str:
    return f"ST#{store}"


def lead(store: str, lead_id: str) -> dict[str, str]:
    """Key of a lead."""
    return {"pk": f"{_prefix(store)}#LEAD#{lead_id}", "sk": "LEAD"}


def dedupe_guard(store: str, lead_type: str, identity: str) -> dict[str, str]:
    """Key of the guard that keeps one open lead per vehicle (renewal) or phone (referral)."""
    return {"pk": f"{_prefix(store)}#DEDUPE#{lead_type}#{identity}", "sk": "DEDUPE"}


def rate_counter(store: str, scope: str, key: str, window: str) -> dict[str, str]:
    """Key of a submission counter for one phone or client address in one time window."""
    return {"pk": f"{_prefix(store)}#RATE#{scope}#{key}#{window}", "sk": "RATE"}


def spam(store: str, spam_id: str) -> dict[str, str]:
    """Key of a honeypot submission."""
    return {"pk": f"{_prefix(store)}#SPAM#{spam_id}", "sk": "SPAM"}


def referrer(store: str, code: str) -> dict[str, str]:
    """Key of a referrer, by referral code."""
    return {"pk": f"{_prefix(store)}#REFERRER#{code}", "sk": "REFERRER"}


def referrer_phone(store: str, phone: str) -> dict[str, str]:
    """Key of the guard that gives each customer phone one referral code."""
    return {"pk": f"{_prefix(store)}#REFERRER_PHONE#{phone}", "sk": "REFERRER"}


def ready_queue(store: str) -> str:
    """Partition of the ready index: the claimable leads of one store."""
    return f"{_prefix(store)}#READY"


def ready_position(rank: int, due: str, lead_id: str) -> str:
    """Sort key in the ready index: rank first, then due date, then age (ULIDs sort by time)."""
    return f"{rank}#{due}#{lead_id}"


def month(store: str, year_month: str) -> str:
    """Partition of the month index: the leads submitted in one month."""
    return f"{_prefix(store)}#MONTH#{year_month}"


def collection(store: str, name: str) -> str:
    """Partition of the collection index (REFERRERS, CUSTOMER#<phone>)."""
    return f"{_prefix(store)}#{name}"
