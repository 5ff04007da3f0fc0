"""`renewdesk site build` and `renewdesk site publish`: the customer site per stage."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click

from renewdesk import i18n
from renewdesk.config import PROJECT_ROOT

DEFAULT_SITE_DIR = PROJECT_ROOT / "build" / "site"


def _say(key: str, **values) -> str:
    language = i18n.negotiate(os.environ.get("RENEWDESK_LANG") or "zh")
    return i18n.message(language, key, **{k: str(v) for k, v in values.items()})


@click.group()
def site() -> None:
    """The customer site: build it for a stage, publish it to the stage's S3 bucket."""


@site.command("build")
@click.option("--stage", default="local", show_default=True,
              help="Stage from site/stages.yml; decides where the forms post.")
@click.option("--as-of", default=None, metavar="YYYY-MM-DD",
              help="Preview as of another day (a preview cannot be published).")
@click.option("--site-dir", type=click.Path(path_type=Path), default=DEFAULT_SITE_DIR,
              show_default="build/site")
def build(stage: str, as_of: str | None, site_dir: Path) -> None:
    """Run mkdocs to build the site from content/."""
    env = {**os.environ, "RENEWDESK_STAGE": stage, "NO_MKDOCS_2_WARNING": "1"}
    env.pop("RENEWDESK_AS_OF", None)
    if as_of:
        env["RENEWDESK_AS_OF"] = as_of
    command = [sys.executable, "-m", "mkdocs", "build", "--quiet",
               "-f", str(PROJECT_ROOT / "mkdocs.yml"), "-d", str(Path(site_dir).resolve())]
    # From the project folder: mkdocs.yml names the jieba dictionary relative to it.
    if subprocess.run(command, cwd=PROJECT_ROOT, env=env).returncode != 0:
        click.echo(_say("publish.build_failed"), err=True)
        sys.exit(1)


@site.command("publish")
@click.option("--stage", required=True, help="Stage from site/stages.yml, e.g. prod.")
@click.option("--site-dir", type=click.Path(path_type=Path), default=DEFAULT_SITE_DIR,
              show_default="build/site")
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
@click.option("--force", is_flag=True, help="Upload every file, changed or not.")
def publish(stage: str, site_dir: Path, dry_run: bool, force: bool) -> None:
    """Upload the built site to the stage's bucket and remove files it no longer has."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from renewdesk.publish import s3sync, stages

    try:
        target = stages.load(stage)
        s3sync.check_build(site_dir, stage)
    except stages.UnknownStage as unknown:
        raise click.ClickException(_say("content.bad_stage", value=unknown.name,
                                        known="、".join(unknown.known))) from None
    except s3sync.NotPublishable as refused:
        raise click.ClickException(_say(f"publish.{refused.code}", **refused.params)) from None
    if not target.bucket:
        raise click.ClickException(_say("publish.no_bucket", stage=stage))
    # AWS_ENDPOINT_URL_S3 points this at another S3 (a local one in tests).
    client = boto3.client("s3", region_name=target.region)
    try:
        todo = s3sync.plan(client, target.bucket, site_dir, force=force)
        counts = {"bucket": target.bucket, "uploaded": len(todo.uploads),
                  "unchanged": len(todo.unchanged), "deleted": len(todo.deletions)}
        if dry_run:
            click.echo(_say("publish.dry_run", **counts))
            return
        s3sync.apply(client, target.bucket, todo)
    except (BotoCoreError, ClientError) as error:
        raise click.ClickException(_say("publish.s3_failed", detail=type(error).__name__ + ": "
                                        + str(error)[:300])) from None
    click.echo(_say("publish.done", **counts))
