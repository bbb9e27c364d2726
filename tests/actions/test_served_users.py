"""Every field of every user is served as it stands after any kind of write: action steps
(committed and in test mode), a reset to the seed, a one-org state load and a whole-state
load. Each round reads every page first, so the write always finds warm caches (page
records, serialised pages, serialised users) that it must keep or drop correctly (the
cache invariant in `umapi_mock.domain.views`).

The expected user object is built from `User`'s fields one by one, and the test fails when
`User` gains a field it does not map: a new field is checked from the day it is added.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from umapi_mock.config import Config
from umapi_mock.domain.models import Org, User
from umapi_mock.http.app import create_app
from umapi_mock.http.render import dumps
from umapi_mock.http.wire.reads import user_json

from .conftest import ACTIONS_SEED, ORG, Api
from .strategies import batches

PAGE = 3

# How each field of a user record shows in its wire object: (key, value), or None to omit it.
WIRE_FIELDS: dict[str, Any] = {
    "uid": lambda u: ("id", u.public_id),
    "type": lambda u: ("type", u.type),
    "email": lambda u: ("email", u.email),
    "username": lambda u: ("username", u.username),
    "domain": lambda u: ("domain", u.domain),
    "firstname": lambda u: None if u.firstname is None else ("firstname", u.firstname),
    "lastname": lambda u: None if u.lastname is None else ("lastname", u.lastname),
    "country": lambda u: None if u.country is None else ("country", u.country),
    "status": lambda u: ("status", u.status),
}


def expected_user(org: Org, user: User) -> dict[str, Any]:
    """The wire object of `user`, built from its record's fields and its memberships."""
    unmapped = {f.name for f in dataclasses.fields(User)} - set(WIRE_FIELDS)
    assert not unmapped, f"User fields this test does not check yet: {sorted(unmapped)}"
    out = dict(pair for pair in (show(user) for show in WIRE_FIELDS.values()) if pair is not None)
    groups = sorted((org.groups[g].name for g in org.memberships.get(user.uid, ())), key=str.lower)
    if groups:
        out["groups"] = groups
    return out


def check_pages(api: Api) -> None:
    org = api.org
    active = [uid for uid, u in org.users.items() if u.status == "active"]
    pages = [active[i : i + PAGE] for i in range(0, len(active), PAGE)] or [[]]
    for index, uids in enumerate(pages):
        r = api.client.get(f"/v2/usermanagement/users/{api.org_id}/{index}", headers=api.headers)
        assert r.status_code == 200, r.get_data(as_text=True)
        served = json.loads(r.data)["users"]
        assert served == [expected_user(org, org.users[uid]) for uid in uids]
        # byte for byte what serialising the page afresh gives
        fresh = {"lastPage": index == len(pages) - 1, "result": "success"}
        fresh["users"] = [user_json(org, org.users[uid]) for uid in uids]
        assert r.data == dumps(fresh).encode()


def edited_state(api: Api, data: st.DataObject) -> dict[str, Any]:
    """The org's state document with one user's fields changed."""
    doc = api.client.get(f"/_mock/orgs/{api.org_id}/state").get_json()
    users = doc["orgs"][0]["users"]
    if users:
        user = users[data.draw(st.integers(0, len(users) - 1))]
        user["firstname"] = data.draw(st.sampled_from(["Ada", "Bea", "Fay"]))
        user["country"] = data.draw(st.sampled_from(["US", "DE", "JP"]))
        names = sorted(g["name"] for g in doc["orgs"][0].get("groups", []))
        if names and data.draw(st.booleans()):
            user["groups"] = data.draw(st.lists(st.sampled_from(names), max_size=2, unique=True))
    return doc


WRITES = ("action", "action", "action", "test_mode", "reset", "org_state", "state")


@given(data=st.data(), kinds=st.lists(st.sampled_from(WRITES), min_size=1, max_size=5))
def test_every_user_field_is_served_fresh_after_any_write(data: st.DataObject, kinds: list[str]) -> None:
    api = Api(create_app(Config(seed=copy.deepcopy(ACTIONS_SEED), users_page_size=PAGE)))
    check_pages(api)
    for kind in kinds:
        if kind in ("action", "test_mode"):
            api.post(data.draw(batches()), test=kind == "test_mode")
        elif kind == "reset":
            assert api.client.post(f"/_mock/orgs/{ORG}/reset").status_code == 200
        elif kind == "org_state":
            r = api.client.put(f"/_mock/orgs/{ORG}/state", data=json.dumps(edited_state(api, data)))
            assert r.status_code == 200, r.get_data(as_text=True)
        else:
            r = api.client.put("/_mock/state", data=json.dumps(edited_state(api, data)))
            assert r.status_code == 200, r.get_data(as_text=True)
        check_pages(api)


def test_a_state_whose_sso_username_is_another_accounts_email_loads_back(api: Api) -> None:
    """Found by the test above: a Federated ID created with an email-shaped username in its
    domain (`createFederatedID` for user `john.doe@fed.example`, another email) while the
    username-login account `jdoe` holds that email. Both are distinct accounts; the org's
    own state document must load back, and the whole state too."""
    api.act([{"user": "jdoe", "domain": "fed.example", "do": [{"removeFromOrg": {}}]}])
    create = {
        "createFederatedID": {"email": "sso@mail.example", "firstname": "Ann", "lastname": "Lee", "country": "US"}
    }
    assert api.act([{"user": "john.doe@fed.example", "do": [create]}])["result"] == "success"
    logins = {(u.username, u.domain): u.email for u in api.org.users.values()}
    assert logins[("jdoe", "fed.example")] == "john.doe@fed.example"
    assert logins[("john.doe@fed.example", "fed.example")] == "sso@mail.example"
    before = api.client.get(f"/_mock/orgs/{ORG}/state").get_json()
    r = api.client.put(f"/_mock/orgs/{ORG}/state", data=json.dumps(before))
    assert r.status_code == 200, r.get_data(as_text=True)
    assert api.client.get(f"/_mock/orgs/{ORG}/state").get_json() == before
    whole = api.client.get("/_mock/state").get_json()
    r = api.client.put("/_mock/state", data=json.dumps(whole))
    assert r.status_code == 200, r.get_data(as_text=True)
    assert api.client.get(f"/_mock/orgs/{ORG}/state").get_json() == before
