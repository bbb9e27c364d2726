"""pytest wiring of the contract suite: options, hypothesis profiles, the target, the report.

    pytest contracts/ [--umapi-target inprocess|served|live|URL] [--umapi-credentials FILE]
                      [--umapi-allow-writes --umapi-domain DOMAIN [--umapi-identity-type T]]
                      [--umapi-report PATH] [--umapi-pace auto|on|off]

HYPOTHESIS_PROFILE picks a profile (`ci`, `nightly`, `dev`, `quick`, `live`); the default is
`ci` for emulators and `live` (few examples: the live API allows 10 actions a minute) for
URL targets. Against a URL no profile shrinks (nor do `quick` and `live` anywhere): a failing
example is reported as found, at once, instead of after minutes of paced retries.

A test harness can hand the `inprocess`/`served` targets its own WSGI app (an emulator with
a planted defect, say) by implementing the `pytest_umapi_emulator_app(config)` hook in a
plugin it passes to `pytest.main`; nothing on the command line can.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings

from .registry import RECORDER, ContractViolation
from .report import build_report, write_report
from .target import PREFIX, RunSettings, Target, TargetError, check_remote, open_target

_SUPPRESS = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large]
NO_SHRINK = [Phase.explicit, Phase.generate]
settings.register_profile("ci", max_examples=25, deadline=None, suppress_health_check=_SUPPRESS, database=None)
settings.register_profile("nightly", max_examples=500, deadline=None, suppress_health_check=_SUPPRESS)
settings.register_profile("dev", max_examples=60, deadline=None, suppress_health_check=_SUPPRESS)
# quick: a smoke run, and runs expected to fail (the defect self-test): few examples, no
# shrinking (the fixed scenarios judge every invariant; the examples add variety).
settings.register_profile(
    "quick",
    max_examples=3,
    deadline=None,
    suppress_health_check=_SUPPRESS,
    database=None,
    phases=NO_SHRINK,
)
settings.register_profile(
    "live",
    max_examples=2,
    deadline=None,
    suppress_health_check=_SUPPRESS,
    database=None,
    print_blob=True,
    phases=NO_SHRINK,
)
# Steps per state-machine example, per profile.
STATEFUL_STEPS = {"ci": 10, "nightly": 40, "dev": 20, "quick": 5, "live": 4}


class KitHookspecs:
    @pytest.hookspec(firstresult=True)
    def pytest_umapi_emulator_app(self, config: pytest.Config) -> Any:
        """A Flask app for the `inprocess`/`served` targets instead of the kit's own emulator."""


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(KitHookspecs)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("umapi-contracts", "UMAPI contract suite")
    group.addoption(
        "--umapi-target",
        default="inprocess",
        metavar="inprocess|served|live|URL",
        help="what to judge: the in-process emulator (default), one served over local HTTPS, "
        "or a URL (credentials from the environment or --umapi-credentials)",
    )
    group.addoption(
        "--umapi-credentials",
        default=None,
        metavar="FILE",
        help="YAML/JSON file with org_id, client_id, client_secret[, ims_host, endpoint, ca_file]",
    )
    group.addoption(
        "--umapi-ca",
        default=None,
        metavar="FILE",
        help="CA file to trust for a URL target (wins over the credentials' ca_file and UMAPI_CA_FILE)",
    )
    group.addoption(
        "--umapi-allow-writes",
        action="store_true",
        default=False,
        help="let a URL target be changed for real (objects named contract-<run id>-..., removed at the end)",
    )
    group.addoption(
        "--umapi-domain",
        default=None,
        metavar="DOMAIN",
        help="claimed domain the suite creates its users in (needed with --umapi-allow-writes)",
    )
    group.addoption(
        "--umapi-identity-type",
        default=None,
        choices=("federatedID", "enterpriseID"),
        help="identity type of --umapi-domain (default federatedID)",
    )
    group.addoption(
        "--umapi-report",
        default="contract-report.json",
        metavar="PATH",
        help="where to write the JSON report (the Markdown summary goes beside it); 'none' to skip",
    )
    group.addoption(
        "--umapi-contract",
        action="append",
        default=[],
        metavar="NAME",
        help="run only the tests that judge contract NAME (repeatable; NAME may end in * for a prefix)",
    )
    group.addoption(
        "--umapi-pace",
        default="auto",
        choices=("auto", "on", "off"),
        help="pace requests under the documented rate limits (auto: for URL targets that are not a umapi-mock)",
    )


