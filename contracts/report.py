"""The drift report: `contract-report.json` and a Markdown summary per run, and `diff`.

JSON layout (stable; `diff` reads only `target` and `contracts[*].name/status`):

    {"format": "umapi-contract-report/1", "created": ISO time, "target": {...},
     "summary": {"pass": n, "fail": n, "error": n, "n/a": n, "not run": n},
     "contracts": [{"name", "status", "promise", "spec", "basis", "checks": {"passed", "failed"},
                    "message", "expected", "actual", "exchange": {"request", "response"},
                    "tests": [...]}, ...]}

Secrets (client secret, access tokens, anything shaped like a JWT, Authorization headers)
are redacted before anything is written.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from umapi_mock.redaction import redact

from .registry import CONTRACTS, Recorder

FORMAT = "umapi-contract-report/1"


def build_report(
    recorder: Recorder, target: dict[str, Any] | None, secrets: Iterable[str] = (), extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    secret_set = {s for s in secrets if s}
    contracts = []
    summary = {"pass": 0, "fail": 0, "error": 0, "n/a": 0, "not run": 0}
    for name in sorted(CONTRACTS):
        contract = CONTRACTS[name]
        out = recorder.outcomes.get(name)
        status = out.status if out is not None else "not run"
        summary[status] += 1
        item: dict[str, Any] = {
            "name": name,
            "status": status,
            "promise": contract.promise,
            "spec": contract.spec,
            "basis": contract.basis,
            "checks": {"passed": out.passed if out else 0, "failed": out.failed if out else 0},
        }
        if out is not None:
            if out.message:
                item["message"] = out.message
            if out.expected is not None:
                item["expected"] = out.expected
            if out.actual is not None:
                item["actual"] = out.actual
            if out.exchange is not None:
                item["exchange"] = out.exchange
            item["tests"] = sorted(out.tests)
        contracts.append(item)
    report = {
        "format": FORMAT,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "target": target or {},
        "summary": summary,
        "contracts": contracts,
    }
    if extra:
        report.update(extra)
    return redact(report, secret_set)  # type: ignore[no-any-return]


def write_report(report: dict[str, Any], path: str | Path) -> tuple[Path, Path]:
    """Write the JSON report and its Markdown summary beside it (same stem, `.md`)."""
    p = Path(path)
    if p.is_dir() or not p.suffix:
        p = p / "contract-report.json"
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps(report, indent=2, sort_keys=False, default=str) + "\n", encoding="utf-8")
    md = p.with_suffix(".md")
    md.write_text(markdown(report), encoding="utf-8")
    return p, md


def _code(value: Any, limit: int = 1500) -> str:
    text = json.dumps(value, indent=2, default=str, ensure_ascii=False)
    if len(text) > limit:
        text = text[:limit] + "\n..."
    return "```json\n" + text + "\n```"


def markdown(report: dict[str, Any]) -> str:
    target = report.get("target", {})
    s = report.get("summary", {})
    lines = [
        "# UMAPI contract report",
        "",
        f"- target: `{target.get('name', '?')}` ({target.get('kind', '?')}), org `{target.get('org_id', '?')}`",
        f"- run id: `{target.get('run_id', '?')}`, writes: {target.get('writes', False)}, created {report.get('created', '?')}",
        f"- **{s.get('pass', 0)} pass, {s.get('fail', 0)} fail, {s.get('error', 0)} error, "
        f"{s.get('n/a', 0)} n/a, {s.get('not run', 0)} not run**",
        "",
        "| contract | status | basis | spec | promise |",
        "|---|---|---|---|---|",
    ]
    for c in report.get("contracts", []):
        mark = {"pass": "pass", "fail": "**FAIL**", "error": "**ERROR**"}.get(c["status"], c["status"])
        lines.append(f"| `{c['name']}` | {mark} | {c['basis']} | {c['spec']} | {c['promise'].replace('|', '/')} |")
    failing = [c for c in report.get("contracts", []) if c["status"] in ("fail", "error")]
    if failing:
        lines += ["", "## Failures", ""]
    for c in failing:
        lines += [f"### `{c['name']}` ({c['status']})", "", c.get("message", ""), ""]
        if "expected" in c:
            lines += ["Expected:", "", _code(c["expected"]), ""]
        if "actual" in c:
            lines += ["Actual:", "", _code(c["actual"]), ""]
        ex = c.get("exchange")
        if ex:
            req = ex.get("request", {})
            lines += [f"Request: `{req.get('method')} {req.get('url')}`", ""]
            if req.get("body") is not None:
                lines += [_code(req.get("body")), ""]
            resp = ex.get("response", {})
            lines += [f"Response: HTTP {resp.get('status')}", "", _code(resp.get("body")), ""]
    return "\n".join(lines) + "\n"


def load_report(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"cannot read {str(p)!r}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise ValueError(f"{str(p)!r} is not JSON: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("contracts"), list):
        raise ValueError(f"{str(p)!r} is not a contract report")
    return doc


NOT_APPLICABLE = "n/a"


def _outcomes(a: dict[str, Any], b: dict[str, Any]) -> list[tuple[str, str, str]]:
    sa = {c["name"]: c.get("status", "?") for c in a["contracts"]}
    sb = {c["name"]: c.get("status", "?") for c in b["contracts"]}
    return [(n, sa.get(n, "absent"), sb.get(n, "absent")) for n in sorted(set(sa) | set(sb))]


def diff_reports(a: dict[str, Any], b: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(contract, status in a, status in b) for every contract whose outcome differs, except
    where one side could not judge it (`n/a`: a property of that run's settings, not of the
    target)."""
    return [r for r in _outcomes(a, b) if r[1] != r[2] and NOT_APPLICABLE not in r[1:]]


