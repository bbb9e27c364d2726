"""The six deprecated endpoints beyond their documented examples (tests/docs_examples):
stable and seedable ids, paging, bad input (UMAPI-shaped errors, nothing changed), throttle
families, and the official client and curl calling them."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

from tests.docs_examples.conftest import check_json, org_doc
from tests.integration.conftest import state_of
from umapi_mock.http.context import emulator_of
from umapi_mock.http.routes import family_of
from umapi_mock.layers.throttle import parse_policy

SEEDED_PRODUCT = "RPC-VTT1HB5NYDEBQMT5K30NQPNKTW"


def world(install: Any) -> Any:
    return install(
        org_doc(
            products={
                "Photoshop": {
                    "id": SEEDED_PRODUCT,
                    "code": "PHSP",
                    "quota": 50,
                    "profiles": [{"name": "PS Default", "id": 13570983, "quota": 2}, {"name": "PS Other"}],
                },
                "Acrobat": [{"name": "Acrobat Default"}],
            },
            groups=[{"name": "Team", "id": 500}],
            users=[{"email": f"u{i}@example.com", "country": "US", "groups": ["PS Default", "Team"]} for i in range(5)],
        )
    )


def products(api: Any) -> dict[str, Any]:
    return {p["name"]: p for p in check_json(api.get(f"/{api.org_id}/products"))}


PROFILE = f"/{{org}}/products/{SEEDED_PRODUCT}/configurations/RGRP-13570983"


def test_seeded_ids_codes_and_quotas(install: Any) -> None:
    """A product's `id`, `code` and `quota` and a profile's group id are seedable; the
    profile's id is `RGRP-<group id>`."""
    api = world(install)
    ps = products(api)["Photoshop"]
    assert (ps["id"], ps["code"], ps["licenseQuota"], ps["configurationCount"], ps["userCount"]) == (
        SEEDED_PRODUCT,
        "PHSP",
        50,
        2,
        5,
    )
    profile = check_json(api.get(PROFILE.format(org=api.org_id)))
    assert (profile["id"], profile["licenseGroupId"], profile["licenseQuota"]) == ("RGRP-13570983", 13570983, 2)


def test_generated_ids_are_stable_across_loads(install: Any) -> None:
    """Without a seeded id a product's id is derived from org id and name: the same on every
    load, different per product."""
    first = products(world(install))
    second = products(world(install))
    assert first["Acrobat"]["id"] == second["Acrobat"]["id"] != first["Photoshop"]["id"]
    assert first["Acrobat"]["id"].startswith("RPC-") and first["Acrobat"]["code"] == "A"


def test_state_dump_round_trips_product_ids(install: Any, served: Any) -> None:
    api = world(install)
    state = served.admin("GET", f"/orgs/{api.org_id}/state").json()
    assert served.admin("PUT", f"/orgs/{api.org_id}/state", json=state).status_code == 200
    assert products(api)["Photoshop"]["id"] == SEEDED_PRODUCT
    assert served.admin("GET", f"/orgs/{api.org_id}/state").json() == state


