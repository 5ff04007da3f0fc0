"""The pages the site generates from content/, as virtual Markdown files for mkdocs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from renewdesk.content import calendar

from sitegen import routes
from sitegen.render import t

FORM_SCRIPT = "js/forms.js"
ONE_CLICK_SCRIPT = "js/renew.js"


@dataclass(frozen=True)
class GeneratedPage:
    """One generated page: its address, template and what the template needs."""

    route: str
    title: str
    template: str
    description: str
    context: dict[str, Any] = field(default_factory=dict)
    # Markdown mkdocs renders first (a campaign's body); the template receives it as `body`.
    body: str = ""
    searchable: bool = True
    scripts: tuple[str, ...] = ()
    # "no-referrer" where the address can carry a renewal-link token.
    referrer: str | None = None

    def markdown(self) -> str:
        """The virtual source file: front matter, then the body."""
        import yaml

        meta: dict[str, Any] = {"title": self.title, "description": self.description,
                                "hide": ["toc"], "rd_scripts": list(self.scripts)}
        if not self.searchable:
            meta.update(search={"exclude": True}, robots="noindex")
        if self.referrer:
            meta["referrer"] = self.referrer
        front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
        return f"---\n{front}---\n\n{self.body}"


def generated_pages(content: Any, day: dt.date) -> list[GeneratedPage]:
    """Every generated page as of a day (campaigns only while they run)."""
    store = content.store
    running = calendar.running(content.campaigns, day)
    tiers, tier_campaign = calendar.gift_tiers(content, day)
    offers = {"campaigns": running, "tiers": tiers, "tier_campaign": tier_campaign}
    pages = [
        GeneratedPage(routes.HOME, store.short_name, "home.html", store.tagline, offers),
        GeneratedPage(routes.OFFERS, t("site.offers.title"), "offers.html",
                      content.offers.renewal_gifts.summary, offers),
        GeneratedPage(routes.CLUB, content.club.name, "club.html", content.club.intro[:150]),
        GeneratedPage(routes.CHARTER, t("site.club.charter_title", club=content.club.name),
                      "charter.html", content.club.name),
        GeneratedPage(routes.CLAIMS, t("site.claims.title"), "claims.html",
                      content.claims.intro[:150]),
        GeneratedPage(routes.RENEW, t("site.renew.title"), "renew.html", t("site.renew.lead"),
                      scripts=(FORM_SCRIPT, ONE_CLICK_SCRIPT), referrer="no-referrer"),
        GeneratedPage(routes.JOIN, content.offers.referral.title, "join.html",
                      content.offers.referral.summary, scripts=(FORM_SCRIPT,)),
        GeneratedPage(routes.THANKS, t("site.thanks.title"), "thanks.html", t("site.thanks.lead"),
                      searchable=False),
        GeneratedPage(routes.FORM_ERROR, t("site.error.title"), "form_error.html",
                      t("site.error.lead"), searchable=False),
        GeneratedPage(routes.PRIVACY, t("site.privacy.title"), "privacy.html",
                      content.consent.summary[:150]),
    ]
    for campaign in running:
        pages.append(GeneratedPage(routes.campaign(campaign.slug), campaign.meta.title,
                                   "campaign.html", campaign.meta.summary,
                                   {"campaign": campaign}, body=campaign.body))
    return pages
