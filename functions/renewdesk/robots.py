"""The store's group robots, over HTTPS in each one's own message format.

- WeCom (企业微信) group robot: ``POST <webhook>`` (``https://qyapi.weixin.qq.com/cgi-bin/
  webhook/send?key=...``) with ``{"msgtype": "markdown", "markdown": {"content": ...}}``
  (content at most 4096 bytes); it answers ``{"errcode": 0, "errmsg": "ok"}``, errcode 45009
  when over its 20 messages a minute.
- DingTalk (钉钉) custom robot: ``POST <webhook>`` (``https://oapi.dingtalk.com/robot/send?
  access_token=...``) with ``{"msgtype": "markdown", "markdown": {"title": ..., "text": ...}}``;
  with a secret (加签) the URL also carries ``timestamp`` (milliseconds) and ``sign``, the
  Base64 of HMAC-SHA256 over ``"<timestamp>\\n<secret>"`` keyed by the secret, URL-encoded.
  It answers ``{"errcode": 0}``; errcode 130101 when sending too fast (it then mutes the robot
  for 10 minutes).

The webhook URLs hold the robots' keys: they are never logged, and failures carry a short code
only. Settings: NOTIFY_WECOM_WEBHOOK, NOTIFY_DINGTALK_WEBHOOK, NOTIFY_DINGTALK_SECRET; on AWS
from SSM Parameter Store (``<prefix>notify-wecom-webhook`` ...), like the link-signing key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Callable

from renewdesk.config import Settings
from renewdesk.services.notifications import DeliveryFailed, Message, Robot

WECOM_THROTTLED = 45009
DINGTALK_THROTTLED = 130101
MAX_BODY = 4000  # WeCom's markdown content limit is 4096 bytes


def check_webhook(url: str, setting: str) -> str:
    """An https URL (plain http only to this machine, for tests and local receivers)."""
    parts = urllib.parse.urlsplit(url)
    local = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        raise ValueError(f"{setting} must be an https URL")
    if not parts.netloc:
        raise ValueError(f"{setting} must be an https URL")
    return url


def post_json(url: str, body: dict[str, Any], timeout: float) -> dict[str, Any]:
    """POST JSON, answer the JSON reply; DeliveryFailed with a short reason otherwise."""
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        # Only http(s) URLs checked by check_webhook reach here: bandit's B310 does not apply.
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # nosec B310
            raw = answer.read(65536)
    except urllib.error.HTTPError as error:
        raise DeliveryFailed(f"http_{error.code}", throttled=error.code == 429) from None
    except (TimeoutError, socket.timeout):
        raise DeliveryFailed("timeout") from None
    except urllib.error.URLError as error:
        timed_out = isinstance(error.reason, (TimeoutError, socket.timeout))
        raise DeliveryFailed("timeout" if timed_out else "unreachable") from None
    except OSError:
        raise DeliveryFailed("unreachable") from None
    try:
        reply = json.loads(raw.decode("utf-8"))
    except ValueError:
        raise DeliveryFailed("bad_answer") from None
    return reply if isinstance(reply, dict) else {}


def _errcode(reply: dict[str, Any], throttled_code: int) -> None:
    code = reply.get("errcode")
    if code == 0:
        return
    raise DeliveryFailed(f"errcode_{code}", throttled=code == throttled_code)


def _fit(text: str) -> str:
    """Cut a message to the robots' size limit (in UTF-8 bytes), on a line."""
    if len(text.encode("utf-8")) <= MAX_BODY:
        return text
    kept = text.encode("utf-8")[: MAX_BODY - 4].decode("utf-8", "ignore")
    return kept.rsplit("\n", 1)[0] + "\n…"


class WeComRobot:
    """A WeCom group robot."""

    name = "wecom"

    def __init__(self, webhook: str, timeout: float = 5.0):
        self.webhook = check_webhook(webhook, "NOTIFY_WECOM_WEBHOOK")
        self.timeout = timeout

    def body(self, message: Message) -> dict[str, Any]:
        """The robot's markdown message."""
        return {"msgtype": "markdown", "markdown": {"content": _fit("\n".join(message.lines))}}

    def send(self, message: Message) -> None:
        _errcode(post_json(self.webhook, self.body(message), self.timeout), WECOM_THROTTLED)


class DingTalkRobot:
    """A DingTalk custom robot, signed when it has a secret."""

    name = "dingtalk"

    def __init__(
        self,
        webhook: str,
        secret: str | None = None,
        timeout: float = 5.0,
        clock: Callable[[], float] = time.time,
    ):
        self.webhook = check_webhook(webhook, "NOTIFY_DINGTALK_WEBHOOK")
        self.secret = secret
        self.timeout = timeout
        self.clock = clock

    def signed_url(self) -> str:
        """The webhook with ``timestamp`` and ``sign`` when the robot has a secret."""
        if not self.secret:
            return self.webhook
        timestamp = str(round(self.clock() * 1000))
        sign = dingtalk_sign(timestamp, self.secret)
        query = urllib.parse.urlencode({"timestamp": timestamp, "sign": sign})
        return f"{self.webhook}{'&' if '?' in self.webhook else '?'}{query}"

    def body(self, message: Message) -> dict[str, Any]:
        """The robot's markdown message (a paragraph per line: DingTalk joins single breaks)."""
        return {
            "msgtype": "markdown",
            "markdown": {"title": message.title, "text": _fit("\n\n".join(message.lines))},
        }

    def send(self, message: Message) -> None:
        _errcode(post_json(self.signed_url(), self.body(message), self.timeout), DINGTALK_THROTTLED)


def dingtalk_sign(timestamp: str, secret: str) -> str:
    """Base64 HMAC-SHA256 of "<timestamp>\\n<secret>" keyed by the secret (before URL encoding)."""
    digest = hmac.new(
        secret.encode("utf-8"), f"{timestamp}\n{secret}".encode("utf-8"), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode("ascii")


def configured(settings: Settings) -> list[Robot]:
    """The robots the settings name (none when neither webhook is set)."""
    from renewdesk.secrets import read_optional_secret

    def setting(value: str | None, name: str) -> str | None:
        return value or read_optional_secret(settings, name)

    robots: list[Robot] = []
    wecom = setting(settings.notify_wecom_webhook, "notify-wecom-webhook")
    if wecom:
        robots.append(WeComRobot(wecom, settings.notify_timeout_seconds))
    dingtalk = setting(settings.notify_dingtalk_webhook, "notify-dingtalk-webhook")
    if dingtalk:
        secret = setting(settings.notify_dingtalk_secret, "notify-dingtalk-secret")
        robots.append(DingTalkRobot(dingtalk, secret, settings.notify_timeout_seconds))
    return robots
