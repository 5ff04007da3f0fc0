"""Where uploaded roster files wait for their import: a private folder locally, an S3 bucket on
AWS (a Lambda's disk does not outlive it, and the runner is another invocation)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from renewdesk.config import Settings


class LocalDepot:
    """Files in a folder readable by their owner only."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def _path(self, key: str) -> Path:
        return self.folder / key.replace("/", "__")

    def put(self, key: str, data: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self._path(key)
        draft = path.with_name(path.name + f".{os.getpid()}.part")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(descriptor, "wb") as out:
            out.write(data)
        os.replace(draft, path)

    def get(self, key: str) -> bytes | None:
        path = self._path(key)
        return path.read_bytes() if path.is_file() else None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


class S3Depot:
    """Objects in the stage's upload bucket, encrypted at rest (a lifecycle rule on the bucket
    removes what a failed import left behind: deploy/README.md)."""

    PREFIX = "roster-imports/"

    def __init__(self, bucket: str, region: str, client: Any = None):
        import boto3

        self.bucket = bucket
        self.client = client or boto3.session.Session().client("s3", region_name=region)

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(
            Bucket=self.bucket,
            Key=self.PREFIX + key,
            Body=data,
            ServerSideEncryption="AES256",
            ContentType="application/octet-stream",
        )

    def get(self, key: str) -> bytes | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.PREFIX + key)
        except self.client.exceptions.NoSuchKey:
            return None
        body: bytes = answer["Body"].read()
        return body

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.PREFIX + key)


def make_depot(settings: Settings) -> LocalDepot | S3Depot:
    """S3 when the stage names an upload bucket, else the local folder."""
    if settings.roster_upload_bucket:
        return S3Depot(settings.roster_upload_bucket, settings.region)
    return LocalDepot(settings.upload_dir)
