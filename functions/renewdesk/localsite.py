"""Serves the built site (build/site) at / for `make run`; on AWS the site is on S3."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, send_from_directory
from werkzeug.routing import PathConverter
from werkzeug.security import safe_join


class SitePath(PathConverter):
    """Any path but the API's: /api/... never matches the site, so a GET on a POST-only API
    route answers 405 with Allow, as on Lambda, instead of the site's 404."""

    regex = r"(?!api(?:/|$))[^/].*?"


def make_blueprint(site_dir: Path) -> Blueprint:
    """A blueprint serving mkdocs' output the way S3 website hosting does (dir → index.html)."""
    bp = Blueprint("localsite", __name__)
    root = Path(site_dir)

    @bp.record_once
    def _converter(state):
        state.app.url_map.converters["site_path"] = SitePath

    @bp.get("/", defaults={"path": ""})
    @bp.get("/<site_path:path>")
    def page(path: str):
        target = safe_join(str(root), path)
        if target is None:
            abort(404)
        candidate = Path(target)
        if candidate.is_dir():
            candidate = candidate / "index.html"
        if candidate.is_file():
            response = send_from_directory(root, str(candidate.relative_to(root)), max_age=0)
            return response
        not_found = root / "404.html"
        if not_found.is_file():
            response = send_from_directory(root, "404.html")
            response.status_code = 404
            return response
        abort(404)

    return bp
