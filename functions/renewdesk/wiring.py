"""The composition root: every service an app (or one CLI command) uses, wired explicitly from
the settings, one clock and one id generator.

Services are grouped by area (public, staff, roster, privacy, renewals, referrals). Each area is
built on first use, so a Lambda cold start imports only the modules the request needs (pydantic,
argon2 and boto3 load where they are used). The API and the CLI reach services only; ``stores``
is for this module, tests and benchmarks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Callable

from renewdesk.config import Settings
from renewdesk.services import clock

if TYPE_CHECKING:
    from renewdesk.services.access import Access
    from renewdesk.services.assist import Assist
    from renewdesk.services.claims import Claims
    from renewdesk.services.closing import Closing
    from renewdesk.services.consent import ConsentNotice
    from renewdesk.services.cycle_book import CycleBook
    from renewdesk.services.defeats import Defeats
    from renewdesk.services.desk import Desk
    from renewdesk.services.followups import FollowUps
    from renewdesk.services.health import Health
    from renewdesk.services.inbound import Attention, InboundLeads, SpeedToLead
    from renewdesk.services.insurers import InsurerList
    from renewdesk.services.intake import Intake
    from renewdesk.services.lapses import Lapses
    from renewdesk.services.links import LinkTokens
    from renewdesk.services.notifications import Dispatcher, Robot
    from renewdesk.services.optouts import OptOuts
    from renewdesk.services.privacy import Erasure, Purge
    from renewdesk.services.quotes import Quotes
    from renewdesk.services.referrers import Referrers
    from renewdesk.services.reminders import Reminders
    from renewdesk.services.renewal_board import RenewalBoard
    from renewdesk.services.renewal_links import OneClick
    from renewdesk.services.reports import Reports
    from renewdesk.services.reviews import Reviews
    from renewdesk.services.roster import RosterImport
    from renewdesk.services.roster_jobs import ImportJobs
    from renewdesk.services.search import Search
    from renewdesk.services.sessions import Sessions
    from renewdesk.services.short_links import ShortLinks
    from renewdesk.services.sms_replies import SmsReplies
    from renewdesk.services.staff import Accounts
    from renewdesk.store.cycles import CycleStore
    from renewdesk.store.defeats import DefeatStore
    from renewdesk.store.inbound import InboundStore
    from renewdesk.store.leads import LeadStore
    from renewdesk.store.outbox import OutboxStore
    from renewdesk.store.privacy import PrivacyStore
    from renewdesk.store.queue import QueueStore
    from renewdesk.store.referrers import ReferrerStore
    from renewdesk.store.reports import ReportStore
    from renewdesk.store.reviews import ReviewStore
    from renewdesk.store.roster import RosterStore
    from renewdesk.store.staff import StaffStore

Now = Callable[[], dt.datetime]
NewId = Callable[[dt.datetime], str]


@dataclass(frozen=True)
class Stores:
    """The DynamoDB side of each area, sharing one client."""

    leads: LeadStore
    queue: QueueStore
    staff: StaffStore
    reports: ReportStore
    roster: RosterStore
    privacy: PrivacyStore
    referrers: ReferrerStore
    outbox: OutboxStore
    inbound: InboundStore
    cycles: CycleStore
    reviews: ReviewStore
    defeats: DefeatStore


@dataclass(frozen=True)
class Public:
    """What car owners' phones reach: intake, renewal links, health."""

    consent: ConsentNotice
    intake: Intake
    one_click: OneClick
    health: Health


@dataclass(frozen=True)
class Staff:
    """The staff console and API: accounts, sessions, the queue, leads, reports."""

    accounts: Accounts
    sessions: Sessions
    claims: Claims
    followups: FollowUps
    closing: Closing
    desk: Desk
    search: Search
    reports: Reports


@dataclass(frozen=True)
class Roster:
    """The policy roster, reminders and their links, opt-outs."""

    imports: RosterImport
    reminders: Reminders
    links: LinkTokens
    optouts: OptOuts
    jobs: ImportJobs  # uploads from the console, imported in the background
    short_links: ShortLinks  # the reminders' /r/<code> links
    replies: SmsReplies  # customers' replies to the reminders


