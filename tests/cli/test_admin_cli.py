"""`umapi-mock state|reset|fault`: the admin wrappers drive a running emulator."""

from __future__ import annotations

import json

import pytest
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


def test_fault_add_kinds_from_the_registry(capsys, served):
    """Every kind of the registry has a shorthand: --kind NAME, its flag, or its first value."""
    from umapi_mock.layers.faults import KINDS

    for argv, respond in (
        (["--kind", "drop"], {"drop": True}),
        (["--drop"], {"drop": True}),
        (["--malformed"], {"malformed": True}),
        (["--delay", "0.5"], {"delay": 0.5}),
        (["--status", "502", "--retry-after", "3"], {"status": 502, "retry_after": 3}),
        (["--kind", "malformed", "--status", "500"], {"malformed": True, "status": 500}),
    ):
        code, out, _ = run(capsys, served, "fault", "add", "--path", "/nowhere", *argv)
        assert code == 0, argv
        rule_id = json.loads(out)["ids"][0]
        rule = requests.get(f"{served.url}/_mock/faults/{rule_id}", verify=served.ca_path, timeout=10).json()
        assert rule["respond"] == respond, argv
    code, _, err = run(capsys, served, "fault", "add", "--path", "/x", "--drop", "--retry-after", "3")
    assert code == 2 and "respond: a dropped connection has no retry_after" in err
    code, _, err = run(capsys, served, "fault", "add", "--path", "/x")
    assert code == 2 and "--kind" in err
    with pytest.raises(SystemExit) as info:
        run(capsys, served, "fault", "add", "--kind", "nope")
    err = capsys.readouterr().err
    assert info.value.code == 2 and all(repr(name) in err for name in KINDS)


@pytest.mark.slow  # starts a `umapi-mock serve` process
def test_state_load_streams_and_says_what_to_do_when_too_big(capsys, tmp_path):
    """Over --max-body without the admin token: a 413 that names the ways out, exit 2."""
    from tests.processes import ServeProcess

    server = ServeProcess("--admin-token", "tok-load", "--max-body", "50000", cwd=tmp_path)
    try:
        users = [{"email": f"user{i}@example.com", "type": "adobeID"} for i in range(3000)]
        doc = {"orgs": [{"id": "0123456789ABCDEF01234567@AdobeOrg", "users": users}]}
        big = tmp_path / "big.json"
        big.write_text(json.dumps(doc))
        assert big.stat().st_size > 50000
        code = main(["state", "load", str(big), "--url", server.url])
        err = capsys.readouterr().err
        assert code == 2 and "413" in err and "--admin-token" in err and "UMAPI_MOCK_ADMIN_TOKEN" in err
        import os

        os.environ["UMAPI_MOCK_ADMIN_TOKEN"] = "tok-load"
        try:
            assert main(["state", "load", str(big), "--url", server.url]) == 0
        finally:
            del os.environ["UMAPI_MOCK_ADMIN_TOKEN"]
        state = requests.get(f"{server.url}/_mock/state", headers={"Authorization": "Bearer tok-load"}, timeout=30)
        assert len(state.json()["orgs"][0]["users"]) == 3000
        assert main(["state", "load", str(tmp_path), "--url", server.url]) == 2  # a directory: one line
    finally:
        server.kill()
