"""Finding a customer from the top bar, on a phone, in Debian's Chromium."""

from __future__ import annotations

import re

from renewdesk.wiring import Services
from tests.pages import SCREENSHOTS
from tests.staff.test_console_browser import console, sign_in  # noqa: F401 (fixture)


def test_a_specialist_finds_a_caller_from_the_top_bar_on_a_phone(console, browser, settings):  # noqa: F811
    """The number as the customer says it, a result that opens the lead, a bad number
    explained in the page; nothing wider than the screen."""
    from playwright.sync_api import expect

    url, first = console
    phone_number = Services(settings.with_(local=True)).stores.queue.get_lead(first).phone
    spoken = f"{phone_number[3:6]} {phone_number[6:10]} {phone_number[10:]}"
    page = browser.new_page(
        viewport={"width": 390, "height": 844},
        locale="zh-CN",
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    sign_in(page, url, "li.na")
    box = page.get_by_role("searchbox", name="查找客户")
    expect(box).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    box.fill(spoken)
    box.press("Enter")
    page.wait_for_url(re.compile(r"/staff/search\?q="))
    results = page.locator(".search-results")
    expect(results).to_contain_text("陈*")
    expect(results).to_contain_text("待领取")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "staff-search-phone.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    results.get_by_role("link", name="陈*").click()
    page.wait_for_url(re.compile(rf"/staff/leads/{first}$"))

    page.goto(f"{url}/staff/search")
    page.get_by_label("查找客户").fill("9000")
    page.get_by_role("button", name="查找").click()
    expect(page.locator("#err-q")).to_contain_text("请输入11位手机号")
