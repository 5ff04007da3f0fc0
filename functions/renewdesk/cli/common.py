"""What every `renewdesk` command shares: the language, catalog texts, the services on the
database `make run` uses, and input checked by the product's own rules."""

from __future__ import annotations

import atexit
import os
from typing import Any, Callable

import click

from renewdesk import i18n
from renewdesk.config import Settings
from renewdesk.wiring import Services


def lang() -> str:
    """The language of the command's output: RENEWDESK_LANG, Chinese by default."""
    return i18n.negotiate(os.environ.get("RENEWDESK_LANG") or "zh")


def text(key: str, **values: Any) -> str:
    """A catalog text in the command's language."""
    return i18n.message(lang(), key, **{k: str(v) for k, v in values.items()})


def services(create_table: bool = True) -> Services:
    """The services on the same database `make run` uses: DYNAMODB_ENDPOINT, the running one,
    or a DynamoDB Local started for this command; the table created if it is missing, unless
    the caller does that itself."""
    from renewdesk import localdb

    settings = Settings.from_env().with_(site_origin=site_origin_of_env())
    if not settings.dynamodb_endpoint:
        endpoint = localdb.running_endpoint()
        if endpoint is None:
            db = localdb.start(db_path=localdb.LOCAL_DIR / "dynamodb")
            atexit.register(db.stop)
            endpoint = db.endpoint
        settings = settings.with_(dynamodb_endpoint=endpoint)
    wired = Services(settings)
    if create_table:
        wired.ensure_table()
    return wired


def site_origin_of_env() -> str:
    """Where links point: SITE_ORIGIN, else the local server on PORT, else the `make run`
    running beside this command, else port 8000."""
    from renewdesk import devserver
    from renewdesk.config import local_site_origin

    if not os.environ.get("SITE_ORIGIN") and not os.environ.get("PORT"):
        running = devserver.running_origin()
        if running:
            return running
    return local_site_origin()


def checked(normalize: Callable[[Any], str], field: str, value: str) -> str:
    """A value through one of services.fields' rules; click.BadParameter naming why."""
    from pydantic_core import PydanticCustomError

    try:
        return normalize(value)
    except PydanticCustomError as error:
        raise click.BadParameter(i18n.field_error(lang(), field, error.type)) from None


def phone(value: str) -> str:
    """A mobile number as intake stores it (+86...)."""
    from renewdesk.services.fields import normalize_phone

    return checked(normalize_phone, "phone", value)


def masked(phone_number: str) -> str:
    """+86139****9000: a phone as command output may show it."""
    return phone_number[:6] + "****" + phone_number[-4:]
