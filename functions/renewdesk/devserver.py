"""`make run`: DynamoDB Local, the table, and site + API on one port, stopped cleanly on signals."""

from __future__ import annotations

import logging
import os
import signal
import threading
from pathlib import Path

from flask import Flask

from renewdesk import localdb
from renewdesk.app import create_app
from renewdesk.config import PROJECT_ROOT, Settings

log = logging.getLogger(__name__)
# Where `make run` says which address it serves on, for commands run beside it (reminders).
ORIGIN_FILE = PROJECT_ROOT / ".local" / "site-origin"


def record_origin(origin: str) -> None:
    """Tell commands run beside this server where the site is."""
    ORIGIN_FILE.parent.mkdir(parents=True, exist_ok=True)
    ORIGIN_FILE.write_text(origin, encoding="utf-8")


def forget_origin() -> None:
    ORIGIN_FILE.unlink(missing_ok=True)


def running_origin() -> str | None:
    """The address a running `make run` serves the site on, if one is running."""
    try:
        return ORIGIN_FILE.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def make_server(
    settings: Settings, host: str, port: int, app: Flask | None = None, connection_limit: int = 100
):
    """A waitress server for the app, made from the settings unless given (no access log: URLs
    can carry link tokens). Connections beyond the limit wait unserved (waitress's default)."""
    from waitress.server import create_server

    app = app or create_app(settings)
    app.extensions["renewdesk"].ensure_table()  # the app's Services (renewdesk.wiring)
    return create_server(
        app, host=host, port=port, threads=8, ident="renewdesk", connection_limit=connection_limit
    )


def serve_in_thread(
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 0,
    app: Flask | None = None,
    connection_limit: int = 100,
    worker: bool = False,
):
    """Start the app in a background thread (tests, benchmarks; ``app`` when the caller wants to
    watch it), with the notification worker if asked; returns the base URL and a stop
    function."""
    app = app or create_app(settings)
    server = make_server(settings, host, port, app, connection_limit)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    notifier = start_worker(app) if worker else None
    url = f"http://{host}:{server.effective_port}"

    def stop():
        if notifier is not None:
            notifier.stop()
        server.close()
        thread.join(5)

    return url, stop


def start_worker(app: Flask, interval: float = 2.0):
    """The notification worker of the app's services, running (renewdesk.worker)."""
    from renewdesk.worker import Worker

    return Worker(app.extensions["renewdesk"], interval=interval).start()


def run(port: int, site_dir: Path) -> None:
    """Serve in the foreground until Ctrl-C or SIGTERM, then stop what was started."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env(
        site_dir=site_dir,
        local=True,
        site_origin=os.environ.get("SITE_ORIGIN", f"http://127.0.0.1:{port}"),
    )
    db = None
    if not settings.dynamodb_endpoint:
        db = localdb.start(
            port=int(os.environ.get("DYNAMODB_LOCAL_PORT", "8001")),
            db_path=localdb.LOCAL_DIR / "dynamodb",
        )
        localdb.record_running(db)
        settings = settings.with_(dynamodb_endpoint=db.endpoint)
        log.info("DynamoDB Local on %s, data in %s", db.endpoint, localdb.LOCAL_DIR / "dynamodb")
    try:
        app = create_app(settings)
        server = make_server(settings, "127.0.0.1", port, app)
        record_origin(settings.site_origin)
        signal.signal(signal.SIGTERM, _interrupt)
        # Notifications to the store's group robots, the speed-to-lead checks, the hourly sweep.
        notifier = start_worker(app)
        print(f"RenewDesk on http://127.0.0.1:{port}  (site /, API /api, staff /staff)", flush=True)
        try:
            server.run()
        except KeyboardInterrupt:
            pass
        finally:
            notifier.stop()
            server.close()
            forget_origin()
    finally:
        if db is not None:
            db.stop()
            (localdb.LOCAL_DIR / localdb.RUN_FILE).unlink(missing_ok=True)
        print("RenewDesk stopped.", flush=True)


def _interrupt(signum, frame):
    # SIGTERM ends the server the same way Ctrl-C does, so the finally blocks stop DynamoDB Local.
    raise KeyboardInterrupt


def default_site_dir() -> Path:
    """Where `mkdocs build` writes the site."""
    return PROJECT_ROOT / "build" / "site"
