"""A big clone writes over the containers it shares with its source (`indexes.Layered`)
instead of copying them: the same behaviour as a copy, for the clone, its source, and a
clone of the clone.

Orgs from `LAYER_AT` entries on are layered; the tests lower that threshold so the small
actions seed takes the big orgs' path (a 20,000-user org per example would be slow).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest.mock import patch

from hypothesis import given

from tests.actions.conftest import ACTIONS_SEED, ORG
from tests.actions.helpers import check_report, dump_json, error_keys, org_state
from tests.actions.strategies import batches
from tests.actions.test_action_properties import ENTRY_LEVEL_CODES, SETTINGS
from umapi_mock.contracts.model import OrgModel
from umapi_mock.domain import indexes
from umapi_mock.domain.commands import run_actions
from umapi_mock.domain.models import Org
from umapi_mock.http.wire.actions import render_report
from umapi_mock.seed import dump_org
from umapi_mock.world import build_backend


@contextmanager
def layered_from_zero() -> Iterator[None]:
    with patch.object(indexes, "LAYER_AT", 0):
        yield


def pristine() -> Org:
    return build_backend(copy.deepcopy(ACTIONS_SEED)).org(ORG)


SOURCE = pristine()
SOURCE_DUMP = dump_json(SOURCE)


def act(org: Org, body: list[dict[str, Any]], *, test_mode: bool = False) -> dict[str, Any]:
    return render_report(run_actions(org, body, test_mode=test_mode))


@SETTINGS
@given(body=batches())
def test_a_layered_clone_matches_the_model_and_leaves_its_source_alone(body: list[dict[str, Any]]) -> None:
    with layered_from_zero():
        org = SOURCE.clone()
        tested = act(org, body, test_mode=True)
        assert dump_json(org) == SOURCE_DUMP  # test mode undoes every write over the layers
        check_report(tested, body, test_mode=True)
        model = OrgModel.from_org(dump_org(org))
        report = act(org, body, test_mode=False)
        check_report(report, body, test_mode=False)
        assert not {code for _, _, code in error_keys(report)} & ENTRY_LEVEL_CODES, report
        model.replay(body, report)
        assert org_state(org) == model.state(), report
        assert dump_json(SOURCE) == SOURCE_DUMP


RENAME = [
    {"user": "fed1@fed.example", "do": [{"update": {"email": "renamed@fed.example"}}]},
    {"user": "ent1@ent.example", "do": [{"removeFromOrg": {"deleteAccount": True}}]},
]


def test_clones_of_a_written_clone_are_independent_of_it_and_of_each_other() -> None:
    with layered_from_zero():
        source = pristine()
        before = dump_json(source)
        first = source.clone()
        assert act(first, RENAME)["result"] == "success"
        assert isinstance(first.memberships, indexes.Layered)  # the premise: written over, not copied
        written = dump_json(first)
        second = first.clone()
        assert dump_json(second) == written
        # the second clone undoes what the first did; neither the first nor the source sees it
        back = [
            {"user": "renamed@fed.example", "do": [{"update": {"email": "fed1@fed.example"}}]},
        ]
        assert act(second, back)["result"] == "success"
        assert second.find_user("fed1@fed.example") is not None
        assert second.find_user("renamed@fed.example") is None
        assert first.find_user("renamed@fed.example") is not None
        assert first.find_user("fed1@fed.example") is None
        assert first.user_by_login("ent1@ent.example", "ent.example") is None  # deleted (its Adobe ID stays)
        assert dump_json(first) == written
        assert dump_json(source) == before
        assert source.find_user("fed1@fed.example") is not None
        assert source.user_by_login("ent1@ent.example", "ent.example") is not None
