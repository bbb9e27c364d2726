"""Figure: action requests of 10 entries × 10 steps, in process (Flask test client).

Each request has ten user entries of ten steps each (a create with
`ignoreIfAlreadyExists`, updates, and group adds and removes that leave the memberships as
they found them), against the demo org, so every request does the same work. Requests
cycle over a few hundred users. The figure is requests per second over a run, median over
runs; every answer must be a 200 whose `result` is `success`.
"""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Callable
from typing import Any

from .common import DEMO_ORG_ID, Figure, Settings, client_headers, median

TARGET_RPS = 500.0
ENTRIES = 10
STEPS = 10
ACTION_PATH = f"/v2/usermanagement/action/{DEMO_ORG_ID}"


def entry(email: str, first: str, last: str, groups: list[str], profile: str, n: int) -> dict[str, Any]:
    g1, g2 = groups
    steps: list[dict[str, Any]] = [
        {
            "createFederatedID": {
                "email": email,
                "country": "US",
                "firstname": first,
                "lastname": last,
                "option": "ignoreIfAlreadyExists",
            }
        },
        {"update": {"firstname": f"Bench{n}"}},
        {"add": {"group": [g1, g2]}},
        {"remove": {"group": [g1]}},
        {"add": {"group": [profile]}},
        {"update": {"lastname": f"Mark{n}"}},
        {"remove": {"group": [g2]}},
        {"add": {"group": [g1]}},
        {"remove": {"group": [g1, profile]}},
        {"update": {"firstname": first, "lastname": last}},
    ]
    assert len(steps) == STEPS
    return {"user": email, "requestID": f"bench-{n}", "do": steps}


class CollectorPauses:
    """While entered: how many cyclic collections of each generation ran, and the longest."""

    def __init__(self) -> None:
        self.counts = [0, 0, 0]
        self.longest = 0.0
        self._started = 0.0

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.counts[info["generation"]] += 1
            self.longest = max(self.longest, time.perf_counter() - self._started)

    def __enter__(self) -> CollectorPauses:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)


def has_action_route(app: Any) -> bool:
    return any(rule.rule.startswith("/v2/usermanagement/action/") for rule in app.url_map.iter_rules())


def action_bodies(org: Any, count: int = 40) -> list[str]:
    """Up to `count` request bodies of ENTRIES entries × STEPS steps over the org's users."""
    from umapi_mock.domain.models import FEDERATED_ID, PRODUCT_PROFILE, USER_GROUP

    user_groups = sorted(g.name for g in org.groups.values() if g.type == USER_GROUP and not g.read_only)[:2]
    profile = sorted(g.name for g in org.groups.values() if g.type == PRODUCT_PROFILE and g.quota is None)[0]
    fed = [
        u for u in org.users.values() if u.type == FEDERATED_ID and u.status == "active" and u.firstname and u.lastname
    ]
    fed = fed[: count * ENTRIES]
    bodies = []
    for r in range(len(fed) // ENTRIES):
        chunk = fed[r * ENTRIES : (r + 1) * ENTRIES]
        bodies.append(
            json.dumps(
                [
                    entry(u.email, u.firstname, u.lastname, user_groups, profile, r * ENTRIES + i)
                    for i, u in enumerate(chunk)
                ]
            )
        )
    return bodies


def poster(app: Any) -> Callable[[str], dict[str, Any]]:
    """`post(body)` through the app's test client with a fresh token; raises unless every
    entry succeeded."""
    client = app.test_client()
    headers = {**client_headers(client), "Content-Type": "application/json"}

    def post(body: str) -> dict[str, Any]:
        r = client.post(ACTION_PATH, data=body, headers=headers)
        report = r.get_json()
        if r.status_code != 200 or report.get("result") != "success" or report.get("completed") != ENTRIES:
            raise RuntimeError(f"action request failed: HTTP {r.status_code} {json.dumps(report)[:600]}")
        return report  # type: ignore[no-any-return]

    return post


def run(settings: Settings) -> list[Figure]:
    from umapi_mock.config import Config
    from umapi_mock.http.app import create_app
    from umapi_mock.http.context import emulator_of

    app = create_app(Config())
    title = f"action requests of {ENTRIES} entries × {STEPS} steps, in process (Flask test client)"
    if not has_action_route(app):
        return [
            Figure(
                "action_throughput",
                title,
                0.0,
                TARGET_RPS,
                "req/s",
                ">=",
                note="the action route (POST /v2/usermanagement/action/{orgId}) does not exist yet",
            )
        ]
    org = emulator_of(app).org()
    bodies = action_bodies(org)
    post = poster(app)
    requests_per_run = 400 if settings.full else 10

    for body in bodies[:3]:  # warm-up, and proof the requests are valid
        post(body)
    rates: list[float] = []
    cpu_rates: list[float] = []
    pauses = CollectorPauses()
    with pauses:
        for _ in range(settings.runs):
            start, cpu_start = time.perf_counter(), time.process_time()
            for i in range(requests_per_run):
                post(bodies[i % len(bodies)])
            rates.append(requests_per_run / (time.perf_counter() - start))
            cpu_rates.append(requests_per_run / max(time.process_time() - cpu_start, 1e-9))
    return [
        Figure(
            name="action_throughput",
            title=title,
            measured=median(rates),
            target=TARGET_RPS,
            unit="req/s",
            direction=">=",
            runs=[round(r, 1) for r in rates],
            details={
                "requests_per_cpu_second_median": round(median(cpu_rates), 1),
                "requests_per_run": requests_per_run,
                "steps_per_request": ENTRIES * STEPS,
                "request_bytes": len(bodies[0]),
                "org_users": len(org.users),
                "collections_per_100_requests_by_generation": [
                    round(100 * n / (requests_per_run * settings.runs), 1) for n in pauses.counts
                ],
                "longest_collection_ms": round(pauses.longest * 1000, 3),
            },
        )
    ]
