"""The checks shared by the example contracts and the state machine: paging invariants,
action reports against the model's prediction, reads against the model."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .model import Expect, MUser, OrgModel, predicted_failure
from .registry import check, passed
from .target import Listing, Reply, Target, iter_prefixed, read_all

RESULTS = ("success", "partial", "error")


def _int_header(reply: Reply, name: str) -> int | None:
    value = reply.headers.get(name)
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return -1


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# ------------------------------------------------------------------ paging


def check_paging(
    listing: Listing, key: Callable[[dict[str, Any]], Any], *, headers_documented: bool, total_may_exceed: bool
) -> None:
    """The paging invariants of spec §2.4 over every page of one list."""
    pages = listing.pages
    last = pages[-1]
    bodies = [p.json_or_none() for p in pages]
    for p, b in zip(pages, bodies):
        check(
            "paging.last_page_flag",
            p.status == 200 and isinstance(b, dict) and isinstance(b.get("lastPage"), bool),
            f"page answered HTTP {p.status} without a boolean lastPage",
            actual=b if not isinstance(b, str) else b[:300],
            exchange=p.exchange,
        )
    flags = [b["lastPage"] for b in bodies]
    counts = [_int_header(p, "X-Page-Count") for p in pages]
    count = counts[0]
    check(
        "paging.last_page_flag",
        flags[-1] is True and not any(flags[:-1]) and (count is None or len(pages) == count),
        f"lastPage flags over {len(pages)} page(s) were {flags} (X-Page-Count {count})",
        expected=[False] * ((count or len(pages)) - 1) + [True],
        actual=flags,
        exchange=last.exchange,
    )
    sizes = [len(b.get(listing.items_key) or []) for b in bodies]
    present = [p for p in pages if p.headers.get("X-Page-Size") is not None]
    if headers_documented or present:
        for i, (p, _b) in enumerate(zip(pages, bodies)):
            got = {h: _int_header(p, h) for h in ("X-Page-Size", "X-Current-Page", "X-Total-Count", "X-Page-Count")}
            want_size = sizes[i]
            ok = (
                got["X-Page-Size"] == want_size
                and got["X-Current-Page"] == i
                and got["X-Total-Count"] == _int_header(pages[0], "X-Total-Count")
                and got["X-Page-Count"] == count
                and count is not None
                and count >= 1
            )
            check(
                "paging.headers_match_body",
                ok,
                f"page {i}: headers {got} but the body holds {want_size} entries",
                expected={"X-Page-Size": want_size, "X-Current-Page": i},
                actual=got,
                exchange=p.exchange,
            )
    items = listing.items
    keys = [key(x) for x in items]
    dupes = sorted({repr(k) for k in keys if keys.count(k) > 1})
    total = _int_header(pages[0], "X-Total-Count")
    total_ok = total is None or (len(items) <= total if total_may_exceed else len(items) == total)
    check(
        "paging.union_no_duplicates",
        not dupes and total_ok,
        f"{len(items)} entries over {len(pages)} pages, X-Total-Count {total}, duplicates {dupes[:5]}",
        exchange=last.exchange,
    )
    full = sizes[:-1]
    check(
        "paging.page_size_constant",
        all(s == full[0] and s > 0 for s in full) and (not full or sizes[-1] <= full[0]),
        f"page sizes {sizes}",
        exchange=last.exchange,
    )


def user_key(user: dict[str, Any]) -> Any:
    return (str(user.get("email", "")).lower(), user.get("type"))


def group_key(group: dict[str, Any]) -> Any:
    return str(group.get("groupName", "")).lower(), group.get("type")


def read_users(target: Target, **params: Any) -> Listing:
    return read_all(lambda p: target.users_page(p, **params), "users")


def read_groups(target: Target) -> Listing:
    return read_all(target.groups_page, "groups")


def read_group_users(target: Target, group: str, **params: Any) -> Listing:
    return read_all(lambda p: target.users_page(p, group=group, **params), "users")


def org_users(target: Target) -> Listing:
    """The org's users (of --umapi-domain on a URL), read once per run: tests leave the org as found."""
    cached = getattr(target, "_contract_users", None)
    if cached is None:
        domain = target.settings.domain if target.kind == "remote" else None
        cached = read_users(target, domain=domain) if domain else read_users(target)
        target._contract_users = cached  # type: ignore[attr-defined]
    return cached


