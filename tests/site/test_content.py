"""content/ is validated before anything is built: each problem names file, field and reason."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from renewdesk.content import ContentInvalid, calendar, load
from tests.pages import PROJECT


@pytest.fixture
def content(tmp_path):
    """A copy of the demo content to break."""
    root = tmp_path / "content"
    shutil.copytree(PROJECT / "content", root)
    return root


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def problems(root) -> list[str]:
    with pytest.raises(ContentInvalid) as caught:
        load(root)
    return [p.message() for p in caught.value.problems]


def test_demo_content_is_valid():
    """The shipped demo content loads without a problem."""
    content = load(PROJECT / "content")
    assert content.store.hotlines["rescue"].number
    assert len(content.campaigns) >= 5
    assert content.consent.version


def test_end_date_before_start_date_is_rejected(content):
    """A campaign ending before it starts names the file and the end field."""
    edit(content / "campaigns" / "winter-care.md", "end: 2027-01-15", "end: 2026-11-01")
    assert problems(content) == [
        "content/campaigns/winter-care.md 第 5 行 → end：结束日期 2026-11-01 早于开始日期 2026-11-15"
    ]


def test_overlapping_premium_bands_are_rejected(content):
    """A band that starts inside the previous one is an overlap, naming that band."""
    edit(content / "offers.yml", "      premium_to: 5000\n", "      premium_to: 6000\n")
    assert problems(content) == [
        "content/offers.yml 第 28 行 → renewal_gifts.tiers[3].premium_from：保费区间与另一档（3,000–6,000 元）重叠"
    ]


def test_gap_between_premium_bands_is_rejected(content):
    """Premiums no band covers would leave a customer without gifts."""
    edit(content / "offers.yml", "      premium_to: 5000\n", "      premium_to: 4000\n")
    assert problems(content) == [
        "content/offers.yml 第 28 行 → renewal_gifts.tiers[3].premium_from：与上一档之间有空档：保费 4,000–5,000 元没有对应的礼包"
    ]


def test_top_band_must_stay_open(content):
    """The highest band has no upper limit, or higher premiums get nothing."""
    edit(
        content / "offers.yml",
        "    - premium_from: 8000\n",
        "    - premium_from: 8000\n      premium_to: 20000\n",
    )
    assert problems(content) == [
        "content/offers.yml 第 37 行 → renewal_gifts.tiers[4].premium_to：最高一档不应写 premium_to（20,000），否则保费更高的客户没有礼包"
    ]


def test_missing_hotline_is_rejected(content):
    """The rescue hotline the call bar and claims guide need must exist."""
    edit(content / "store.yml", "  rescue:\n", "  towing:\n")
    found = problems(content)
    assert (
        found[0]
        == "content/store.yml 第 24 行 → hotlines.rescue：缺少“rescue”热线：网站的拨号按钮和理赔指南要用它"
    )
    # Every page still mentioning it is named too, so nothing is left to find on the next run.
    assert any(
        p.startswith("content/claims.yml 第 4 行 → hotlines[1]：没有名为“rescue”的热线")
        for p in found
    )
    assert any(
        p.startswith("content/pages/about.md 第 17 行：标记 {{ hotline.rescue }} 无法识别")
        for p in found
    )


def test_unknown_marker_in_a_page_names_its_line(content):
    """A mistyped marker in Markdown is reported with its line in the file."""
    edit(content / "pages" / "why-renew-here.md", "{{ hotline.claims }}", "{{ hotline.claim }}")
    [problem] = problems(content)
    assert problem.startswith(
        "content/pages/why-renew-here.md 第 14 行：标记 {{ hotline.claim }} 无法识别，可用："
    )
    assert "hotline.claims" in problem


def test_unknown_marker_in_data_names_its_field(content):
    """Markers in YAML text are checked too, by field."""
    edit(content / "club.yml", "{{ hotline.rescue }}", "{{ store.phone }}")
    [problem] = problems(content)
    assert problem.startswith(
        "content/club.yml 第 31 行 → services[0].description：标记 {{ store.phone }} 无法识别"
    )


def test_unknown_hotline_reference_is_rejected(content):
    """A campaign's call button must name a hotline of the store."""
    edit(content / "campaigns" / "winter-care.md", "hotline: service", "hotline: workshop")
    [problem] = problems(content)
    assert problem.startswith(
        "content/campaigns/winter-care.md 第 8 行 → hotline：没有名为“workshop”的热线，store.yml 中有：insurance、rescue"
    )


def test_club_service_must_name_real_tiers_and_say_its_price(content):
    """Unknown member tiers and paid services without a price are both reported."""
    edit(
        content / "club.yml",
        "    tiers: [owner]\n    cost: free\n",
        "    tiers: [gold]\n    cost: paid\n",
    )
    assert problems(content) == [
        "content/club.yml 第 32 行 → services[0].tiers[0]：没有名为“gold”的会员等级，可用：owner、ordinary",
        "content/club.yml 第 29 行 → services[0].price：收费项目（cost: paid）必须填写 price",
    ]


