"""TEST-ONLY: a deliberately wrong emulator, to prove the contract suite notices.

`DefectMiddleware` wraps an emulator app's `wsgi_app` and rewrites its answers (or replays
requests) so one documented behaviour breaks. Nothing in `umapi_mock` or its CLI can turn
these on; only this module, which lives in the test tree.

`python -m tests.contracts.defects --out DIR [--defect NAME ...]` serves the demo emulator
(with the defects) over local HTTPS, runs `pytest contracts/` against its URL as a live
target (credentials in the environment, writes not allowed, pacing off), and leaves in DIR
the contract report, the admin state before and after, and the action journal.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

ROOT = Path(__file__).resolve().parents[2]

# defect -> the contract that must fail because of it
DEFECTS: dict[str, str] = {
    "off_by_one_last_page": "paging.last_page_flag",
    "empty_errors": "action.errors_omitted_when_empty",
    "step_as_string": "action.error_step_is_index",
    "expires_in_millis": "ims.s2s.expires_in_seconds",
    "test_mode_writes": "action.test_mode_changes_nothing",
}


def _call(app: Callable[..., Iterable[bytes]], environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        captured["status"], captured["headers"] = status, list(headers)
        return lambda data: None

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return captured["status"], captured["headers"], body


class DefectMiddleware:
    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]], defects: Iterable[str]):
        self.wsgi_app = wsgi_app
        self.defects = set(defects)
        unknown = self.defects - set(DEFECTS)
        if unknown:
            raise ValueError(f"unknown defects: {sorted(unknown)}")

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(raw)
        query = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        test_only = any(k == "testOnly" and v.lower() == "true" for k, v in query)
        status, headers, body = _call(self.wsgi_app, environ)
        is_action = method == "POST" and "/v2/usermanagement/action/" in path
        if "test_mode_writes" in self.defects and is_action and test_only:
            replay = dict(environ)
            replay["QUERY_STRING"] = urlencode([(k, v) for k, v in query if k != "testOnly"])
            replay["wsgi.input"] = io.BytesIO(raw)
            _call(self.wsgi_app, replay)  # the real run nobody asked for
        body = self._rewrite(path, method, status, headers, body)
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(body))))
        start_response(status, headers)
        return [body]

    def _rewrite(self, path: str, method: str, status: str, headers: list[tuple[str, str]], body: bytes) -> bytes:
        if not status.startswith("200"):
            return body
        try:
            doc = json.loads(body)
        except ValueError:
            return body
        if not isinstance(doc, dict):
            return body
        h = {k.lower(): v for k, v in headers}
        if "off_by_one_last_page" in self.defects and "lastPage" in doc and "x-page-count" in h:
            doc["lastPage"] = int(h.get("x-current-page", "0")) >= int(h["x-page-count"])
        if method == "POST" and "/v2/usermanagement/action/" in path:
            if "empty_errors" in self.defects and "errors" not in doc:
                doc["errors"] = []
            if "step_as_string" in self.defects:
                for error in doc.get("errors", []):
                    error["step"] = str(error.get("step"))
        if "expires_in_millis" in self.defects and path.startswith("/ims/token/") and "expires_in" in doc:
            doc["expires_in"] = doc["expires_in"] * 1000
        return json.dumps(doc).encode()


def served_seed() -> dict[str, Any]:
    """The demo org, smaller: 123 users on 4 pages of 40, so paging is exercised quickly."""
    import copy

    from umapi_mock.seed import DEMO_SEED

    seed = copy.deepcopy(DEMO_SEED)
    seed["orgs"][0]["generate"] = {"users": 120, "groups": 4, "seed": 7}
    return seed


def broken_app(defects: Iterable[str]) -> Any:
    from umapi_mock.config import Config
    from umapi_mock.http.app import create_app

    app = create_app(Config(seed=served_seed(), users_page_size=40, groups_page_size=5))
    app.wsgi_app = DefectMiddleware(app.wsgi_app, defects)  # type: ignore[method-assign]
    return app


DEAD_RUN = "contract-230101000000dead-"


def plant_leftovers(org: Any, domain: str) -> None:
    """Objects a crashed run of the suite would have left behind."""
    from umapi_mock.domain.models import FEDERATED_ID, USER_GROUP, User

    email = f"{DEAD_RUN}u0@{domain}"
    user = org.put_user(User(org.new_uid(), FEDERATED_ID, email, email, domain, "Dead", "Run", "US"))
    group = org.add_group(f"{DEAD_RUN}g0", USER_GROUP, description="left by a dead run")
    org.add_member(group.gid, user.uid)


def org_now(backend: Any) -> Any:
    return backend.org()


def main(argv: list[str] | None = None) -> int:
    import pytest
    import requests

    from umapi_mock.http.context import emulator_of
    from umapi_mock.server import ServedEmulator
    from umapi_mock.tls import ensure_tls

    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--defect", action="append", default=[], choices=sorted(DEFECTS))
    parser.add_argument("--profile", default="quick")
    parser.add_argument(
        "--writes",
        metavar="DOMAIN",
        help="run with --umapi-allow-writes in DOMAIN, after planting leftovers of a dead earlier run",
    )
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    app = broken_app(args.defect)
    with tempfile.TemporaryDirectory() as tls_dir:
        tls = ensure_tls(tls_dir)
        with ServedEmulator(app, "127.0.0.1", 0, ssl_context=tls.server_context()) as served:
            backend = emulator_of(app).backend
            org = backend.org()
            cred = next(iter(org.credentials.values()))
            os.environ.update(
                UMAPI_ORG_ID=org.id,
                UMAPI_CLIENT_ID=cred.client_id,
                UMAPI_CLIENT_SECRET=cred.client_secret,
                UMAPI_CA_FILE=str(tls.ca_cert),
                HYPOTHESIS_PROFILE=args.profile,
            )
            admin = requests.Session()
            admin.trust_env = False

            def state() -> str:
                return admin.get(f"{served.url}/_mock/state", verify=str(tls.ca_cert), timeout=60).text

            extra: list[str] = []
            if args.writes:
                plant_leftovers(org, args.writes)
                extra = ["--umapi-allow-writes", "--umapi-domain", args.writes]
            (out / "state-before.json").write_text(state())
            admin.delete(f"{served.url}/_mock/journal", verify=str(tls.ca_cert), timeout=30)
            code = pytest.main(
                [
                    str(ROOT / "contracts"),
                    "-q",
                    "-p",
                    "no:cacheprovider",
                    "--rootdir",
                    str(ROOT),
                    "--umapi-target",
                    served.url,
                    "--umapi-pace",
                    "off",
                    "-W",
                    "ignore::pytest.PytestAssertRewriteWarning",
                    "--durations",
                    "5",
                    "--umapi-report",
                    str(out / "contract-report.json"),
                ]
                + extra
            )
            (out / "state-after.json").write_text(state())
            journal = admin.get(
                f"{served.url}/_mock/journal",
                params={"path": "/v2/usermanagement/action/*"},
                verify=str(tls.ca_cert),
                timeout=30,
            ).json()
            (out / "journal.json").write_text(json.dumps(journal, indent=1))
            left = [u.email for u in org_now(backend).users.values() if u.email.startswith("contract-")]
            left += [g.name for g in org_now(backend).groups.values() if g.name.startswith("contract-")]
            (out / "leftovers.json").write_text(json.dumps(left))
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
