"""Repeated keys in an action body are found however the body is read: `parse_body` reads
without its duplicate-remembering hook first and reads again with it only when the text
holds more colons than the parsed objects hold keys (a repeated key, or a colon inside a
string), counting the keys of a batch's usual shape first and all of them when those differ. Each body here is sent with and without a colon in a string (a `requestID`), so
both ways of reading it are exercised and must report the same."""

from __future__ import annotations

import json

import pytest

from tests.actions.conftest import Api

FED1 = "fed1@fed.example"


def _with_request_id(body: str, request_id: str) -> str:
    return body.replace('{"user": ', f'{{"requestID": "{request_id}", "user": ', 1)


REPEATED = {
    "entry key": (
        f'[{{"user": "{FED1}", "user": "{FED1}", "do": [{{"add": {{"group": ["Design"]}}}}]}}]',
        "error.command.illegal_entry",
    ),
    "step key": (
        f'[{{"user": "{FED1}", "do": [{{"add": {{"group": ["Design"]}}, "add": {{"group": ["Staff"]}}}}]}}]',
        "error.command.steps.malformed",
    ),
    "list key": (
        f'[{{"user": "{FED1}", "do": [{{"add": {{"group": ["Design"], "group": ["Staff"]}}}}]}}]',
        "error.command.add_remove.duplicate.group_list",
    ),
    "list key, beside an object in a list": (  # keys the usual batch shape does not hold
        f'[{{"user": "{FED1}", "do": [{{"add": {{"group": ["Design"], "group": [{{"x": 1}}]}}}}]}}]',
        "error.command.add_remove.duplicate.group_list",
    ),
    "nested in a repeated value": (
        f'[{{"user": "{FED1}", "do": [{{"add": {{"group": ["Design"]}}}}], "do": [{{"add": {{"x": 1, "x": 2}}}}]}}]',
        "error.command.illegal_entry",
    ),
}


@pytest.mark.parametrize("case", list(REPEATED))
@pytest.mark.parametrize("request_id", ["plain", "with:colon", "a::b:c:"])
def test_repeated_keys_are_reported_whichever_way_the_body_is_read(api: Api, case: str, request_id: str) -> None:
    text, code = REPEATED[case]
    status, report = api.post(_with_request_id(text, request_id), raw=True)
    assert status == 200, report
    assert report["result"] == "error" and [e["errorCode"] for e in report["errors"]] == [code]
    assert report["errors"][0]["requestID"] == request_id


@pytest.mark.parametrize("request_id", ["plain", "with:colon", "\\u003a escaped colon"])
def test_a_body_without_repeated_keys_runs_whichever_way_it_is_read(api: Api, request_id: str) -> None:
    body = [{"requestID": "x", "user": FED1, "do": [{"add": {"group": ["Design"]}}, {"remove": {"group": ["Design"]}}]}]
    text = json.dumps(body).replace('"x"', f'"{request_id}"')
    status, report = api.post(text, raw=True)
    assert status == 200 and report["result"] == "success", report


def test_an_escaped_colon_does_not_hide_a_repeated_key(api: Api) -> None:
    """A `\\u003a` in a string decodes to a colon the text does not show as one."""
    text = f'[{{"requestID": "\\u003a", "user": "{FED1}", "do": [{{"add": {{"group": ["Design"], "group": ["Staff"]}}}}]}}]'
    status, report = api.post(text, raw=True)
    assert status == 200 and [e["errorCode"] for e in report["errors"]] == [
        "error.command.add_remove.duplicate.group_list"
    ]
