"""Referrers in DynamoDB: a code item and a per-phone guard written together."""

from __future__ import annotations

from renewdesk.services.referrers import Referrer
from renewdesk.store import keys
from renewdesk.store.dynamo import StoreTable, from_item, to_item, with_retries


class ReferrerStore(StoreTable):
    """Referral codes of one store."""

    def add_referrer(self, referrer: Referrer) -> Referrer | None:
        """Store a new code; the phone's existing referrer if it has one; None if the code is taken."""
        values = {"code": referrer.code, "name": referrer.name, "phone": referrer.phone,
                  "created_at": referrer.created_at}
        code_item = {**keys.referrer(self.store, referrer.code), **values,
                     "coll_pk": keys.collection(self.store, "REFERRERS"),
                     "coll_sk": f"{referrer.created_at}#{referrer.code}"}
        phone_item = {**keys.referrer_phone(self.store, referrer.phone), "code": referrer.code}
        items = [
            {"Put": {"TableName": self.table, "Item": to_item(code_item),
                     "ConditionExpression": "attribute_not_exists(pk)"}},
            {"Put": {"TableName": self.table, "Item": to_item(phone_item),
                     "ConditionExpression": "attribute_not_exists(pk)",
                     "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
        ]
        try:
            with_retries(self.settings,
                         lambda: self.client.transact_write_items(TransactItems=items),
                         "add_referrer")
        except self.client.exceptions.TransactionCanceledException as error:
            reasons = error.response.get("CancellationReasons", [])
            if reasons[1].get("Code") == "ConditionalCheckFailed":
                return self.get(from_item(reasons[1]["Item"])["code"])
            return None
        return referrer

    def get(self, code: str) -> Referrer:
        """One referrer by code."""
        return _referrer(self._get(keys.referrer(self.store, code), "get_referrer",
                                   consistent=False))

    def list_referrers(self) -> list[Referrer]:
        """Every referrer, oldest first."""
        kwargs = {
            "TableName": self.table,
            "IndexName": "collection",
            "KeyConditionExpression": "coll_pk = :p",
            "ExpressionAttributeValues": to_item(
                {":p": keys.collection(self.store, "REFERRERS")}),
        }
        return [_referrer(item) for item in self._query_all(kwargs, "list_referrers")]


def _referrer(item: dict) -> Referrer:
    return Referrer(item["code"], item["name"], item["phone"], item["created_at"])
