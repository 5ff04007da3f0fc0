"""The Flask application factory: public API, (locally) the built site, and the staff console."""

from __future__ import annotations

from typing import Any, Mapping

from flask import Flask

from renewdesk.config import Settings
from renewdesk.services import clock
from renewdesk.wiring import NewId, Now, Services


def create_app(
    test_config: Settings | Mapping[str, Any] | None = None,
    *,
    now: Now = clock.now,
    new_id: NewId = clock.new_id,
) -> Flask:
    """Build the app from settings (from the environment unless tests pass their own); ``now``
    and ``new_id`` are the one clock and id generator every service uses."""
    if isinstance(test_config, Settings):
        settings = test_config
    else:
        settings = Settings.from_env(**dict(test_config or {}))
    # No app-wide /static: the console serves its assets under /staff/static, the site its own.
    app = Flask(__name__, static_folder=None)
    app.config["SETTINGS"] = settings
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Chinese stays readable in JSON
    app.extensions["renewdesk"] = Services(settings, now=now, new_id=new_id)

    from renewdesk.api import public, web

    web.init_app(app)
    app.register_blueprint(public.bp)

    from renewdesk.api import (
        console,
        console_inbound,  # noqa: F401  (its views join console.bp first)
        console_renewals,
        staff,
        staff_inbound,
        staff_renewals,
    )

    app.register_blueprint(staff.bp)
    app.register_blueprint(staff_inbound.bp)
    app.register_blueprint(console.bp)

    from renewdesk.api import console_roster, staff_roster

    app.register_blueprint(staff_roster.bp)
    app.register_blueprint(console_roster.bp)
    app.register_blueprint(staff_renewals.bp)
    app.register_blueprint(console_renewals.bp)
    if settings.site_dir is not None:
        from renewdesk import localsite

        app.register_blueprint(localsite.make_blueprint(settings.site_dir))
    return app
