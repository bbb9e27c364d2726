"""Plain-Python policies around the UMAPI handlers: throttling, fault injection and the
request journal. Nothing here knows Flask; `umapi_mock.http.middleware` applies them to
requests, in the order the app factory lists its hooks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .faults import FaultRule, FaultSet, parse_fault_rule
from .journal import Journal
from .throttle import Policy, Throttle, parse_policy


@dataclass
class Layers:
    """The three policies of one emulator instance."""

    throttle: Throttle
    faults: FaultSet
    journal: Journal

    @classmethod
    def build(
        cls,
        now: Callable[[], float],
        *,
        throttle: str | dict[str, Any] | Policy = "off",
        faults: Sequence[FaultRule | dict[str, Any]] | None = None,
        journal_size: int = 10_000,
        journal_bodies: int = 200,
    ) -> Layers:
        journal = Journal(journal_size, journal_bodies)
        return cls(Throttle(parse_policy(throttle), now), FaultSet(list(faults or [])), journal)

    def reset(
        self,
        *,
        throttle: str | dict[str, Any] | Policy = "off",
        faults: Sequence[FaultRule | dict[str, Any]] | None = None,
    ) -> None:
        """Throttle windows, fault rules and journal emptied; `throttle` and `faults` installed.
        Both are parsed before anything changes, so a bad one leaves the layers as they were."""
        policy = parse_policy(throttle)
        if isinstance(faults, Mapping):
            faults = [faults]
        rules = [
            r.fresh() if isinstance(r, FaultRule) else parse_fault_rule(r, f"[{i}]") for i, r in enumerate(faults or [])
        ]
        self.throttle.set_policy(policy)
        self.throttle.clear()
        self.faults.clear()
        if rules:
            self.faults.add(rules)
        self.journal.clear()


__all__ = ["Layers"]
