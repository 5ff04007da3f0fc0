"""Starting a roster import's runner in the background: a thread locally, an asynchronous
invocation of the function itself on AWS Lambda (zappa runs the event's ``command``)."""

from __future__ import annotations

import json
import logging
import threading
from typing import Any, Callable

log = logging.getLogger(__name__)
COMMAND = "renewdesk.scheduled.roster_import"


def thread_launcher(run: Callable[[str], object]) -> Callable[[str], None]:
    """Run each job in a daemon thread of this process (`make run`, tests)."""

    def launch(import_id: str) -> None:
        threading.Thread(
            target=run, args=(import_id,), name=f"roster-import-{import_id}", daemon=True
        ).start()

    return launch


class LambdaLauncher:
    """Invokes the function asynchronously (InvocationType Event): the request answers at once
    and Lambda runs the import with its own time limit (and retries it if it crashes)."""

    def __init__(self, function_name: str, region: str, store_id: str, client: Any = None):
        import boto3

        self.function_name = function_name
        self.store_id = store_id
        self.client = client or boto3.session.Session().client("lambda", region_name=region)

    def __call__(self, import_id: str) -> None:
        payload = {"command": COMMAND, "import_id": import_id, "store_id": self.store_id}
        self.client.invoke(
            FunctionName=self.function_name,
            InvocationType="Event",
            Payload=json.dumps(payload).encode(),
        )
        log.info("roster import runner invoked: import_id=%s", import_id)
