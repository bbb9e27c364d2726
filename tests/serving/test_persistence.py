"""`serve --data-dir`: what a client was told is done survives SIGKILL; test-mode runs
leave nothing; tokens, clock offset, fault rules and throttle policy survive a restart; the
seed is applied only to a new data dir; a database from a newer version is refused."""

from __future__ import annotations

import signal
import sqlite3
import threading
from pathlib import Path

import pytest

from tests.processes import ServeProcess, cli_env
from umapi_mock.persistence.store import DB_NAME, SCHEMA_VERSION

from .conftest import DEMO_ORG_ID, session, umapi_headers

ACTION = f"/v2/usermanagement/action/{DEMO_ORG_ID}"


def _create(email: str, group: str | None = None) -> list[dict]:
    steps: list[dict] = [{"createFederatedID": {"email": email, "country": "US", "firstname": "F", "lastname": "L"}}]
    if group:
        steps.append({"add": {"group": [group]}})
    return [{"user": email, "do": steps}]


def _user(url: str, headers: dict, email: str) -> int:
    r = session().get(f"{url}/v2/usermanagement/organizations/{DEMO_ORG_ID}/users/{email}", headers=headers, timeout=30)
    return r.status_code


def _serve(tmp_path: Path, processes: list, *args: str) -> ServeProcess:
    server = ServeProcess("--data-dir", str(tmp_path / "data"), *args, cwd=tmp_path)
    processes.append(server)
    return server


def _kill(server: ServeProcess) -> None:
    server.proc.send_signal(signal.SIGKILL)
    server.proc.communicate(timeout=30)


def test_sigkill_under_concurrent_writes_loses_no_acknowledged_change(tmp_path, processes) -> None:
    server = _serve(tmp_path, processes)
    headers = umapi_headers(server.url)
    acknowledged: list[str] = []
    tested: list[str] = []
    lock = threading.Lock()
    enough = threading.Event()

    def writer(n: int) -> None:
        s = session()
        for i in range(10_000):  # bounded; ends at the kill
            email = f"load.{n}.{i}@example.com"
            test_mode = i % 4 == 3
            try:
                r = s.post(
                    server.url + ACTION + ("?testOnly=true" if test_mode else ""),
                    json=_create(email),
                    headers=headers,
                    timeout=30,
                )
            except Exception:
                return  # the server is gone
            body = r.json()
            with lock:
                if test_mode:
                    assert body["completedInTestMode"] == 1, body
                    tested.append(email)
                else:
                    assert body["completed"] == 1, body
                    acknowledged.append(email)
                if len(acknowledged) >= 120:
                    enough.set()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    assert enough.wait(120), "the load never got going"
    _kill(server)  # in the middle of the load: requests are in flight
    for t in threads:
        t.join(60)
    with lock:
        saved, not_saved = list(acknowledged), list(tested)

    restarted = _serve(tmp_path, processes)
    s = session()
    missing = [e for e in saved if _user(restarted.url, headers, e) != 200]  # headers: the token from before the kill
    assert not missing, f"{len(missing)} of {len(saved)} acknowledged creates lost, e.g. {missing[:3]}"
    assert all(_user(restarted.url, headers, e) == 404 for e in not_saved)
    r = s.get(f"{restarted.url}/v2/usermanagement/users/{DEMO_ORG_ID}/0", headers=headers, timeout=30)
    assert r.status_code == 200


def test_sigterm_flushes_and_a_restart_restores_settings(tmp_path, processes) -> None:
    server = _serve(tmp_path, processes, "--throttle", "documented")
    s = session()
    assert s.post(f"{server.url}/_mock/clock", json={"advance": 3600}, timeout=10).ok
    rule = {"id": "twice", "match": {"path": "/status"}, "respond": {"status": 503}, "times": 2}
    assert s.post(f"{server.url}/_mock/faults", json=rule, timeout=10).status_code == 201
    assert s.get(f"{server.url}/status", timeout=10).status_code == 503  # fired once
    policy = {"base": "none", "families": {"action": {"per_client": 3, "global": 30, "window": 30}}}
    assert s.put(f"{server.url}/_mock/throttle", json=policy, timeout=10).ok
    before = s.get(f"{server.url}/_mock/throttle", timeout=10).json()["policy"]
    server.signal(signal.SIGTERM)
    assert server.finish()[0] == 0

    restarted = _serve(tmp_path, processes)  # no --throttle: the saved policy wins
    clock = s.get(f"{restarted.url}/_mock/clock", timeout=10).json()
    assert clock["offset"] == pytest.approx(3600, abs=1)
    faults = s.get(f"{restarted.url}/_mock/faults", timeout=10).json()["faults"]
    assert [(f["id"], f["fired"], f["remaining"]) for f in faults] == [("twice", 1, 1)]
    assert s.get(f"{restarted.url}/_mock/throttle", timeout=10).json()["policy"] == before
    assert s.get(f"{restarted.url}/status", timeout=10).status_code == 503
    assert s.get(f"{restarted.url}/status", timeout=10).status_code == 200


