"""`umapi-mock contract --target URL`, through the console script: a target that cannot be used
is one line naming the problem and the fix (exit 2) before any test runs; a umapi-mock target
is not paced unless asked; a failing contract is a line, not a traceback."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

CONSOLE_SCRIPT = Path(sys.executable).with_name("umapi-mock")
ORG = "0123456789ABCDEF01234567@AdobeOrg"


def _env() -> dict[str, str]:
    drop = ("UMAPI_", "HYPOTHESIS_", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
    return {k: v for k, v in os.environ.items() if not k.startswith(drop)} | {"PYTHONUNBUFFERED": "1"}


def _contract(tmp_path: Path, url: str, *extra: str, timeout: float = 600, **creds: str):
    values = {"org_id": ORG, "client_id": "test-client", "client_secret": "test-secret"} | creds
    (tmp_path / "creds.yaml").write_text("".join(f"{k}: {v}\n" for k, v in values.items()))
    return subprocess.run(
        [str(CONSOLE_SCRIPT), "contract", "--target", url, "--credentials", "creds.yaml", *extra],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _one_line_exit_2(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr and proc.stdout == "", proc.stdout[-2000:]
    message = proc.stderr.strip()
    assert message and "\n" not in message, proc.stderr[-3000:]
    assert message.startswith("umapi-mock contract: preflight: "), message
    return message


def test_unreachable_url_is_one_line(tmp_path):
    url = f"https://127.0.0.1:{_closed_port()}"
    message = _one_line_exit_2(_contract(tmp_path, url))
    assert f"cannot reach {url}: connection refused" in message
    assert not (tmp_path / "contract-report.json").exists()  # no test ran


def test_wrong_secret_is_one_line(served, tmp_path):
    message = _one_line_exit_2(_contract(tmp_path, served.url, ca_file=served.ca_path, client_secret="wrong"))
    assert "issued no token (HTTP 4" in message and "check client_id and client_secret" in message


def test_untrusted_ca_is_one_line(served, tmp_path):
    message = _one_line_exit_2(_contract(tmp_path, served.url))
    assert "certificate not trusted: pass --ca FILE" in message


def test_unknown_org_is_one_line(served, tmp_path):
    message = _one_line_exit_2(_contract(tmp_path, served.url, "--ca", served.ca_path, org_id="FFFF0000@AdobeOrg"))
    assert "the org id FFFF0000@AdobeOrg is not accepted" in message and "check org_id" in message


def test_a_served_emulator_is_not_paced_and_ca_passes_on_the_command_line(served, tmp_path):
    proc = _contract(tmp_path, served.url, "--ca", served.ca_path, "--contract", "paging.*", "--report", "r.json")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert f"{served.url} is a umapi-mock: not paced" in proc.stdout
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["target"]["paced"] is False, report["target"]
    assert "pacing: waiting" not in proc.stdout


def test_pace_on_is_obeyed_against_an_emulator(served, tmp_path):
    proc = _contract(tmp_path, served.url, "--ca", served.ca_path, "--pace", "on", "-k", "status", "--report", "r.json")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert json.loads((tmp_path / "r.json").read_text())["target"]["paced"] is True


@pytest.mark.parametrize("pace", ["sometimes"])
def test_bad_pace_is_one_line(tmp_path, pace):
    proc = _contract(tmp_path, "https://127.0.0.1:1", "--pace", pace)
    assert proc.returncode == 2 and "--pace: invalid choice" in proc.stderr and "\n" not in proc.stderr.strip()


def test_a_failing_contract_is_a_line_not_a_traceback(served, tmp_path):
    from umapi_mock.http.context import emulator_of
    from umapi_mock.layers.faults import parse_fault_rules

    emulator_of(served.app).layers.faults.add(
        parse_fault_rules({"match": {"path": "/v2/usermanagement/groups/*"}, "respond": {"status": 500}})
    )
    proc = _contract(tmp_path, served.url, "--ca", served.ca_path, "--contract", "paging.*", "--report", "r.json")
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout
    assert "contracts failing: " in out, out[-3000:]
    # no traceback, no test source, no captured output: one line per failing test
    assert "Traceback" not in out and "def test_" not in out and "Captured" not in out, out[-3000:]
    assert "[paging.last_page_flag] page answered HTTP 500" in out  # the contract and why
    report = json.loads((tmp_path / "r.json").read_text())
    failing = {c["name"]: c for c in report["contracts"] if c["status"] in ("fail", "error")}
    assert failing["paging.last_page_flag"]["actual"]["error_code"] == "500000"  # the detail is in the report
