"""Rules across items and files that one model cannot see: bands, references, overlaps."""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Any, Iterable, Sequence

from renewdesk.content import markers
from renewdesk.content.problems import Problem, field_path

# Hotlines the site itself needs: the call buttons, the call bar and the claims guide.
REQUIRED_HOTLINES = ("insurance", "rescue", "claims")


def yuan(amount: int) -> str:
    """3000 → '3,000'."""
    return f"{amount:,}"


def band_text(tier: Any) -> str:
    """A band as marketing wrote it, for messages: '3,000–5,000' or '15,000+'."""
    if tier.premium_to is None:
        return f"{yuan(tier.premium_from)}+"
    return f"{yuan(tier.premium_from)}–{yuan(tier.premium_to)}"


def gift_tiers(file: str, path: tuple[Any, ...], tiers: Sequence[Any]) -> list[Problem]:
    """Compulsory-only at most once; commercial bands from 0 up, no overlap, no gap, open top."""
    problems: list[Problem] = []

    def at(index: int, name: str) -> str:
        return field_path(path + (index, name))

    commercial: list[tuple[int, Any]] = []
    seen_compulsory = False
    for index, tier in enumerate(tiers):
        if tier.compulsory_only:
            if seen_compulsory:
                problems.append(Problem(file, at(index, "compulsory_only"), "compulsory_twice"))
            seen_compulsory = True
            if tier.premium_from is not None or tier.premium_to is not None:
                problems.append(Problem(file, at(index, "premium_from"), "compulsory_with_band"))
        elif tier.premium_from is None:
            problems.append(Problem(file, at(index, "premium_from"), "band_missing_from"))
        elif tier.premium_to is not None and tier.premium_to <= tier.premium_from:
            problems.append(
                Problem(
                    file,
                    at(index, "premium_to"),
                    "band_empty",
                    {"low": yuan(tier.premium_from), "high": yuan(tier.premium_to)},
                )
            )
        else:
            commercial.append((index, tier))
    if problems:
        return problems
    if not commercial:
        return [Problem(file, field_path(path), "bands_missing")]
    commercial.sort(key=lambda pair: pair[1].premium_from)
    first_index, first = commercial[0]
    if first.premium_from != 0:
        problems.append(
            Problem(
                file,
                at(first_index, "premium_from"),
                "bands_start",
                {"start": yuan(first.premium_from)},
            )
        )
    for (prev_index, prev), (index, tier) in pairwise(commercial):
        if prev.premium_to is None:
            problems.append(Problem(file, at(prev_index, "premium_to"), "band_open_not_last"))
        elif tier.premium_from < prev.premium_to:
            problems.append(
                Problem(
                    file, at(index, "premium_from"), "bands_overlap", {"previous": band_text(prev)}
                )
            )
        elif tier.premium_from > prev.premium_to:
            problems.append(
                Problem(
                    file,
                    at(index, "premium_from"),
                    "bands_gap",
                    {"low": yuan(prev.premium_to), "high": yuan(tier.premium_from)},
                )
            )
    last_index, last = commercial[-1]
    if last.premium_to is not None:
        problems.append(
            Problem(
                file, at(last_index, "premium_to"), "band_top_open", {"high": yuan(last.premium_to)}
            )
        )
    return problems


def required_hotlines(file: str, store: Any) -> list[Problem]:
    """The hotlines the site's buttons and guides need."""
    return [
        Problem(file, f"hotlines.{key}", "missing_hotline", {"name": key})
        for key in REQUIRED_HOTLINES
        if key not in store.hotlines
    ]


def hotline_reference(file: str, field: str, key: str, store: Any) -> list[Problem]:
    """A reference to a hotline by key must name one in store.yml."""
    if key in store.hotlines:
        return []
    return [
        Problem(file, field, "unknown_hotline", {"name": key, "known": "、".join(store.hotlines)})
    ]


def unique_keys(file: str, field: str, keys: Iterable[str]) -> list[Problem]:
    """Keys meant to identify one item each."""
    problems, seen = [], set()
    for index, key in enumerate(keys):
        if key in seen:
            problems.append(Problem(file, f"{field}[{index}].key", "duplicate_key", {"name": key}))
        seen.add(key)
    return problems


def club(file: str, data: Any) -> list[Problem]:
    """Tier keys unique, services name real tiers, paid services say their price."""
    problems = unique_keys(file, "tiers", (t.key for t in data.tiers))
    known = [t.key for t in data.tiers]
    for index, service in enumerate(data.services):
        for position, key in enumerate(service.tiers):
            if key not in known:
                problems.append(
                    Problem(
                        file,
                        f"services[{index}].tiers[{position}]",
                        "unknown_tier",
                        {"name": key, "known": "、".join(known)},
                    )
                )
        if service.cost == "paid" and not service.price:
            problems.append(Problem(file, f"services[{index}].price", "price_required"))
        if service.cost == "free" and service.price:
            problems.append(Problem(file, f"services[{index}].price", "price_not_allowed"))
    return problems


