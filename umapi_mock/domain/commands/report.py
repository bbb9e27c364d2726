"""The action report (spec §3.7) as plain data: counts, error items and warning items.

The wire rendering (camelCase keys, omitted empty lists) lives in `umapi_mock.http.wire.actions`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ActionError:
    """One failed entry or step: `step` is always an int (A19)."""

    index: int
    step: int
    code: str
    message: str
    request_id: str | None = None
    user: str | None = None  # the entry's `user` or `usergroup` string, when it had one


@dataclass(frozen=True)
class ActionWarning:
    index: int
    step: int
    code: str
    message: str
    request_id: str | None = None
    user: str | None = None


@dataclass
class ActionReport:
    test_mode: bool = False
    completed: int = 0
    not_completed: int = 0
    completed_in_test_mode: int = 0
    errors: list[ActionError] = field(default_factory=list)
    warnings: list[ActionWarning] = field(default_factory=list)

    @property
    def result(self) -> str:
        if self.not_completed == 0:
            return "success"
        if self.completed + self.completed_in_test_mode == 0:
            return "error"
        return "partial"


class StepError(Exception):
    """One reported error. `at` overrides the step index (entry-level errors);
    `missing_user` marks "the user does not exist", which test mode forgives (§3.9, A27)."""

    def __init__(self, code: str, *, at: int | None = None, missing_user: bool = False, **params: Any):
        super().__init__(code)
        self.code = code
        self.at = at
        self.missing_user = missing_user
        self.params = params