def org_groups(target: Target) -> Listing:
    """The org's groups, read once per run."""
    cached = getattr(target, "_contract_groups", None)
    if cached is None:
        cached = read_groups(target)
        target._contract_groups = cached  # type: ignore[attr-defined]
    return cached


# ------------------------------------------------------------------ shapes


def check_user_shape(user: Any, exchange: Any) -> None:
    ok = isinstance(user, dict) and all(
        isinstance(user.get(f), str) for f in ("email", "username", "domain", "type", "status")
    )
    ok = ok and user.get("type") in ("adobeID", "enterpriseID", "federatedID", "unknown")
    ok = ok and (
        "groups" not in user or (isinstance(user["groups"], list) and all(isinstance(g, str) for g in user["groups"]))
    )
    ok = ok and all(user.get(f) is None or isinstance(user[f], str) for f in ("firstname", "lastname", "country"))
    check(
        "reads.user_shape",
        ok,
        "user object lacks a required string field or has a wrongly typed one",
        actual=user,
        exchange=exchange,
    )


def check_group_shape(group: Any, exchange: Any) -> None:
    ok = isinstance(group, dict) and _is_int(group.get("groupId")) and isinstance(group.get("groupName"), str)
    ok = ok and isinstance(group.get("type"), str) and _is_int(group.get("memberCount"))
    ok = ok and ("licenseQuota" not in group or isinstance(group["licenseQuota"], str))
    check(
        "reads.group_shape",
        ok,
        "group object lacks groupId/groupName/type/memberCount or has wrong types",
        actual=group,
        exchange=exchange,
    )


# ------------------------------------------------------------------ actions

# The contracts `check_action_reply` judges (for the `contract` marks of the tests that call it).
ACTION_REPLY_CONTRACTS = (
    "action.errors_match_model",
    "action.report_shape",
    "action.errors_omitted_when_empty",
    "action.error_step_is_index",
    "action.error_fields",
    "action.counts_match_model",
    "action.test_mode_counts",
)


