"""HTTP plumbing shared by every blueprint: body parsing, errors, headers, client address."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from flask import Flask, current_app, g, jsonify, redirect, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from renewdesk import i18n
from renewdesk.api.errors import headers_of, status_of
from renewdesk.errors import InvalidFields, NotFound, RenewDeskError, UnreadableBody

if TYPE_CHECKING:
    from renewdesk.wiring import Services

log = logging.getLogger(__name__)

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
MAX_BODY_BYTES = 16 * 1024

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
# The site's own pages: scripts, styles and fonts only from the site itself.
SITE_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self' {api}; form-action 'self' {api}; "
    "frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)


# Every body we take is a flat object; anything nested deeper is refused before it is parsed
# (Python's JSON parser recurses: a 2 KB body of nested arrays would exhaust the stack).
MAX_JSON_DEPTH = 4
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def services() -> Services:
    """The app's services (the composition root, renewdesk.wiring)."""
    return current_app.extensions["renewdesk"]


def language() -> str:
    """The language of this request's answers."""
    if "language" not in g:
        g.language = i18n.negotiate(request.headers.get("Accept-Language"))
    return g.language


def is_form() -> bool:
    """Whether the client posted a plain HTML form (no JavaScript)."""
    return request.mimetype == FORM


def read_submission() -> dict[str, Any]:
    """The posted fields, from JSON or a form, read strictly once per request (see _read_body);
    415 for any other type."""
    if "body" not in g:
        g.body = _parse_body()
    if g.body is None:
        raise UnreadableBody("unsupported_media_type")
    return g.body


def _parse_body() -> dict[str, Any] | None:
    if request.mimetype == JSON:
        return _json_object(request.get_data(cache=True))
    if request.mimetype == FORM:
        return _form_fields(request.get_data(cache=True))
    return None


def _json_object(raw: bytes) -> dict[str, Any]:
    """A JSON object: UTF-8, nested at most MAX_JSON_DEPTH, no key twice, no NaN."""
    import json

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UnreadableBody("invalid_encoding") from None
    if _nesting(text) > MAX_JSON_DEPTH:
        raise UnreadableBody("too_deep")
    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for key, value in items:
            if key in seen:
                duplicates.append(key)
            seen.setdefault(key, value)
        return seen

    def no_constant(name: str):
        raise ValueError(name)  # NaN and Infinity are not JSON

    try:
        data = json.loads(text, object_pairs_hook=pairs, parse_constant=no_constant)
    except (ValueError, RecursionError):  # JSONDecodeError is a ValueError; so are huge ints
        raise UnreadableBody("not_json_object") from None
    if not isinstance(data, dict):
        raise UnreadableBody("not_json_object")
    if duplicates:
        raise InvalidFields(dict.fromkeys(duplicates, "duplicate_key"))
    return data


def _nesting(text: str) -> int:
    """How deep arrays and objects nest in a JSON text (strings skipped)."""
    import re

    bare = re.sub(r'"(?:[^"\\]|\\.)*"', "", text)
    depth = deepest = 0
    for ch in bare:
        if ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def _form_fields(raw: bytes) -> dict[str, str]:
    """A form's fields: each name once, every value valid UTF-8 (else a field error)."""
    from urllib.parse import unquote_to_bytes

    fields: dict[str, str] = {}
    problems: dict[str, str] = {}
    for pair in raw.split(b"&"):
        if not pair:
            continue
        raw_key, _, raw_value = pair.partition(b"=")
        # Decoded by hand: urllib's parse_qsl replaces bad UTF-8 with U+FFFD, silently.
        raw_key, raw_value = (
            unquote_to_bytes(part.replace(b"+", b" ")) for part in (raw_key, raw_value)
        )
        try:
            key = raw_key.decode("utf-8")
        except UnicodeDecodeError:
            raise UnreadableBody("invalid_encoding") from None
        try:
            value = raw_value.decode("utf-8")
        except UnicodeDecodeError:
            problems[key] = "invalid_characters"
            continue
        if key in fields or key in problems:
            problems[key] = "duplicate_key"
        fields[key] = value
    if problems:
        raise InvalidFields(problems)
    return fields


