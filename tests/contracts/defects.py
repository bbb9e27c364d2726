"""TEST-ONLY: deliberately wrong emulators, to prove the contract kit notices each defect in
every target mode and names the contract it breaks.

`DefectMiddleware` wraps an emulator app's `wsgi_app` and breaks one documented behaviour
(or several) by rewriting requests or answers; which ones is a mutable set, so one emulator
serves a whole matrix of runs. Nothing in `umapi_mock` or its CLI can turn these on; only
this module, which lives in the test tree.

    python -m tests.contracts.defects --out DIR --mode inprocess --mode url [--defect NAME ...|--all]

runs the kit once per (mode, clean run and each defect) inside this one process (a defect
run selects the kit's fixed tests of the contract it must break, `--umapi-contract NAME`,
without the random state machine: detection must not depend on examples; the clean run is
the whole kit): the
`inprocess`/`served` targets get the broken app through the kit's
`pytest_umapi_emulator_app` hook; `url` and `url-writes` judge the same app served once over
local HTTPS, as a live target (credentials in the environment, pacing off; `url-writes`
with `--umapi-allow-writes`, after planting a dead run's leftovers). Each run leaves in
DIR/<mode>/<run>/ its report, its terminal output and exit status, and for URL modes the
admin state before and after, the action journal and the suite's leftovers.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode

ROOT = Path(__file__).resolve().parents[2]
MODES = ("inprocess", "served", "url", "url-writes")
WRITES_DOMAIN = "contract.example"  # the kit seed's federated domain
DEAD_RUN = "contract-230101000000dead-"
STATE_MACHINE = "contracts/test_state_machine.py::test_org_state_machine"


@dataclass
class Wire:
    """One exchange as the middleware sees it; `after` rewrites may change status, headers, doc."""

    method: str
    path: str
    query: list[tuple[str, str]]
    status: str = "200 OK"
    headers: list[tuple[str, str]] = field(default_factory=list)
    doc: Any = None  # the parsed JSON body (None: not JSON)
    raw: bytes = b""

    @property
    def code(self) -> int:
        return int(self.status.split()[0])

    @property
    def page(self) -> str | None:
        """The page segment of a list path (users, users-by-group, groups)."""
        m = re.search(r"/v2/usermanagement/(?:users|groups)/[^/]+/([^/]+)", self.path)
        return unquote(m.group(1)) if m else None

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def set_header(self, name: str, value: str | None) -> None:
        self.headers = [(k, v) for k, v in self.headers if k.lower() != name.lower()]
        if value is not None:
            self.headers.append((name, value))

    @property
    def is_action(self) -> bool:
        return self.method == "POST" and "/v2/usermanagement/action/" in self.path

    @property
    def test_only(self) -> bool:
        return any(k == "testOnly" and v.lower() == "true" for k, v in self.query)

    @property
    def is_get_user(self) -> bool:
        return "/v2/usermanagement/organizations/" in self.path and "/users/" in self.path

    @property
    def is_users_by_group(self) -> bool:
        return re.search(r"/v2/usermanagement/users/[^/]+/[^/]+/.+", self.path) is not None


Answer = tuple[str, dict[str, Any]]  # (status line, JSON body) answered instead of the app


@dataclass(frozen=True)
class Defect:
    contract: str  # the contract the kit must report failing
    what: str
    after: Callable[[Wire], None] | None = None  # rewrite the answer
    before: Callable[[Wire], Answer | None] | None = None  # answer instead, or change wire.query


# ---------------------------------------------------------------- rewrites (table below)


def _last_page_off_by_one(w: Wire) -> None:
    if isinstance(w.doc, dict) and "lastPage" in w.doc and w.header("X-Page-Count"):
        w.doc["lastPage"] = int(w.header("X-Current-Page") or 0) >= int(w.header("X-Page-Count") or 0)


def _action_errors(w: Wire, change: Callable[[dict[str, Any]], None]) -> None:
    if w.is_action and isinstance(w.doc, dict):
        for error in w.doc.get("errors", []):
            change(error)


def _empty_errors(w: Wire) -> None:
    if w.is_action and isinstance(w.doc, dict) and "errors" not in w.doc and "completed" in w.doc:
        w.doc["errors"] = []


def _test_mode_completed(w: Wire) -> None:
    if w.is_action and w.test_only and isinstance(w.doc, dict) and "completedInTestMode" in w.doc:
        w.doc["completed"] = w.doc["completedInTestMode"]


def _replay_for_real(w: Wire) -> Answer | None:
    if w.is_action and w.test_only:
        w.query[:] = [(k, v) for k, v in w.query if k != "testOnly"]
        w.query.append(("__replay_test_only", "1"))  # the middleware runs it twice
    return None


def _expires_in_millis(w: Wire) -> None:
    if w.path.startswith("/ims/token/") and isinstance(w.doc, dict) and "expires_in" in w.doc:
        w.doc["expires_in"] = w.doc["expires_in"] * 1000


def _retry_after_missing(w: Wire) -> None:
    if w.code == 429:
        w.set_header("Retry-After", None)


def _throttle_text_body(w: Wire) -> None:
    if w.code == 429:
        w.doc, w.raw = None, b"Too many requests"
        w.set_header("Content-Type", "text/plain")


def _member_count_plus_one(w: Wire) -> None:
    if isinstance(w.doc, dict) and "/v2/usermanagement/groups/" in w.path:
        for group in w.doc.get("groups", []):
            if group.get("type") in ("USER_GROUP", "PRODUCT_PROFILE") and group.get("memberCount"):
                group["memberCount"] += 1


def _current_page_one_based(w: Wire) -> None:
    current = w.header("X-Current-Page")
    if current is not None and current.isdigit():
        w.set_header("X-Current-Page", str(int(current) + 1))


def _first_page_repeats_an_entry(w: Wire) -> None:
    if isinstance(w.doc, dict) and w.page == "0" and w.doc.get("lastPage") is False and w.doc.get("users"):
        w.doc["users"].append(dict(w.doc["users"][0]))
        w.set_header("X-Page-Size", str(len(w.doc["users"])))


def _past_end_empty(w: Wire) -> None:
    page, current = w.page, w.header("X-Current-Page")
    if isinstance(w.doc, dict) and page and page.isdigit() and current and int(page) > int(current):
        w.doc["users" if "users" in w.doc else "groups"] = []


def _get_user_case_sensitive(w: Wire) -> Answer | None:
    if w.method == "GET" and w.is_get_user:
        who = unquote(w.path.rsplit("/users/", 1)[1])
        if who != who.lower():
            return "404 NOT FOUND", {"result": "error.user.not_found", "message": f"User not found {who}"}
    return None


def _request_id_lost_on_errors(w: Wire) -> None:
    if w.code >= 400 and "/v2/usermanagement/" in w.path:
        w.set_header("X-Request-Id", uuid.uuid4().hex)


def _error_without_user(w: Wire) -> None:
    _action_errors(w, lambda e: e.pop("user", None))


def _bad_page_crashes(w: Wire) -> Answer | None:
    page = w.page
    if page is not None and not page.isdigit():
        return "500 INTERNAL SERVER ERROR", {"result": "error", "message": "NumberFormatException"}
    return None


def _unknown_user_is_found(w: Wire) -> None:
    if w.is_get_user and w.code == 404:
        w.status, w.doc = "200 OK", {"result": "success", "user": {}}


def _unknown_group_is_empty(w: Wire) -> None:
    if w.is_users_by_group and w.code == 404:
        w.status, w.doc = "200 OK", {"lastPage": True, "result": "success", "users": []}


def _api_key_code(w: Wire) -> None:
    if w.code == 403 and isinstance(w.doc, dict) and w.doc.get("error_code") == "403000":
        w.doc["error_code"] = "403003"


def _bad_secret_400(w: Wire) -> None:
    if w.path.startswith("/ims/") and isinstance(w.doc, dict) and w.doc.get("error") == "invalid_client":
        w.status = "400 BAD REQUEST"


def _malformed_result(w: Wire) -> None:
    if w.is_action and isinstance(w.doc, dict) and w.doc.get("result") == "error.command.malformed":
        w.doc["result"] = "error"


def _step_unknown_renamed(w: Wire) -> None:
    _action_errors(
        w,
        lambda e: (
            e.update(errorCode="error.command.unknown") if e.get("errorCode") == "error.command.step.unknown" else None
        ),
    )


def _user_type_dropped(w: Wire) -> None:
    if isinstance(w.doc, dict) and isinstance(w.doc.get("users"), list):
        for user in w.doc["users"]:
            user.pop("type", None)


def _group_id_string(w: Wire) -> None:
    if isinstance(w.doc, dict) and "/v2/usermanagement/groups/" in w.path:
        for group in w.doc.get("groups", []):
            group["groupId"] = str(group.get("groupId"))


def _direct_only_ignored(w: Wire) -> Answer | None:
    if w.is_users_by_group:
        w.query[:] = [(k, v) for k, v in w.query if k != "directOnly"]
    return None


def _step_as_string(w: Wire) -> None:
    _action_errors(w, lambda e: e.update(step=str(e.get("step"))))


# defect -> what breaks, and the contract the kit must name for it
DEFECTS: dict[str, Defect] = {
    "off_by_one_last_page": Defect("paging.last_page_flag", "lastPage true one page late", _last_page_off_by_one),
    "current_page_one_based": Defect(
        "paging.headers_match_body", "X-Current-Page counts from 1", _current_page_one_based
    ),
    "first_page_repeats_an_entry": Defect(
        "paging.union_no_duplicates", "page 0 lists its first user twice", _first_page_repeats_an_entry
    ),
    "past_end_empty": Defect("paging.past_end_returns_last", "a page past the end is empty", _past_end_empty),
    "empty_errors": Defect("action.errors_omitted_when_empty", "errors: [] instead of omitted", _empty_errors),
    "step_as_string": Defect("action.error_step_is_index", "errors[].step is a string", _step_as_string),
    "error_without_user": Defect("action.error_fields", "errors lack the entry's user", _error_without_user),
    "step_unknown_renamed": Defect(
        "action.error.step_unknown", "an unknown step reports another code", _step_unknown_renamed
    ),
    "malformed_result": Defect(
        "action.malformed_body", "a malformed body's result is plain 'error'", _malformed_result
    ),
    "test_mode_writes": Defect(
        "action.test_mode_changes_nothing", "testOnly=true runs for real", before=_replay_for_real
    ),
    "test_mode_completed": Defect("action.test_mode_counts", "test mode reports completed > 0", _test_mode_completed),
    "retry_after_missing": Defect("throttle.retry_after_integer", "429 without Retry-After", _retry_after_missing),
    "throttle_text_body": Defect("throttle.answer_shape", "429 with a plain-text body", _throttle_text_body),
    "member_count_plus_one": Defect(
        "reads.member_count_matches_listing", "memberCount one more than the members listed", _member_count_plus_one
    ),
    "get_user_case_sensitive": Defect(
        "reads.get_user_case_insensitive", "Get User misses upper-case spellings", before=_get_user_case_sensitive
    ),
    "unknown_user_is_found": Defect(
        "reads.get_user_not_found", "Get User of an unknown user answers 200", _unknown_user_is_found
    ),
    "unknown_group_is_empty": Defect(
        "reads.group_not_found", "users of an unknown group: 200 and empty", _unknown_group_is_empty
    ),
    "bad_page_crashes": Defect("reads.bad_page", "a non-integer page is a 500", before=_bad_page_crashes),
    "user_type_dropped": Defect("reads.user_shape", "listed users lack type", _user_type_dropped),
    "group_id_string": Defect("reads.group_shape", "groupId is a string", _group_id_string),
    "direct_only_ignored": Defect(
        "reads.direct_only_false", "users-by-group ignores directOnly", before=_direct_only_ignored
    ),
    "request_id_lost_on_errors": Defect(
        "gate.request_id_echo", "error answers carry a new X-Request-Id", _request_id_lost_on_errors
    ),
    "api_key_code": Defect("gate.api_key_missing", "a missing API key reports 403003", _api_key_code),
    "expires_in_millis": Defect("ims.s2s.expires_in_seconds", "expires_in in milliseconds", _expires_in_millis),
    "bad_secret_400": Defect("ims.s2s.bad_secret", "a wrong client secret is a 400", _bad_secret_400),
}


# ---------------------------------------------------------------- the middleware


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
    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]], defects: Iterable[str] = ()):
        self.wsgi_app = wsgi_app
        self.defects: set[str] = set()
        self.switch(defects)

    def switch(self, defects: Iterable[str]) -> None:
        """Break exactly these behaviours from now on."""
        chosen = set(defects)
        unknown = chosen - set(DEFECTS)
        if unknown:
            raise ValueError(f"unknown defects: {sorted(unknown)}")
        self.defects = chosen

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not self.defects:
            return self.wsgi_app(environ, start_response)
        environ.pop("HTTP_ACCEPT_ENCODING", None)  # answers are parsed and rewritten here: identity ones
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        query = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        wire = Wire(environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", ""), query)
        active = [DEFECTS[d] for d in sorted(self.defects)]
        answer = next((a for d in active if d.before is not None for a in [d.before(wire)] if a is not None), None)
        if answer is not None:
            wire.status, wire.doc = answer[0], answer[1]
            wire.headers = [("Content-Type", "application/json")]
        else:
            replay = ("__replay_test_only", "1") in wire.query
            wire.query = [q for q in wire.query if q[0] != "__replay_test_only"]
            environ["QUERY_STRING"] = urlencode(wire.query)
            if replay:  # answer as test mode, then run it for real: the write nobody asked for
                environ["QUERY_STRING"] = urlencode(wire.query + [("testOnly", "true")])
            environ["wsgi.input"] = io.BytesIO(raw)
            wire.status, wire.headers, wire.raw = _call(self.wsgi_app, environ)
            if replay:
                _call(self.wsgi_app, {**environ, "QUERY_STRING": urlencode(wire.query), "wsgi.input": io.BytesIO(raw)})
                wire.query.append(("testOnly", "true"))
            try:
                wire.doc = json.loads(wire.raw) if wire.raw else None
            except ValueError:
                wire.doc = None
            for defect in active:
                if defect.after is not None:
                    defect.after(wire)
        body = json.dumps(wire.doc).encode() if wire.doc is not None else wire.raw
        headers = [(k, v) for k, v in wire.headers if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(body))))
        start_response(wire.status, headers)
        return [body]


def broken_app(defects: Iterable[str] = ()) -> Any:
    """The kit's own emulator (its seed and page sizes), behind a switchable DefectMiddleware."""
    from umapi_mock.contracts.targets_emulator import build_emulator_app

    app = build_emulator_app()
    app.wsgi_app = DefectMiddleware(app.wsgi_app, defects)  # type: ignore[method-assign]
    return app


