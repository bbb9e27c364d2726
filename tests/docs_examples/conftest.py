"""Helpers for the documented-examples tests: a small org built per test with the names an
example talks about, a UMAPI caller over HTTPS, and a shape checker.

Each test in this package stands for one request or response example of Adobe's API docs
(`docs/en/api/*.md` and its partials, in the `adobe-apiplatform/umapi-documentation`
repository); the test's docstring names the page and the example. Tests compare what an
example documents (status, headers, keys, JSON types, `result`, codes, counts, `lastPage`),
never its sample data.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from umapi_mock.seed import DEMO_ORG_ID, load_seed

CLIENT_ID, CLIENT_SECRET = "test-client", "test-secret"
TECH_ACCOUNT = "0123ABCD0123ABCD0123ABCD@techacct.adobe.com"
BASE = "/v2/usermanagement"

# Keys each documented object may carry (the pages' schema models and property lists).
V2_USER_KEYS = {"id", "email", "status", "username", "domain", "firstname", "lastname", "country", "type", "groups"}
GROUP_KEYS = {
    "groupId",
    "groupName",
    "type",
    "memberCount",
    "adminGroupName",
    "userGroupName",
    "productProfileName",
    "productName",
    "licenseQuota",
    "contractName",
}
ACTION_KEYS = {"completed", "notCompleted", "completedInTestMode", "result", "errors", "warnings"}
ERROR_ITEM_KEYS = {"index", "step", "message", "errorCode", "requestID", "user"}
WARNING_ITEM_KEYS = {"index", "step", "message", "warningCode", "requestID", "user"}
PAGING_HEADERS = ("X-Total-Count", "X-Page-Count", "X-Current-Page", "X-Page-Size")


def org_doc(
    *,
    domains: dict[str, str] | None = None,
    products: dict[str, list[dict[str, Any]] | dict[str, Any]] | None = None,
    groups: list[dict[str, Any]] | None = None,
    users: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A seed document for one org served under the demo org's id and credential; a
    product maps to its profile list, or to its whole seed entry."""
    return {
        "orgs": [
            {
                "id": DEMO_ORG_ID,
                "domains": [{"name": n, "type": t} for n, t in (domains or {"example.com": "federated"}).items()],
                "credentials": [{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "tech_account": TECH_ACCOUNT}],
                "products": [
                    {"name": n, **p} if isinstance(p, dict) else {"name": n, "profiles": p}
                    for n, p in (products or {}).items()
                ],
                "groups": groups or [],
                "users": users or [],
                **extra,
            }
        ]
    }


@dataclass
class Api:
    """UMAPI over HTTPS for one test: one token, the two auth headers on every call."""

    served: Any
    token: str

    @property
    def org_id(self) -> str:
        return DEMO_ORG_ID

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        out = {"X-Api-Key": CLIENT_ID, "Authorization": f"Bearer {self.token}"}
        out.update(extra or {})
        return out

    def request(self, method: str, path: str, *, headers: dict[str, str] | None = None, **kw: Any) -> Any:
        kw.setdefault("timeout", 30)
        return self.served.session.request(
            method, f"{self.served.url}{path}", headers=self.headers(headers), verify=self.served.ca_path, **kw
        )

    def get(self, path: str, **kw: Any) -> Any:
        return self.request("GET", BASE + path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.request("POST", BASE + path, json=body, **kw)

    def action(self, body: Any, **kw: Any) -> Any:
        return self.post(f"/action/{self.org_id}", body, **kw)


@pytest.fixture
def install(served: Any) -> Iterator[Any]:
    """`install(doc)` swaps the org a seed document describes into the served emulator and
    returns an `Api` for it (the `served` fixture restores the demo org afterwards)."""

    def run(doc: dict[str, Any]) -> Api:
        served.backend.replace_orgs(load_seed(copy.deepcopy(doc), "<docs example>"))
        return Api(served, served.token())

    yield run


def check_shape(value: Any, template: Any, path: str = "$") -> None:
    """`value` has the JSON types `template` describes: a type or tuple of types, a dict of
    required keys to templates, or a one-item list whose item every element matches."""
    if isinstance(template, dict):
        assert isinstance(value, dict), f"{path}: expected an object, got {value!r}"
        for key, sub in template.items():
            assert key in value, f"{path}: key {key!r} missing from {sorted(value)}"
            check_shape(value[key], sub, f"{path}.{key}")
    elif isinstance(template, list):
        assert isinstance(value, list), f"{path}: expected an array, got {value!r}"
        for i, item in enumerate(value):
            check_shape(item, template[0], f"{path}[{i}]")
    else:
        kinds = template if isinstance(template, tuple) else (template,)
        ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
        assert ok, f"{path}: expected {kinds}, got {value!r}"


def check_keys(obj: dict[str, Any], allowed: set[str], path: str = "$") -> None:
    extra = set(obj) - allowed
    assert not extra, f"{path}: undocumented keys {sorted(extra)}"


def check_json(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["Content-Type"].startswith("application/json"), response.headers
    return response.json()


def check_paging(response: Any, *, total: int, page: int, size: int, pages: int) -> None:
    """The documented paging headers: all four present, all strings of integers."""
    got = {h: response.headers.get(h) for h in PAGING_HEADERS}
    assert got == {
        "X-Total-Count": str(total),
        "X-Page-Count": str(pages),
        "X-Current-Page": str(page),
        "X-Page-Size": str(size),
    }, got


def check_user(user: dict[str, Any], user_type: str) -> None:
    """A v2 user object (userSchemaDescription partial)."""
    check_shape(user, {"email": str, "status": str, "username": str, "domain": str, "type": str})
    check_keys(user, V2_USER_KEYS)
    assert user["type"] == user_type
    assert user["status"] == "active"
    for key in ("firstname", "lastname", "country", "id"):
        if key in user:
            check_shape(user[key], str, key)
    if "groups" in user:
        check_shape(user["groups"], [str], "groups")
        assert user["groups"], "an empty groups list is omitted, not sent"


def check_action(body: dict[str, Any], *, result: str, completed: int, not_completed: int, in_test: int = 0) -> None:
    """An action response (ActionsRef.md, response properties)."""
    check_shape(body, {"completed": int, "notCompleted": int, "completedInTestMode": int, "result": str})
    check_keys(body, ACTION_KEYS)
    got = (body["result"], body["completed"], body["notCompleted"], body["completedInTestMode"])
    assert got == (result, completed, not_completed, in_test), body
    if not_completed == 0:
        assert "errors" not in body, "errors is omitted when empty"
    for item in body.get("errors", []):
        check_shape(item, {"index": int, "step": int, "message": str, "errorCode": str})
        check_keys(item, ERROR_ITEM_KEYS)
    for item in body.get("warnings", []):
        check_shape(item, {"index": int, "step": int, "message": str, "warningCode": str})
        check_keys(item, WARNING_ITEM_KEYS)


def errors_of(body: dict[str, Any]) -> list[tuple[int, int, str]]:
    return [(e["index"], e["step"], e["errorCode"]) for e in body.get("errors", [])]


@pytest.fixture
def small_pages(served: Any) -> Iterator[None]:
    """Two users and two groups a page, so a handful of seeded objects spans pages."""
    config = served.config
    saved = config.users_page_size, config.groups_page_size
    config.users_page_size = config.groups_page_size = 2
    yield
    config.users_page_size, config.groups_page_size = saved
