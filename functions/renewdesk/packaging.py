"""`renewdesk package`: the Lambda zip, built offline by `zappa package` from a lean environment.

Zappa zips the virtualenv it is pointed at plus the project folder. The dev venv (mkdocs,
Playwright, test tools) would unzip to about 350 MB, so the zip is built from a venv that holds
only what runs on Lambda: the project (a normal, non-editable install of its wheel), its runtime
dependencies and zappa's handler. The wheels are the ones Lambda's Amazon Linux can load, and
every module is byte-compiled so a cold start does not compile anything (/var/task is read-only,
so Python could not cache what it compiles there).
"""

from __future__ import annotations

import fnmatch
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

from renewdesk.config import PROJECT_ROOT

SETTINGS_FILE = PROJECT_ROOT / "zappa_settings.json"
WORK_DIR = PROJECT_ROOT / ".local" / "lambda"
# Lambda's python3.11 runtime runs on Amazon Linux 2, whose glibc is 2.26: binary wheels must be
# manylinux ones that need no newer glibc.
LAMBDA_GLIBC = (2, 26)
# Zappa's handler imports werkzeug (installed with Flask), boto3 (in the Lambda runtime) and
# durationpy; the rest of zappa's dependencies serve only its command line and stay out.
HANDLER_DEPENDENCIES = ("durationpy",)
# The sources a wheel of the project is built from.
PROJECT_SOURCES = ("pyproject.toml", "functions")
# Lambda's python3.11 runtime brings boto3 and what it needs (/var/runtime): the zip leaves them
# out (see "exclude" in zappa_settings.json).
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "dateutil", "jmespath", "urllib3", "six")
# Parts of the runtime dependencies nothing on Lambda imports, left out of the zip to keep it
# under 10 MB: pydantic's v1 compatibility package (imported only as `pydantic.v1`), pygal's own
# tests, and zappa's CLI and deploy code (the handler uses its handler, wsgi and utilities).
# tests/deploy load the packaged handler and serve requests with what is left.
PRUNED = ("pydantic/v1", "pygal/test", "zappa/cli.py", "zappa/core.py")


class PackagingError(RuntimeError):
    """The package cannot be built; the message says why."""


def stage_settings(stage: str, settings_file: Path = SETTINGS_FILE) -> dict[str, Any]:
    """One stage of zappa_settings.json with its `extends` chain applied, as zappa reads it."""
    stages = json.loads(settings_file.read_text(encoding="utf-8"))
    if stage not in stages:
        raise PackagingError(
            f"{settings_file.name} has no stage {stage!r}; it has {', '.join(sorted(stages))}"
        )
    own = stages[stage]
    base = stage_settings(own["extends"], settings_file) if own.get("extends") else {}
    return {**base, **own}


def default_output(stage: str) -> Path:
    """Where `renewdesk package` writes a stage's zip."""
    return PROJECT_ROOT / "build" / f"lambda-{stage}.zip"


def build(stage: str, output: Path | None = None, work_dir: Path = WORK_DIR, log=print) -> Path:
    """Build the stage's Lambda zip without AWS credentials; returns its path.

    `zappa package` itself runs offline; pip installs from its cache or the package index.
    """
    config = stage_settings(stage)
    runtime = config.get("runtime")
    local = f"python{sys.version_info.major}.{sys.version_info.minor}"
    if runtime != local:
        raise PackagingError(
            f"stage {stage!r} runs on {runtime} but this is {local}: "
            "zappa packages the local interpreter's site-packages"
        )
    output = (output or default_output(stage)).resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="renewdesk-package-", dir=_scratch_root()) as tmp:
        scratch = Path(tmp)
        log("building the project wheel")
        wheel = _build_wheel(scratch)
        log("installing runtime dependencies into the lean venv")
        venv = _lean_venv(work_dir.resolve(), wheel, config.get("exclude", []))
        log(f"zappa package {stage}")
        _zappa_package(stage, config.get("aws_region", "ap-east-1"), venv, output, scratch)
    return output


def _scratch_root() -> str:
    # Zappa copies the project folder into a temporary folder: one inside the project would be
    # copied into itself until "File name too long".
    root = Path(tempfile.gettempdir()).resolve()
    if root == PROJECT_ROOT or PROJECT_ROOT in root.parents:
        # A scratch copy for zappa only, removed after: bandit's B108 (/tmp) accepted.
        root = Path("/tmp")  # nosec B108
    return str(root)


def _run(command: list[str], what: str, **kwargs) -> None:
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise PackagingError(f"{what} failed:\n{(result.stdout + result.stderr).strip()[-3000:]}")


