"""The inbound path in Debian's Chromium, on the server `make run` runs (with its notification
worker): a customer taps the SMS link, the group robot hears of it, a specialist finds the
customer by phone, claims the lead, reads the script, sends a quote by template and closes it
won; a caller without a lead gets one by hand. Screenshots in build/screenshots/inbound-*."""

from __future__ import annotations

import csv
import datetime as dt
import re
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from renewdesk import devserver, localdb
from renewdesk.services import clock
from renewdesk.services.roster import ImportSummary, RosterImport
from renewdesk.wiring import Services
from tests.inbound.conftest import DINGTALK_SECRET, PASSWORD, add_staff
from tests.pages import SCREENSHOTS

CUSTOMER_PHONE = "+8613800138686"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def inbound_site(settings, built_site, receiver):
    """The built site, API and console on one port with the notification worker running, its
    robots the local receiver."""
    port = localdb.free_port()
    base = f"http://127.0.0.1:{port}"
    served = settings.with_(
        site_dir=built_site,
        site_origin=base,
        local=True,
        notify_wecom_webhook=receiver.webhook("wecom"),
        notify_dingtalk_webhook=receiver.webhook("dingtalk"),
        notify_dingtalk_secret=DINGTALK_SECRET,
        notify_timeout_seconds=2.0,
    )
    url, stop = devserver.serve_in_thread(served, port=port, worker=True)
    backend = Services(served)
    add_staff(backend, "li.na")
    yield SimpleNamespace(url=url, backend=backend, settings=served)
    stop()


def sms_link(site) -> tuple[str, str]:
    """A roster policy at N-60, the day's reminders: the customer's SMS link, and the lead."""
    expiry = clock.local_date(clock.now()) + dt.timedelta(days=60)
    record = {
        "plate": "粤B86868",
        "name": "欧阳娜娜",
        "phone": CUSTOMER_PHONE,
        "expiry_date": expiry.isoformat(),
        "grade": "A",
        "last_insurer": "人保财险",
        "commercial_premium": None,
        "compulsory_premium": None,
        "model": "凯美瑞",
        "vin": None,
        "advisor": None,
    }
    backend = site.backend
    RosterImport(backend.stores.roster).import_records([record], ImportSummary())
    report = backend.roster.reminders.run()
    path = Path(site.settings.sms_outbox_dir) / f"{report.as_of.isoformat()}.csv"
    with path.open(encoding="utf-8-sig", newline="") as day_file:
        [message] = list(csv.DictReader(day_file))
    [link] = re.findall(r"https?://[^\s，。]+/r/[0-9A-Za-z]+", message["message"])
    [policy] = backend.stores.roster.get_policies(["粤B86868"]).values()
    return link, policy.lead_id


def wait_for(condition, seconds: float = 20.0):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError("waited in vain")


def sign_in(page, url: str) -> None:
    page.goto(f"{url}/staff/")
    page.get_by_label("用户名").fill("li.na")
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/staff/$"))


