"""The result pages of a plain (no-JavaScript) form post, rendered by the API.

A static page cannot read its own address without JavaScript, so for a browser posting a form
the API answers with the page itself: on a mistake, the same form again with what the customer
typed and each wrong field marked (400); on a daily limit or an outage, when to try again
(429/503); on success, the thank-you page with the short reference (303 stays for every client
that does not ask for HTML, as the contract says).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from renewdesk import i18n

# Each form's fields, in the order the form shows them; "form" is the whole submission.
FORM_FIELDS: dict[str, tuple[str, ...]] = {
    "renewal": (
        "token",
        "name",
        "phone",
        "plate",
        "expiry_date",
        "contact_time",
        "note",
        "consent",
    ),
    "referral": ("code", "name", "phone", "plate", "interest", "note", "consent"),
}
WHOLE_FORM = "form"


def known_errors(language: str, form: str, codes: dict[str, str]) -> list[tuple[str, str]]:
    """(field, message) for the pairs this form can really have, in the form's order.

    Anything else (another form's field, a code without a catalog text, text someone put in a
    link) is dropped: the page never repeats what its address says.
    """
    fields = FORM_FIELDS.get(form)
    if fields is None:
        return []
    catalog = i18n.catalog(language)
    found = []
    for field in (*fields, WHOLE_FORM):
        code = codes.get(field)
        if code is None:
            continue
        if f"error.{code}.{field}" in catalog or f"error.{code}" in catalog:
            found.append(
                (
                    field,
                    i18n.field_error(language, field, code)
                    if field != WHOLE_FORM
                    else i18n.message(language, f"error.{code}"),
                )
            )
    return found


def reference(lead_id: str) -> str:
    """The short reference a customer reads out on the phone: the lead id's last 8, XXXX-XXXX."""
    tail = lead_id[-8:].upper()
    return f"{tail[:4]}-{tail[4:]}"


def wants_page() -> bool:
    """A browser posting a form (it asks for HTML): it gets the page itself, not a 303."""
    from flask import request

    return "text/html" in request.headers.get("Accept", "")


def retry_text(language: str, seconds: int, now: Any = None) -> str:
    """When to try again, said as a customer says it: in 20 minutes, after 21:00, tomorrow."""
    import datetime as dt

    from renewdesk.content.calendar import STORE_TZ

    if seconds <= 3600:
        return i18n.message(
            language, "site.form.retry_minutes", minutes=str(max(1, -(-seconds // 60)))
        )
    now = (now or dt.datetime.now(dt.timezone.utc)).astimezone(STORE_TZ)
    then = now + dt.timedelta(seconds=seconds)
    key = "site.form.retry_at" if then.date() == now.date() else "site.form.retry_tomorrow"
    return i18n.message(language, key, time=then.strftime("%H:%M"))


def error_page(form: str, codes: dict[str, str], headers: dict[str, str] | None = None):
    """The form again, with the failing fields named and marked and what was typed kept."""
    from flask import request

    language = LANGUAGE
    messages = known_errors(language, form, codes)
    whole = codes.get(WHOLE_FORM)
    status = {"rate_limited": 429, "unavailable": 503}.get(whole or "", 400)
    if codes.get("token") == "expired_token":
        status = 410
    notice = None
    if whole == "rate_limited":
        wait = int((headers or {}).get("Retry-After", "3600"))
        notice = i18n.message(language, "site.form.limit") + retry_text(language, wait)
        messages = []
    field_errors = {f: text for f, text in messages if f != WHOLE_FORM}
    values = {k: v for k, v in request.form.items() if k in FORM_FIELDS.get(form, ())}
    return _page(
        status,
        headers,
        form=form if form in FORM_FIELDS else None,
        title=i18n.message(language, "site.error.title"),
        lead=i18n.message(language, "site.error.lead_page") if field_errors else None,
        messages=[text for _, text in messages],
        notice=notice,
        values=values,
        field_errors=field_errors,
    )


def thanks_page(form: str, outcome: Any):
    """The thank-you page with the short reference (or, for someone else's car, no number)."""
    language = LANGUAGE
    other = outcome.duplicate and getattr(outcome, "same_customer", True) is False
    if other:
        notice = i18n.message(language, "site.thanks.duplicate_other")
    elif outcome.duplicate:
        notice = i18n.message(language, "site.thanks.duplicate")
    else:
        notice = None
    status = 200 if outcome.duplicate else 201
    return _page(
        status,
        None,
        form=None,
        title=i18n.message(language, "site.thanks.title"),
        lead=i18n.message(language, "site.thanks.lead"),
        messages=[],
        notice=notice,
        reference=None if other else reference(outcome.lead_id),
        values={},
        field_errors={},
    )


LANGUAGE = "zh"  # the site's language, as on its static pages


def _page(status: int, headers: dict[str, str] | None, **context: Any):
    from flask import current_app, render_template, url_for

    from renewdesk.api import web
    from renewdesk.publish import routes
    from renewdesk.publish.render import t, tel_href

    settings = current_app.config["SETTINGS"]
    site = settings.site_origin.rstrip("/")
    store = _store(settings.content_dir)
    hotline = store["hotline"]
    form = context.get("form")
    endpoint = url_for("public.submit_renewal" if form == "renewal" else "public.submit_referral")
    links = [(t("site.nav.home"), f"{site}/"), (t("site.nav.offers"), f"{site}{routes.OFFERS}")]
    html = render_template(
        "form_pages/result_page.html",
        t=t,
        routes=routes,
        api_origin="",
        site_origin=site,
        endpoint=endpoint,
        store=store,
        links=links,
        consent=web.services().public.consent,
        hotline={**hotline, "tel": tel_href(hotline["number"])},
        submit=t("site.renew.submit" if form == "renewal" else "site.join.submit"),
        reference=context.pop("reference", None),
        **context,
    )
    response = current_app.response_class(html, status=status, mimetype="text/html")
    response.headers.update(headers or {})
    # Its own policy: inline styles, posts back to this API, nothing else.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@lru_cache(maxsize=4)
def _store(content_dir: Any) -> dict[str, Any]:
    """The store's name and renewal hotline, from content/store.yml (checked at site build)."""
    import yaml

    data = yaml.safe_load((Path(content_dir) / "store.yml").read_text(encoding="utf-8"))
    line = data["hotlines"]["insurance"]
    return {
        "short_name": data["short_name"],
        "name": data["name"],
        "hotline": {"label": line["label"], "number": line["number"]},
    }
