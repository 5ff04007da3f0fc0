"""Serves the built site (build/site) at / for `make run`, the way CloudFront serves it from S3:
directory addresses, the 404 page, gzip for text, the response headers of docs/site.md
(`Referrer-Policy: no-referrer` on the renewal page, whose address can carry a link token), and
a reminder's short link `/r/<code>` answered with the renewal page, as the CloudFront function
site/cloudfront/short-link-function.js does."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from flask import Blueprint, Response, abort, request, send_from_directory
from werkzeug.routing import PathConverter
from werkzeug.security import safe_join

# Text CloudFront compresses (its list, narrowed to what the site has).
COMPRESSIBLE = (
    "text/",
    "application/json",
    "application/javascript",
    "application/xml",
    "image/svg+xml",
)
# Pages whose address may carry a renewal-link token: no Referer leaves them, by header too.
NO_REFERRER_PREFIXES = ("renew/", "r/")
# A reminder's short link: the renewal page reads the code from the address.
SHORT_LINK = re.compile(r"r/[0-9A-Za-z]{12}")
RENEW_PAGE = "renew/index.html"


class SitePath(PathConverter):
    """Any path but the API's: /api/... never matches the site, so a GET on a POST-only API
    route answers 405 with Allow, as on Lambda, instead of the site's 404."""

    regex = r"(?!api(?:/|$))[^/].*?"


def no_referrer(path: str) -> bool:
    """Whether a site path gets `Referrer-Policy: no-referrer`."""
    clean = path.lstrip("/")
    return any(clean == p.rstrip("/") or clean.startswith(p) for p in NO_REFERRER_PREFIXES)


def make_blueprint(site_dir: Path) -> Blueprint:
    """A blueprint serving mkdocs' output the way S3 website hosting does (dir → index.html)."""
    bp = Blueprint("localsite", __name__)
    root = Path(site_dir)
    compressed: dict[tuple[str, int], bytes] = {}

    @bp.record_once
    def _converter(state):
        state.app.url_map.converters["site_path"] = SitePath

    @bp.get("/", defaults={"path": ""})
    @bp.get("/<site_path:path>")
    def page(path: str):
        if SHORT_LINK.fullmatch(path):
            path = RENEW_PAGE
        target = safe_join(str(root), path)
        if target is None:
            abort(404)
        candidate = Path(target)
        if candidate.is_dir():
            candidate = candidate / "index.html"
        status = 200
        if not candidate.is_file():
            candidate, status = root / "404.html", 404
            if not candidate.is_file():
                abort(404)
        response = send_from_directory(root, str(candidate.relative_to(root)), max_age=0)
        response.status_code = status
        if no_referrer(path) or path == RENEW_PAGE:
            response.headers["Referrer-Policy"] = "no-referrer"
        return _maybe_gzip(response, candidate, compressed)

    return bp


def _maybe_gzip(response: Response, file: Path, cache: dict[tuple[str, int], bytes]) -> Response:
    """gzip text for clients that accept it, as CloudFront does (compressed once per version)."""
    response.headers.add("Vary", "Accept-Encoding")
    kind = response.mimetype or ""
    if (
        response.status_code not in (200, 404)
        or not kind.startswith(COMPRESSIBLE)
        or "gzip" not in request.headers.get("Accept-Encoding", "")
    ):
        return response
    stamp = (str(file), file.stat().st_mtime_ns)
    body = cache.get(stamp)
    if body is None:
        body = cache[stamp] = gzip.compress(file.read_bytes(), 6)
    response.direct_passthrough = False
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    response.headers.pop("ETag", None)  # the ETag names the uncompressed file
    response.headers.pop("Accept-Ranges", None)
    return response
