"""Jinja2 rendering of generated pages and the text filters the templates share."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from markupsafe import Markup

from renewdesk import i18n
from renewdesk.config import PROJECT_ROOT
from renewdesk.content import markers

# The site's page templates, then the form pieces the API's no-JavaScript pages share with them.
TEMPLATE_DIRS = (
    PROJECT_ROOT / "site" / "templates",
    Path(__file__).resolve().parents[1] / "templates" / "form_pages",
)
# The site is written in Simplified Chinese; the catalogs' English texts serve the console/API.
SITE_LANGUAGE = "zh"
MARKDOWN_EXTENSIONS = ["attr_list", "tables", "sane_lists", "toc"]


def t(key: str, **values: Any) -> str:
    """A site string from the catalog; a missing key fails the build instead of showing keys."""
    if key not in i18n.catalog(SITE_LANGUAGE):
        raise KeyError(f"message {key!r} is missing from messages/{SITE_LANGUAGE}/")
    return i18n.message(SITE_LANGUAGE, key, **{k: str(v) for k, v in values.items()})


def tel_href(number: str) -> str:
    """tel: link of a number as written (spaces and dashes dropped)."""
    return "tel:" + re.sub(r"[^\d+]", "", number)


def unbreakable(number: str) -> str:
    """A phone number in plain text that never breaks across lines (no-break space and
    hyphen), where no element can carry a nowrap style."""
    return number.replace(" ", "\u00a0").replace("-", "\u2011")


def yuan(amount: int) -> str:
    """3000 → 3,000."""
    return f"{amount:,}"


def date_cn(day: dt.date) -> str:
    """A date the way the site writes it (2026年12月1日)."""
    return t("site.date", year=day.year, month=day.month, day=day.day)


class Renderer:
    """Renders site/templates with the content, markers filled in, text escaped."""

    def __init__(self, content: Any, globals_: dict[str, Any]):
        from jinja2 import Environment, FileSystemLoader, StrictUndefined

        self.store = content.store
        self.env = Environment(
            loader=FileSystemLoader([str(d) for d in TEMPLATE_DIRS]),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            finalize=self._finalize,
        )
        self.env.filters.update(
            md=self.markdown, inline=self.inline, yuan=yuan, date_cn=date_cn, tel=tel_href
        )
        self.env.globals.update(globals_, t=t)

    def expand_markdown(self, text: str) -> str:
        """Markers in Markdown: hotlines become tap-to-call links."""
        return markers.expand(
            text, self.store, lambda key, h: f"[{h.number}]({tel_href(h.number)}){{: .rd-nowrap }}"
        )

    def markdown(self, text: str) -> Markup:
        """Block Markdown (paragraphs, lists, tables) to HTML."""
        import markdown

        html = markdown.markdown(self.expand_markdown(text), extensions=MARKDOWN_EXTENSIONS)
        # Markdown of content/, the store's own text (bandit B704 accepted): raw HTML in it
        # passes through as written, and the site's CSP allows no inline script.
        return Markup(html)  # nosec B704

    def inline(self, text: str) -> Markup:
        """One paragraph of Markdown to inline HTML (no <p> around it)."""
        html = str(self.markdown(text))
        if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
            html = html[3:-4]
        return Markup(html)  # nosec B704

    def _finalize(self, value: Any) -> Any:
        # Plain text fields may carry markers too: fill them in as text, never print them raw.
        if isinstance(value, str) and not isinstance(value, Markup) and "{{" in value:
            return markers.expand(value, self.store, lambda key, h: unbreakable(h.number))
        return value

    def render(self, template: str, **context: Any) -> str:
        """One template to HTML."""
        return self.env.get_template(template).render(**context)