def _is_remote(spec: str) -> bool:
    return spec not in ("inprocess", "served")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "contract(*names): the contracts a test checks (for the report)")
    spec = config.getoption("--umapi-target", default="inprocess")
    if _is_remote(spec) and not config.option.collectonly:
        try:
            check_remote(
                spec,
                config.getoption("--umapi-allow-writes"),
                config.getoption("--umapi-domain"),
                config.getoption("--umapi-credentials"),
                ca_file=config.getoption("--umapi-ca"),
            )
        except TargetError as exc:
            raise pytest.UsageError(str(exc)) from None
    profile = os.environ.get("HYPOTHESIS_PROFILE") or ("live" if _is_remote(spec) else "ci")
    if profile not in STATEFUL_STEPS:
        STATEFUL_STEPS[profile] = 10
    settings.load_profile(profile)
    if _is_remote(spec) and Phase.shrink in settings.default.phases:
        # a URL target is paced: shrinking a failure there would take minutes of waiting
        settings.register_profile(f"{profile}-unshrunk", parent=settings.get_profile(profile), phases=NO_SHRINK)
        settings.load_profile(f"{profile}-unshrunk")
    config._umapi_profile = profile  # type: ignore[attr-defined]
    config._umapi_target = None  # type: ignore[attr-defined]
    config._umapi_started = time.time()  # type: ignore[attr-defined]
    RECORDER.reset()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """--umapi-contract: keep only the tests whose `contract` marks name a chosen contract."""
    from .registry import CONTRACTS

    wanted = config.getoption("--umapi-contract", default=[]) or []
    if not wanted:
        return

    def matches(pattern: str, name: str) -> bool:
        return name.startswith(pattern[:-1]) if pattern.endswith("*") else name == pattern

    unknown = [w for w in wanted if not any(matches(w, n) for n in CONTRACTS)]
    if unknown:
        raise pytest.UsageError(f"--umapi-contract: no contract named {', '.join(unknown)} (see the report)")
    keep, drop = [], []
    for item in items:
        names = [n for mark in item.iter_markers("contract") for n in mark.args]
        (keep if any(matches(w, n) for w in wanted for n in names) else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def stateful_steps(config: pytest.Config) -> int:
    return STATEFUL_STEPS.get(getattr(config, "_umapi_profile", "ci"), 10)


@pytest.fixture(scope="session")
def contract_target(pytestconfig: pytest.Config) -> Iterator[Target]:
    opt = pytestconfig.getoption
    pace = {"auto": None, "on": True, "off": False}[opt("--umapi-pace")]
    run = RunSettings(
        allow_writes=opt("--umapi-allow-writes"),
        domain=opt("--umapi-domain"),
        identity_type=opt("--umapi-identity-type"),
        pace=pace,
    )
    app = pytestconfig.hook.pytest_umapi_emulator_app(config=pytestconfig)
    try:
        target = open_target(opt("--umapi-target"), run, opt("--umapi-credentials"), app=app, ca_file=opt("--umapi-ca"))
    except TargetError as exc:
        raise pytest.UsageError(str(exc)) from None
    pytestconfig._umapi_target = target  # type: ignore[attr-defined]
    target.notify = progress_printer(pytestconfig)
    RECORDER.redact = target.redact
    if target.kind == "remote" and not target.settings.domain:
        discover_domain(target)
    if target.kind == "remote" and target.settings.allow_writes:
        sweep(target, keep_prefix=target.run_prefix)
    try:
        yield target
    finally:
        try:
            if target.kind == "remote" and target.settings.allow_writes:
                sweep(target, only_prefix=target.run_prefix)
            run_hygiene(target)
        finally:
            target.close()


def progress_printer(config: pytest.Config) -> Any:
    """A line on the terminal, even while pytest captures a test's output (pacing waits, 429s)."""
    capture = config.pluginmanager.getplugin("capturemanager")
    reporter = config.pluginmanager.getplugin("terminalreporter")

    def show(line: str) -> None:
        if reporter is None:
            return
        if capture is not None:
            with capture.global_and_fixture_disabled():
                reporter.write_line(f"  [umapi-contracts] {line}")
        else:
            reporter.write_line(f"  [umapi-contracts] {line}")

    return show


def run_hygiene(target: Target) -> None:
    """End-of-run contracts: nothing of this run is left; writes went only where they may;
    every 429 met carried a usable Retry-After."""
    from .checks import check_throttled, read_groups, read_users
    from .registry import check

    if not target.writes_allowed:
        bad = [url for url, test_only in target.action_log if not test_only]
        check(
            "run.only_test_mode_writes", not bad, f"{len(bad)} action request(s) without testOnly=true", actual=bad[:3]
        )
    else:
        foreign = sorted(target.foreign_writes)
        check(
            "run.only_test_mode_writes",
            not foreign,
            f"{len(foreign)} real write(s) addressed objects the suite did not create",
            actual=foreign[:5],
        )
    for reply in target.throttled_replies:
        check_throttled(reply)
    if target.kind == "remote" and not target.settings.domain:
        return
    domain = target.settings.domain if target.kind == "remote" else None
    prefix = target.run_prefix.lower()
    users = (read_users(target, domain=domain) if domain else read_users(target)).items
    groups = read_groups(target).items
    left = [u.get("email") for u in users if str(u.get("email", "")).lower().startswith(prefix)]
    left += [g.get("groupName") for g in groups if str(g.get("groupName", "")).lower().startswith(prefix)]
    check("run.no_leftovers", not left, f"{len(left)} object(s) of this run are still there", actual=left[:10])


@pytest.fixture
def target(contract_target: Target) -> Target:
    return contract_target


def discover_domain(target: Target) -> None:
    """A dry run needs a claimed domain for its (never created) users: take the one most
    org-owned users on the first users page have."""
    from collections import Counter

    reply = target.users_page(0)
    body = reply.json_or_none()
    users = body.get("users", []) if isinstance(body, dict) else []
    seen = Counter(
        (str(u.get("domain", "")).lower(), u.get("type"))
        for u in users
        if u.get("type") in ("federatedID", "enterpriseID") and u.get("domain")
    )
    if seen:
        (domain, itype), _ = seen.most_common(1)[0]
        target.settings.domain = domain
        target.settings.identity_type = target.settings.identity_type or itype


def needs_domain(target: Target) -> None:
    if not target.settings.domain:
        pytest.skip("needs --umapi-domain (no org-owned users to learn a claimed domain from)")


# ------------------------------------------------------------------ cleanup


def sweep(target: Target, *, keep_prefix: str | None = None, only_prefix: str | None = None) -> dict[str, int]:
    """Remove the suite's objects: users and user groups whose names start with `contract-`
    (all of one run with only_prefix; every other run's leftovers with keep_prefix)."""
    from .target import read_all

    def ours(name: str) -> bool:
        low = name.lower()
        if only_prefix is not None:
            return low.startswith(only_prefix.lower())
        return low.startswith(PREFIX) and not (keep_prefix and low.startswith(keep_prefix.lower()))

    domain = target.settings.domain
    users = read_all(lambda p: target.users_page(p, domain=domain) if domain else target.users_page(p), "users").items
    listed = {u["email"] for u in users if isinstance(u.get("email"), str)}
    emails = sorted({e for e in listed | target.created_users if ours(e)})
    groups = read_all(target.groups_page, "groups").items
    names = sorted(
        {
            g["groupName"]
            for g in groups
            if g.get("type") == "USER_GROUP" and isinstance(g.get("groupName"), str) and ours(g["groupName"])
        }
    )
    entries: list[dict[str, Any]] = [{"user": e, "do": [{"removeFromOrg": {"deleteAccount": True}}]} for e in emails]
    entries += [{"usergroup": n, "do": [{"deleteUserGroup": {}}]} for n in names]
    for i in range(0, len(entries), 10):
        target.action(entries[i : i + 10])
    return {"users": len(emails), "groups": len(names)}


# ------------------------------------------------------------------ reporting hooks


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    RECORDER.current_test = item.nodeid
    outcome = yield
    RECORDER.current_test = ""
    exc = outcome.excinfo[1] if outcome.excinfo else None
    if exc is None or isinstance(exc, (ContractViolation, pytest.skip.Exception)):
        return
    violation = _find_violation(exc)
    if violation is not None:
        return
    for mark in item.iter_markers("contract"):
        for name in mark.args:
            RECORDER.record_error(name, f"{type(exc).__name__}: {exc}".splitlines()[0][:500])


def _find_violation(exc: BaseException) -> ContractViolation | None:
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack:
        e = stack.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, ContractViolation):
            return e
        stack += [x for x in (e.__cause__, e.__context__) if x is not None]
        stack += list(getattr(e, "exceptions", ()))
    return None


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    path = config.getoption("--umapi-report", default="contract-report.json")
    target: Target | None = getattr(config, "_umapi_target", None)
    if not path or path == "none" or target is None:
        return
    describe = target.describe()
    describe["profile"] = getattr(config, "_umapi_profile", "")
    extra = {
        "run": {
            "seconds": round(time.time() - getattr(config, "_umapi_started", time.time()), 1),
            "requests": target.request_count,
            "throttled": target.throttled,
            "paced_wait_seconds": round(target.pacer.waited, 1),
            "exit_status": int(exitstatus),
        }
    }
    report = build_report(RECORDER, describe, target.secrets, extra)
    json_path, md_path = write_report(report, path)
    config._umapi_report_paths = (json_path, md_path)  # type: ignore[attr-defined]


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    paths = getattr(config, "_umapi_report_paths", None)
    failing = sorted(n for n, o in RECORDER.outcomes.items() if o.status in ("fail", "error"))
    if failing:
        terminalreporter.write_line("contracts failing: " + ", ".join(failing), red=True)
    if paths:
        terminalreporter.write_line(f"contract report: {paths[0]} (summary: {paths[1]})")


def report_dir_default() -> Path:
    return Path.cwd()
