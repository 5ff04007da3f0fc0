"""The pages the site generates from content/, and the metadata every page carries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable

from renewdesk.content import calendar
from renewdesk.publish import routes
from renewdesk.publish.render import t

FORM_SCRIPT = "js/forms.js"
ONE_CLICK_SCRIPT = "js/renew.js"
# Search ranking: what a customer looks for first (offers, claims, club) above the fine print
# (the consent notice, the charter's chapters) that mentions the same words more often.
BOOST_MAIN, BOOST_FINE_PRINT = 3.0, 0.3


@dataclass(frozen=True)
class GeneratedPage:
    """One generated page: its address, template and what the template needs."""

    route: str
    title: str
    template: str
    description: str
    context: dict[str, Any] = field(default_factory=dict)
    # Markdown rendered first (a campaign's body); the template receives it as `body`.
    body: str = ""
    searchable: bool = True
    boost: float | None = None
    scripts: tuple[str, ...] = ()
    # "no-referrer" where the address can carry a renewal-link token.
    referrer: str | None = None
    image: str | None = None  # a content image (campaign poster) for share cards
    structured_data: bool = False


def generated_pages(content: Any, day: dt.date, preview_pages: bool = False) -> list[GeneratedPage]:
    """Every generated page as of a day (campaigns only while they run)."""
    store = content.store
    running = calendar.running(content.campaigns, day)
    tiers, tier_campaign = calendar.gift_tiers(content, day)
    offers = {"campaigns": running, "tiers": tiers, "tier_campaign": tier_campaign}
    referral_campaigns = [
        c for c in running if c.meta.cta == "join" or "referral" in c.meta.audience
    ]
    pages = [
        GeneratedPage(
            routes.HOME, store.short_name, "home.html", store.tagline, offers, structured_data=True
        ),
        GeneratedPage(
            routes.OFFERS,
            t("site.offers.title"),
            "offers.html",
            content.offers.renewal_gifts.summary,
            offers,
            boost=BOOST_MAIN,
        ),
        GeneratedPage(
            routes.CLUB, content.club.name, "club.html", content.club.intro[:150], boost=BOOST_MAIN
        ),
        GeneratedPage(
            routes.CHARTER,
            t("site.club.charter_title", club=content.club.name),
            "charter.html",
            content.club.name,
            boost=BOOST_FINE_PRINT,
        ),
        GeneratedPage(
            routes.CLAIMS,
            t("site.claims.title"),
            "claims.html",
            content.claims.intro[:150],
            boost=BOOST_MAIN,
        ),
        GeneratedPage(
            routes.RENEW,
            t("site.renew.title"),
            "renew.html",
            t("site.renew.lead"),
            scripts=(FORM_SCRIPT, ONE_CLICK_SCRIPT),
            referrer="no-referrer",
        ),
        GeneratedPage(
            routes.JOIN,
            content.offers.referral.title,
            "join.html",
            content.offers.referral.summary,
            {"campaigns": referral_campaigns},
            scripts=(FORM_SCRIPT,),
        ),
        GeneratedPage(
            routes.THANKS,
            t("site.thanks.title"),
            "thanks.html",
            t("site.thanks.lead"),
            searchable=False,
        ),
        GeneratedPage(
            routes.FORM_ERROR,
            t("site.error.title"),
            "form_error.html",
            t("site.error.lead"),
            searchable=False,
        ),
        GeneratedPage(
            routes.PRIVACY,
            t("site.privacy.title"),
            "privacy.html",
            content.consent.summary[:150],
            boost=BOOST_FINE_PRINT,
        ),
    ]
    for campaign in running:
        pages.append(
            GeneratedPage(
                routes.campaign(campaign.slug),
                campaign.meta.title,
                "campaign.html",
                campaign.meta.summary,
                {"campaign": campaign},
                body=campaign.body,
                image=campaign.meta.image,
            )
        )
    if preview_pages:
        pages.append(
            GeneratedPage(
                routes.CALENDAR,
                t("site.calendar.title"),
                "calendar.html",
                t("site.calendar.lead"),
                {"entries": calendar.calendar(content.campaigns, day)},
                searchable=False,
            )
        )
    return pages


def page_front_matter(page: Any, seo: Any, asset_url: Callable[[str], str]) -> dict[str, Any]:
    """The metadata the theme reads from a page (generated or a free Markdown page)."""
    if isinstance(page, GeneratedPage):
        route, title, description = page.route, page.title, page.description
        searchable, boost, image = page.searchable, page.boost, page.image
    else:  # a free page from content/pages
        route, title = routes.page(page.slug), page.meta.title
        description = page.meta.description or seo.store.tagline
        searchable, boost, image = True, None, None
    meta: dict[str, Any] = {"title": title, "description": description, "hide": ["toc"]}
    if isinstance(page, GeneratedPage):
        meta["scripts"] = [asset_url(name) for name in page.scripts]
        if page.referrer:
            meta["referrer"] = page.referrer
        if page.structured_data:
            meta["structured_data"] = seo.structured_data()
    if not searchable:
        meta.update(search={"exclude": True}, robots="noindex")
    elif boost:
        meta["search"] = {"boost": boost}
    meta["share"] = seo.share(route, title, description, image)
    return meta
