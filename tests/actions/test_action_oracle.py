"""The contract kit's oracle predicting the engine on the suite's whole org.

The kit's strategies and model (`umapi_mock.contracts`) are built to judge a live org by the
objects the kit creates; here the same batches address the hand-written org of
`conftest.ACTIONS_SEED`, whose accounts the kit never created (an Adobe ID sharing an email,
a member of a read-only group, an org admin). The model, started from the whole org, must
predict every error of the report and the org's content after it, in real and test mode.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.actions.conftest import ACTIONS_SEED, ORG
from tests.actions.helpers import check_report, dump_json, org_state
from umapi_mock.contracts.model import Expect, OrgModel
from umapi_mock.contracts.strategies import Pools, action_batches, invalid_entries
from umapi_mock.domain.commands import run_actions
from umapi_mock.domain.models import Org
from umapi_mock.http.wire.actions import render_report
from umapi_mock.seed import dump_org
from umapi_mock.world import build_backend

PRISTINE: Org = build_backend(copy.deepcopy(ACTIONS_SEED)).org(ORG)
SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def pools(model: OrgModel, test_mode: bool) -> Pools:
    return Pools(
        identity_type="federatedID",
        users=("fed1@fed.example", "fed2@fed.example", "new1@fed.example", "new2@fed.example"),
        adobe_users=("adobe1@mail.example", "pat@mail.example"),
        groups=("Staff", "Design", "NewG"),
        profiles=("PS Default", "PS Team", "Acrobat Default"),
        ghost_groups=("Missing",),
        existing_users=frozenset(model.users),
        existing_groups=frozenset(model.groups),
        test_mode=test_mode,
        ghost_user="ghost@fed.example",
    )


@st.composite
def batch(draw: st.DrawFn, model: OrgModel, test_mode: bool) -> list[Any]:
    """The kit's valid entries with at most one of its invalid ones mixed in."""
    p = pools(model, test_mode)
    entries: list[Any] = draw(action_batches(p, max_entries=4))
    for invalid in draw(st.lists(invalid_entries(p), max_size=1)):
        entries.insert(draw(st.integers(0, len(entries))), invalid)
    return entries


def unexplained(expects: list[list[Expect]], report: dict[str, Any]) -> list[Any]:
    """Required errors the report lacks, and reported errors the model does not allow."""
    errors = report.get("errors", [])
    out: list[Any] = []
    for i, exp in enumerate(expects):
        got = [e for e in errors if e["index"] == i]
        out += [("missing", i, x) for x in exp if x.required and not any(x.matches(e) for e in got)]
        out += [("unexpected", i, e) for e in got if not any(x.matches(e) for x in exp)]
    return out


@SETTINGS
@given(data=st.data(), test_mode=st.booleans())
def test_the_kit_model_predicts_reports_and_state_on_a_whole_org(data: st.DataObject, test_mode: bool) -> None:
    org = PRISTINE.clone()
    model = OrgModel.from_org(dump_org(org))
    entries = data.draw(batch(model, test_mode))
    scratch = model.copy() if test_mode else model
    expects = [list(e.expects) if hasattr(e, "expects") else scratch.apply(e, test_mode) for e in entries]
    wire = [e.entry if hasattr(e, "entry") else e for e in entries]
    before = dump_json(org)
    report = render_report(run_actions(org, wire, test_mode=test_mode))
    check_report(report, wire, test_mode=test_mode)
    assert not unexplained(expects, report), (unexplained(expects, report), report)
    if test_mode:
        assert dump_json(org) == before
    assert org_state(org) == model.state(), report
