"""`renewdesk site generate`: content/ rendered into Markdown pages and data under build/.

The generated tree is all a static-site generator needs: `docs/` (one Markdown file per page,
generated pages as rendered HTML, free pages as Markdown with markers filled in, assets, images,
robots.txt and the build info) and `site.yml` (site name, address, menu and the theme's data
under `extra.rd`), which the project's mkdocs.yml inherits. mkdocs builds it by default;
Zensical reads the same files (docs/site.md says what works there). The theme overrides read
only this data (`config.extra.rd` and `page.meta`): no hook, no Python called from a template.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from markupsafe import Markup

from renewdesk import i18n
from renewdesk.config import PROJECT_ROOT
from renewdesk.content import ContentInvalid, calendar, load
from renewdesk.publish import routes, stages
from renewdesk.publish.assets import Assets
from renewdesk.publish.pages import generated_pages, page_front_matter
from renewdesk.publish.render import SITE_LANGUAGE, Renderer, t, tel_href
from renewdesk.publish.seo import Seo

BUILD_INFO = "renewdesk-build.json"
GENERATED_DIR = PROJECT_ROOT / "build" / "generated"
OVERRIDES_DIR = PROJECT_ROOT / "site" / "overrides"
# The theme's texts: every rd.t['key'] in site/overrides, checked against the catalog.
THEME_TEXT_RE = re.compile(r"""rd\.t\[['"]([a-z0-9_.]+)['"]\]""")
FORM_MESSAGE_KEYS = (
    "site.form.sending",
    "site.form.network",
    "site.form.fix_fields",
    "site.form.unexpected",
    "site.form.retry_minutes",
    "site.form.retry_at",
    "site.form.retry_tomorrow",
    "site.form.limit",
)


class GenerateFailed(Exception):
    """The site cannot be generated; the message is the marketer's explanation."""


def json_for_script(data: Any) -> Markup:
    """JSON safe inside <script type="application/json">: no "</script>" can close it early."""
    # Escaped here: every "<" is \u003c, so the markup cannot end the script element.
    return Markup(json.dumps(data, ensure_ascii=False).replace("<", "\\u003c"))  # nosec B704


@dataclass(frozen=True)
class Options:
    """What one generation is for: the day, the stage, the folders, preview-only pages."""

    content_dir: Path
    out_dir: Path = GENERATED_DIR
    day: dt.date | None = None  # None: today at the store
    stage: str = stages.LOCAL
    preview_pages: bool = False  # the campaign calendar page of `make preview`
    language: str = i18n.DEFAULT

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ, **overrides: Any) -> "Options":
        """RENEWDESK_AS_OF, RENEWDESK_STAGE, RENEWDESK_CONTENT_DIR, RENEWDESK_LANG."""
        language = i18n.negotiate(env.get("RENEWDESK_LANG") or SITE_LANGUAGE)
        as_of = (env.get("RENEWDESK_AS_OF") or "").strip()
        try:
            day = calendar.parse_day(as_of) if as_of else None
        except ValueError:
            raise GenerateFailed(i18n.message(language, "content.bad_as_of", value=as_of)) from None
        values: dict[str, Any] = {
            "content_dir": Path(env.get("RENEWDESK_CONTENT_DIR") or PROJECT_ROOT / "content"),
            "day": day,
            "stage": (env.get("RENEWDESK_STAGE") or stages.LOCAL).strip(),
            "language": language,
        }
        return cls(**{**values, **overrides})


