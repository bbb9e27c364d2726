"""The contract kit judges issue 24's contracts against an emulator URL serving the demo org
(which has a contract admin group), reads-only and test mode only: a live-safe run."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.contracts.served import served_for_kit
from umapi_mock.config import Config
from umapi_mock.http.app import create_app
from umapi_mock.layers.faults import parse_fault_rule

ROOT = Path(__file__).resolve().parents[2]
NAMES = ("reads.listed_user_agrees", "groups.contract_admin_group_shape", "action.contract_admin_group_not_assignable")


@pytest.fixture(scope="module")
def demo_url() -> Iterator[tuple[str, dict[str, str], Any]]:
    app = create_app(Config(users_page_size=50))
    with served_for_kit(app) as served:
        yield served


def _run(url: str, env: dict[str, str], tmp_path: Path) -> dict[str, Any]:
    report = tmp_path / "contract-report.json"
    cmd = [sys.executable, "-m", "pytest", "contracts", "-q", "-p", "no:cacheprovider", "--umapi-target", url]
    cmd += ["--umapi-pace", "off", "--umapi-report", str(report)]
    for name in NAMES:
        cmd += ["--umapi-contract", name]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    contracts = {c["name"]: c for c in json.loads(report.read_text())["contracts"]}
    return {"returncode": proc.returncode, "out": proc.stdout[-3000:], "contracts": contracts}


def test_kit_passes_the_demo_org_without_writes(demo_url: Any, tmp_path: Path) -> None:
    url, env, emulator = demo_url
    emulator.reset()
    run = _run(url, env, tmp_path)
    assert run["returncode"] == 0, run["out"]
    assert {n: run["contracts"][n]["status"] for n in NAMES} == dict.fromkeys(NAMES, "pass")
    actions = emulator.layers.journal.query(path="/v2/usermanagement/action/*")
    assert actions and all("testOnly" in str(e.get("query")) for e in actions)  # test mode only


def test_kit_catches_a_get_user_that_disagrees_with_the_listing(demo_url: Any, tmp_path: Path) -> None:
    url, env, emulator = demo_url
    emulator.reset()
    # Get User forgets every listed user: a 404 where the listing says the user exists
    gone = {"result": "error.user.not_found", "message": "User not found"}
    rule = {
        "match": {"method": "GET", "path": "/v2/usermanagement/organizations/*"},
        "respond": {"status": 404, "body": gone},
    }
    emulator.layers.faults.add([parse_fault_rule(rule)])
    try:
        run = _run(url, env, tmp_path)
    finally:
        emulator.reset()
    assert run["returncode"] != 0
    assert run["contracts"]["reads.listed_user_agrees"]["status"] == "fail"
