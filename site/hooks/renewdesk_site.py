"""mkdocs hooks: build the customer site from content/ (see site/hooks/sitegen).

Environment: RENEWDESK_AS_OF=YYYY-MM-DD previews the site as of another day;
RENEWDESK_STAGE=local|dev|prod picks where forms post (site/stages.yml);
RENEWDESK_CONTENT_DIR builds from another content folder (tests, benchmarks).
"""

from __future__ import annotations

import logging
from pathlib import Path

import jieba
from mkdocs.plugins import event_priority

# mkdocs puts this folder on sys.path only while it imports the hook: import the package now.
from sitegen.build import SiteBuild

# jieba announces its dictionary loading on stderr at every build; only warnings matter.
jieba.setLogLevel(logging.WARNING)

_build: SiteBuild | None = None


@event_priority(100)  # before the search plugin loads jieba: bad content fails fast
def on_config(config):
    global _build
    _build = SiteBuild(Path(config.config_file_path).resolve().parent)
    _build.configure(config)
    return config


def on_files(files, config):
    return _build.add_files(files, config)


def on_env(env, config, files):
    env.globals["rd"] = _build.theme_globals()
    return env


def on_page_markdown(markdown, page, config, files):
    return _build.page_markdown(markdown, page.file.src_uri)


def on_page_content(html, page, config, files):
    return _build.page_content(html, page.file.src_uri)


def on_post_build(config):
    _build.write_robots(Path(config.site_dir))
    _build.write_build_info(Path(config.site_dir))
