"""Property tests of the action engine over generated batches, valid and invalid.

(a) HTTP never answers 5xx, and every 200 is a well-formed report;
(b) test mode leaves the org unchanged and reports what a real run on a copy reports,
    less the errors test mode forgives (users that do not exist, spec §3.9 / §6 A27);
(c) after a real run the org holds what an independent model predicts from the report.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.actions.conftest import ACTIONS_SEED, ORG, Api, make_app
from tests.actions.helpers import check_report, dump_json, error_keys, org_state
from tests.actions.strategies import any_bodies, batches, dumps_with_repeats
from umapi_mock.contracts.model import OrgModel
from umapi_mock.domain.commands import run_actions
from umapi_mock.domain.errors import UmapiError
from umapi_mock.domain.models import Org
from umapi_mock.http.wire.actions import render_report
from umapi_mock.seed import dump_org
from umapi_mock.world import build_backend

PRISTINE: Org = build_backend(copy.deepcopy(ACTIONS_SEED)).org(ORG)
MISSING_USER_CODES = {"error.user.nonexistent", "error.user.not_found", "error.user.not_in_org"}
# codes only an entry-level check gives: the model cannot replay batches that contain them
ENTRY_LEVEL_CODES = {
    "error.command.illegal_entry",
    "error.command.user.missing",
    "error.command.user_usergroup.missing",
    "error.command.steps.malformed",
    "error.command.string_expected",
    "error.command.boolean_expected",
    "error.command.domain.missing",
    "error.command.domain.string_expected",
    "error.command.create.more_than_one",
    "error.command.create.not_first",
    "error.command.removefromorg.not_last",
    "error.user.id_missing",
    "error.command.domain.must_be_used_with_nonemail_username",
    "error.update.domain.mismatch",
    "error.user.nonexistent_or_has_conflicting_parameters",
}
SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def module_api() -> Api:
    return Api(make_app())


@SETTINGS
@given(
    body=any_bodies(),
    test=st.booleans(),
    as_bytes=st.none() | st.binary(max_size=40),
    repeats=st.none() | st.randoms(use_true_random=False),
)
def test_http_never_5xx_and_reports_are_well_formed(
    module_api: Api, body: Any, test: bool, as_bytes: bytes | None, repeats: Any
) -> None:
    module_api.backend.reset()
    if as_bytes is not None:
        text: str | bytes = as_bytes
    elif repeats is not None:
        text = dumps_with_repeats(body, repeats)  # objects that repeat a key
    else:
        text = json.dumps(body)
    status, out = module_api.post(text, test=test, raw=True)
    assert status < 500, out
    if status == 400:
        assert out["result"] == "error.command.malformed" and out["message"]
        return
    assert status == 200
    parsed = json.loads(text)
    assert isinstance(parsed, list)
    check_report(out, parsed, test_mode=test)


def _run(org: Org, body: Any, test_mode: bool) -> dict[str, Any] | str:
    try:
        return render_report(run_actions(org, body, test_mode=test_mode))
    except UmapiError as exc:
        return exc.key


@SETTINGS
@given(body=st.one_of(batches(), any_bodies()))
def test_test_mode_changes_nothing_and_matches_a_real_run(body: Any) -> None:
    org = PRISTINE.clone()
    before = dump_json(org)
    tested = _run(org, body, True)
    assert dump_json(org) == before
    real = _run(PRISTINE.clone(), body, False)
    if isinstance(tested, str) or isinstance(real, str):
        assert tested == real == "action.malformed"
        return
    check_report(tested, body, test_mode=True)
    check_report(real, body, test_mode=False)
    forgiven = [k for k in error_keys(real) if k[2] not in MISSING_USER_CODES]
    assert error_keys(tested) == forgiven
    assert tested.get("warnings") == real.get("warnings")
    forgiven_entries = {i for i, _, _ in error_keys(real)} - {i for i, _, _ in forgiven}
    assert tested["completedInTestMode"] == real["completed"] + len(forgiven_entries)


@SETTINGS
@given(body=batches())
def test_real_run_matches_the_model(body: list[dict[str, Any]]) -> None:
    org = PRISTINE.clone()
    model = OrgModel.from_org(dump_org(org))
    report = render_report(run_actions(org, body, test_mode=False))
    check_report(report, body, test_mode=False)
    assert not {code for _, _, code in error_keys(report)} & ENTRY_LEVEL_CODES, report
    model.replay(body, report)
    assert org_state(org) == model.state(), report


def test_test_mode_keeps_listing_and_dump_order(api: Api) -> None:
    listing = [u["email"] for u in api.users()]
    raw = dump_json(api.org, canonical_order=False)
    api.act(
        [
            {"user": "fed1@fed.example", "do": [{"removeFromOrg": {}}]},
            {"usergroup": "Staff", "do": [{"updateUserGroup": {"description": "x"}}]},
        ],
        test=True,
    )
    assert [u["email"] for u in api.users()] == listing
    assert dump_json(api.org, canonical_order=False) == raw
