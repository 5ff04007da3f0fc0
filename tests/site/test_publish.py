"""`renewdesk site publish` against a local S3 (moto's server): types, caching, stale files."""

from __future__ import annotations

import os
import re
import shutil

import boto3
import pytest
from click.testing import CliRunner

from renewdesk import localdb
from renewdesk.cli import main
from renewdesk.publish import s3sync, stages

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


@pytest.fixture(scope="module")
def s3_endpoint():
    """moto's S3 server on a free port (moto for S3 only; never for DynamoDB)."""
    from moto.server import ThreadedMotoServer

    port = localdb.free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def prod(s3_endpoint, monkeypatch):
    """The prod stage's bucket, empty, in the local S3; the CLI pointed at it."""
    for key, value in {**CREDENTIALS, "AWS_ENDPOINT_URL_S3": s3_endpoint}.items():
        monkeypatch.setenv(key, value)
    stage = stages.load("prod")
    client = boto3.client("s3", region_name=stage.region)
    client.create_bucket(
        Bucket=stage.bucket, CreateBucketConfiguration={"LocationConstraint": stage.region}
    )
    yield client, stage.bucket
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=stage.bucket):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=stage.bucket, Key=item["Key"])
    client.delete_bucket(Bucket=stage.bucket)


@pytest.fixture(scope="module")
def prod_build(tmp_path_factory):
    """A real build for the prod stage, made by `renewdesk site build`."""
    dest = tmp_path_factory.mktemp("prod-site")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RENEWDESK_")}
    result = CliRunner().invoke(
        main, ["site", "build", "--stage", "prod", "--site-dir", str(dest)], env=env
    )
    assert result.exit_code == 0, result.output
    return dest


def publish(site_dir, *extra):
    return CliRunner().invoke(
        main, ["site", "publish", "--stage", "prod", "--site-dir", str(site_dir), *extra]
    )


def test_publish_uploads_every_file_with_type_and_cache(prod, prod_build):
    """Pages: HTML, short cache; fingerprinted CSS/JS: a year; data files their own types."""
    client, bucket = prod
    result = publish(prod_build)
    assert result.exit_code == 0, result.output
    files = sorted(
        p.relative_to(prod_build).as_posix() for p in prod_build.rglob("*") if p.is_file()
    )
    keys = sorted(o["Key"] for o in client.list_objects_v2(Bucket=bucket, MaxKeys=1000)["Contents"])
    assert keys == files
    assert f"已发布到 s3://{bucket}：上传 {len(files)} 个文件，0 个未变，删除 0 个" in result.output

    def head(key):
        meta = client.head_object(Bucket=bucket, Key=key)
        return meta["ContentType"], meta["CacheControl"]

    css = next(k for k in keys if re.fullmatch(r"assets/rd/css/site\.[0-9a-f]{10}\.css", k))
    bundle = next(
        k for k in keys if re.fullmatch(r"assets/javascripts/bundle\.[0-9a-f]{8}\.min\.js", k)
    )
    assert head("index.html") == ("text/html; charset=utf-8", s3sync.SHORT_CACHE)
    assert head("claims/index.html") == ("text/html; charset=utf-8", s3sync.SHORT_CACHE)
    assert head(css) == ("text/css; charset=utf-8", s3sync.LONG_CACHE)
    assert head(bundle) == ("text/javascript; charset=utf-8", s3sync.LONG_CACHE)
    assert head("search/search_index.json") == (
        "application/json; charset=utf-8",
        s3sync.SHORT_CACHE,
    )
    assert head("sitemap.xml.gz")[0] == "application/gzip"
    body = client.get_object(Bucket=bucket, Key="index.html")["Body"].read()
    assert body == (prod_build / "index.html").read_bytes()


def test_publish_removes_stale_files_and_skips_unchanged_ones(prod, prod_build, tmp_path):
    """An ended campaign's page disappears; unchanged files are not sent again."""
    client, bucket = prod
    assert publish(prod_build).exit_code == 0
    client.put_object(Bucket=bucket, Key="offers/ended-campaign/index.html", Body=b"old")
    site = tmp_path / "site"
    shutil.copytree(prod_build, site)
    (site / "about" / "index.html").write_text("<html>changed</html>", encoding="utf-8")
    todo = s3sync.plan(client, bucket, site)
    assert [u.key for u in todo.uploads] == ["about/index.html"]
    assert todo.deletions == ["offers/ended-campaign/index.html"]
    dry = publish(site, "--dry-run")
    assert "将上传 1 个文件" in dry.output and "删除 1 个" in dry.output
    assert client.list_objects_v2(Bucket=bucket, Prefix="offers/ended-campaign/")["KeyCount"] == 1
    assert publish(site).exit_code == 0
    assert client.list_objects_v2(Bucket=bucket, Prefix="offers/ended-campaign/")["KeyCount"] == 0
    assert (
        client.get_object(Bucket=bucket, Key="about/index.html")["Body"].read()
        == b"<html>changed</html>"
    )


def test_publish_refuses_a_build_for_another_stage(prod, built_site):
    """A local build posts its forms to /api on the same host: it must not reach prod."""
    client, bucket = prod
    result = publish(built_site)
    assert result.exit_code == 1
    assert "这个网站是为“local”环境生成的（表单提交到 /api），不能发布到“prod”" in result.output
    assert client.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_a_dated_preview_is_never_published(built_site):
    """A RENEWDESK_AS_OF preview would put tomorrow's campaigns live today."""
    with pytest.raises(s3sync.NotPublishable) as refused:
        s3sync.check_build(built_site, "local")
    assert (refused.value.code, refused.value.params) == ("preview_build", {"as_of": "2026-12-01"})


@pytest.mark.parametrize(
    "key, cache",
    [
        ("index.html", s3sync.SHORT_CACHE),
        ("assets/rd/js/forms.491128d08e.js", s3sync.LONG_CACHE),
        ("assets/javascripts/workers/search.a7633da7.min.js", s3sync.LONG_CACHE),
        ("assets/javascripts/lunr/min/lunr.zh.min.js", s3sync.SHORT_CACHE),
        ("search/search_index.json", s3sync.SHORT_CACHE),
        ("renewdesk-build.json", s3sync.SHORT_CACHE),
    ],
)
def test_only_fingerprinted_names_are_cached_long(key, cache):
    """A name without a content hash may change content: it is rechecked within minutes."""
    assert s3sync.cache_control(key) == cache