def generate(options: Options) -> Path:
    """Write the generated tree (all or nothing) and return its folder."""
    language = options.language
    try:
        stage = stages.load(options.stage)
    except stages.UnknownStage as unknown:
        raise GenerateFailed(
            i18n.message(
                language, "content.bad_stage", value=unknown.name, known="、".join(unknown.known)
            )
        ) from None
    try:
        content = load(options.content_dir, stage=stage.name, site_origin=sms_origin(stage))
    except ContentInvalid as invalid:
        raise GenerateFailed(invalid.report(language)) from None
    site = _SiteWriter(content, stage, options)
    staging = options.out_dir.with_name(options.out_dir.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    site.write(staging)
    shutil.rmtree(options.out_dir, ignore_errors=True)
    staging.rename(options.out_dir)
    return options.out_dir


def sms_origin(stage: stages.Stage) -> str:
    """The site address the stage's reminder links use: its own, or locally the server's."""
    from renewdesk.config import local_site_origin

    return stage.site_origin or local_site_origin()


class _SiteWriter:
    """Renders every page of one build into a folder."""

    def __init__(self, content: Any, stage: stages.Stage, options: Options):
        self.content = content
        self.stage = stage
        self.day = options.day or calendar.store_today()
        self.preview = options.day is not None
        store = content.store
        self.api_origin = store.api_origin if stage.api_origin is None else stage.api_origin
        self.assets = Assets()
        self.seo = Seo(content, stage.site_origin)
        self.pages = generated_pages(content, self.day, preview_pages=options.preview_pages)
        self.renderer = Renderer(
            content,
            {
                "content": content,
                "store": store,
                "routes": routes,
                "day": self.day,
                "api_origin": self.api_origin,
                "site_origin": "",
                "asset": self.assets.url,
                "image": self.seo.image_url,
                "maps": self.seo.map_links(),
                "field_error": lambda field, code: i18n.field_error(SITE_LANGUAGE, field, code),
                "form_messages_json": json_for_script({k: t(k) for k in FORM_MESSAGE_KEYS}),
                "error_messages_json": json_for_script(self._error_messages()),
            },
        )

    @staticmethod
    def _error_messages() -> dict[str, Any]:
        from renewdesk.api.form_pages import FORM_FIELDS

        catalog = i18n.catalog(SITE_LANGUAGE)
        texts = {
            k: v for k, v in catalog.items() if k.startswith(("error.", "field.", "site.error."))
        }
        return {
            "texts": texts,
            "forms": {form: list(fields) for form, fields in FORM_FIELDS.items()},
        }

    def write(self, root: Path) -> None:
        docs = root / "docs"
        docs.mkdir(parents=True)
        for page in self.pages:
            body = self.renderer.markdown(page.body) if page.body else Markup("")
            html = self.renderer.render(page.template, body=body, **page.context)
            meta = page_front_matter(page, self.seo, self.assets.url)
            _write_page(docs / routes.src_uri(page.route), meta, html)
        for free in self.content.pages:
            meta = page_front_matter(free, self.seo, self.assets.url)
            _write_page(docs / f"{free.slug}.md", meta, self.renderer.expand_markdown(free.body))
        for target, source in self.assets.files():
            _copy(source, docs / target)
        for target, source in self.seo.image_files():
            _copy(source, docs / target)
        (docs / "robots.txt").write_text(self.seo.robots_txt(), encoding="utf-8")
        (docs / BUILD_INFO).write_text(self.build_info(), encoding="utf-8")
        (root / "site.yml").write_text(self.config_yaml(), encoding="utf-8")

    # ---- what the theme reads ------------------------------------------------------------------

    def config_yaml(self) -> str:
        """The part of mkdocs.yml that comes from content/ and the stage."""
        import yaml

        store = self.content.store
        config: dict[str, Any] = {
            "site_name": store.short_name,
            "site_description": store.tagline,
            "nav": [{title: source} for title, _, source in self._menu(with_home=True)],
            "extra": {"rd": self.theme_data()},
        }
        if self.stage.site_origin:
            config["site_url"] = self.stage.site_origin + "/"
        return (
            "# Generated by `renewdesk site generate` from content/: do not edit.\n"
            + yaml.safe_dump(config, allow_unicode=True, sort_keys=False)
        )

    def theme_data(self) -> dict[str, Any]:
        """Everything site/overrides shows that no page's metadata carries."""
        store = self.content.store
        hotlines = [
            {"key": key, "label": h.label, "number": h.number, "tel": tel_href(h.number)}
            for key, h in store.hotlines.items()
        ]
        by_key = {h["key"]: h for h in hotlines}
        return {
            "t": self._theme_texts(),
            "asset": {name: self.assets.url(name) for name in self.assets.targets},
            "routes": {name: getattr(routes, name) for name in routes.PAGE_NAMES},
            "store": {
                "name": store.name,
                "short_name": store.short_name,
                "address": store.address,
                "opening_hours": [r.model_dump() for r in store.opening_hours],
            },
            "wechat": self.seo.wechat(),
            "filing": self.seo.filings(),
            "hotlines": hotlines,
            "insurance": by_key["insurance"],
            "rescue": by_key["rescue"],
            "maps": self.seo.map_links() or {},
            # key: the address without slashes, which page.url starts with (aria-current).
            "menu": [
                {"title": title, "url": url, "key": url.strip("/")}
                for title, url, source in self._menu(with_home=False)
                if source.endswith("/index.md")
            ],
            "page_links": [
                {"title": title, "url": url}
                for title, url, source in self._menu(with_home=False)
                if not source.endswith("/index.md")
            ],
            "preview_day": self.day.isoformat() if self.preview else "",
            "share_image": (self.seo.image_url(store.share_image) if store.share_image else ""),
            "csp": self.csp() or "",
            "year": self.day.year,
        }

    @staticmethod
    def _theme_texts() -> dict[str, str]:
        keys = sorted(
            {
                key
                for path in OVERRIDES_DIR.rglob("*.html")
                for key in THEME_TEXT_RE.findall(path.read_text(encoding="utf-8"))
            }
        )
        return {key: t(key) for key in keys}  # t() fails the build on a missing key

    def _menu(self, with_home: bool) -> list[tuple[str, str, str]]:
        # (title, address, source file): main sections, then free pages marked `menu: true`.
        main = [
            ("site.nav.offers", routes.OFFERS),
            ("site.nav.claims", routes.CLAIMS),
            ("site.nav.club", routes.CLUB),
            ("site.nav.renew", routes.RENEW),
            ("site.nav.join", routes.JOIN),
        ]
        if with_home:
            main.insert(0, ("site.nav.home", routes.HOME))
        items = [(t(key), url, routes.src_uri(url)) for key, url in main]
        pages = sorted(
            (p for p in self.content.pages if p.meta.menu), key=lambda p: (p.meta.order, p.slug)
        )
        items += [(p.meta.title, routes.page(p.slug), f"{p.slug}.md") for p in pages]
        return items

    def csp(self) -> str | None:
        """A meta CSP for sites published to S3 (the local server sends it as a header)."""
        if self.stage.name == stages.LOCAL:
            return None  # the local server sends the policy as a header
        api = f" {self.api_origin}" if self.api_origin else ""
        return (
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            f"img-src 'self' data:; connect-src 'self'{api}; form-action 'self'{api}; "
            "base-uri 'self'; object-src 'none'"
        )

    def build_info(self) -> str:
        """What was built, for which stage and day: `renewdesk site publish` checks it."""
        info = {
            "stage": self.stage.name,
            "as_of": self.day.isoformat(),
            "preview": self.preview,
            "built_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "api_origin": self.api_origin,
            "consent_version": self.content.consent.version,
            "campaigns": sorted(p.route for p in self.pages if p.template == "campaign.html"),
        }
        return json.dumps(info, ensure_ascii=False, indent=2)


def _write_page(path: Path, meta: dict[str, Any], body: str) -> None:
    import yaml

    path.parent.mkdir(parents=True, exist_ok=True)
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
    path.write_text(f"---\n{front}---\n\n{body}\n", encoding="utf-8")


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
