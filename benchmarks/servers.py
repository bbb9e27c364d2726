"""Side-by-side run of WSGI servers on the emulator app, over HTTPS: the evaluation behind the
choice of server in `umapi_mock/server.py` (not part of `python -m benchmarks`).

    pip install granian cheroot    # only for this script; not dependencies of umapi-mock
    python -m benchmarks.servers [--runs 5] [--seconds 3]

Each server runs in a child process with one worker process (granian: `--workers 1`, 8
blocking threads; cheroot: 8 threads; ours: its defaults), on the same certificate, serving
a demo org with 2,000 users per page. The load is wrk with 4 keep-alive connections
(`benchmarks.wrk`; `benchmarks.driver.run_load` when wrk is missing). Servers take turns
within each run; medians are printed. It also checks what a
`drop` fault does on each: only a server that closes the connection without answering
supports every fault type.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

from . import wrk
from .common import DEMO_ORG_ID, access_headers, child_cwd, child_env, median
from .driver import run_load

SERVERS = ("umapi-mock", "granian", "cheroot")


def make_app() -> Any:
    """The app every server serves (granian imports it as `benchmarks.servers:make_app`)."""
    from umapi_mock.config import Config
    from umapi_mock.http.app import create_app
    from umapi_mock.seed import DEMO_SEED

    seed = copy.deepcopy(DEMO_SEED)
    seed["orgs"][0]["generate"]["users"] = 2000
    return create_app(Config(seed=seed, users_page_size=2000))


def _child(kind: str, tls: str, port: int) -> None:
    """`python -m benchmarks.servers --child KIND TLS PORT`: serve until killed."""
    if kind == "umapi-mock":
        from umapi_mock.server import ServedEmulator
        from umapi_mock.tls import ensure_tls

        ServedEmulator(
            make_app(), "127.0.0.1", port, ssl_context=ensure_tls(Path(tls)).server_context()
        ).serve_forever()
    elif kind == "cheroot":
        from cheroot import wsgi
        from cheroot.ssl.builtin import BuiltinSSLAdapter

        server = wsgi.Server(("127.0.0.1", port), make_app(), numthreads=8)
        server.ssl_adapter = BuiltinSSLAdapter(f"{tls}/server.pem", f"{tls}/server-key.pem")
        server.safe_start()


def _start(kind: str, tls: str) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    if kind == "granian":
        args = ["-m", "granian", "--interface", "wsgi", "--factory", "benchmarks.servers:make_app"]
        args += ["--host", "127.0.0.1", "--port", str(port), "--workers", "1", "--blocking-threads", "8"]
        args += [
            "--ssl-certificate",
            f"{tls}/server.pem",
            "--ssl-keyfile",
            f"{tls}/server-key.pem",
            "--log-level",
            "error",
        ]
    else:
        args = ["-m", "benchmarks.servers", "--child", kind, tls, str(port)]
    # A session of its own: granian forks a worker, and stopping the server must stop both.
    proc = subprocess.Popen(
        [sys.executable, *args],
        cwd=child_cwd(),
        env=child_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"https://127.0.0.1:{port}"
    for _ in range(600):
        try:
            requests.get(url + "/status", verify=f"{tls}/ca.pem", timeout=2)
            return proc, url
        except requests.RequestException:
            time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    raise RuntimeError(f"{kind} did not start")


def _drop(url: str, ca: str) -> str:
    rule = {"match": {"path": "/status"}, "respond": {"drop": True}, "times": 1}
    requests.post(f"{url}/_mock/faults", json=rule, verify=ca, timeout=10).raise_for_status()
    try:
        r = requests.get(f"{url}/status", verify=ca, timeout=10)
    except requests.ConnectionError:
        return "closed without an answer"
    return f"answered {r.status_code}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.servers")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child[0], args.child[1], int(args.child[2]))
        return 0
    import tempfile

    from umapi_mock.tls import ensure_tls

    tls = str(ensure_tls(Path(tempfile.mkdtemp(prefix="umapi-mock-servers-"))).ca_cert.parent)
    ca = f"{tls}/ca.pem"
    paths = {
        "small": f"/v2/usermanagement/groups/{DEMO_ORG_ID}/0",
        "page2000": f"/v2/usermanagement/users/{DEMO_ORG_ID}/0",
    }
    rates: dict[str, dict[str, list[float]]] = {k: {p: [] for p in paths} for k in SERVERS}
    drops: dict[str, str] = {}
    for run in range(args.runs):
        for kind in SERVERS[run % len(SERVERS) :] + SERVERS[: run % len(SERVERS)]:  # take turns
            proc, url = _start(kind, tls)
            try:
                headers = access_headers(url, ca)
                for label, path in paths.items():
                    if wrk.installed():  # a client that is not the bottleneck (see benchmarks/wrk.py)
                        load = wrk.run(url + path, headers=headers, connections=4, seconds=max(1, round(args.seconds)))
                    else:
                        load = run_load(url + path, headers=headers, verify=ca, connections=4, duration=args.seconds)
                    rates[kind][label].append(load.rps)
                if kind not in drops:
                    drops[kind] = _drop(url, ca)
            finally:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    out = {
        kind: {**{label: round(median(v), 1) for label, v in rates[kind].items()}, "drop fault": drops[kind]}
        for kind in SERVERS
    }
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