def test_pages_of_products_and_profile_users(install: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """0-based `?page=` with the paging headers; a page past the end is the last page."""
    import umapi_mock.domain.limits as limits

    monkeypatch.setattr(limits, "DEPRECATED_PAGE_SIZE", 2)
    api = world(install)
    r = api.get(PROFILE.format(org=api.org_id) + "/users", params={"page": "1"})
    assert [u["email"] for u in check_json(r)] == ["u2@example.com", "u3@example.com"]
    assert (r.headers["X-Total-Count"], r.headers["X-Page-Count"], r.headers["X-Current-Page"]) == ("5", "3", "1")
    last = api.get(PROFILE.format(org=api.org_id) + "/users", params={"page": "9"})
    assert [u["email"] for u in check_json(last)] == ["u4@example.com"] and last.headers["X-Current-Page"] == "2"
    group_users = api.get(f"/{api.org_id}/user-groups/500/users", params={"page": "2"})
    assert len(check_json(group_users)) == 1


BAD_BODIES = [
    b"not json",
    b"[]",
    b"{}",
    b'{"addUsers": "u0@example.com"}',
    b'{"addUsers": [1]}',
    b'{"addUsers": [""]}',
    b'{"grantAll": ["u0@example.com"]}',
    b'{"addUsers": ["u0@example.com"], "removeUsers": ["nobody@example.com"]}',
    b'{"addUserGroups": ["No Such Group"]}',
    b'{"addAdminUsers": ["nobody@example.com"]}',
    b'{"addUsers": ["u0@example.com"], "addUsers": []}',
    b"[" * 5000 + b"]" * 5000,
    b"\xff\xfe",
    b"",
]


@pytest.mark.parametrize("body", BAD_BODIES)
def test_bad_profile_post_body_changes_nothing(install: Any, served: Any, body: bytes) -> None:
    api = world(install)
    before = state_of(served)
    r = api.request(
        "POST",
        "/v2/usermanagement" + PROFILE.format(org=api.org_id),
        data=body,
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code in (400, 404), r.text
    answer = check_json(r, r.status_code)
    assert set(answer) == {"errorMessage", "errorCode"}
    assert state_of(served) == before


@pytest.mark.parametrize(
    "path",
    [
        "/{org}/products/RPC-NOPE/configurations",
        "/{org}/products/RPC-NOPE/configurations/RGRP-13570983",
        f"/{{org}}/products/{SEEDED_PRODUCT}/configurations/RGRP-1",
        f"/{{org}}/products/{SEEDED_PRODUCT}/configurations/nonsense/users",
        f"/{{org}}/products/{SEEDED_PRODUCT}/configurations/RGRP-500",  # a user group's id
    ],
)
def test_unknown_product_or_profile_is_plc_not_found(install: Any, path: str) -> None:
    api = world(install)
    r = api.get(path.format(org=api.org_id))
    assert check_json(r, 404) == {"errorMessage": "PLC_NOT_FOUND", "errorCode": "PLC_NOT_FOUND"}


def test_profile_of_another_product_is_not_found(install: Any) -> None:
    api = world(install)
    acrobat = products(api)["Acrobat"]["id"]
    r = api.get(f"/{api.org_id}/products/{acrobat}/configurations/RGRP-13570983")
    assert check_json(r, 404)["errorCode"] == "PLC_NOT_FOUND"


def test_unknown_user_group_users(install: Any) -> None:
    api = world(install)
    for group_id in ("1", "abc", "13570983"):  # unknown, not a number, a profile's id
        r = api.get(f"/{api.org_id}/user-groups/{group_id}/users")
        assert check_json(r, 404) == {"errorMessage": "GROUP_NOT_FOUND", "errorCode": "GROUP_NOT_FOUND"}


@pytest.mark.parametrize("page", ["abc", "-1", "1.5", "²"])
@pytest.mark.parametrize(
    "path",
    ["/{org}/products", PROFILE + "/users", "/{org}/user-groups/500/users"],
)
def test_non_integer_page(install: Any, path: str, page: str) -> None:
    api = world(install)
    r = api.get(path.format(org=api.org_id), params={"page": page})
    assert check_json(r, 400) == {"errorMessage": f'For input string: "{page}"'}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/{org}/products"),
        ("DELETE", PROFILE),
        ("PUT", PROFILE),
        ("PATCH", PROFILE),
        ("POST", PROFILE + "/users"),
        ("POST", f"/{{org}}/products/{SEEDED_PRODUCT}/configurations"),
        ("DELETE", "/{org}/user-groups/500/users"),
    ],
)
def test_wrong_method(install: Any, served: Any, method: str, path: str) -> None:
    api = world(install)
    before = state_of(served)
    r = api.request(method, "/v2/usermanagement" + path.format(org=api.org_id), json={"addUsers": ["u0@example.com"]})
    assert check_json(r, 405)["result"] == "error.method.not_allowed"
    assert state_of(served) == before


def test_profile_post_needs_the_gate(install: Any, served: Any) -> None:
    api = world(install)
    before = state_of(served)
    r = served.session.post(
        served.url + "/v2/usermanagement" + PROFILE.format(org=api.org_id),
        json={"removeUsers": ["u0@example.com"]},
        verify=served.ca_path,
        timeout=30,
    )
    assert r.status_code == 403 and state_of(served) == before


