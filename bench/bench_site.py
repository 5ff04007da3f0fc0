"""Customer site budgets: build time, and what a phone downloads for the landing page.

One run, each figure next to its baseline from the same run:
- `renewdesk site build` (generate + mkdocs build) of the demo content (median of 3) against a
  bare mkdocs-material site of one page with the same theme settings: the cost of validating
  content and generating pages;
- the demo content plus 500 generated campaigns, all running on the build day;
- the landing page as Debian's Chromium loads it (until the network is idle, so the search
  worker and index would count too): bytes after gzip (what CloudFront sends), requests, and
  requests to any host but the site's own — target: no more than the bare page, and none.
"""

from __future__ import annotations

import functools
import gzip
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

from renewdesk.config import PROJECT_ROOT
from tests.pages import AS_OF, CHROMIUM, CHROMIUM_ARGS  # the browser tests' Chromium

RUNS = 3
CAMPAIGNS = 500
BARE_CONFIG = """site_name: Bare
site_dir: out
theme:
  name: material
  language: zh
  font: false
  features: [navigation.prune]
plugins:
  - search
"""


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RENEWDESK_")}
    return {**env, "NO_MKDOCS_2_WARNING": "1", **extra}


def build_seconds(dest: Path, config: Path | None = None, **env: str) -> float:
    """Wall time of one build in a fresh process: `renewdesk site build` (generate + mkdocs),
    as `make site` runs it, or a plain `mkdocs build` of another config."""
    if config:
        command = [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--quiet",
            "-d",
            str(dest),
            "-f",
            str(config),
        ]
    else:
        command = [
            str(Path(sys.executable).with_name("renewdesk")),
            "site",
            "build",
            "--site-dir",
            str(dest),
        ]
    start = time.perf_counter()
    result = subprocess.run(
        command, cwd=PROJECT_ROOT, env=_env(**env), capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"mkdocs build failed:\n{result.stdout}{result.stderr}")
    return elapsed


def median_build(dest: Path, config: Path | None = None, **env: str) -> float:
    return statistics.median(build_seconds(dest, config, **env) for _ in range(RUNS))


def bare_site(root: Path) -> Path:
    """mkdocs-material out of the box: one Chinese page, same theme settings."""
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "index.md").write_text(
        "# 首页\n\n续保、理赔、车主俱乐部。\n", encoding="utf-8"
    )
    config = root / "mkdocs.yml"
    config.write_text(BARE_CONFIG, encoding="utf-8")
    return config


def content_with_campaigns(root: Path, count: int) -> Path:
    """The demo content plus `count` campaigns running on AS_OF."""
    content = root / "content"
    shutil.copytree(PROJECT_ROOT / "content", content)
    template = (content / "campaigns" / "winter-care.md").read_text(encoding="utf-8")
    for number in range(count):
        text = template.replace(
            "title: 冬季关爱 · 21 项免费检测", f"title: 门店活动 {number}"
        ).replace("start: 2026-11-15", "start: 2026-11-01")
        (content / "campaigns" / f"bench-{number:04d}.md").write_text(text, encoding="utf-8")
    return content


def landing_weight(site_dir: Path, browser=None) -> dict:
    """What Chromium fetches for the landing page: gzip bytes by type, requests, other hosts.

    `browser`: a running Playwright browser (the tests' shared one); else one is started."""
    from playwright.sync_api import sync_playwright

    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(site_dir))
    SimpleHTTPRequestHandler.log_message = lambda *args: None
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"127.0.0.1:{server.server_port}"
    by_type: dict[str, int] = {}
    fetched: list[tuple[str, str, int]] = []
    requests, outside = 0, []

    def measure(chromium) -> None:
        nonlocal requests
        context = chromium.new_context(viewport={"width": 390, "height": 844})
        page = context.new_page()
        seen = []
        page.on("requestfinished", lambda request: seen.append(request))
        page.on("requestfailed", lambda request: seen.append(request))
        page.goto(f"http://{origin}/", wait_until="networkidle")
        for request in seen:
            requests += 1
            if urlparse(request.url).netloc != origin:
                outside.append(request.url)
                continue
            response = request.response()
            body = response.body() if response else b""
            kind, size = request.resource_type, len(gzip.compress(body, 6))
            by_type[kind] = by_type.get(kind, 0) + size
            fetched.append((kind, urlparse(request.url).path, size))
        context.close()

    try:
        if browser is not None:
            measure(browser)
        else:
            with sync_playwright() as playwright:
                chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                measure(chromium)
                chromium.close()
    finally:
        server.shutdown()
    return {
        "total": sum(by_type.values()),
        "by_type": by_type,
        "requests": requests,
        "outside": outside,
        "fetched": fetched,
    }


def kb(size: int) -> str:
    return f"{size / 1024:.0f} KB"


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-site-") as tmp:
        root = Path(tmp)
        demo = median_build(root / "demo", RENEWDESK_AS_OF=AS_OF)
        bare_config = bare_site(root / "bare")
        bare = median_build(root / "bare" / "out", bare_config)
        many = build_seconds(
            root / "many",
            RENEWDESK_AS_OF=AS_OF,
            RENEWDESK_CONTENT_DIR=str(content_with_campaigns(root, CAMPAIGNS)),
        )
        pages = sum(1 for _ in (root / "many").rglob("index.html"))
        print(
            f"{'site build (median of 3)':34} demo content {demo:5.2f} s   "
            f"| bare mkdocs-material page {bare:5.2f} s"
        )
        print(
            f"{f'{CAMPAIGNS} generated campaign pages':34} {many:5.2f} s for {pages} pages   "
            f"| demo content {demo:5.2f} s"
        )
        site = landing_weight(root / "demo")
        baseline = landing_weight(root / "bare" / "out")
        within = site["total"] <= baseline["total"] and not site["outside"]
        verdict = "ok" if within else "OVER"
        print(
            f"{'landing page, gzip, all requests':34} {kb(site['total'])} in {site['requests']} "
            f"requests, {site['total'] / baseline['total']:.2f}× the bare page "
            f"(target ≤ 1.00×: {verdict})   "
            f"| bare page {kb(baseline['total'])} in {baseline['requests']} requests"
        )
        kinds = sorted(site["by_type"].items())
        print(f"{'  by type':34} " + ", ".join(f"{k} {kb(v)}" for k, v in kinds))
        for kind, path, size in site["fetched"]:
            print(f"{'':36}{size / 1024:6.1f} KB  {kind:10} {path}")
        print(
            f"{'requests to other hosts':34} {len(site['outside'])}   "
            f"| bare page {len(baseline['outside'])}"
        )
        for url in site["outside"]:
            print(f"  outside: {url}")


if __name__ == "__main__":
    main()
