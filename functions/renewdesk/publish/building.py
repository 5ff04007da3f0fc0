"""Generate, then build with mkdocs; explain every failure in the marketer's language."""

from __future__ import annotations

import contextlib
import logging
import os
import traceback
from pathlib import Path
from typing import Callable

from renewdesk import i18n
from renewdesk.config import PROJECT_ROOT
from renewdesk.content import ContentInvalid, calendar, load
from renewdesk.publish.generate import GenerateFailed, Options, generate

MKDOCS_CONFIG = PROJECT_ROOT / "mkdocs.yml"


class BuildFailed(Exception):
    """mkdocs could not build the generated tree (a program problem, not a content one)."""


def generate_only(options: Options) -> Path:
    """The generated tree, for either generator."""
    return generate(options)


def build(options: Options, site_dir: Path) -> Path:
    """Generate from content/, then `mkdocs build` into site_dir."""
    generate(options)
    run_mkdocs(site_dir)
    return site_dir


def run_mkdocs(site_dir: Path) -> None:
    """mkdocs build of the generated tree, in this process (no hook, no plugin of ours)."""
    import jieba
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    jieba.setLogLevel(logging.WARNING)  # its dictionary banner is noise for marketing
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    # From the project folder: mkdocs.yml names the jieba dictionary relative to it.
    with contextlib.chdir(PROJECT_ROOT):
        config = load_config(config_file=str(MKDOCS_CONFIG), site_dir=str(Path(site_dir).resolve()))
        config.plugins.on_startup(command="build", dirty=False)
        try:
            mkdocs_build(config)
        finally:
            config.plugins.on_shutdown()


def calendar_text(options: Options) -> str:
    """`renewdesk site calendar`: one line per campaign, running ones first."""
    language = options.language
    try:
        content = load(options.content_dir)
    except ContentInvalid as invalid:
        raise GenerateFailed(invalid.report(language)) from None
    day = options.day or calendar.store_today()
    lines = [i18n.message(language, "site.calendar.cli_header", day=day.isoformat())]
    for campaign, state in calendar.calendar(content.campaigns, day):
        meta = campaign.meta
        audience = "、".join(i18n.message(language, f"site.audience.{a}") for a in meta.audience)
        lines.append(
            i18n.message(
                language,
                "site.calendar.cli_line",
                state=i18n.message(language, f"site.calendar.state.{state}"),
                start=meta.start.isoformat(),
                end=meta.end.isoformat(),
                title=meta.title,
                audience=audience,
                file=campaign.source,
            )
        )
    if len(lines) == 1:
        lines.append(i18n.message(language, "site.calendar.none"))
    return "\n".join(lines)


def run_or_explain(action: Callable[[], object], fail: Callable[[str], None]) -> None:
    """Run a site command; content mistakes and crashes become a few readable lines."""
    language = i18n.negotiate(os.environ.get("RENEWDESK_LANG") or "zh")
    try:
        action()
    except GenerateFailed as failed:
        fail(str(failed))
    except Exception as error:
        if os.environ.get("RENEWDESK_DEBUG"):
            traceback.print_exc()
        fail(
            i18n.message(
                language, "site.build.crashed", detail=f"{type(error).__name__}: {str(error)[:300]}"
            )
        )
