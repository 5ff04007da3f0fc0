"""The boto3 client, the table's schema and the bounded-retry wrapper around every call."""

from __future__ import annotations

import logging
import random
import time
from decimal import Decimal
from typing import Any, Callable, TypeVar

from renewdesk.config import Settings
from renewdesk.errors import StorageUnavailable
from renewdesk.store import keys

log = logging.getLogger(__name__)
T = TypeVar("T")

# Error codes worth another attempt: throttling, a transient server fault, or a transaction that
# collided with another one on the same items.
RETRYABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionInProgressException",
        "TransactionConflict",
    }
)


def make_client(settings: Settings):
    """A DynamoDB client with short timeouts and botocore's own retries off (we retry ourselves)."""
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=settings.storage_timeout_seconds,
        read_timeout=settings.storage_timeout_seconds,
        retries={"total_max_attempts": 1},
        max_pool_connections=32,
    )
    kwargs: dict[str, Any] = {"region_name": settings.region, "config": config}
    if settings.dynamodb_endpoint:
        # DynamoDB Local accepts any credentials; passing them avoids a slow credential search.
        # (So "local" is a placeholder, not a password: bandit's B106 does not apply.)
        kwargs.update(
            endpoint_url=settings.dynamodb_endpoint,
            aws_access_key_id="local",
            aws_secret_access_key="local",  # nosec B106
        )
    return boto3.session.Session().client("dynamodb", **kwargs)


def is_retryable(error: BaseException) -> bool:
    """Whether a failed call may succeed if tried again."""
    from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

    if isinstance(error, (ConnectionError, HTTPClientError)):
        return True
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        if code in RETRYABLE_CODES:
            return True
        if code == "TransactionCanceledException":
            reasons = error.response.get("CancellationReasons") or []
            codes = {r.get("Code") for r in reasons}
            # Only retry when no condition failed: conflicts and throttles are transient.
            return "ConditionalCheckFailed" not in codes and bool(codes & RETRYABLE_CODES)
    return False


def with_retries(settings: Settings, call: Callable[[], T], operation: str) -> T:
    """Run ``call`` with bounded retries and full jitter; raise StorageUnavailable at the end."""
    from botocore.exceptions import BotoCoreError, ClientError

    attempts = settings.storage_attempts
    for attempt in range(1, attempts + 1):
        try:
            return call()
        except (BotoCoreError, ClientError) as error:
            if not is_retryable(error):
                raise
            if attempt == attempts:
                log.warning("storage gave up: operation=%s attempts=%d error=%s",
                            operation, attempt, type(error).__name__)
                raise StorageUnavailable(operation) from error
            # Retry jitter, not a secret: bandit's B311 (random) does not apply.
            time.sleep(random.uniform(0, settings.storage_backoff_seconds * 2**attempt))  # nosec B311
    raise AssertionError("unreachable")


class StoreTable:
    """Base of the per-feature stores: one store's items in the shared table, every call retried."""

    def __init__(self, client, settings: Settings):
        self.client = client
        self.settings = settings
        self.table = settings.table_name
        self.store = settings.store_id

    def _call(self, operation: str, call: Callable[[], T]) -> T:
        return with_retries(self.settings, call, operation)

    def _get(self, key: dict[str, str], operation: str,
             consistent: bool = True) -> dict[str, Any] | None:
        """One item by key, or None."""
        answer = self._call(operation, lambda: self.client.get_item(
            TableName=self.table, Key=to_item(key), ConsistentRead=consistent))
        return from_item(answer["Item"]) if "Item" in answer else None

    def _query_all(self, kwargs: dict[str, Any], operation: str) -> list[dict[str, Any]]:
        """Every item a Query finds, following its pages."""
        found: list[dict[str, Any]] = []
        while True:
            page = self._call(operation, lambda: self.client.query(**kwargs))
            found += [from_item(i) for i in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                return found
            kwargs = {**kwargs, "ExclusiveStartKey": page["LastEvaluatedKey"]}


def table_definition(table_name: str) -> dict[str, Any]:
    """CreateTable arguments: on-demand, the key attributes and the indexes of keys.py."""
    attributes = {"pk", "sk"}
    indexes = []
    for name, (pk, sk) in keys.INDEXES.items():
        attributes.update((pk, sk))
        indexes.append(
            {
                "IndexName": name,
                "KeySchema": [
                    {"AttributeName": pk, "KeyType": "HASH"},
                    {"AttributeName": sk, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        )
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": a, "AttributeType": "S"} for a in sorted(attributes)
        ],
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": indexes,
    }


def ensure_table(client, table_name: str) -> bool:
    """Create the table (TTL and point-in-time recovery on) unless it exists; True if created."""
    existing = client.list_tables().get("TableNames", [])
    if table_name in existing:
        _add_missing_indexes(client, table_name)
        return False
    client.create_table(**table_definition(table_name))
    client.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 1})
    client.update_time_to_live(
        TableName=table_name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": keys.TTL_ATTRIBUTE},
    )
    try:
        client.update_continuous_backups(
            TableName=table_name,
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
        )
    except client.exceptions.ClientError as error:  # DynamoDB Local has no backups
        log.info("point-in-time recovery not set: %s", error.response["Error"]["Code"])
    return True


def _add_missing_indexes(client, table_name: str) -> None:
    """Add indexes that keys.py gained since the table was made (DynamoDB adds one at a time)."""
    table = client.describe_table(TableName=table_name)["Table"]
    present = {i["IndexName"] for i in table.get("GlobalSecondaryIndexes", [])}
    wanted = table_definition(table_name)
    for index in wanted["GlobalSecondaryIndexes"]:
        if index["IndexName"] in present:
            continue
        names = {k["AttributeName"] for k in index["KeySchema"]}
        client.update_table(
            TableName=table_name,
            AttributeDefinitions=[a for a in wanted["AttributeDefinitions"]
                                  if a["AttributeName"] in names],
            GlobalSecondaryIndexUpdates=[{"Create": index}],
        )
        log.info("index %s added to table %s", index["IndexName"], table_name)
        client.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 1})


_serializer = None
_deserializer = None


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    """Plain values to DynamoDB's typed attribute map (None values are left out)."""
    global _serializer
    if _serializer is None:
        from boto3.dynamodb.types import TypeSerializer

        _serializer = TypeSerializer()
    return {k: _serializer.serialize(v) for k, v in values.items() if v is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    """DynamoDB's typed attribute map to plain values (numbers as int where whole)."""
    global _deserializer
    if _deserializer is None:
        from boto3.dynamodb.types import TypeDeserializer

        _deserializer = TypeDeserializer()
    plain = {k: _deserializer.deserialize(v) for k, v in item.items()}
    for k, v in plain.items():
        if isinstance(v, Decimal):
            plain[k] = int(v) if v == v.to_integral_value() else float(v)
    return plain
