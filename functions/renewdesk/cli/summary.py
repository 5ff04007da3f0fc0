"""The readable summary `renewdesk customers export` prints (labels from the catalogs)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from renewdesk import i18n
from renewdesk.services import clock
from renewdesk.services.access import CustomerRecords

# Fields shown first, in this order; any other field follows under its own label.
LEAD_FIELDS = (
    "created_at",
    "type",
    "source",
    "status",
    "name",
    "phone",
    "plate",
    "expiry_date",
    "contact_time",
    "interest",
    "note",
    "consent_version",
    "consent_at",
    "outcome",
    "reason",
    "closed_at",
)
EVENT_FIELDS = ("at", "kind", "channel", "result", "note", "next_contact_at")
POLICY_FIELDS = (
    "plate",
    "name",
    "phone",
    "expiry_date",
    "last_insurer",
    "commercial_premium",
    "compulsory_premium",
    "grade",
    "model",
    "vin",
    "imported_at",
)
# Coded values shown by their catalog label (status queued → 待领取, ...).
CODED = {
    "status": "status",
    "source": "source",
    "channel": "channel",
    "result": "result",
    "reason": "reason",
    "outcome": "status",
    "kind": "event",
    "type": "type",
    "interest": "interest",
    "contact_time": "contact_time",
}


@dataclass(frozen=True)
class Summary:
    """Writes one customer's records in one language."""

    language: str

    def text(self, key: str, **values: str) -> str:
        return i18n.message(self.language, f"cli.privacy.{key}", **values)

    def of(self, records: CustomerRecords, masked_phone: str) -> str:
        """Every record, section by section, each field with its label."""
        if not any(records.counts.values()):
            return self.text("export.nothing", phone=masked_phone)
        lines = [
            self.text("export.title", phone=masked_phone),
            self.text("export.leads", count=str(len(records.leads))),
        ]
        for number, lead in enumerate(records.leads, start=1):
            lines.append(f"  {number}. " + self.fields(lead, LEAD_FIELDS, skip=("events",)))
            lines += ["     - " + self.fields(event, EVENT_FIELDS) for event in lead["events"]]
        lines.append(self.text("export.policies", count=str(len(records.policies))))
        lines += ["  - " + self.fields(policy, POLICY_FIELDS) for policy in records.policies]
        if records.referral:
            lines.append(self.text("export.referral") + self.fields(records.referral, ("code",)))
        if records.optout:
            lines.append(
                self.text("export.optout") + self.fields(records.optout, ("opted_out_at",))
            )
        if records.spam:
            lines.append(self.text("export.spam", count=str(len(records.spam))))
            lines += [
                "  - " + self.fields({"received_at": s["received_at"], **s["fields"]}, ())
                for s in records.spam
            ]
        return "\n".join(lines)

    def fields(
        self, item: dict[str, Any], first: tuple[str, ...], skip: tuple[str, ...] = ()
    ) -> str:
        names = [n for n in first if item.get(n) not in (None, "")]
        names += sorted(
            n
            for n in item
            if n not in first and n not in skip and item[n] not in (None, "", {}, [])
        )
        return "；".join(f"{self.label(n)}：{self.value(n, item[n])}" for n in names)

    def label(self, name: str) -> str:
        key = f"cli.privacy.export.field.{name}"
        return i18n.message(self.language, key) if key in i18n.catalog(self.language) else name

    def value(self, name: str, value: Any) -> str:
        if name in CODED and isinstance(value, str):
            key = f"{CODED[name]}.{value}"
            return i18n.message(self.language, key) if key in i18n.catalog(self.language) else value
        if isinstance(value, str) and len(value) == 24 and value.endswith("Z"):
            return clock.parse_iso(value).astimezone(clock.CHINA).strftime("%Y-%m-%d %H:%M")
        if isinstance(value, bool):
            return self.text("export.yes") if value else self.text("export.no")
        if isinstance(value, dict):
            return "，".join(f"{self.label(k)} {self.value(k, v)}" for k, v in value.items())
        return str(value)
