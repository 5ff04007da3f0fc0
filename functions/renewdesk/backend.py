"""Wires services to their stores; built once per app, the boto3 client on first use."""

from __future__ import annotations

from functools import cached_property

from renewdesk.config import Settings
from renewdesk.services import clock


class Backend:
    """The services one app (or one CLI run) uses, sharing one DynamoDB client."""

    def __init__(self, settings: Settings):
        self.settings = settings

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

    def new_id(self) -> str:
        """A fresh ULID."""
        return clock.new_id(clock.now())

    def ensure_table(self) -> bool:
        """Create the table if it is missing."""
        from renewdesk.store.dynamo import ensure_table

        return ensure_table(self.client, self.settings.table_name)