def _build_wheel(scratch: Path) -> Path:
    """A wheel of the project, built from a clean copy (setuptools leaves build/ behind)."""
    source = scratch / "source"
    source.mkdir()
    for name in PROJECT_SOURCES:
        path = PROJECT_ROOT / name
        if path.is_dir():
            shutil.copytree(
                path, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
            )
        else:
            shutil.copy2(path, source / name)
    wheels = scratch / "wheels"
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(wheels),
            str(source),
        ],
        "building the project wheel",
    )
    return next(wheels.glob("renewdesk-*.whl"))


def _lambda_platforms() -> list[str]:
    major, newest = LAMBDA_GLIBC
    return [f"manylinux_{major}_{minor}_x86_64" for minor in range(newest, 4, -1)] + [
        "manylinux2014_x86_64"
    ]  # pip adds the manylinux2010 and manylinux1 aliases itself


def _lean_venv(work_dir: Path, wheel: Path, excluded: list[str]) -> Path:
    """A fresh venv with only the runtime: the project wheel, its dependencies, zappa's handler."""
    venv = work_dir / "venv"
    _run([sys.executable, "-m", "venv", "--clear", "--without-pip", str(venv)], "creating the venv")
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    site_packages = venv / "lib" / f"python{version}" / "site-packages"
    # --target with the Lambda platform picks wheels for Amazon Linux whatever this machine's
    # glibc is; pip's cache makes a second build quick.
    target = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-compile",
        "--upgrade",
        "--target",
        str(site_packages),
        "--only-binary=:all:",
        "--implementation",
        "cp",
        "--python-version",
        version,
        "--abi",
        f"cp{version.replace('.', '')}",
    ]
    for platform in _lambda_platforms():
        target += ["--platform", platform]
    _run(target + [str(wheel), *HANDLER_DEPENDENCIES], "installing the runtime dependencies")
    # The handler comes from the same zappa release that builds the package.
    _run(target + ["--no-deps", f"zappa=={metadata.version('zappa')}"], "installing zappa")
    shutil.rmtree(site_packages / "bin", ignore_errors=True)  # console scripts: not importable
    for part in PRUNED:
        path = site_packages / part
        if path.is_dir():
            shutil.rmtree(path)
        elif path.is_file():
            path.unlink()
        else:
            raise PackagingError(f"{part} is not in the runtime any more: update PRUNED")
    # Unchecked-hash bytecode is used as it is, whatever the file times in the zip say. What the
    # zip leaves out (boto3 and friends come with the Lambda runtime) is not worth compiling.
    shipped = [
        str(p)
        for p in site_packages.iterdir()
        if not any(fnmatch.fnmatch(p.name, pattern) for pattern in excluded)
    ]
    _run(
        [
            sys.executable,
            "-m",
            "compileall",
            "-q",
            "-j",
            "0",
            "--invalidation-mode",
            "unchecked-hash",
            *shipped,
        ],
        "byte-compiling the runtime",
    )
    return venv


def _zappa_package(stage: str, region: str, venv: Path, output: Path, scratch: Path) -> None:
    """Run `zappa package` from the project folder on the lean venv, with no AWS access at all."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        VIRTUAL_ENV=str(venv),  # what zappa packages
        TMPDIR=str(scratch),
        AWS_DEFAULT_REGION=region,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
    )
    output.unlink(missing_ok=True)
    # --json also skips zappa's check for a newer release on PyPI.
    _run(
        [
            sys.executable,
            "-c",
            "from zappa.cli import handle; handle()",
            "package",
            stage,
            "--output",
            str(output),
            "--disable_progress",
            "--json",
        ],
        f"zappa package {stage}",
        cwd=PROJECT_ROOT,
        env=env,
    )
    if not output.is_file():
        raise PackagingError(f"zappa package {stage} wrote no {output}")


def unpack_like_lambda(zip_path: Path, dest: Path) -> tuple[list[str], dict[str, str], Path]:
    """Unzip the package as Lambda's /var/task, with this environment's boto3 as /var/runtime.

    Returns the Python command, its environment and its working folder: that Python sees only
    the package, the runtime's modules and the standard library, and cannot write bytecode,
    as on Lambda, whose /var/task is read-only.
    """
    task, runtime = dest / "task", dest / "runtime"
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(task)
    runtime.mkdir()
    for name in RUNTIME_PROVIDED:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise PackagingError(f"{name} is not installed in the packaging venv")
        origin = Path(spec.origin)
        provided = origin.parent if origin.name == "__init__.py" else origin
        (runtime / provided.name).symlink_to(provided)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "LANG": "C.UTF-8",
        "PYTHONPATH": os.pathsep.join([str(task), str(runtime)]),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    return [sys.executable, "-S"], env, task
