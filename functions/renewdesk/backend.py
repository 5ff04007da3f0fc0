"""Wires services to their stores; built once per app, the boto3 client on first use."""

from __future__ import annotations

from functools import cached_property

from renewdesk.config import Settings
from renewdesk.services import clock


class Backend:
    """The services one app (or one CLI run) uses, sharing one DynamoDB client."""

    def __init__(self, settings: Settings):
        self.settings = settings
        # The staff services read the time through this, so tests can move the clock.
        self.now = clock.now

    @cached_property
    def client(self):
        from renewdesk.store.dynamo import make_client

        return make_client(self.settings)

    @cached_property
    def lead_store(self):
        from renewdesk.store.leads import LeadStore

        return LeadStore(self.client, self.settings)

    @cached_property
    def referrer_store(self):
        from renewdesk.store.referrers import ReferrerStore

        return ReferrerStore(self.client, self.settings)

    @cached_property
    def consent(self):
        from renewdesk.services.consent import load_notice

        return load_notice(self.settings.content_dir)

    @cached_property
    def intake(self):
        from renewdesk.services.intake import Intake

        s = self.settings
        return Intake(
            store=self.lead_store,
            consent_version=self.consent.version,
            phone_limit_per_day=s.rate_limit_per_phone_per_day,
            address_limit_per_hour=s.rate_limit_per_address_per_hour,
            dedupe_days=s.dedupe_days,
            spam_retention_days=s.spam_retention_days,
        )

    # -- staff queue and console --------------------------------------------------------

    @cached_property
    def staff_store(self):
        from renewdesk.store.staff import StaffStore

        return StaffStore(self.client, self.settings)

    @cached_property
    def queue_store(self):
        from renewdesk.store.queue import QueueStore

        return QueueStore(self.client, self.settings)

    @cached_property
    def report_store(self):
        from renewdesk.store.reports import ReportStore

        return ReportStore(self.client, self.settings)

    @cached_property
    def accounts(self):
        from renewdesk.services.staff import Accounts, LoginLimits

        s = self.settings
        limits = LoginLimits(
            s.login_max_failures,
            s.login_address_max_failures,
            s.login_window_minutes,
            s.login_account_daily_ceiling,
        )
        return Accounts(
            self.staff_store,
            limits,
            now=self._now,
            hash_memory_kib=s.password_hash_memory_kib,
            hash_time_cost=s.password_hash_time_cost,
        )

    @cached_property
    def sessions(self):
        from renewdesk.services.sessions import Sessions

        s = self.settings
        return Sessions(
            self.staff_store, s.session_idle_minutes, s.session_absolute_hours, now=self._now
        )

    @cached_property
    def claims(self):
        from renewdesk.services.claims import Claims

        s = self.settings
        return Claims(
            self.queue_store,
            s.lease_minutes,
            s.attention_after_bounces,
            s.claim_page_size,
            is_active=self._is_active,
            now=self._now,
        )

    @cached_property
    def followups(self):
        from renewdesk.services.followups import FollowUps

        return FollowUps(self.queue_store, now=self._now)

    @cached_property
    def closing(self):
        from renewdesk.services.closing import Closing

        return Closing(
            self.queue_store,
            self.settings.lead_retention_days,
            is_active=self._is_active,
            now=self._now,
        )

    @cached_property
    def desk(self):
        from renewdesk.services.desk import Desk

        return Desk(self.queue_store, self.claims, self.settings.lead_retention_days, now=self._now)

    @cached_property
    def search(self):
        from renewdesk.services.search import Search

        return Search(self.queue_store, self.settings.lead_retention_days, now=self._now)

    @cached_property
    def reports(self):
        from renewdesk.services.reports import Reports

        return Reports(self.report_store, self.settings.lead_retention_days, now=self._now)

    # -- roster, reminders and renewal links (issue 5) -------------------------------------

    @cached_property
    def roster_store(self):
        from renewdesk.store.roster import RosterStore

        return RosterStore(self.client, self.settings)

    @cached_property
    def link_tokens(self):
        """Signs and reads renewal-link tokens; the key is read once per process."""
        from renewdesk.secrets import read_secret
        from renewdesk.services.links import LinkTokens

        s = self.settings
        return LinkTokens(
            read_secret(s, "link-signing-key"),
            s.store_id,
            s.link_token_days,
            clock=lambda: self._now().timestamp(),
        )

    @cached_property
    def one_click(self):
        from renewdesk.services.renewal_links import OneClick

        return OneClick(self.roster_store, self.intake, lambda: self.link_tokens, now=self._now)

    @cached_property
    def reminders(self):
        from renewdesk.services.reminders import Reminders
        from renewdesk.services.sms import load_templates

        s = self.settings
        return Reminders(
            self.roster_store,
            lambda: load_templates(s.content_dir),
            lambda roster_id: self.link_tokens.issue(roster_id),
            s.site_origin,
            s.sms_outbox_dir,
            sender=self._sms_sender,
            now=self._now,
        )

    # -- deletion on request (PIPL) ----------------------------------------------------------

    @cached_property
    def privacy_store(self):
        from renewdesk.store.privacy import PrivacyStore

        return PrivacyStore(self.client, self.settings)

    @cached_property
    def erasure(self):
        from renewdesk.services.privacy import Erasure

        return Erasure(self.privacy_store, now=self._now)

    @cached_property
    def access(self):
        from renewdesk.services.access import Access

        return Access(self.erasure, self.privacy_store)

    @cached_property
    def purge(self):
        from renewdesk.services.privacy import Purge

        return Purge(
            self.erasure,
            self.privacy_store,
            self.roster_store,
            self.settings.lead_retention_days,
            now=self._now,
        )

    def _sms_sender(self):
        if self.settings.sms_sender != "sns":
            return None
        from renewdesk.sms_sns import SnsSender

        return SnsSender(self.settings.region)

    def _now(self):
        return self.now()

    def _is_active(self, username: str) -> bool:
        return self.accounts.active(username) is not None

    def new_id(self) -> str:
        """A fresh ULID."""
        return clock.new_id(clock.now())

    def ensure_table(self) -> bool:
        """Create the table if it is missing."""
        from renewdesk.store.dynamo import ensure_table

        return ensure_table(self.client, self.settings.table_name)
