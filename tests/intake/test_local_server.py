"""`renewdesk serve` (what `make run` runs): starts DynamoDB Local, keeps data, stops cleanly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from renewdesk import localdb

BODY = {"name": "张伟", "phone": "13800138000", "plate": "粤B12345", "consent": True}


@pytest.fixture
def local_dir(tmp_path) -> Path:
    """A fresh .local/ that reuses the already fetched DynamoDB Local."""
    localdb.install_dir()
    (tmp_path / "dynamodb-local").symlink_to(localdb.LOCAL_DIR / "dynamodb-local")
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<h1>续保</h1>", encoding="utf-8")
    return tmp_path


def start_server(local_dir: Path, port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "DYNAMODB_ENDPOINT"}
    env.update(
        RENEWDESK_LOCAL_DIR=str(local_dir),
        PORT=str(port),
        DYNAMODB_LOCAL_PORT=str(localdb.free_port()),
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "renewdesk.cli", "serve", "--site-dir", str(local_dir / "site")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if "RenewDesk on" in line:
            return process
        if process.poll() is not None:
            break
    process.kill()
    pytest.fail(f"server did not start: {process.stdout.read()}")


def call(port: int, path: str, body: dict | None = None) -> tuple[int, dict | str]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=data, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            text = answer.read().decode()
            status = answer.status
    except urllib.error.HTTPError as error:
        text, status = error.read().decode(), error.code
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is not alive
        return stat.read().split()[2] != "Z"


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_serve_runs_site_and_api_and_stops_with_its_database_on_a_signal(local_dir, stop_signal):
    port = localdb.free_port()
    server = start_server(local_dir, port)
    try:
        db_pid = json.loads((local_dir / localdb.RUN_FILE).read_text())["pid"]
        assert call(port, "/api/health") == (200, {"status": "ok"})
        status, page = call(port, "/")
        assert status == 200 and "续保" in page
        status, body = call(port, "/api/renewals", BODY)
        assert status == 201
    finally:
        server.send_signal(stop_signal)
        server.wait(30)
    time.sleep(0.5)
    assert not alive(db_pid), "DynamoDB Local outlived the server"
    assert not (local_dir / localdb.RUN_FILE).exists()

    # Data survives a restart.
    server = start_server(local_dir, port)
    try:
        assert call(port, "/api/renewals", BODY) == (
            200,
            {"lead_id": body["lead_id"], "duplicate": True},
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)


def test_the_cli_uses_the_database_of_the_running_server(local_dir):
    port = localdb.free_port()
    server = start_server(local_dir, port)
    try:
        env = {k: v for k, v in os.environ.items() if k != "DYNAMODB_ENDPOINT"}
        env["RENEWDESK_LOCAL_DIR"] = str(local_dir)
        added = subprocess.run(
            [
                sys.executable,
                "-m",
                "renewdesk.cli",
                "referrers",
                "add",
                "--name",
                "李娜",
                "--phone",
                "13900139000",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert added.returncode == 0, added.stderr
        code = added.stdout.split("\t")[0]
        status, _ = call(
            port,
            "/api/referrals",
            {
                "code": code,
                "name": "王强",
                "phone": "13700137000",
                "interest": "club",
                "consent": True,
            },
        )
        assert status == 201
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
