"""The hand-written world: three orgs whose every user, group and membership is known, and
the `core` fixture that loads it into the session's served HTTPS emulator per test (with
`page_sizes`). tests/conftest.py registers both fixtures, so the tests of domain/, http/ and
cli/ reach them from their own folders."""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
import requests

from tests.keys import make_key_and_cert
from umapi_mock.domain.models import Org
from umapi_mock.domain.scopes import S2S_SCOPE
from umapi_mock.seed import load_seed

ORG_A = "AAAA0000AAAA0000AAAA0000@AdobeOrg"
ORG_B = "BBBB0000BBBB0000BBBB0000@AdobeOrg"  # another org, no users
ORG_M = "CCCC0000CCCC0000CCCC0000@AdobeOrg"  # an org that is migrating
TECH_A = "AAAA1111AAAA1111AAAA1111@techacct.adobe.com"

# client id -> secret
SECRETS = {"client-a": "secret-a", "client-b": "secret-b", "client-narrow": "secret-narrow", "client-m": "secret-m"}

JWT_KEY, JWT_CERT = make_key_and_cert("core tests integration")
OTHER_KEY, _OTHER_CERT = make_key_and_cert("someone else")

CORE_SEED: dict[str, Any] = {
    "orgs": [
        {
            "id": ORG_A,
            "domains": [{"name": "example.com", "type": "federated"}, {"name": "example.net", "type": "enterprise"}],
            "credentials": [
                {
                    "client_id": "client-a",
                    "client_secret": "secret-a",
                    "tech_account": TECH_A,
                    "certificates": [JWT_CERT],
                },
                # may ask only for openid,AdobeID: its tokens lack user_management_sdk
                {"client_id": "client-narrow", "client_secret": "secret-narrow", "scopes": ["openid", "AdobeID"]},
            ],
            "products": [
                {"name": "Adobe Photoshop", "profiles": [{"name": "PS Default", "quota": 2}]},
                {"name": "Adobe Illustrator", "profiles": [{"name": "AI Default"}]},
            ],
            "groups": [
                {"name": "Employees", "description": "All staff", "profiles": ["PS Default"]},
                {"name": "Contractors"},
            ],
            "users": [
                {
                    "email": "jane@example.com",
                    "type": "federatedID",
                    "firstname": "Jane",
                    "lastname": "Doe",
                    "country": "US",
                    "groups": ["Employees", "_org_admin"],
                },
                # a personal Adobe ID that shares jane's email
                {
                    "email": "jane@example.com",
                    "type": "adobeID",
                    "firstname": "Jane",
                    "lastname": "Private",
                    "country": "FR",
                },
                {
                    "email": "Bob@Example.com",
                    "type": "federatedID",
                    "firstname": "Bob",
                    "lastname": "Stone",
                    "country": "DE",
                    "groups": ["PS Default", "_admin_Employees"],
                },
                {
                    "email": "carol@example.net",
                    "type": "enterpriseID",
                    "country": "GB",
                    "groups": ["Employees", "PS Default"],
                },
                {
                    "email": "dave@example.com",
                    "type": "federatedID",
                    "firstname": "Dave",
                    "lastname": "Gone",
                    "country": "US",
                    "status": "disabled",
                    "groups": ["Employees"],
                },
                {
                    "email": "erin@example.com",
                    "username": "ewilson",
                    "type": "federatedID",
                    "firstname": "Erin",
                    "lastname": "Wilson",
                    "country": "CA",
                    "groups": ["_admin_PS Default", "_product_admin_Adobe Photoshop"],
                },
                {
                    "email": "frank@gmail.example",
                    "type": "adobeID",
                    "country": "JP",
                    "groups": ["Contractors", "AI Default"],
                },
                {"email": "gina@example.net", "type": "enterpriseID", "country": "GB", "status": "removed"},
            ],
        },
        {
            "id": ORG_B,
            "domains": [{"name": "b.example", "type": "enterprise"}],
            "credentials": [{"client_id": "client-b", "client_secret": "secret-b"}],
        },
        {
            "id": ORG_M,
            "migrating": True,
            "credentials": [{"client_id": "client-m", "client_secret": "secret-m"}],
        },
    ]
}

