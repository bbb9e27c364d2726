"""Soak: `python -m benchmarks.soak [--minutes M] [--kill-every K] [--clients C] [--out FILE]`.

N minutes of mixed reads and writes from C client threads against `umapi-mock serve
--data-dir DIR` (`python -m umapi_mock.cli serve`, the console script's code, HTTPS on a
loopback port, the benchmark's TLS files), with a `kill -9` of the server every K minutes
while requests are in flight, then a restart on the same data dir and port once the old
process is reaped (waitpid: the OS has released its files and its data-dir lock).

It is a benchmark, not a test: it reports what happened.

* **Acknowledged changes lost** (must be 0). Every write is a one-entry action whose
  outcome fully determines the user's state (a create with `updateIfAlreadyExists` that also
  adds a group, an update of first and last name, a `removeFromOrg`), each with unique
  values, on a user only that client writes. A client-side ledger keeps, per user, the
  state of the last write answered `result: success` and the states of writes sent after
  it that got no answer (the kill may or may not have committed them; the client writes
  that user no more). After each restart, and at the end (live, then after a SIGTERM and a
  restart), every ledger user is checked on the users pages, and the most recent ones and
  the unanswered ones through Get User: a state other than the acknowledged one or an
  unanswered later one is a lost change.
* **Server RSS** (`VmRSS` of /proc/PID/status) sampled every `--sample-every` seconds of each
  incarnation: start, end, max, end ÷ start and a least-squares slope per incarnation.
* **Latency** p50/p99 of answered requests per `--window` minutes, and request counts.
* **Errors by kind**: connection errors while the server is down or being restarted (and
  requests in flight at the kill) are expected and counted apart from wrong answers (an
  action not answered `success`, a read that disagrees with the ledger, an unexpected status).

Traffic goes to loopback only; every loop is bounded in count and in time. `--quick` is a
tiny run (30 s, a kill every 12 s, 2 clients) that proves the soak still runs
(`tests/test_benchmarks_soak.py`). Exit status 1 when a change was lost, an answer was
wrong or the server could not be started.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .common import (
    DEMO_ORG_ID,
    Settings,
    access_headers,
    child_cwd,
    child_env,
    environment,
    tls_dir,
    use_measured_tree,
)
from .fixture import BANNER_URL
from .scale import percentile

DEFAULT_OUT = Path(tempfile.gettempdir()) / "umapi-mock-soak.json"
GROUPS = ("Employees", "Contractors")
USERS_PER_CLIENT = 100  # each client keeps about this many users of its own alive
GET_USER_CHECKS = 200  # the most recently acknowledged users also checked through Get User
REQUEST_TIMEOUT_S = 30.0
START_TIMEOUT_S = 180.0
MAX_REQUESTS_PER_CLIENT = 10_000_000
MAX_PAGES = 10_000

ABSENT = None  # a user's state when it is not in the org
State = tuple[str, str, bool] | None  # (firstname, lastname, in its group) or ABSENT


# ------------------------------------------------------------------ the server


class Incarnation:
    """One `python -m umapi_mock.cli serve --data-dir DIR` process; its output goes to files
    in the run's directory (a pipe nobody reads could fill and stall the server)."""

    def __init__(self, number: int, data_dir: Path, tls: Path, port: int, logs: Path):
        self.number = number
        self.logs = logs
        self.out_path = logs / f"serve-{number}.out"
        self.err_path = logs / f"serve-{number}.err"
        command = [sys.executable, "-m", "umapi_mock.cli", "serve", "--port", str(port)]
        command += ["--tls-dir", str(tls), "--data-dir", str(data_dir)]
        self.launched = time.monotonic()
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen(
                command, cwd=child_cwd(), env=child_env(), stdin=subprocess.DEVNULL, stdout=out, stderr=err
            )
        self.url = ""
        self.ready_s = 0.0
        self.ready_at = 0.0
        self.rss: list[tuple[float, float, int]] = []  # (seconds since ready, MiB, requests answered)
        self.base = 0  # the clients' answered requests before this incarnation
        self.extra = 0  # requests the verifications sent to it
        self.ended_by = ""
        self.traffic = True  # False: the last one, started only to check the data dir after SIGTERM

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_ready(self, ca: str) -> str:
        """The URL from the banner's first line, once `/status` answers 200."""
        import requests

        deadline = self.launched + START_TIMEOUT_S
        while not self.url:
            match = BANNER_URL.search(self.out_path.read_text(errors="replace"))
            if match:
                self.url = match.group(1)
                break
            self._check_alive(deadline)
            time.sleep(0.05)
        with requests.Session() as session:
            session.trust_env = False
            while True:
                try:
                    if session.get(f"{self.url}/status", verify=ca, timeout=10).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                self._check_alive(deadline)
                time.sleep(0.05)
        self.ready_at = time.monotonic()
        self.ready_s = self.ready_at - self.launched
        return self.url

    def _check_alive(self, deadline: float) -> None:
        if self.proc.poll() is not None:
            raise ServerFailed(f"serve exited with {self.proc.returncode}: {self.stderr_tail()}")
        if time.monotonic() > deadline:
            self.kill9()
            raise ServerFailed(f"serve did not answer /status within {START_TIMEOUT_S:.0f} s: {self.stderr_tail()}")

    def stderr_tail(self) -> str:
        return self.err_path.read_text(errors="replace")[-2000:].strip()

    def sample_rss(self, answered_total: int) -> None:
        """VmRSS now, beside how many requests this incarnation has answered."""
        answered = max(0, answered_total - self.base) + self.extra
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    self.rss.append((time.monotonic() - self.ready_at, int(line.split()[1]) / 1024, answered))
                    return
        except OSError:  # gone, or no /proc here: no sample
            return

    def kill9(self) -> None:
        """SIGKILL, then waitpid: when this returns the process is gone and its locks released."""
        if self.proc.poll() is None:
            os.kill(self.pid, signal.SIGKILL)
        self.proc.wait()
        self.ended_by = self.ended_by or "kill -9"

    def terminate(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.kill9()
                self.ended_by = "SIGTERM timed out, kill -9"
                return
        self.ended_by = self.ended_by or f"SIGTERM (exit {self.proc.returncode})"

    def summary(self, journal_size: int) -> dict[str, Any]:
        mib = [m for _, m, _ in self.rss]
        points = [(a, m) for a, m, _ in self.rss]
        full = [(a, m) for a, m, n in self.rss if n >= journal_size]
        out: dict[str, Any] = {
            "number": self.number,
            "pid": self.pid,
            "ready_s": round(self.ready_s, 2),
            "ended_by": self.ended_by,
            "served_traffic": self.traffic,
            "rss_samples": [[round(a, 1), round(m, 1), n] for a, m, n in self.rss],  # [age s, MiB, answered]
        }
        if mib:
            out.update(
                rss_start_mib=round(mib[0], 1),
                rss_end_mib=round(mib[-1], 1),
                rss_max_mib=round(max(mib), 1),
                rss_end_over_start=round(mib[-1] / mib[0], 3),
                rss_slope_mib_per_min=_slope_per_min(points),
                rss_settled_slope_mib_per_min=_slope_per_min(full),
                rss_settled_samples=len(full),
            )
        return out


class ServerFailed(RuntimeError):
    pass


def _slope_per_min(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of (seconds, MiB) in MiB per minute; None under 3 points."""
    if len(points) < 3:
        return None
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    var = sum((x - mx) ** 2 for x, _ in points)
    if var == 0:
        return None
    return round(60 * sum((x - mx) * (y - my) for x, y in points) / var, 3)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ------------------------------------------------------------------ the ledger


@dataclass
class Tracked:
    """One user that only one client writes: what it may look like on the server."""

    email: str
    group: str
    acked: State = ABSENT  # state after the last write answered success (ABSENT before any)
    acked_writes: int = 0
    acked_at: float = 0.0
    unanswered: list[State] = field(default_factory=list)  # sent after `acked`, no answer
    retired: bool = False  # no more writes: an unanswered one may still have landed

    def acceptable(self) -> list[State]:
        return [self.acked, *self.unanswered]


def state_of(user: dict[str, Any] | None, group: str) -> State:
    if user is None:
        return ABSENT
    return (str(user.get("firstname")), str(user.get("lastname")), group in (user.get("groups") or []))


# ------------------------------------------------------------------ the clients


@dataclass
class Shared:
    """What the harness tells the clients: where the server is, whether it is up."""

    url: str
    ca: str
    incarnation: int = 0
    down: bool = False  # set just before a kill, cleared once the new server is verified
    gate: threading.Event = field(default_factory=threading.Event)  # set: clients may send
    stop: threading.Event = field(default_factory=threading.Event)
    t0: float = 0.0


class Client(threading.Thread):
    """A closed loop of mixed requests on one keep-alive connection."""

    def __init__(self, index: int, shared: Shared, seed: int):
        super().__init__(name=f"soak-client-{index}", daemon=True)
        self.index = index
        self.shared = shared
        self.rng = random.Random(seed * 1000 + index)
        self.users: list[Tracked] = []  # every user this client ever wrote (the ledger)
        self.live: list[Tracked] = []  # acknowledged present, not retired
        self.seq = 0
        self.latencies: list[tuple[float, str, float]] = []  # (t since start, kind, seconds)
        self.errors: list[tuple[float, str]] = []
        self.examples: list[str] = []
        self.idle = threading.Event()
        self.session: Any = None
        self.session_incarnation = -1
        self.headers: dict[str, str] = {}
        self.token_refreshes = 0
        self.pages = 1

    # -- plumbing

    def _error(self, kind: str, detail: str = "") -> None:
        self.errors.append((time.monotonic() - self.shared.t0, kind))
        if detail and len(self.examples) < 10:
            self.examples.append(f"{kind}: {detail}"[:300])

    def _connect(self, fresh_token: bool = False) -> bool:
        from .driver import keep_alive_session

        if self.session is not None:
            self.session.close()
        self.session = keep_alive_session()
        self.session_incarnation = self.shared.incarnation
        if self.headers and not fresh_token:
            return True  # a token outlives a restart, as a client would keep it; a 401 renews it
        try:
            self.headers = access_headers(self.shared.url, self.shared.ca)
        except Exception as exc:  # noqa: BLE001 - counted, retried on the next request
            self._error(self._conn_kind(self.session_incarnation), f"token: {exc}")
            self.session_incarnation = -1
            return False
        return True

    def _conn_kind(self, incarnation: int) -> str:
        if self.shared.down or self.shared.incarnation != incarnation:
            return "connection_error_during_restart"  # expected: killed, or not started yet
        return "connection_error_while_up"

    def call(self, kind: str, method: str, path: str, body: Any = None) -> tuple[int, Any] | None:
        """(status, decoded JSON or None), or None when no answer came."""
        import requests

        if self.session_incarnation != self.shared.incarnation and not self._connect():
            return None
        incarnation = self.session_incarnation
        for _ in range(2):  # a second try only after a refused token
            start = time.monotonic()
            try:
                r = self.session.request(
                    method,
                    self.shared.url + path,
                    json=body,
                    headers=self.headers,
                    verify=self.shared.ca,
                    timeout=REQUEST_TIMEOUT_S,
                )
            except requests.Timeout:
                self._error("timeout", f"{method} {path}")
                return None
            except requests.RequestException as exc:
                self._error(self._conn_kind(incarnation), f"{method} {path}: {exc}")
                self.session_incarnation = -1  # reconnect next time
                return None
            elapsed = time.monotonic() - start
            if r.status_code == 401:
                self.token_refreshes += 1
                if not self._connect(fresh_token=True):
                    return None
                continue
            self.latencies.append((start - self.shared.t0, kind, elapsed))
            try:
                data = r.json()
            except ValueError:
                data = None
            return r.status_code, data
        self._error("token_refused", f"{method} {path}")
        return None

    # -- the mix

    def run(self) -> None:
        try:
            self._loop()
        except Exception as exc:  # a defect of the benchmark itself: reported, exit 1
            self._error("client_crashed", repr(exc))
        finally:
            self.idle.set()

    def _loop(self) -> None:
        for _ in range(MAX_REQUESTS_PER_CLIENT):
            if self.shared.stop.is_set():
                break
            if not self.shared.gate.is_set():
                self.idle.set()
                while not self.shared.gate.wait(0.2):
                    if self.shared.stop.is_set():
                        return
                self.idle.clear()
                continue
            roll = self.rng.random()
            if roll < 0.30:
                self.write()
            elif roll < 0.65:
                self.get_user()
            elif roll < 0.85:
                self.users_page()
            else:
                self.groups_page()

    def _next_state(self) -> tuple[str, str, bool]:
        self.seq += 1
        return (f"Soak{self.index}n{self.seq}", f"Last{self.seq}", True)

    def write(self) -> None:
        want_create = len(self.live) < USERS_PER_CLIENT and (not self.live or self.rng.random() < 0.5)
        want_remove = len(self.live) >= USERS_PER_CLIENT and self.rng.random() < 0.5
        new: State
        if want_create:
            self.seq += 1
            email = f"soak{self.index}-{self.seq}@example.com"
            user = Tracked(email=email, group=self.rng.choice(GROUPS))
            self.users.append(user)
            new = self._next_state()
            steps: list[dict[str, Any]] = [
                {
                    "createFederatedID": {
                        "email": email,
                        "country": "US",
                        "firstname": new[0],
                        "lastname": new[1],
                        "option": "updateIfAlreadyExists",
                    }
                },
                {"add": {"group": [user.group]}},
            ]
            kind = "create"
        elif want_remove:
            user = self.live[0]
            new = ABSENT
            steps = [{"removeFromOrg": {"deleteAccount": True}}]
            kind = "remove"
        else:
            user = self.rng.choice(self.live)
            new = self._next_state()
            steps = [{"update": {"firstname": new[0], "lastname": new[1]}}]
            kind = "update"
        answer = self.call(
            kind, "POST", f"/v2/usermanagement/action/{DEMO_ORG_ID}", [{"user": user.email, "do": steps}]
        )
        ok = answer is not None and answer[0] == 200 and isinstance(answer[1], dict)
        if ok and answer is not None and answer[1].get("result") == "success":
            user.acked, user.acked_writes, user.acked_at = new, user.acked_writes + 1, time.monotonic()
            if kind == "create":
                self.live.append(user)
            elif kind == "remove":
                self.live.remove(user)
                user.retired = True
            return
        # No success: it may still have been committed (a kill mid-request, a 503 after the
        # commit failed halfway): either state is possible from now on, so stop writing it.
        user.unanswered.append(new)
        user.retired = True
        if user in self.live:
            self.live.remove(user)
        if answer is not None:
            status, data = answer
            self._error("write_unavailable" if status in (503, 507) else "write_not_success", f"{kind} {status} {data}")

    def get_user(self) -> None:
        if not self.live:
            return self.users_page()
        user = self.rng.choice(self.live)
        answer = self.call("get_user", "GET", f"/v2/usermanagement/organizations/{DEMO_ORG_ID}/users/{user.email}")
        if answer is None:
            return None
        status, data = answer
        if status == 404:
            seen = ABSENT
        elif status == 200 and isinstance(data, dict) and isinstance(data.get("user"), dict):
            seen = state_of(data["user"], user.group)
        else:
            return self._error("wrong_status", f"get_user {status} {data}")
        if user in self.live and seen not in user.acceptable():  # still live: nothing else wrote it
            self._error("wrong_read", f"{user.email}: saw {seen}, acknowledged {user.acked}")
        return None

    def users_page(self) -> None:
        page = self.rng.randrange(self.pages)
        answer = self.call("users_page", "GET", f"/v2/usermanagement/users/{DEMO_ORG_ID}/{page}")
        if answer is None:
            return
        status, data = answer
        if status != 200 or not isinstance(data, dict) or not isinstance(data.get("users"), list):
            self._error("wrong_status", f"users page {page}: {status}")
        elif not data.get("lastPage"):
            self.pages = max(self.pages, page + 2)

    def groups_page(self) -> None:
        answer = self.call("groups_page", "GET", f"/v2/usermanagement/groups/{DEMO_ORG_ID}/0")
        if answer is not None and (answer[0] != 200 or not isinstance(answer[1], dict)):
            self._error("wrong_status", f"groups page: {answer[0]}")


# ------------------------------------------------------------------ verification


def verify(url: str, ca: str, ledger: list[Tracked], label: str, at: float) -> dict[str, Any]:
    """Every ledger user on the users pages; the most recent and the uncertain ones through
    Get User too. Clients are paused (or stopped), so the ledger holds still."""
    import requests

    headers = access_headers(url, ca)
    listed: dict[str, dict[str, Any]] = {}
    pages = 0
    with requests.Session() as session:
        session.trust_env = False
        for page in range(MAX_PAGES):
            r = session.get(
                f"{url}/v2/usermanagement/users/{DEMO_ORG_ID}/{page}", headers=headers, verify=ca, timeout=120
            )
            r.raise_for_status()
            body = r.json()
            pages += 1
            for user in body["users"]:
                listed[str(user["email"]).lower()] = user
            if body.get("lastPage", True):
                break
        lost: dict[int, str] = {}  # per ledger user (its id), the first mismatch seen
        unexpected: dict[int, str] = {}

        def check(user: Tracked, seen: State, via: str) -> None:
            if seen in user.acceptable():
                return
            line = f"{via} {user.email}: saw {seen}, acknowledged {user.acked}, unanswered {user.unanswered}"
            # an acknowledged change not found is lost, whatever is there instead; a user with
            # only unanswered writes in a state none of them set is unexplained
            (lost if user.acked_writes else unexpected).setdefault(id(user), line)

        for user in ledger:
            check(user, state_of(listed.get(user.email.lower()), user.group), "users page")
        recent = sorted((u for u in ledger if u.acked_writes), key=lambda u: u.acked_at)[-GET_USER_CHECKS:]
        uncertain = [u for u in ledger if u.unanswered]
        get_user_checks = 0
        for user in {id(u): u for u in recent + uncertain}.values():
            r = session.get(
                f"{url}/v2/usermanagement/organizations/{DEMO_ORG_ID}/users/{user.email}",
                headers=headers,
                verify=ca,
                timeout=60,
            )
            if r.status_code == 404:
                check(user, ABSENT, "Get User")
            elif r.status_code == 200:
                check(user, state_of(r.json()["user"], user.group), "Get User")
            else:
                unexpected.setdefault(id(user), f"Get User {user.email}: status {r.status_code}")
            get_user_checks += 1
    return {
        "label": label,
        "at_s": round(at, 1),
        "users_listed": len(listed),
        "pages": pages,
        "ledger_users": len(ledger),
        "acknowledged_users": sum(1 for u in ledger if u.acked_writes),
        "acknowledged_writes": sum(u.acked_writes for u in ledger),
        "uncertain_users": len(uncertain),
        "get_user_checks": get_user_checks,
        "requests": 1 + pages + get_user_checks,  # token, pages, Get Users
        "lost": len(lost),
        "unexpected": len(unexpected),
        "examples": [*lost.values(), *unexpected.values()][:10],
    }


# ------------------------------------------------------------------ the run


@dataclass
class Plan:
    minutes: float
    kill_every: float
    clients: int
    sample_every: float
    window: float
    seed: int


def soak(plan: Plan, work: Path) -> dict[str, Any]:
    tls = tls_dir(Settings(quick=True, runs=1, work_dir=work))
    ca = str(tls / "ca.pem")
    data_dir = work / "data"
    logs = work / "logs"
    logs.mkdir()
    incarnations: list[Incarnation] = []
    verifications: list[dict[str, Any]] = []
    kills: list[dict[str, Any]] = []
    clients: list[Client] = []

    def answered() -> int:
        return sum(len(c.latencies) for c in clients)

    def start(port: int) -> Incarnation:
        inc = Incarnation(len(incarnations), data_dir, tls, port, logs)
        incarnations.append(inc)
        inc.base = answered()  # the clients wait while a server starts
        inc.wait_ready(ca)
        inc.sample_rss(answered())
        return inc

    def check(inc: Incarnation, label: str, at: float) -> None:
        verification = verify(inc.url, ca, [u for c in clients for u in c.users], label, at)
        inc.extra += verification["requests"]
        verifications.append(verification)

    current = start(0)  # the first start seeds the demo org into the data dir
    port = int(current.url.rsplit(":", 1)[1])
    failure = ""

    def restart() -> Incarnation:
        """A new server on the same data dir and, if it is still free, the same port."""
        try:
            return start(port)
        except ServerFailed as exc:
            if "in use" not in str(exc).lower() and "address" not in str(exc).lower():
                raise
            return start(0)  # the port was taken meanwhile: any free one will do

    shared = Shared(url=current.url, ca=ca)
    clients += [Client(i, shared, plan.seed) for i in range(plan.clients)]
    shared.t0 = time.monotonic()
    end = shared.t0 + plan.minutes * 60
    next_kill = shared.t0 + plan.kill_every * 60
    next_sample = shared.t0 + plan.sample_every
    shared.gate.set()
    for c in clients:
        c.start()
    try:
        while time.monotonic() < end:
            now = time.monotonic()
            if now >= next_sample:
                current.sample_rss(answered())
                next_sample += plan.sample_every
            if now >= next_kill:
                current.sample_rss(answered())
                shared.down = True
                killed_at = time.monotonic() - shared.t0
                current.kill9()  # requests in flight die with it
                shared.gate.clear()
                for c in clients:  # each finishes the request the kill broke, then waits
                    c.idle.wait(REQUEST_TIMEOUT_S + 10)
                current = restart()
                shared.url = current.url
                shared.incarnation = current.number
                check(current, f"after kill -9 #{len(kills) + 1}", now - shared.t0)
                kills.append(
                    {
                        "at_s": round(killed_at, 1),
                        "restart_ready_s": round(current.ready_s, 2),
                        "paused_s": round(time.monotonic() - shared.t0 - killed_at, 2),
                    }
                )
                shared.down = False
                shared.gate.set()
                next_kill += plan.kill_every * 60
                next_kill = max(next_kill, time.monotonic() + 1)
                next_sample = time.monotonic() + plan.sample_every
                continue
            time.sleep(max(0.01, min(next_sample, next_kill, end) - time.monotonic()))
        traffic_s = time.monotonic() - shared.t0
        shared.stop.set()
        shared.gate.set()
        for c in clients:
            c.join(REQUEST_TIMEOUT_S + 10)
        current.sample_rss(answered())
        check(current, "end, live", traffic_s)
        current.terminate()
        current = restart()
        current.traffic = False
        check(current, "end, after SIGTERM and restart", traffic_s)
        current.terminate()
    except ServerFailed as exc:  # e.g. the data dir refused after a kill: reported, exit 1
        failure = str(exc)
        traffic_s = time.monotonic() - shared.t0
    finally:
        shared.stop.set()
        shared.gate.set()
        for inc in incarnations:
            if inc.proc.poll() is None:
                inc.kill9()
                inc.ended_by = "cleanup"
        for c in clients:
            c.join(REQUEST_TIMEOUT_S + 10)
    result = report(plan, traffic_s, clients, incarnations, verifications, kills)
    result["server_failed"] = failure
    return result


def report(
    plan: Plan,
    traffic_s: float,
    clients: list[Client],
    incarnations: list[Incarnation],
    verifications: list[dict[str, Any]],
    kills: list[dict[str, Any]],
) -> dict[str, Any]:
    window_s = plan.window * 60
    latencies = [x for c in clients for x in c.latencies]
    errors = [x for c in clients for x in c.errors]
    windows: list[dict[str, Any]] = []
    count = max(1, round(traffic_s / window_s))  # a last sliver joins the window before it
    for w in range(count):
        lo, hi = w * window_s, (w + 1) * window_s if w < count - 1 else float("inf")
        seen = [s for t, _, s in latencies if lo <= t < hi]
        writes = [s for t, k, s in latencies if lo <= t < hi and k in ("create", "update", "remove")]
        windows.append(
            {
                "from_min": round(lo / 60, 2),
                "to_min": round(min(hi, traffic_s) / 60, 2),
                "requests": len(seen),
                "p50_ms": round(1000 * percentile(seen, 50), 2) if seen else None,
                "p99_ms": round(1000 * percentile(seen, 99), 2) if seen else None,
                "write_p99_ms": round(1000 * percentile(writes, 99), 2) if writes else None,
                "errors": dict(Counter(k for t, k in errors if lo <= t < hi)),
            }
        )
    p99s = [w["p99_ms"] for w in windows if w["p99_ms"]]
    from umapi_mock.config import Config

    journal_size = Config().journal_size
    served = [i.summary(journal_size) for i in incarnations]
    rss = [m for i in incarnations if i.traffic for _, m, _ in i.rss]
    traffic = [s for s in served if s["served_traffic"]]
    wrong = {
        "write_not_success",
        "wrong_read",
        "wrong_status",
        "connection_error_while_up",
        "token_refused",
        "client_crashed",
    }
    error_counts = Counter(k for _, k in errors)
    lost = sum(v["lost"] for v in verifications)
    unexpected = sum(v["unexpected"] for v in verifications)
    ledger = [u for c in clients for u in c.users]
    return {
        "generated_by": "python -m benchmarks.soak",
        "plan": plan.__dict__,
        "environment": environment(),
        "traffic_s": round(traffic_s, 1),
        "kills": len(kills),
        "kill_log": kills,
        "requests": len(latencies),
        "requests_by_kind": dict(Counter(k for _, k, _ in latencies)),
        "acknowledged_writes": sum(u.acked_writes for u in ledger),
        "acknowledged_users": sum(1 for u in ledger if u.acked_writes),
        "unanswered_writes": sum(len(u.unanswered) for u in ledger),
        "lost_acknowledged": lost,
        "unexpected_states": unexpected,
        "wrong_answers": sum(error_counts[k] for k in wrong),
        "errors": dict(error_counts),
        "error_examples": [e for c in clients for e in c.examples][:20],
        "token_refreshes": sum(c.token_refreshes for c in clients),
        "verifications": verifications,
        "windows": windows,
        "p99_max_over_min": round(max(p99s) / min(p99s), 2) if p99s else None,
        "rss": {
            "start_mib": round(rss[0], 1) if rss else None,
            "end_mib": round(rss[-1], 1) if rss else None,
            "max_mib": round(max(rss), 1) if rss else None,
            "of": "the incarnations that served traffic, in order",
            "end_over_start_per_incarnation": [s.get("rss_end_over_start") for s in traffic],
            "end_mib_per_incarnation": [s.get("rss_end_mib") for s in traffic],
            "slope_mib_per_min_per_incarnation": [s.get("rss_slope_mib_per_min") for s in traffic],
            "settled_slope_mib_per_min_per_incarnation": [s.get("rss_settled_slope_mib_per_min") for s in traffic],
        },
        "incarnations": served,
    }


def print_report(r: dict[str, Any]) -> None:
    print(
        f"soak: {r['traffic_s'] / 60:.1f} min, {r['kills']} kill -9, {r['requests']:,} answered requests "
        f"{r['requests_by_kind']}"
    )
    print(
        f"  acknowledged writes {r['acknowledged_writes']:,} on {r['acknowledged_users']:,} users, "
        f"unanswered {r['unanswered_writes']}: LOST {r['lost_acknowledged']}, unexpected states "
        f"{r['unexpected_states']}, wrong answers {r['wrong_answers']}"
    )
    for v in r["verifications"]:
        print(
            f"  verified {v['label']}: {v['acknowledged_users']} users ({v['users_listed']} listed, "
            f"{v['get_user_checks']} Get User), lost {v['lost']}, unexpected {v['unexpected']}"
        )
    print(f"  errors by kind: {r['errors'] or 'none'}; token refreshes {r['token_refreshes']}")
    for w in r["windows"]:
        print(
            f"  window {w['from_min']:.1f}-{w['to_min']:.1f} min: {w['requests']:,} requests, p50 {w['p50_ms']} ms,"
            f" p99 {w['p99_ms']} ms (writes {w['write_p99_ms']} ms), errors {w['errors'] or 'none'}"
        )
    for s in r["incarnations"]:
        print(
            f"  server #{s['number']} (ready in {s['ready_s']} s, ended by {s['ended_by']}"
            f"{'' if s['served_traffic'] else ', data-dir check only'}): RSS start "
            f"{s.get('rss_start_mib')} MiB, end {s.get('rss_end_mib')}, max {s.get('rss_max_mib')}, end/start "
            f"{s.get('rss_end_over_start')}, slope {s.get('rss_slope_mib_per_min')} MiB/min (journal ring full: "
            f"{s.get('rss_settled_slope_mib_per_min')} over {s.get('rss_settled_samples')} samples)"
        )
    print(f"  p99 max/min over windows: {r['p99_max_over_min']}")
    for e in r["error_examples"][:5]:
        print(f"    e.g. {e}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak", description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, help="traffic time (default 30; --quick 0.5)")
    parser.add_argument("--kill-every", type=float, help="minutes between kill -9s (default 5; --quick 0.2)")
    parser.add_argument("--clients", type=int, help="client threads, one connection each (default 4; --quick 2)")
    parser.add_argument("--sample-every", type=float, help="seconds between RSS samples (default 60; --quick 2)")
    parser.add_argument("--window", type=float, help="latency window in minutes (default 5; --quick: --kill-every)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the clients' random mix")
    parser.add_argument("--quick", action="store_true", help="a tiny run that proves the soak runs")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"results file (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    quick = args.quick
    kill_every = args.kill_every or (0.2 if quick else 5.0)
    plan = Plan(
        minutes=args.minutes or (0.5 if quick else 30.0),
        kill_every=kill_every,
        clients=args.clients or (2 if quick else 4),
        sample_every=args.sample_every or (2.0 if quick else 60.0),
        window=args.window or (kill_every if quick else 5.0),
        seed=args.seed,
    )
    if plan.minutes <= 0 or plan.kill_every <= 0 or plan.clients < 1 or plan.sample_every <= 0 or plan.window <= 0:
        parser.error("--minutes, --kill-every, --sample-every and --window must be > 0, --clients >= 1")
    use_measured_tree()
    print(
        f"umapi-mock soak: {plan.minutes} min, kill -9 every {plan.kill_every} min, {plan.clients} clients",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="umapi-mock-soak-") as tmp:
        try:
            result = soak(plan, Path(tmp))
        except ServerFailed as exc:
            print(f"soak: the server could not be started: {exc}", file=sys.stderr)
            return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print_report(result)
    print(f"wrote {args.out}")
    if result["server_failed"]:
        print(f"soak: the server could not be restarted: {result['server_failed']}", file=sys.stderr)
    failed = result["server_failed"] or result["lost_acknowledged"] or result["unexpected_states"]
    return 1 if failed or result["wrong_answers"] else 0


if __name__ == "__main__":
    sys.exit(main())
