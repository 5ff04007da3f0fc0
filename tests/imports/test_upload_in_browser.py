"""The supervisor's upload in Debian's Chromium: drop a DMS export on the page, see the header
found and the column mapping, confirm, watch the progress bar, read the summary, download the
rejected rows. Screenshots in build/screenshots/ for review."""

from __future__ import annotations

import base64
import re

import pytest

from renewdesk.devserver import serve_in_thread
from renewdesk.wiring import Services
from tests.imports import dms
from tests.pages import PHONE, SCREENSHOTS
from tests.staff.conftest import PASSWORD

ROWS = 4000


@pytest.fixture
def console(settings):
    local = settings.with_(local=True)
    Services(local).staff.accounts.add("wang.boss", "supervisor", PASSWORD)
    url, stop = serve_in_thread(local)
    yield url, Services(local)
    stop()


def sign_in(page, url: str) -> None:
    page.goto(f"{url}/staff/")
    page.get_by_label("用户名").fill("wang.boss")
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/staff/$"))


def drop(page, selector: str, name: str, data: bytes) -> None:
    """Drop a file on an element, as dragging it from the desktop does."""
    page.evaluate(
        """([selector, name, encoded]) => {
          const bytes = Uint8Array.from(atob(encoded), c => c.charCodeAt(0));
          const transfer = new DataTransfer();
          transfer.items.add(new File([bytes], name));
          const zone = document.querySelector(selector);
          zone.dispatchEvent(new DragEvent("dragover", {dataTransfer: transfer, bubbles: true}));
          zone.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true}));
        }""",
        [selector, name, base64.b64encode(data).decode()],
    )


def test_the_supervisor_drops_a_file_checks_the_mapping_and_watches_it_import(
    console, browser, tmp_path
):
    from playwright.sync_api import expect

    url, backend = console
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    export = dms.big_xlsx(tmp_path / "续保名单.xlsx", ROWS)
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    problems: list[str] = []
    # Script errors and CSP violations; failed loads by their address (the browser's own
    # /favicon.ico request is not the page's).
    page.on(
        "console",
        lambda m: (
            m.type == "error"
            and not m.text.startswith("Failed to load resource")
            and problems.append(m.text)
        ),
    )
    page.on("response", lambda r: r.status >= 400 and problems.append(r.url))
    sign_in(page, url)
    page.get_by_role("link", name="花名册导入").click()
    expect(page.get_by_role("heading", name="花名册导入")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "roster-upload.png"), full_page=True)

    drop(page, "[data-dropzone]", "续保名单.xlsx", export.read_bytes())
    page.wait_for_url(re.compile(r"/staff/roster/imports/\w+$"))
    expect(page.get_by_role("heading", name="确认导入")).to_be_visible()
    expect(page.locator("[data-header-found]")).to_have_text("表头在第 3 行（工作表“续保名单”）")
    mapping = page.locator("[data-mapping]")
    expect(mapping).to_contain_text("“手机号”")
    expect(mapping).to_contain_text("上年商业险保费")
    expect(page.locator(".notices")).to_contain_text("合计行")
    assert "policy" not in _kinds(backend)  # nothing written before the confirmation
    page.screenshot(path=str(SCREENSHOTS / "roster-upload-preview.png"), full_page=True)

    page.get_by_role("button", name=f"确认导入 {ROWS - 2} 行").click()
    bar = page.locator("[data-progress]")
    expect(page.get_by_role("heading", name=re.compile("正在导入|导入完成"))).to_be_visible()
    page.wait_for_function(
        "() => { const b = document.querySelector('[data-progress]'); return !b || (b.value > 0); }"
    )
    if page.locator("[data-state=running], [data-state=queued]").count():
        page.screenshot(path=str(SCREENSHOTS / "roster-upload-progress.png"), full_page=True)
        assert 0 < float(bar.get_attribute("value") or bar.evaluate("b => b.value")) <= ROWS
    expect(page.get_by_role("heading", name="导入完成")).to_be_visible(timeout=90_000)
    expect(page.locator(".notice").first).to_contain_text(
        f"新增 {ROWS - 2}，更新 0，未变 0，拒绝 2 行"
    )
    expect(bar).to_have_attribute("value", str(ROWS))
    page.screenshot(path=str(SCREENSHOTS / "roster-upload-done.png"), full_page=True)

    with page.expect_download() as downloaded:
        page.get_by_role("link", name=re.compile("下载被拒绝的 2 行")).click()
    text = open(downloaded.value.path(), encoding="utf-8-sig").read()
    assert text.splitlines()[0].endswith("拒绝原因,原文件行号")
    assert len(text.splitlines()) == 3
    assert problems == []

    phone = browser.new_page(viewport=PHONE, locale="zh-CN", is_mobile=True)
    phone.context.add_cookies(page.context.cookies())
    phone.goto(page.url)
    expect(phone.get_by_role("heading", name="导入完成")).to_be_visible()
    phone.screenshot(path=str(SCREENSHOTS / "roster-upload-done-phone.png"), full_page=True)
    phone.close()
    page.close()


def _kinds(backend) -> set[str]:
    prefix = f"ST#{backend.settings.store_id}#"
    page = backend.client.scan(
        TableName=backend.settings.table_name,
        FilterExpression="begins_with(pk, :p)",
        ExpressionAttributeValues={":p": {"S": prefix}},
    )
    return {i["pk"]["S"][len(prefix) :].split("#")[0].lower() for i in page["Items"]}
