"""`make preview` shows mistakes in the page and reloads; the published renewal page's headers."""

from __future__ import annotations

import json
import shutil
import threading
import time
from urllib.request import urlopen

import pytest

from renewdesk import localdb
from renewdesk.publish.generate import Options
from renewdesk.publish.preview import LivePreview, start_server
from tests.pages import AS_OF, PROJECT


def get(url: str) -> str:
    with urlopen(url, timeout=10) as answer:
        return answer.read().decode("utf-8")


def wait_for(condition, seconds: float = 30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.2)
    raise AssertionError("the preview did not rebuild in time")


@pytest.fixture
def preview(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(PROJECT / "content", content)
    import datetime as dt

    options = Options(content_dir=content, day=dt.date.fromisoformat(AS_OF), preview_pages=True)
    live = LivePreview(options, site_dir=tmp_path / "preview", interval=0.2)
    live.start()
    server = start_server(live, localdb.free_port())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield content, f"http://127.0.0.1:{server.server_address[1]}", live
    live.stop()
    server.shutdown()
    server.server_close()


def test_preview_shows_a_content_mistake_in_the_page_and_recovers(preview):
    content, url, live = preview
    assert "冬季关爱" in get(f"{url}/")
    version = json.loads(get(f"{url}/__preview__/version"))["version"]
    winter = content / "campaigns" / "winter-care.md"
    good = winter.read_text(encoding="utf-8")
    winter.write_text(good.replace("end: 2027-01-15", "end: 2027-02-30"), encoding="utf-8")
    page = wait_for(lambda: (p := get(f"{url}/offers/")) and "data-rd-preview-error" in p and p)
    assert "网站没有生成：内容需要修改" in page
    assert "content/campaigns/winter-care.md 第 5 行 → end：日期 2027-02-30 不存在" in page
    assert "Traceback" not in page and "/__preview__/reload.js" in page
    assert json.loads(get(f"{url}/__preview__/version"))["version"] > version
    winter.write_text(good, encoding="utf-8")
    wait_for(lambda: "data-rd-preview-error" not in get(f"{url}/offers/"))
    assert "/__preview__/reload.js" in get(f"{url}/offers/")  # pages reload themselves


def test_preview_has_the_campaign_calendar(preview):
    """A preview-only page: every campaign, its dates, audience and state at a glance."""
    _, url, _ = preview
    page = get(f"{url}/preview/calendar/")
    assert "活动日历（仅预览）" in page
    for state, title in (
        ("running", "冬季关爱 · 21 项免费检测"),
        ("scheduled", "夏日清凉"),
        ("ended", ""),
    ):
        assert f'data-state="{state}"' in page
        assert title in page


def test_published_site_is_built_without_the_calendar(built_site):
    assert not (built_site / "preview").exists()


def test_cloudfront_header_policies_are_valid_and_keep_the_token_page_referrer_free():
    """The response-headers policies docs/site.md attaches, checked against AWS's own model."""
    import botocore.session
    from botocore.validate import ParamValidator

    model = botocore.session.get_session().get_service_model("cloudfront")
    shape = model.operation_model("CreateResponseHeadersPolicy").input_shape
    policies = {}
    for path in sorted((PROJECT / "site" / "cloudfront").glob("*.json")):
        config = json.loads(path.read_text(encoding="utf-8"))
        report = ParamValidator().validate({"ResponseHeadersPolicyConfig": config}, shape)
        assert not report.has_errors(), report.generate_report()
        policies[config["Name"]] = config
    renew = policies["renewdesk-site-renew-page"]["SecurityHeadersConfig"]["ReferrerPolicy"]
    assert renew == {"ReferrerPolicy": "no-referrer", "Override": True}
    assert "/renew/*" in (PROJECT / "docs" / "site.md").read_text(encoding="utf-8")
