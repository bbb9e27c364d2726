"""Figures: the pytest plugin's fixtures as a test suite uses them, timed inside a pytest run of
their own (the wall-clock bounds tests/plugin/test_fixtures.py used to assert live here now):

* `big_org_install`: `umapi_server.install_org({"users": 20000})` once its template exists
  (a clone of the seeded 20,003-user org swapped in), ms per org;
* `throttled_retry_wall`: under `@pytest.mark.umapi(throttle="documented")`, eleven single
  actions through `umapi_connection` (the eleventh is throttled once; the connection "waits"
  by moving the emulator's clock), wall seconds for the eleven.

A child `python -m pytest` runs a generated test file (in the run's work dir, cwd the import
root) that writes each measurement to a JSON-lines file; the figure is the median over runs.
"""

from __future__ import annotations

import json
import subprocess
import sys

from .common import Figure, Settings, child_cwd, child_env, median

INSTALL_TARGET_MS = 250.0  # the bound test_fixtures asserted
THROTTLED_TARGET_S = 10.0  # the bound test_fixtures asserted
USERS = 20000

TESTS = """
import json
import os
import time

import pytest
from umapi_client import UserAction

OUT = os.environ["UMAPI_MOCK_BENCH_OUT"]
RUNS = int(os.environ["UMAPI_MOCK_BENCH_RUNS"])


def record(name, value):
    with open(OUT, "a", encoding="utf-8") as f:
        f.write(json.dumps({"name": name, "value": value}) + "\\n")


def test_big_org_install(umapi_server):
    opts = {"users": %(users)d}
    umapi_server.install_org(opts)  # builds the template, untimed
    for _ in range(RUNS):
        times = []
        for _ in range(5):
            started = time.perf_counter()
            org = umapi_server.install_org(opts)
            times.append(time.perf_counter() - started)
        assert len(org.users) == opts["users"] + 3
        record("big_org_install", sorted(times)[2] * 1000)


@pytest.mark.parametrize("run", range(RUNS))
@pytest.mark.umapi(throttle="documented")
def test_throttled_retry(run, umapi_org, umapi_connection, umapi_journal):
    started = time.perf_counter()
    for i in range(11):
        action = UserAction("jane@example.com").update(first_name=f"Jane{i}")
        assert umapi_connection.execute_single(action, immediate=True)[2] == 1
    record("throttled_retry_wall", time.perf_counter() - started)
    statuses = [e["status"] for e in umapi_journal.entries(path="/v2/usermanagement/action/*")]
    assert statuses.count(429) == 1 and statuses.count(200) == 11
"""


def run(settings: Settings) -> list[Figure]:
    folder = settings.work_dir / "plugin-timings"
    folder.mkdir(parents=True, exist_ok=True)
    test_file = folder / "test_plugin_timings.py"
    users = USERS if settings.full else 2000
    test_file.write_text(TESTS % {"users": users}, encoding="utf-8")
    out = folder / "measurements.jsonl"
    out.unlink(missing_ok=True)
    env = {**child_env(), "UMAPI_MOCK_BENCH_OUT": str(out), "UMAPI_MOCK_BENCH_RUNS": str(settings.runs)}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(folder), str(test_file)],
        cwd=child_cwd(),
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"the plugin timing tests failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr}")
    values: dict[str, list[float]] = {}
    for line in out.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        values.setdefault(record["name"], []).append(float(record["value"]))
    installs, waits = values["big_org_install"], values["throttled_retry_wall"]
    return [
        Figure(
            name="big_org_install",
            title=f"pytest plugin: install_org of a cloned {users:,}-user org (template built), per org",
            measured=median(installs),
            target=INSTALL_TARGET_MS,
            unit="ms",
            direction="<=",
            runs=[round(v, 3) for v in installs],
            details={"per_run": "median of 5 installs", "was": "a wall-clock assert in tests/plugin/test_fixtures.py"},
        ),
        Figure(
            name="throttled_retry_wall",
            title="pytest plugin: 11 actions under throttle='documented' (one 429, clock-advancing retry), wall",
            measured=median(waits),
            target=THROTTLED_TARGET_S,
            unit="s",
            direction="<=",
            runs=[round(v, 4) for v in waits],
            details={"was": "a wall-clock assert in tests/plugin/test_fixtures.py"},
        ),
    ]