def check_action_reply(
    reply: Reply, entries: list[Any], expects: list[list[Expect]], test_mode: bool, only: int | None = None
) -> dict[str, Any]:
    """Judge one action reply against the model's prediction for each entry (with `only`, the
    per-entry checks judge that entry alone, and errors naming no entry; the report's shape and
    counts are always judged whole)."""
    ex = reply.exchange
    body = reply.json_or_none()
    shape_ok = reply.status == 200 and isinstance(body, dict)
    if shape_ok:
        shape_ok = all(_is_int(body.get(k)) for k in ("completed", "notCompleted", "completedInTestMode"))
        shape_ok = shape_ok and body.get("result") in RESULTS
        shape_ok = shape_ok and all(isinstance(body.get(k, []), list) for k in ("errors", "warnings"))
    check("action.report_shape", shape_ok, f"HTTP {reply.status}: not a §3.7 action report", actual=body, exchange=ex)
    assert isinstance(body, dict)
    check(
        "action.errors_omitted_when_empty",
        body.get("errors", None) != [] and body.get("warnings", None) != [],
        "an empty errors/warnings list was sent instead of being omitted",
        actual=body,
        exchange=ex,
    )
    errors: list[dict[str, Any]] = body.get("errors", [])
    n = len(entries)
    mine = [
        e
        for e in errors
        if only is None or not isinstance(e, dict) or e.get("index") == only or not _is_int(e.get("index"))
    ]

    def step_ok(e: Any) -> bool:
        if not isinstance(e, dict) or not _is_int(e.get("index")) or not 0 <= e["index"] < n:
            return False
        if not _is_int(e.get("step")):
            return False
        do = entries[e["index"]].get("do") if isinstance(entries[e["index"]], dict) else None
        return bool(0 <= e["step"] < len(do) if isinstance(do, list) and do else e["step"] == 0)

    bad_steps = [e for e in mine if not step_ok(e)]
    check(
        "action.error_step_is_index",
        not bad_steps,
        "errors[].index/step must be integers naming an entry and a step of its do list",
        actual=bad_steps[:3],
        exchange=ex,
    )
    bad_fields = []
    for e in mine:
        entry = entries[e["index"]]
        who = entry.get("user", entry.get("usergroup")) if isinstance(entry, dict) else None
        rid = entry.get("requestID") if isinstance(entry, dict) else None
        ok = isinstance(e.get("errorCode"), str) and isinstance(e.get("message"), str)
        if isinstance(who, str):
            ok = ok and e.get("user") == who
        if isinstance(rid, str):
            ok = ok and e.get("requestID") == rid
        if not ok:
            bad_fields.append(e)
    check(
        "action.error_fields",
        not bad_fields,
        "errors must carry errorCode, message, the entry's user and requestID",
        actual=bad_fields[:3],
        exchange=ex,
    )

    failing = 0
    may_fail = 0
    for i, exp in enumerate(expects):
        verdict = predicted_failure(exp)
        failing += verdict is True
        may_fail += verdict is None
        if only is not None and i != only:
            continue
        actual = [e for e in errors if e.get("index") == i]
        for x in exp:
            if x.required:
                check(
                    x.contract,
                    any(x.matches(a) for a in actual),
                    f"entry {i} ({_describe(entries[i])}): expected {sorted(x.codes)} at step {x.step}",
                    expected={"index": i, "step": x.step, "errorCode": sorted(x.codes)},
                    actual=actual,
                    exchange=ex,
                )
        unexpected = [a for a in actual if not any(x.matches(a) for x in exp)]
        contract = next((x.contract for x in exp if x.required), "action.errors_match_model")
        check(
            contract,
            not unexpected,
            f"entry {i} ({_describe(entries[i])}): unexpected error(s)",
            expected=[{"step": x.step, "codes": sorted(x.codes)} for x in exp],
            actual=unexpected,
            exchange=ex,
        )
    if not errors and not any(expects):
        passed("action.errors_match_model", ex)
    not_completed = body["notCompleted"]
    if test_mode:  # judged before the counts: a test-mode write shows here first
        check(
            "action.test_mode_counts",
            body["completed"] == 0 and body["completedInTestMode"] + not_completed == n,
            "test mode must report completed 0 and count would-be successes in completedInTestMode",
            expected={"completed": 0, "completedInTestMode + notCompleted": n},
            actual=body,
            exchange=ex,
        )
    done = body["completedInTestMode"] if test_mode else body["completed"]
    other = body["completed"] if test_mode else body["completedInTestMode"]
    counts_ok = failing <= not_completed <= failing + may_fail and done == n - not_completed and other == 0
    want_result = "success" if not_completed == 0 else ("error" if not_completed == n else "partial")
    counts_ok = counts_ok and body["result"] == want_result
    check(
        "action.counts_match_model",
        counts_ok,
        f"{n} entries, model says {failing} fail (+{may_fail} may): got completed {body['completed']}, "
        f"completedInTestMode {body['completedInTestMode']}, notCompleted {not_completed}, result {body['result']}",
        expected={"notCompleted": failing, "result": want_result},
        actual=body,
        exchange=ex,
    )
    return body


def _describe(entry: Any) -> str:
    if not isinstance(entry, dict):
        return repr(entry)[:80]
    who = entry.get("user", entry.get("usergroup", "?"))
    do = entry.get("do")
    steps = [next(iter(s)) if isinstance(s, dict) and s else repr(s) for s in do] if isinstance(do, list) else repr(do)
    return f"{who}: {steps}"


# ------------------------------------------------------------------ throttling


def check_throttled(reply: Reply) -> None:
    """One 429 answer (spec §4.2, §4.3): an integer Retry-After and the gateway's JSON body."""
    value = reply.headers.get("Retry-After")
    check(
        "throttle.retry_after_integer",
        value is not None and value.strip().isdigit(),
        f"a 429 must carry Retry-After as whole seconds, got {value!r}",
        expected="Retry-After: <integer seconds>",
        actual={"status": reply.status, "Retry-After": value},
        exchange=reply.exchange,
    )
    body = reply.json_or_none()
    check(
        "throttle.answer_shape",
        isinstance(body, dict) and isinstance(body.get("error_code"), str) and isinstance(body.get("message"), str),
        "a 429 must answer JSON with a string error_code and message",
        expected={"error_code": "429050", "message": "Too many requests"},
        actual=body if body is not None else reply.text[:300],
        exchange=reply.exchange,
    )


# ------------------------------------------------------------------ reads vs model


