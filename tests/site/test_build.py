"""`mkdocs build` turns content/ into the customer site: pages, dates, stages, search, safety."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from renewdesk.content import load
from tests.pages import PROJECT, build_site

PAGES = [
    "index.html",
    "offers/index.html",
    "club/index.html",
    "club/charter/index.html",
    "claims/index.html",
    "renew/index.html",
    "join/index.html",
    "thanks/index.html",
    "form-error/index.html",
    "privacy/index.html",
    "about/index.html",
    "why-renew-here/index.html",
    "404.html",
]


class Tags(HTMLParser):
    """Every start tag of a page with its attributes."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags(path: Path) -> list[tuple[str, dict]]:
    parser = Tags()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.tags


def html_files(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


@pytest.fixture(scope="module")
def summer_prod_site(tmp_path_factory) -> Path:
    """The site as it will look next July, built for the prod stage."""
    dest = tmp_path_factory.mktemp("prod")
    result = build_site(dest, as_of="2027-07-01", stage="prod")
    assert result.returncode == 0, result.stdout + result.stderr
    return dest


def test_demo_site_has_every_page(built_site):
    """Landing, offers, club, charter, claims, forms, result pages, privacy and free pages."""
    missing = [p for p in PAGES if not (built_site / p).is_file()]
    assert missing == []


def test_campaigns_show_only_between_their_dates(built_site, summer_prod_site):
    """As of 1 December the winter campaigns run; by July they are gone and summer's is on."""

    def campaigns(site):
        return sorted(p.name for p in (site / "offers").iterdir() if p.is_dir())

    assert campaigns(built_site) == ["referral-double", "winter-care", "year-end-renewal"]
    assert campaigns(summer_prod_site) == ["summer-ac"]
    home = (built_site / "index.html").read_text(encoding="utf-8")
    assert "冬季关爱 · 21 项免费检测" in home and "夏日清凉" not in home


def test_offers_use_the_running_campaigns_gift_tiers(built_site, summer_prod_site):
    """December shows the year-end tiers (7 bands); July falls back to offers.yml's (5)."""

    def bands(site):
        return [
            (t.get("data-from"), t.get("data-to"), t.get("data-compulsory"))
            for tag, t in tags(site / "offers" / "index.html")
            if tag == "tr" and ("data-from" in t or "data-compulsory" in t)
        ]

    standing = load(PROJECT / "content").offers.renewal_gifts.tiers
    assert bands(summer_prod_site) == [
        (
            None if t.compulsory_only else str(t.premium_from),
            None if t.premium_to is None else str(t.premium_to),
            "1" if t.compulsory_only else None,
        )
        for t in standing
    ]
    assert len(bands(built_site)) == 7
    assert "活动期间按“岁末续保季 · 按保费送大礼”的礼包执行" in (
        built_site / "offers" / "index.html"
    ).read_text(encoding="utf-8")


def test_preview_build_says_so_on_every_page(built_site):
    """RENEWDESK_AS_OF marks every page as a preview and the build info as not publishable."""
    for page in ("index.html", "claims/index.html"):
        assert "预览：这是按 2026-12-01 生成的网站" in (built_site / page).read_text(
            encoding="utf-8"
        )
    info = json.loads((built_site / "renewdesk-build.json").read_text())
    assert info["preview"] is True and info["as_of"] == "2026-12-01" and info["stage"] == "local"


def test_forms_post_to_the_stage_api(built_site, summer_prod_site):
    """Locally forms post to the page's own origin; the prod build to content's API origin."""

    def actions(site, page):
        return [
            a["action"]
            for tag, a in tags(site / page / "index.html")
            if tag == "form" and "data-rd-form" in a
        ]

    # The renewal page has two: the manual form and the one-click form of SMS links.
    assert actions(built_site, "renew") == ["/api/renewals"] * 2
    assert actions(built_site, "join") == ["/api/referrals"]
    assert actions(summer_prod_site, "renew") == ["https://api.example-4s.cn/api/renewals"] * 2
    csp = [
        a["content"]
        for tag, a in tags(summer_prod_site / "index.html")
        if tag == "meta" and a.get("http-equiv") == "Content-Security-Policy"
    ]
    assert csp and "connect-src 'self' https://api.example-4s.cn" in csp[0]
    assert "script-src 'self';" in csp[0]
    robots = (summer_prod_site / "robots.txt").read_text()
    assert (
        "Disallow: /thanks/" in robots
        and "Sitemap: https://www.example-4s.cn/sitemap.xml" in robots
    )


@pytest.mark.parametrize(
    "break_content, expected",
    [
        (
            lambda c: _edit(
                c / "campaigns" / "winter-care.md", "end: 2027-01-15", "end: 2026-11-01"
            ),
            "content/campaigns/winter-care.md 第 5 行 → end：结束日期 2026-11-01 早于开始日期 2026-11-15",
        ),
        (
            lambda c: _edit(
                c / "offers.yml", "      premium_to: 5000\n", "      premium_to: 6000\n"
            ),
            "content/offers.yml 第 28 行 → renewal_gifts.tiers[3].premium_from：保费区间与另一档（3,000–6,000 元）重叠",
        ),
        (
            lambda c: _edit(c / "store.yml", "  claims:\n", "  claim:\n"),
            "content/store.yml 第 24 行 → hotlines.claims：缺少“claims”热线",
        ),
        (
            lambda c: _edit(
                c / "campaigns" / "summer-ac.md", "{{ hotline.service }}", "{{ hotline.workshop }}"
            ),
            "content/campaigns/summer-ac.md 第 16 行：标记 {{ hotline.workshop }} 无法识别",
        ),
    ],
    ids=["end-before-start", "overlapping-bands", "missing-hotline", "unknown-marker"],
)
def test_bad_content_fails_the_build_with_file_field_and_reason(tmp_path, break_content, expected):
    """The build stops with the problem spelled out and no traceback."""
    content = tmp_path / "content"
    shutil.copytree(PROJECT / "content", content)
    break_content(content)
    result = build_site(tmp_path / "out", content_dir=content)
    output = result.stdout + result.stderr
    assert result.returncode == 1
    assert expected in output
    assert "Traceback" not in output
    assert not (tmp_path / "out" / "index.html").exists()


def test_bad_preview_date_fails_the_build(tmp_path):
    """RENEWDESK_AS_OF=2026-13-01 is explained, not a crash."""
    result = build_site(tmp_path, as_of="2026-13-01")
    assert result.returncode == 1
    assert "RENEWDESK_AS_OF 应写成 YYYY-MM-DD，现在是“2026-13-01”" in result.stderr
    assert "Traceback" not in result.stderr


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_no_page_has_an_inline_script(built_site):
    """Pages run under script-src 'self': every script is a file (JSON data blocks excepted)."""
    inline = [
        (str(page.relative_to(built_site)), attrs)
        for page in html_files(built_site)
        for tag, attrs in tags(page)
        if tag == "script"
        and "src" not in attrs
        and attrs.get("type") not in ("application/json", "application/ld+json")
        # The theme's own script tag, kept inert until search opens (site.js loads it).
        and not (attrs.get("type") == "text/plain" and "data-rd-bundle" in attrs)
    ]
    assert inline == []


def test_nothing_is_loaded_from_another_host(built_site):
    """Fonts, scripts, styles and images all come from the site itself."""
    outside = []
    for page in html_files(built_site):
        for tag, attrs in tags(page):
            url = attrs.get("src") or (attrs.get("href") if tag == "link" else None)
            if url and re.match(r"^(https?:)?//", url) and attrs.get("rel") != "canonical":
                outside.append((page.name, url))
    for css in built_site.rglob("*.css"):
        outside += [
            (css.name, u) for u in re.findall(r"url\((['\"]?)(https?:)?//[^)]*", css.read_text())
        ]
    assert outside == []


def test_forms_show_the_consent_notice_from_content(built_site):
    """The summary by the box, the full text on the privacy page, both with the same version."""
    consent = yaml.safe_load((PROJECT / "content" / "consent.yml").read_text(encoding="utf-8"))
    summary = " ".join(consent["summary"].split())
    for form in ("renew", "join"):
        page = (built_site / form / "index.html").read_text(encoding="utf-8")
        assert summary in " ".join(page.split())
        assert f"（版本 {consent['version']}）" in page
    privacy = (built_site / "privacy" / "index.html").read_text(encoding="utf-8")
    assert f"版本：{consent['version']}" in privacy
    for paragraph in filter(None, (p.strip() for p in consent["text"].split("\n\n"))):
        assert paragraph in privacy


def test_chinese_search_index_segments_words(built_site):
    """jieba splits the text with zero-width spaces that the configured separator splits on."""
    index = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    separator = re.compile(index["config"]["separator"])

    def tokens(location: str) -> set[str]:
        return {
            t
            for doc in index["docs"]
            if doc["location"].split("#")[0] == location
            for t in separator.split(doc["title"] + " " + doc["text"])
        }

    assert "\\u200b" in index["config"]["separator"] or "\u200b" in index["config"]["separator"]
    assert {"理赔", "报案", "定损"} <= tokens("claims/")
    assert {"续保", "交强险"} <= tokens("offers/")
    assert not any(doc["location"].startswith(("thanks/", "form-error/")) for doc in index["docs"])


def test_own_assets_carry_a_content_hash(built_site):
    """Every referenced site asset has a fingerprinted name and exists."""
    referenced = {
        attrs.get("src") or attrs.get("href")
        for tag, attrs in tags(built_site / "renew" / "index.html")
        if tag in ("script", "link", "img")
    }
    own = sorted(u for u in referenced if u and u.startswith("/assets/rd/"))
    assert len(own) >= 5
    for url in own:
        assert re.search(r"\.[0-9a-f]{10}\.(css|js|svg)$", url), url
        assert (built_site / url.lstrip("/")).is_file(), url


def _meta(site: Path, page: str) -> dict[str, str]:
    found = {}
    for tag, attrs in tags(site / page):
        if tag == "meta":
            key = attrs.get("property") or attrs.get("name") or attrs.get("itemprop")
            if key:
                found[key] = attrs.get("content") or ""
    return found


def test_every_page_has_share_metadata(summer_prod_site):
    """Open Graph and WeChat/QQ itemprops on every page; a campaign shares its own poster."""
    for page in html_files(summer_prod_site):
        meta = _meta(summer_prod_site, str(page.relative_to(summer_prod_site)))
        for key in ("og:title", "og:description", "og:image", "name", "description", "image"):
            assert meta.get(key), (page, key)
        assert meta["og:image"].startswith("https://www.example-4s.cn/images/")
    home = _meta(summer_prod_site, "index.html")
    assert home["og:image"] == "https://www.example-4s.cn/images/store-share.png"
    assert home["og:url"] == "https://www.example-4s.cn/"


def test_campaign_with_a_poster_shows_and_shares_it(built_site):
    meta = _meta(built_site, "offers/winter-care/index.html")
    assert meta["og:image"] == "/images/winter-care.png" and meta["og:type"] == "article"
    assert meta["og:title"] == "冬季关爱 · 21 项免费检测"
    posters = [
        a
        for tag, a in tags(built_site / "offers/winter-care/index.html")
        if tag == "img" and a.get("src") == "/images/winter-care.png"
    ]
    assert posters and posters[0]["width"] == "1200" and posters[0]["height"] == "630"
    assert (built_site / "images" / "winter-care.png").is_file()


def test_landing_page_describes_the_store_as_an_auto_dealer(summer_prod_site):
    """schema.org AutoDealer with address, geo (WGS-84), telephone and opening hours."""
    html = (summer_prod_site / "index.html").read_text(encoding="utf-8")
    [block] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    data = json.loads(block)
    assert data["@type"] == "AutoDealer" and data["telephone"] == "0755-2345 6780"
    assert data["address"]["streetAddress"].startswith("深圳市南山区")
    assert data["address"]["addressRegion"] == "广东省"
    # store.yml holds GCJ-02 (AMap's picker); schema.org wants WGS-84: a few hundred metres off.
    assert 22.58 < data["geo"]["latitude"] < 22.59 and 113.94 < data["geo"]["longitude"] < 113.96
    assert data["geo"]["longitude"] != 113.9533
    hours = data["openingHoursSpecification"]
    assert hours[0]["opens"] == "09:00" and hours[0]["closes"] == "18:30"
    assert (
        hours[1]["dayOfWeek"][0] == "https://schema.org/Monday" and len(hours[1]["dayOfWeek"]) == 7
    )
    assert data["url"] == "https://www.example-4s.cn/"


def test_footer_has_the_icp_filing_linked_to_miit_and_the_wechat_qr_code(summer_prod_site):
    page = summer_prod_site / "offers" / "index.html"
    links = {a.get("href"): a for tag, a in tags(page) if tag == "a"}
    assert "https://beian.miit.gov.cn/" in links
    html = page.read_text(encoding="utf-8")
    assert ">粤ICP备00000000号-1</a>" in html and "粤公网安备44030502000000号" in html
    qr = [a for tag, a in tags(page) if tag == "img" and a.get("src") == "/images/wechat-qr.png"]
    assert qr and qr[0]["loading"] == "lazy" and "德瑞汽车服务号" in qr[0]["alt"]


def test_map_links_give_each_app_its_coordinate_order_and_system(built_site):
    """AMap: position=lng,lat in GCJ-02; Baidu: location=lat,lng, told they are GCJ-02."""
    from urllib.parse import parse_qs, urlparse

    hrefs = [
        a["href"]
        for tag, a in tags(built_site / "index.html")
        if tag == "a" and "href" in a and ("amap.com" in a["href"] or "map.baidu.com" in a["href"])
    ]
    amap = next(h for h in hrefs if "uri.amap.com/marker" in h)
    baidu = next(h for h in hrefs if "api.map.baidu.com/marker" in h)
    a, b = parse_qs(urlparse(amap).query), parse_qs(urlparse(baidu).query)
    assert a["position"] == ["113.953300,22.580900"] and a["coordinate"] == ["gaode"]
    assert b["location"] == ["22.580900,113.953300"] and b["coord_type"] == ["gcj02"]
    assert a["name"] == ["德瑞汽车4S店"] and b["output"] == ["html"]


def test_sitemap_and_robots_fit_baidu(summer_prod_site):
    """One plain urlset of absolute addresses (no sitemap index), result pages left out."""
    import xml.etree.ElementTree as ET

    root = ET.parse(summer_prod_site / "sitemap.xml").getroot()
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
    locs = [e.text for e in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert (
        "https://www.example-4s.cn/" in locs
        and "https://www.example-4s.cn/offers/summer-ac/" in locs
    )
    assert all(loc.startswith("https://www.example-4s.cn/") for loc in locs)
    assert not any(("/thanks/" in loc or "/form-error/" in loc) for loc in locs)
    assert len(locs) == len(set(locs)) and len(locs) < 50000
    robots = (summer_prod_site / "robots.txt").read_text().splitlines()
    assert robots[0] == "User-agent: *"
    assert "Sitemap: https://www.example-4s.cn/sitemap.xml" in robots
    assert "Disallow: /thanks/" in robots and "Disallow: /preview/" in robots


class HiddenTexts(HTMLParser):
    """The text inside elements a page starts with `hidden` (shown only after an action)."""

    VOID = {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    }

    def __init__(self):
        super().__init__()
        self.stack: list[bool] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append("hidden" in dict(attrs))

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if any(self.stack) and len(data.strip()) >= 4:
            self.texts.append(data.strip())


def test_hidden_confirmation_texts_are_never_indexed(built_site):
    """What only shows after an action (unsubscribed, a dead link, already submitted) is not
    offered by search as if it were the page's content."""
    index = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    indexed = {}
    for doc in index["docs"]:
        page = doc["location"].split("#")[0]
        indexed[page] = indexed.get(page, "") + (doc["title"] + doc["text"]).replace("\u200b", "")
    found = []
    for page in html_files(built_site):
        location = str(page.relative_to(built_site).parent).replace(".", "") + "/"
        parser = HiddenTexts()
        parser.feed(page.read_text(encoding="utf-8"))
        found += [(location, t) for t in parser.texts if t in indexed.get(location.lstrip("/"), "")]
    assert "已为您退订续保提醒短信" in (built_site / "renew" / "index.html").read_text("utf-8")
    assert found == []


def test_search_ranks_what_customers_look_for_above_the_fine_print(built_site):
    """Offers, claims and club pages are boosted; the consent notice and charter are not."""
    index = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    boost = {d["location"]: d.get("boost", 1) for d in index["docs"] if "#" not in d["location"]}
    assert boost["offers/"] > boost["privacy/"] and boost["club/"] > boost["club/charter/"]


def test_join_page_mentions_the_running_referral_campaign(built_site):
    html = (built_site / "join" / "index.html").read_text(encoding="utf-8")
    assert "正在进行的推荐活动" in html and "推荐亲友 · 双倍积分" in html


def test_generated_tree_is_plain_data_for_either_generator(built_site):
    """build/generated: Markdown pages with metadata and site.yml; mkdocs.yml has no hooks."""
    config = yaml.safe_load((PROJECT / "mkdocs.yml").read_text(encoding="utf-8"))
    assert "hooks" not in config and config["INHERIT"] == "build/generated/site.yml"
    generated = PROJECT / "build" / "generated"
    site = yaml.safe_load((generated / "site.yml").read_text(encoding="utf-8"))
    assert site["site_name"] == "德瑞汽车4S店" and site["extra"]["rd"]["insurance"]["tel"]
    offers = (generated / "docs" / "offers" / "index.md").read_text(encoding="utf-8")
    assert offers.startswith("---\ntitle: 续保优惠\n") and "data-rd-tiers" in offers
    # The theme reads data only: no Python callable (rd.t(...), rd.asset(...)) in overrides.
    for path in (PROJECT / "site" / "overrides").rglob("*.html"):
        assert not re.search(r"rd\.\w+\(", path.read_text(encoding="utf-8")), path


def test_no_empty_strip_above_the_header(tmp_path, built_site):
    """The announcement bar exists only for a dated preview (it was an empty strip before)."""
    result = build_site(tmp_path / "today", as_of=None)
    assert result.returncode == 0, result.stderr
    assert 'class="md-banner"' not in (tmp_path / "today" / "index.html").read_text("utf-8")
    preview = (built_site / "index.html").read_text(encoding="utf-8")
    assert re.search(
        r'class="md-banner">\s*<div class="md-banner__inner md-grid md-typeset">\s*预览', preview
    )
