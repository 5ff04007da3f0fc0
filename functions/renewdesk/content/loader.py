"""Read content/: parse every file, validate it, and collect every problem before failing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import BaseModel

from renewdesk.content import checks, schema, worktexts, yamlfile
from renewdesk.content.markers import known_markers
from renewdesk.content.problems import ContentInvalid, Problem, field_path, from_validation_error

DATA_FILES: dict[str, tuple[str, type[BaseModel]]] = {
    "store": ("store.yml", schema.Store),
    "offers": ("offers.yml", schema.Offers),
    "club": ("club.yml", schema.Club),
    "claims": ("claims.yml", schema.Claims),
    "insurance": ("insurance.yml", schema.Insurance),
    "consent": ("consent.yml", schema.Consent),
    "insurers": ("insurers.yml", schema.Insurers),
}
SMS_FILE = "sms.yml"  # the reminders' SMS templates, checked by renewdesk.services.sms
CAMPAIGNS_DIR = "campaigns"
PAGES_DIR = "pages"
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Addresses the site generates itself; a free page may not take them.
RESERVED_SLUGS = frozenset(
    {
        "index",
        "offers",
        "club",
        "claims",
        "renew",
        "join",
        "thanks",
        "form-error",
        "privacy",
        "search",
        "assets",
        "404",
    }
)


@dataclass(frozen=True)
class MarkdownFile:
    """A Markdown file with front matter: campaigns and free pages."""

    slug: str
    source: str
    meta: Any
    body: str
    body_line: int  # line of the file the body starts on, minus one


@dataclass(frozen=True)
class SiteContent:
    """Everything in content/, validated."""

    root: Path
    store: schema.Store
    offers: schema.Offers
    club: schema.Club
    claims: schema.Claims
    insurance: schema.Insurance
    consent: schema.Consent
    campaigns: tuple[MarkdownFile, ...]
    pages: tuple[MarkdownFile, ...]
    images: dict[str, Any] = field(default_factory=dict)  # name → ImageInfo, as referenced
    insurers: schema.Insurers | None = None


class _Reader:
    """Collects problems while reading, so one build reports all of them."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.problems: list[Problem] = []
        self.raw: dict[str, Any] = {}
        self.parsed: dict[str, yamlfile.Parsed] = {}  # by file name, for problems' lines

    def name(self, path: Path) -> str:
        return f"{self.root.name}/{path.relative_to(self.root).as_posix()}"

    def yaml(self, path: Path, text: str, first_line: int = 0) -> Any:
        try:
            parsed = yamlfile.parse(text, first_line)
        except yamlfile.YamlProblem as problem:
            self.problems.append(
                Problem(
                    self.name(path),
                    problem.field,
                    problem.code,
                    {"line": problem.line, **problem.params},
                    problem.line,
                )
            )
            return None
        self.parsed[self.name(path)] = parsed
        return parsed.data

    def locate(self, problems: list[Problem]) -> list[Problem]:
        """Give every problem about a field the line that field is on."""
        located = []
        for problem in problems:
            parsed = self.parsed.get(problem.file)
            if problem.line is None and problem.field and parsed is not None:
                problem = problem.at(parsed.line_of(yamlfile.field_loc(problem.field)))
            located.append(problem)
        return located

    def validate(self, path: Path, model: type[BaseModel], data: Any) -> Any:
        from pydantic import ValidationError

        if not isinstance(data, dict):
            self.problems.append(Problem(self.name(path), "", "not_mapping"))
            return None
        try:
            return model.model_validate(data)
        except ValidationError as error:
            self.problems += from_validation_error(self.name(path), error)
            return None

    def data_file(self, key: str) -> Any:
        filename, model = DATA_FILES[key]
        path = self.root / filename
        if not path.is_file():
            self.problems.append(Problem(self.name(path), "", "file_missing"))
            return None
        data = self.yaml(path, path.read_text(encoding="utf-8"))
        if data is None:
            if not self.problems_for(path):  # an empty file, not a syntax error
                self.problems.append(Problem(self.name(path), "", "not_mapping"))
            return None
        self.raw[key] = data
        return self.validate(path, model, data)

    def problems_for(self, path: Path) -> bool:
        return any(p.file == self.name(path) for p in self.problems)

    def sms_templates(self, site_origin: str | None = None) -> list[Problem]:
        """sms.yml, by the rules of the service that sends the reminders; with the stage's site
        origin, each template's longest message against the messages it may be billed as."""
        from renewdesk.services.sms import ContentError, check_sizes, load_templates

        path = self.root / SMS_FILE
        if not path.is_file():
            return [Problem(self.name(path), "", "file_missing")]
        self.yaml(path, path.read_text(encoding="utf-8"))
        # The reminders' loader reads store.yml too: only once both files parse.
        if self.problems_for(path) or self.problems_for(self.root / "store.yml"):
            return []  # already reported with its line
        try:
            templates = load_templates.__wrapped__(self.root)  # uncached: the preview re-reads
            if site_origin:
                check_sizes(templates, site_origin, path)
        except ContentError as error:
            return [
                Problem(
                    self.name(path), "", "other", {"detail": str(error).replace(f"{path}: ", "")}
                )
            ]
        return []

    def markdown_files(self, folder: str, model: type[BaseModel]) -> list[MarkdownFile]:
        found = []
        directory = self.root / folder
        for path in sorted(directory.glob("*.md")) if directory.is_dir() else []:
            slug = path.stem
            if not SLUG_RE.match(slug):
                self.problems.append(Problem(self.name(path), "", "bad_slug"))
                continue
            if folder == PAGES_DIR and slug in RESERVED_SLUGS:
                self.problems.append(Problem(self.name(path), "", "reserved_page", {"slug": slug}))
                continue
            text = path.read_text(encoding="utf-8")
            match = re.match(r"^---[ \t]*\n(.*?\n)---[ \t]*(?:\n|$)", text, re.S)
            if not match:
                self.problems.append(Problem(self.name(path), "", "no_front_matter"))
                continue
            data = self.yaml(path, match.group(1), first_line=1)
            if data is None and self.problems_for(path):
                continue  # unreadable front matter, already reported with its line
            meta = self.validate(path, model, data)
            if meta is not None:
                body_line = text.count("\n", 0, match.end())
                found.append(
                    MarkdownFile(slug, self.name(path), meta, text[match.end() :], body_line)
                )
        return found


