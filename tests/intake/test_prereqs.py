"""scripts/prereqs.sh names what is missing instead of failing somewhere later."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "prereqs.sh"
TOOLS = ("bash", "sed", "head", "ls", "id", "grep", "fc-list", "apt-get", "npm")


def path_without(tmp_path: Path, *missing: str, java: str | None = None) -> str:
    """A PATH holding the usual tools except ``missing``; ``java`` replaces java by a script."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in TOOLS + ("python3", "java", "chromium"):
        # The real interpreter: a pyenv shim would need pyenv itself on the PATH.
        found = os.path.realpath(sys.executable) if tool == "python3" else shutil.which(tool)
        if found and tool not in missing:
            (bin_dir / tool).symlink_to(found)
    if java:
        (bin_dir / "java").unlink(missing_ok=True)
        (bin_dir / "java").write_text(f"#!/bin/sh\necho '{java}' >&2\n")
        (bin_dir / "java").chmod(0o755)
    return str(bin_dir)


def run(need: str, path: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": path, "PYTHON": "python3"}
    return subprocess.run(
        ["bash", str(SCRIPT), need], env=env, cwd=cwd, capture_output=True, text=True
    )


def test_a_missing_java_is_named_with_how_to_install_it(tmp_path):
    result = run("run", path_without(tmp_path, "java"), tmp_path)
    assert result.returncode == 1
    assert "Java 17+ is needed" in result.stderr and "apt-get install" in result.stderr


def test_an_old_java_is_refused_with_its_version(tmp_path):
    result = run("run", path_without(tmp_path, java='openjdk version "11.0.2" 2019'), tmp_path)
    assert result.returncode == 1
    assert "found version 11" in result.stderr


def test_npm_is_asked_for_only_while_dynamodb_local_is_not_fetched(tmp_path):
    result = run("run", path_without(tmp_path, "npm"), tmp_path)
    assert result.returncode == 1 and "npm is needed" in result.stderr


def test_a_missing_python_is_named(tmp_path):
    result = run("base", path_without(tmp_path, "python3"), tmp_path)
    assert result.returncode == 1 and "Python 3.11+ is needed" in result.stderr


def test_a_complete_machine_passes_the_run_checks(tmp_path):
    assert run("run", path_without(tmp_path), tmp_path).returncode == 0
