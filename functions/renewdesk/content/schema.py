"""The shape of every content file: one pydantic model per kind.

Rules about one value live here; rules across items or files (premium bands, references to
hotlines and tiers, overlapping campaigns) live in checks.py, so each problem can name the
exact item it is about.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError

from renewdesk.content import geo, hours

# Landlines with area code, mobiles, 400/800 numbers, five/six-digit service numbers (95518),
# three- to five-digit public numbers (122, 120, 12122); spaces and dashes allowed.
PHONE_RE = re.compile(r"^(?:0\d{9,11}|1[3-9]\d{9}|[48]00\d{7}|9\d{4,5}|1\d{2,4})$")
ORIGIN_RE = re.compile(r"^https://[a-z0-9.-]+(?::\d{1,5})?$")
KEY_PATTERN = r"^[a-z][a-z0-9_]*$"
# 粤ICP备12345678号 or 粤ICP备12345678号-1 (the site's number carries the -n suffix).
ICP_RE = re.compile(r"^[\u4e00-\u9fff]ICP备\d{6,10}号(?:-\d{1,3})?$")
# A picture in content/images/, by file name: images/winter-care.jpg
IMAGE_RE = re.compile(r"^images/[a-z0-9]+(?:[-_][a-z0-9]+)*\.(?:jpg|jpeg|png|webp)$")


def _check_phone(value: str) -> str:
    from renewdesk.services.normalize import ForeignCharacters, ascii_folded

    # Input methods type full-width digits (０７５５): they count as ASCII; other scripts' digits
    # would publish a tel: link no phone can dial.
    try:
        value = ascii_folded(value).strip()
    except ForeignCharacters as foreign:
        raise PydanticCustomError(f"phone_{foreign.code}", foreign.code) from None
    if not PHONE_RE.match(re.sub(r"[\s-]", "", value)):
        raise PydanticCustomError("not_phone_number", "not a phone number")
    return value


def _check_days(value: str) -> str:
    try:
        hours.parse_days(value)
    except ValueError:
        raise PydanticCustomError("bad_days", "bad days") from None
    return value


def _check_hours(value: str) -> str:
    try:
        hours.parse_hours(value)
    except ValueError:
        raise PydanticCustomError("bad_hours", "bad hours") from None
    return value


def _check_icp(value: str) -> str:
    if not ICP_RE.match(value):
        raise PydanticCustomError("bad_icp", "bad ICP number")
    return value


def _check_image(value: str) -> str:
    if not IMAGE_RE.match(value):
        raise PydanticCustomError("bad_image_path", "bad image path")
    return value


def _check_origin(value: str) -> str:
    value = value.rstrip("/")
    if not ORIGIN_RE.match(value):
        raise PydanticCustomError("not_origin", "not an https origin")
    return value


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Summary = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=160)]
Key = Annotated[str, StringConstraints(strip_whitespace=True, pattern=KEY_PATTERN)]
PhoneNumber = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_check_phone)]
Origin = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_check_origin)]
Items = Annotated[list[Text], Field(min_length=1)]
Image = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_check_image)]
Yuan = Annotated[int, Field(ge=0)]

AUDIENCES = ("all", "renewal", "member", "new_owner", "referral", "new_energy", "lapsed")
CALLS_TO_ACTION = ("renew", "join", "call", "visit")
SERVICE_CATEGORIES = ("rescue", "insurance", "care", "reminders", "events", "lifestyle")
COVER_KINDS = ("main", "addon", "new_energy")


class Model(BaseModel):
    """Strict about unknown fields (typos) and about types: 122 is not the text "122"."""

    # pydantic never turns a YAML number into text, so an unquoted 122 is reported, not kept.
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---- store.yml ----------------------------------------------------------------------------


class Hotline(Model):
    label: Short
    number: PhoneNumber
    hours: Text | None = None


class OpeningHours(Model):
    what: Short
    days: Annotated[Short, AfterValidator(_check_days)]
    hours: Annotated[Short, AfterValidator(_check_hours)]


class Location(Model):
    """Where the store is, in the coordinate system of the map it was picked from."""

    lat: Annotated[float, Field(ge=3.0, le=54.0)]
    lng: Annotated[float, Field(ge=73.0, le=136.0)]
    system: Literal[geo.SYSTEMS] = "gcj02"  # type: ignore[valid-type]


class Store(Model):
    name: Short
    short_name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=12)
    ]
    tagline: Summary
    city: Short
    address: Text
    directions: Text | None = None
    opening_hours: Annotated[list[OpeningHours], Field(min_length=1)]
    hotlines: dict[Key, Hotline]
    province: Short | None = None
    location: Location | None = None
    api_origin: Origin
    wechat: Short | None = None
    wechat_qr: Image | None = None
    share_image: Image | None = None
    icp: Annotated[Short, AfterValidator(_check_icp)] | None = None
    police_filing: Short | None = None
    # The signature every reminder SMS starts with, as registered with the SMS platform.
    sms_signature: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=12)] | None
    ) = None


# ---- offers.yml and campaigns/*.md ---------------------------------------------------------


class GiftTier(Model):
    """One premium band and its gifts; or the band for compulsory insurance only."""

    compulsory_only: bool = False
    premium_from: Yuan | None = None
    premium_to: Annotated[int, Field(gt=0)] | None = None
    label: Short | None = None
    gifts: Items


class RenewalGifts(Model):
    title: Short
    summary: Summary
    tiers: Annotated[list[GiftTier], Field(min_length=1)]
    store_visit_gifts: list[Text] = []
    conditions: list[Text] = []


class Highlight(Model):
    title: Short
    text: Text


class Referral(Model):
    title: Short
    summary: Summary
    referrer_reward: Text
    friend_reward: Text
    steps: Items
    terms: list[Text] = []


class Offers(Model):
    renewal_gifts: RenewalGifts
    highlights: list[Highlight] = []
    referral: Referral


class Campaign(Model):
    """A dated campaign; its Markdown body follows the front matter."""

    title: Short
    summary: Summary
    start: dt.date
    end: dt.date
    audience: Annotated[list[Literal[AUDIENCES]], Field(min_length=1)]  # type: ignore[valid-type]
    cta: Literal[CALLS_TO_ACTION] = "renew"  # type: ignore[valid-type]
    hotline: Key | None = None
    badge: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=8)] | None
    ) = None
    highlights: list[Short] = []
    gift_tiers: Annotated[list[GiftTier], Field(min_length=1)] | None = None
    terms: list[Text] = []
    image: Image | None = None  # the campaign's poster: its page and its share card


# ---- club.yml -------------------------------------------------------------------------------


class ClubTier(Model):
    key: Key
    name: Short
    who: Text
    fee: Short
    perks: Items


class ClubService(Model):
    name: Short
    category: Literal[SERVICE_CATEGORIES]  # type: ignore[valid-type]
    description: Text
    tiers: Annotated[list[Key], Field(min_length=1)]
    cost: Literal["free", "paid"]
    price: Text | None = None


class EarnRule(Model):
    action: Short
    points: Text


class Redemption(Model):
    gift: Short
    points: Annotated[int, Field(gt=0)]


class Points(Model):
    intro: Text
    earn: Annotated[list[EarnRule], Field(min_length=1)]
    redeem: Annotated[list[Redemption], Field(min_length=1)]
    rules: list[Text] = []


class MemberDay(Model):
    name: Short
    when: Text
    perks: Items


class CharterSection(Model):
    title: Short
    body: Text


class Club(Model):
    name: Short
    intro: Text
    join_offer: Text | None = None
    tiers: Annotated[list[ClubTier], Field(min_length=1)]
    services: Annotated[list[ClubService], Field(min_length=1)]
    points: Points
    member_days: list[MemberDay] = []
    charter: Annotated[list[CharterSection], Field(min_length=1)]


# ---- claims.yml -----------------------------------------------------------------------------


class PublicNumber(Model):
    label: Short
    number: PhoneNumber


class ClaimStep(Model):
    title: Short
    summary: Summary
    details: Items


class DocumentCase(Model):
    case: Short
    when: Text | None = None
    items: Items


class Question(Model):
    q: Text
    a: Text


class Claims(Model):
    intro: Text
    hotlines: Annotated[list[Key], Field(min_length=1)]
    emergency_numbers: list[PublicNumber] = []
    insurers: list[PublicNumber] = []
    at_scene: Items
    steps: Annotated[list[ClaimStep], Field(min_length=1)]
    in_store: list[Text] = []
    documents: Annotated[list[DocumentCase], Field(min_length=1)]
    payment_rule: Text
    promise: list[Highlight] = []
    faq: list[Question] = []


# ---- insurance.yml --------------------------------------------------------------------------


class Limit(Model):
    item: Short
    amount: Annotated[int, Field(gt=0)]


class Compulsory(Model):
    name: Short
    summary: Text
    limits_effective: dt.date
    with_liability: Annotated[list[Limit], Field(min_length=1)]
    without_liability: Annotated[list[Limit], Field(min_length=1)]
    note: Text | None = None


class Cover(Model):
    name: Short
    kind: Literal[COVER_KINDS]  # type: ignore[valid-type]
    covers: Text
    advice: Text | None = None


class Insurance(Model):
    intro: Text
    compulsory: Compulsory
    covers: Annotated[list[Cover], Field(min_length=1)]


# ---- consent.yml ----------------------------------------------------------------------------


class Consent(Model):
    version: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    summary: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    text: Text


# ---- pages/*.md -----------------------------------------------------------------------------


class PageMeta(Model):
    """Front matter of a free Markdown page."""

    title: Short
    description: Summary | None = None
    menu: bool = False
    order: int = 100


# ---- insurers.yml ---------------------------------------------------------------------------


class InsurerEntry(Model):
    """An insurer the store knows: the name it goes by, what else DMS exports call it, and
    whether the store works with it."""

    name: Short
    aliases: list[Short] = []
    partner: bool = True


class Insurers(Model):
    insurers: Annotated[list[InsurerEntry], Field(min_length=1)]
