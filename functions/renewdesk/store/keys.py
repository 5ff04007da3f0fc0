"""Every DynamoDB key shape of the one table, in one place.

All items live in one table with a string partition key ``pk`` and sort key ``sk``. Every key
starts with ``ST#<store>`` so one deployment can serve several 4S stores of a dealer group
without migrating data.

| item            | pk                                         | sk         | notes |
| --------------- | ------------------------------------------ | ---------- | ----- |
| lead            | ST#<store>#LEAD#<lead_id>                  | LEAD       | contact data, consent version and time; once erased on request ``status`` erased, ``erased_at``, only report fields (services/privacy.py) |
| dedupe guard    | ST#<store>#DEDUPE#<type>#<plate or phone>  | DEDUPE     | holds the lead id; written with the lead |
| rate counter    | ST#<store>#RATE#<scope>#<key>#<window>     | RATE       | ``n`` counted with ADD; ``expires_at`` TTL |
| spam            | ST#<store>#SPAM#<id>                       | SPAM       | honeypot hits, kept apart, ``expires_at`` TTL |
| referrer        | ST#<store>#REFERRER#<code>                 | REFERRER   | the customer who refers, by code |
| referrer phone  | ST#<store>#REFERRER_PHONE#<phone>          | REFERRER   | one code per customer phone |
| lead event      | ST#<store>#LEAD#<lead_id>                  | EV#<at>#<event_id> | claim, release, follow-up, close, reopen, reassign; in the month index under ACTIVITY |
| staff account   | ST#<store>#STAFF#<username>                | STAFF      | argon2 hash, role, TOTP, lockout; collection STAFF |
| staff session   | ST#<store>#SESSION#<sha256 of session id>  | SESSION    | user, CSRF token hash, last seen; ``expires_at`` TTL (absolute expiry) |
| monthly target  | ST#<store>#TARGET#<YYYY-MM>                | TARGET     | renewals won and premium the supervisor aims at |
| policy          | ST#<store>#POLICY#<plate>                  | POLICY     | roster record (owner, phone, expiry, insurer, premiums, grade); the reminder steps of its current cycle |
| reminder opt-out| ST#<store>#OPTOUT#<phone>                  | OPTOUT     | the customer wants no reminder SMS; when and how they said so |
| purge cursor    | ST#<store>#PURGE                           | PURGE      | ``leads_through``: the retention purge handled close events up to this ``month_sk`` of ACTIVITY (services/privacy.py Purge) |
| notice          | ST#<store>#NOTICE#<notice_id>              | NOTICE     | an outbox item (services/notifications.py): lead id, kind, when due, which robots took it; no personal data; ``expires_at`` TTL once sent or dead |
| robot counter   | ST#<store>#RATE#robot#<robot>#<YYYYmmddHHMM> | RATE     | messages sent to one group robot in one minute (at most 18 of its 20) |
| roster import   | ST#<store>#IMPORT#<import_id>              | IMPORT     | an upload's job: state, counts, how the file was read; in collection IMPORTS by creation time; ``expires_at`` TTL (services/roster_jobs.py) |
| import problems | ST#<store>#IMPORT#<import_id>              | REJECTS#<n> / WARNINGS#<n> | the rejected rows (every original cell, the problems) and the warnings, a few hundred a part; ``expires_at`` TTL |
| short link      | ST#<store>#SHORT#<first 9 of the code>     | SHORT      | the roster id a reminder's ``/r/<code>`` stands for, the day it was issued; ``expires_at`` TTL (services/short_links.py) |
| renewal cycle   | ST#<store>#CYCLE#<cycle_id>                | CYCLE      | one policy and one expiry date (services/cycles.py); the plate goes on erasure; ``version`` guards every rewrite |
| renewal totals  | ST#<store>#RENEWALS#<YYYY-MM of expiry>    | MONTH, BY_DUE#<expiry date>, BY_WIN#<close date>, OPEN#<expiry date> | the 续保率 board's figures, ADDed to in every transaction that changes a cycle of the month |
| lapse cursor    | ST#<store>#LAPSES                          | LAPSES     | ``through``: the last expiry date whose open cycles the lapse job has all marked |
| renewal target  | ST#<store>#RTARGET#<YYYY-MM>               | RTARGET    | the month's 续保率 targets: overall and per grade (defaults when missing) |
| register review | ST#<store>#REVIEW#<YYYY-Www>               | <username> | the supervisor's signed weekly review of a specialist's follow-up register |
| defeat analysis | ST#<store>#DEFEATS#<YYYY-MM>               | SUMMARY, NOTE#<event id> | the month's stored defeat analysis; its close notes one item each, so erasure deletes a customer's |

Global secondary indexes (all projected ALL):

| index      | partition key                     | sort key                        | who carries it |
| ---------- | --------------------------------- | ------------------------------- | -------------- |
| ready      | ready_pk = ST#<store>#READY       | ready_sk = <rank>#<due>#<id>    | queued leads and leased ones (claimable again once ``lease_until`` passes) |
|            | ready_pk = ST#<store>#ATTENTION   | ready_sk = <at>#<id>            | leads bounced 5 times, for the supervisor |
|            | ready_pk = ST#<store>#OUTBOX      | ready_sk = <due at>#<notice id> | notices still to send, by when they are due |
|            | ready_pk = ST#<store>#DEADLETTER  | ready_sk = <failed at>#<notice id> | notices no robot took after every retry (the supervisor may resend) |
| desk       | desk_pk = ST#<store>#DESK#<user>  | desk_sk = <next due at>#<id>    | open leads a specialist holds, by when the next step is due |
|            | desk_pk = ST#<store>#WAITING      | desk_sk = <since>#<id>          | queued leads on the supervisor's attention list while still claimable: a customer's request unclaimed in time, a renewal past N-7 (``waiting_reason``) |
|            | desk_pk = ST#<store>#HOLDER#<phone> | desk_sk = <expiry date>#<plate> | policies, by their holder's mobile number (search finds a caller's policies) |
| month      | month_pk = ST#<store>#MONTH#<ym>  | month_sk = <created_at>#<id>    | every lead, by UTC month of ``created_at`` |
|            | month_pk = ST#<store>#ACTIVITY#<ym> | month_sk = <at>#<lead id>#<event id> | lead events, by the store's local month |
|            | month_pk = ST#<store>#EXPIRY#<ym> | month_sk = <expiry date>#<plate> | policies, by the month their policy expires |
| collection | coll_pk = ST#<store>#<collection> | coll_sk = <ordering>            | referrers (REFERRERS), a customer's leads (CUSTOMER#<phone>), staff (STAFF, by username), a policy by the opaque roster id its renewal links name (ROSTER#<roster id>, sk POLICY), roster imports (IMPORTS, by created_at) |
| collection | coll_pk = ST#<store>#<collection> | coll_sk = <ordering>            | referrers (REFERRERS), a customer's leads (CUSTOMER#<phone>), staff (STAFF, by username), a policy by the opaque roster id its renewal links name (ROSTER#<roster id>, sk POLICY) |
| ready      | ready_pk = ST#<store>#OPEN_CYCLES | ready_sk = <expiry date>#<cycle id> | due cycles still open: the daily lapse job reads those 30 days past expiry |
|            | ready_pk = ST#<store>#LOST#<ym>   | ready_sk = <at>#<lead id>#<event id> | lost close events of a local month not undone by a reopen (the defeat analysis) |
| month      | month_pk = ST#<store>#CYCLES#<ym> | month_sk = <expiry date>#<cycle id> | renewal cycles, by the month they expire |
| collection | coll_pk = ST#<store>#VEHICLE#<plate> | coll_sk = <expiry date>#<cycle id> | a vehicle's cycles (erasure finds them; gone with the plate) |
|            | coll_pk = ST#<store>#REGISTER#<user>#<YYYY-Www> | coll_sk = <at>#<lead id>#<event id> | one specialist's follow-up register of one ISO week: follow-ups, quotes, closes they logged |
|            | coll_pk = ST#<store>#REVIEWS#<user> | coll_sk = <YYYY-Www>          | the weekly reviews of one specialist |

TTL attribute: ``expires_at`` (epoch seconds). DynamoDB deletes lazily, so readers check it.

Staff list cursors are the index key of the last lead shown, encoded and checked in
store/cursors.py (never a raw LastEvaluatedKey from a client).
"""