def markers_in_data(file: str, data: Any, known: Sequence[str]) -> list[Problem]:
    """Unknown {{ markers }} anywhere in a YAML file."""
    return [
        Problem(
            file,
            field_path(path),
            "unknown_marker",
            {"marker": "{{ " + found.name + " }}", "known": " ".join(known)},
        )
        for path, text in markers.walk_strings(data)
        for found in markers.find(text)
        if found.name not in known
    ]


def markers_in_markdown(
    file: str, body: str, known: Sequence[str], line_offset: int
) -> list[Problem]:
    """Unknown {{ markers }} in a Markdown body (lines counted from the top of the file)."""
    return [
        Problem(
            file,
            "",
            "unknown_marker_at",
            {"marker": "{{ " + found.name + " }}", "known": " ".join(known)},
            found.line + line_offset,
        )
        for found in markers.find(body)
        if found.name not in known
    ]


def tier_campaigns(campaigns: Sequence[Any]) -> list[Problem]:
    """At most one set of gift tiers applies on any day: tier campaigns must not overlap."""
    problems = []
    with_tiers = sorted((c for c in campaigns if c.meta.gift_tiers), key=lambda c: c.meta.start)
    for index, later in enumerate(with_tiers):
        for earlier in with_tiers[:index]:
            if later.meta.start <= earlier.meta.end and earlier.meta.start <= later.meta.end:
                problems.append(
                    Problem(
                        later.source,
                        "gift_tiers",
                        "tier_campaigns_overlap",
                        {
                            "other": earlier.source,
                            "start": max(later.meta.start, earlier.meta.start),
                            "end": min(later.meta.end, earlier.meta.end),
                        },
                    )
                )
    return problems


# Markdown links and images: [text](target "title") and ![alt](src).
LINK_RE = re.compile(r"(!?)\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+[\"'][^\"']*[\"'])?\s*\)")
EXTERNAL_RE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//|#)", re.I)


def campaign_hotline(campaign: Any, store: Any) -> list[Problem]:
    """A call-to-action "call" campaign must say which line to call."""
    if campaign.meta.cta == "call" and not campaign.meta.hotline:
        return [
            Problem(
                campaign.source, "cta", "cta_needs_hotline", {"known": "、".join(store.hotlines)}
            )
        ]
    return []


def links(
    file: str,
    text: str,
    pages: Iterable[str],
    images: Iterable[str],
    field: str = "",
    line_offset: int = 0,
) -> list[Problem]:
    """Links to pages that do not exist and pictures that are not in content/images.

    `pages` are the site's addresses (/offers/, /about/); links may also name a page's file
    (about.md, ../about.md). `images` are content image names (images/poster.jpg).
    """
    known_pages, known_images = set(pages), set(images)
    problems = []
    for match in LINK_RE.finditer(text):
        is_image, target = match.group(1) == "!", match.group(2)
        if EXTERNAL_RE.match(target):
            continue
        path = target.split("#")[0].split("?")[0]
        line = text.count("\n", 0, match.start()) + 1 + line_offset if not field else None
        if is_image:
            if path.lstrip("/").removeprefix("../") not in known_images:
                problems.append(Problem(file, field, "broken_image", {"target": target}, line))
        elif _page_address(path) not in known_pages:
            problems.append(Problem(file, field, "broken_link", {"target": target}, line))
    return problems


def _page_address(path: str) -> str:
    """about.md, ../about.md, /about, about/ → /about/ (index.md → /)."""
    name = path.removeprefix("../").removeprefix("./").strip("/")
    if name.endswith(".md"):
        name = name[:-3]
        name = "" if name == "index" else name.removesuffix("/index")
    return f"/{name}/" if name else "/"


def image(
    file: str, field: str, name: str, root: Any, kind: str = "poster"
) -> tuple[list[Problem], Any]:
    """A referenced picture: it exists, is what it claims, and fits its use."""
    from renewdesk.content import images

    path = root / name
    if not path.is_file():
        return [Problem(file, field, "image_missing", {"image": name})], None
    try:
        info = images.read_info(path)
    except images.NotAnImage:
        return [Problem(file, field, "not_an_image", {"image": name})], None
    found = images.qr_problems(info) if kind == "qr" else images.poster_problems(info)
    return [Problem(file, field, code, params) for code, params in found], info


def insurer_names(file: str, data: Any) -> list[Problem]:
    """Every name and alias names one insurer (compared the way the roster matches them), and
    the store works with at least one."""
    from renewdesk.services.insurers import name_key

    problems: list[Problem] = []
    owner: dict[str, str] = {}
    for index, entry in enumerate(data.insurers):
        for position, spelling in enumerate([entry.name, *entry.aliases]):
            key = name_key(spelling)
            field = (
                f"insurers[{index}].name"
                if position == 0
                else (f"insurers[{index}].aliases[{position - 1}]")
            )
            if key in owner and owner[key] != entry.name:
                problems.append(
                    Problem(
                        file, field, "insurer_named_twice", {"name": spelling, "other": owner[key]}
                    )
                )
            owner.setdefault(key, entry.name)
    if not any(entry.partner for entry in data.insurers):
        problems.append(Problem(file, "insurers", "insurer_no_partner"))
    return problems
