"""Shared fixtures: one DynamoDB Local for the session, a fresh store id per test."""

from __future__ import annotations

import uuid

import pytest

from renewdesk import localdb
from renewdesk.app import create_app
from renewdesk.backend import Backend
from renewdesk.config import Settings

TABLE = "renewdesk-test"


@pytest.fixture(scope="session")
def dynamodb():
    """A DynamoDB Local in memory for the whole run, with the table created."""
    db = localdb.start()
    Backend(Settings(table_name=TABLE, dynamodb_endpoint=db.endpoint)).ensure_table()
    yield db
    db.stop()


@pytest.fixture
def settings(dynamodb) -> Settings:
    """Settings for one test: its own store id, so tests never see each other's data."""
    return Settings(
        table_name=TABLE,
        dynamodb_endpoint=dynamodb.endpoint,
        store_id=f"t{uuid.uuid4().hex[:12]}",
        site_origin="https://www.example-4s.cn",
        storage_backoff_seconds=0.01,
    )


@pytest.fixture
def app(settings):
    return create_app(settings)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def backend(app) -> Backend:
    return app.extensions["renewdesk"]
