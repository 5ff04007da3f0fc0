"""Opening days and hours as marketing writes them (周一至周五, 09:00–18:30), for schema.org."""

from __future__ import annotations

import re

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_DAY_NAMES = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
_DAY_RE = r"(?:周|星期|礼拜)([一二三四五六日天七])"
_RANGE_RE = re.compile(rf"^{_DAY_RE}\s*(?:至|到|-|–|—|~|～)\s*{_DAY_RE}$")
_ONE_RE = re.compile(rf"^{_DAY_RE}$")
_EVERY_DAY = {"每天", "每日", "全年无休", "周一至周日", "天天"}
_HOURS_RE = re.compile(r"^(\d{1,2})[:：](\d{2})\s*(?:-|–|—|~|～|至|到)\s*(\d{1,2})[:：](\d{2})$")


def parse_days(text: str) -> list[str]:
    """周一至周五 / 周六、周日 / 每天 → schema.org day names; ValueError otherwise."""
    text = text.strip()
    if text in _EVERY_DAY:
        return list(DAYS)
    found: list[int] = []
    for part in re.split(r"[、,，和及]\s*", text):
        part = part.strip()
        if match := _RANGE_RE.match(part):
            first, last = _DAY_NAMES[match.group(1)], _DAY_NAMES[match.group(2)]
            if last < first:
                raise ValueError(text)
            found += range(first, last + 1)
        elif match := _ONE_RE.match(part):
            found.append(_DAY_NAMES[match.group(1)])
        else:
            raise ValueError(text)
    return [DAYS[i] for i in sorted(set(found))]


def parse_hours(text: str) -> tuple[str, str]:
    """09:00–18:30 → ("09:00", "18:30"); ValueError for anything else."""
    match = _HOURS_RE.match(text.strip())
    if not match:
        raise ValueError(text)
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if not (0 <= h1 <= 24 and 0 <= h2 <= 24 and m1 < 60 and m2 < 60) or (h1, m1) >= (h2, m2):
        raise ValueError(text)
    return f"{h1:02d}:{m1:02d}", f"{h2:02d}:{m2:02d}"
