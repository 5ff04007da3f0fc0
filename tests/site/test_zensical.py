"""The generated tree builds with Zensical too (mkdocs-material's successor, which runs no
MkDocs hooks): the same pages, the theme overrides working from data alone."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pages import AS_OF, PROJECT

ZENSICAL_VENV = PROJECT / ".local" / "zensical"
# A config beside the generated tree: Zensical wants docs_dir and site_dir under the folder of
# the file it is given, and takes no --site-dir.
CONFIG = """INHERIT: ../mkdocs.yml
docs_dir: generated/docs
site_dir: zensical-site
theme:
  custom_dir: ../site/overrides
"""


def zensical() -> Path:
    """Zensical's command, installed by `make test` into its own venv (never silently absent)."""
    unavailable = ZENSICAL_VENV / "unavailable"
    if unavailable.exists():
        pytest.skip("Zensical did not install here: " + unavailable.read_text().strip())
    command = ZENSICAL_VENV / "bin" / "zensical"
    if not command.exists():
        pytest.fail(
            "Zensical is missing: `make test` installs it into .local/zensical "
            "(make .local/zensical/.installed)"
        )
    return command


def html_pages(site: Path) -> set[str]:
    return {str(p.relative_to(site)) for p in site.rglob("*.html")}


def test_zensical_builds_the_same_pages_from_the_generated_tree(built_site):
    command = zensical()
    env = {**os.environ, "RENEWDESK_AS_OF": AS_OF}
    generate = subprocess.run(
        [str(Path(sys.executable).with_name("renewdesk")), "site", "generate"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert generate.returncode == 0, generate.stderr
    build = PROJECT / "build"
    (build / "zensical.yml").write_text(CONFIG, encoding="utf-8")
    out = build / "zensical-site"
    shutil.rmtree(out, ignore_errors=True)
    result = subprocess.run(
        [str(command), "build", "-f", "zensical.yml"],
        cwd=build,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert html_pages(out) == html_pages(built_site)
    home = (out / "index.html").read_text(encoding="utf-8")
    for piece in (
        'class="md-header rd-header"',
        'class="rd-callbar"',
        "粤ICP备00000000号-1",
        'property="og:title"',
        '"@type": "AutoDealer"',
        "data-rd-bundle",
    ):
        assert piece in home, piece
    offers = (out / "offers" / "index.html").read_text(encoding="utf-8")
    assert "data-rd-tiers" in offers and 'aria-current="page"' in offers
    # Result pages stay out of Zensical's sitemap too (it lists nothing without site_url).
    assert "/thanks/" not in (out / "sitemap.xml").read_text(encoding="utf-8")
