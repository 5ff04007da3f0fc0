"""Marketing's usual mistakes stop the build with file, line, field and reason, in Chinese."""

from __future__ import annotations

import shutil
import struct
import zlib

import pytest
from click.testing import CliRunner

from renewdesk.cli import main
from renewdesk.content import ContentInvalid, geo, hours, images, load
from tests.pages import PROJECT, build_site


@pytest.fixture
def content(tmp_path):
    root = tmp_path / "content"
    shutil.copytree(PROJECT / "content", root)
    return root


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def problems(root, stage=None) -> list[str]:
    with pytest.raises(ContentInvalid) as caught:
        load(root, stage=stage)
    return [p.message() for p in caught.value.problems]


def png(path, width, height):
    """A real (tiny-content) PNG of the given size."""
    raw = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def test_impossible_date_names_its_line_and_field(content):
    """2027-02-30 is a YAML date PyYAML crashes on: here it is one line."""
    edit(content / "campaigns" / "winter-care.md", "end: 2027-01-15", "end: 2027-02-30")
    assert problems(content) == [
        "content/campaigns/winter-care.md 第 5 行 → end：日期 2027-02-30 不存在，请检查月份和天数"
    ]


def test_full_width_colon_is_pointed_out(content):
    """A Chinese input method's “：” after a field name."""
    edit(content / "campaigns" / "winter-care.md", "summary:", "summary：")
    assert problems(content) == [
        "content/campaigns/winter-care.md 第 3 行 → summary：“summary”后面用了中文冒号“：”，"
        "请改成英文冒号加空格“: ”"
    ]


def test_bad_indentation_in_the_sms_templates_is_one_line(content):
    """The reminders' templates file, mis-indented: no traceback from the SMS loader."""
    edit(content / "sms.yml", "    grades: [A]", "   grades: [A]")
    assert problems(content) == [
        "content/sms.yml 第 27 行：缩进不对：这一行和上一级没有对齐（只能用空格，同一级的字段要左边对齐）"
    ]


def test_full_width_colon_in_store_does_not_crash_the_sms_check(content):
    """The SMS loader reads store.yml too; a broken store.yml is reported once, by line."""
    edit(content / "store.yml", "name: 深圳", "name：深圳")
    assert problems(content) == [
        "content/store.yml 第 3 行 → name：“name”后面用了中文冒号“：”，请改成英文冒号加空格“: ”"
    ]


def test_link_to_a_missing_page_is_rejected(content):
    """[...](/privacy-notice/) and [...](contact.md) must name real pages."""
    edit(
        content / "pages" / "about.md",
        "详见《个人信息保护告知书》",
        "详见[《个人信息保护告知书》](/privacy-notice/)，或[联系我们](contact.md)",
    )
    assert problems(content) == [
        "content/pages/about.md 第 24 行：链接 /privacy-notice/ 指向的页面不存在",
        "content/pages/about.md 第 24 行：链接 contact.md 指向的页面不存在",
    ]


def test_links_to_real_pages_pass(content):
    """Generated pages, free pages by address or file, anchors and outside links are fine."""
    edit(
        content / "pages" / "about.md",
        "详见《个人信息保护告知书》",
        "详见[告知书](/privacy/)、[为什么](why-renew-here.md)、[礼包](/offers/#gift-tiers)、"
        "[冬季](/offers/winter-care/)、[地图](https://uri.amap.com/)、[电话](tel:95518)",
    )
    assert load(content).pages


def test_link_in_yaml_text_names_its_field(content):
    """Markdown in YAML text (FAQ answers) is checked too, by field."""
    edit(content / "claims.yml", "    a: ", "    a: 见[说明](/claims-help/)。")
    found = problems(content)
    assert len(found) == 1 and found[0].startswith("content/claims.yml 第 ")
    assert "→ faq[0].a：链接 /claims-help/ 指向的页面不存在" in found[0]


def test_missing_image_is_rejected(content):
    """![...](images/x.jpg) and a campaign's poster must exist in content/images."""
    edit(
        content / "pages" / "about.md",
        "## 服务承诺",
        "![门店](images/store-front.jpg)\n\n## 服务承诺",
    )
    edit(
        content / "campaigns" / "winter-care.md",
        "image: images/winter-care.png",
        "image: images/winter.png",
    )
    assert problems(content) == [
        "content/campaigns/winter-care.md 第 10 行 → image：图片 images/winter.png 不存在，"
        "请把图片放进 content/images/",
        "content/pages/about.md 第 20 行：插入的图片 images/store-front.jpg 不存在，"
        "请把图片放进 content/images/",
    ]


def test_poster_must_be_a_real_picture_of_a_usable_size(content):
    """A renamed text file, a thumbnail and a huge file are each refused with their reason."""
    (content / "images" / "fake.png").write_text("not a picture", encoding="utf-8")
    png(content / "images" / "tiny.png", 300, 200)
    edit(
        content / "campaigns" / "winter-care.md",
        "image: images/winter-care.png",
        "image: images/fake.png",
    )
    edit(content / "campaigns" / "summer-ac.md", "cta: call", "image: images/tiny.png\ncta: call")
    found = problems(content)
    assert (
        "content/campaigns/winter-care.md 第 10 行 → image：images/fake.png 不是 JPG、PNG 或 "
        "WebP 图片（或文件已损坏）" in found
    )
    assert any(
        "summer-ac.md" in p and "图片尺寸 300×200，应宽 600–2400 像素、高至少 300 像素" in p
        for p in found
    )


def test_poster_format_and_size_are_read_from_the_file():
    """PNG header read; limits as documented."""
    info = images.read_info(PROJECT / "content" / "images" / "winter-care.png")
    assert (info.kind, info.width, info.height) == ("png", 1200, 630)
    assert images.poster_problems(info) == []
    heavy = images.ImageInfo("jpeg", 1200, 630, 2 * 1024 * 1024)
    assert [code for code, _ in images.poster_problems(heavy)] == ["image_too_heavy"]