from __future__ import annotations

TTL_ATTRIBUTE = "expires_at"

INDEXES = {
    "ready": ("ready_pk", "ready_sk"),
    "month": ("month_pk", "month_sk"),
    "collection": ("coll_pk", "coll_sk"),
    "desk": ("desk_pk", "desk_sk"),
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


def lead_event(store: str, lead_id: str, at: str, event_id: str) -> dict[str, str]:
    """Key of one event in a lead's history (kept in the lead's own partition)."""
    return {"pk": f"{_prefix(store)}#LEAD#{lead_id}", "sk": f"EV#{at}#{event_id}"}


def attention_list(store: str) -> str:
    """Partition of the ready index holding leads that bounced too often."""
    return f"{_prefix(store)}#ATTENTION"


def desk(store: str, username: str) -> str:
    """Partition of the desk index: the open leads one staff member holds."""
    return f"{_prefix(store)}#DESK#{username}"


def activity_month(store: str, year_month: str) -> str:
    """Partition of the month index holding the lead events of one local month."""
    return f"{_prefix(store)}#ACTIVITY#{year_month}"


def staff(store: str, username: str) -> dict[str, str]:
    """Key of a staff account."""
    return {"pk": f"{_prefix(store)}#STAFF#{username}", "sk": "STAFF"}


def session(store: str, session_hash: str) -> dict[str, str]:
    """Key of a staff session, by the SHA-256 of its id (the id itself is never stored)."""
    return {"pk": f"{_prefix(store)}#SESSION#{session_hash}", "sk": "SESSION"}


def target(store: str, year_month: str) -> dict[str, str]:
    """Key of the monthly target."""
    return {"pk": f"{_prefix(store)}#TARGET#{year_month}", "sk": "TARGET"}


def policy(store: str, plate: str) -> dict[str, str]:
    """Key of a roster record (one policy per vehicle)."""
    return {"pk": f"{_prefix(store)}#POLICY#{plate}", "sk": "POLICY"}


def expiry_month(store: str, year_month: str) -> str:
    """Partition of the month index holding the policies that expire in one month."""
    return f"{_prefix(store)}#EXPIRY#{year_month}"


def roster_link(store: str, roster_id: str) -> str:
    """Partition of the collection index holding the policy a renewal link's roster id names."""
    return f"{_prefix(store)}#ROSTER#{roster_id}"


def purge_cursor(store: str) -> dict[str, str]:
    """Key of the retention purge's cursor (where its last run stopped)."""
    return {"pk": f"{_prefix(store)}#PURGE", "sk": "PURGE"}


def optout(store: str, phone: str) -> dict[str, str]:
    """Key of a customer's opt-out from reminder SMS."""
    return {"pk": f"{_prefix(store)}#OPTOUT#{phone}", "sk": "OPTOUT"}


def notice(store: str, notice_id: str) -> dict[str, str]:
    """Key of an outbox notice."""
    return {"pk": f"{_prefix(store)}#NOTICE#{notice_id}", "sk": "NOTICE"}


def outbox(store: str) -> str:
    """Partition of the ready index holding the notices still to send."""
    return f"{_prefix(store)}#OUTBOX"


def dead_letters(store: str) -> str:
    """Partition of the ready index holding the notices that could not be sent."""
    return f"{_prefix(store)}#DEADLETTER"


def waiting_list(store: str) -> str:
    """Partition of the desk index: queued leads on the supervisor's attention list."""
    return f"{_prefix(store)}#WAITING"


def policy_holder(store: str, phone: str) -> str:
    """Partition of the desk index holding the policies of one mobile number."""
    return f"{_prefix(store)}#HOLDER#{phone}"


def roster_import(store: str, import_id: str) -> dict[str, str]:
    """Key of a roster import job."""
    return {"pk": f"{_prefix(store)}#IMPORT#{import_id}", "sk": "IMPORT"}


def roster_import_part(store: str, import_id: str, kind: str, number: int) -> dict[str, str]:
    """Key of one part of an import's rejected rows (REJECTS) or warnings (WARNINGS)."""
    return {"pk": f"{_prefix(store)}#IMPORT#{import_id}", "sk": f"{kind}#{number:05d}"}


def roster_imports(store: str) -> str:
    """Partition of the collection index listing a store's roster imports, newest last."""
    return f"{_prefix(store)}#IMPORTS"


def short_link(store: str, key: str) -> dict[str, str]:
    """Key of a reminder's short link (the first nine characters of its code)."""
    return {"pk": f"{_prefix(store)}#SHORT#{key}", "sk": "SHORT"}


def cycle(store: str, cycle_id: str) -> dict[str, str]:
    """Key of a renewal cycle."""
    return {"pk": f"{_prefix(store)}#CYCLE#{cycle_id}", "sk": "CYCLE"}


def cycles_month(store: str, year_month: str) -> str:
    """Partition of the month index holding the cycles that expire in one month."""
    return f"{_prefix(store)}#CYCLES#{year_month}"


def open_cycles(store: str) -> str:
    """Partition of the ready index holding the due cycles that are still open."""
    return f"{_prefix(store)}#OPEN_CYCLES"


def vehicle_cycles(store: str, plate: str) -> str:
    """Partition of the collection index holding one vehicle's cycles."""
    return f"{_prefix(store)}#VEHICLE#{plate}"


def renewal_totals(store: str, year_month: str) -> str:
    """Partition of the 续保率 figures of the cycles expiring in one month."""
    return f"{_prefix(store)}#RENEWALS#{year_month}"


def renewal_target(store: str, year_month: str) -> dict[str, str]:
    """Key of a month's 续保率 targets."""
    return {"pk": f"{_prefix(store)}#RTARGET#{year_month}", "sk": "RTARGET"}


def review(store: str, week: str, specialist: str) -> dict[str, str]:
    """Key of the weekly review of one specialist's register."""
    return {"pk": f"{_prefix(store)}#REVIEW#{week}", "sk": specialist}


def reviews_of(store: str, specialist: str) -> str:
    """Partition of the collection index holding one specialist's reviews."""
    return f"{_prefix(store)}#REVIEWS#{specialist}"


def register(store: str, username: str, week: str) -> str:
    """Partition of the collection index holding one specialist's register of one ISO week."""
    return f"{_prefix(store)}#REGISTER#{username}#{week}"


def lost_closes(store: str, year_month: str) -> str:
    """Partition of the ready index holding the lost close events of one local month."""
    return f"{_prefix(store)}#LOST#{year_month}"


def defeats(store: str, year_month: str) -> str:
    """Partition of a month's stored defeat analysis (SUMMARY and NOTE#<event id> items)."""
    return f"{_prefix(store)}#DEFEATS#{year_month}"


def lapse_cursor(store: str) -> dict[str, str]:
    """Key of the lapse job's progress."""
    return {"pk": f"{_prefix(store)}#LAPSES", "sk": "LAPSES"}
