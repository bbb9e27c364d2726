"""One account resolution (spec §3.2) for actions and reads: the same user string names
the same account, or is ambiguous, through both endpoints (docs/fidelity.md)."""

from __future__ import annotations

from .conftest import Api

TWIN = "twin@fed.example"  # the email of two username-login accounts (conftest seed)


def test_an_ambiguous_email_is_no_single_user_for_a_read(api: Api) -> None:
    assert api.get_user(TWIN) is None  # 404 user.not_found, not an arbitrary one of the two


def test_an_ambiguous_email_is_refused_by_an_action(api: Api) -> None:
    out = api.act([{"user": TWIN, "do": [{"update": {"firstname": "Which"}}]}])
    assert [e["errorCode"] for e in out["errors"]] == ["error.user.not_found_or_ambiguous"]


def test_the_login_names_one_of_the_twins_for_reads_and_actions(api: Api) -> None:
    out = api.act([{"user": "twin.a", "domain": "fed.example", "do": [{"update": {"firstname": "Anna"}}]}])
    assert out["result"] == "success", out
    found = api.get_user("twin.a", domain="fed.example")
    assert found is not None and found["username"] == "twin.a" and found["firstname"] == "Anna"
