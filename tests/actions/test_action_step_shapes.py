"""Steps of unusual shapes (no key, two keys, not an object) in an action body: the step
is reported malformed at its index, and a key repeated elsewhere in the same body is
still found, whichever shape the steps around it have (`parse_body` counts the keys of
the usual shape, one-key steps, and falls back to counting all of them)."""

from __future__ import annotations

import pytest

from tests.actions.conftest import Api

FED1 = "fed1@fed.example"
ADD = '{"add": {"group": ["Design"]}}'
MALFORMED = {
    "no key": "{}",
    "two keys": '{"add": {"group": ["Design"]}, "remove": {"group": ["Design"]}}',
    "a list": "[]",
    "a string": '"add"',
    "a number": "1",
}
SHAPES = {**MALFORMED, "a step value that is a list": '{"add": [1, {"x": 1}]}'}


@pytest.mark.parametrize("shape", list(MALFORMED))
def test_a_malformed_step_is_reported_at_its_index(api: Api, shape: str) -> None:
    text = f'[{{"user": "{FED1}", "do": [{ADD}, {MALFORMED[shape]}]}}]'
    status, report = api.post(text, raw=True)
    assert status == 200, report
    assert [(e["errorCode"], e["step"]) for e in report["errors"]] == [("error.command.steps.malformed", 1)]


@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize("where", ["entry", "list"])
def test_a_repeated_key_beside_an_unusual_step_is_found(api: Api, shape: str, where: str) -> None:
    if where == "entry":  # the entry's own key repeated: the entry is refused before its steps
        text = f'[{{"user": "{FED1}", "user": "{FED1}", "do": [{SHAPES[shape]}, {ADD}]}}]'
        code = "error.command.illegal_entry"
    else:  # a list key repeated in a later entry's step
        text = (
            f'[{{"user": "{FED1}", "do": [{SHAPES[shape]}, {ADD}]}},'
            f' {{"user": "{FED1}", "do": [{{"add": {{"group": ["Design"], "group": ["Staff"]}}}}]}}]'
        )
        code = "error.command.add_remove.duplicate.group_list"
    status, report = api.post(text, raw=True)
    assert status == 200, report
    assert code in [e["errorCode"] for e in report["errors"]], report
