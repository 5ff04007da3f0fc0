"""`make lint`'s dependency audit fails on a known vulnerability and never calls an unaudited
environment clean."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "audit_dependencies.py"
spec = importlib.util.spec_from_file_location("audit_dependencies", SCRIPT)
audit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit)

NOT_FOUND = "Dependency not found on PyPI and could not be audited: {} ({})"
OWN = {"name": "renewdesk", "skip_reason": "distribution marked as editable"}


def dependency(name: str, version: str, *vulns: str) -> dict:
    return {
        "name": name,
        "version": version,
        "vulns": [{"id": v, "fix_versions": ["9.9.9"]} for v in vulns],
    }


def skipped(name: str, version: str) -> dict:
    return {"name": name, "skip_reason": NOT_FOUND.format(name, version)}


def answers(**reports):
    """pip-audit as each service would answer: a report, or the failure it printed."""

    def run(service):
        found = reports[service]
        return (None, found) if isinstance(found, str) else ({"dependencies": found}, "")

    return run


def test_a_known_vulnerability_fails_the_audit(capsys):
    run = answers(
        pypi=[OWN, dependency("flask", "3.1.0", "PYSEC-2099-1"), dependency("boto3", "1.35.0")]
    )
    assert audit.main(run) == 1
    assert "flask 3.1.0: PYSEC-2099-1 (fixed in 9.9.9)" in capsys.readouterr().out


def test_a_partial_audit_says_how_much_it_covered(capsys):
    run = answers(pypi=[OWN, dependency("flask", "3.1.0"), skipped("zappa", "0.63.0")])
    assert audit.main(run) == 0
    out = capsys.readouterr().out
    assert "1 of 2 installed dependencies audited, no known vulnerabilities" in out
    assert "not audited: 1 (Dependency not found on PyPI and could not be audited)" in out


@pytest.mark.parametrize("required, status", [(None, 0), ("1", 2)])
def test_when_no_service_answers_it_says_nothing_was_audited(capsys, monkeypatch, required, status):
    if required:
        monkeypatch.setenv("PIP_AUDIT_REQUIRED", required)
    else:
        monkeypatch.delenv("PIP_AUDIT_REQUIRED", raising=False)
    run = answers(
        pypi=[OWN, skipped("flask", "3.1.0"), skipped("boto3", "1.35.0")],
        osv="ConnectionError: Failed to resolve 'api.osv.dev'",
    )
    assert audit.main(run, check_url=lambda report: "the URL answered 404") == status
    out = capsys.readouterr().out
    assert "NOTHING AUDITED" in out and "not a clean result" in out
    assert "pypi: 0 of 2 dependencies audited" in out and "the URL answered 404" in out
    assert "osv: pip-audit failed: ConnectionError: Failed to resolve 'api.osv.dev'" in out
    assert "no known vulnerabilities" not in out
