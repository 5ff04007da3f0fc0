"""Browser fixtures shared by every area: the demo site built once, served with the API by the
local server, and one Debian Chromium driven by Playwright for the whole run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from renewdesk import devserver, localdb
from renewdesk.wiring import Services

PROJECT = Path(__file__).resolve().parents[1]
# The demo content's campaigns are dated: tests build as of a fixed day, never "today".
AS_OF = "2026-12-01"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = PROJECT / "build" / "screenshots"


def build_site(
    dest: Path,
    *,
    as_of: str | None = AS_OF,
    stage: str | None = None,
    content_dir: Path | None = None,
) -> subprocess.CompletedProcess:
    """Run `renewdesk site build` (generate + mkdocs build) the way `make site` does, into dest."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RENEWDESK_")}
    env["NO_MKDOCS_2_WARNING"] = "1"
    if as_of:
        env["RENEWDESK_AS_OF"] = as_of
    if stage:
        env["RENEWDESK_STAGE"] = stage
    if content_dir:
        env["RENEWDESK_CONTENT_DIR"] = str(content_dir)
    return subprocess.run(
        [
            str(Path(sys.executable).with_name("renewdesk")),
            "site",
            "build",
            "--site-dir",
            str(dest),
        ],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The demo site, built once for the session."""
    dest = tmp_path_factory.mktemp("site")
    result = build_site(dest)
    assert result.returncode == 0, result.stdout + result.stderr
    return dest


def launch_chromium():
    """Debian's Chromium under Playwright; a missing browser fails the run, it never skips it."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium and fonts-noto-cjk "
            "(scripts/prereqs.sh test does it)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


# One per run: Playwright's sync API allows a single instance per process at a time, so the
# site, roster and staff browser tests share it instead of each starting their own.
browser = pytest.fixture(scope="session", name="browser")(launch_chromium)


@pytest.fixture
def live_site(settings, built_site):
    """The built site and the API on one local port, as `make run` serves them."""
    port = localdb.free_port()
    base = f"http://127.0.0.1:{port}"
    served = settings.with_(site_dir=built_site, site_origin=base, local=True)
    url, stop = devserver.serve_in_thread(served, port=port)
    yield SimpleNamespace(url=url, backend=Services(served), settings=served)
    stop()


def _new_page(browser, javascript: bool):
    context = browser.new_context(
        viewport=PHONE,
        locale="zh-CN",
        is_mobile=True,
        has_touch=True,
        java_script_enabled=javascript,
    )
    page = context.new_page()
    page.problems = []  # console errors (CSP violations show up here) and uncaught exceptions
    page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    return context, page


@pytest.fixture
def phone(browser):
    """A phone-sized page with JavaScript."""
    context, page = _new_page(browser, javascript=True)
    yield page
    context.close()


@pytest.fixture
def phone_without_js(browser):
    """A phone-sized page with JavaScript turned off."""
    context, page = _new_page(browser, javascript=False)
    yield page
    context.close()
