"""The consent notice customers agree to: text and version come from content/consent.yml."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


@dataclass(frozen=True)
class ConsentNotice:
    """The versioned notice shown next to every form's consent box."""

    version: str
    summary: str
    text: str


@lru_cache(maxsize=4)
def load_notice(content_dir: Path) -> ConsentNotice:
    """Read and check the notice; a missing version is a configuration error, not a default."""
    import yaml

    path = Path(content_dir) / "consent.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for key in ("version", "summary", "text"):
        if not str(data.get(key) or "").strip():
            raise ValueError(f"{path}: field '{key}' is required")
    return ConsentNotice(
        str(data["version"]).strip(), data["summary"].strip(), data["text"].strip()
    )
