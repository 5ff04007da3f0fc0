"""Shared fixtures: one DynamoDB Local for the session, a fresh store id per test."""

from __future__ import annotations

import uuid

import pytest

from renewdesk import localdb
from renewdesk.app import create_app
from renewdesk.config import Settings
from renewdesk.wiring import Services

# The built site, the live local server and the shared Chromium, for every area's browser tests.
pytest_plugins = ["tests.pages"]

TABLE = "renewdesk-test"


@pytest.fixture(scope="session")
def dynamodb():
    """A DynamoDB Local in memory for the whole run, with the table created."""
    db = localdb.start()
    Services(Settings(table_name=TABLE, dynamodb_endpoint=db.endpoint)).ensure_table()
    yield db
    db.stop()


@pytest.fixture(scope="module")
def table(dynamodb) -> str:
    """A table of the test module's own, deleted after it: DynamoDB Local in memory slows down
    as one table fills up, and no module should pay for the data of every module before it."""
    name = f"{TABLE}-{uuid.uuid4().hex[:8]}"
    services = Services(Settings(table_name=name, dynamodb_endpoint=dynamodb.endpoint))
    services.ensure_table()
    yield name
    services.client.delete_table(TableName=name)


@pytest.fixture
def settings(dynamodb, table, tmp_path) -> Settings:
    """Settings for one test: its module's table and its own store id, so tests never see each
    other's data."""
    return Settings(
        table_name=table,
        dynamodb_endpoint=dynamodb.endpoint,
        store_id=f"t{uuid.uuid4().hex[:12]}",
        site_origin="https://www.example-4s.cn",
        storage_backoff_seconds=0.01,
        # Generated secrets (the link-signing key) and SMS files stay with the test.
        secrets_dir=tmp_path / "secrets",
        sms_outbox_dir=tmp_path / "sms",
    )


@pytest.fixture
def app(settings):
    return create_app(settings)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def backend(app) -> Services:
    return app.extensions["renewdesk"]


@pytest.fixture
def stored(backend, settings):
    """Every item of this test's store, read straight from DynamoDB Local, grouped by kind."""

    def read() -> dict[str, list[dict]]:
        from renewdesk.store.dynamo import from_item

        prefix = f"ST#{settings.store_id}#"
        kwargs = {
            "TableName": settings.table_name,
            "FilterExpression": "begins_with(pk, :p)",
            "ExpressionAttributeValues": {":p": {"S": prefix}},
            "ConsistentRead": True,
        }
        groups: dict[str, list[dict]] = {}
        while True:
            page = backend.client.scan(**kwargs)
            for raw in page["Items"]:
                item = from_item(raw)
                kind = item["pk"][len(prefix) :].split("#")[0].lower()
                groups.setdefault(kind, []).append(item)
            if "LastEvaluatedKey" not in page:
                return groups
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    return read
