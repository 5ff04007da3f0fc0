"""On AWS an upload waits in S3 and an asynchronous invocation of the function imports it; short
of time, that invocation queues the rest and invokes the function again. The real boto3 clients
talk to moto's S3 server and to a local receiver of Lambda's Invoke API, and the test plays
Lambda: it runs each invocation the receiver got through zappa's entry (renewdesk.scheduled)."""

from __future__ import annotations

import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import boto3
import pytest

from renewdesk import localdb, scheduled
from renewdesk.app import create_app
from tests.imports import dms
from tests.staff.conftest import HttpsClient, add_staff, sign_in

BUCKET = "renewdesk-test-uploads"
FUNCTION = "renewdesk-dev"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


class LambdaReceiver(BaseHTTPRequestHandler):
    """Lambda's Invoke API, as far as an asynchronous invocation goes: 202, payload kept."""

    calls: list[tuple[str, str, dict]] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        function = self.path.split("/functions/")[1].split("/")[0]
        self.calls.append((function, self.headers.get("X-Amz-Invocation-Type"), json.loads(body)))
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def s3_server():
    from moto.server import ThreadedMotoServer

    port = localdb.free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def lambda_api():
    LambdaReceiver.calls = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), LambdaReceiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", LambdaReceiver.calls
    server.shutdown()


@pytest.fixture
def on_aws(settings, fake_clock, s3_server, lambda_api, monkeypatch):
    """The app as Lambda runs it: uploads to S3, runners by asynchronous invocation."""
    endpoint, calls = lambda_api
    for key, value in {
        **CREDENTIALS,
        "AWS_ENDPOINT_URL_S3": s3_server,
        "AWS_ENDPOINT_URL_LAMBDA": endpoint,
    }.items():
        monkeypatch.setenv(key, value)
    s3 = boto3.client("s3", region_name=settings.region)
    s3.create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": settings.region}
    )
    aws = settings.with_(
        roster_upload_bucket=BUCKET, import_runner="lambda", lambda_function_name=FUNCTION
    )
    app = create_app(aws, now=fake_clock)
    app.test_client_class = HttpsClient
    yield SimpleNamespace(app=app, settings=aws, calls=calls, s3=s3, clock=fake_clock)
    for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        s3.delete_object(Bucket=BUCKET, Key=item["Key"])
    s3.delete_bucket(Bucket=BUCKET)


def context(milliseconds: int):
    """What Lambda hands its function: how much of its time is left."""
    return SimpleNamespace(get_remaining_time_in_millis=lambda: milliseconds)


def test_an_upload_waits_in_s3_and_an_asynchronous_invocation_imports_it(on_aws, tmp_path):
    backend = on_aws.app.extensions["renewdesk"]
    boss = sign_in(on_aws.app, add_staff(backend, "wang.boss", "supervisor"))
    data = dms.xlsx(tmp_path / "花名册.xlsx").read_bytes()
    answer = boss.post(
        "/api/staff/roster/imports",
        data={"file": (io.BytesIO(data), "花名册.xlsx")},
        content_type="multipart/form-data",
        headers={"X-CSRF-Token": boss.csrf},
    )
    assert answer.status_code == 202
    import_id = answer.get_json()["import_id"]
    [kept] = on_aws.s3.list_objects_v2(Bucket=BUCKET)["Contents"]
    assert kept["Key"] == f"roster-imports/{on_aws.settings.store_id}/{import_id}"
    assert on_aws.s3.get_object(Bucket=BUCKET, Key=kept["Key"])["Body"].read() == data
    [(function, kind, event)] = on_aws.calls
    assert (function, kind) == (FUNCTION, "Event")
    assert event == {
        "command": "renewdesk.scheduled.roster_import",
        "import_id": import_id,
        "store_id": on_aws.settings.store_id,
    }

    # The first invocation has too little time left: it queues the job and invokes again.
    first = scheduled.roster_import(
        event, context(5000), settings=on_aws.settings, now=on_aws.clock
    )
    assert first == {"import_id": import_id, "state": "queued"}
    assert len(on_aws.calls) == 2 and on_aws.calls[1][2] == event
    state = boss.get(f"/api/staff/roster/imports/{import_id}").get_json()
    assert (state["state"], state["added"]) == ("queued", 0)

    second = scheduled.roster_import(
        on_aws.calls[1][2], context(60000), settings=on_aws.settings, now=on_aws.clock
    )
    assert second["state"] == "done"
    state = boss.get(f"/api/staff/roster/imports/{import_id}").get_json()
    assert (state["state"], state["added"], state["rejected"]) == ("done", 5, 1)
    # Imported: the file leaves the bucket; a repeated invocation (a Lambda retry) does nothing.
    assert "Contents" not in on_aws.s3.list_objects_v2(Bucket=BUCKET)
    assert (
        scheduled.roster_import(event, context(60000), settings=on_aws.settings, now=on_aws.clock)[
            "state"
        ]
        == "done"
    )
