"""The texts specialists work with, from content/: call scripts (scripts.yml, the 话术 panel)
and follow-up message templates (followup_messages.yml).

They are checked with the rest of content/ (a mistake fails the site build, one line per
problem) and read by the console (services/assist.py). Each text may use the placeholders in
``PLACEHOLDERS``; the scripts must give renewals a first call (N-30) and a last call (N-7),
referrals their first contact, and an answer for every defeat reason.
"""

from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, StringConstraints

from renewdesk.content.problems import ContentInvalid, Problem
from renewdesk.content.schema import Items, Key, Model, Short

if TYPE_CHECKING:
    from renewdesk.content.loader import _Reader

SCRIPTS_FILE = "scripts.yml"
MESSAGES_FILE = "followup_messages.yml"
PLACEHOLDERS = frozenset(
    {"name", "plate", "expiry_date", "days_left", "store", "hotline", "specialist"}
)
LEAD_TYPES = ("renewal", "referral")
STEPS = ("inbound", "N-30", "N-20", "N-15", "N-7", "lapsed", "referral")
# What every store's scripts must cover: (lead type, step).
REQUIRED_STEPS = (("renewal", "N-30"), ("renewal", "N-7"), ("referral", "referral"))
DEFEAT_REASONS = ("friend", "price", "claims_experience", "corporate", "telesales", "other")
CHANNELS = ("sms", "wechat")
RESULTS = ("reached", "no_answer", "call_back", "quoted", "refused")
MAX_MESSAGE = 300

Types = Annotated[list[Literal[LEAD_TYPES]], Field(min_length=1)]  # type: ignore[valid-type]
MessageText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_MESSAGE)
]


class Script(Model):
    id: Key
    title: Short
    types: Types
    when: Literal[STEPS]  # type: ignore[valid-type]
    lines: Items


class Objection(Model):
    title: Short
    lines: Items


class Scripts(Model):
    scripts: Annotated[list[Script], Field(min_length=1)]
    objections: dict[Literal[DEFEAT_REASONS], Objection]  # type: ignore[valid-type]


class FollowUpMessage(Model):
    id: Key
    title: Short
    channel: Literal[CHANNELS]  # type: ignore[valid-type]
    result: Literal[RESULTS]  # type: ignore[valid-type]
    types: Types
    text: MessageText


class FollowUpMessages(Model):
    templates: Annotated[list[FollowUpMessage], Field(min_length=1)]


def check(reader: _Reader) -> list[Problem]:
    """Both files, by their models and the rules across their items; the problems of the rules
    (the models' go to the reader's list, as for every content file)."""
    return _parse(reader)[2]


def _parse(reader: _Reader) -> tuple[Scripts | None, FollowUpMessages | None, list[Problem]]:
    problems: list[Problem] = []
    scripts = _read(reader, SCRIPTS_FILE, Scripts, problems)
    if scripts is not None:
        problems += _script_rules(reader.name(reader.root / SCRIPTS_FILE), scripts)
    messages = _read(reader, MESSAGES_FILE, FollowUpMessages, problems)
    if messages is not None:
        problems += _message_rules(reader.name(reader.root / MESSAGES_FILE), messages)
    return scripts, messages, problems


def _read(reader: _Reader, filename: str, model: type[Model], problems: list[Problem]) -> Any:
    path = reader.root / filename
    if not path.is_file():
        problems.append(Problem(reader.name(path), "", "file_missing"))
        return None
    data = reader.yaml(path, path.read_text(encoding="utf-8"))
    if data is None:
        if not reader.problems_for(path):
            problems.append(Problem(reader.name(path), "", "not_mapping"))
        return None
    return reader.validate(path, model, data)


def _script_rules(file: str, scripts: Scripts) -> list[Problem]:
    problems = _duplicate_ids(file, "scripts", [s.id for s in scripts.scripts])
    for index, script in enumerate(scripts.scripts):
        for number, line in enumerate(script.lines):
            problems += _placeholders(file, f"scripts[{index}].lines[{number}]", line)
    covered = {(kind, s.when) for s in scripts.scripts for kind in s.types}
    for kind, step in REQUIRED_STEPS:
        if (kind, step) not in covered:
            problems.append(
                Problem(file, "scripts", "inbound_script_missing", {"type": kind, "step": step})
            )
    for reason in DEFEAT_REASONS:
        if reason not in scripts.objections:
            problems.append(
                Problem(file, "objections", "inbound_objection_missing", {"reason": reason})
            )
        else:
            for number, line in enumerate(scripts.objections[reason].lines):
                problems += _placeholders(file, f"objections.{reason}.lines[{number}]", line)
    return problems


def _message_rules(file: str, messages: FollowUpMessages) -> list[Problem]:
    problems = _duplicate_ids(file, "templates", [t.id for t in messages.templates])
    for index, template in enumerate(messages.templates):
        problems += _placeholders(file, f"templates[{index}].text", template.text)
    return problems


def _duplicate_ids(file: str, where: str, ids: list[str]) -> list[Problem]:
    seen: set[str] = set()
    problems = []
    for index, key in enumerate(ids):
        if key in seen:
            problems.append(Problem(file, f"{where}[{index}].id", "duplicate_key", {"key": key}))
        seen.add(key)
    return problems


def _placeholders(file: str, field: str, text: str) -> list[Problem]:
    """A text's {placeholders} must be known ones (and its braces well formed)."""
    try:
        used = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return [Problem(file, field, "inbound_bad_braces")]
    unknown = sorted(used - PLACEHOLDERS)
    if unknown:
        allowed = "、".join("{" + p + "}" for p in sorted(PLACEHOLDERS))
        return [
            Problem(
                file,
                field,
                "inbound_unknown_placeholder",
                {"placeholder": "{" + unknown[0] + "}", "allowed": allowed},
            )
        ]
    return []


@lru_cache(maxsize=4)
def load(content_dir: Path) -> tuple[Scripts, FollowUpMessages]:
    """Both files, checked (ContentInvalid naming every problem)."""
    from renewdesk.content.loader import _Reader

    reader = _Reader(Path(content_dir))
    scripts, messages, problems = _parse(reader)
    if problems or reader.problems or scripts is None or messages is None:
        raise ContentInvalid(reader.locate(reader.problems + problems))
    return scripts, messages
