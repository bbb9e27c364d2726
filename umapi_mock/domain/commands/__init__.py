"""The action engine (spec §3), one module per idea: `body` (parsing), `report` (the result
objects), `syntax` (validation), `users` and `groups` (the steps), `engine` (the run)."""

from .body import JsonObject, check_body, parse_body
from .engine import run_actions
from .report import ActionError, ActionReport, ActionWarning, StepError

__all__ = [
    "ActionError",
    "ActionReport",
    "ActionWarning",
    "JsonObject",
    "StepError",
    "check_body",
    "parse_body",
    "run_actions",
]
