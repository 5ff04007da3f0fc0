"""The boto3 client, the table's schema and the bounded-retry wrapper around every call."""

from __future__ import annotations

import functools
import logging
import random
import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, Iterable, TypeVar

from renewdesk.config import Settings
from renewdesk.errors import StorageUnavailable
from renewdesk.store import keys

log = logging.getLogger(__name__)
T = TypeVar("T")
BATCH_GET = 100  # DynamoDB's limit of keys per BatchGetItem
TRANSACTION = 100  # and of items per TransactWriteItems

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


@functools.cache
def _session() -> Any:
    import boto3

    return boto3.session.Session()


_SESSION_LOCK = threading.Lock()


def make_client(settings: Settings) -> Any:
    """A DynamoDB client with short timeouts and botocore's own retries off (we retry ourselves).

    Clients come from one session per process, which reads botocore's service model once (a
    session per client read it again for every app a process makes, tests and CLI runs)."""
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
    with _SESSION_LOCK:  # a session may not make clients in two threads at once
        return _session().client("dynamodb", **kwargs)


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
                log.warning(
                    "storage gave up: operation=%s attempts=%d error=%s",
                    operation,
                    attempt,
                    type(error).__name__,
                )
                raise StorageUnavailable(operation) from error
            # Retry jitter, not a secret: bandit's B311 (random) does not apply.
            time.sleep(random.uniform(0, settings.storage_backoff_seconds * 2**attempt))  # nosec B311
    raise AssertionError("unreachable")


def pause_if(unprocessed: dict[str, Any], attempt: int) -> int:
    """Back off before sending what DynamoDB left unprocessed (it was throttled)."""
    if not unprocessed:
        return 0
    if attempt >= 8:
        from renewdesk.errors import StorageUnavailable

        raise StorageUnavailable("batch left items unprocessed")
    time.sleep(min(2.0, 0.05 * 2**attempt))
    return attempt + 1


@dataclass(frozen=True)
class Write:
    """One item of a transaction, named, so a failed condition maps to its reason by name."""

    name: str
    action: dict[str, Any]  # {"Put" | "Update" | "Delete" | "ConditionCheck": {...}}


class ConditionFailed(Exception):
    """A transaction was cancelled by failed conditions: the names of those items, each with the
    item as it was when the write asked for it (``return_old``), else None."""

    def __init__(self, failed: dict[str, dict[str, Any] | None]):
        super().__init__(",".join(failed))
        self.failed = failed


def update_expression(
    sets: dict[str, Any], removes: Iterable[str] = (), adds: dict[str, Any] | None = None
) -> tuple[str, dict[str, str], dict[str, Any]]:
    """SET, REMOVE and ADD clauses with every attribute and value aliased (#_n, :_v), a None
    value in ``sets`` meaning REMOVE: the one way every store builds an update."""
    names: dict[str, str] = {}
    values: dict[str, Any] = {}

    def name(attribute: str) -> str:
        for alias, known in names.items():
            if known == attribute:
                return alias
        alias = f"#_n{len(names)}"
        names[alias] = attribute
        return alias

    def value(v: Any) -> str:
        placeholder = f":_v{len(values)}"
        values[placeholder] = v
        return placeholder

    gone = list(dict.fromkeys([*removes, *(a for a, v in sets.items() if v is None)]))
    clauses = []
    set_parts = [f"{name(a)} = {value(v)}" for a, v in sets.items() if v is not None]
    if set_parts:
        clauses.append("SET " + ", ".join(set_parts))
    if gone:
        clauses.append("REMOVE " + ", ".join(name(a) for a in gone))
    if adds:
        clauses.append("ADD " + ", ".join(f"{name(a)} {value(v)}" for a, v in adds.items()))
    return " ".join(clauses), names, values


def _grouped(condition: str) -> str:
    """The condition in parentheses, unless it already is wholly in a pair (DynamoDB refuses
    redundant ones)."""
    depth = 0
    for position, ch in enumerate(condition):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0 and position < len(condition) - 1:
            return f"({condition})"
    return condition if condition.startswith("(") else f"({condition})"


