"""When DynamoDB fails the answer is 503 with Retry-After and nothing is half-written."""

from __future__ import annotations

import json
import threading

import pytest
from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber

from renewdesk import localdb
from renewdesk.app import create_app
from renewdesk.wiring import Services

BODY = {"name": "张伟", "phone": "13800138000", "plate": "粤B12345", "consent": True}


class _RawBody:
    def __init__(self, body: bytes):
        self._body = body

    def stream(self, **_):
        yield self._body


def throttle(client, operation: str, times: int) -> list[int]:
    """Answer the next ``times`` calls of ``operation`` with ThrottlingException at the boto3
    layer; later calls reach DynamoDB Local. Returns a one-item list counting the calls seen."""
    seen = [0]

    def handler(request, **_):
        seen[0] += 1
        if seen[0] <= times:
            body = json.dumps(
                {
                    "__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException",
                    "message": "Rate of requests exceeds the allowed throughput.",
                }
            )
            return AWSResponse(
                request.url,
                400,
                {"Content-Type": "application/x-amz-json-1.0"},
                _RawBody(body.encode()),
            )
        return None

    client.meta.events.register(f"before-send.dynamodb.{operation}", handler)
    return seen


def test_throttling_on_every_attempt_answers_503_with_retry_after(client, backend, stored):
    with Stubber(backend.client) as stub:
        for _ in range(backend.settings.storage_attempts):
            stub.add_client_error(
                "transact_write_items", "ThrottlingException", http_status_code=400
            )
        answer = client.post("/api/renewals", json=BODY)
        stub.assert_no_pending_responses()
    assert answer.status_code == 503
    assert int(answer.headers["Retry-After"]) > 0
    assert answer.get_json()["error"] == "unavailable"
    assert stored() == {}


def test_throttling_that_clears_within_the_retries_still_stores_the_lead(client, backend, stored):
    calls = throttle(backend.client, "TransactWriteItems", times=2)
    answer = client.post("/api/renewals", json=BODY)
    assert answer.status_code == 201
    assert calls[0] == 3
    assert [lead["lead_id"] for lead in stored()["lead"]] == [answer.get_json()["lead_id"]]


def test_transaction_conflicts_are_retried(client, backend):
    conflict = {"Code": "TransactionConflict", "Message": "conflict"}
    with Stubber(backend.client) as stub:
        stub.add_client_error(
            "transact_write_items",
            "TransactionCanceledException",
            http_status_code=400,
            response_meta={},
            modeled_fields={"CancellationReasons": [conflict, {"Code": "None"}]},
        )
        stub.add_response("transact_write_items", {})
        answer = client.post("/api/renewals", json=BODY)
    assert answer.status_code == 201


def test_a_throttled_plain_form_post_goes_to_the_error_page_with_retry_after(client, backend):
    with Stubber(backend.client) as stub:
        for _ in range(backend.settings.storage_attempts):
            stub.add_client_error("transact_write_items", "ProvisionedThroughputExceededException")
        answer = client.post("/api/renewals", data={**BODY, "consent": "on"})
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("errors=form%3Aunavailable")
    assert "Retry-After" in answer.headers


@pytest.fixture
def own_dynamodb(tmp_path, settings):
    """A persistent DynamoDB Local this test may stop and start again on the same data."""
    port = localdb.free_port()
    data = tmp_path / "dynamodb"
    db = localdb.start(port=port, db_path=data)
    state = {"db": db}
    test_settings = settings.with_(dynamodb_endpoint=db.endpoint, storage_timeout_seconds=1.0)
    Services(test_settings).ensure_table()

    def restart():
        state["db"] = localdb.start(port=port, db_path=data)

    yield test_settings, state, restart
    state["db"].stop()


def test_with_dynamodb_stopped_submissions_get_503_and_nothing_is_lost(own_dynamodb):
    test_settings, state, restart = own_dynamodb
    app = create_app(test_settings)
    client = app.test_client()
    kept = client.post("/api/renewals", json=BODY).get_json()["lead_id"]

    state["db"].stop()
    down = client.post("/api/renewals", json={**BODY, "plate": "粤B54321"})
    assert down.status_code == 503 and int(down.headers["Retry-After"]) > 0
    health = client.get("/api/health")
    assert health.status_code == 503

    restart()
    backend = app.extensions["renewdesk"]
    assert backend.stores.leads.get_lead(kept).plate == "粤B12345"
    assert client.get("/api/health").status_code == 200
    again = client.post("/api/renewals", json={**BODY, "plate": "粤B54321"})
    assert again.status_code == 201


def test_stopping_dynamodb_mid_run_leaves_only_whole_leads_for_every_2xx(own_dynamodb):
    test_settings, state, restart = own_dynamodb
    app = create_app(test_settings)
    answers: list[tuple[int, dict | None, str]] = []
    stop_after = threading.Event()

    def submit_many():
        client = app.test_client()
        for i in range(60):
            plate = f"粤B{10000 + i}"
            answer = client.post(
                "/api/renewals", json={**BODY, "plate": plate, "phone": f"1380013{8000 + i}"}
            )
            answers.append((answer.status_code, answer.get_json(), plate))
            if i == 15:
                stop_after.set()

    worker = threading.Thread(target=submit_many)
    worker.start()
    stop_after.wait(60)
    state["db"].stop()
    worker.join(300)
    restart()

    # The check reads with a patient client: a just-restarted DynamoDB Local is slow to answer.
    backend = Services(test_settings.with_(storage_timeout_seconds=30))
    from renewdesk.store.dynamo import from_item

    items = [
        from_item(i)
        for i in backend.client.scan(TableName=test_settings.table_name, ConsistentRead=True)[
            "Items"
        ]
        if i["pk"]["S"].startswith(f"ST#{test_settings.store_id}#")
    ]
    leads = {i["lead_id"]: i for i in items if i["sk"] == "LEAD"}
    guards = {i["lead_id"] for i in items if i["sk"] == "DEDUPE"}
    accepted = {body["lead_id"]: plate for status, body, plate in answers if status == 201}
    unavailable = {plate for status, _, plate in answers if status == 503}

    assert {status for status, _, _ in answers} <= {201, 503}
    assert unavailable
    assert len(accepted) >= 16
    # Every 2xx is a whole lead with its guard.
    assert all(leads.get(lid, {}).get("plate") == plate for lid, plate in accepted.items())
    # Any other lead is a write whose answer was lost (a 503 the customer retries, then gets
    # 200 duplicate): still whole, never half-written, never one that was not attempted.
    for lid, lead in leads.items():
        assert lid in accepted or lead["plate"] in unavailable
    assert guards == set(leads)