def user_diff(item: dict[str, Any], mu: MUser, groups: set[str] | None = None) -> dict[str, Any]:
    """Fields where a served user object disagrees with the model (empty when it agrees)."""
    diff: dict[str, Any] = {}
    if str(item.get("email", "")).lower() != mu.email.lower():
        diff["email"] = (item.get("email"), mu.email)
    if item.get("type") != mu.type:
        diff["type"] = (item.get("type"), mu.type)
    for f in ("firstname", "lastname", "country"):
        if item.get(f) != getattr(mu, f):
            diff[f] = (item.get(f), getattr(mu, f))
    if item.get("status") != "active":
        diff["status"] = (item.get("status"), "active")
    want = set(mu.groups) if groups is None else groups
    got = {str(g).lower() for g in item.get("groups", [])}
    if got != want:
        diff["groups"] = (sorted(got), sorted(want))
    return diff


def check_users_listing(model: OrgModel, listing: Listing, contract: str) -> None:
    served = {u["email"].lower(): u for u in iter_prefixed(listing.items, "email", model.prefix)}
    missing = sorted(set(model.users) - set(served))
    extra = sorted(set(served) - set(model.users))
    diffs = {k: user_diff(served[k], model.users[k]) for k in sorted(set(served) & set(model.users))}
    diffs = {k: v for k, v in diffs.items() if v}
    check(
        contract,
        not missing and not extra and not diffs,
        f"users listing vs model: missing {missing}, unexpected {extra}, differing {diffs}",
        expected=sorted(model.users),
        actual=sorted(served),
        exchange=listing.pages[-1].exchange,
    )


def check_get_user(target: Target, model: OrgModel, email: str, contract: str, adobe: bool = False) -> None:
    reply = target.get_user(email, domain="AdobeID" if adobe else None)
    mu = model.users.get(email.lower())
    body = reply.json_or_none()
    if mu is None:
        ok = reply.status == 404 and isinstance(body, dict) and body.get("result") == "error.user.not_found"
        check(
            contract,
            ok,
            f"Get User {email}: the model has no such user, expected 404 error.user.not_found",
            expected={"status": 404, "result": "error.user.not_found"},
            actual={"status": reply.status, "body": body},
            exchange=reply.exchange,
        )
        return
    ok = (
        reply.status == 200
        and isinstance(body, dict)
        and body.get("result") == "success"
        and isinstance(body.get("user"), dict)
    )
    diff = user_diff(body["user"], mu) if ok else {}
    check(
        contract,
        ok and not diff,
        f"Get User {email} disagrees with the model: {diff or reply.status}",
        expected=mu.__dict__,
        actual=body,
        exchange=reply.exchange,
    )


def check_groups_listing(model: OrgModel, listing: Listing, contract: str) -> None:
    served = {
        g["groupName"].lower(): g
        for g in iter_prefixed(listing.items, "groupName", model.prefix)
        if g.get("type") == "USER_GROUP"
    }
    missing = sorted(set(model.groups) - set(served))
    extra = sorted(set(served) - set(model.groups))
    counts = {
        k: (served[k].get("memberCount"), len(model.members(k)))
        for k in set(served) & set(model.groups)
        if served[k].get("memberCount") != len(model.members(k))
    }
    check(
        contract,
        not missing and not extra and not counts,
        f"groups listing vs model: missing {missing}, unexpected {extra}, memberCount (served, model) {counts}",
        expected=sorted(model.groups),
        actual=sorted(served),
        exchange=listing.pages[-1].exchange,
    )


def check_group_members(target: Target, model: OrgModel, group: str, contract: str) -> Listing | None:
    listing = read_group_users(target, group)
    first = listing.pages[0]
    if group.lower() not in model.groups:
        body = first.json_or_none()
        ok = first.status == 404 and isinstance(body, dict) and body.get("result") == "error.group.not_found"
        check(
            contract,
            ok,
            f"users of {group}: the model has no such group, expected 404 error.group.not_found",
            actual={"status": first.status, "body": body},
            exchange=first.exchange,
        )
        return None
    served = {u["email"].lower() for u in listing.items if isinstance(u.get("email"), str)}
    want = model.members(group)
    check(
        contract,
        first.status == 200 and served == want,
        f"members of {group}: served {sorted(served)}, model {sorted(want)}",
        expected=sorted(want),
        actual=sorted(served),
        exchange=listing.pages[-1].exchange,
    )
    return listing