class StoreTable:
    """Base of the per-feature stores: one store's items in the shared table, every call retried
    through _call, every write built by update/put/delete/check and sent by transact."""

    def __init__(self, client: Any, settings: Settings):
        self.client = client
        self.settings = settings
        self.table = settings.table_name
        self.store_id = settings.store_id

    def _call(self, operation: str, method: Callable[..., T], /, **kwargs: Any) -> T:
        """One DynamoDB call, ``method(**kwargs)``, with the bounded retries of with_retries:
        the one way every store calls DynamoDB."""
        return with_retries(self.settings, lambda: method(**kwargs), operation)

    # -- writes -----------------------------------------------------------------------------

    def update(
        self,
        name: str,
        key: dict[str, str],
        sets: dict[str, Any] | None = None,
        *,
        removes: Iterable[str] = (),
        adds: dict[str, Any] | None = None,
        condition: str | None = None,
        values: dict[str, Any] | None = None,
        names: dict[str, str] | None = None,
        expected_version: int | None = None,
        return_old: bool = False,
    ) -> Write:
        """A conditional update. With ``expected_version`` the item must still have that
        version (none at all for 0) and the update moves it on by one: staff changes are
        written only onto what they read."""
        adds = dict(adds or {})
        conditions = [condition] if condition else []
        condition_values = dict(values or {})
        condition_names = dict(names or {})
        if expected_version is not None:
            condition_names["#_version"] = "version"
            if expected_version:
                conditions.append("#_version = :_expected")
                condition_values[":_expected"] = expected_version
            else:
                conditions.append("attribute_exists(pk) AND attribute_not_exists(#_version)")
            adds["version"] = 1
        expression, own_names, own_values = update_expression(sets or {}, removes, adds)
        action: dict[str, Any] = {
            "TableName": self.table,
            "Key": to_item(key),
            "UpdateExpression": expression,
        }
        self._conditioned(
            action,
            conditions,
            {**condition_names, **own_names},
            {**condition_values, **own_values},
            return_old,
        )
        return Write(name, {"Update": action})

    def put(
        self,
        name: str,
        item: dict[str, Any],
        *,
        condition: str | None = None,
        values: dict[str, Any] | None = None,
        names: dict[str, str] | None = None,
        return_old: bool = False,
    ) -> Write:
        """A put, under a condition if given."""
        action: dict[str, Any] = {"TableName": self.table, "Item": to_item(item)}
        self._conditioned(
            action, [condition] if condition else [], names or {}, values or {}, return_old
        )
        return Write(name, {"Put": action})

    def delete(
        self,
        name: str,
        key: dict[str, str],
        *,
        condition: str | None = None,
        values: dict[str, Any] | None = None,
        names: dict[str, str] | None = None,
    ) -> Write:
        """A delete, under a condition if given."""
        action: dict[str, Any] = {"TableName": self.table, "Key": to_item(key)}
        self._conditioned(
            action, [condition] if condition else [], names or {}, values or {}, False
        )
        return Write(name, {"Delete": action})

    def check(
        self,
        name: str,
        key: dict[str, str],
        condition: str,
        *,
        values: dict[str, Any] | None = None,
        names: dict[str, str] | None = None,
        return_old: bool = False,
    ) -> Write:
        """A condition on an item the transaction does not change."""
        action: dict[str, Any] = {"TableName": self.table, "Key": to_item(key)}
        self._conditioned(action, [condition], names or {}, values or {}, return_old)
        return Write(name, {"ConditionCheck": action})

    @staticmethod
    def _conditioned(
        action: dict[str, Any],
        conditions: list[str],
        names: dict[str, str],
        values: dict[str, Any],
        return_old: bool,
    ) -> None:
        if conditions:
            action["ConditionExpression"] = (
                conditions[0]
                if len(conditions) == 1
                else " AND ".join(_grouped(c) for c in conditions)
            )
        if names:
            action["ExpressionAttributeNames"] = names
        if values:
            action["ExpressionAttributeValues"] = to_item(values)
        if return_old and conditions:
            action["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"

    def transact(self, writes: list[Write], operation: str, token: str | None = None) -> None:
        """Write all or nothing, retried; ConditionFailed naming the items whose condition
        failed. ``token`` makes a retry after a lost answer idempotent."""
        if len(writes) == 1 and token is None:
            return self._single(writes[0], operation)
        items = [w.action for w in writes]
        kwargs: dict[str, Any] = {"TransactItems": items}
        if token:
            kwargs["ClientRequestToken"] = token
        try:
            self._call(operation, self.client.transact_write_items, **kwargs)
        except self.client.exceptions.TransactionCanceledException as error:
            reasons = error.response.get("CancellationReasons", [])
            failed = {
                w.name: (from_item(r["Item"]) if r.get("Item") else None)
                for w, r in zip(writes, reasons, strict=False)  # DynamoDB gives one per item
                if r.get("Code") == "ConditionalCheckFailed"
            }
            if not failed:
                raise
            raise ConditionFailed(failed) from None

    def _single(self, write: Write, operation: str) -> None:
        """One write without a retry token needs no transaction (half the cost)."""
        ((kind, action),) = write.action.items()
        call = {
            "Put": self.client.put_item,
            "Update": self.client.update_item,
            "Delete": self.client.delete_item,
        }.get(kind)
        if call is None:  # a lone ConditionCheck writes nothing
            return None
        try:
            self._call(operation, call, **action)
        except self.client.exceptions.ConditionalCheckFailedException as error:
            old = error.response.get("Item")
            raise ConditionFailed({write.name: from_item(old) if old else None}) from None
        return None

    def transact_groups(
        self, groups: list[list[Write]], operation: str
    ) -> dict[int, dict[str, dict[str, Any] | None]]:
        """Write groups of items, each all or nothing, as many groups per transaction as fit.

        Returns the groups whose condition failed: group index → the failed items by name.
        A failed group cancels the transaction it was in; the other groups of it are sent again.
        """
        from renewdesk.services import clock

        failed: dict[int, dict[str, dict[str, Any] | None]] = {}
        pending = list(range(len(groups)))
        while pending:
            batch: list[int] = []
            size = 0
            for index in pending:
                if size + len(groups[index]) > TRANSACTION and batch:
                    break
                batch.append(index)
                size += len(groups[index])
            pending = pending[len(batch) :]
            items = [item.action for index in batch for item in groups[index]]
            token = clock.new_id(clock.now())
            try:
                self._call(
                    operation,
                    self.client.transact_write_items,
                    TransactItems=items,
                    ClientRequestToken=token,
                )
            except self.client.exceptions.TransactionCanceledException as error:
                reasons = iter(error.response.get("CancellationReasons", []))
                retry = []
                for index in batch:
                    bad: dict[str, dict[str, Any] | None] = {}
                    for write in groups[index]:
                        reason: dict[str, Any] = next(reasons, {})
                        if reason.get("Code") == "ConditionalCheckFailed":
                            old = reason.get("Item")
                            bad[write.name] = from_item(old) if old else None
                    if bad:
                        failed[index] = bad
                    else:
                        retry.append(index)
                if not failed.keys() & set(batch):
                    raise  # cancelled for a reason other than a condition
                pending = retry + pending
        return failed

    # -- reads ------------------------------------------------------------------------------

    def _get(
        self, key: dict[str, str], operation: str, consistent: bool = True
    ) -> dict[str, Any] | None:
        """One item by key, or None."""
        answer = self._call(
            operation,
            self.client.get_item,
            TableName=self.table,
            Key=to_item(key),
            ConsistentRead=consistent,
        )
        return from_item(answer["Item"]) if "Item" in answer else None

    def _batch_get(self, key_list: list[dict[str, str]]) -> list[dict[str, Any]]:
        """Items by key, read consistently, BATCH_GET keys a request (missing ones left out)."""
        found: list[dict[str, Any]] = []
        for start in range(0, len(key_list), BATCH_GET):
            request = {
                self.table: {
                    "Keys": [to_item(k) for k in key_list[start : start + BATCH_GET]],
                    "ConsistentRead": True,
                }
            }
            attempt = 0
            while request:
                answer = self._call("batch_get", self.client.batch_get_item, RequestItems=request)
                found += [from_item(i) for i in answer["Responses"].get(self.table, [])]
                request = answer.get("UnprocessedKeys") or {}
                attempt = pause_if(request, attempt)
        return found

    def _query_all(self, kwargs: dict[str, Any], operation: str) -> list[dict[str, Any]]:
        """Every item a Query finds, following its pages."""
        found: list[dict[str, Any]] = []
        while True:
            page = self._call(operation, self.client.query, **kwargs)
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


def ensure_table(client: Any, table_name: str) -> bool:
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


def _add_missing_indexes(client: Any, table_name: str) -> None:
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
            AttributeDefinitions=[
                a for a in wanted["AttributeDefinitions"] if a["AttributeName"] in names
            ],
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
