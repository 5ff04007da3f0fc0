"""Reminder SMS: templates from content/sms.yml, the day's outbox file, and the sender interface.

Marketing edits the templates. Each must carry the one-click link ``{link}`` and the opt-out text
(Chinese SMS rules: a marketing message says how to unsubscribe, here "回复TD退订"). Store name
and insurance hotline come from content/store.yml, so a changed number is changed once.
"""

from __future__ import annotations

import datetime as dt
import os
import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from renewdesk.services.records import Policy

PLACEHOLDERS = frozenset({"date", "month", "day", "store", "hotline", "link"})
GRADE_KEYS = ("A", "B", "C", "none")  # "none": customers without a grade
MAX_TEMPLATE_LENGTH = 300


class ContentError(ValueError):
    """A content file is wrong: the message names the file, the field and the reason."""


@dataclass(frozen=True)
class SmsMessage:
    """One reminder for one policy."""

    plate: str
    expiry_date: str
    phone: str  # +86XXXXXXXXXXX
    text: str
    sent: bool = False


class SmsSender(Protocol):
    """Sends one text message (implemented by renewdesk.sms_sns)."""

    def send(self, phone: str, text: str) -> None: ...


@dataclass(frozen=True)
class SmsTemplates:
    """The reminder texts by customer grade, with the store's name and hotline."""

    by_grade: dict[str, str]
    opt_out: str
    store: str
    hotline: str

    def render(self, policy: Policy, link: str) -> str:
        """The reminder for a policy, with its one-click link."""
        expiry = dt.date.fromisoformat(policy.expiry_date)
        text = self.by_grade[policy.grade or "none"]
        return text.format(
            date=f"{expiry.year}年{expiry.month}月{expiry.day}日",
            month=expiry.month,
            day=expiry.day,
            store=self.store,
            hotline=self.hotline,
            link=link,
        )


@lru_cache(maxsize=4)
def load_templates(content_dir: Path) -> SmsTemplates:
    """Read and check content/sms.yml (and the store's name and hotline from store.yml)."""
    import yaml

    path = Path(content_dir) / "sms.yml"
    data = _mapping(yaml.safe_load(path.read_text(encoding="utf-8")), path, "(file)")
    opt_out = str(data.get("opt_out") or "").strip()
    if not opt_out:
        raise ContentError(f"{path}: field 'opt_out' is required")
    templates = data.get("templates")
    if not isinstance(templates, list) or not templates:
        raise ContentError(f"{path}: field 'templates' must be a non-empty list")
    by_grade: dict[str, str] = {}
    for number, entry in enumerate(templates, start=1):
        where = f"templates[{number}]"
        entry = _mapping(entry, path, where)
        text = str(entry.get("text") or "").strip()
        _check_text(text, opt_out, path, where)
        grades = entry.get("grades")
        if not isinstance(grades, list) or not grades:
            raise ContentError(f"{path}: {where}.grades must list some of {', '.join(GRADE_KEYS)}")
        for grade in grades:
            key = str(grade)
            if key not in GRADE_KEYS:
                raise ContentError(f"{path}: {where}.grades: unknown grade {key!r}")
            if key in by_grade:
                raise ContentError(f"{path}: {where}.grades: grade {key} has two templates")
            by_grade[key] = text
    missing = [g for g in GRADE_KEYS if g not in by_grade]
    if missing:
        raise ContentError(f"{path}: no template for grade {', '.join(missing)}")
    store, hotline = _store_profile(Path(content_dir) / "store.yml")
    return SmsTemplates(by_grade, opt_out, store, hotline)


def _check_text(text: str, opt_out: str, path: Path, where: str) -> None:
    if not text:
        raise ContentError(f"{path}: {where}.text is required")
    try:
        used = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as error:
        raise ContentError(f"{path}: {where}.text: {error}") from None
    unknown = used - PLACEHOLDERS
    if unknown:
        raise ContentError(
            f"{path}: {where}.text: unknown placeholder "
            f"{', '.join('{' + u + '}' for u in sorted(unknown))}; "
            f"allowed: {', '.join('{' + p + '}' for p in sorted(PLACEHOLDERS))}"
        )
    if "link" not in used:
        raise ContentError(f"{path}: {where}.text must contain {{link}}")
    if opt_out not in text:
        raise ContentError(f"{path}: {where}.text must contain the opt-out text {opt_out!r}")
    if len(text) > MAX_TEMPLATE_LENGTH:
        raise ContentError(f"{path}: {where}.text is longer than {MAX_TEMPLATE_LENGTH} characters")


def _store_profile(path: Path) -> tuple[str, str]:
    import yaml

    data = _mapping(yaml.safe_load(path.read_text(encoding="utf-8")), path, "(file)")
    store = str(data.get("short_name") or data.get("name") or "").strip()
    hotline = ((data.get("hotlines") or {}).get("insurance") or {}).get("number")
    if not store:
        raise ContentError(f"{path}: field 'short_name' is required (the SMS signature)")
    if not hotline:
        raise ContentError(f"{path}: field 'hotlines.insurance.number' is required (SMS reminders)")
    return store, str(hotline).strip()


def _mapping(value: Any, path: Path, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ContentError(f"{path}: {where} must be a mapping")
    return value


def local_mobile(phone: str) -> str:
    """+8613800138000 → 13800138000, as SMS platforms in China take it."""
    return phone[3:] if phone.startswith("+86") else phone


def write_outbox(directory: Path, day: dt.date, messages: list[SmsMessage]) -> Path:
    """The day's messages as ``<directory>/<YYYY-MM-DD>.csv`` (mobile, message), replaced whole.

    UTF-8 with a byte-order mark, so Excel shows the Chinese text. Mobile numbers and personal
    links: readable by the file's owner only.
    """
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{day.isoformat()}.csv"
    draft = path.with_suffix(f".csv.{os.getpid()}.part")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    from renewdesk.services.exports import write_csv

    with open(descriptor, "w", encoding="utf-8-sig", newline="") as out:
        write_csv(
            out, [["mobile", "message"], *([local_mobile(m.phone), m.text] for m in messages)]
        )
    os.replace(draft, path)
    return path
