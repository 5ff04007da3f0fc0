"""`renewdesk site generate|build|calendar|preview|publish`: the customer site per stage."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from renewdesk.cli import common
from renewdesk.config import PROJECT_ROOT

if TYPE_CHECKING:
    from renewdesk.publish.generate import Options

DEFAULT_SITE_DIR = PROJECT_ROOT / "build" / "site"


def _say(key: str, **values) -> str:
    return common.text(key, **values)


@click.group()
def site() -> None:
    """The customer site: generate, build, preview, list campaigns, publish to S3."""


def _options(stage: str | None, as_of: str | None, **overrides) -> "Options":
    from renewdesk.publish.generate import Options

    env = dict(os.environ)
    if stage:
        env["RENEWDESK_STAGE"] = stage
    if as_of is not None:
        env["RENEWDESK_AS_OF"] = as_of
    return Options.from_env(env, **overrides)


def _fail(text: str) -> None:
    click.echo(text, err=True)
    sys.exit(1)


STAGE_OPTION = click.option(
    "--stage",
    default=None,
    metavar="STAGE",
    help="Stage from site/stages.yml (default RENEWDESK_STAGE or local); "
    "decides where the forms post.",
)
AS_OF_OPTION = click.option(
    "--as-of",
    default=None,
    metavar="YYYY-MM-DD",
    help="Preview as of another day (a preview cannot be published).",
)


@site.command("generate")
@STAGE_OPTION
@AS_OF_OPTION
def generate_command(stage: str | None, as_of: str | None) -> None:
    """Render content/ into Markdown pages and data under build/generated (for mkdocs or
    Zensical)."""
    from renewdesk.publish import building

    building.run_or_explain(lambda: building.generate_only(_options(stage, as_of)), _fail)


@site.command("build")
@STAGE_OPTION
@AS_OF_OPTION
@click.option(
    "--site-dir",
    type=click.Path(path_type=Path),
    default=DEFAULT_SITE_DIR,
    show_default="build/site",
)
def build(stage: str | None, as_of: str | None, site_dir: Path) -> None:
    """Generate the pages from content/ and build the site with mkdocs; say how many messages
    each SMS template is billed as with the stage's links."""
    from renewdesk.publish import building

    def build_and_size() -> None:
        options = _options(stage, as_of)
        building.build(options, site_dir)
        _sms_sizes(options)

    building.run_or_explain(build_and_size, _fail)


def _sms_sizes(options: "Options") -> None:
    from renewdesk.publish import stages
    from renewdesk.publish.generate import sms_origin
    from renewdesk.services.sms import load_templates

    origin = sms_origin(stages.load(options.stage))
    for size in load_templates(options.content_dir).sizes(origin):
        click.echo(
            _say(
                "sms.sizes",
                template=size.template.template_id,
                length=size.length,
                segments=size.segments,
                max_segments=size.template.max_segments,
            )
        )


@site.command("calendar")
@AS_OF_OPTION
def calendar_command(as_of: str | None) -> None:
    """Every campaign with its dates, audience and state (running, scheduled, ended)."""
    from renewdesk.publish import building

    building.run_or_explain(
        lambda: click.echo(building.calendar_text(_options(None, as_of))), _fail
    )


@site.command("preview")
@AS_OF_OPTION
@click.option("--port", default=8010, show_default=True, type=int)
def preview(as_of: str | None, port: int) -> None:
    """Serve a live preview of content/ that rebuilds on every save and shows mistakes in the
    page itself."""
    from renewdesk.publish import preview as live

    live.serve(_options(None, as_of, preview_pages=True), port)


@site.command("publish")
@click.option("--stage", required=True, help="Stage from site/stages.yml, e.g. prod.")
@click.option(
    "--site-dir",
    type=click.Path(path_type=Path),
    default=DEFAULT_SITE_DIR,
    show_default="build/site",
)
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
        raise click.ClickException(
            _say("content.bad_stage", value=unknown.name, known="、".join(unknown.known))
        ) from None
    except s3sync.NotPublishable as refused:
        raise click.ClickException(_say(f"publish.{refused.code}", **refused.params)) from None
    if not target.bucket:
        raise click.ClickException(_say("publish.no_bucket", stage=stage))
    # AWS_ENDPOINT_URL_S3 points this at another S3 (a local one in tests).
    client = boto3.client("s3", region_name=target.region)
    try:
        todo = s3sync.plan(client, target.bucket, site_dir, force=force)
        counts = {
            "bucket": target.bucket,
            "uploaded": len(todo.uploads),
            "unchanged": len(todo.unchanged),
            "deleted": len(todo.deletions),
        }
        if dry_run:
            click.echo(_say("publish.dry_run", **counts))
            return
        s3sync.apply(client, target.bucket, todo)
    except (BotoCoreError, ClientError) as error:
        raise click.ClickException(
            _say("publish.s3_failed", detail=type(error).__name__ + ": " + str(error)[:300])
        ) from None
    click.echo(_say("publish.done", **counts))