def not_comparable(a: dict[str, Any], b: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Contracts judged on one side only (the other run's settings made them `n/a`)."""
    return [r for r in _outcomes(a, b) if r[1] != r[2] and NOT_APPLICABLE in r[1:]]


def _reasons(a: dict[str, Any], b: dict[str, Any], rows: list[tuple[str, str, str]]) -> list[str]:
    by_name = {c["name"]: c for c in a["contracts"] + b["contracts"] if c.get("status") == NOT_APPLICABLE}
    return [f"  - {n}: n/a ({by_name[n].get('message', '')})" if n in by_name else f"  - {n}" for n, _, _ in rows]


def format_diff(a: dict[str, Any], b: dict[str, Any], a_label: str = "A", b_label: str = "B") -> str:
    rows = diff_reports(a, b)
    ta, tb = a.get("target", {}).get("name", a_label), b.get("target", {}).get("name", b_label)
    skipped = not_comparable(a, b)
    tail = ""
    if skipped:
        tail = f"{len(skipped)} contract(s) judged on one side only (not drift):\n"
        tail += "\n".join(_reasons(a, b, skipped)) + "\n"
    if not rows:
        return f"no drift: every contract judged on both has the same outcome on {ta} and {tb}\n" + tail
    width = max(len(r[0]) for r in rows + [("contract", "", "")])
    lines = [
        f"{len(rows)} contract(s) differ:",
        f"  A = {a_label} ({ta})",
        f"  B = {b_label} ({tb})",
        f"  {'contract'.ljust(width)}  {'A':<8}  {'B':<8}",
    ]
    for name, left, right in rows:
        lines.append(f"  {name.ljust(width)}  {left:<8}  {right:<8}")
    by_name_b = {c["name"]: c for c in b["contracts"]}
    by_name_a = {c["name"]: c for c in a["contracts"]}
    for name, _left, right in rows:
        failing = by_name_b.get(name) if right in ("fail", "error") else by_name_a.get(name)
        if failing and failing.get("message"):
            lines.append(f"  - {name}: {failing['message'].splitlines()[0][:200]}")
    return "\n".join(lines) + "\n" + tail