def test_the_seed_is_applied_only_to_a_new_data_dir(tmp_path, processes) -> None:
    server = _serve(tmp_path, processes)
    overview = session().get(f"{server.url}/_mock/overview", timeout=10).json()
    assert overview["settings"]["persistence"]["enabled"] is True  # what the console shows
    headers = umapi_headers(server.url)
    r = session().post(server.url + ACTION, json=_create("kept@example.com"), headers=headers, timeout=30)
    assert r.json()["completed"] == 1
    server.signal(signal.SIGTERM)
    server.finish()

    again = _serve(tmp_path, processes)
    assert _user(again.url, headers, "kept@example.com") == 200
    again.signal(signal.SIGTERM)
    again.finish()

    reseeded = _serve(tmp_path, processes, "--reset-from-seed")
    assert _user(reseeded.url, headers, "kept@example.com") == 404
    assert _user(reseeded.url, headers, "jane@example.com") == 200  # a demo-org user


def test_reset_after_a_restart_returns_to_the_seed_and_is_kept(tmp_path, processes) -> None:
    server = _serve(tmp_path, processes)
    headers = umapi_headers(server.url)
    session().post(server.url + ACTION, json=_create("gone@example.com"), headers=headers, timeout=30)
    _kill(server)
    restarted = _serve(tmp_path, processes)
    assert _user(restarted.url, headers, "gone@example.com") == 200
    assert session().post(f"{restarted.url}/_mock/reset", timeout=30).ok
    assert _user(restarted.url, headers, "gone@example.com") == 404
    _kill(restarted)
    third = _serve(tmp_path, processes)
    assert _user(third.url, headers, "gone@example.com") == 404


def test_state_dump_and_load_with_a_data_dir(tmp_path, processes) -> None:
    import subprocess
    import sys

    server = _serve(tmp_path, processes)
    headers = umapi_headers(server.url)
    session().post(server.url + ACTION, json=_create("dumped@example.com"), headers=headers, timeout=30)
    state = tmp_path / "state.json"

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "umapi_mock.cli", *args, "--url", server.url],
            env=cli_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert cli("state", "dump", "-o", str(state)).returncode == 0
    assert "dumped@example.com" in state.read_text()
    session().post(server.url + ACTION, json=_create("later@example.com"), headers=headers, timeout=30)
    loaded = cli("state", "load", str(state))
    assert loaded.returncode == 0, loaded.stderr
    _kill(server)
    restarted = _serve(tmp_path, processes)
    assert _user(restarted.url, headers, "dumped@example.com") == 200
    assert _user(restarted.url, headers, "later@example.com") == 404


