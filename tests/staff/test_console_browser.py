"""The console in Debian's Chromium: claim, follow up, close lost, see the defeat analysis."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from renewdesk.devserver import serve_in_thread
from renewdesk.services import clock
from renewdesk.wiring import Services
from tests.pages import SCREENSHOTS
from tests.staff.conftest import PASSWORD, add_lead


@pytest.fixture
def console(settings):
    """The app served over HTTP on localhost, with two staff accounts and a queue of leads."""
    local = settings.with_(local=True)
    backend = Services(local)
    backend.staff.accounts.add("li.na", "specialist", PASSWORD)
    backend.staff.accounts.add("wang.boss", "supervisor", PASSWORD)
    now = clock.now()
    first = add_lead(backend, grade="A", name="陈静", created=now - dt.timedelta(hours=3))
    for grade, name, kind in (
        ("A", "刘洋", "renewal"),
        ("B", "王芳", "referral"),
        ("B", "赵磊", "renewal"),
        ("C", "孙丽", "renewal"),
    ):
        add_lead(
            backend,
            grade=grade,
            name=name,
            lead_type=kind,
            expiry_date=(now + dt.timedelta(days=40)).date().isoformat()
            if kind == "renewal"
            else None,
        )
    url, stop = serve_in_thread(local)
    yield url, first
    stop()


def sign_in(page, url: str, username: str) -> None:
    page.goto(f"{url}/staff/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/staff/$"))


def test_specialist_claims_follows_up_closes_lost_and_supervisor_sees_the_defeat(console, browser):
    """The whole loop through the real console, with screenshots for review."""
    from playwright.sync_api import expect

    url, first = console
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    sign_in(page, url, "li.na")
    expect(page.get_by_role("heading", name="li.na，您好")).to_be_visible()

    page.goto(f"{url}/staff/queue")
    expect(page.get_by_role("heading", name="线索队列")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "staff-queue.png"), full_page=True)

    page.get_by_role("button", name="领取下一条").click()
    page.wait_for_url(re.compile(rf"/staff/leads/{first}"))
    expect(page.get_by_role("heading", name=re.compile("陈静"))).to_be_visible()
    expect(page.locator(".notice")).to_contain_text("已领取线索")
    expect(page.get_by_role("link", name=re.compile("拨打"))).to_have_attribute(
        "href", re.compile(r"^tel:\+86")
    )

    followup = page.locator("#followup")
    followup.get_by_text("已接通").click()
    followup.get_by_label("跟进内容").fill("客户说外面报价便宜300元，考虑中")
    followup.get_by_role("button", name="保存跟进").click()
    expect(page.locator(".notice")).to_contain_text("跟进记录已保存")
    expect(page.locator(".timeline")).to_contain_text("客户说外面报价便宜300元")
    page.screenshot(path=str(SCREENSHOTS / "staff-lead.png"), full_page=True)
    phone = browser.new_page(
        viewport={"width": 390, "height": 844},
        locale="zh-CN",
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    sign_in(phone, url, "li.na")
    expect(phone.locator(".task")).to_contain_text("未预约下一步")
    phone.screenshot(path=str(SCREENSHOTS / "staff-day-phone.png"), full_page=True)
    phone.goto(page.url)
    phone.screenshot(path=str(SCREENSHOTS / "staff-lead-phone.png"), full_page=True)

    closing = page.locator("#close")
    closing.get_by_text("战败", exact=False).first.click()
    closing.locator("select[name=reason]").select_option("price")
    closing.locator("textarea[name=note]").fill("比外面贵300元")
    closing.get_by_role("button", name="确认结案").click()
    expect(page.locator(".notice")).to_contain_text("线索已结案")
    expect(page.locator(".outcome-lost")).to_contain_text("价格比外面贵")

    page.get_by_role("button", name="退出").click()
    sign_in(page, url, "wang.boss")
    page.get_by_role("link", name="月报").click()
    defeats = page.locator(".defeat-table")
    expect(defeats).to_contain_text("价格比外面贵")
    expect(defeats).to_contain_text("100.0%")
    expect(defeats).to_contain_text("比外面贵300元")
    expect(page.locator("img.chart").first).to_have_js_property("complete", True)
    assert page.evaluate("[...document.images].every(i => i.naturalWidth > 0)")
    page.screenshot(path=str(SCREENSHOTS / "staff-report.png"), full_page=True)
