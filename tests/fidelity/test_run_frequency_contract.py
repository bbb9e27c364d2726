"""The contract kit judges the field throttle's running-frequency control (issue 24) against a
umapi-mock served over HTTPS with `--throttle field` and an admin token: it passes with the
admin API, fails when the emulator's control is off, and is `n/a` without the admin API
(as against a live org)."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.contracts.served import served_for_kit

ROOT = Path(__file__).resolve().parents[2]
NAME = "throttle.run_frequency"
ADMIN_TOKEN = "adm1n-t0ken"


@pytest.fixture(scope="module")
def field_emulator() -> Iterator[tuple[str, dict[str, str], Any]]:
    from umapi_mock.contracts.targets_emulator import build_emulator_app
    from umapi_mock.http.context import emulator_of

    app = build_emulator_app()
    emulator = emulator_of(app)
    emulator.config.admin_token = ADMIN_TOKEN
    emulator.config.throttle = "field"
    with served_for_kit(app) as served:
        yield served


def _judge(url: str, env: dict[str, str], tmp_path: Path) -> tuple[int, str, dict[str, Any]]:
    report = tmp_path / "contract-report.json"
    cmd = [sys.executable, "-m", "pytest", "contracts", "-q", "-p", "no:cacheprovider", "--umapi-target", url]
    cmd += ["--umapi-pace", "off", "--umapi-report", str(report), "--umapi-contract", NAME]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    contracts = {c["name"]: c for c in json.loads(report.read_text())["contracts"]}
    assert ADMIN_TOKEN not in report.read_text()
    return proc.returncode, proc.stdout[-3000:] + proc.stderr[-2000:], contracts[NAME]


def _field_policy_is_back(emulator: Any) -> None:
    policy = emulator.layers.throttle.policy
    assert (policy.name, policy.sync_interval) == ("field", 7200)


def test_passes_with_the_admin_api(field_emulator: Any, tmp_path: Path) -> None:
    url, env, emulator = field_emulator
    emulator.reset_layers()
    code, out, contract = _judge(url, {**env, "UMAPI_MOCK_ADMIN_TOKEN": ADMIN_TOKEN}, tmp_path)
    assert code == 0, out
    assert contract["status"] == "pass", contract
    assert contract["actual"]["status"] == 429 and 0 < int(contract["actual"]["Retry-After"]) <= 7200
    _field_policy_is_back(emulator)


def test_fails_when_the_emulators_control_is_off(
    field_emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A defective emulator: it accepts a policy with a running-frequency window but never
    enforces it (the control is off whatever the policy says)."""
    url, env, emulator = field_emulator
    emulator.reset_layers()
    throttle = emulator.layers.throttle
    set_policy = throttle.set_policy
    monkeypatch.setattr(throttle, "set_policy", lambda p: set_policy(dataclasses.replace(p, sync_interval=None)))
    code, out, contract = _judge(url, {**env, "UMAPI_MOCK_ADMIN_TOKEN": ADMIN_TOKEN}, tmp_path)
    assert code != 0 and NAME in out
    assert contract["status"] == "fail", contract
    assert contract["actual"] == {"status": 200, "Retry-After": None}


def test_not_applicable_without_the_admin_api(field_emulator: Any, tmp_path: Path) -> None:
    """Without the admin token the target looks like a live org: never probed, even with
    the field throttle on."""
    url, env, emulator = field_emulator
    emulator.reset_layers()
    code, out, contract = _judge(url, env, tmp_path)
    assert code == 0, out
    assert contract["status"] == "n/a" and "admin API" in contract["message"], contract
    entries = emulator.layers.journal.query(path="/v2/usermanagement/*")
    assert entries and not [e for e in entries if e["status"] == 429]  # the kit's reads: no second run refused
    _field_policy_is_back(emulator)
