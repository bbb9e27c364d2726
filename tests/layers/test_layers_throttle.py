"""Throttling (spec §4.3, §4.4): sliding windows on the emulator clock, exact 429s."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from umapi_mock.http.routes import family_of
from umapi_mock.layers.throttle import FAMILIES, PolicyError, load_policy_file, parse_policy

from .conftest import ORG, Emu

THROTTLED_BODY = b'{"error_code":"429050","message":"Too many requests"}'


def assert_throttled(r: Any, retry_after: int) -> None:
    assert r.status_code == 429
    assert r.data == THROTTLED_BODY
    assert r.headers["Server"] == "APIP"
    assert r.headers["Content-Type"] == "application/json"
    assert r.headers["Retry-After"] == str(retry_after)
    assert r.headers["Retry-After"].isdigit()


def test_off_by_default(emu: Emu) -> None:
    assert all(emu.groups().status_code == 200 for _ in range(12))


def test_eleventh_action_in_a_minute_is_refused_until_the_window_moves(make_emu: Callable[..., Emu]) -> None:
    emu = make_emu(throttle="documented")
    for i in range(10):
        assert emu.action().status_code == 200, i
    assert_throttled(emu.action(), 60)
    emu.clock.advance(59)
    assert_throttled(emu.action(), 1)
    emu.clock.advance(1)
    assert emu.action().status_code == 200


def test_groups_window_slides_and_retry_after_is_the_true_wait_rounded_up(make_emu: Callable[..., Emu]) -> None:
    emu = make_emu(throttle="documented")
    for _ in range(5):  # at t = 0, 10, 20, 30, 40
        assert emu.groups().status_code == 200
        emu.clock.advance(10)
    # now t = 50: the oldest (t=0) leaves the window at t = 60
    assert_throttled(emu.groups(), 10)
    emu.clock.advance(0.5)
    assert_throttled(emu.groups(), 10)  # 9.5 s → 10, never a decimal
    emu.clock.advance(9.5)
    assert emu.groups().status_code == 200  # t = 60: one slot came free
    assert_throttled(emu.groups(), 10)  # next frees at t = 70 (the t=10 request)


def test_refused_requests_do_not_count(make_emu: Callable[..., Emu]) -> None:
    emu = make_emu(throttle="documented")
    for _ in range(5):
        assert emu.groups().status_code == 200
    for _ in range(20):
        assert emu.groups().status_code == 429
    emu.clock.advance(60)
    assert [emu.groups().status_code for _ in range(6)] == [200] * 5 + [429]


def test_families_have_separate_windows(make_emu: Callable[..., Emu]) -> None:
    emu = make_emu(throttle="documented")
    for _ in range(5):
        emu.groups()
    assert emu.groups().status_code == 429
    assert emu.umapi("GET", f"/users/{ORG}/0").status_code == 200
    assert emu.umapi("GET", f"/organizations/{ORG}/users/jane@example.com").status_code == 200


def test_per_client_and_global_windows(make_emu: Callable[..., Emu]) -> None:
    policy = {"base": "none", "families": {"groups": {"per_client": 2, "global": 3}}}
    emu = make_emu(throttle=policy)
    assert emu.groups("test-client").status_code == 200
    emu.clock.advance(5)
    assert emu.groups("test-client").status_code == 200
    assert_throttled(emu.groups("test-client"), 55)  # the client's own limit
    emu.clock.advance(10)
    assert emu.groups("other-client").status_code == 200  # t = 15: global now full
    assert_throttled(emu.groups("other-client"), 45)  # global: the t=0 request leaves at 60
    assert emu.umapi("GET", f"/users/{ORG}/0", "other-client").status_code == 200  # unlimited family


def test_custom_policy_file(make_emu: Callable[..., Emu], tmp_path: Path) -> None:
    path = tmp_path / "throttle.yaml"
    path.write_text("base: documented\nfamilies:\n  groups: {per_client: 2, window: 10}\n  users: off\n")
    policy = load_policy_file(str(path))
    assert policy.limits["groups"].per_client == 2 and policy.limits["groups"].global_ == 100
    assert "users" not in policy.limits and policy.limits["action"].per_client == 10
    emu = make_emu(throttle=yaml.safe_load(path.read_text()))
    assert [emu.groups().status_code for _ in range(3)] == [200, 200, 429]
    assert_throttled(emu.groups(), 10)
    assert all(emu.umapi("GET", f"/users/{ORG}/0").status_code == 200 for _ in range(30))
    emu.clock.advance(10)
    assert emu.groups().status_code == 200


def test_star_family_and_window_default() -> None:
    policy = parse_policy({"base": "none", "window": 30, "families": {"*": {"per_client": 1}, "action": "off"}})
    assert "action" not in policy.limits
    assert all(policy.limits[f].per_client == 1 and policy.limits[f].window == 30 for f in FAMILIES if f != "action")
    assert policy.limits["groups"].global_ is None


@pytest.mark.parametrize(
    "doc, path",
    [
        ("sometimes", ""),
        ({"families": {"grups": {"per_client": 1}}}, "families.grups"),
        ({"families": {"groups": {"per_client": -1}}}, "families.groups.per_client"),
        ({"families": {"groups": {"per_client": 1.5}}}, "families.groups.per_client"),
        ({"families": {"groups": {"burst": 1}}}, "families.groups.burst"),
        ({"families": {"groups": 5}}, "families.groups"),
        ({"base": "strict"}, "base"),
        ({"window": 0}, "window"),
        ({"limits": {}}, "limits"),
    ],
)
def test_bad_policies_say_where(doc: Any, path: str) -> None:
    with pytest.raises(PolicyError) as info:
        parse_policy(doc)
    assert info.value.path == path


def test_ims_status_and_admin_are_never_throttled(make_emu: Callable[..., Emu]) -> None:
    emu = make_emu(throttle={"base": "none", "families": {"*": {"per_client": 0, "global": 0}}})
    assert_throttled(emu.groups(), 60)
    for _ in range(30):
        r = emu.client.post(
            "/ims/token/v2",
            data={
                "grant_type": "client_credentials",
                "client_id": "test-client",
                "client_secret": "test-secret",
                "scope": "openid,AdobeID,user_management_sdk",
            },
        )
        assert r.status_code == 200
        assert emu.client.get("/status").status_code == 200
        assert emu.client.get("/_mock/clock").status_code == 200


def test_every_umapi_route_has_a_family(emu: Emu) -> None:
    for rule in emu.app.url_map.iter_rules():
        methods = (rule.methods or set()) - {"OPTIONS", "HEAD"}
        for method in methods:
            family = family_of(rule.rule, method)
            if rule.rule.startswith("/v2/usermanagement/"):
                assert family in FAMILIES, rule.rule
            else:
                assert family is None, rule.rule
    expected = {
        "/v2/usermanagement/action/<org_id>": "action",
        "/v2/usermanagement/organizations/<org_id>/users/<path:user_string>": "user",
        "/v2/usermanagement/users/<org_id>/<page>": "users",
        "/v2/usermanagement/users/<org_id>/<page>/": "users",
        "/v2/usermanagement/users/<org_id>/<page>/<path:group_name>": "users_in_group",
        "/v2/usermanagement/groups/<org_id>/<page>/": "groups",
        "/v2/usermanagement/<org_id>/users": "deprecated_users",
        "/v2/usermanagement/<org_id>/user-groups": "deprecated_user_groups",
        "/v2/usermanagement/<org_id>/user-groups/<group_id>": "deprecated_user_groups",
        "/v2/usermanagement/<o>/products/<p>/configurations": "deprecated_profiles",
        "/v2/usermanagement/<o>/products/<p>/configurations/<c>/users": "deprecated_profile_users",
    }
    for pattern, family in expected.items():
        assert family_of(pattern, "GET" if family != "action" else "POST") == family, pattern
    assert family_of("/v2/usermanagement/<o>/products/<p>/configurations/<c>", "POST") == "deprecated_profile_update"
    assert family_of("/ims/token/v2", "POST") is None
    assert family_of("/status", "GET") is None


def test_deprecated_user_groups_limits(make_emu: Callable[..., Emu]) -> None:
    emu = make_emu(throttle="documented")
    codes = [emu.umapi("GET", f"/{ORG}/user-groups").status_code for _ in range(3)]
    codes += [emu.umapi("GET", f"/{ORG}/user-groups/1").status_code for _ in range(3)]
    assert codes[:5] == [200, 200, 200, 404, 404] and codes[5] == 429


def test_throttle_admin_api(make_emu: Callable[..., Emu]) -> None:
    emu = make_emu()
    assert emu.client.get("/_mock/throttle").json["policy"]["mode"] == "off"
    r = emu.client.put("/_mock/throttle", data=json.dumps("documented"), content_type="application/json")
    assert r.status_code == 200 and r.json["policy"]["families"]["groups"]["per_client"] == 5
    for _ in range(5):
        emu.groups()
    assert emu.groups().status_code == 429
    usage = emu.client.get("/_mock/throttle").json["usage"]
    assert usage["groups"] == {"global": 5, "clients": {"test-client": 5}}
    assert emu.client.delete("/_mock/throttle").status_code == 200
    assert emu.groups().status_code == 200
    r = emu.client.put("/_mock/throttle", data="families: {groups: {per_client: x}}", content_type="application/yaml")
    assert r.status_code == 400 and r.json["path"] == "families.groups.per_client"
    r = emu.client.put("/_mock/throttle", data="off")
    assert r.status_code == 200 and r.json["policy"]["mode"] == "off"
