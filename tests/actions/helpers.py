"""Checks shared by the action tests: report shape (spec §3.7) and state snapshots."""

from __future__ import annotations

import json
import re
from typing import Any

from umapi_mock.domain.models import USER_GROUP, Org
from umapi_mock.seed import dump_orgs

REPORT_KEYS = {"completed", "notCompleted", "completedInTestMode", "result", "errors", "warnings"}
ERROR_KEYS = {"index", "step", "requestID", "message", "user", "errorCode"}
WARNING_KEYS = {"index", "step", "requestID", "message", "user", "warningCode"}

DIRECTORY_SYNC_REFUSALS = frozenset({"error.internal.create_failed", "error.internal.removefromorg"})


def check_report(report: dict[str, Any], body: Any, *, test_mode: bool) -> None:
    """Spec §3.7 for any 200 answer to `body`: counts, result, and errors whose `step`
    indexes the entry's `do` list (the official client does `commands[error["step"]]`)."""
    assert set(report) <= REPORT_KEYS, report
    assert "errors" not in report or report["errors"], "errors must be omitted when empty"
    assert "warnings" not in report or report["warnings"], "warnings must be omitted when empty"
    ok = report["completedInTestMode"] if test_mode else report["completed"]
    assert report["completedInTestMode" if not test_mode else "completed"] == 0
    assert ok + report["notCompleted"] == len(body)
    failed = {e["index"] for e in report.get("errors", [])}
    assert len(failed) == report["notCompleted"]
    expected = "success" if not failed else ("error" if ok == 0 else "partial")
    assert report["result"] == expected
    for item in report.get("errors", []) + report.get("warnings", []):
        assert set(item) <= (ERROR_KEYS if "errorCode" in item else WARNING_KEYS), item
        assert type(item["index"]) is int and type(item["step"]) is int, item
        assert 0 <= item["index"] < len(body)
        entry = body[item["index"]]
        do = entry.get("do") if isinstance(entry, dict) else None
        if isinstance(do, list) and do:
            assert 0 <= item["step"] < len(do), item
        else:
            assert item["step"] == 0, item
        assert isinstance(item["message"], str) and item["message"], item
        assert not re.search(r"\{\w+\}", item["message"]), item
        code = item.get("errorCode", item.get("warningCode"))
        assert isinstance(code, str), item
        # internal codes mean an emulator bug, except the refusals of a directory-synced org
        assert not code.startswith("error.internal.") or code in DIRECTORY_SYNC_REFUSALS, item
        label = None
        if isinstance(entry, dict):
            label = entry.get("user") if isinstance(entry.get("user"), str) else None
            if label is None and isinstance(entry.get("usergroup"), str):
                label = entry["usergroup"]
        assert item.get("user") == label, item
        rid = entry.get("requestID") if isinstance(entry, dict) else None
        assert item.get("requestID") == (rid if isinstance(rid, str) else None), item


def error_keys(report: dict[str, Any]) -> list[tuple[int, int, str]]:
    return [(e["index"], e["step"], e["errorCode"]) for e in report.get("errors", [])]


def dump_json(org: Org, *, canonical_order: bool = True) -> str:
    """The org in seed format as text. With `canonical_order`, users and groups are sorted
    by id, so only content counts, not dict insertion order."""
    doc = dump_orgs([org])
    if canonical_order:
        for o in doc["orgs"]:
            o["users"].sort(key=lambda u: u["id"])
            o["groups"].sort(key=lambda g: g["id"])
    return json.dumps(doc, sort_keys=True)


def org_state(org: Org) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Id-free content of an org: users with memberships, user groups with profiles."""
    users = [
        (
            u.type,
            u.email,
            u.username,
            u.domain,
            u.firstname,
            u.lastname,
            u.country,
            u.status,
            tuple(sorted(org.groups[g].name for g in org.memberships.get(uid, ()))),
        )
        for uid, u in org.users.items()
    ]
    groups = [
        (g.name, g.description, tuple(sorted(org.groups[p].name for p in g.profiles)), g.read_only)
        for g in org.groups.values()
        if g.type == USER_GROUP
    ]
    return sorted(users, key=repr), sorted(groups, key=repr)
