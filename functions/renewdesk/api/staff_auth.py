"""Staff sessions over HTTP: cookies, the current session, CSRF and same-origin checks.

Cookies are ``__Host-`` prefixed, Secure, HttpOnly and SameSite=Lax; only on plain-http
localhost (Settings.local) are they unprefixed and not Secure, since browsers refuse both there.
The CSRF token is returned at login and also kept in its own cookie, so console pages can put it
in their forms; the session item stores only its hash.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, g, request

from renewdesk.api import web
from renewdesk.errors import Forbidden
from renewdesk.services.sessions import NewSession, Session, csrf_ok

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _settings():
    return current_app.config["SETTINGS"]


def cookie_name(kind: str) -> str:
    """The session or CSRF cookie's name for where we serve."""
    return f"renewdesk_{kind}" if _settings().local else f"__Host-renewdesk_{kind}"


def session_id() -> str | None:
    """The session id the browser sent."""
    return request.cookies.get(cookie_name("staff"))


def csrf_cookie() -> str | None:
    """The CSRF token the browser keeps for console forms."""
    return request.cookies.get(cookie_name("csrf"))


def current() -> Session:
    """This request's live session, or NotAuthenticated."""
    if "staff_session" not in g:
        g.staff_session = web.services().staff.sessions.resolve(session_id())
    return g.staff_session


def require_csrf(token: str | None) -> Session:
    """The session, if this state-changing request carries its CSRF token and comes from us."""
    session = current()
    if request.method in SAFE_METHODS:
        return session
    require_same_origin()
    if not csrf_ok(session, token):
        raise Forbidden("csrf_failed")
    return session


def require_same_origin() -> None:
    """Refuse a state-changing request a browser says came from another site."""
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        ours = urlsplit(request.host_url)
        theirs = urlsplit(origin)
        if (theirs.scheme, theirs.netloc) != (ours.scheme, ours.netloc):
            raise Forbidden("cross_origin")
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        raise Forbidden("cross_origin")


def set_login_cookies(response, new: NewSession) -> None:
    """Hand the browser its new session (and CSRF token for forms)."""
    settings = _settings()
    max_age = settings.session_absolute_hours * 3600
    for kind, value in (("staff", new.session_id), ("csrf", new.csrf_token)):
        response.set_cookie(
            cookie_name(kind),
            value,
            max_age=max_age,
            path="/",
            secure=not settings.local,
            httponly=True,
            samesite="Lax",
        )


def forget_stale_session(response) -> None:
    """Clear the browser's session cookies after a refusal, but only if this request carried
    one (then it is stale): a cross-site POST arrives without the SameSite=Lax cookie, and its
    answer must not log the staff member out of their own browser."""
    if session_id():
        clear_cookies(response)


def clear_cookies(response) -> None:
    """Forget the session in the browser too."""
    settings = _settings()
    for kind in ("staff", "csrf"):
        response.delete_cookie(
            cookie_name(kind), path="/", secure=not settings.local, httponly=True, samesite="Lax"
        )
