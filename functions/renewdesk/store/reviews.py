"""The follow-up register by specialist and week, and the supervisor's weekly reviews."""

from __future__ import annotations

from typing import Any

from renewdesk.services.records import Event, Review
from renewdesk.store import keys
from renewdesk.store.dynamo import ConditionFailed, StoreTable, from_item, to_item
from renewdesk.store.items import event_from

REVIEW_FIELDS = ("specialist", "week", "comment", "by", "at", "checks")


def review_from(item: dict[str, Any]) -> Review:
    """The review an item holds."""
    return Review(
        specialist=item["specialist"],
        week=item["week"],
        comment=item["comment"],
        by=item["by"],
        at=item["at"],
        checks=item.get("checks"),
    )


class ReviewStore(StoreTable):
    """Registers (the collection index: REGISTER#<user>#<week>) and reviews of one store."""

    def register(self, username: str, week: str) -> list[Event]:
        """Every follow-up, quote and close one specialist logged in one ISO week, by time."""
        kwargs = {
            "TableName": self.table,
            "IndexName": "collection",
            "KeyConditionExpression": "coll_pk = :p",
            "ExpressionAttributeValues": to_item(
                {":p": keys.register(self.store_id, username, week)}
            ),
        }
        return [event_from(i) for i in self._query_all(kwargs, "register")]

    def add_review(self, review: Review) -> bool:
        """Store a review; False if that specialist's week has one already."""
        item = {
            **keys.review(self.store_id, review.week, review.specialist),
            **{k: getattr(review, k) for k in REVIEW_FIELDS},
            "coll_pk": keys.reviews_of(self.store_id, review.specialist),
            "coll_sk": review.week,
        }
        try:
            self.transact(
                [self.put("review", item, condition="attribute_not_exists(pk)")], "add_review"
            )
        except ConditionFailed:
            return False
        return True

    def reviews_of_week(self, week: str) -> list[Review]:
        """The reviews of one week (one Query of its partition)."""
        kwargs = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :p",
            "ExpressionAttributeValues": to_item(
                {":p": keys.review(self.store_id, week, "")["pk"]}
            ),
            "ConsistentRead": True,
        }
        return [review_from(i) for i in self._query_all(kwargs, "reviews_of_week")]

    def reviews_of(self, username: str, limit: int) -> list[Review]:
        """A specialist's latest reviews, newest first."""
        kwargs = {
            "TableName": self.table,
            "IndexName": "collection",
            "KeyConditionExpression": "coll_pk = :p",
            "ExpressionAttributeValues": to_item({":p": keys.reviews_of(self.store_id, username)}),
            "ScanIndexForward": False,
            "Limit": limit,
        }
        page = self._call("reviews_of", self.client.query, **kwargs)
        return [review_from(from_item(i)) for i in page.get("Items", [])]