@dataclass(frozen=True)
class Privacy:
    """PIPL: access and erasure on request, the retention purge."""

    access: Access
    erasure: Erasure
    purge: Purge


@dataclass(frozen=True)
class Inbound:
    """Inbound work: leads for callers and walk-ins, speed to lead, the attention list, the
    notification worker, the scripts and message templates."""

    leads: InboundLeads
    attention: Attention
    speed: SpeedToLead
    dispatcher: Dispatcher
    assist: Assist


@dataclass(frozen=True)
class Renewals:
    """Renewal management: cycles, quotes, the 续保率 board, weekly reviews, defeat analyses."""

    insurers: Callable[[], InsurerList]
    cycles: CycleBook
    quotes: Quotes
    board: RenewalBoard
    lapses: Lapses
    reviews: Reviews
    defeats: Defeats


@dataclass(frozen=True)
class Referrals:
    """Referral codes of existing customers."""

    referrers: Referrers


class Services:
    """Everything one app or one CLI run uses; ``now`` and ``new_id`` are the only clock and id
    generator any service sees."""

    def __init__(self, settings: Settings, now: Now = clock.now, new_id: NewId = clock.new_id):
        self.settings = settings
        self.now = now
        self.new_id = new_id

    @cached_property
    def client(self) -> Any:
        """The boto3 DynamoDB client, made on first use."""
        from renewdesk.store.dynamo import make_client

        return make_client(self.settings)

    def ensure_table(self) -> bool:
        """Create the table if it is missing."""
        from renewdesk.store.dynamo import ensure_table

        return ensure_table(self.client, self.settings.table_name)

    @cached_property
    def stores(self) -> Stores:
        from renewdesk.services.cycles import CycleRules
        from renewdesk.store.cycles import CycleStore
        from renewdesk.store.defeats import DefeatStore
        from renewdesk.store.inbound import InboundStore
        from renewdesk.store.leads import LeadStore
        from renewdesk.store.outbox import OutboxStore
        from renewdesk.store.privacy import PrivacyStore
        from renewdesk.store.queue import QueueStore
        from renewdesk.store.referrers import ReferrerStore
        from renewdesk.store.reports import ReportStore
        from renewdesk.store.reviews import ReviewStore
        from renewdesk.store.roster import RosterStore
        from renewdesk.store.staff import StaffStore

        c, s = self.client, self.settings
        rules = CycleRules(self.insurers, now=self.now, new_id=self.new_id)
        return Stores(
            LeadStore(c, s),
            QueueStore(c, s),
            StaffStore(c, s),
            ReportStore(c, s),
            RosterStore(c, s, rules),
            PrivacyStore(c, s),
            ReferrerStore(c, s),
            OutboxStore(c, s),
            InboundStore(c, s),
            CycleStore(c, s),
            ReviewStore(c, s),
            DefeatStore(c, s),
        )

    def insurers(self) -> InsurerList:
        """The insurers of content/insurers.yml (read once)."""
        from renewdesk.services.insurers import load_insurers

        return load_insurers(self.settings.content_dir)

    @cached_property
    def public(self) -> Public:
        from renewdesk.services.consent import load_notice
        from renewdesk.services.health import Health
        from renewdesk.services.intake import Intake
        from renewdesk.services.renewal_links import OneClick

        s = self.settings
        consent = load_notice(s.content_dir)
        intake = Intake(
            self.stores.leads,
            consent.version,
            s.rate_limit_per_phone_per_day,
            s.rate_limit_per_address_per_hour,
            s.dedupe_days,
            s.spam_retention_days,
            now=self.now,
            new_id=self.new_id,
        )
        one_click = OneClick(
            self.stores.roster,
            intake,
            lambda: self.roster.links,
            now=self.now,
            new_id=self.new_id,
            short_links=lambda: self.roster.short_links,
        )
        return Public(consent, intake, one_click, Health(self.stores.leads))

    @cached_property
    def staff(self) -> Staff:
        from renewdesk.services.claims import Claims
        from renewdesk.services.closing import Closing
        from renewdesk.services.desk import Desk
        from renewdesk.services.followups import FollowUps
        from renewdesk.services.reports import Reports
        from renewdesk.services.search import Search
        from renewdesk.services.sessions import Sessions
        from renewdesk.services.staff import Accounts, LoginLimits

        s, queue = self.settings, self.stores.queue
        limits = LoginLimits(
            s.login_max_failures,
            s.login_address_max_failures,
            s.login_window_minutes,
            s.login_account_daily_ceiling,
        )
        accounts = Accounts(
            self.stores.staff,
            limits,
            now=self.now,
            hash_memory_kib=s.password_hash_memory_kib,
            hash_time_cost=s.password_hash_time_cost,
        )

        def is_active(username: str) -> bool:
            return accounts.active(username) is not None

        cycles = self.renewals.cycles
        claims = Claims(
            queue,
            s.lease_minutes,
            s.attention_after_bounces,
            s.claim_page_size,
            is_active=is_active,
            now=self.now,
            new_id=self.new_id,
            release_cooldown_minutes=s.release_cooldown_minutes,
            cycles=cycles,
        )
        return Staff(
            accounts=accounts,
            sessions=Sessions(
                self.stores.staff, s.session_idle_minutes, s.session_absolute_hours, now=self.now
            ),
            claims=claims,
            followups=FollowUps(
                queue,
                now=self.now,
                new_id=self.new_id,
                call_notice_minutes=s.booked_call_notice_minutes,
                cycles=cycles,
            ),
            closing=Closing(
                queue,
                s.lead_retention_days,
                is_active=is_active,
                now=self.now,
                new_id=self.new_id,
                cycles=cycles,
            ),
            desk=Desk(queue, claims, s.lead_retention_days, now=self.now, insurers=self.insurers),
            search=Search(self.stores.inbound, s.lead_retention_days, now=self.now),
            reports=Reports(self.stores.reports, s.lead_retention_days, now=self.now),
        )

    @cached_property
    def roster(self) -> Roster:
        from renewdesk.secrets import read_secret
        from renewdesk.services.links import LinkTokens
        from renewdesk.services.optouts import OptOuts
        from renewdesk.services.reminders import Reminders
        from renewdesk.services.roster import RosterImport
        from renewdesk.services.short_links import ShortLinks
        from renewdesk.services.sms import load_checked
        from renewdesk.store.short_links import ShortLinkStore

        s, store = self.settings, self.stores.roster
        secret = read_secret(s, "link-signing-key")
        links = LinkTokens(
            secret, s.store_id, s.link_token_days, clock=lambda: self.now().timestamp()
        )
        short = ShortLinks(
            secret, s.store_id, s.link_token_days, ShortLinkStore(self.client, s), now=self.now
        )
        reminders = Reminders(
            store,
            # Every template checked against the billed messages it declares, with this site.
            lambda: load_checked(s.content_dir, s.site_origin),
            links.issue,
            s.site_origin,
            s.sms_outbox_dir,
            sender=self._sms_sender,
            short_codes=short.issue,
            now=self.now,
            new_id=self.new_id,
        )
        imports = RosterImport(store, now=self.now, follower=self._lead_sync())
        optouts = OptOuts(store, now=self.now)
        return Roster(
            imports, reminders, links, optouts, self._jobs(imports), short, self._replies(optouts)
        )

    def _replies(self, optouts: OptOuts) -> SmsReplies:
        from renewdesk import i18n
        from renewdesk.services.sms import load_templates
        from renewdesk.services.sms_replies import SmsReplies

        s = self.settings
        return SmsReplies(
            self.stores.queue,
            optouts,
            lambda: load_templates(s.content_dir).opt_out_replies(),
            lambda text: i18n.message(i18n.DEFAULT, "sms.reply.note", text=text),
            now=self.now,
        )

    def _jobs(self, imports: RosterImport) -> ImportJobs:
        from renewdesk.services.roster_jobs import ImportJobs
        from renewdesk.store.imports import ImportStore
        from renewdesk.uploads import make_depot

        s = self.settings
        return ImportJobs(
            ImportStore(self.client, s),
            lambda: make_depot(s),
            imports,
            self._import_launcher(),
            store_id=s.store_id,
            now=self.now,
            new_id=self.new_id,
        )

    def _import_launcher(self) -> Callable[[str], None]:
        from renewdesk import background

        s = self.settings
        if s.import_runner == "lambda" and s.lambda_function_name:
            return background.LambdaLauncher(s.lambda_function_name, s.region, s.store_id)
        return background.thread_launcher(lambda import_id: self.roster.jobs.run(import_id))

    def _lead_sync(self) -> Any:
        from renewdesk.services.roster_sync import LeadSync
        from renewdesk.store.roster_sync import FollowStore

        return LeadSync(FollowStore(self.client, self.settings), now=self.now, new_id=self.new_id)

    @cached_property
    def privacy(self) -> Privacy:
        from renewdesk.services.access import Access
        from renewdesk.services.privacy import Erasure, Purge

        erasure = Erasure(self.stores.privacy, now=self.now, cycles=self.renewals.cycles)
        purge = Purge(
            erasure,
            self.stores.privacy,
            self.stores.roster,
            self.settings.lead_retention_days,
            now=self.now,
        )
        return Privacy(Access(erasure, self.stores.privacy), erasure, purge)

    @cached_property
    def inbound(self) -> Inbound:
        from renewdesk import i18n
        from renewdesk.services.assist import Assist
        from renewdesk.services.inbound import Attention, InboundLeads, SpeedToLead, load_hours
        from renewdesk.services.notifications import Dispatcher

        s, store = self.settings, self.stores.inbound
        speed = SpeedToLead(
            store,
            lambda: load_hours(s.content_dir),
            s.speed_to_lead_minutes,
            new_id=self.new_id,
        )
        dispatcher = Dispatcher(
            self.stores.outbox,
            lambda: self.robots,
            lambda key, **values: i18n.message(i18n.DEFAULT, key, **values),
            s.console_url,
            speed.check,
            now=self.now,
        )
        leads = InboundLeads(
            self.stores.leads,
            self.stores.roster,
            lambda: self.public.consent.version,
            s.lease_minutes,
            s.dedupe_days,
            now=self.now,
            new_id=self.new_id,
        )
        return Inbound(
            leads,
            Attention(store, now=self.now, new_id=self.new_id),
            speed,
            dispatcher,
            Assist(s.content_dir, self.stores.queue, self.staff.followups, now=self.now),
        )

    @cached_property
    def robots(self) -> list[Robot]:
        """The group robots the settings name, made on first use (on AWS their webhooks come
        from SSM Parameter Store)."""
        from renewdesk.robots import configured

        return configured(self.settings)

    @cached_property
    def renewals(self) -> Renewals:
        from renewdesk.services.cycle_book import CycleBook
        from renewdesk.services.defeats import Defeats
        from renewdesk.services.lapses import Lapses
        from renewdesk.services.quotes import Quotes, tiers_on
        from renewdesk.services.renewal_board import RenewalBoard
        from renewdesk.services.reviews import Reviews

        s, stores = self.settings, self.stores
        cycles = CycleBook(stores.cycles, self.insurers, now=self.now, new_id=self.new_id)

        def specialists() -> list[str]:
            return sorted(
                m.username
                for m in self.staff.accounts.list_all()
                if m.role == "specialist" and not m.disabled
            )

        reviews = Reviews(
            stores.reviews, specialists, self.insurers, s.lead_retention_days, now=self.now
        )
        return Renewals(
            insurers=self.insurers,
            cycles=cycles,
            quotes=Quotes(
                stores.queue,
                self.insurers,
                lambda day: tiers_on(s.content_dir, day),
                cycles,
                now=self.now,
                new_id=self.new_id,
            ),
            board=RenewalBoard(stores.cycles, reviews.unsigned, now=self.now),
            lapses=Lapses(stores.cycles, now=self.now),
            reviews=reviews,
            defeats=Defeats(stores.defeats, s.lead_retention_days, now=self.now),
        )

    @cached_property
    def referrals(self) -> Referrals:
        from renewdesk.services.referrers import Referrers

        return Referrals(Referrers(self.stores.referrers, self.settings.site_origin, now=self.now))

    def _sms_sender(self) -> Any:
        if self.settings.sms_sender != "sns":
            return None
        from renewdesk.sms_sns import SnsSender

        return SnsSender(self.settings.region)
