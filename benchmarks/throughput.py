"""Figure: repeated GET of a full users page (2000 users) on the served emulator, against a
Flask hello-world app on the same server stack, with the same client, in the same run.

Both servers are child processes (`benchmarks.serve_child`) on `umapi_mock.server.
ServedEmulator` over HTTPS (`umapi_mock.tls.ensure_tls`). The client is
`benchmarks.driver.run_load`: several threads, one keep-alive `requests.Session` each.
Each run measures hello then the users page back to back; the figure is the median over
runs of users req/s ÷ hello req/s.
"""

from __future__ import annotations

import hashlib
import json
import os
import time

import requests

from .common import DEMO_ORG_ID, Figure, ServerProcess, Settings, access_headers, median, tls_dir
from .driver import run_load

TARGET = 0.7
PAGE_SIZE = 2000
CONNECTIONS = 4


def run(settings: Settings) -> list[Figure]:
    tls = str(tls_dir(settings))
    duration = 3.0 if settings.full else 0.4
    warmup = 0.5 if settings.full else 0.1
    hello_rps: list[float] = []
    users_rps: list[float] = []
    ratios: list[float] = []
    errors = 0
    with (
        ServerProcess("hello", "--tls-dir", tls) as hello,
        ServerProcess("emulator", "--tls-dir", tls, "--users-page-size", str(PAGE_SIZE)) as emu,
    ):
        ca = str(emu.info["ca"])
        headers = access_headers(emu.url, ca)
        users_url = f"{emu.url}/v2/usermanagement/users/{DEMO_ORG_ID}/0"
        with requests.Session() as s:
            s.trust_env = False
            r = s.get(users_url, headers=headers, verify=ca, timeout=60)
            r.raise_for_status()
            page = json.loads(r.content)
            body_bytes = len(r.content)
            hash_ms = _sha256_ms(r.content)
        if len(page["users"]) != PAGE_SIZE:
            raise RuntimeError(f"the users page has {len(page['users'])} users, not {PAGE_SIZE}")
        for _ in range(settings.runs):
            h = run_load(hello.url + "/", verify=ca, connections=CONNECTIONS, duration=duration, warmup=warmup)
            u = run_load(
                users_url, headers=headers, verify=ca, connections=CONNECTIONS, duration=duration, warmup=warmup
            )
            errors += h.errors + u.errors
            hello_rps.append(h.rps)
            users_rps.append(u.rps)
            ratios.append(u.rps / h.rps if h.rps else 0.0)
    ratio = median(ratios)
    note = ""
    if ratio < TARGET:
        note = (
            f"per-byte costs of a {body_bytes // 1024} KiB body that hello world does not pay: TLS encryption "
            f"and decryption of ~{body_bytes // 16384 + 1} records and their socket calls on both sides (the "
            f"body itself is cached, sent uncopied, and its sha256 for the journal is memoised, "
            f"~{hash_ms:.1f} ms if it were not); client and server share {os.cpu_count()} CPUs"
        )
    return [
        Figure(
            name="users_page_throughput",
            title=f"GET users page ({PAGE_SIZE} users, {body_bytes / 1024:.0f} KiB) req/s ÷ Flask hello-world req/s",
            measured=ratio,
            target=TARGET,
            unit="×",
            direction=">=",
            note=note,
            runs=[round(r, 4) for r in ratios],
            details={
                "users_page_rps_median": round(median(users_rps), 1),
                "hello_world_rps_median": round(median(hello_rps), 1),
                "users_page_rps_runs": [round(x, 1) for x in users_rps],
                "hello_world_rps_runs": [round(x, 1) for x in hello_rps],
                "body_bytes": body_bytes,
                "sha256_of_the_body_ms": round(hash_ms, 3),
                "connections": CONNECTIONS,
                "seconds_per_run": duration,
                "errors": errors,
                "server": "umapi_mock.server.ServedEmulator (werkzeug threaded server, keep-alive handler), HTTPS, child process",
                "client": "benchmarks.driver: threaded requests.Session driver, keep-alive, one connection per thread",
            },
        )
    ]


def _sha256_ms(body: bytes) -> float:
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        hashlib.sha256(body).hexdigest()
        runs.append(time.perf_counter() - start)
    return median(runs) * 1000
