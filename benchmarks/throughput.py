"""Wire figures over HTTPS, 4 keep-alive connections, every load driven by wrk (`benchmarks.wrk`;
the lean `http.client` driver when wrk is missing, said in each figure's note), all measured
side by side in each run:

* `users_page_throughput`: users page 0 (2,000 users) with `Accept-Encoding: gzip` (the cached
  compressed page) ÷ a Flask hello-world GET on the same server stack;
* `compressed_page_speedup`: the same page, gzip accepted ÷ `Accept-Encoding: identity`;
* `nginx_page_ratio`: our gzip page ÷ nginx `gzip_static` sending the same gzip bytes;
  `nginx_identity_ratio`: our identity page ÷ nginx sending the same identity bytes
  (both skipped, saying so, when nginx is not installed);
* `get_user_throughput`: Get User (`GET /organizations/{org}/users/{email}`) ÷ hello world;
* `action_https_throughput`: action requests of 10 entries × 10 steps ÷ a hello-world POST
  of the same bodies;
* `granian_identity_ratio`: the same app served by granian ÷ ours, identity page (skipped,
  saying so, when granian is not installed: `pip install granian`, never a dependency).

The Python servers are child processes (`benchmarks.serve_child`) on umapi-mock's own server
(`umapi_mock.server.ServedEmulator`) with the certificate of `umapi_mock.tls.ensure_tls`;
nginx (`benchmarks.nginx`) and granian use the same certificate. Each run measures every
load in turn, in slices (three of one second each in a full run) that take turns, so the
loads a ratio compares see the same machine; a figure is the median over runs of its ratio.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from typing import Any

import requests

from . import nginx, wrk
from .actions import ENTRIES, STEPS, action_bodies
from .common import (
    DEMO_ORG_ID,
    Figure,
    ServerProcess,
    Settings,
    access_headers,
    child_cwd,
    child_env,
    median,
    tls_dir,
)
from .driver import LeanSession, LoadResult, fetch, run_load

PAGE_TARGET = 0.6  # issue 26: cached gzip page >= 0.6 x hello world (0.35 when it was filed)
GZIP_TARGET = 2.0
# nginx is a reference, not a goal: the floors are the ratios issue 26 measured (no worse than then)
NGINX_GZIP_TARGET = 0.06
NGINX_IDENTITY_TARGET = 0.33
GET_USER_TARGET = 0.6  # issue 26 (0.41 when filed)
ACTION_TARGET = 0.3  # issue 26 (0.17 when filed)
GRANIAN_TARGET = 1.0  # issue 26: granian / ours <= 1.0 for the identity page (1.6 when filed)
PAGE_SIZE = 2000
CONNECTIONS = 4
SERVER = "umapi_mock.server.ServedEmulator, HTTPS, child process"


def _action_succeeded(body: bytes) -> bool:
    return b'"result":"success"' in body


class Granian:
    """The emulator app under granian (one worker process), in a session of its own so that
    stopping it stops its worker too."""

    def __init__(self, tls: Any, page_size: int):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        env = {**child_env(), "UMAPI_MOCK_BENCH_PAGE_SIZE": str(page_size)}
        args = ["-m", "granian", "--interface", "wsgi", "--factory", "benchmarks.granian_app:app"]
        args += ["--host", "127.0.0.1", "--port", str(self.port), "--workers", "1", "--log-level", "error"]
        args += ["--ssl-certificate", str(tls.server_cert), "--ssl-keyfile", str(tls.server_key)]
        self.proc = subprocess.Popen(
            [sys.executable, *args],
            cwd=child_cwd(),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        self.url = f"https://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
                raise RuntimeError(f"granian exited with {self.proc.returncode}:\n{err[-2000:]}")
            try:
                requests.get(self.url + "/status", verify=str(tls.ca_cert), timeout=2)
                return
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("granian did not answer /status within 60 s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def granian_missing() -> str:
    try:
        import granian  # noqa: F401
    except ImportError:
        return "granian is not installed (pip install granian; optional, not a dependency)"
    return ""


def run(settings: Settings) -> list[Figure]:
    from umapi_mock.config import Config
    from umapi_mock.http.app import create_app
    from umapi_mock.http.context import emulator_of
    from umapi_mock.tls import ensure_tls

    tls_path = tls_dir(settings)
    tls_files = ensure_tls(tls_path)
    tls = str(tls_path)
    slices = 3 if settings.full else 1  # each run's loads take turns in slices: the machine's load shifts
    slice_s = 1  # wrk counts whole seconds
    # the demo org the emulator child seeds, built here too to address its users
    bodies = [b.encode() for b in action_bodies(emulator_of(create_app(Config())).org())]
    use_wrk = wrk.installed()
    client = (
        f"wrk {wrk.THREADS} threads, {CONNECTIONS} keep-alive connections"
        if use_wrk
        else "benchmarks.driver lean http.client driver (wrk is not installed)"
    )
    client_note = (
        "" if use_wrk else "wrk is not installed (apt-get install wrk): lean driver, client-bound on small answers"
    )
    loads: dict[str, list[LoadResult]] = {}
    nginx_skipped = "" if nginx.installed() else "nginx is not installed (apt-get install nginx)"
    granian_skipped = granian_missing()
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
            g = s.get(users_url, headers={**headers, "Accept-Encoding": "gzip"}, verify=ca, timeout=60, stream=True)
            gzip_body = g.raw.read(decode_content=False)
            encoding = g.headers.get("Content-Encoding")
        if len(page["users"]) != PAGE_SIZE:
            raise RuntimeError(f"the users page has {len(page['users'])} users, not {PAGE_SIZE}")
        if encoding != "gzip":
            raise RuntimeError(f"the users page came back with Content-Encoding {encoding!r}, not gzip")
        email = next(u["email"] for u in page["users"] if u.get("type") == "federatedID")
        user_url = f"{emu.url}/v2/usermanagement/organizations/{DEMO_ORG_ID}/users/{email}"
        plain = {**headers, "Accept-Encoding": "identity"}
        accept_gzip = {**headers, "Accept-Encoding": "gzip"}
        action_url = f"{emu.url}/v2/usermanagement/action/{DEMO_ORG_ID}"
        action_headers = {**headers, "Content-Type": "application/json"}
        hello_post_headers = {"Content-Type": "application/json"}

        def load(url: str, hdrs: Mapping[str, str], posts: Sequence[bytes] = ()) -> LoadResult:
            if use_wrk:
                return wrk.run(
                    url,
                    headers=hdrs,
                    connections=CONNECTIONS,
                    seconds=slice_s,
                    bodies=posts,
                    work_dir=settings.work_dir,
                )
            return run_load(
                url, headers=hdrs, verify=ca, bodies=posts, lean=True, connections=CONNECTIONS, duration=slice_s
            )

        def actions_succeed() -> None:
            """wrk counts statuses, not bodies: every body is checked to succeed, before and after."""
            session = LeanSession(ca)
            try:
                for body in bodies:
                    if fetch(session, action_url, action_headers, ca, body, _action_succeeded) < 0:
                        raise RuntimeError("an action request of the benchmark did not succeed")
            finally:
                session.close()

        actions_succeed()
        server: nginx.Nginx | None = None
        granian: Granian | None = None
        try:
            if not nginx_skipped:
                files = {"page.json": identity, "page.json.gz": gzip_body}
                server = nginx.Nginx(settings.work_dir / "nginx", tls_files, files).start()
            if not granian_skipped:
                try:
                    granian = Granian(tls_files, PAGE_SIZE)
                except RuntimeError as exc:  # optional: its failure to start costs only its figure
                    granian_skipped = f"granian did not start: {str(exc).splitlines()[0][:200]}"
            measures: dict[str, tuple[str, Mapping[str, str], Sequence[bytes]]] = {
                "hello_get": (hello.url + "/", {}, ()),
                "page_gzip": (users_url, accept_gzip, ()),
                "page_identity": (users_url, plain, ()),
                "get_user": (user_url, headers, ()),
                "hello_post": (hello.url + "/", hello_post_headers, bodies),
                "actions": (action_url, action_headers, bodies),
            }
            if server is not None:
                nginx_url = server.url + "/page.json"
                measures["nginx_gzip"] = (nginx_url, {"Accept-Encoding": "gzip"}, ())
                measures["nginx_identity"] = (nginx_url, {"Accept-Encoding": "identity"}, ())
            if granian is not None:
                g_headers = access_headers(granian.url, ca)
                g_users = f"{granian.url}/v2/usermanagement/users/{DEMO_ORG_ID}/0"
                g_user = f"{granian.url}/v2/usermanagement/organizations/{DEMO_ORG_ID}/users/{email}"
                measures["granian_identity"] = (g_users, {**g_headers, "Accept-Encoding": "identity"}, ())
                measures["granian_get_user"] = (g_user, g_headers, ())
            for url, hdrs, posts in measures.values():  # warm every load's path (and the server) untimed
                session = LeanSession(ca)
                try:
                    for i in range(10):
                        fetch(session, url, hdrs, ca, posts[i % len(posts)] if posts else None)
                finally:
                    session.close()
            for _ in range(settings.runs):
                parts: dict[str, list[LoadResult]] = {name: [] for name in measures}
                for _ in range(slices):
                    for name, (url, hdrs, posts) in measures.items():
                        parts[name].append(load(url, hdrs, posts))
                for name, done in parts.items():
                    loads.setdefault(name, []).append(_combined(done))
        finally:
            if server is not None:
                server.stop()
            if granian is not None:
                granian.stop()
        actions_succeed()

    def rps(name: str) -> list[float]:
        return [x.rps for x in loads.get(name, [])]

    def ratios(top: str, bottom: str) -> list[float]:
        return [round(a / b if b else 0.0, 4) for a, b in zip(rps(top), rps(bottom), strict=True)]

    def rounded(name: str) -> list[float]:
        return [round(v, 1) for v in rps(name)]

    def errors(*names: str) -> int:
        return sum(x.errors for name in names for x in loads.get(name, []))

    shared = {
        "connections": CONNECTIONS,
        "seconds_per_run": slice_s * slices,
        "slices_per_run": slices,
        "server": SERVER,
        "client": client,
    }

    def figure(
        name: str,
        title: str,
        top: str,
        bottom: str,
        target: float,
        direction: str = ">=",
        skipped: str = "",
        **extra: Any,
    ) -> Figure:
        runs = [] if skipped else ratios(top, bottom)
        return Figure(
            name=name,
            title=title,
            measured=median(runs) if runs else 0.0,
            target=target,
            unit="×",
            direction=direction,
            skipped=skipped,
            note=client_note,
            runs=runs,
            details={
                f"{top}_rps_runs": rounded(top),
                f"{bottom}_rps_runs": rounded(bottom),
                "errors": errors(top, bottom),
                **extra,
                **shared,
            },
        )

    kib = len(identity) / 1024
    gz_kib = len(gzip_body) / 1024
    figures = [
        figure(
            "users_page_throughput",
            f"GET users page ({PAGE_SIZE} users, gzip {gz_kib:.0f} KiB) req/s ÷ hello-world req/s, same server, HTTPS",
            "page_gzip",
            "hello_get",
            PAGE_TARGET,
            accept_encoding="gzip (the cached compressed page)",
            body_bytes=len(identity),
            sent_bytes=len(gzip_body),
        ),
        figure(
            "compressed_page_speedup",
            f"GET users page ({PAGE_SIZE} users) req/s, gzip accepted ÷ identity ({kib:.0f} KiB), same emulator",
            "page_gzip",
            "page_identity",
            GZIP_TARGET,
            identity_bytes=len(identity),
            gzip_bytes=len(gzip_body),
        ),
        figure(
            "nginx_page_ratio",
            "GET users page req/s, emulator gzip ÷ nginx gzip_static of the same gzip bytes",
            "page_gzip",
            "nginx_gzip",
            NGINX_GZIP_TARGET,
            skipped=nginx_skipped,
            nginx=nginx.executable(),
            nginx_workers=nginx.WORKERS,
            nginx_config="TLS with the emulator's certificate, sendfile, keep-alive, gzip_static on, gzip off",
            target_is="the ratio issue 26 measured: nginx is a reference, not a goal",
        ),
        figure(
            "nginx_identity_ratio",
            "GET users page req/s, emulator identity ÷ nginx sending the same identity bytes",
            "page_identity",
            "nginx_identity",
            NGINX_IDENTITY_TARGET,
            skipped=nginx_skipped,
            nginx=nginx.executable(),
            nginx_workers=nginx.WORKERS,
            target_is="the ratio issue 26 measured: nginx is a reference, not a goal",
        ),
        figure(
            "get_user_throughput",
            "GET one user req/s ÷ hello-world req/s, same server, HTTPS",
            "get_user",
            "hello_get",
            GET_USER_TARGET,
        ),
        figure(
            "action_https_throughput",
            f"POST action ({ENTRIES} entries × {STEPS} steps) req/s ÷ hello-world POST of the same bodies, HTTPS",
            "actions",
            "hello_post",
            ACTION_TARGET,
            request_bytes=len(bodies[0]),
            bodies=len(bodies),
            every_body_checked="each body answered result: success before and after the loads",
        ),
        figure(
            "granian_identity_ratio",
            "GET users page identity req/s, the same app under granian ÷ under umapi-mock's server",
            "granian_identity",
            "page_identity",
            GRANIAN_TARGET,
            direction="<=",
            skipped=granian_skipped,
            granian_get_user_ratio=None if granian_skipped else median(ratios("granian_get_user", "get_user")),
            granian="one worker process (granian --workers 1), same certificate, same app factory",
        ),
    ]
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
