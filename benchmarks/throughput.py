"""Figures over HTTPS with 4 keep-alive connections, all measured side by side in each run:

* `users_page_throughput`: repeated GET of a full users page (2000 users) as clients send
  it (`requests`' default `Accept-Encoding: gzip, deflate`) ÷ a Flask hello-world GET;
* `compressed_page_speedup`: the same page with gzip accepted ÷ with compression off
  (`Accept-Encoding: identity`), same emulator;
* `nginx_page_ratio`: the gzip page ÷ nginx serving the page's identity bytes over TLS
  (skipped, saying so, when nginx is not installed);

  these two are about what the server does per byte, so they are driven by the lean
  `http.client` driver (the role wrk played in the issue): `requests` spends ~0.45 ms of
  client CPU per request on this 2-core machine, which would dominate the figure. The same
  ratios with the `requests` driver are details;
* `action_https_throughput`: action requests of 10 entries × 10 steps ÷ a hello-world POST
  of the same bodies.

Both Python servers are child processes (`benchmarks.serve_child`) on `umapi_mock.server.
ServedEmulator` over HTTPS (`umapi_mock.tls.ensure_tls`); nginx is started by
`benchmarks.nginx` with the same certificate. The client is `benchmarks.driver.run_load`.
Each run measures every load in turn, in slices (three of one second each in a full run)
that take turns, so loads compared in a ratio see the same machine; a figure is the median
over runs of its ratio.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from typing import Any

import requests

from . import nginx
from .actions import ENTRIES, STEPS, action_bodies
from .common import DEMO_ORG_ID, Figure, ServerProcess, Settings, access_headers, median, tls_dir
from .driver import LoadResult, run_load

TARGET = 0.7
GZIP_TARGET = 2.0
NGINX_TARGET = 1.0
ACTION_TARGET = 0.25
PAGE_SIZE = 2000
CONNECTIONS = 4
SERVER = "umapi_mock.server.ServedEmulator (werkzeug threaded server, keep-alive handler), HTTPS, child process"
CLIENT = "benchmarks.driver: threaded requests.Session driver, keep-alive, one connection per thread"
LEAN_CLIENT = "benchmarks.driver: threaded http.client driver (LeanSession), keep-alive, one connection per thread"


def _action_succeeded(body: bytes) -> bool:
    return b'"result":"success"' in body


def run(settings: Settings) -> list[Figure]:
    from umapi_mock.config import Config
    from umapi_mock.http.app import create_app
    from umapi_mock.http.context import emulator_of
    from umapi_mock.tls import ensure_tls

    tls_path = tls_dir(settings)
    tls = str(tls_path)
    duration = 3.0 if settings.full else 0.4
    slices = 3 if settings.full else 1  # each run's loads take turns in slices: the machine's load shifts
    warmup = 0.2 if settings.full else 0.1
    # the demo org the emulator child seeds, built here too to address its users
    bodies = [b.encode() for b in action_bodies(emulator_of(create_app(Config())).org())]
    loads: dict[str, list[LoadResult]] = {}
    with (
        ServerProcess("hello", "--tls-dir", tls) as hello,
        ServerProcess("emulator", "--tls-dir", tls, "--users-page-size", str(PAGE_SIZE)) as emu,
    ):
        ca = str(emu.info["ca"])
        headers = access_headers(emu.url, ca)
        users_url = f"{emu.url}/v2/usermanagement/users/{DEMO_ORG_ID}/0"
        with requests.Session() as s:
            s.trust_env = False
            r = s.get(users_url, headers={**headers, "Accept-Encoding": "identity"}, verify=ca, timeout=60)
            r.raise_for_status()
            identity = r.content
            page = json.loads(identity)
            g = s.get(users_url, headers=headers, verify=ca, timeout=60, stream=True)
            gzip_bytes = len(g.raw.read(decode_content=False))
            encoding = g.headers.get("Content-Encoding")
            hash_ms = _sha256_ms(identity)
        if len(page["users"]) != PAGE_SIZE:
            raise RuntimeError(f"the users page has {len(page['users'])} users, not {PAGE_SIZE}")
        plain = {**headers, "Accept-Encoding": "identity"}
        accept_gzip = {**headers, "Accept-Encoding": "gzip, deflate"}  # what requests sends
        action_url = f"{emu.url}/v2/usermanagement/action/{DEMO_ORG_ID}"
        action_headers = {**headers, "Content-Type": "application/json"}
        server: nginx.Nginx | None = None
        skipped = "" if nginx.installed() else "nginx is not installed (apt-get install nginx)"
        if not skipped:
            server = nginx.Nginx(settings.work_dir / "nginx", ensure_tls(tls_path), {"page.json": identity}).start()
        common: dict[str, Any] = {"connections": CONNECTIONS, "duration": duration / slices, "warmup": warmup}
        try:
            measures: dict[str, Callable[[], LoadResult]] = {
                "hello_get": lambda: run_load(hello.url + "/", verify=ca, **common),
                "users_default": lambda: run_load(users_url, headers=headers, verify=ca, **common),
                "users_identity": lambda: run_load(users_url, headers=plain, verify=ca, **common),
                "lean_gzip": lambda: run_load(users_url, headers=accept_gzip, verify=ca, lean=True, **common),
                "lean_identity": lambda: run_load(users_url, headers=plain, verify=ca, lean=True, **common),
                "hello_post": lambda: run_load(hello.url + "/", verify=ca, bodies=bodies, **common),
                "actions": lambda: run_load(
                    action_url, headers=action_headers, verify=ca, bodies=bodies, check=_action_succeeded, **common
                ),
            }
            if server is not None:
                measures["nginx_identity"] = lambda: run_load(
                    server.url + "/page.json", headers=plain, verify=ca, lean=True, **common
                )
                measures["nginx_identity_requests"] = lambda: run_load(server.url + "/page.json", verify=ca, **common)
            for _ in range(settings.runs):
                parts: dict[str, list[LoadResult]] = {name: [] for name in measures}
                for _ in range(slices):
                    for name, measure in measures.items():
                        parts[name].append(measure())
                for name, done in parts.items():
                    loads.setdefault(name, []).append(_combined(done))
        finally:
            if server is not None:
                server.stop()

    def rps(name: str) -> list[float]:
        return [x.rps for x in loads.get(name, [])]

    def ratios(top: str, bottom: str) -> list[float]:
        return [a / b if b else 0.0 for a, b in zip(rps(top), rps(bottom), strict=True)]

    def rounded(values: list[float], digits: int = 1) -> list[float]:
        return [round(v, digits) for v in values]

    errors = {name: sum(x.errors for x in runs) for name, runs in loads.items()}
    shared = {
        "connections": CONNECTIONS,
        "seconds_per_run": duration,
        "slices_per_run": slices,
        "server": SERVER,
        "client": CLIENT,
    }
    page_ratio = median(ratios("users_default", "hello_get"))
    note = ""
    if page_ratio < TARGET:
        note = (
            f"per-byte costs of a {gzip_bytes // 1024} KiB body that hello world does not pay: TLS encryption "
            f"and decryption of ~{gzip_bytes // 16384 + 1} records and their socket calls on both sides; "
            f"client and server share {os.cpu_count()} CPUs"
        )
    figures = [
        Figure(
            name="users_page_throughput",
            title=f"GET users page ({PAGE_SIZE} users, {len(identity) / 1024:.0f} KiB) req/s ÷ Flask hello-world req/s",
            measured=page_ratio,
            target=TARGET,
            unit="×",
            direction=">=",
            note=note,
            runs=[round(r, 4) for r in ratios("users_default", "hello_get")],
            details={
                "accept_encoding": "gzip, deflate (requests' default, as the official client sends)",
                "content_encoding": encoding,
                "users_page_rps_median": round(median(rps("users_default")), 1),
                "hello_world_rps_median": round(median(rps("hello_get")), 1),
                "users_page_rps_runs": rounded(rps("users_default")),
                "hello_world_rps_runs": rounded(rps("hello_get")),
                "body_bytes": len(identity),
                "sent_bytes": gzip_bytes,
                "sha256_of_the_body_ms": round(hash_ms, 3),
                "errors": errors["users_default"] + errors["hello_get"],
                **shared,
            },
        ),
        Figure(
            name="compressed_page_speedup",
            title=f"GET users page ({PAGE_SIZE} users) req/s, gzip accepted ÷ compression off, same emulator",
            measured=median(ratios("lean_gzip", "lean_identity")),
            target=GZIP_TARGET,
            unit="×",
            direction=">=",
            runs=[round(r, 4) for r in ratios("lean_gzip", "lean_identity")],
            details={
                "gzip_rps_runs": rounded(rps("lean_gzip")),
                "identity_rps_runs": rounded(rps("lean_identity")),
                "identity_bytes": len(identity),
                "gzip_bytes": gzip_bytes,
                "with_the_requests_driver": round(median(ratios("users_default", "users_identity")), 4),
                "errors": errors["lean_gzip"] + errors["lean_identity"],
                **shared,
                "client": LEAN_CLIENT,
            },
        ),
    ]
    nginx_figure = Figure(
        name="nginx_page_ratio",
        title=f"GET users page ({PAGE_SIZE} users) req/s, emulator with gzip ÷ nginx serving the identity bytes",
        measured=median(ratios("lean_gzip", "nginx_identity")) if server is not None else 0.0,
        target=NGINX_TARGET,
        unit="×",
        direction=">=",
        skipped=skipped,
        runs=[round(r, 4) for r in ratios("lean_gzip", "nginx_identity")] if server is not None else [],
        details={
            "nginx": nginx.executable(),
            "nginx_workers": nginx.WORKERS,
            "nginx_rps_runs": rounded(rps("nginx_identity")),
            "emulator_gzip_rps_runs": rounded(rps("lean_gzip")),
            "with_the_requests_driver": round(median(ratios("users_default", "nginx_identity_requests")), 4)
            if server is not None
            else None,
            "nginx_config": "TLS with the emulator's certificate, sendfile, keep-alive, gzip off, access log off",
            "errors": errors.get("nginx_identity", 0),
            **shared,
            "client": LEAN_CLIENT,
        },
    )
    figures.append(nginx_figure)
    figures.append(
        Figure(
            name="action_https_throughput",
            title=f"POST action ({ENTRIES} entries × {STEPS} steps) req/s ÷ hello-world POST of the same bodies, HTTPS",
            measured=median(ratios("actions", "hello_post")),
            target=ACTION_TARGET,
            unit="×",
            direction=">=",
            runs=[round(r, 4) for r in ratios("actions", "hello_post")],
            details={
                "action_rps_runs": rounded(rps("actions")),
                "hello_post_rps_runs": rounded(rps("hello_post")),
                "request_bytes": len(bodies[0]),
                "bodies": len(bodies),
                "errors": errors["actions"] + errors["hello_post"],
                **shared,
            },
        )
    )
    return figures


def _combined(parts: list[LoadResult]) -> LoadResult:
    """One run's slices of a load as one result."""
    return LoadResult(
        sum(p.requests for p in parts),
        sum(p.seconds for p in parts),
        sum(p.errors for p in parts),
        sum(p.bytes for p in parts),
        sum(p.connections_opened for p in parts),
    )


def _sha256_ms(body: bytes) -> float:
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        hashlib.sha256(body).hexdigest()
        runs.append(time.perf_counter() - start)
    return median(runs) * 1000
