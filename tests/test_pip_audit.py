"""Dependency audit (reliability.md §6 F 39): `pip-audit -r requirements.txt` finds no known vulnerability in the
pinned runtime packages. It needs PyPI and the vulnerability service: without network it is skipped on a developer
machine, and fails in CI (CI=true), which must be able to audit. Any known vulnerability fails the test with the
list; if pip-audit could not look up some pinned versions, the test says so (skip with the list) rather than report
a false all-clear."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COMMAND = [sys.executable, "-m", "pip_audit", "-r", "requirements.txt", "--progress-spinner", "off", "--format", "json"]


PINNED = dict(line.split("#")[0].strip().split("==") for line in (ROOT / "requirements.txt").read_text().splitlines()
              if "==" in line.split("#")[0])


def _known(name: str, version: str) -> bool:
    """Whether PyPI's JSON API (pip-audit's advisory source) has this exact release."""
    try:
        urllib.request.urlopen(f"https://pypi.org/pypi/{name}/{version}/json", timeout=10).close()
        return True
    except OSError:
        return False


def _index_reachable() -> bool:
    try:
        urllib.request.urlopen("https://pypi.org/pypi/pip-audit/json", timeout=10).close()
        return True
    except OSError:
        return False


@pytest.mark.slow
def test_pinned_requirements_have_no_known_vulnerabilities():
    if not _index_reachable():
        if os.environ.get("CI"):
            pytest.fail("CI must reach https://pypi.org (PyPI's JSON API holds the advisories pip-audit reads)")
        pytest.skip("https://pypi.org is not reachable here: pip-audit cannot look up advisories")
    unknown = [f"{n}=={v}" for n, v in PINNED.items() if not _known(n, v)]
    if len(unknown) == len(PINNED):  # nothing could be audited: say so at once instead of after minutes of resolving
        pytest.skip("PyPI's advisory data here does not know the pinned versions, pip-audit cannot audit them: "
                    + ", ".join(unknown))
    run = subprocess.run(COMMAND, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert run.stdout.strip(), run.stderr[-3000:]
    report = json.loads(run.stdout)
    found = [f"{d['name']} {d['version']}: {v['id']} (fixed in {', '.join(v.get('fix_versions') or ['—'])})"
             for d in report["dependencies"] for v in d.get("vulns", [])]
    audited = {d["name"].lower() for d in report["dependencies"] if "skip_reason" not in d}
    print(f"\npip-audit: {len(report['dependencies'])} packages resolved, {len(audited)} audited, "
          f"{len(found)} known vulnerabilities")
    assert not found, "known vulnerabilities in pinned packages:\n" + "\n".join(found)
    assert run.returncode == 0, run.stderr[-3000:]
    pinned = {n.lower() for n in PINNED}
    if not pinned <= audited:  # "no vulnerabilities" would be a false all-clear for packages it could not look up
        pytest.skip("pip-audit could not look up these pinned versions in PyPI's advisory data (the index here does "
                    "not know them): " + ", ".join(sorted(pinned - audited)))
