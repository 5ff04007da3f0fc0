"""Every address the site generates. /thanks/ and /form-error/ are bound by the API contract."""

HOME = "/"
OFFERS = "/offers/"
CLUB = "/club/"
CHARTER = "/club/charter/"
CLAIMS = "/claims/"
RENEW = "/renew/"
JOIN = "/join/"
THANKS = "/thanks/"
FORM_ERROR = "/form-error/"
PRIVACY = "/privacy/"
CALENDAR = "/preview/calendar/"


def campaign(slug: str) -> str:
    """A campaign's own page."""
    return f"{OFFERS}{slug}/"


def page(slug: str) -> str:
    """A free Markdown page from content/pages."""
    return f"/{slug}/"


def src_uri(route: str) -> str:
    """The virtual Markdown file mkdocs builds a route from: /offers/ → offers/index.md."""
    path = route.strip("/")
    return f"{path}/index.md" if path else "index.md"


# The addresses the theme links to by name (config.extra.rd.routes).
PAGE_NAMES = (
    "HOME",
    "OFFERS",
    "CLUB",
    "CHARTER",
    "CLAIMS",
    "RENEW",
    "JOIN",
    "THANKS",
    "FORM_ERROR",
    "PRIVACY",
)
