"""(d) Concurrent action requests end in a state a serial order produces.

Eight threads each send 200 random entries (in batches of 1-10) through their own
in-process client. Each thread owns its users and user groups and shares a few groups
with the others, but only ever changes its *own* users' memberships in them, so any two
threads' requests commute: every serial order gives the same final state and the same
per-request reports. The test replays each thread's requests, thread after thread, on a
fresh copy of the org, and checks that every concurrent report and the final state match.
A lost update, a torn step or a non-atomic request would make them differ.
"""

from __future__ import annotations

import random
import threading
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.actions.conftest import Api, make_app
from tests.actions.helpers import check_report, org_state
from umapi_mock.domain.commands import run_actions
from umapi_mock.http.wire.actions import render_report
from umapi_mock.world import build_backend

ORG = "ACC0000000000000000000C1@AdobeOrg"
THREADS = 8
ENTRIES_PER_THREAD = 200
SHARED = ["Shared One", "Shared Two", "Team Profile", "_admin_Shared One"]

SEED: dict[str, Any] = {
    "orgs": [
        {
            "id": ORG,
            "domains": [{"name": "c.example", "type": "federated"}],
            "credentials": [{"client_id": f"client-{t}", "client_secret": f"secret-{t}"} for t in range(THREADS)],
            "products": [{"name": "Product", "profiles": [{"name": "Team Profile", "quota": 3}]}],
            "groups": [{"name": "Shared One"}, {"name": "Shared Two", "profiles": ["Team Profile"]}],
        }
    ]
}

# Fewer examples than the profile's: each one sends ~300 requests from 8 threads.
EXAMPLES = max(2, settings().max_examples // 10)


def program(rng: random.Random, t: int) -> list[tuple[list[dict[str, Any]], bool]]:
    """Thread t's requests: (entries, testOnly)."""
    users = [f"t{t}u{k}@c.example" for k in range(4)]
    own = [f"T{t} Group {k}" for k in range(2)]
    groups = SHARED + own + [f"_admin_{own[0]}"]

    def user_entry() -> dict[str, Any]:
        u = rng.choice(users)
        kind = rng.randrange(7)
        if kind == 0:
            params: dict[str, Any] = {"email": u, "firstname": "F", "lastname": "L", "country": "US"}
            option = rng.choice([None, "ignoreIfAlreadyExists", "updateIfAlreadyExists"])
            if option:
                params["option"] = option
            steps: list[dict[str, Any]] = [{"createFederatedID": params}]
            if rng.random() < 0.5:
                steps.append({"add": {"group": rng.sample(groups, rng.randint(1, 3))}})
            return {"user": u, "do": steps}
        if kind == 1:
            return {"user": u, "do": [{"update": {"firstname": rng.choice(["A", "B", "C"])}}]}
        if kind in (2, 3):
            step = rng.choice(["add", "remove"])
            return {"user": u, "do": [{step: {"group": rng.sample(groups, rng.randint(1, 3))}}]}
        if kind == 4:
            return {"user": u, "do": [{"remove": "all"}]}
        if kind == 5:
            return {"user": u, "do": [{"removeFromOrg": {"deleteAccount": rng.random() < 0.5}}]}
        return {
            "user": u,
            "do": [{"add": {"group": [rng.choice(groups)]}}, {"remove": {"group": [rng.choice(groups)]}}],
        }

    def group_entry() -> dict[str, Any]:
        kind = rng.randrange(6)
        if kind == 0:  # a shared group: only this thread's users
            step = rng.choice(["add", "remove"])
            return {"usergroup": rng.choice(SHARED[:2]), "do": [{step: {"user": rng.sample(users, rng.randint(1, 2))}}]}
        g = rng.choice(own)
        if kind == 1:
            return {
                "usergroup": g,
                "do": [
                    {"createUserGroup": {"option": "ignoreIfAlreadyExists"}},
                    {"add": {"user": rng.sample(users, 2), "productConfiguration": ["Team Profile"]}},
                ],
            }
        if kind == 2:
            return {"usergroup": g, "do": [{"createUserGroup": {"description": "d"}}]}
        if kind == 3:
            return {"usergroup": g, "do": [{"updateUserGroup": {"description": rng.choice(["x", "y"])}}]}
        if kind == 4:
            return {
                "usergroup": g,
                "do": [{"remove": {"user": rng.sample(users, 1), "productConfiguration": ["Team Profile"]}}],
            }
        return {"usergroup": g, "do": [{"deleteUserGroup": {}}]}

    entries = [user_entry() if rng.random() < 0.65 else group_entry() for _ in range(ENTRIES_PER_THREAD)]
    requests: list[tuple[list[dict[str, Any]], bool]] = []
    while entries:
        size = rng.randint(1, 10)
        requests.append((entries[:size], rng.random() < 0.1))
        entries = entries[size:]
    return requests


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1))
def test_concurrent_requests_serialise(seed: int) -> None:
    app = make_app(SEED)
    apis = [Api(app, ORG, f"client-{t}", f"secret-{t}") for t in range(THREADS)]
    programs = [program(random.Random(seed * THREADS + t), t) for t in range(THREADS)]
    answers: list[list[dict[str, Any]]] = [[] for _ in range(THREADS)]
    failures: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def worker(t: int) -> None:
        try:
            start.wait()
            for body, test in programs[t]:
                answers[t].append(apis[t].act(body, test=test))
        except BaseException as exc:  # reported below; a thread must not die silently
            failures.append(exc)

    done = threading.Event()
    read_statuses: list[int] = []

    def reader() -> None:  # reads interleaved with the writes must never fail
        paths = [
            f"/v2/usermanagement/users/{ORG}/0",
            f"/v2/usermanagement/groups/{ORG}/0",
            f"/v2/usermanagement/organizations/{ORG}/users/t1u1@c.example",
            f"/v2/usermanagement/users/{ORG}/0/Shared One",
            f"/v2/usermanagement/users/{ORG}/0/Team Profile",
        ]
        while not done.is_set():
            for path in paths:
                read_statuses.append(reader_api.client.get(path, headers=reader_api.headers).status_code)

    reader_api = Api(app, ORG, "client-0", "secret-0")
    threads = [threading.Thread(target=worker, args=(t,)) for t in range(THREADS)]
    watcher = threading.Thread(target=reader)
    watcher.start()
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    done.set()
    watcher.join(timeout=60)
    assert not failures, failures
    assert read_statuses and set(read_statuses) <= {200, 404}, sorted(set(read_statuses))
    assert all(len(answers[t]) == len(programs[t]) for t in range(THREADS))

    serial = build_backend(SEED).org(ORG)
    for t in range(THREADS):
        for (body, test), got in zip(programs[t], answers[t]):
            check_report(got, body, test_mode=test)
            assert got == render_report(run_actions(serial, body, test_mode=test)), (t, body)
    assert org_state(apis[0].org) == org_state(serial)
