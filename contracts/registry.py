"""Contract names, what each promises, and the recorder every check reports to.

A contract is a stable dotted name (`paging.last_page_flag`) with a one-line promise, the
spec sections it rests on and its basis: `documented` (Adobe's documentation or the
official client says so) or `recommended` (the spec's §6 choice where the sources are
silent). Tests call `check(name, ok, ...)`; a failed check raises `ContractViolation`,
whose message starts with `[name]`, and the recorder keeps the outcome and the exchange
for the report.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

DOCUMENTED = "documented"
RECOMMENDED = "recommended"


@dataclass(frozen=True)
class Contract:
    name: str
    promise: str
    spec: str
    basis: str = DOCUMENTED


CONTRACTS: dict[str, Contract] = {}


def _c(name: str, promise: str, spec: str, basis: str = DOCUMENTED) -> None:
    CONTRACTS[name] = Contract(name, promise, spec, basis)


# --- IMS
_c(
    "ims.s2s.token_shape",
    "client_credentials answers 200 with access_token, token_type bearer and an integer expires_in",
    "§1.3",
)
_c(
    "ims.s2s.expires_in_seconds",
    "expires_in of /ims/token/* is in seconds (about 86399), not milliseconds",
    "§0.1.2, §1.3, §6 A2",
)
_c("ims.s2s.trailing_slash", "the token path answers with and without a trailing slash, v2 and v3", "§1.1, §6 A3")
_c(
    "ims.s2s.query_parameters",
    "token parameters sent in the query string of a POST are accepted",
    "§1.2, §6 A4",
    RECOMMENDED,
)
_c("ims.s2s.bad_secret", "a wrong client secret is refused with 401 invalid_client", "§1.6, §6 A1", RECOMMENDED)
_c(
    "ims.s2s.unsupported_grant_type",
    "an unknown grant_type is refused with 400 unsupported_grant_type",
    "§1.6, §6 A1",
    RECOMMENDED,
)
_c("ims.s2s.missing_parameter", "a missing parameter is refused with 400 invalid_request", "§1.6, §6 A1", RECOMMENDED)
_c("ims.error_shape", "IMS errors are JSON objects with string error and error_description", "§1.6")
# --- status and the auth gate
_c("status.live", "GET /status needs no auth and answers 200 JSON with state LIVE", "§2.5.1, §6 A20")
_c("gate.api_key_missing", "no X-Api-Key: 403 with error_code 403000", "§4.1, §6 A40", RECOMMENDED)
_c("gate.token_missing", "no bearer token: 403 with error_code 403010", "§4.1, §6 A40", RECOMMENDED)
_c("gate.bad_token", "an invalid bearer token: 401", "§4.1, §6 A39")
_c("gate.bad_org_id", "a malformed org id: 400 error.organization.invalid_id", "§4.1, §6 A32", RECOMMENDED)
_c("gate.other_org", "a token used for another org's path: 401", "§4.1")
_c("gate.content_type_on_get", "Content-Type: application/json on a GET is accepted", "§2.1, §6 A47")
_c("gate.request_id_echo", "X-Request-Id is echoed back", "§2.1")
# --- reads
_c(
    "reads.user_shape",
    "user objects carry email, username, domain, type, status as strings; groups a list when present",
    "§2.2, §0.1.7",
)
_c("reads.group_shape", "group objects carry integer groupId, groupName, type, integer memberCount", "§2.3")
_c("reads.get_user_not_found", "Get User of an unknown user: 404 result error.user.not_found", "§2.5.2, §6 A43")
_c("reads.get_user_case_insensitive", "Get User finds a user whatever the case of the user string", "§2.5.2")
_c("reads.group_not_found", "users of an unknown group: 404 result error.group.not_found", "§2.5.4")
_c("reads.bad_page", "a non-integer page is a 400, never a 5xx", "§4.1")
# --- deprecated product APIs (reads only: safe against a live org)
_c(
    "deprecated.products_shape",
    "GET /{orgId}/products answers a JSON array of products: string id, code, name; integer counts and licenseQuota",
    "§2.6",
)
_c(
    "deprecated.profiles_shape",
    "a product's configurations list its profiles (integer counts, string ids); one profile and its users answer alike",
    "§2.6",
)
_c(
    "deprecated.profiles_match_groups",
    "every profile's licenseGroupId is the groupId of a PRODUCT_PROFILE on /groups",
    "§2.3, §2.6",
    RECOMMENDED,
)
_c("deprecated.profile_not_found", "an unknown profile id is a 404 PLC_NOT_FOUND", "§2.6")
_c(
    "reads.users_agree_with_model",
    "the users listing holds exactly the users the model holds, with their fields and groups",
    "§2.2, §2.5.3",
)
_c(
    "reads.get_user_agrees_with_model",
    "Get User answers each user as the model holds it, and 404 for users the model lacks",
    "§2.5.2",
)
_c(
    "reads.groups_agree_with_model",
    "the groups listing holds the model's user groups with their member counts",
    "§2.3, §2.5.5",
)
_c("reads.group_members_agree_with_model", "users-by-group lists exactly the model's members", "§2.5.4")
_c("reads.direct_only_false", "directOnly=false adds profiles reached through user groups to users' groups", "§2.5.4")
_c(
    "reads.member_count_matches_listing",
    "a user group's or product profile's memberCount equals the number of users its member listing holds",
    "§2.3, §2.5.4, §6 A18",
)
# --- paging
_c(
    "paging.headers_match_body",
    "X-Page-Size is the page's entry count, X-Current-Page the 0-based page, X-Total-Count and X-Page-Count constant",
    "§2.4, §6 A9, A10",
)
_c("paging.last_page_flag", "lastPage is false on every page but the final one and true on it", "§2.4, §0.1.5")
_c("paging.union_no_duplicates", "pages are disjoint and their union is the whole list (X-Total-Count entries)", "§2.4")
_c("paging.past_end_returns_last", "a page past the end answers the last page with lastPage true", "§2.4, §6 A12")
_c("paging.page_size_constant", "every page but the last holds the same, non-zero number of entries", "§2.4")
# --- actions
_c(
    "action.report_shape",
    "an action answers 200 with integer completed/notCompleted/completedInTestMode and result success|partial|error",
    "§3.7",
)
_c("action.errors_omitted_when_empty", "errors (and warnings) are omitted when empty", "§3.7, §0.1.11")
_c(
    "action.error_step_is_index",
    "every errors[].step is an integer index into that entry's do list, index an entry index",
    "§3.7, §6 A19",
)
_c("action.error_fields", "every error carries errorCode, message, user (and requestID when the entry had one)", "§3.7")
_c(
    "action.counts_match_model",
    "completed / notCompleted / completedInTestMode and result match the entries the model says succeed",
    "§3.5, §3.7, §3.9",
)
_c(
    "action.errors_match_model",
    "each failing step is reported with its index, step and an errorCode the spec names for it",
    "§3.3, §3.4, §3.8",
)
_c(
    "action.test_mode_changes_nothing",
    "?testOnly=true changes nothing: reads after it equal reads before",
    "§3.9, §0.1.12",
)
_c("action.test_mode_counts", "in test mode completed is 0 and completedInTestMode counts would-be successes", "§3.9")
_c(
    "action.malformed_body",
    "a body that is not JSON, not an array or empty is a 400 error.command.malformed",
    "§3.1, §3.8, §6 A32",
    RECOMMENDED,
)
_c(
    "action.too_many_entries",
    "more than 10 entries is a 400 error.command.malformed and nothing runs",
    "§3.6, §6 A29",
    RECOMMENDED,
)
_c(
    "limits.steps_per_entry",
    "more than 10 steps in an entry fails with error.command.add_remove.list_too_long",
    "§3.6, §6 A29",
    RECOMMENDED,
)
_c(
    "limits.names_per_list",
    "more than 10 names in an add/remove list fails with error.command.add_remove.list_too_long",
    "§3.3, §3.6",
)
_c("limits.email_length", "an email over 60 characters fails with error.user.email.invalid", "§3.3, §3.6")
_c("limits.country_length", "a country longer than 2 fails with error.command.string.too_long", "§3.3, §3.7")
# --- throttling
_c(
    "throttle.retry_after_integer",
    "every 429 carries Retry-After as a whole number of seconds (the official client and the doc samples read it)",
    "§4.2, §4.3",
)
_c("throttle.answer_shape", "a 429 answers JSON with a string error_code and message", "§4.3")
# --- run hygiene
_c("run.no_leftovers", "every object the suite created is gone at the end of the run", "issue 7")
_c(
    "run.only_test_mode_writes",
    "without --umapi-allow-writes every action carried testOnly=true; with it, every real write addressed only "
    "the suite's own contract-... objects",
    "issue 7",
)


def error_contract(kind: str, promise: str, spec: str, basis: str = DOCUMENTED) -> str:
    """Register the contract of one row of the action error table; returns its name."""
    name = f"action.error.{kind}"
    _c(name, promise, spec, basis)
    return name


# ---------------------------------------------------------------- recorder


@dataclass
class Outcome:
    name: str
    passed: int = 0
    failed: int = 0
    errored: int = 0
    message: str = ""
    expected: Any = None
    actual: Any = None
    exchange: dict[str, Any] | None = None  # request and response, redacted
    tests: set[str] = field(default_factory=set)
    not_applicable: str = ""  # why this run's settings cannot judge it (e.g. a dry run of a live org)

    @property
    def status(self) -> str:
        if self.failed:
            return "fail"
        if self.errored:
            return "error"
        if self.passed:
            return "pass"
        if self.not_applicable:
            return "n/a"
        return "not run"


class ContractViolation(AssertionError):
    def __init__(self, name: str, message: str, expected: Any = None, actual: Any = None):
        self.contract = name
        self.detail = message
        self.expected = expected
        self.actual = actual
        text = f"[{name}] {message}"
        if expected is not None or actual is not None:
            text += f"\n  expected: {_short(expected)}\n  actual:   {_short(actual)}"
        super().__init__(text)


def _short(value: Any, limit: int = 600) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


class Recorder:
    """Collects every check of a run (thread-safe; one per process)."""

    def __init__(self) -> None:
        self.outcomes: dict[str, Outcome] = {}
        self.current_test = ""
        self.redact: Any = lambda value: value
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self.outcomes = {}

    def outcome(self, name: str) -> Outcome:
        if name not in CONTRACTS:
            raise KeyError(f"unregistered contract {name!r}")
        found = self.outcomes.get(name)
        if found is None:
            found = self.outcomes[name] = Outcome(name)
        return found

    def record(
        self, name: str, ok: bool, message: str = "", expected: Any = None, actual: Any = None, exchange: Any = None
    ) -> None:
        with self._lock:
            out = self.outcome(name)
            if self.current_test:
                out.tests.add(self.current_test)
            if ok:
                out.passed += 1
                if out.failed == 0 and exchange is not None:
                    out.exchange = _exchange_dict(exchange, self.redact)
                    out.expected = self.redact(expected)
                    out.actual = self.redact(actual)
                return
            # The last failure wins: hypothesis replays its shrunk example last.
            out.failed += 1
            out.message = self.redact(message)
            out.expected = self.redact(expected)
            out.actual = self.redact(actual)
            out.exchange = _exchange_dict(exchange, self.redact) if exchange is not None else out.exchange

    def record_not_applicable(self, name: str, reason: str) -> None:
        with self._lock:
            out = self.outcome(name)
            if self.current_test:
                out.tests.add(self.current_test)
            out.not_applicable = reason
            out.message = out.message or reason

    def record_error(self, name: str, message: str) -> None:
        with self._lock:
            out = self.outcome(name)
            out.errored += 1
            out.message = self.redact(message)


def _exchange_dict(exchange: Any, redact: Any) -> dict[str, Any] | None:
    as_dict = getattr(exchange, "as_report", None)
    if as_dict is None:
        return None
    return redact(as_dict())  # type: ignore[no-any-return]


RECORDER = Recorder()


def check(
    name: str, ok: bool, message: str = "", *, expected: Any = None, actual: Any = None, exchange: Any = None
) -> None:
    """Record one check of contract `name`; raise ContractViolation when it fails."""
    RECORDER.record(name, bool(ok), message, expected, actual, exchange)
    if not ok:
        raise ContractViolation(name, message or "check failed", expected, actual)


def passed(name: str, exchange: Any = None, expected: Any = None, actual: Any = None) -> None:
    RECORDER.record(name, True, "", expected, actual, exchange)


def not_applicable(reason: str, *names: str) -> None:
    """Mark contracts this run cannot judge (reported as `n/a`, never drift in `diff`) and skip the test."""
    import pytest

    for name in names:
        RECORDER.record_not_applicable(name, reason)
    pytest.skip(reason)
