"""`make preview`: the site as marketing edits it, rebuilt on every save.

Each change under content/ (or the site's own code) rebuilds the site into build/preview; open
pages reload themselves. A content mistake does not leave the browser waiting: every page
shows the build's explanation (file, line, field, reason) until the file is fixed. The preview
also has the campaign calendar page, which is never published.
"""

from __future__ import annotations

import html
import json
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from renewdesk import i18n
from renewdesk.config import PROJECT_ROOT
from renewdesk.publish import building
from renewdesk.publish.generate import GenerateFailed, Options

PREVIEW_DIR = PROJECT_ROOT / "build" / "preview"
WATCHED = (PROJECT_ROOT / "site", PROJECT_ROOT / "functions" / "renewdesk" / "messages")
RELOAD_PATH = "/__preview__/reload.js"
VERSION_PATH = "/__preview__/version"
ASSET_SUFFIXES = (".css", ".js", ".svg", ".png", ".jpg", ".jpeg", ".webp", ".json")
RELOAD_JS = (
    """(function () {
  var seen = null;
  function check() {
    fetch("%s", {cache: "no-store"}).then(function (r) { return r.json(); }).then(function (v) {
      if (seen !== null && v.version !== seen) { location.reload(); }
      seen = v.version;
    }).catch(function () {}).then(function () { setTimeout(check, 1000); });
  }
  check();
})();
"""
    % VERSION_PATH
)


class LivePreview:
    """Builds on change and remembers the last outcome."""

    def __init__(self, options: Options, site_dir: Path = PREVIEW_DIR, interval: float = 0.5):
        self.options = options
        self.site_dir = Path(site_dir)
        self.interval = interval
        self.version = 0
        self.error: str | None = None
        self._stop = threading.Event()
        self._stamp: tuple = ()

    def watched(self) -> list[Path]:
        return [Path(self.options.content_dir), *WATCHED]

    def _snapshot(self) -> tuple:
        return tuple(
            sorted(
                (str(p), p.stat().st_mtime_ns, p.stat().st_size)
                for root in self.watched()
                if root.is_dir()
                for p in root.rglob("*")
                if p.is_file()
            )
        )

    def rebuild(self) -> None:
        """One build; a failure becomes the page every address shows."""
        try:
            building.build(self.options, self.site_dir)
            self.error = None
        except GenerateFailed as failed:
            self.error = str(failed)
        except Exception as error:
            self.error = i18n.message(
                self.options.language,
                "site.build.crashed",
                detail=f"{type(error).__name__}: {str(error)[:300]}",
            )
        self.version += 1
        print(self.error or i18n.message(self.options.language, "site.preview.rebuilt"), flush=True)

    def watch(self) -> None:
        """Rebuild whenever a watched file changes, until stopped."""
        while not self._stop.wait(self.interval):
            stamp = self._snapshot()
            if stamp != self._stamp:
                self._stamp = stamp
                self.rebuild()

    def start(self) -> None:
        self._stamp = self._snapshot()
        self.rebuild()
        threading.Thread(target=self.watch, daemon=True, name="preview-watch").start()

    def stop(self) -> None:
        self._stop.set()

    def error_page(self) -> bytes:
        language = self.options.language
        title = i18n.message(language, "site.preview.error_title")
        hint = i18n.message(language, "site.preview.error_hint")
        body = (
            f'<!doctype html><html lang="zh"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>{html.escape(title)}</title><style>body{{font-family:sans-serif;"
            f"margin:1.5rem;line-height:1.6;color:#1c2433}}h1{{color:#b3261e;font-size:1.3rem}}"
            f"pre{{white-space:pre-wrap;background:#fff6f5;border:2px solid #b3261e;"
            f"border-radius:8px;padding:1rem;font-size:.95rem}}</style></head><body>"
            f"<h1>{html.escape(title)}</h1><p>{html.escape(hint)}</p>"
            f"<pre data-rd-preview-error>{html.escape(self.error or '')}</pre>"
            f'<script src="{RELOAD_PATH}"></script></body></html>'
        )
        return body.encode("utf-8")


class _Handler(SimpleHTTPRequestHandler):
    preview: LivePreview

    def log_message(self, *args: Any) -> None:  # quiet: marketing reads the build's lines
        pass

    def _send(self, status: int, kind: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path == VERSION_PATH:
            return self._send(
                200, "application/json", json.dumps({"version": self.preview.version}).encode()
            )
        if path == RELOAD_PATH:
            return self._send(200, "text/javascript; charset=utf-8", RELOAD_JS.encode())
        if self.preview.error is not None and Path(path).suffix not in ASSET_SUFFIXES:
            return self._send(200, "text/html; charset=utf-8", self.preview.error_page())
        target = Path(self.translate_path(path))
        if target.is_dir():
            target = target / "index.html"
        if target.suffix == ".html" and target.is_file():
            page = target.read_bytes().replace(
                b"</body>", f'<script src="{RELOAD_PATH}"></script></body>'.encode(), 1
            )
            return self._send(200, "text/html; charset=utf-8", page)
        return super().do_GET()


def start_server(preview: LivePreview, port: int) -> ThreadingHTTPServer:
    """The preview's HTTP server on 127.0.0.1 (serve_forever it in a thread or here)."""
    handler = partial(
        type("PreviewHandler", (_Handler,), {"preview": preview}), directory=str(preview.site_dir)
    )
    return ThreadingHTTPServer(("127.0.0.1", port), handler)


def serve(options: Options, port: int) -> None:
    """Run the preview in the foreground until Ctrl-C."""
    preview = LivePreview(options)
    preview.start()
    server = start_server(preview, port)
    print(
        i18n.message(options.language, "site.preview.running", url=f"http://127.0.0.1:{port}/"),
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        preview.stop()
        server.server_close()