@pytest.mark.parametrize(
    ("rule", "method", "family"),
    [
        ("/v2/usermanagement/<org_id>/products", "GET", "deprecated_products"),
        ("/v2/usermanagement/<org_id>/products/<product_id>/configurations", "GET", "deprecated_profiles"),
        ("/v2/usermanagement/<org_id>/products/<product_id>/configurations/<profile_id>", "GET", "deprecated_profiles"),
        (
            "/v2/usermanagement/<org_id>/products/<product_id>/configurations/<profile_id>",
            "POST",
            "deprecated_profile_update",
        ),
        (
            "/v2/usermanagement/<org_id>/products/<product_id>/configurations/<profile_id>/users",
            "GET",
            "deprecated_profile_users",
        ),
        ("/v2/usermanagement/<org_id>/user-groups/<group_id>/users", "GET", "deprecated_user_group_users"),
    ],
)
def test_throttle_families(rule: str, method: str, family: str) -> None:
    assert family_of(rule, method) == family


def test_documented_limits_of_the_profile_endpoints(install: Any, served: Any) -> None:
    """Spec §4.4: profiles 5 a minute per client, a profile's users 25, the POST 5."""
    throttle = emulator_of(served.app).layers.throttle
    throttle.set_policy(parse_policy("documented"))
    try:
        api = world(install)
        path = PROFILE.format(org=api.org_id)
        assert [api.get(path).status_code for _ in range(6)] == [200] * 5 + [429]
        assert [api.get(path + "/users").status_code for _ in range(26)][-2:] == [200, 429]
        statuses = [
            api.post(path.removeprefix("/v2/usermanagement"), {"addUsers": ["u0@example.com"]}).status_code
            for _ in range(6)
        ]
        assert statuses == [200] * 5 + [429]
    finally:
        throttle.set_policy(parse_policy("off"))


def test_official_client_calls_the_deprecated_endpoints(install: Any, official: Any) -> None:
    """The official client's `make_call` (what integration code built on 3.0.1 uses for
    endpoints without a query class) against every new GET and the profile POST."""
    api = world(install)
    result = official.run(
        f"""
        conn = connect()
        out = {{}}
        out["products"] = conn.make_call("/" + ORG + "/products").json()
        out["profile"] = conn.make_call("/" + ORG + "/products/{SEEDED_PRODUCT}/configurations/RGRP-13570983").json()
        out["updated"] = conn.make_call(
            "/" + ORG + "/products/{SEEDED_PRODUCT}/configurations/RGRP-13570983", {{"removeUsers": ["u0@example.com"]}}
        ).json()
        out["users"] = conn.make_call("/" + ORG + "/products/{SEEDED_PRODUCT}/configurations/RGRP-13570983/users").json()
        out["team"] = conn.make_call("/" + ORG + "/user-groups/500/users").json()
        emit(out)
        """
    )
    assert {p["name"] for p in result["products"]} == {"Photoshop", "Acrobat"}
    assert result["profile"]["userCount"] == 5 and result["updated"]["userCount"] == 4
    assert len(result["users"]) == 4 and len(result["team"]) == 5
    assert api.get(PROFILE.format(org=api.org_id)).json()["userCount"] == 4


@pytest.mark.slow  # starts curl
def test_curl_examples_of_the_pages(install: Any, served: Any) -> None:
    """The pages' curl requests (with `authorization` lower-case, as they print it), as curl."""
    api = world(install)
    for path in (f"/{api.org_id}/products", PROFILE.format(org=api.org_id), PROFILE.format(org=api.org_id) + "/users"):
        proc = subprocess.run(
            [
                "curl",
                "-s",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code} %{content_type}",
                "--cacert",
                served.ca_path,
                "-X",
                "GET",
                f"{served.url}/v2/usermanagement{path}",
                "--header",
                f"authorization: Bearer {api.token}",
                "--header",
                "X-Api-Key: test-client",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        assert proc.stdout == "200 application/json", (path, proc.stdout, proc.stderr)


def test_profile_post_with_an_ambiguous_user_changes_nothing(install: Any, served: Any) -> None:
    """Two org-owned accounts sharing an email (neither logging in with it) name no single
    user: the POST is refused like an unknown user."""
    api = install(
        org_doc(
            domains={"example.com": "federated", "example.org": "federated"},
            products={"Photoshop": [{"name": "PS Default", "id": 13570983}]},
            users=[
                {"email": "twin@example.com", "username": "twin1", "country": "US"},
                {"email": "twin@example.com", "username": "twin2", "domain": "example.org", "country": "US"},
            ],
        )
    )
    pid = products(api)["Photoshop"]["id"]
    before = state_of(served)
    r = api.post(f"/{api.org_id}/products/{pid}/configurations/RGRP-13570983", {"addUsers": ["twin@example.com"]})
    assert check_json(r, 400)["errorCode"] == "USER_NOT_FOUND"
    assert state_of(served) == before
