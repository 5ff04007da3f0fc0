"""One site build: the validated content, the day it is built for, the stage, the mkdocs glue."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Mapping

from markupsafe import Markup

from renewdesk import i18n
from renewdesk.content import ContentInvalid, calendar, load
from renewdesk.publish import stages

from sitegen import routes
from sitegen.assets import Assets
from sitegen.pages import generated_pages
from sitegen.render import SITE_LANGUAGE, Renderer, t, tel_href

BUILD_INFO = "renewdesk-build.json"
# What the form-error page explains without JavaScript: each field's usual mistake.
ERROR_RULES = (("name", "required"), ("phone", "invalid"), ("plate", "invalid"),
               ("expiry_date", "invalid_date"), ("code", "unknown"), ("interest", "invalid_choice"),
               ("consent", "must_accept"))
FORM_MESSAGE_KEYS = ("site.form.sending", "site.form.network", "site.form.fix_fields",
                     "site.form.unexpected", "site.form.retry_in")


def _json_for_script(data: Any) -> Markup:
    # Safe inside <script type="application/json">: no "</script>" can close it early (so
    # bandit's B704, Markup on data, does not apply).
    return Markup(json.dumps(data, ensure_ascii=False).replace("<", "\\u003c"))  # nosec B704


def _fail(text: str):
    from mkdocs.exceptions import PluginError

    # mkdocs prints a PluginError as one error line and exits 1: no traceback for marketing.
    return PluginError(text)


class SiteBuild:
    """Everything one `mkdocs build` needs beyond mkdocs-material itself."""

    def __init__(self, project_dir: Path, env: Mapping[str, str] = os.environ):
        language = i18n.negotiate(env.get("RENEWDESK_LANG") or SITE_LANGUAGE)
        self.content_dir = Path(env.get("RENEWDESK_CONTENT_DIR") or project_dir / "content")
        as_of = (env.get("RENEWDESK_AS_OF") or "").strip()
        try:
            self.day = calendar.parse_day(as_of) if as_of else calendar.store_today()
        except ValueError:
            raise _fail(i18n.message(language, "content.bad_as_of", value=as_of)) from None
        self.preview = bool(as_of)
        try:
            self.stage = stages.load((env.get("RENEWDESK_STAGE") or stages.LOCAL).strip())
        except stages.UnknownStage as unknown:
            raise _fail(i18n.message(language, "content.bad_stage", value=unknown.name,
                                     known="、".join(unknown.known))) from None
        try:
            self.content = load(self.content_dir)
        except ContentInvalid as invalid:
            raise _fail(invalid.report(language)) from None
        store = self.content.store
        self.api_origin = (store.api_origin if self.stage.api_origin is None
                           else self.stage.api_origin)
        self.assets = Assets()
        self.pages = {routes.src_uri(p.route): p for p in generated_pages(self.content, self.day)}
        self.renderer = Renderer(self.content, {
            "content": self.content,
            "store": store,
            "routes": routes,
            "api_origin": self.api_origin,
            "field_error": lambda field, code: i18n.field_error(SITE_LANGUAGE, field, code),
            "error_rules": ERROR_RULES,
            "form_messages_json": _json_for_script({k: t(k) for k in FORM_MESSAGE_KEYS}),
            "error_messages_json": _json_for_script(self._error_messages()),
        })

    @staticmethod
    def _error_messages() -> dict[str, str]:
        catalog = i18n.catalog(SITE_LANGUAGE)
        return {k: v for k, v in catalog.items()
                if k.startswith(("error.", "field.", "site.error."))}

    # ---- mkdocs events ---------------------------------------------------------------------

    def configure(self, config: Any) -> None:
        """Site name, description, address, pages folder and menu from content/."""
        store = self.content.store
        config.site_name = store.short_name
        config.site_description = store.tagline
        config.docs_dir = str(self.content_dir / "pages")
        if self.stage.site_origin:
            config.site_url = self.stage.site_origin + "/"
        config.nav = [{title: source} for title, _, source in self._menu(with_home=True)]

    def menu(self) -> list[tuple[str, str]]:
        """The header's links: (title, address) of the main sections."""
        return [(title, url) for title, url, source in self._menu(with_home=False)
                if source.endswith("/index.md")]

    def page_links(self) -> list[tuple[str, str]]:
        """The footer's links to free pages marked `menu: true`."""
        return [(title, url) for title, url, source in self._menu(with_home=False)
                if not source.endswith("/index.md")]

    def _menu(self, with_home: bool) -> list[tuple[str, str, str]]:
        # (title, address, source file): main sections, then free pages marked `menu: true`.
        main = [("site.nav.offers", routes.OFFERS), ("site.nav.claims", routes.CLAIMS),
                ("site.nav.club", routes.CLUB), ("site.nav.renew", routes.RENEW),
                ("site.nav.join", routes.JOIN)]
        if with_home:
            main.insert(0, ("site.nav.home", routes.HOME))
        items = [(t(key), url, routes.src_uri(url)) for key, url in main]
        pages = sorted((p for p in self.content.pages if p.meta.menu),
                       key=lambda p: (p.meta.order, p.slug))
        items += [(p.meta.title, routes.page(p.slug), f"{p.slug}.md") for p in pages]
        return items

    def add_files(self, files: Any, config: Any) -> Any:
        """Add the generated pages and the fingerprinted assets to mkdocs' files."""
        from mkdocs.structure.files import File

        for src_uri, page in self.pages.items():
            files.append(File.generated(config, src_uri, content=page.markdown()))
        for target, source in self.assets.files():
            files.append(File.generated(config, target, abs_src_path=str(source)))
        return files

    def theme_globals(self) -> SimpleNamespace:
        """What the theme overrides (site/overrides) use, as `rd`."""
        store = self.content.store
        return SimpleNamespace(
            t=t, asset=self.assets.url, routes=routes, store=store,
            menu=self.menu(), page_links=self.page_links(), insurance=store.hotlines["insurance"],
            rescue=store.hotlines["rescue"], preview_day=self.day if self.preview else None,
            csp=self.csp(), structured_data=self.structured_data(), tel=tel_href,
            year=self.day.year,
        )

    def structured_data(self) -> Markup:
        """schema.org data about the store for search engines (JSON, never executed)."""
        store = self.content.store
        data = {
            "@context": "https://schema.org", "@type": "AutoDealer", "name": store.name,
            "alternateName": store.short_name, "description": store.tagline,
            "address": {"@type": "PostalAddress", "streetAddress": store.address,
                        "addressLocality": store.city, "addressCountry": "CN"},
            "telephone": store.hotlines["insurance"].number,
            "contactPoint": [{"@type": "ContactPoint", "contactType": h.label,
                              "telephone": h.number} for h in store.hotlines.values()],
        }
        if self.stage.site_origin:
            data["url"] = self.stage.site_origin + "/"
        return _json_for_script(data)

    def csp(self) -> str | None:
        """A meta CSP for sites published to S3 (the local server sends it as a header)."""
        if self.stage.name == stages.LOCAL:
            return None  # mkdocs serve injects an inline live-reload script; the app sends a header
        api = f" {self.api_origin}" if self.api_origin else ""
        return ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                f"img-src 'self' data:; connect-src 'self'{api}; form-action 'self'{api}; "
                "base-uri 'self'; object-src 'none'")

    def page_markdown(self, markdown: str, src_uri: str) -> str:
        """Fill in markers in free pages and campaign bodies (hotlines become call links)."""
        return self.renderer.expand_markdown(markdown)

    def page_content(self, html: str, src_uri: str) -> str:
        """Generated pages: the body mkdocs rendered goes into the page's template."""
        page = self.pages.get(src_uri)
        if page is None:
            return html
        # mkdocs' HTML of content/ pages, written by the store's marketing staff (bandit B704
        # accepted: see render.py's markdown).
        return self.renderer.render(page.template, body=Markup(html), **page.context)  # nosec B704

    def write_robots(self, site_dir: Path) -> None:
        """robots.txt for a published stage: result pages stay out of search engines."""
        if not self.stage.site_origin:
            return
        lines = ["User-agent: *", f"Disallow: {routes.THANKS}", f"Disallow: {routes.FORM_ERROR}",
                 f"Sitemap: {self.stage.site_origin}/sitemap.xml", ""]
        (Path(site_dir) / "robots.txt").write_text("\n".join(lines), encoding="utf-8")

    def write_build_info(self, site_dir: Path) -> Path:
        """What was built, for which stage and day: `renewdesk site publish` checks it."""
        info = {
            "stage": self.stage.name,
            "as_of": self.day.isoformat(),
            "preview": self.preview,
            "built_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "api_origin": self.api_origin,
            "consent_version": self.content.consent.version,
            "campaigns": sorted(p.route for p in self.pages.values()
                                if p.template == "campaign.html"),
        }
        path = Path(site_dir) / BUILD_INFO
        path.write_text(json.dumps(info, ensure_ascii=False, indent=2), encoding="utf-8")
        return path
