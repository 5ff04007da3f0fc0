"""The site's own CSS, JS and images, published under names carrying a hash of their content.

Fingerprinted names can be cached for a year (see `renewdesk site publish`); a changed file gets
a new name, so no phone keeps a stale script.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from renewdesk.config import PROJECT_ROOT

ASSETS_DIR = PROJECT_ROOT / "site" / "assets"
PREFIX = "assets/rd"


class Assets:
    """Maps an asset's name (css/site.css) to its fingerprinted URL."""

    def __init__(self, root: Path = ASSETS_DIR):
        self.root = root
        self.targets: dict[str, str] = {}
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            name = path.relative_to(root).as_posix()
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
            stem, dot, ext = name.rpartition(".")
            self.targets[name] = f"{PREFIX}/{stem}.{digest}{dot}{ext}"

    def url(self, name: str) -> str:
        """Site-absolute URL of an asset; a KeyError for a missing one fails the build."""
        return "/" + self.targets[name]

    def files(self) -> list[tuple[str, Path]]:
        """(destination, source) of every asset."""
        return [(target, self.root / name) for name, target in self.targets.items()]
