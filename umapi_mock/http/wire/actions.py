"""The action report on the wire (spec §3.7): camelCase keys in the documented order, and
`errors`/`warnings` omitted when empty (the official client reads the presence of
`errors` as "something failed")."""

from __future__ import annotations

from typing import Any

from ...domain.commands import ActionError, ActionReport, ActionWarning


def render_error(item: ActionError) -> dict[str, Any]:
    out: dict[str, Any] = {"index": item.index, "step": item.step}
    if item.request_id is not None:
        out["requestID"] = item.request_id
    out["message"] = item.message
    if item.user is not None:
        out["user"] = item.user
    out["errorCode"] = item.code
    return out


def render_warning(item: ActionWarning) -> dict[str, Any]:
    out: dict[str, Any] = {"warningCode": item.code}
    if item.request_id is not None:
        out["requestID"] = item.request_id
    out.update(index=item.index, step=item.step, message=item.message)
    if item.user is not None:
        out["user"] = item.user
    return out


def render_report(report: ActionReport) -> dict[str, Any]:
    out: dict[str, Any] = {
        "completed": report.completed,
        "notCompleted": report.not_completed,
        "completedInTestMode": report.completed_in_test_mode,
        "result": report.result,
    }
    if report.errors:
        out["errors"] = [render_error(e) for e in report.errors]
    if report.warnings:
        out["warnings"] = [render_warning(w) for w in report.warnings]
    return out
