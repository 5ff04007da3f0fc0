"""Deployment stages of the customer site, from site/stages.yml."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from renewdesk.config import PROJECT_ROOT

STAGES_FILE = PROJECT_ROOT / "site" / "stages.yml"
LOCAL = "local"


class UnknownStage(ValueError):
    """No stage of that name in site/stages.yml."""

    def __init__(self, name: str, known: list[str]):
        super().__init__(name)
        self.name = name
        self.known = known


@dataclass(frozen=True)
class Stage:
    """Where one stage's site lives and where its forms post."""

    name: str
    bucket: str | None = None
    region: str | None = None
    site_origin: str | None = None
    # None: content/store.yml's api_origin; "" (local): the page's own origin.
    api_origin: str | None = None


def load(name: str, path: Path = STAGES_FILE) -> Stage:
    """The named stage; "local" is built in and needs no entry."""
    if name == LOCAL:
        return Stage(LOCAL, api_origin="")
    import yaml

    stages = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if name not in stages:
        raise UnknownStage(name, [LOCAL, *stages])
    entry = stages[name] or {}
    return Stage(
        name=name,
        bucket=entry.get("bucket"),
        region=entry.get("region"),
        site_origin=(entry.get("site_origin") or "").rstrip("/") or None,
        api_origin=(entry.get("api_origin") or "").rstrip("/") or None,
    )
