"""Reminder SMS: templates from content/sms.yml, the rules carriers apply, the day's outbox file,
and the sender interface.

Marketing edits the templates; what carriers require is added around them, the same for every
message: the signature 【…】 first (content/store.yml ``sms_signature``, else ``short_name``),
the opt-out wording last (sms.yml ``opt_out``: 回复TD退订, 拒收请回复R, as the SMS platform
requires). Each template must carry the one-click link ``{link}`` and, rendered with the
longest values it can get (the stage's real site origin in the link), fit the number of billed
messages it declares (``max_segments``, default 1; the rule is services.sms_segments). Store
name and insurance hotline come from content/store.yml, so a changed number is changed once.
Messages go out only between 08:00 and 21:00 China time; the rest wait for the next window.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from renewdesk.services import sms_segments
from renewdesk.services.records import Policy

PLACEHOLDERS = frozenset({"date", "month", "day", "store", "hotline", "link"})
GRADE_KEYS = ("A", "B", "C", "none")  # "none": customers without a grade
MAX_TEMPLATE_LENGTH = 300
MAX_SEGMENTS = 5
# A short link's code: the longest a {link} can be is the origin, "/r/" and this many characters.
LINK_CODE_LENGTH = 12
# The longest values of the date markers (two-digit month and day).
LONGEST = {"date": "2026年12月20日", "month": "12", "day": "20"}
# Carriers' quiet hours: messages go out from 08:00 to 21:00 China time.
SENDING_HOURS = (8, 21)
# What a customer replies to opt out; sms.yml's own wording adds its keyword (回复TD退订 → TD).
OPT_OUT_REPLIES = frozenset(
    {
        "TD",
        "T",
        "R",
        "N",
        "QX",
        "TUIDING",
        "STOP",
        "UNSUBSCRIBE",
        "0000",
        "退订",
        "退",
        "拒收",
        "取消",
    }
)
OPT_OUT_KEYWORD = re.compile(r"回复\s*([A-Za-z0-9]{1,8})")


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
    template_id: str = ""

    @property
    def segments(self) -> int:
        """How many messages carriers bill it as."""
        return sms_segments.segments(self.text)


class SmsSender(Protocol):
    """Sends one text message (implemented by renewdesk.sms_sns)."""

    def send(self, phone: str, text: str) -> None: ...


@dataclass(frozen=True)
class SmsTemplate:
    """One template of sms.yml: its text and how many billed messages it may take."""

    template_id: str
    text: str
    grades: tuple[str, ...]
    max_segments: int = 1


@dataclass(frozen=True)
class TemplateSize:
    """A template's longest message with a stage's links, as carriers bill it."""

    template: SmsTemplate
    length: int
    segments: int

    @property
    def fits(self) -> bool:
        return sms_segments.fits(self.length, self.template.max_segments)


@dataclass(frozen=True)
class SmsTemplates:
    """The reminder texts by customer grade, with what every message carries around them."""

    by_grade: dict[str, SmsTemplate]
    opt_out: str
    store: str
    hotline: str
    signature: str = ""

    def template_for(self, grade: str | None) -> SmsTemplate:
        return self.by_grade[grade or "none"]

    def render(self, policy: Policy, link: str) -> str:
        """The reminder for a policy, with its one-click link."""
        expiry = dt.date.fromisoformat(policy.expiry_date)
        return self.compose(
            self.template_for(policy.grade).text,
            date=f"{expiry.year}年{expiry.month}月{expiry.day}日",
            month=str(expiry.month),
            day=str(expiry.day),
            link=link,
        )

    def compose(self, text: str, **values: str) -> str:
        """A message: the signature, the template filled in, the opt-out wording."""
        body = text.format(store=self.store, hotline=self.hotline, **values)
        if self.opt_out not in body:
            # A link or number at the end needs a space before the wording, or phones take the
            # wording for part of the link.
            body += (" " if body and body[-1].isascii() else "") + self.opt_out
        return f"【{self.signature or self.store}】{body}"

    @property
    def templates(self) -> list[SmsTemplate]:
        """Each template once, in the order of the file."""
        return list(dict.fromkeys(self.by_grade.values()))

    def sizes(self, site_origin: str) -> list[TemplateSize]:
        """Each template's longest message with links to this site, and what it is billed."""
        link = short_link(site_origin, "X" * LINK_CODE_LENGTH)
        sizes = []
        for template in self.templates:
            longest = self.compose(template.text, link=link, **LONGEST)
            sizes.append(
                TemplateSize(
                    template,
                    sms_segments.billed_length(longest),
                    sms_segments.segments(longest),
                )
            )
        return sizes

    def opt_out_replies(self) -> frozenset[str]:
        """What a customer may reply to opt out: the usual words and this wording's keyword."""
        found = OPT_OUT_KEYWORD.search(self.opt_out)
        return OPT_OUT_REPLIES | ({found.group(1).upper()} if found else set())


def short_link(site_origin: str, code: str) -> str:
    """A reminder's short personal link: <site>/r/<code>."""
    return f"{site_origin.rstrip('/')}/r/{code}"


