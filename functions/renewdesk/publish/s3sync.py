"""Upload a built site to its S3 bucket: right content types, long cache for fingerprinted
assets, short cache for pages, and removal of files the new build no longer has."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BUILD_INFO = "renewdesk-build.json"
# Fingerprinted names (bundle.a5f9d56c.min.js, site.b596333521.css) never change content.
FINGERPRINTED = re.compile(r"\.[0-9a-f]{8,}(?:\.min)?\.[a-z0-9]+$")
LONG_CACHE = "public, max-age=31536000, immutable"
# Pages change when a campaign starts or ends: phones and CloudFront check again within minutes.
SHORT_CACHE = "public, max-age=300, must-revalidate"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".map": "application/json; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".gz": "application/gzip",
    ".webmanifest": "application/manifest+json",
}
DEFAULT_TYPE = "application/octet-stream"


class NotPublishable(Exception):
    """The build may not go to this stage; `code` and `params` name the reason."""

    def __init__(self, code: str, **params: Any):
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Upload:
    """One file to put in the bucket."""

    key: str
    path: Path
    content_type: str
    cache_control: str


@dataclass
class Plan:
    """What publishing will change in the bucket."""

    uploads: list[Upload] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deletions: list[str] = field(default_factory=list)


def content_type(key: str) -> str:
    """The Content-Type for a file name."""
    return CONTENT_TYPES.get(Path(key).suffix.lower(), DEFAULT_TYPE)


def cache_control(key: str) -> str:
    """A year for fingerprinted assets, minutes for pages and everything else."""
    return LONG_CACHE if FINGERPRINTED.search(key) else SHORT_CACHE


def check_build(site_dir: Path, stage: str) -> dict[str, Any]:
    """The build's info, if it was made for this stage and is not a dated preview."""
    info_path = Path(site_dir) / BUILD_INFO
    try:
        info = json.loads(info_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise NotPublishable("no_build", site_dir=site_dir, stage=stage) from None
    if info.get("stage") != stage:
        raise NotPublishable(
            "wrong_stage",
            built=info.get("stage"),
            stage=stage,
            api=info.get("api_origin") or "/api",
        )
    if info.get("preview"):
        raise NotPublishable("preview_build", as_of=info.get("as_of"))
    return info


def _md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _remote_etags(client: Any, bucket: str) -> dict[str, str]:
    etags = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            etags[item["Key"]] = item["ETag"].strip('"')
    return etags


def plan(client: Any, bucket: str, site_dir: Path, force: bool = False) -> Plan:
    """Compare the build with the bucket (by MD5, which is the ETag of a plain PUT)."""
    root = Path(site_dir)
    remote = _remote_etags(client, bucket)
    result = Plan()
    local_keys = set()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        key = path.relative_to(root).as_posix()
        local_keys.add(key)
        if not force and remote.get(key) == _md5(path):
            result.unchanged.append(key)
        else:
            result.uploads.append(Upload(key, path, content_type(key), cache_control(key)))
    # Pages last: while publishing, no new page may point at an asset not yet uploaded.
    result.uploads.sort(key=lambda u: (u.key.endswith(".html"), u.key))
    result.deletions = sorted(set(remote) - local_keys)
    return result


def apply(client: Any, bucket: str, todo: Plan) -> None:
    """Upload, then delete what the build no longer has."""
    for upload in todo.uploads:
        with upload.path.open("rb") as body:
            client.put_object(
                Bucket=bucket,
                Key=upload.key,
                Body=body,
                ContentType=upload.content_type,
                CacheControl=upload.cache_control,
            )
    for start in range(0, len(todo.deletions), 1000):  # DeleteObjects takes 1,000 keys at most
        batch = todo.deletions[start : start + 1000]
        client.delete_objects(
            Bucket=bucket, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True}
        )