def test_a_tapped_sms_link_is_pushed_found_claimed_scripted_quoted_and_closed(
    inbound_site, receiver, browser, phone
):
    from playwright.sync_api import expect

    url = inbound_site.url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    link, lead_id = sms_link(inbound_site)

    # The customer taps the SMS link and confirms.
    phone.goto(link)
    oneclick = phone.locator("[data-rd-oneclick]")
    oneclick.locator("[data-rd-oneclick-preview]").wait_for()
    oneclick.locator("#oc-consent").check()
    oneclick.locator("[data-rd-submit]").click()
    phone.wait_for_url("**/thanks/?lead=*")

    # The group robots hear of it within seconds: masked, with the link to the lead.
    [pushed] = wait_for(lambda: [r for r in receiver.accepted("wecom") if lead_id in r.text])
    assert (
        "欧*" in pushed.text and "欧阳娜娜" not in pushed.text and "13800138686" not in pushed.text
    )
    assert f"{url}/staff/leads/{lead_id}" in pushed.text
    wait_for(lambda: [r for r in receiver.accepted("dingtalk") if lead_id in r.text])

    # The customer phones; the specialist finds them by the number they say.
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
    desk = context.new_page()
    problems: list[str] = []
    # Console errors (CSP violations among them), but for the icon the console does not have.
    desk.on(
        "console",
        lambda m: (
            m.type == "error"
            and not m.location.get("url", "").endswith("/favicon.ico")
            and problems.append(m.text)
        ),
    )
    desk.on("pageerror", lambda e: problems.append(str(e)))
    sign_in(desk, url)
    box = desk.get_by_role("searchbox", name="查找客户")
    box.fill("138 0013 8686")
    box.press("Enter")
    results = desk.locator(".search-results")
    expect(results).to_contain_text("欧*")
    desk.screenshot(path=str(SCREENSHOTS / "inbound-search.png"), full_page=True)
    results.get_by_role("button", name="领取").click()
    desk.wait_for_url(re.compile(rf"/staff/leads/{lead_id}\?notice=claimed"))
    expect(desk.get_by_role("heading", name=re.compile("欧阳娜娜"))).to_be_visible()
    expect(desk.locator(".lead-head")).to_contain_text("天后到期")

    # The script for a customer's own request, and the objection answers.
    scripts = desk.locator("#scripts")
    expect(scripts).to_contain_text("客户主动申请后的回电")
    expect(scripts.locator("details.script").first).to_have_attribute("open", "")
    expect(scripts).to_contain_text("欧阳娜娜")
    scripts.get_by_text("价格比外面贵").click()
    expect(desk.locator("#objection-price")).to_contain_text("逐项对比")
    desk.screenshot(path=str(SCREENSHOTS / "inbound-lead-scripts.png"), full_page=True)

    # The quote recorded (a quoted follow-up needs one), sent by SMS from its template:
    # copied, sent, logged as a follow-up.
    quoting = desk.locator("#quote")
    quoting.locator("select[name=insurer]").select_option("人保")
    quoting.locator("input[name=commercial_premium]").fill("4330")
    quoting.locator("input[name=compulsory_premium]").fill("950")
    quoting.get_by_role("button", name="保存报价").click()
    expect(desk.locator(".notice")).to_contain_text("报价已登记")
    expect(desk.locator(".quote-card")).to_contain_text("人保")
    quote = desk.locator("#template-quote_sms")
    quote.get_by_role("button", name="复制").click()
    expect(quote.get_by_role("button", name="已复制")).to_be_visible()
    copied = desk.evaluate("navigator.clipboard.readText()")
    assert "欧阳娜娜" in copied and "粤B86868" in copied
    quote.get_by_role("button", name="已发送，记跟进").click()
    expect(desk.locator(".notice")).to_contain_text("消息已记为一条跟进")
    expect(desk.locator(".timeline")).to_contain_text("报价短信")

    # Closed won with the quote (premium and insurer come from it); the next lead is one
    # click away.
    closing = desk.locator("#close")
    closing.get_by_text("成功续保", exact=False).first.click()
    expect(closing.locator("input[name=quote_id]").first).to_be_checked()
    closing.get_by_role("button", name="确认结案").click()
    expect(desk.locator(".notice")).to_contain_text("线索已结案")
    expect(desk.locator("#next-lead")).to_contain_text("领取下一条")
    closed = inbound_site.backend.stores.leads.get_lead(lead_id)
    assert (closed.outcome, closed.insurer, closed.premium) == ("won", "人保", 5280)

    # Keyboard: "?" lists the shortcuts.
    desk.keyboard.press("?")
    expect(desk.locator("dialog#shortcuts")).to_be_visible()
    desk.screenshot(path=str(SCREENSHOTS / "inbound-shortcuts.png"))
    desk.keyboard.press("Escape")
    expect(desk.locator("dialog#shortcuts")).to_be_hidden()
    desk.keyboard.press("/")
    assert desk.evaluate("document.activeElement.id") == "topbar-q"
    assert problems == []
    context.close()


def test_a_caller_without_a_lead_gets_one_by_hand_and_the_phone_reaches_the_form(
    inbound_site, browser
):
    from playwright.sync_api import expect

    url = inbound_site.url
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    desk = context.new_page()
    sign_in(desk, url)
    box = desk.get_by_role("searchbox", name="查找客户")
    box.fill("139 0013 5555")
    box.press("Enter")
    expect(desk.locator(".search-results")).to_contain_text("没有找到")
    desk.get_by_role("link", name=re.compile("为来电客户新建线索")).click()
    form = desk.locator(".new-lead-form")
    expect(form.locator("input[name=phone]")).to_have_value("+8613900135555")
    form.locator("input[name=name]").fill("郑爽")
    form.locator("input[name=plate]").fill("粤B55555")
    form.get_by_text("口头同意", exact=False).click()
    desk.screenshot(path=str(SCREENSHOTS / "inbound-new-lead.png"), full_page=True)
    form.get_by_role("button", name="新建并开始跟进").click()
    expect(desk.locator(".notice")).to_contain_text("线索已新建")
    expect(desk.get_by_role("heading", name=re.compile("郑爽"))).to_be_visible()
    lead_id = desk.url.split("/staff/leads/")[1].split("?")[0]
    context.close()

    # On a phone: right after the call button, the follow-up form; the action bar at hand.
    handset = browser.new_context(
        viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True, device_scale_factor=2
    )
    page = handset.new_page()
    sign_in(page, url)
    page.goto(f"{url}/staff/leads/{lead_id}")
    call = page.locator(".contact .btn.call")
    followup = page.locator("#followup")
    expect(call).to_be_visible()
    order = page.evaluate(
        """() => [...document.querySelector('.lead-grid').children]
              .filter(e => e.offsetParent !== null || e.matches('.lead-side, .lead-main'))
              .flatMap(e => e.matches('.lead-side, .lead-main') ? [...e.children] : [e])
              .filter(e => e.getBoundingClientRect().height > 0)
              .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)
              .map(e => e.id || e.className)"""
    )
    assert order.index("followup") == order.index("card contact") + 1, order
    actions = page.locator(".contact .phone-actions")
    expect(actions).to_be_visible()
    box = actions.bounding_box()
    assert box["y"] > call.bounding_box()["y"] and box["y"] + box["height"] <= PHONE["height"]
    page.screenshot(path=str(SCREENSHOTS / "inbound-lead-phone.png"), full_page=True)
    actions.get_by_role("link", name="记跟进").click()
    assert page.evaluate("document.activeElement.name") == "channel"
    assert followup.bounding_box()["y"] < PHONE["height"]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    handset.close()
