"""`serve --data-dir` under the next ring of faults, through the real console script: one
server per data dir (kill -9 leaves no stale lock), a write that cannot be saved is not kept
(a full disk: a small tmpfs), a damaged or empty database is refused with a way out, a
restart says it restored, and a data dir under an unreadable parent is one line."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.processes import ServeProcess, cli_env
from umapi_mock.persistence.store import DB_NAME

from .conftest import DEMO_ORG_ID, session, umapi_headers

CONSOLE_SCRIPT = Path(sys.executable).with_name("umapi-mock")
ACTION = f"/v2/usermanagement/action/{DEMO_ORG_ID}"

SMALL_SEED = f"""
orgs:
  - id: "{DEMO_ORG_ID}"
    domains: [{{name: example.com, type: federated}}]
    credentials:
      - {{client_id: test-client, client_secret: test-secret,
         tech_account: "0123ABCD0123ABCD0123ABCD@techacct.adobe.com"}}
    groups: [{{name: Team}}]
    users:
      - {{email: first@example.com, firstname: F, lastname: Irst, country: US, groups: [Team]}}
"""


def _cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CONSOLE_SCRIPT), *args], env=cli_env(), capture_output=True, text=True, timeout=timeout)


def _serve_once(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A `serve` expected to refuse to start."""
    return _cli("serve", "--no-tls", "--port", "0", "--data-dir", str(data), *args)


def _one_line(proc: subprocess.CompletedProcess[str]) -> str:
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1, (proc.returncode, proc.stderr)
    return lines[0]


def _create(url: str, headers: dict, email: str) -> object:
    body = [
        {
            "user": email,
            "do": [{"createFederatedID": {"email": email, "country": "US", "firstname": "F", "lastname": "L"}}],
        }
    ]
    return session().post(url + ACTION, json=body, headers=headers, timeout=30)


def _user(url: str, headers: dict, email: str) -> int:
    r = session().get(f"{url}/v2/usermanagement/organizations/{DEMO_ORG_ID}/users/{email}", headers=headers, timeout=30)
    return r.status_code


def _stopped(server: ServeProcess) -> str:
    server.signal(signal.SIGTERM)
    status, err = server.finish()
    assert status == 0, err
    return err


def test_a_second_server_on_a_data_dir_is_refused_and_kill_9_leaves_no_stale_lock(tmp_path, processes) -> None:
    data = tmp_path / "data"
    first = ServeProcess("--data-dir", str(data), cwd=tmp_path)
    processes.append(first)
    line = _one_line(_serve_once(data))
    assert str(data) in line and f"PID {first.proc.pid}" in line, line
    assert _user(first.url, umapi_headers(first.url), "first@example.com") in (200, 404)  # still serving

    first.proc.send_signal(signal.SIGKILL)
    first.proc.communicate(timeout=30)
    second = ServeProcess("--data-dir", str(data), cwd=tmp_path)  # the OS dropped the lock with the process
    processes.append(second)
    err = _stopped(second)
    assert f"restored 2503 users, 26 groups from {data} (seed not applied; --reset-from-seed to start again)" in err


def test_a_restart_says_it_restored_and_a_new_data_dir_does_not(tmp_path, processes) -> None:
    data = tmp_path / "data"
    server = ServeProcess("--data-dir", str(data), cwd=tmp_path)
    processes.append(server)
    assert "restored" not in _stopped(server)
    again = ServeProcess("--data-dir", str(data), cwd=tmp_path)
    processes.append(again)
    restored = [ln for ln in _stopped(again).splitlines() if "restored" in ln]
    assert restored == [
        f"umapi-mock: restored 2503 users, 26 groups from {data} (seed not applied; --reset-from-seed to start again)"
    ]


def _saved_dir(tmp_path: Path, processes: list, users: int = 40) -> Path:
    """A data dir holding the demo org plus `users` acknowledged creates, cleanly stopped."""
    data = tmp_path / "data"
    server = ServeProcess("--data-dir", str(data), cwd=tmp_path)
    processes.append(server)
    headers = umapi_headers(server.url)
    for i in range(users):
        assert _create(server.url, headers, f"kept.{i}@example.com").json()["completed"] == 1  # type: ignore[attr-defined]
    _stopped(server)
    return data


def test_a_truncated_database_is_refused_then_salvaged_or_reset(tmp_path, processes) -> None:
    data = _saved_dir(tmp_path, processes)
    db = data / DB_NAME
    with db.open("r+b") as f:
        f.truncate(db.stat().st_size - 1000)
    line = _one_line(_serve_once(data))
    assert str(data) in line and "damaged" in line and "--reset-from-seed" in line, line
    assert f"umapi-mock state dump --data-dir {data}" in line, line

    out = tmp_path / "salvaged.json"
    dumped = _cli("state", "dump", "--data-dir", str(data), "-o", str(out))
    assert dumped.returncode == 0, dumped.stderr
    assert dumped.stderr.startswith("umapi-mock: read ") and len(dumped.stderr.strip().splitlines()) == 1
    import json

    salvaged = json.loads(out.read_text())
    assert salvaged["orgs"][0]["id"] == DEMO_ORG_ID and salvaged["orgs"][0]["credentials"]

    server = ServeProcess("--data-dir", str(data), "--reset-from-seed", cwd=tmp_path)
    processes.append(server)
    assert _user(server.url, umapi_headers(server.url), "kept.0@example.com") == 404  # the seed, from scratch
    _stopped(server)
    assert list(data.glob(f"{DB_NAME}.damaged-*")), sorted(p.name for p in data.iterdir())  # kept aside, not deleted


