"""`make lint`'s dependency audit: pip-audit over the virtualenv, said as it is.

Fails (exit 1) on any known vulnerability. When no vulnerability service can be reached, so that
nothing was audited, it says so in full and exits 0 (exit 2 with PIP_AUDIT_REQUIRED=1): a
machine whose only way to PyPI is a mirror gets a plain statement, never "no known
vulnerabilities" for packages nobody checked.

pip-audit's PyPI service reads https://pypi.org/pypi/<name>/<version>/json, and its OSV service
https://api.osv.dev; either one answering is enough.
"""

from __future__ import annotations

import json
import os
import subprocess  # nosec B404
import sys
import urllib.error
import urllib.request
from collections import Counter
from typing import Any

SERVICES = ("pypi", "osv")
TIMEOUT_SECONDS = 15


def run_pip_audit(service: str) -> tuple[dict[str, Any] | None, str]:
    """pip-audit's JSON report for the installed packages, or None and why it failed."""
    command = [
        sys.executable,
        "-m",
        "pip_audit",
        "--local",
        "--skip-editable",
        "--format",
        "json",
        "--progress-spinner",
        "off",
        "--timeout",
        str(TIMEOUT_SECONDS),
        "--vulnerability-service",
        service,
    ]
    result = subprocess.run(command, capture_output=True, text=True)  # nosec B603
    try:
        return json.loads(result.stdout), ""
    except ValueError:
        lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
        return None, lines[-1][:300] if lines else f"exit status {result.returncode}"


def findings(report: dict[str, Any]) -> list[str]:
    """One line per known vulnerability: package, version, advisory id, fixed versions."""
    return [
        f"{dep['name']} {dep['version']}: {vuln['id']} (fixed in "
        f"{', '.join(vuln.get('fix_versions') or ['no release yet'])})"
        for dep in report.get("dependencies", [])
        for vuln in dep.get("vulns") or []
    ]


def coverage(report: dict[str, Any]) -> tuple[int, Counter]:
    """(dependencies audited, the skipped ones' reasons with their counts); the project itself,
    installed editable, is no dependency."""
    audited, skipped = 0, Counter()
    for dep in report.get("dependencies", []):
        reason = dep.get("skip_reason")
        if reason is None:
            audited += 1
        elif not reason.startswith("distribution marked as editable"):
            skipped[reason.split(":")[0]] += 1
    return audited, skipped


def probe(report: dict[str, Any]) -> str:
    """What PyPI's per-version JSON answers for one skipped package (the service's own URL)."""
    dep = next(
        (
            d
            for d in report.get("dependencies", [])
            if d.get("skip_reason", "").startswith("Dependency not found")
        ),
        None,
    )
    if dep is None:
        return ""
    version = dep["skip_reason"].rsplit("(", 1)[-1].rstrip(")")
    url = f"https://pypi.org/pypi/{dep['name']}/{version}/json"
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as answer:  # nosec B310
            return f"{url} answered {answer.status}"
    except urllib.error.HTTPError as error:
        return f"{url} answered {error.code}"
    except OSError as error:
        return f"{url} failed: {error}"


def main(run=run_pip_audit, check_url=probe) -> int:
    """Audit with each service until one answers; the exit status."""
    attempts = []
    for service in SERVICES:
        report, failure = run(service)
        if report is None:
            attempts.append(f"{service}: pip-audit failed: {failure}")
            continue
        found = findings(report)
        if found:
            print(f"pip-audit ({service}): {len(found)} known vulnerabilities:")
            print("\n".join(f"  {line}" for line in found))
            return 1
        audited, skipped = coverage(report)
        total = audited + sum(skipped.values())
        if audited:
            print(
                f"pip-audit ({service}): {audited} of {total} installed dependencies audited, "
                "no known vulnerabilities."
            )
            for reason, count in skipped.items():
                print(f"  not audited: {count} ({reason})")
            return 0
        details = "; ".join(f"{count} x {reason!r}" for reason, count in skipped.items())
        said = f"{service}: 0 of {total} dependencies audited ({details})"
        attempts.append(f"{said}; {check_url(report)}" if service == "pypi" else said)
    print(
        "pip-audit: NOTHING AUDITED - no vulnerability service could be reached from here, "
        "so no dependency has been checked for known vulnerabilities (this is not a clean "
        "result):"
    )
    print("\n".join(f"  {line}" for line in attempts))
    return 2 if os.environ.get("PIP_AUDIT_REQUIRED") == "1" else 0


if __name__ == "__main__":
    sys.exit(main())
