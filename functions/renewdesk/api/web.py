"""HTTP plumbing shared by every blueprint: body parsing, errors, headers, client address."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from flask import Flask, current_app, g, jsonify, redirect, request
from werkzeug.exceptions import HTTPException

from renewdesk import i18n

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


class BadRequestBody(Exception):
    """The body is not something we can read (wrong type, not an object)."""

    def __init__(self, status: int, code: str):
        super().__init__(code)
        self.status = status
        self.code = code


def language() -> str:
    """The language of this request's answers."""
    if "language" not in g:
        g.language = i18n.negotiate(request.headers.get("Accept-Language"))
    return g.language


def is_form() -> bool:
    """Whether the client posted a plain HTML form (no JavaScript)."""
    return request.mimetype == FORM


def read_submission() -> dict[str, Any]:
    """The posted fields, from JSON or a form; 415 for anything else, 400 if not an object."""
    if request.mimetype == JSON:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise BadRequestBody(400, "not_json_object")
        return data
    if request.mimetype == FORM:
        return request.form.to_dict(flat=True)
    raise BadRequestBody(415, "unsupported_media_type")


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
    headers.setdefault("Referrer-Policy", "no-referrer" if api else "strict-origin-when-cross-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if api:
        headers["Cache-Control"] = "no-store"
    return response


def _http_error(error: HTTPException):
    codes = {405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type",
             404: "not_found"}
    code = codes.get(error.code or 500, "internal")
    response = error_json(error.code or 500, code)
    if error.code == 405:
        response.headers["Allow"] = ", ".join(error.valid_methods or [])
    return response


def _unexpected_error(error: Exception):
    # The exception type only: messages and tracebacks can carry submitted data.
    log.error("unhandled error on %s %s: %s", request.method, request.path,
              type(error).__name__)
    return error_json(500, "internal")


def init_app(app: Flask) -> None:
    """Install body limits, CORS for the site's origin, security headers and error answers."""
    from flask_cors import CORS

    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    CORS(
        app,
        resources={r"/api/(renewals|referrals|health)(/.*)?": {
            "origins": [app.config["SETTINGS"].site_origin]}},
        methods=["GET", "POST"],
        allow_headers=["Content-Type", "Accept-Language"],
        max_age=600,
    )
    app.after_request(_security_headers)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
