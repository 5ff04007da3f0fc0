"""Reminders' short links in DynamoDB: one item per code, written by the reminder run (as many
to a transaction as fit, each only if its key is free or already this policy's), read by the
renewal page's preview."""

from __future__ import annotations

from renewdesk.services.short_links import ShortLink
from renewdesk.store import keys
from renewdesk.store.dynamo import StoreTable


class ShortLinkStore(StoreTable):
    """Short links of one store."""

    def put_links(self, links: list[ShortLink]) -> set[str]:
        """Store links; the keys another policy's link holds already (left as they are)."""
        groups = [
            [
                self.put(
                    "link",
                    {
                        **keys.short_link(self.store_id, link.key),
                        "roster_id": link.roster_id,
                        "issued_on": link.issued_on,
                        keys.TTL_ATTRIBUTE: link.expires_at,
                    },
                    condition="attribute_not_exists(pk) OR roster_id = :roster",
                    values={":roster": link.roster_id},
                )
            ]
            for link in links
        ]
        failed = self.transact_groups(groups, "put_short_links")
        return {links[i].key for i in failed}

    def get_link(self, key: str) -> ShortLink | None:
        """The link a code's key names, or None."""
        item = self._get(keys.short_link(self.store_id, key), "get_short_link", consistent=False)
        if item is None:
            return None
        return ShortLink(key, item["roster_id"], item["issued_on"], int(item["expires_at"]))
