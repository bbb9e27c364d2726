"""`replace_user`, the hot path's `dataclasses.replace` for user records."""

from __future__ import annotations

import dataclasses

import pytest

from umapi_mock.domain.models import FEDERATED_ID, User, replace_user


def test_replace_user_is_dataclasses_replace() -> None:
    user = User(7, FEDERATED_ID, "a@x.example", "a@x.example", "x.example", "A", "B", "US")
    changed = {
        "uid": 8,
        "type": "enterpriseID",
        "email": "b@y.example",
        "username": "b",
        "domain": "y.example",
        "firstname": None,
        "lastname": "C",
        "country": "DE",
        "status": "removed",
    }
    assert set(changed) == {f.name for f in dataclasses.fields(User)}
    for name, value in changed.items():
        assert replace_user(user, {name: value}) == dataclasses.replace(user, **{name: value})
    assert replace_user(user, changed) == dataclasses.replace(user, **changed)
    assert replace_user(user, {}) == user


def test_replace_user_refuses_unknown_fields() -> None:
    user = User(7, FEDERATED_ID, "a@x.example", "a@x.example", "x.example")
    with pytest.raises(TypeError, match="nickname"):
        replace_user(user, {"firstname": "A", "nickname": "x"})
