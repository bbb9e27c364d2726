"""`umapi-mock state|reset|fault`: the admin wrappers drive a running emulator."""

from __future__ import annotations

import json

import requests

from umapi_mock.cli import main
from umapi_mock.seed import dump_orgs


def run(capsys, served, *argv: str) -> tuple[int, str, str]:
    code = main(
        [*argv[:2], "--url", served.url, "--ca", served.ca_path, *argv[2:]]
        if argv[0] in ("state", "fault")
        else [argv[0], "--url", served.url, "--ca", served.ca_path, *argv[1:]]
    )
    out, err = capsys.readouterr()
    return code, out, err


def test_state_dump_load_round_trip(capsys, served, tmp_path):
    code, out, _ = run(capsys, served, "state", "dump")
    assert code == 0
    assert json.loads(out) == dump_orgs(list(served.backend.orgs.values()))
    doc = json.loads(out)
    doc["orgs"][0]["users"] = doc["orgs"][0]["users"][:3]
    (tmp_path / "small.json").write_text(json.dumps(doc))
    code, _, _ = run(capsys, served, "state", "load", str(tmp_path / "small.json"))
    assert code == 0
    assert len(served.backend.org().users) == 3
    code, _, _ = run(capsys, served, "reset")
    assert code == 0 and len(served.backend.org().users) > 2000


def test_fault_add_list_clear(capsys, served):
    code, _, _ = run(
        capsys, served, "fault", "add", "--path", "/status", "--status", "503", "--retry-after", "2", "--times", "1"
    )
    assert code == 0
    first = requests.get(f"{served.url}/status", verify=served.ca_path, timeout=10)
    assert first.status_code == 503 and first.headers["Retry-After"] == "2"
    assert requests.get(f"{served.url}/status", verify=served.ca_path, timeout=10).status_code == 200
    code, out, _ = run(capsys, served, "fault", "add", '{"match": {"path": "/status"}, "respond": {"status": 502}}')
    assert code == 0
    code, out, _ = run(capsys, served, "fault", "list")
    assert "502" in out
    code, _, _ = run(capsys, served, "fault", "clear")
    assert code == 0
    assert requests.get(f"{served.url}/status", verify=served.ca_path, timeout=10).status_code == 200


def test_bad_input_is_one_line(capsys, served, tmp_path):
    code, _, err = run(capsys, served, "fault", "add", "{not json")
    assert code == 2 and err.startswith("umapi-mock: ") and "Traceback" not in err
    code, _, err = run(capsys, served, "fault", "add", '{"match": {}, "respond": {"status": 42}}')
    assert code == 2 and "400" in err
    code, _, err = run(capsys, served, "state", "load", str(tmp_path / "missing.yaml"))
    assert code == 2 and "cannot read" in err
    assert main(["reset", "--url", "https://127.0.0.1:1", "--insecure"]) == 1  # unreachable: a runtime failure
