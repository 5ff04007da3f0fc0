"""The insurers the store knows (content/insurers.yml): one name each, however a DMS export or a
colleague spells it, and whether the store works with it (a partner).

Spellings match without case, spaces, full-width forms or a company suffix: 人保, 中国人保财险,
"中国人民财产保险股份有限公司深圳市分公司" and PICC all name 人保. A roster's last insurer that is
on no list keeps its own (cleaned) spelling, so the by-insurer split still shows it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

# A branch and company suffix after the insurer's own name: 深圳市分公司, 股份有限公司, 公司.
SUFFIXES = (
    re.compile(r"[^公司]{0,8}[分支]公司$"),
    re.compile(r"(?:股份)?有限(?:责任)?公司$"),
    re.compile(r"公司$"),
)
MIN_PREFIX = 2
MAX_NAME = 40


def name_key(text: str) -> str:
    """A spelling reduced to what tells insurers apart."""
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    return re.sub(r"[\s·.,，。()（）\-_]+", "", folded)


@dataclass(frozen=True)
class Insurer:
    """One insurer: the name reports and quotes use, and whether the store works with it."""

    name: str
    partner: bool


@dataclass(frozen=True)
class InsurerList:
    """The insurers of content/insurers.yml, by every spelling."""

    insurers: tuple[Insurer, ...]
    spellings: dict[str, Insurer]

    @classmethod
    def of(cls, entries: list[tuple[str, list[str], bool]]) -> InsurerList:
        """From (name, aliases, partner) entries; the first owner of a spelling keeps it."""
        insurers: list[Insurer] = []
        spellings: dict[str, Insurer] = {}
        for name, aliases, partner in entries:
            insurer = Insurer(name, partner)
            insurers.append(insurer)
            for spelling in (name, *aliases):
                spellings.setdefault(name_key(spelling), insurer)
        return cls(tuple(insurers), spellings)

    def resolve(self, text: str | None) -> Insurer | None:
        """The insurer a spelling names, or None: exact, then without a company or branch
        suffix, then the longest known spelling it starts with."""
        key = name_key(text or "")
        if not key:
            return None
        candidate = key
        for suffix in (None, *SUFFIXES):
            candidate = suffix.sub("", candidate) if suffix else candidate
            if candidate in self.spellings:
                return self.spellings[candidate]
        prefixes = [s for s in self.spellings if len(s) >= MIN_PREFIX and key.startswith(s)]
        return self.spellings[max(prefixes, key=len)] if prefixes else None

    def canonical(self, text: str | None) -> str | None:
        """The name a roster's insurer goes by in reports: the list's, else its own spelling
        (cleaned), None when blank."""
        found = self.resolve(text)
        if found is not None:
            return found.name
        cleaned = unicodedata.normalize("NFKC", text or "").strip()
        return cleaned[:MAX_NAME].replace("|", "/") or None

    def is_partner(self, name: str | None) -> bool:
        """Whether a name (as canonical gives it) is one of the store's partners."""
        found = self.resolve(name)
        return bool(found and found.partner)

    @property
    def partners(self) -> list[str]:
        """The partners' names, in the file's order."""
        return [i.name for i in self.insurers if i.partner]


NO_LIST = InsurerList((), {})


@lru_cache(maxsize=4)
def load_insurers(content_dir: Path) -> InsurerList:
    """content/insurers.yml (checked at site build; here only read)."""
    import yaml

    from renewdesk.content.schema import Insurers

    path = Path(content_dir) / "insurers.yml"
    data = Insurers.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    return InsurerList.of([(i.name, list(i.aliases), i.partner) for i in data.insurers])
