"""The action engine (spec §3): one JSON batch of command entries in, one report out.

Plain Python, no Flask. `run_actions` validates the whole body, then runs every entry
inside one org transaction (the org lock serialises concurrent requests). Each step runs
against a savepoint: a failing step is undone on its own and reported, and the entry's
later steps still run (spec §6 A28). Test mode (§3.9) is the very same run followed by a
rollback of the whole transaction, so test and real runs cannot drift apart.

Decisions on points the spec leaves open are marked with their §6 item; the full list is
in docs/fidelity.md.

Error `step` rule (§3.7, A19): always an int. A step's own failure reports that step's
index. Entry-level problems report the index of the offending step where there is one
(create not first, second create, removeFromOrg not last, the 11th step, a malformed
step) and 0 otherwise (missing or bad user/usergroup/domain/requestID, `do` not an
array); the official client indexes `do` with it, which is safe whenever `do` is non-empty.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from .. import heap
from ..models import Org
from .body import check_body
from .context import Entry
from .groups import GroupSteps
from .report import ActionReport, StepError
from .users import UserSteps

log = logging.getLogger("umapi_mock.actions")


def run_actions(org: Org, body: Any, *, test_mode: bool) -> ActionReport:
    entries = check_body(body)
    report = ActionReport(test_mode=test_mode)
    with heap.no_collection(), org.transaction() as txn:
        engine = Engine(org, txn, report, test_mode)
        for index, raw in enumerate(entries):
            engine.run_entry(index, raw)
        if test_mode:
            txn.rollback()
    return report


class Engine(UserSteps, GroupSteps):
    """One run. The step tables hold plain functions, called with the engine: a table of
    bound methods per run would make each run a reference cycle for the collector."""

    USER_STEPS: dict[str, Callable[[Engine, Entry, str, Any], None]] = {
        "addAdobeID": UserSteps.create_user,
        "createEnterpriseID": UserSteps.create_user,
        "createFederatedID": UserSteps.create_user,
        "update": UserSteps.update_user,
        "add": UserSteps.user_membership,
        "remove": UserSteps.user_membership,
        "removeFromOrg": UserSteps.remove_from_org,
    }
    GROUP_STEPS: dict[str, Callable[[Engine, Entry, str, Any], None]] = {
        "createUserGroup": GroupSteps.create_group,
        "updateUserGroup": GroupSteps.update_group,
        "deleteUserGroup": GroupSteps.delete_group,
        "add": GroupSteps.group_membership,
        "remove": GroupSteps.group_membership,
    }

    def run_entry(self, index: int, raw: Any) -> None:
        entry = Entry(index)
        try:
            steps = self.validate_entry(entry, raw)
        except StepError as err:
            self.error(entry, err.at or 0, err)
            self.finish(entry)
            return
        handlers = self.USER_STEPS if entry.kind == "user" else self.GROUP_STEPS
        undo_log = self.org._undo  # the run's undo log (the same list all run): its length is a savepoint
        assert undo_log is not None
        for at, (name, value) in enumerate(steps):
            savepoint = len(undo_log)
            self.step_at = at
            handler = handlers.get(name)
            try:
                if handler is None:
                    raise StepError("error.command.step.unknown", step=name)
                handler(self, entry, name, value)
            except StepError as err:
                self.undo(savepoint)
                if not (self.test_mode and err.missing_user):
                    self.error(entry, at, err)
            except Exception:  # an emulator bug: fail the step, not the whole request
                log.exception("action step %s of entry %d failed unexpectedly", name, index)
                self.undo(savepoint)
                self.error(entry, at, StepError("error.internal.exceptionflys", step=name))
            if name == "deleteUserGroup" and entry.kind == "usergroup":
                break  # "no further steps run after it" (spec §3.4)
        self.finish(entry)

    def undo(self, savepoint: int) -> None:
        if self.txn.savepoint() > savepoint:
            self.txn.rollback_to(savepoint)

    def finish(self, entry: Entry) -> None:
        if entry.failed:
            self.report.not_completed += 1
        elif self.test_mode:
            self.report.completed_in_test_mode += 1
        else:
            self.report.completed += 1