def test_unquoted_number_asks_for_quotes(content):
    """YAML reads 122 as a number: the message says to quote it."""
    edit(content / "claims.yml", 'number: "122"', "number: 122")
    assert problems(content) == [
        'content/claims.yml 第 7 行 → emergency_numbers[0].number：应为文字；纯数字、时间或以 0 开头的号码请加英文引号，例如 "0755-2345 6789"'
    ]


def test_yaml_syntax_error_names_the_line(content):
    """Broken indentation is reported with its line, never as a traceback."""
    edit(content / "club.yml", "  - key: ordinary\n", "  - key: ordinary\n  bad: [\n")
    [problem] = problems(content)
    assert (
        problem
        == "content/club.yml 第 19 行：缩进不对：这一行和上一级没有对齐（只能用空格，同一级的字段要左边对齐）"
    )


def test_misspelt_field_is_reported(content):
    """extra='forbid': a typo is not silently ignored."""
    edit(content / "campaigns" / "winter-care.md", "summary:", "sumary:")
    assert problems(content) == [
        "content/campaigns/winter-care.md → summary：必须填写",
        "content/campaigns/winter-care.md 第 3 行 → sumary：无法识别的字段（是否拼写错误？）",
    ]


def test_campaigns_with_gift_tiers_may_not_overlap(content):
    """Only one set of gift tiers may apply on a given day."""
    source = (content / "campaigns" / "year-end-renewal.md").read_text(encoding="utf-8")
    (content / "campaigns" / "spring-renewal.md").write_text(
        source.replace("start: 2026-11-01", "start: 2027-01-20").replace(
            "end: 2027-01-31", "end: 2027-03-31"
        ),
        encoding="utf-8",
    )
    assert problems(content) == [
        "content/campaigns/spring-renewal.md 第 14 行 → gift_tiers：与 content/campaigns/year-end-renewal.md 的续保礼包时间重叠（2027-01-20 至 2027-01-31），同一天只能有一套礼包"
    ]


def test_sms_templates_are_checked_by_the_reminders_rules(content):
    """An SMS placeholder the sender cannot fill stops the build before any SMS goes out."""
    edit(content / "sms.yml", "{day}日到期", "{expiry}到期")
    [problem] = problems(content)
    assert problem.startswith("content/sms.yml：templates[1].text: unknown placeholder {expiry}")


def test_free_page_cannot_take_a_generated_address(content):
    """content/pages/offers.md would collide with the generated offers page."""
    (content / "pages" / "offers.md").write_text("---\ntitle: 优惠\n---\n", encoding="utf-8")
    assert problems(content) == [
        "content/pages/offers.md：“offers”是网站自动生成的页面地址，请换一个文件名"
    ]


def test_every_problem_is_reported_at_once(content):
    """Marketing fixes everything in one round, in English when asked."""
    edit(content / "campaigns" / "winter-care.md", "end: 2027-01-15", "end: 2026-11-01")
    edit(content / "offers.yml", "      premium_to: 5000\n", "      premium_to: 6000\n")
    (content / "consent.yml").unlink()
    with pytest.raises(ContentInvalid) as caught:
        load(content)
    report = caught.value.report("en")
    assert report.splitlines() == [
        "content/ has 3 problem(s) to fix; the site was not built:",
        "  - content/consent.yml: this file is missing",
        "  - content/offers.yml line 28 → renewal_gifts.tiers[3].premium_from: premium band overlaps another band (3,000–6,000)",
        "  - content/campaigns/winter-care.md line 5 → end: end date 2026-11-01 is before start date 2026-11-15",
    ]


def test_campaign_runs_from_start_to_end_day_inclusive():
    """A campaign shows on its first and last day, not the day before or after."""
    content = load(PROJECT / "content")
    winter = next(c for c in content.campaigns if c.slug == "winter-care")
    days = {
        day: calendar.is_running(winter, dt.date.fromisoformat(day))
        for day in ("2026-11-14", "2026-11-15", "2027-01-15", "2027-01-16")
    }
    assert days == {
        "2026-11-14": False,
        "2026-11-15": True,
        "2027-01-15": True,
        "2027-01-16": False,
    }


def test_running_campaign_tiers_replace_the_standing_tiers():
    """During the year-end campaign its richer tiers apply; afterwards offers.yml's again."""
    content = load(PROJECT / "content")
    tiers, source = calendar.gift_tiers(content, dt.date(2026, 12, 1))
    assert source.slug == "year-end-renewal" and len(tiers) == 7
    tiers, source = calendar.gift_tiers(content, dt.date(2027, 3, 1))
    assert source is None and tiers == content.offers.renewal_gifts.tiers
