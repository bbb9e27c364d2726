"""Whether the kit makes a URL target throttle on purpose: only a umapi-mock whose admin API
lets it, or any target with --umapi-allow-writes (a bounded burst); never a dry run of what
looks like a live org, where the 429 contracts are `n/a`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.contracts.served import served_for_kit

ROOT = Path(__file__).resolve().parents[2]
THROTTLE = ("throttle.retry_after_integer", "throttle.answer_shape")


@pytest.fixture(scope="module")
def guarded_emulator():
    """An emulator whose admin API needs a token and which throttles group reads as documented
    (5 per client), in a 3-second window so the run's later reads wait little."""
    from umapi_mock.contracts.targets_emulator import build_emulator_app
    from umapi_mock.http.context import emulator_of

    app = build_emulator_app()
    emulator = emulator_of(app)
    emulator.config.admin_token = "adm1n-t0ken"
    emulator.config.throttle = {"base": "none", "families": {"groups": {"per_client": 5, "window": 3}}}
    emulator.reset_layers()
    with served_for_kit(app) as served:
        yield served


@pytest.mark.parametrize(
    ("token", "writes", "status"),
    [(False, False, "n/a"), (True, False, "pass"), (False, True, "pass")],
    ids=["dry-run-no-admin-api", "admin-api", "writes-burst"],
)
def test_throttling_on_purpose(guarded_emulator, tmp_path, token, writes, status):
    url, env, emulator = guarded_emulator
    emulator.reset_layers()  # fresh throttle windows for each run
    if token:
        env = {**env, "UMAPI_MOCK_ADMIN_TOKEN": "adm1n-t0ken"}
    report = tmp_path / "contract-report.json"
    cmd = [sys.executable, "-m", "pytest", "contracts", "-q", "-p", "no:cacheprovider", "--umapi-target", url]
    cmd += ["--umapi-pace", "off", "--umapi-report", str(report), "--umapi-contract", "throttle.*"]
    if writes:
        cmd += ["--umapi-allow-writes", "--umapi-domain", "contract.example"]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    contracts = {c["name"]: c for c in json.loads(report.read_text())["contracts"]}
    assert {name: contracts[name]["status"] for name in THROTTLE} == dict.fromkeys(THROTTLE, status)
    if status == "n/a":
        assert "never provokes throttling" in contracts[THROTTLE[0]]["message"]
    assert emulator.layers.throttle.policy.limits["groups"].per_client == 5  # put back (or never touched)
    assert "adm1n-t0ken" not in report.read_text()