def plant_leftovers(org: Any, domain: str) -> None:
    """Objects a crashed run of the suite would have left behind."""
    from umapi_mock.domain.models import FEDERATED_ID, USER_GROUP, User

    email = f"{DEAD_RUN}u0@{domain}"
    user = org.put_user(User(org.new_uid(), FEDERATED_ID, email, email, domain, "Dead", "Run", "US"))
    group = org.add_group(f"{DEAD_RUN}g0", USER_GROUP, description="left by a dead run")
    org.add_member(group.gid, user.uid)


class AppPlugin:
    """Hands the kit's emulator targets the (broken) app."""

    def __init__(self, app: Any):
        self.app = app

    def pytest_umapi_emulator_app(self, config: Any) -> Any:
        return self.app


def run_matrix(out: Path, modes: list[str], runs: list[str], profile: str) -> int:
    import pytest
    import requests

    from umapi_mock.http.context import emulator_of
    from umapi_mock.server import ServedEmulator
    from umapi_mock.tls import ensure_tls

    app = broken_app()
    emulator = emulator_of(app)
    middleware: DefectMiddleware = app.wsgi_app  # type: ignore[assignment]
    os.environ["HYPOTHESIS_PROFILE"] = profile
    worst = 0
    with tempfile.TemporaryDirectory() as tls_dir:
        tls = ensure_tls(tls_dir)
        with ServedEmulator(app, "127.0.0.1", 0, ssl_context=tls.server_context()) as served:
            org = emulator.backend.org()
            cred = next(iter(org.credentials.values()))
            os.environ.update(
                UMAPI_ORG_ID=org.id,
                UMAPI_CLIENT_ID=cred.client_id,
                UMAPI_CLIENT_SECRET=cred.client_secret,
                UMAPI_CA_FILE=str(tls.ca_cert),
            )
            admin = requests.Session()
            admin.trust_env = False

            def admin_get(route: str, **params: str) -> str:
                return admin.get(f"{served.url}/_mock/{route}", params=params, verify=str(tls.ca_cert), timeout=60).text

            for mode in modes:
                for name in runs:
                    emulator.reset()
                    middleware.switch([] if name == "clean" else [name])
                    run_dir = out / mode / name
                    run_dir.mkdir(parents=True, exist_ok=True)
                    argv = [
                        str(ROOT / "contracts"),
                        "-q",
                        "-p",
                        "no:cacheprovider",
                        "--rootdir",
                        str(ROOT),
                        "-W",
                        "ignore::pytest.PytestAssertRewriteWarning",
                        "--umapi-report",
                        str(run_dir / "contract-report.json"),
                    ]
                    if name != "clean":  # only the fixed tests judging that contract: no random example helps
                        argv += ["--umapi-contract", DEFECTS[name].contract, "--deselect", STATE_MACHINE]
                    is_url = mode.startswith("url")
                    argv += ["--umapi-target", served.url if is_url else mode, "--umapi-pace", "off"]
                    if mode == "url-writes":
                        plant_leftovers(emulator.backend.org(), WRITES_DOMAIN)
                        argv += ["--umapi-allow-writes", "--umapi-domain", WRITES_DOMAIN]
                    if is_url:
                        (run_dir / "state-before.json").write_text(admin_get("state"))
                    emulator.layers.journal.clear()
                    started = time.perf_counter()
                    text = io.StringIO()
                    with contextlib.redirect_stdout(text):
                        code = int(pytest.main(argv, plugins=[AppPlugin(app)]))
                    (run_dir / "output.txt").write_text(text.getvalue())
                    (run_dir / "run.json").write_text(
                        json.dumps({"exit": code, "seconds": round(time.perf_counter() - started, 2)})
                    )
                    if is_url:
                        (run_dir / "state-after.json").write_text(admin_get("state"))
                        journal = admin_get("journal", path="/v2/usermanagement/action/*")
                        (run_dir / "journal.json").write_text(journal)
                        now = emulator.backend.org()
                        left = [u.email for u in now.users.values() if u.email.startswith("contract-")]
                        left += [g.name for g in now.groups.values() if g.name.startswith("contract-")]
                        (run_dir / "leftovers.json").write_text(json.dumps(left))
                    print(f"{mode:<10} {name:<28} exit {code}  {time.perf_counter() - started:5.1f} s", flush=True)
                    worst = max(worst, code if name == "clean" else int(code != 1))
    return worst


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--mode", action="append", choices=MODES, help="target modes (default: all)")
    parser.add_argument("--defect", action="append", default=[], choices=sorted(DEFECTS))
    parser.add_argument("--all", action="store_true", help="every defect")
    parser.add_argument("--no-clean", action="store_true", help="skip the unbroken run")
    parser.add_argument("--profile", default="quick")
    args = parser.parse_args(argv)
    runs = ([] if args.no_clean else ["clean"]) + (sorted(DEFECTS) if args.all else args.defect)
    return run_matrix(Path(args.out), args.mode or list(MODES), runs, args.profile)


if __name__ == "__main__":
    sys.exit(main())
