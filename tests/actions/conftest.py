"""Fixtures for the action-engine tests: a small hand-written org whose every user, group
and membership is known, served by an in-process Flask test client per test."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from umapi_mock.config import Config
from umapi_mock.domain.backend import Backend
from umapi_mock.domain.models import Org
from umapi_mock.domain.scopes import S2S_SCOPE
from umapi_mock.http.app import create_app
from umapi_mock.http.context import emulator_of
from umapi_mock.world import build_backend

ORG = "ACC0000000000000000000A1@AdobeOrg"
ORG_FED = "ACC0000000000000000000F1@AdobeOrg"  # federated domains only
CLIENT, SECRET = "actions-client", "actions-secret"
CLIENT_FED, SECRET_FED = "actions-fed-client", "actions-fed-secret"

ACTIONS_SEED: dict[str, Any] = {
    "orgs": [
        {
            "id": ORG,
            "domains": [
                {"name": "fed.example", "type": "federated"},
                {"name": "fed2.example", "type": "federated"},
                {"name": "ent.example", "type": "enterprise"},
            ],
            "credentials": [{"client_id": CLIENT, "client_secret": SECRET}],
            "products": [
                {"name": "Photoshop", "profiles": [{"name": "PS Default", "quota": 5}, {"name": "PS Team"}]},
                {"name": "Acrobat", "profiles": [{"name": "Acrobat Default"}]},
            ],
            "groups": [
                {"name": "Staff", "description": "Everyone", "profiles": ["PS Default"]},
                {"name": "Design"},
                {"name": "Shared RO", "description": "shared from another org", "read_only": True},
            ],
            "users": [
                {
                    "email": "fed1@fed.example",
                    "type": "federatedID",
                    "firstname": "Fay",
                    "lastname": "One",
                    "country": "US",
                    "groups": ["Staff", "_org_admin"],
                },
                {
                    "email": "fed2@fed.example",
                    "type": "federatedID",
                    "firstname": "Fred",
                    "lastname": "Two",
                    "country": "DE",
                    "groups": ["Shared RO"],
                },
                {
                    "email": "ent1@ent.example",
                    "type": "enterpriseID",
                    "firstname": "Eve",
                    "lastname": "Ent",
                    "country": "GB",
                    "groups": ["Design", "PS Default"],
                },
                # a personal Adobe ID sharing ent1's email
                {
                    "email": "ent1@ent.example",
                    "type": "adobeID",
                    "firstname": "Eve",
                    "lastname": "Private",
                    "country": "FR",
                },
                {"email": "adobe1@mail.example", "type": "adobeID", "country": "JP", "groups": ["Design"]},
                # username-login Federated ID
                {
                    "email": "john.doe@fed.example",
                    "username": "jdoe",
                    "domain": "fed.example",
                    "type": "federatedID",
                    "firstname": "John",
                    "lastname": "Doe",
                    "country": "CA",
                },
                {
                    "email": "gone@fed.example",
                    "type": "federatedID",
                    "firstname": "Gone",
                    "lastname": "Away",
                    "country": "US",
                    "status": "removed",
                },
                # two username-login accounts sharing one email: addressing them by email is ambiguous
                {
                    "email": "twin@fed.example",
                    "username": "twin.a",
                    "domain": "fed.example",
                    "type": "federatedID",
                    "firstname": "Twin",
                    "lastname": "A",
                    "country": "US",
                },
                {
                    "email": "twin@fed.example",
                    "username": "twin.b",
                    "domain": "fed.example",
                    "type": "federatedID",
                    "firstname": "Twin",
                    "lastname": "B",
                    "country": "US",
                },
            ],
        },
        {
            "id": ORG_FED,
            "domains": [{"name": "f.example", "type": "federated"}],
            "credentials": [{"client_id": CLIENT_FED, "client_secret": SECRET_FED}],
        },
    ]
}


def payload(response: Any) -> Any:
    """A test response's JSON body (typed Any: the tests index into it freely)."""
    return response.get_json(silent=True)


@dataclass
class Api:
    """An in-process UMAPI client for one org: actions and the reads that show their effect."""

    app: Flask
    org_id: str = ORG
    client_id: str = CLIENT
    client_secret: str = SECRET

    def __post_init__(self) -> None:
        self.client = self.app.test_client()
        r = self.client.post(
            "/ims/token/v2",
            data={
                "grant_type": "client_credentials",
                "client_id": self.client_id,
                "client_secret": self.client_secret,
                "scope": S2S_SCOPE,
            },
        )
        assert r.status_code == 200, r.get_data(as_text=True)
        self.headers = {"X-Api-Key": self.client_id, "Authorization": f"Bearer {payload(r)['access_token']}"}

    @property
    def backend(self) -> Backend:
        return emulator_of(self.app).backend

    @property
    def org(self) -> Org:
        return self.backend.org(self.org_id)

    def post(self, body: Any, *, test: bool = False, raw: bool = False) -> tuple[int, Any]:
        data = body if raw else json.dumps(body)
        url = f"/v2/usermanagement/action/{self.org_id}" + ("?testOnly=true" if test else "")
        r = self.client.post(url, data=data, headers={**self.headers, "Content-Type": "application/json"})
        return r.status_code, payload(r)

    def act(self, body: Any, *, test: bool = False) -> dict[str, Any]:
        status, out = self.post(body, test=test)
        assert status == 200, out
        return out

    def get_user(self, user: str, domain: str | None = None) -> dict[str, Any] | None:
        q = f"?domain={domain}" if domain else ""
        r = self.client.get(f"/v2/usermanagement/organizations/{self.org_id}/users/{user}{q}", headers=self.headers)
        if r.status_code == 404:
            return None
        assert r.status_code == 200, r.get_data(as_text=True)
        return payload(r)["user"]

    def groups_of(self, user: str, domain: str | None = None) -> set[str]:
        found = self.get_user(user, domain)
        assert found is not None, f"{user} not found"
        return set(found.get("groups", []))

    def users(self) -> list[dict[str, Any]]:
        r = self.client.get(f"/v2/usermanagement/users/{self.org_id}/0", headers=self.headers)
        assert r.status_code == 200
        return payload(r)["users"]

    def groups(self) -> dict[str, dict[str, Any]]:
        r = self.client.get(f"/v2/usermanagement/groups/{self.org_id}/0", headers=self.headers)
        assert r.status_code == 200
        return {g["groupName"]: g for g in payload(r)["groups"]}

    def members(self, group: str) -> set[str]:
        r = self.client.get(f"/v2/usermanagement/users/{self.org_id}/0/{group}", headers=self.headers)
        assert r.status_code == 200, r.get_data(as_text=True)
        return {u["username"] for u in payload(r)["users"]}


def make_app(seed: dict[str, Any] | None = None) -> Flask:
    return create_app(Config(seed=copy.deepcopy(seed or ACTIONS_SEED)))


@pytest.fixture
def app() -> Flask:
    return make_app()


@pytest.fixture
def api(app: Flask) -> Api:
    return Api(app)


@pytest.fixture
def fed_api(app: Flask) -> Api:
    return Api(app, ORG_FED, CLIENT_FED, SECRET_FED)


@pytest.fixture
def org() -> Iterator[Org]:
    """The seeded org without HTTP, for engine-level tests."""
    yield build_backend(copy.deepcopy(ACTIONS_SEED)).org(ORG)
