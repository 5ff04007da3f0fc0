"""Content problems: which file, which field, why — in the reader's language, never a traceback."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Iterable

from renewdesk import i18n

# pydantic's error types, in the content catalog's reason codes.
_PYDANTIC_CODES = {
    "missing": "required",
    "extra_forbidden": "unknown_field",
    "string_type": "not_text",
    "int_parsing": "not_number",
    "int_type": "not_number",
    "int_from_float": "not_number",
    "bool_parsing": "not_yes_no",
    "bool_type": "not_yes_no",
    "date_parsing": "not_date",
    "date_type": "not_date",
    "date_from_datetime_parsing": "not_date",
    "date_from_datetime_inexact": "not_date",
    "list_type": "not_list",
    "dict_type": "not_mapping",
    "model_type": "not_mapping",
    "model_attributes_type": "not_mapping",
    "literal_error": "not_choice",
    "greater_than_equal": "too_small",
    "greater_than": "too_small",
    "less_than_equal": "too_big",
    "less_than": "too_big",
    "string_too_short": "empty",
    "too_short": "too_few",
    "string_too_long": "too_long",
    "too_long": "too_many",
    "string_pattern_mismatch": "bad_format",
}
# Which pydantic context value each reason shows as {limit} / {expected}.
_LIMIT_KEYS = ("ge", "gt", "le", "lt", "min_length", "max_length")


@dataclass(frozen=True)
class Problem:
    """One thing wrong in one content file."""

    file: str
    field: str
    code: str
    params: dict[str, Any] = dataclasses.field(default_factory=dict)
    line: int | None = None  # in the file, 1-based

    def message(self, language: str = i18n.DEFAULT) -> str:
        """The problem as one line: file, line → field: reason."""
        reason = i18n.message(
            language, f"content.{self.code}", **{k: str(v) for k, v in self.params.items()}
        )
        where = self.file
        if self.line:
            where = i18n.message(language, "content.at_line", file=self.file, line=str(self.line))
        if self.field:
            where = f"{where} → {self.field}"
        return i18n.message(language, "content.line", where=where, reason=reason)

    def at(self, line: int | None) -> "Problem":
        """The same problem, located."""
        return Problem(self.file, self.field, self.code, self.params, line)


class ContentInvalid(Exception):
    """content/ has problems; the site must not be built from it."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__(self.report(i18n.DEFAULT))

    def report(self, language: str = i18n.DEFAULT) -> str:
        """A heading and one line per problem."""
        lines = [i18n.message(language, "content.header", count=str(len(self.problems)))]
        lines += [f"  - {p.message(language)}" for p in self.problems]
        return "\n".join(lines)


def field_path(loc: Iterable[Any]) -> str:
    """('gift_tiers', 2, 'premium_from') → 'gift_tiers[2].premium_from'."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def from_validation_error(file: str, error: Any, prefix: tuple[Any, ...] = ()) -> list[Problem]:
    """Every problem in a pydantic ValidationError, in content reason codes."""
    problems = []
    for item in error.errors(include_url=False):
        kind = item["type"]
        ctx = item.get("ctx") or {}
        code = _PYDANTIC_CODES.get(kind)
        params: dict[str, Any] = {}
        if code is None:
            # Our own validators raise PydanticCustomError with a content reason code as type.
            if f"content.{kind}" in i18n.catalog(i18n.DEFAULT):
                code, params = kind, dict(ctx)
            else:
                code, params = "other", {"detail": item["msg"]}
        elif code == "not_choice":
            params = {"expected": ctx.get("expected", "")}
        else:
            for key in _LIMIT_KEYS:
                if key in ctx:
                    params = {"limit": ctx[key]}
        loc = tuple(prefix) + tuple(item["loc"])
        problems.append(Problem(file, field_path(loc), code, params))
    return problems
