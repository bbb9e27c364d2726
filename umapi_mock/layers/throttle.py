"""Gateway rate limiting (spec §4.3, §4.4): sliding one-minute windows per endpoint family.

The throttle knows nothing about Flask, nor about paths: the app hook passes the family of
the matched endpoint (a row of the endpoint table, `http/routes.py`) to
`Throttle.check(family, client_id)` and, when refused, answers the documented 429 with an integer `Retry-After` equal to the real wait, rounded up.
Time comes from the backend's injectable clock, so tests advance it instead of sleeping.

Policy documents (`Config.throttle`, `--throttle FILE`, `PUT /_mock/throttle`):

    "off"                 no limits (the default)
    "documented"          the documented per-minute limits, per client and global
    "field"               the documented limits plus the running-frequency control as the
                          field meets it (sync_frequency.py; `sync_interval` 7200)
    {                     a custom policy
      "base": "documented" | "field" | "none",  # start from those (default documented)
      "window": 60,                       # default window in seconds (default 60)
      "families": {
        "action": {"per_client": 2, "global": 20, "window": 10},
        "user": "off",                    # this family is not limited
        "*": {"per_client": 50}           # every family not listed
      },
      "sync_interval": 7200               # the running-frequency window (sync_frequency.py); off when
                                          # absent, except with base "field" (7200; null turns it off)
    }

A field left out of a family entry keeps the base value (documented number, or unlimited
with base "none"); `null` means unlimited.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..documents import DocumentError, read_document
from ..domain.limits import DOCUMENTED_RATES, FAMILIES  # a policy names families of the endpoint table
from .sync_frequency import DOCUMENTED_INTERVAL, SyncControl, run_of


class PolicyError(ValueError):
    """A bad throttle policy: where in the document and what is wrong."""

    def __init__(self, path: str, problem: str):
        super().__init__(f"{path or '(top)'}: {problem}")
        self.path, self.problem = path, problem


@dataclass(frozen=True)
class Limit:
    per_client: int | None  # None = unlimited
    global_: int | None
    window: float

    def as_json(self) -> dict[str, Any]:
        return {"per_client": self.per_client, "global": self.global_, "window": self.window}


@dataclass(frozen=True)
class Policy:
    """Limits per family; a family missing from `limits` is not throttled."""

    name: str  # "off", "documented", "field" or "custom"
    limits: dict[str, Limit]
    source: Any = None  # the document it was parsed from, for GET /_mock/throttle
    sync_interval: float | None = None  # seconds a client's run window lasts; None = no running-frequency control

    @property
    def enabled(self) -> bool:
        return bool(self.limits) or self.sync_interval is not None

    def as_json(self) -> dict[str, Any]:
        return {
            "mode": self.name,
            "families": {f: lim.as_json() for f, lim in self.limits.items()},
            "sync_interval": self.sync_interval,
        }


def _documented_limits() -> dict[str, Limit]:
    return {f: Limit(r.per_client, r.global_, r.window) for f, r in DOCUMENTED_RATES.items()}


def parse_policy(doc: Any) -> Policy:
    """`Config.throttle` (or a policy file's parsed content) → Policy; PolicyError when invalid.
    An already parsed Policy is returned as it is (the CLI parses its file once)."""
    if isinstance(doc, Policy):
        return doc
    if doc is None or doc is False or doc == "off":
        return Policy("off", {}, "off")
    if doc == "documented" or doc is True:
        return Policy("documented", _documented_limits(), "documented")
    if doc == "field":
        return Policy("field", _documented_limits(), "field", DOCUMENTED_INTERVAL)
    expected = "'off', 'documented', 'field' or a policy mapping"
    if isinstance(doc, str):
        raise PolicyError("", f"expected {expected}, got {doc!r}")
    if not isinstance(doc, dict):
        raise PolicyError("", f"expected {expected}, got {type(doc).__name__}")
    unknown = sorted(set(doc) - {"base", "window", "families", "sync_interval"})
    if unknown:
        raise PolicyError(unknown[0], "unknown key (allowed: base, families, sync_interval, window)")
    base = doc.get("base", "documented")
    if base not in ("documented", "field", "none"):
        raise PolicyError("base", f"must be 'documented', 'field' or 'none', not {base!r}")
    sync_interval = doc.get("sync_interval", DOCUMENTED_INTERVAL if base == "field" else None)
    if sync_interval is not None:
        sync_interval = _number(sync_interval, "sync_interval", positive=True)
    window = _number(doc.get("window", 60), "window", positive=True)
    families = doc.get("families", {})
    if families is None:
        families = {}
    if not isinstance(families, dict):
        raise PolicyError("families", f"expected a mapping of family names, got {type(families).__name__}")
    for name in families:
        if name != "*" and name not in FAMILIES:
            raise PolicyError(f"families.{name}", f"unknown family (known: {', '.join(FAMILIES)}, *)")

    documented = _documented_limits() if base != "none" else {}
    limits: dict[str, Limit] = {}
    for family in FAMILIES:
        start = documented.get(family)
        entry = families.get(family, families.get("*"))
        key = family if family in families else "*"
        if entry is None and key not in families:
            if start is not None:
                limits[family] = Limit(start.per_client, start.global_, window if "window" in doc else start.window)
            continue
        limit = _family_limit(entry, f"families.{key}", start, window)
        if limit is not None:
            limits[family] = limit
    return Policy("custom", limits, doc, sync_interval)


def _family_limit(entry: Any, path: str, start: Limit | None, window: float) -> Limit | None:
    if entry in ("off", None, False):
        return None
    if not isinstance(entry, dict):
        raise PolicyError(path, "expected a mapping with per_client/global/window, or 'off'")
    unknown = sorted(set(entry) - {"per_client", "global", "window"})
    if unknown:
        raise PolicyError(f"{path}.{unknown[0]}", "unknown key (allowed: global, per_client, window)")
    per_client = start.per_client if start else None
    global_ = start.global_ if start else None
    if "per_client" in entry:
        per_client = _count(entry["per_client"], f"{path}.per_client")
    if "global" in entry:
        global_ = _count(entry["global"], f"{path}.global")
    win = _number(entry["window"], f"{path}.window", positive=True) if "window" in entry else window
    if per_client is None and global_ is None:
        return None
    return Limit(per_client, global_, win)


def _count(value: Any, path: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise PolicyError(path, f"expected a non-negative integer or null, got {value!r}")
    return value


def _number(value: Any, path: str, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (positive and value <= 0):
        raise PolicyError(path, f"expected a positive number of seconds, got {value!r}")
    return float(value)


def load_policy_file(path: str) -> Policy:
    """Read a YAML/JSON policy file (for the CLI's `--throttle FILE`)."""
    try:
        doc = read_document(path, "throttle policy")
    except DocumentError as exc:
        raise PolicyError("", str(exc)) from None
    return parse_policy(doc)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int = 0  # whole seconds to wait (only when refused)
    wait: float = 0.0  # the exact wait
    scope: str = ""  # "client", "global" (the window that refused) or "sync" (the sync-frequency control)


class Throttle:
    """Sliding-window counters, thread-safe. Only admitted requests are recorded."""

    def __init__(self, policy: Policy, now: Callable[[], float]):
        self._policy = policy
        self._now = now
        self._lock = threading.Lock()
        self._client: dict[tuple[str, str], deque[float]] = {}
        self._global: dict[str, deque[float]] = {}
        self.syncs = SyncControl(policy.sync_interval, now)
        self.listeners: list[Callable[[], None]] = []  # told after the policy changes (persistence)

    @property
    def policy(self) -> Policy:
        return self._policy

    def set_policy(self, policy: Policy) -> None:
        with self._lock:
            self._policy = policy
            self._client.clear()
            self._global.clear()
            self.syncs = SyncControl(policy.sync_interval, self._now)
        for listener in list(self.listeners):
            listener()

    def clear(self) -> None:
        with self._lock:
            self._client.clear()
            self._global.clear()
            self.syncs.clear()

    def check(
        self, family: str | None, client_id: str | None, pragma: str | None = None, authorization: str | None = None
    ) -> Decision:
        """Admit (and record) or refuse one request of `family` from `client_id`; the
        running-frequency control judges its run (its bearer token) first."""
        if family is None:
            return Decision(True)
        syncs = self.syncs
        run = run_of(authorization)
        wait = syncs.wait(client_id, run, self._now())
        if wait is not None:
            return Decision(False, wait, float(wait), "sync")
        decision = self._check_rate(family, client_id)
        if decision.allowed:
            syncs.record(client_id, run, pragma, self._now())
        return decision

    def _check_rate(self, family: str, client_id: str | None) -> Decision:
        with self._lock:
            limit = self._policy.limits.get(family)
            if limit is None:
                return Decision(True)
            now = self._now()
            cutoff = now - limit.window
            client_q = self._client.setdefault((family, client_id or ""), deque())
            global_q = self._global.setdefault(family, deque())
            for q in (client_q, global_q):
                while q and q[0] <= cutoff:
                    q.popleft()
            waits: list[tuple[float, str]] = []
            for q, cap, scope in ((client_q, limit.per_client, "client"), (global_q, limit.global_, "global")):
                if cap is not None and len(q) >= cap:
                    waits.append((_wait(q, cap, limit.window, now), scope))
            if waits:
                wait, scope = max(waits)
                return Decision(False, max(1, math.ceil(wait - 1e-9)), wait, scope)
            client_q.append(now)
            global_q.append(now)
            return Decision(True)

    def usage(self) -> dict[str, Any]:
        """Requests currently counted in each window (for GET /_mock/throttle)."""
        with self._lock:
            now = self._now()
            out: dict[str, Any] = {}
            for family, q in self._global.items():
                limit = self._policy.limits.get(family)
                if limit is None:
                    continue
                live = [t for t in q if t > now - limit.window]
                clients = {
                    cid: sum(1 for t in cq if t > now - limit.window)
                    for (fam, cid), cq in self._client.items()
                    if fam == family
                }
                out[family] = {"global": len(live), "clients": {c: n for c, n in clients.items() if n}}
            return out


def _wait(q: deque[float], cap: int, window: float, now: float) -> float:
    """Seconds until one more request fits: the (len - cap + 1)-th oldest must leave the window."""
    if cap == 0:
        return window
    return q[len(q) - cap] + window - now