def check_sizes(templates: SmsTemplates, site_origin: str, path: Path | str) -> list[TemplateSize]:
    """Every template's size with this site's links; ContentError naming each that does not fit
    the billed messages it declares."""
    from renewdesk import i18n

    sizes = templates.sizes(site_origin)
    too_long = [
        i18n.message(
            i18n.DEFAULT,
            "sms.template_too_long",
            template=size.template.template_id,
            length=str(size.length),
            segments=str(size.segments),
            max_segments=str(size.template.max_segments),
            origin=site_origin,
        )
        for size in sizes
        if not size.fits
    ]
    if too_long:
        raise ContentError(f"{path}: " + "；".join(too_long))
    return sizes


def load_checked(content_dir: Path, site_origin: str) -> SmsTemplates:
    """The templates, refused if any does not fit its billed messages with this site's links."""
    templates = load_templates(content_dir)
    check_sizes(templates, site_origin, Path(content_dir) / "sms.yml")
    return templates


def in_sending_window(moment: dt.datetime) -> bool:
    """Whether carriers let messages go out now (08:00 to 21:00 China time)."""
    from renewdesk.services import clock

    hour = moment.astimezone(clock.CHINA).hour
    return SENDING_HOURS[0] <= hour < SENDING_HOURS[1]


@lru_cache(maxsize=4)
def load_templates(content_dir: Path) -> SmsTemplates:
    """Read and check content/sms.yml (and the signature, name and hotline from store.yml)."""
    import yaml

    path = Path(content_dir) / "sms.yml"
    data = _mapping(yaml.safe_load(path.read_text(encoding="utf-8")), path, "(file)")
    opt_out = str(data.get("opt_out") or "").strip()
    if not opt_out:
        raise ContentError(f"{path}: field 'opt_out' is required")
    if not ("退订" in opt_out or "拒收" in opt_out) or len(opt_out) > 12:
        raise ContentError(
            f"{path}: field 'opt_out' must say how to opt out in at most 12 characters, "
            "e.g. 回复TD退订 or 拒收请回复R"
        )
    templates = data.get("templates")
    if not isinstance(templates, list) or not templates:
        raise ContentError(f"{path}: field 'templates' must be a non-empty list")
    by_grade: dict[str, SmsTemplate] = {}
    for number, entry in enumerate(templates, start=1):
        where = f"templates[{number}]"
        entry = _mapping(entry, path, where)
        text = str(entry.get("text") or "").strip()
        _check_text(text, path, where)
        grades = entry.get("grades")
        if not isinstance(grades, list) or not grades:
            raise ContentError(f"{path}: {where}.grades must list some of {', '.join(GRADE_KEYS)}")
        limit = entry.get("max_segments", 1)
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_SEGMENTS:
            raise ContentError(f"{path}: {where}.max_segments must be a whole number 1 to 5")
        template = SmsTemplate(
            str(entry.get("id") or where), text, tuple(str(g) for g in grades), limit
        )
        for key in template.grades:
            if key not in GRADE_KEYS:
                raise ContentError(f"{path}: {where}.grades: unknown grade {key!r}")
            if key in by_grade:
                raise ContentError(f"{path}: {where}.grades: grade {key} has two templates")
            by_grade[key] = template
    missing = [g for g in GRADE_KEYS if g not in by_grade]
    if missing:
        raise ContentError(f"{path}: no template for grade {', '.join(missing)}")
    store, hotline, signature = store_profile(Path(content_dir) / "store.yml")
    return SmsTemplates(by_grade, opt_out, store, hotline, signature)


def _check_text(text: str, path: Path, where: str) -> None:
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
    if text.startswith("【"):
        raise ContentError(
            f"{path}: {where}.text: the signature 【…】 is added first by itself "
            "(store.yml sms_signature): leave it out of the template"
        )
    if len(text) > MAX_TEMPLATE_LENGTH:
        raise ContentError(f"{path}: {where}.text is longer than {MAX_TEMPLATE_LENGTH} characters")


def store_profile(path: Path) -> tuple[str, str, str]:
    """The store's short name, insurance hotline and SMS signature (content/store.yml)."""
    import yaml

    data = _mapping(yaml.safe_load(path.read_text(encoding="utf-8")), path, "(file)")
    store = str(data.get("short_name") or data.get("name") or "").strip()
    hotline = ((data.get("hotlines") or {}).get("insurance") or {}).get("number")
    signature = str(data.get("sms_signature") or store).strip()
    if not store:
        raise ContentError(f"{path}: field 'short_name' is required (the SMS signature)")
    if not hotline:
        raise ContentError(f"{path}: field 'hotlines.insurance.number' is required (SMS reminders)")
    if not 2 <= len(signature) <= 12 or any(ch in signature for ch in "【】[]"):
        raise ContentError(f"{path}: field 'sms_signature' must be 2 to 12 characters, no brackets")
    return store, str(hotline).strip(), signature


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