# Active users of ORG_A in listing order (email, type).
ACTIVE_A = [
    ("jane@example.com", "federatedID"),
    ("jane@example.com", "adobeID"),
    ("Bob@Example.com", "federatedID"),
    ("carol@example.net", "enterpriseID"),
    ("erin@example.com", "federatedID"),
    ("frank@gmail.example", "adobeID"),
]


def core_seed() -> dict[str, Any]:
    return copy.deepcopy(CORE_SEED)


_PRISTINE: list[Org] = []


def core_orgs() -> list[Org]:
    if not _PRISTINE:
        _PRISTINE.extend(load_seed(core_seed(), "core-seed"))
    return [o.clone() for o in _PRISTINE]


def assertion(
    claims: dict[str, Any] | None = None,
    *,
    key: Any = JWT_KEY,
    algorithm: str = "RS256",
    host: str = "ims-na1.adobelogin.com",
    drop: tuple[str, ...] = (),
) -> str:
    """A JWT-exchange assertion for client-a, with `claims` overriding the valid defaults."""
    body: dict[str, Any] = {
        "exp": int(time.time()) + 600,
        "iss": ORG_A,
        "sub": TECH_A,
        "aud": f"https://{host}/c/client-a",
        f"https://{host}/s/ent_user_sdk": True,
    }
    body.update(claims or {})
    for name in drop:
        body.pop(name, None)
    return jwt.encode(body, key, algorithm=algorithm)


@dataclass
class Core:
    """The served emulator holding the core world, with request helpers."""

    served: Any
    _tokens: dict[str, str] = field(default_factory=dict)
    http: requests.Session = field(default_factory=requests.Session)  # one TLS connection per test

    @property
    def url(self) -> str:
        return self.served.url  # type: ignore[no-any-return]

    @property
    def ca(self) -> str:
        return self.served.ca_path  # type: ignore[no-any-return]

    @property
    def backend(self) -> Any:
        return self.served.backend

    def org(self, org_id: str = ORG_A) -> Org:
        return self.backend.org(org_id)  # type: ignore[no-any-return]

    def token(self, client_id: str = "client-a", scope: str = S2S_SCOPE) -> str:
        key = f"{client_id}|{scope}"
        if key not in self._tokens:
            r = self.http.post(
                f"{self.url}/ims/token/v2",
                data={
                    "grant_type": "client_credentials",
                    "client_id": client_id,
                    "client_secret": SECRETS[client_id],
                    "scope": scope,
                },
                verify=self.ca,
                timeout=10,
            )
            assert r.status_code == 200, r.text
            self._tokens[key] = r.json()["access_token"]
        return self._tokens[key]

    def auth(self, client_id: str = "client-a") -> dict[str, str]:
        return {"X-Api-Key": client_id, "Authorization": f"Bearer {self.token(client_id)}"}

    def get(
        self,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        client_id: str = "client-a",
        params: dict[str, str] | None = None,
    ) -> requests.Response:
        """GET a UMAPI path (below /v2/usermanagement) as `client_id`, or with exactly `headers`."""
        h = self.auth(client_id) if headers is None else headers
        r = self.http.get(f"{self.url}/v2/usermanagement{path}", headers=h, params=params, verify=self.ca, timeout=10)
        assert r.status_code < 500, f"{r.status_code} {r.text}"
        return r

    def raw(self, method: str, path: str, **kw: Any) -> requests.Response:
        kw.setdefault("verify", self.ca)
        kw.setdefault("timeout", 10)
        r = self.http.request(method, f"{self.url}{path}", **kw)
        assert r.status_code < 500, f"{r.status_code} {r.text}"
        return r


@pytest.fixture
def core(served: Any) -> Iterator[Core]:
    """The served emulator with the core world instead of the demo org (reset afterwards)."""
    served.backend.replace_orgs(core_orgs())
    world = Core(served)
    yield world
    world.http.close()


@pytest.fixture
def page_sizes(served: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Set the served emulator's page sizes for one test."""

    def set_sizes(users: int | None = None, groups: int | None = None) -> None:
        if users is not None:
            monkeypatch.setattr(served.config, "users_page_size", users)
        if groups is not None:
            monkeypatch.setattr(served.config, "groups_page_size", groups)

    return set_sizes
