"""YAML as marketing writes it: parsed with the line of every field kept, mistakes explained.

Beyond YAML's own syntax errors this catches what PyYAML lets through or crashes on: an
impossible date (2027-02-30 raised a ValueError deep inside the parser) and the full-width
colon a Chinese input method types (`标题：` is no field at all).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

FIELD_PART_RE = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
# A line that looks like a field but uses a full-width colon: `title：冬季关爱` or `- label：x`.
FULL_WIDTH_COLON_RE = re.compile(r"^(\s*(?:-\s+)?)([A-Za-z_][A-Za-z0-9_]*)\s*：")


class YamlProblem(Exception):
    """Why a YAML text could not be read: a content reason code, its line and its values."""

    def __init__(self, code: str, line: int, params: dict[str, Any], field: str = ""):
        super().__init__(f"{code} at line {line}")
        self.code = code
        self.line = line
        self.params = params
        self.field = field


@dataclass(frozen=True)
class Parsed:
    """The data and its node tree (for lines)."""

    data: Any
    node: Any
    first_line: int

    def line_of(self, loc: tuple[Any, ...]) -> int | None:
        """The line (1-based, in the file) of a field path; its parent's for a missing one."""
        import yaml

        node = self.node
        if node is None:
            return None
        line, consumed = node.start_mark.line, 0
        for part in loc:
            if isinstance(node, yaml.MappingNode):
                match = next((pair for pair in node.value if pair[0].value == part), None)
                if match is None:
                    break
                line, node = match[0].start_mark.line, match[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                if part >= len(node.value):
                    break
                node = node.value[part]
                line = node.start_mark.line
            else:
                break
            consumed += 1
        if loc and not consumed:
            return None  # a missing top-level field: no line to point at
        return line + 1 + self.first_line


def _field_at(node: Any, line: int, path: tuple[Any, ...] = ()) -> str:
    """The field path of the value that starts on a (0-based) line of the text."""
    import yaml

    from renewdesk.content.problems import field_path

    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if value.start_mark.line == line and isinstance(value, yaml.ScalarNode):
                return field_path(path + (key.value,))
            if found := _field_at(value, line, path + (key.value,)):
                return found
    elif isinstance(node, yaml.SequenceNode):
        for index, value in enumerate(node.value):
            if value.start_mark.line == line and isinstance(value, yaml.ScalarNode):
                return field_path(path + (index,))
            if found := _field_at(value, line, path + (index,)):
                return found
    return ""


def field_loc(field: str) -> tuple[Any, ...]:
    """'gift_tiers[2].premium_from' → ('gift_tiers', 2, 'premium_from')."""
    return tuple(name if name else int(index) for name, index in FIELD_PART_RE.findall(field))


# PyYAML's usual complaints, by what a marketer did (the catalog explains each).
_SYNTAX_CODES = (
    ("expected <block end>", "yaml_indent"),
    ("cannot start any token", "yaml_tab"),
    ("mapping values are not allowed", "yaml_colon_in_text"),
    ("could not find expected ':'", "yaml_missing_colon"),
    ("end of stream", "yaml_unclosed_quote"),
    ("expected the node content", "yaml_indent"),
)


def _syntax_code(detail: str) -> str:
    return next((code for text, code in _SYNTAX_CODES if text in detail), "yaml_syntax")


def _loader():
    import yaml

    class Loader(yaml.SafeLoader):
        """SafeLoader whose dates fail as YAML errors with their line, not as ValueError."""

    def timestamp(loader, node):
        try:
            return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
        except ValueError:
            raise YamlProblem(
                "impossible_date", node.start_mark.line, {"value": node.value}
            ) from None

    Loader.add_constructor("tag:yaml.org,2002:timestamp", timestamp)
    return Loader


def parse(text: str, first_line: int = 0) -> Parsed:
    """Parse one YAML document; YamlProblem (with the file's line) for anything unreadable."""
    import yaml

    for number, source_line in enumerate(text.splitlines(), start=1):
        match = FULL_WIDTH_COLON_RE.match(source_line)
        if match and ":" not in source_line[: match.end()]:
            raise YamlProblem(
                "full_width_colon", number + first_line, {"name": match.group(2)}, match.group(2)
            )
    loader = _loader()(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except YamlProblem as problem:
        field = _field_at(yaml.compose(text, Loader=yaml.SafeLoader), problem.line)
        raise YamlProblem(
            problem.code, problem.line + 1 + first_line, problem.params, field
        ) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = (mark.line + 1 + first_line) if mark is not None else first_line + 1
        detail = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise YamlProblem(_syntax_code(detail), line, {"detail": detail}) from None
    finally:
        loader.dispose()
    return Parsed(data, node, first_line)
