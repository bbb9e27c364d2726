"""A server for the throughput figure, in its own process so it never shares a GIL with
the load generator: `python -m benchmarks.serve_child {hello|emulator} --tls-dir DIR`.

Both apps run on the emulator's server stack (`umapi_mock.server.ServedEmulator`, HTTPS
with the certificate from `umapi_mock.tls.ensure_tls`). Prints one JSON line with the URL,
then serves until stdin is closed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def hello_app() -> Any:
    from flask import Flask, request

    app = Flask("hello")

    @app.route("/", methods=["GET", "POST"])
    def hello() -> str:
        request.get_data()  # a POST's body is read, as the emulator reads an action's
        return "Hello, World!"

    return app


def emulator_app(users_page_size: int, generate_users: int | None) -> Any:
    import copy

    from umapi_mock.config import Config
    from umapi_mock.http.app import create_app
    from umapi_mock.seed import DEMO_SEED

    seed = None
    if generate_users is not None:
        seed = copy.deepcopy(DEMO_SEED)
        seed["orgs"][0]["generate"]["users"] = generate_users
    return create_app(Config(seed=seed, users_page_size=users_page_size))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.serve_child")
    parser.add_argument("app", choices=("hello", "emulator"))
    parser.add_argument("--tls-dir", required=True)
    parser.add_argument("--users-page-size", type=int, default=2000)
    parser.add_argument("--generate-users", type=int)
    args = parser.parse_args(argv)

    from umapi_mock.server import ServedEmulator
    from umapi_mock.tls import ensure_tls

    tls = ensure_tls(Path(args.tls_dir))
    app = hello_app() if args.app == "hello" else emulator_app(args.users_page_size, args.generate_users)
    served = ServedEmulator(app, "127.0.0.1", 0, ssl_context=tls.server_context()).start()
    print(json.dumps({"url": served.url, "ca": str(tls.ca_cert)}), flush=True)
    try:
        sys.stdin.read()  # until the parent closes our stdin
    finally:
        served.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
