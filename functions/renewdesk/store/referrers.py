"""Referrers in DynamoDB: a code item and a per-phone guard written together."""

from __future__ import annotations

from typing import Any

from renewdesk.services.referrers import Referrer
from renewdesk.store import keys
from renewdesk.store.dynamo import ConditionFailed, StoreTable, to_item


class ReferrerStore(StoreTable):
    """Referral codes of one store."""

    def add_referrer(self, referrer: Referrer) -> Referrer | None:
        """Store a new code; the phone's existing referrer if it has one; None if the code is
        taken."""
        values = {
            "code": referrer.code,
            "name": referrer.name,
            "phone": referrer.phone,
            "created_at": referrer.created_at,
        }
        code_item = {
            **keys.referrer(self.store_id, referrer.code),
            **values,
            "coll_pk": keys.collection(self.store_id, "REFERRERS"),
            "coll_sk": f"{referrer.created_at}#{referrer.code}",
        }
        phone_item = {**keys.referrer_phone(self.store_id, referrer.phone), "code": referrer.code}
        try:
            self.transact(
                [
                    self.put("code", code_item, condition="attribute_not_exists(pk)"),
                    self.put(
                        "phone", phone_item, condition="attribute_not_exists(pk)", return_old=True
                    ),
                ],
                "add_referrer",
            )
        except ConditionFailed as cancelled:
            existing = cancelled.failed.get("phone")
            return self.get(existing["code"]) if existing else None
        return referrer

    def get(self, code: str) -> Referrer | None:
        """One referrer by code, or None."""
        item = self._get(keys.referrer(self.store_id, code), "get_referrer", consistent=False)
        return _referrer(item) if item else None

    def list_referrers(self) -> list[Referrer]:
        """Every referrer, oldest first."""
        kwargs = {
            "TableName": self.table,
            "IndexName": "collection",
            "KeyConditionExpression": "coll_pk = :p",
            "ExpressionAttributeValues": to_item(
                {":p": keys.collection(self.store_id, "REFERRERS")}
            ),
        }
        return [_referrer(item) for item in self._query_all(kwargs, "list_referrers")]


def _referrer(item: dict[str, Any]) -> Referrer:
    return Referrer(item["code"], item["name"], item["phone"], item["created_at"])
