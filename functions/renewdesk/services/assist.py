"""What helps a specialist on the call: the script (话术) for the lead's type and step, the
objection answers for every defeat reason, and follow-up messages with the customer's data filled
in (content/scripts.yml and content/followup_messages.yml, checked by content/worktexts.py).

Sending a template is logged as a follow-up of its channel and result, the message as its note.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from renewdesk import i18n
from renewdesk.errors import NotFound
from renewdesk.services import clock, worklist
from renewdesk.services.followups import FollowUps
from renewdesk.services.records import Lead
from renewdesk.services.staff import Actor

# The plan step whose script a renewal's call uses.
STEP_SCRIPTS = {"N-30": "N-30", "N-20": "N-20", "N-15": "N-15", "N-7": "N-7"}


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "—"


@dataclass(frozen=True)
class StoreProfile:
    """What texts say about the store: its short name and insurance hotline."""

    name: str
    hotline: str


def load_profile(content_dir: Path) -> StoreProfile:
    """The store's short name and insurance hotline (content/store.yml)."""
    from renewdesk.services.sms import store_profile

    name, hotline, _signature = store_profile(Path(content_dir) / "store.yml")
    return StoreProfile(name, hotline)


@dataclass
class Assist:
    """Scripts and message templates for one lead."""

    content_dir: Path
    store: worklist.WorkStore
    followups: FollowUps
    now: Callable[[], dt.datetime] = field(default=clock.now)

    def send(self, actor: Actor, lead_id: str, template_id: str) -> tuple[Lead, str]:
        """A message from a template was sent to the customer: logged as a follow-up of the
        template's channel and result, the text as its note; (the lead, the text)."""
        from renewdesk.services.staff_inputs import FollowUp

        lead = worklist.require_lead(self.store.get_lead(lead_id), lead_id)
        template, text = self.template(actor, lead, template_id)
        note = f"{template.title}：{text}"
        follow_up = FollowUp(channel=template.channel, result=template.result, note=note)
        return self.followups.record(actor, lead_id, follow_up), text

    def _texts(self) -> Any:
        from renewdesk.content import worktexts

        return worktexts.load(Path(self.content_dir))

    def step(self, lead: dict[str, Any], plan: list[dict[str, Any]]) -> str:
        """Which script the call needs: a customer's own request before anyone has called, the
        referral's first contact, or the renewal's current plan step (the first not done), the
        lapsed one after expiry."""
        if lead.get("type") == "referral":
            return "referral"
        if lead.get("customer_requested") and not lead.get("followups"):
            return "inbound"
        days = lead.get("days_to_expiry")
        if days is not None and days < 0:
            return "lapsed"
        for step in plan:
            if step["state"] != "done":
                return STEP_SCRIPTS.get(step["step"], "N-30")
        if days is not None and days <= 7:
            return "N-7"
        return "N-30"

    def for_lead(
        self, actor: Actor, lead: dict[str, Any], plan: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """The panel: every script of the lead's type (the current one first), the objection
        answers, and the message templates, filled in with what the reader may see."""
        scripts, messages = self._texts()
        values = self._values(actor, lead)
        current = self.step(lead, plan)
        kind = lead.get("type", "renewal")
        own = [s for s in scripts.scripts if kind in s.types]
        own.sort(key=lambda s: s.when != current)
        return {
            "current": current,
            "scripts": [
                {
                    "id": s.id,
                    "title": s.title,
                    "when": s.when,
                    "current": s.when == current,
                    "lines": [line.format_map(values) for line in s.lines],
                }
                for s in own
            ],
            "objections": [
                {
                    "reason": reason,
                    "title": answer.title,
                    "lines": [line.format_map(values) for line in answer.lines],
                }
                for reason, answer in scripts.objections.items()
            ],
            "templates": [
                {
                    "id": m.id,
                    "title": m.title,
                    "channel": m.channel,
                    "result": m.result,
                    "text": m.text.format_map(values),
                }
                for m in messages.templates
                if kind in m.types
            ],
        }

    def template(self, actor: Actor, lead: Lead, template_id: str) -> tuple[Any, str]:
        """A template (NotFound if there is none of that id for the lead's type) and its text
        for this lead."""
        _, messages = self._texts()
        now_iso = clock.iso(self.now())
        for template in messages.templates:
            if template.id == template_id and lead.type in template.types:
                shown = worklist.view(lead, now_iso)
                return template, template.text.format_map(self._values(actor, shown))
        raise NotFound(template_id)

    def _values(self, actor: Actor, lead: dict[str, Any]) -> _Blank:
        profile = load_profile(Path(self.content_dir))
        expiry = lead.get("expiry_date")
        values = {
            "name": lead.get("name") or "",
            "plate": lead.get("plate") or "",
            "store": profile.name,
            "hotline": profile.hotline,
            "specialist": actor.username,
        }
        if expiry:
            day = dt.date.fromisoformat(expiry)
            # Templates are customer texts in content/'s language: the date as the site writes it.
            values["expiry_date"] = i18n.message(
                i18n.DEFAULT,
                "site.date",
                year=str(day.year),
                month=str(day.month),
                day=str(day.day),
            )
        if lead.get("days_to_expiry") is not None:
            values["days_left"] = str(max(0, lead["days_to_expiry"]))
        return _Blank({k: v for k, v in values.items() if v})
