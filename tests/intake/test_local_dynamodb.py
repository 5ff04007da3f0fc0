"""DynamoDB Local runs without telemetry and writes nothing outside its own directories."""

from __future__ import annotations

import os
import pwd
from pathlib import Path

import pytest

from renewdesk import localdb
from renewdesk.config import PROJECT_ROOT

METADATA = "dynamodb-local-metadata.json"


def metadata_files_outside_local() -> set[Path]:
    """Telemetry metadata files in the project, but not under .local/ (nor the venv)."""
    skipped = {PROJECT_ROOT / ".local", PROJECT_ROOT / ".venv", PROJECT_ROOT / ".git"}
    found = set()
    for folder, subfolders, files in os.walk(PROJECT_ROOT):
        subfolders[:] = [s for s in subfolders if Path(folder, s) not in skipped]
        if METADATA in files:
            found.add(Path(folder, METADATA))
    return found


@pytest.fixture
def local_dir(tmp_path) -> Path:
    """A fresh .local/ that reuses the already fetched DynamoDB Local."""
    localdb.install_dir()
    (tmp_path / "dynamodb-local").symlink_to(localdb.LOCAL_DIR / "dynamodb-local")
    return tmp_path


@pytest.mark.parametrize("persistent", [False, True], ids=["in memory", "persistent"])
def test_dynamodb_local_runs_without_telemetry_and_leaves_no_file_behind(local_dir, persistent):
    """In memory (tests, benchmarks) and persistent (`make run`, the CLI): the flag and the
    variable are on, the process works in its own directory, and after real requests and a stop
    there is no metadata file there, in the project or in the JVM's /tmp performance folder."""
    before = metadata_files_outside_local()
    db_path = local_dir / "dynamodb" if persistent else None
    db = localdb.start(db_path=db_path, local_dir=local_dir)
    pid = db.process.pid
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
        environment = Path(f"/proc/{pid}/environ").read_bytes().decode().split("\0")
        workdir = Path(os.readlink(f"/proc/{pid}/cwd"))
        assert "-disableTelemetry" in command
        assert "DDB_LOCAL_TELEMETRY=0" in environment
        assert workdir == (db_path or local_dir)
        assert ("-dbPath" in command) == persistent and ("-inMemory" in command) != persistent
        # The JVM keeps this file while it runs unless told not to.
        assert not Path(f"/tmp/hsperfdata_{pwd.getpwuid(os.getuid()).pw_name}/{pid}").exists()

        from renewdesk.config import Settings
        from renewdesk.wiring import Services

        backend = Services(Settings(table_name="telemetry", dynamodb_endpoint=db.endpoint))
        assert backend.ensure_table()
        backend.stores.leads.ping()
    finally:
        db.stop()
    assert not list(local_dir.rglob(METADATA))
    assert metadata_files_outside_local() <= before
    if persistent:
        assert [p.name for p in db_path.iterdir()] == ["shared-local-instance.db"]
