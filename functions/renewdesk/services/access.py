"""Access on request (PIPL art. 45): everything held about one mobile number, to hand over.

It reads exactly what erasure would touch (Erasure.survey, the same normaliser and the same
reads), so an export and the erasure that follows always agree: what is listed here is what
`customers erase` removes. Storage keys and staff identities are left out; they are the store's
records, not the customer's data.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Protocol

from renewdesk.services.privacy import Erasure
from renewdesk.services.records import OptOut, Policy
from renewdesk.services.referrers import Referrer

# Storage plumbing and staff identities: not the customer's information.
NOT_THEIRS = frozenset(
    {
        "pk",
        "sk",
        "ready_pk",
        "ready_sk",
        "desk_pk",
        "desk_sk",
        "month_pk",
        "month_sk",
        "coll_pk",
        "coll_sk",
        "version",
        "rank",
        "row_hash",
        "roster_id",
        "holder",
        "owner",
        "closed_by",
        "by",
        "event_id",
        "lead_id",
        "lead_type",
        "lead_created_at",
        "lease_until",
        "close_event_at",
        "close_event_id",
        "superseded",
        "expires_at",
        "lead_synced",
        "lead_phone",
        "written_by",
    }
)


class AccessStore(Protocol):
    """The reads an export adds to erasure's survey (implemented by store.privacy)."""

    def policy_records(self, plates: list[str]) -> list[Policy]: ...

    def referrer_record(self, code: str) -> Referrer | None: ...

    def optout_record(self, phone: str) -> OptOut | None: ...


@dataclass(frozen=True)
class CustomerRecords:
    """What is stored about one customer, ready to be shown to them."""

    phone: str
    leads: list[dict[str, Any]]  # each with its "events"
    policies: list[dict[str, Any]]
    referral: dict[str, Any] | None
    optout: dict[str, Any] | None
    spam: list[dict[str, Any]]
    counts: dict[str, int]  # as Erasure.erase counts them

    def as_json(self) -> dict[str, Any]:
        """The records as one JSON document."""
        return {
            "phone": self.phone,
            "leads": self.leads,
            "policies": self.policies,
            "referral": self.referral,
            "optout": self.optout,
            "spam": self.spam,
            "counts": self.counts,
        }


def shown(item: dict[str, Any]) -> dict[str, Any]:
    """An item without storage keys and staff identities, numbers as plain numbers."""
    from decimal import Decimal

    def plain(value: Any) -> Any:
        if isinstance(value, Decimal):
            return int(value) if value == value.to_integral_value() else float(value)
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items() if k not in NOT_THEIRS}
        return value

    kept: dict[str, Any] = plain(
        {k: v for k, v in item.items() if k not in NOT_THEIRS and v not in (None, {}, [])}
    )
    return kept


@dataclass
class Access:
    """Exports one customer's records; knows neither click nor DynamoDB."""

    erasure: Erasure
    store: AccessStore

    def export(self, phone: str) -> CustomerRecords:
        """Everything held about the customer with this (normalised) phone."""
        survey = self.erasure.survey(phone)
        leads = [
            {**shown(dataclasses.asdict(lead)), "events": [shown(e.as_dict()) for e in events]}
            for lead, events, _ in survey.leads
        ]
        code = survey.referral_code
        referral = self.store.referrer_record(code) if code else None
        optout = self.store.optout_record(phone) if survey.opted_out else None
        return CustomerRecords(
            phone=phone,
            leads=leads,
            policies=[
                shown(dataclasses.asdict(p)) for p in self.store.policy_records(survey.policies)
            ],
            referral=shown(dataclasses.asdict(referral)) if referral else None,
            optout=shown(dataclasses.asdict(optout)) if optout else None,
            spam=[
                {"received_at": s.get("received_at"), "fields": s["fields"]}
                for s in survey.spam_records
            ],
            counts=survey.counts(),
        )