def _read_body():
    """Read every state-changing JSON or form body strictly before a view sees it, so a
    malformed one is a 4xx wherever it is sent (each blueprint answers the domain error its
    own way), and request.form can be trusted by the console."""
    if (
        request.method not in SAFE_METHODS
        and request.mimetype in (JSON, FORM)
        and request.routing_exception is None
    ):
        read_submission()


def refused_json(error: RenewDeskError):
    """A domain error as a JSON answer: every bad field with its message, or the error's code
    and message; the status from the one table (api.errors)."""
    status = status_of(error)
    if isinstance(error, InvalidFields):
        language_ = language()
        fields = {
            f: {"code": c, "message": i18n.field_error(language_, f, c)}
            for f, c in error.fields.items()
        }
        response = jsonify(error="invalid", fields=fields)
        response.status_code = status
        return response
    return error_json(status, error.code, headers_of(error))


def _refused(error: RenewDeskError):
    # Reached where no blueprint answers for itself: a page under /staff, JSON elsewhere.
    if request.path.startswith("/staff"):
        from renewdesk.api import console

        return console.refused_page(error)
    return refused_json(error)


def client_address() -> str:
    """The caller's address as the platform saw it; never from a header the client sends."""
    event = request.environ.get("lambda.event")
    if event is not None:
        # Read from API Gateway's event itself, not from a header zappa maps it into: a client
        # sending both X-Renewdesk-Client-Ip and X_Renewdesk_Client_Ip overrides such a mapping
        # (both become HTTP_X_RENEWDESK_CLIENT_IP; tests/deploy shows it).
        identity = (event.get("requestContext") or {}).get("identity") or {}
        return identity.get("sourceIp") or "unknown"
    return request.remote_addr or "unknown"


def error_json(status: int, code: str, headers: dict[str, str] | None = None, **extra: Any):
    """A JSON error answer with a human message in the request's language."""
    body = {"error": code, "message": i18n.message(language(), f"error.{code}"), **extra}
    response = jsonify(body)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def site_redirect(path: str, query: dict[str, str], headers: dict[str, str] | None = None):
    """303 to a page of the site (the thank-you or error page of a plain form post)."""
    origin = current_app.config["SETTINGS"].site_origin.rstrip("/")
    response = redirect(f"{origin}{path}?{urlencode(query)}", code=303)
    response.headers.update(headers or {})
    return response


def _security_headers(response):
    settings = current_app.config["SETTINGS"]
    headers = response.headers
    api = request.path.startswith("/api/") or request.path == "/api"
    headers.setdefault(
        "Content-Security-Policy",
        API_CSP if api else SITE_CSP.format(api=settings.site_origin),
    )
    headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault(
        "Referrer-Policy", "no-referrer" if api else "strict-origin-when-cross-origin"
    )
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if api:
        headers["Cache-Control"] = "no-store"
    return response


def _http_error(error: HTTPException):
    if request.path.startswith("/staff") and error.code == 404:
        from renewdesk.api import console

        return console.refused_page(NotFound())
    codes = {
        405: "method_not_allowed",
        413: "too_large",
        415: "unsupported_media_type",
        404: "not_found",
    }
    code = codes.get(error.code or 500, "internal")
    response = error_json(error.code or 500, code)
    if isinstance(error, MethodNotAllowed):
        response.headers["Allow"] = ", ".join(error.valid_methods or [])
    return response


def _unexpected_error(error: Exception):
    # The exception type only: messages and tracebacks can carry submitted data.
    log.error("unhandled error on %s %s: %s", request.method, request.path, type(error).__name__)
    return error_json(500, "internal")


def init_app(app: Flask) -> None:
    """Install body limits, CORS for the site's origin, security headers and error answers."""
    from flask_cors import CORS

    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    CORS(
        app,
        resources={
            r"/api/(renewals|referrals|health)(/.*)?": {
                "origins": [app.config["SETTINGS"].site_origin]
            }
        },
        methods=["GET", "POST"],
        allow_headers=["Content-Type", "Accept-Language"],
        max_age=600,
    )
    app.before_request(_read_body)
    app.after_request(_security_headers)
    app.register_error_handler(RenewDeskError, _refused)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
