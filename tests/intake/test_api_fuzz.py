"""Schemathesis against the app's own /api/openapi.json, in-process: every check, 0 failures.

The generated requests are what the document promises: positive cases must be accepted, negative
ones refused with a 4xx, every answer must be documented and match its schema. Two things a
schema cannot express are stated here instead of hidden:

- a link token, a short link code or a referral code is only valid if the store issued it, so
  positive cases get a real one (negative cases keep whatever was generated); a renewal link's
  preview needs its token or its short code, and one without either gets the token;
- the honeypot: a filled ``website`` field is answered like a success whatever else was sent
  (design.md), so such a case is checked for exactly that instead of for rejection;
- form posts are answered 303 to the site's result pages (design.md), success or not, so they
  are checked for the right page instead of for a 4xx.
"""

from __future__ import annotations

import io
import json
from types import SimpleNamespace
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from renewdesk.api.openapi import BODY_CODES
from renewdesk.app import create_app
from tests.roster.conftest import row

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def fuzzed(settings, tmp_path):
    """The app with limits out of the way, a real referral code and a real renewal link; it
    keeps the body of the last request as the app received it (``sent.body``): schemathesis'
    record of a form post can differ from what it sent (a generated null is sent as the text
    "null" but recorded as absent)."""
    from renewdesk.roster_sample import write_roster
    from renewdesk.services import clock
    from renewdesk.services.roster import ImportSummary, RosterImport, check_rows
    from renewdesk.services.roster_files import read_roster

    app = create_app(
        settings.with_(rate_limit_per_phone_per_day=10_000, rate_limit_per_address_per_hour=100_000)
    )
    backend = app.extensions["renewdesk"]
    code = backend.referrals.referrers.issue("推荐人", "+8613900000001").code
    path = write_roster(tmp_path / "roster.csv", [row("粤B9F123", 40)], "zh")
    checked = check_rows(read_roster(path), clock.local_date(backend.now()))
    RosterImport(backend.stores.roster, backend.now).import_records(
        checked.records, ImportSummary()
    )
    roster_id = backend.stores.roster.get_policies(["粤B9F123"])["粤B9F123"].roster_id
    short = backend.roster.short_links.issue([roster_id], clock.local_date(backend.now()))
    sent = SimpleNamespace(body=b"")
    inner = app.wsgi_app

    def recording(environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        sent.body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(sent.body)
        return inner(environ, start_response)

    app.wsgi_app = recording
    return app, code, backend.roster.links.issue(roster_id), short[roster_id], sent


@pytest.fixture
def api_schema(fuzzed):
    app = fuzzed[0]
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_the_api_keeps_every_promise_of_its_openapi_document(case, fuzzed):
    _, code, token, short_code, sent = fuzzed
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    if positive and isinstance(case.body, dict):
        if case.body.get("token"):
            case.body["token"] = token
        if "code" in case.body:
            case.body["code"] = code
    if positive and case.query and "t" in case.query:
        case.query["t"] = token
    if positive and case.query and "c" in case.query:
        case.query["c"] = short_code
    if positive and case.path == "/api/renewals/link" and not {"t", "c"} & set(case.query or {}):
        # One of the two is needed, which OpenAPI 3.0 parameters cannot say.
        case.query = {**(case.query or {}), "t": token}
    answer = case.call()
    form = case.media_type == FORM
    received = sent.body.decode("utf-8", "replace")
    if _honeypot_filled(received, form):
        # Deliberate: a filled honeypot is answered like a success, whatever else was sent,
        # once the body can be read at all.
        unreadable = answer.status_code in (413, 415) or (
            answer.status_code == 400 and answer.json().get("error") in BODY_CODES
        )
        assert answer.status_code in (201, 303) or unreadable, answer.text
        return
    if form and case.method == "POST":
        # Deliberate: form posts answer 303 to the site's result page, success or failure. What
        # counts is whether the fields as sent fit the form's schema (a generated null, say,
        # arrives as the text "null", which may well fit).
        case.validate_response(
            answer, excluded_checks=[negative_data_rejection, positive_data_acceptance]
        )
        _went_to_the_right_page(
            answer,
            _fits(api_schema_document(case), case, received),
            {
                "code:unknown" if code not in received else "",
                "token:invalid_token" if token not in received else "",
            },
            received,
        )
        return
    case.validate_response(answer)


def _honeypot_filled(text: str, form: bool) -> bool:
    """Whether the request as received carries a non-empty ``website`` (the honeypot)."""
    if form:
        return bool(parse_qs(text).get("website", [""])[0])
    try:
        data = json.loads(text)
    except ValueError:
        return False
    return isinstance(data, dict) and bool(data.get("website"))


def api_schema_document(case) -> dict:
    return case.operation.schema.raw_schema


def _fits(document: dict, case, text: str) -> bool:
    """Whether a form post's fields, as received, satisfy the operation's form schema."""
    from jsonschema import Draft202012Validator

    pairs = parse_qsl(text, keep_blank_values=True)
    fields = dict(pairs)
    if len(fields) != len(pairs):
        return False  # a field sent twice: refused (duplicate_key), and no schema says it
    body = document["paths"][case.path][case.method.lower()]["requestBody"]
    schema = body["content"][FORM]["schema"]
    root = {"components": document["components"], "allOf": [schema]}
    return Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER).is_valid(
        fields
    )


def _went_to_the_right_page(answer, positive: bool, unissued: set[str], received: str) -> None:
    """A form post lands on a result page of the site: refused data never on /thanks/, and data
    that fits the schema only for reasons no schema can state (``unissued``: a well-formed code
    or token the store never issued, or a full rate limit)."""
    if answer.status_code != 303:
        assert answer.status_code in (413, 415), answer.text
        return
    target = urlsplit(answer.headers["location"][0])
    query = parse_qs(target.query)
    if target.path == "/thanks/":
        assert positive, f"data the document refuses was accepted: {received!r}"
    else:
        assert target.path in ("/form-error/", "/renew/"), target.path
        allowed = {"form:rate_limited", "form:unavailable", *unissued}
        assert not positive or set(",".join(query.get("errors", [])).split(",")) <= allowed | {
            ""
        }, (query, received)