def test_call_campaign_without_its_hotline_is_rejected(content):
    """cta: call with no hotline would show a button to nowhere in particular."""
    edit(content / "campaigns" / "winter-care.md", "hotline: service\n", "")
    assert problems(content) == [
        "content/campaigns/winter-care.md 第 7 行 → cta：cta: call（电话预约）的活动必须用 hotline "
        "指明拨打哪条热线，可用：insurance、rescue、claims、service、sales"
    ]


def test_full_width_hotline_digits_are_folded(content, tmp_path):
    """０７５５ from an input method publishes a working tel: link (issue 8)."""
    edit(content / "store.yml", 'number: "0755-2345 6780"', 'number: "０７５５-２３４５ ６７８０"')
    assert load(content).store.hotlines["insurance"].number == "0755-2345 6780"
    result = build_site(tmp_path / "out", content_dir=content)
    assert result.returncode == 0, result.stderr
    assert 'href="tel:075523456780"' in (tmp_path / "out" / "index.html").read_text("utf-8")


def test_other_scripts_digits_in_a_hotline_fail_the_build(content):
    """Arabic-Indic digits cannot be dialled: one Chinese line, by the project's normaliser."""
    edit(content / "store.yml", 'number: "0755-2345 6780"', 'number: "٠٧٥٥-2345 6780"')
    assert problems(content) == [
        "content/store.yml 第 27 行 → hotlines.insurance.number：电话号码中有无法拨打的数字"
        "（其他文字的数字），请用 0–9 重新输入"
    ]


def test_prod_build_needs_the_icp_filing_number(content, tmp_path):
    """A site published in mainland China shows its ICP number: prod refuses to build without."""
    edit(content / "store.yml", "icp: 粤ICP备00000000号-1\n", "")
    assert load(content).store.icp is None  # a local preview is fine
    assert problems(content, stage="prod") == [
        "content/store.yml → icp：正式站点（prod）必须填写 ICP 备案号 icp，例如 粤ICP备12345678号-1"
    ]
    result = build_site(tmp_path / "out", content_dir=content, stage="prod", as_of=None)
    assert result.returncode == 1 and "ICP 备案号" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_malformed_icp_and_opening_hours_are_rejected(content):
    edit(content / "store.yml", "icp: 粤ICP备00000000号-1", "icp: 粤ICP备案00000000")
    edit(content / "store.yml", 'hours: "09:00–18:30"', 'hours: "18:30–09:00"')
    edit(content / "store.yml", "days: 周一至周日", "days: 工作日")
    assert problems(content) == [
        "content/store.yml 第 18 行 → opening_hours[0].days：营业日写法无法识别，请写成 周一至周五、周六、"
        "周日 或 每天",
        "content/store.yml 第 19 行 → opening_hours[0].hours：营业时间应写成 09:00–18:30（开始早于结束）",
        "content/store.yml 第 53 行 → icp：ICP 备案号格式不正确，应为 粤ICP备12345678号 或 "
        "粤ICP备12345678号-1",
    ]


def test_a_program_crash_is_one_line_not_a_traceback(tmp_path, monkeypatch):
    """Even a bug in the generator reaches marketing as one sentence."""
    from renewdesk.publish import building

    def broken(*args, **kwargs):
        raise RuntimeError("template exploded")

    monkeypatch.setattr(building, "generate", broken)
    monkeypatch.delenv("RENEWDESK_DEBUG", raising=False)
    result = CliRunner().invoke(main, ["site", "build", "--site-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert (
        "网站生成时程序出错（不是内容的问题），请把这一行发给技术人员：RuntimeError: template "
        "exploded" in result.output
    )
    assert "Traceback" not in result.output


def test_site_calendar_lists_every_campaign_with_its_state():
    """`renewdesk site calendar`: running first, then scheduled, then ended."""
    result = CliRunner().invoke(main, ["site", "calendar", "--as-of", "2026-12-01"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "活动日历（按 2026-12-01）："
    states = [line.split()[0] for line in lines[1:]]
    assert states == ["进行中"] * 3 + ["未开始"] * 2 + ["已结束"]
    winter = next(line for line in lines if "冬季关爱" in line)
    assert "2026-11-15 至 2027-01-15" in winter and "对象：所有车主" in winter
    assert "content/campaigns/winter-care.md" in winter


def test_opening_hours_read_as_schema_org_days():
    assert hours.parse_days("周一至周五") == [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
    ]
    assert hours.parse_days("周六、周日") == ["Saturday", "Sunday"]
    assert len(hours.parse_days("每天")) == 7
    assert hours.parse_hours("8:30-18:00") == ("08:30", "18:00")
    for bad in ("周五至周一", "weekdays"):
        with pytest.raises(ValueError):
            hours.parse_days(bad)


def test_coordinate_systems_convert_both_ways():
    """GCJ-02 is a few hundred metres off WGS-84 in Shenzhen; BD-09 off again; both invert."""
    lat, lng = 22.5809, 113.9533
    wlat, wlng = geo.gcj02_to_wgs84(lat, lng)
    assert 0.001 < abs(lat - wlat) + abs(lng - wlng) < 0.01
    assert geo.wgs84_to_gcj02(wlat, wlng) == pytest.approx((lat, lng), abs=1e-7)
    blat, blng = geo.gcj02_to_bd09(lat, lng)
    assert geo.bd09_to_gcj02(blat, blng) == pytest.approx((lat, lng), abs=1e-5)
    assert geo.to_gcj02(blat, blng, "bd09") == pytest.approx((lat, lng), abs=1e-5)
