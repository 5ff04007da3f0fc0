"""The notification worker as a thread of `make run` (on AWS: the scheduled functions in
renewdesk.scheduled): a pass over the outbox every couple of seconds, the attention sweep every
hour. It stops cleanly with the server; a storage failure is logged and the next pass retries.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from renewdesk.wiring import Services

log = logging.getLogger(__name__)

PASS_SECONDS = 2.0
SWEEP_SECONDS = 3600.0


class Worker:
    """Runs the outbox dispatcher and the hourly attention sweep until stopped."""

    def __init__(
        self,
        services: Services,
        interval: float = PASS_SECONDS,
        sweep_every: float = SWEEP_SECONDS,
    ):
        self.services = services
        self.interval = interval
        self.sweep_every = sweep_every
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="renewdesk-notify", daemon=True)

    def start(self) -> Worker:
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the pass under way, then stop."""
        self._stopping.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        inbound = self.services.inbound
        next_sweep = time.monotonic()
        while not self._stopping.is_set():
            busy = False
            try:
                busy = inbound.dispatcher.run_once().taken > 0
                if time.monotonic() >= next_sweep:
                    inbound.attention.sweep()
                    next_sweep = time.monotonic() + self.sweep_every
            except Exception as error:  # the worker outlives a failed pass
                log.warning("notification pass failed: %s", type(error).__name__)
            self._stopping.wait(0 if busy else self.interval)
