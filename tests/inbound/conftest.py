"""Inbound fixtures: the staff tests' clock and sign-in, and a real local HTTP receiver that plays
the store's WeCom group robot and DingTalk robot (it can fail, hang past the client's timeout,
or accept, in the order a test scripts)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from renewdesk.app import create_app
from tests.staff.conftest import (  # noqa: F401  (fixtures used here as the staff tests have them)
    PASSWORD,
    START,
    Clock,
    HttpsClient,
    add_lead,
    add_staff,
    app,
    backend,
    fake_clock,
    post,
    settings,
    sign_in,
    specialist,
    supervisor,
)

DINGTALK_SECRET = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"
CLIENT_TIMEOUT = 0.5


@dataclass
class Received:
    """One request a robot received, and what it answered."""

    robot: str
    body: dict
    query: dict
    answered: str  # accept | fail | timeout | throttle

    @property
    def text(self) -> str:
        markdown = self.body.get("markdown", {})
        return markdown.get("content") or markdown.get("text") or ""


@dataclass
class Receiver:
    """The robots' side: what each got, and a script of answers per robot (then accept)."""

    url: str
    plan: dict[str, list[str]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def webhook(self, robot: str) -> str:
        return f"{self.url}/{robot}/send?key=test-key"

    def accepted(self, robot: str | None = None) -> list[Received]:
        return [r for r in self.received if r.answered == "accept" and robot in (None, r.robot)]

    def answer_for(self, robot: str) -> str:
        with self.lock:
            script = self.plan.get(robot) or []
            return script.pop(0) if script else "accept"


def _handler(receiver: Receiver):
    class Robot(BaseHTTPRequestHandler):
        def log_message(self, *args):  # no access log in the test output
            pass

        def do_POST(self):
            parts = urllib.parse.urlsplit(self.path)
            robot = parts.path.strip("/").split("/")[0]
            query = dict(urllib.parse.parse_qsl(parts.query))
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            answer = receiver.answer_for(robot)
            if robot == "dingtalk" and not _signed(query):
                answer = "bad_sign"
            with receiver.lock:
                receiver.received.append(Received(robot, body, query, answer))
            if answer == "timeout":
                time.sleep(CLIENT_TIMEOUT * 3)  # the client has given up long before
                return
            if answer == "fail":
                self._reply(500, {"errcode": -1, "errmsg": "system busy"})
            elif answer == "throttle":
                code = 45009 if robot == "wecom" else 130101
                self._reply(200, {"errcode": code, "errmsg": "api freq out of limit"})
            elif answer == "bad_sign":
                self._reply(200, {"errcode": 310000, "errmsg": "sign not match"})
            else:
                self._reply(200, {"errcode": 0, "errmsg": "ok"})

        def _reply(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Robot


def _signed(query: dict) -> bool:
    """DingTalk's check: sign = Base64(HMAC-SHA256(secret, timestamp + "\\n" + secret)), with a
    timestamp (ms) within an hour."""
    timestamp, sign = query.get("timestamp"), query.get("sign")
    if not timestamp or not sign or abs(time.time() * 1000 - int(timestamp)) > 3600_000:
        return False
    digest = hmac.new(
        DINGTALK_SECRET.encode(), f"{timestamp}\n{DINGTALK_SECRET}".encode(), hashlib.sha256
    ).digest()
    return hmac.compare_digest(base64.b64encode(digest).decode(), sign)


@pytest.fixture
def receiver():
    """A real HTTP server on a free local port, for as long as the test runs."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), None)
    found = Receiver(f"http://127.0.0.1:{server.server_address[1]}")
    server.RequestHandlerClass = _handler(found)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield found
    server.shutdown()
    server.server_close()


@pytest.fixture
def robots_settings(settings, receiver):
    """Settings whose WeCom and DingTalk robots are the receiver, with a short client timeout."""
    return settings.with_(
        notify_wecom_webhook=receiver.webhook("wecom"),
        notify_dingtalk_webhook=receiver.webhook("dingtalk"),
        notify_dingtalk_secret=DINGTALK_SECRET,
        notify_timeout_seconds=CLIENT_TIMEOUT,
        console_origin="https://console.example-4s.cn",
    )


@pytest.fixture
def robot_app(robots_settings, fake_clock):
    """The app with both robots set up."""
    application = create_app(robots_settings, now=fake_clock)
    application.test_client_class = HttpsClient
    return application


def submit(app, **fields):
    """A customer's renewal request through the public API (the site's form)."""
    body = {"name": "张伟", "phone": "13900139000", "plate": "粤B12345", "consent": True, **fields}
    answer = app.test_client().post("/api/renewals", json=body)
    assert answer.status_code in (200, 201), answer.get_json()
    return answer.get_json()["lead_id"]
