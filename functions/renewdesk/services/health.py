"""Whether the table answers: the API's health check."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class Pingable(Protocol):
    """A store that can prove the table answers (store.leads)."""

    def ping(self) -> None: ...


@dataclass
class Health:
    """StorageUnavailable when the table does not answer."""

    store: Pingable

    def check(self) -> None:
        """One cheap read."""
        self.store.ping()