def test_an_empty_database_file_is_refused_not_reseeded(tmp_path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / DB_NAME).write_bytes(b"")
    line = _one_line(_serve_once(data))
    assert "empty" in line and "--reset-from-seed" in line and str(data) in line, line
    assert (data / DB_NAME).stat().st_size == 0  # left as it was


def test_a_file_that_is_not_a_database_is_refused(tmp_path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / DB_NAME).write_bytes(b"not a database at all\n" * 300)
    line = _one_line(_serve_once(data))
    assert str(data) in line and "--reset-from-seed" in line, line


@pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root to run the CLI as another user"
)
def test_a_data_dir_under_an_unreadable_parent_is_one_line(tmp_path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o700)
    tmp_path.chmod(0o755)
    for parent in tmp_path.parents:  # the unprivileged user must reach tmp_path itself
        if not os.access(parent, os.X_OK):
            pytest.skip(f"{parent} is not searchable")
    proc = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", str(CONSOLE_SCRIPT), "serve", "--no-tls"]
        + ["--port", "0", "--data-dir", str(locked / "sub" / "data")],
        env=cli_env(HOME=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    line = _one_line(proc)
    assert "Permission denied" in line and "internal error" not in line, line


def _mount_tmpfs(where: Path, size: str) -> bool:
    where.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True)
    return done.returncode == 0


def _fill(where: Path) -> Path:
    """Fill the file system holding `where` to the last byte."""
    filler = where / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        for size in (65536, 1):
            while True:
                try:
                    os.write(fd, b"\0" * size)
                except OSError:
                    break
    finally:
        os.close(fd)
    return filler


def test_a_full_disk_refuses_the_write_keeps_serving_and_keeps_no_ghost(tmp_path, processes) -> None:
    mnt = tmp_path / "small"
    if not _mount_tmpfs(mnt, "4m"):
        pytest.skip("cannot mount a small tmpfs here (needs root and mount)")
    try:
        seed = tmp_path / "seed.yaml"
        seed.write_text(SMALL_SEED)
        data = mnt / "data"
        server = ServeProcess("--data-dir", str(data), "--seed", str(seed), cwd=tmp_path)
        processes.append(server)
        headers = umapi_headers(server.url)
        assert _create(server.url, headers, "before@example.com").json()["completed"] == 1  # type: ignore[attr-defined]
        filler = _fill(mnt)

        refused = _create(server.url, headers, "ghost@example.com")
        assert refused.status_code in (503, 507), refused.text  # type: ignore[attr-defined]
        if refused.status_code == 503:  # type: ignore[attr-defined]
            assert refused.headers["Retry-After"]  # type: ignore[attr-defined]
        assert "error_code" in refused.json()  # type: ignore[attr-defined]
        assert _user(server.url, headers, "ghost@example.com") == 404  # not kept in memory
        assert _user(server.url, umapi_headers(server.url), "before@example.com") == 200  # reads and tokens go on
        assert _create(server.url, headers, "ghost@example.com").status_code in (503, 507)  # type: ignore[attr-defined]

        filler.unlink()  # space returns: the same write now succeeds
        again = _create(server.url, headers, "later@example.com").json()  # type: ignore[attr-defined]
        assert again["completed"] == 1, again
        server.proc.send_signal(signal.SIGKILL)
        _, err = server.proc.communicate(timeout=30)
        failures = [ln for ln in err.splitlines() if "could not save" in ln]
        assert len(failures) == 2 and "Traceback" not in err, err  # one line per failure, no traceback

        restarted = ServeProcess("--data-dir", str(data), "--seed", str(seed), cwd=tmp_path)
        processes.append(restarted)
        assert _user(restarted.url, headers, "ghost@example.com") == 404
        assert _user(restarted.url, headers, "before@example.com") == 200
        assert _user(restarted.url, headers, "later@example.com") == 200
        restarted.kill()
    finally:
        for p in processes:
            p.kill()
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_the_data_dir_lock_file_names_the_holder(tmp_path, processes) -> None:
    data = tmp_path / "data"
    server = ServeProcess("--data-dir", str(data), cwd=tmp_path)
    processes.append(server)
    assert (data / "umapi-mock.lock").read_text().strip() == str(server.proc.pid)
    with sqlite3.connect(data / DB_NAME) as db:  # the database itself stays readable to others
        assert db.execute("SELECT count(*) FROM users").fetchone()[0] == 2503