def test_group_member_order_survives_a_restart(tmp_path, processes) -> None:
    server = _serve(tmp_path, processes)
    headers = umapi_headers(server.url)
    s = session()
    group = "Order Test"
    made = [{"usergroup": group, "do": [{"createUserGroup": {"description": "join order"}}]}]
    assert s.post(server.url + ACTION, json=made, headers=headers, timeout=30).json()["completed"] == 1
    for email in ("m3@example.com", "m1@example.com", "m2@example.com"):
        assert s.post(server.url + ACTION, json=_create(email, group), headers=headers, timeout=30).json()["completed"]
    remove = [{"user": "m1@example.com", "do": [{"remove": {"group": [group]}}]}]
    add = [{"user": "m1@example.com", "do": [{"add": {"group": [group]}}]}]
    assert s.post(server.url + ACTION, json=remove, headers=headers, timeout=30).json()["completed"]
    assert s.post(server.url + ACTION, json=add, headers=headers, timeout=30).json()["completed"]
    listing = f"/v2/usermanagement/users/{DEMO_ORG_ID}/0/{group}"
    before = s.get(server.url + listing, headers=headers, timeout=30).json()["users"]
    users_before = s.get(f"{server.url}/v2/usermanagement/users/{DEMO_ORG_ID}/0", headers=headers, timeout=30).json()
    groups_before = s.get(f"{server.url}/v2/usermanagement/groups/{DEMO_ORG_ID}/0", headers=headers, timeout=30).json()
    _kill(server)
    restarted = _serve(tmp_path, processes)
    after = s.get(restarted.url + listing, headers=headers, timeout=30).json()["users"]
    assert [u["email"] for u in after] == [u["email"] for u in before]
    assert [u["email"] for u in before] == ["m3@example.com", "m2@example.com", "m1@example.com"]
    users = s.get(f"{restarted.url}/v2/usermanagement/users/{DEMO_ORG_ID}/0", headers=headers, timeout=30).json()
    groups = s.get(f"{restarted.url}/v2/usermanagement/groups/{DEMO_ORG_ID}/0", headers=headers, timeout=30).json()
    assert users == users_before and groups == groups_before


def test_a_database_from_a_newer_version_is_refused(tmp_path, processes) -> None:
    server = _serve(tmp_path, processes)
    server.signal(signal.SIGTERM)
    server.finish()
    with sqlite3.connect(tmp_path / "data" / DB_NAME) as db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    import subprocess
    import sys

    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "umapi_mock.cli",
            "serve",
            "--no-tls",
            "--port",
            "0",
            "--data-dir",
            str(tmp_path / "data"),
        ],
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "newer umapi-mock" in lines[0] and f"schema {SCHEMA_VERSION + 1}" in lines[0]


def test_the_data_dir_comes_from_the_environment(tmp_path, processes) -> None:
    import subprocess
    import sys

    data = tmp_path / "from-env"
    proc = subprocess.Popen(
        [sys.executable, "-m", "umapi_mock.cli", "serve", "--no-tls", "--port", "0"],
        cwd=tmp_path,
        env=cli_env(UMAPI_MOCK_DATA_DIR=str(data)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout.readline().startswith("umapi-mock")  # type: ignore[union-attr]
        assert (data / DB_NAME).exists()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    assert proc.returncode == 0


SEED_OUT_OF_ORDER = """
orgs:
  - id: "0123456789ABCDEF01234567@AdobeOrg"
    domains: [{name: example.com, type: federated}]
    credentials:
      - {client_id: test-client, client_secret: test-secret,
         tech_account: "0123ABCD0123ABCD0123ABCD@techacct.adobe.com"}
    groups: [{name: Team}]
    users:
      - {id: 50, email: late@example.com, firstname: L, lastname: Ate, country: US, groups: [Team]}
      - {id: 7, email: early@example.com, firstname: E, lastname: Arly, country: US, groups: [Team]}
      - {id: 20, email: mid@example.com, type: adobeID, country: US}
"""


def test_a_listing_order_that_is_not_the_uid_order_survives(tmp_path, processes) -> None:
    """Users stated with ids out of order list in seed order; a restart keeps that order."""
    seed = tmp_path / "seed.yaml"
    seed.write_text(SEED_OUT_OF_ORDER)
    server = _serve(tmp_path, processes, "--seed", str(seed))
    headers = umapi_headers(server.url)
    s = session()
    url = f"/v2/usermanagement/users/{DEMO_ORG_ID}/0"
    before = s.get(server.url + url, headers=headers, timeout=30).json()["users"]
    team_before = s.get(server.url + url + "/Team", headers=headers, timeout=30).json()["users"]
    assert [u["email"] for u in before] == ["late@example.com", "early@example.com", "mid@example.com"]
    _kill(server)
    restarted = _serve(tmp_path, processes, "--seed", str(seed))
    assert s.get(restarted.url + url, headers=headers, timeout=30).json()["users"] == before
    assert s.get(restarted.url + url + "/Team", headers=headers, timeout=30).json()["users"] == team_before