def load(root: Path, stage: str | None = None, site_origin: str | None = None) -> SiteContent:
    """Read and validate content/; raises ContentInvalid listing every problem.

    `stage` "prod" also requires what a published site in mainland China must show (the ICP
    filing number); `site_origin` (the stage's address) sizes the SMS templates' links."""
    reader = _Reader(root)
    parsed = {key: reader.data_file(key) for key in DATA_FILES}
    campaigns = reader.markdown_files(CAMPAIGNS_DIR, schema.Campaign)
    pages = reader.markdown_files(PAGES_DIR, schema.PageMeta)
    problems = reader.problems
    name = {key: f"{reader.root.name}/{filename}" for key, (filename, _) in DATA_FILES.items()}

    store = parsed["store"]
    if parsed["offers"] is not None:
        problems += checks.gift_tiers(
            name["offers"], ("renewal_gifts", "tiers"), parsed["offers"].renewal_gifts.tiers
        )
    for campaign in campaigns:
        if campaign.meta.end < campaign.meta.start:
            problems.append(
                Problem(
                    campaign.source,
                    "end",
                    "end_before_start",
                    {"start": campaign.meta.start, "end": campaign.meta.end},
                )
            )
        if campaign.meta.gift_tiers:
            problems += checks.gift_tiers(
                campaign.source, ("gift_tiers",), campaign.meta.gift_tiers
            )
    problems += checks.tier_campaigns(campaigns)
    if parsed["club"] is not None:
        problems += checks.club(name["club"], parsed["club"])
    problems += reader.sms_templates(site_origin)
    problems += worktexts.check(reader)  # the specialists' scripts and message templates
    if parsed["insurers"] is not None:
        problems += checks.insurer_names(name["insurers"], parsed["insurers"])
    if store is not None:
        problems += checks.required_hotlines(name["store"], store)
        if parsed["claims"] is not None:
            for index, key in enumerate(parsed["claims"].hotlines):
                problems += checks.hotline_reference(
                    name["claims"], f"hotlines[{index}]", key, store
                )
        for campaign in campaigns:
            if campaign.meta.hotline:
                problems += checks.hotline_reference(
                    campaign.source, "hotline", campaign.meta.hotline, store
                )
        if stage == "prod" and not store.icp:
            problems.append(Problem(name["store"], "icp", "icp_required"))
        known = known_markers(store)
        for key, data in reader.raw.items():
            problems += checks.markers_in_data(name[key], data, known)
        for doc in [*campaigns, *pages]:
            problems += checks.markers_in_data(doc.source, doc.meta.model_dump(mode="json"), known)
            problems += checks.markers_in_markdown(doc.source, doc.body, known, doc.body_line)
        for campaign in campaigns:
            problems += checks.campaign_hotline(campaign, store)
        found, images = _images(reader.root, name["store"], store, campaigns)
        problems += found
        problems += _links(reader, campaigns, pages)
    else:
        images = {}
    if problems:
        raise ContentInvalid(reader.locate(problems))
    return SiteContent(
        root=reader.root, campaigns=tuple(campaigns), pages=tuple(pages), images=images, **parsed
    )


def _images(
    root: Path, store_file: str, store: Any, campaigns: list[MarkdownFile]
) -> tuple[list[Problem], dict[str, Any]]:
    """Every picture content refers to: share image, QR code, campaign posters."""
    wanted = [
        (store_file, "share_image", store.share_image, "poster"),
        (store_file, "wechat_qr", store.wechat_qr, "qr"),
    ]
    wanted += [(c.source, "image", c.meta.image, "poster") for c in campaigns]
    problems: list[Problem] = []
    infos = {}
    for file, field_name, image_name, kind in wanted:
        if image_name:
            found, info = checks.image(file, field_name, image_name, root, kind)
            problems += found
            if info is not None:
                infos[image_name] = info
    return problems, infos


def _links(
    reader: _Reader, campaigns: list[MarkdownFile], pages: list[MarkdownFile]
) -> list[Problem]:
    """Markdown links and pictures in pages, campaign bodies and every YAML text."""
    from renewdesk.content.markers import walk_strings
    from renewdesk.publish import routes

    addresses = [getattr(routes, n) for n in routes.PAGE_NAMES]
    addresses += [routes.campaign(c.slug) for c in campaigns]
    addresses += [routes.page(p.slug) for p in pages]
    images_dir = reader.root / "images"
    images = [f"images/{p.name}" for p in images_dir.iterdir()] if images_dir.is_dir() else []
    problems: list[Problem] = []
    for doc in [*campaigns, *pages]:
        problems += checks.links(doc.source, doc.body, addresses, images, line_offset=doc.body_line)
    for key, data in reader.raw.items():
        file = f"{reader.root.name}/{DATA_FILES[key][0]}"
        for path, text in walk_strings(data):
            problems += checks.links(file, text, addresses, images, field=field_path(path))
    return problems
