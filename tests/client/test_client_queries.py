"""Get User, paging through users/groups, 404-as-none, caching and reload."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

import umapi_client
from umapi_client import GroupsQuery, UserQuery, UsersQuery

from .helpers import ENDPOINT, ORG, add_s2s_token, calls_to

USERS_URL = f"{ENDPOINT}/users/{ORG}"
GROUPS_URL = f"{ENDPOINT}/groups/{ORG}"


def user(i: int) -> dict[str, Any]:
    return {
        "email": f"user{i}@example.com",
        "username": f"user{i}@example.com",
        "domain": "example.com",
        "type": "federatedID",
        "status": "active",
    }


def page_body(items: list[dict[str, Any]], last: bool, key: str = "users") -> dict[str, Any]:
    return {"lastPage": last, "result": "success", key: items}


def paging_headers(total: int, pages: int, current: int, size: int) -> dict[str, str]:
    return {
        "X-Total-Count": str(total),
        "X-Page-Count": str(pages),
        "X-Current-Page": str(current),
        "X-Page-Size": str(size),
    }


def query_of(call: Any) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url).query)


def test_users_query_pages_until_last_page(rsps: responses.RequestsMock, make_conn: Callable[..., Any]) -> None:
    add_s2s_token(rsps)
    rsps.add(
        responses.GET, f"{USERS_URL}/0", json=page_body([user(0), user(1)], False), headers=paging_headers(5, 3, 0, 2)
    )
    rsps.add(
        responses.GET, f"{USERS_URL}/1", json=page_body([user(2), user(3)], False), headers=paging_headers(5, 3, 1, 2)
    )
    rsps.add(responses.GET, f"{USERS_URL}/2", json=page_body([user(4)], True), headers=paging_headers(5, 3, 2, 1))
    query = UsersQuery(make_conn())
    emails = [u["email"] for u in query]
    assert emails == [f"user{i}@example.com" for i in range(5)]
    paths = [urlsplit(c.request.url).path for c in calls_to(rsps, USERS_URL)]
    assert paths == [f"/v2/usermanagement/users/{ORG}/{n}" for n in range(3)]
    assert query.total_count == 5
    assert query.result_count == 5
    assert query_of(calls_to(rsps, USERS_URL)[0]) == {"directOnly": ["true"]}


def test_iteration_is_lazy_and_cached(rsps: responses.RequestsMock, make_conn: Callable[..., Any]) -> None:
    add_s2s_token(rsps)
    rsps.add(responses.GET, f"{USERS_URL}/0", json=page_body([user(0), user(1)], False))
    rsps.add(responses.GET, f"{USERS_URL}/1", json=page_body([user(2)], True))
    query = UsersQuery(make_conn())
    for i, _ in enumerate(query):
        if i == 1:
            break
    assert len(calls_to(rsps, USERS_URL)) == 1  # only the first page was needed
    assert len(query.all_results()) == 3
    assert len(calls_to(rsps, USERS_URL)) == 2
    assert [u["email"] for u in query] == [f"user{i}@example.com" for i in range(3)]
    assert len(calls_to(rsps, USERS_URL)) == 2  # second iteration served from cache
    query.reload()
    assert query.result_count == 0
    assert len(query.all_results()) == 3
    assert len(calls_to(rsps, USERS_URL)) == 4


def test_users_in_group_path_params_and_direct_only(
    rsps: responses.RequestsMock, make_conn: Callable[..., Any]
) -> None:
    add_s2s_token(rsps)
    rsps.add(
        responses.GET,
        f"{USERS_URL}/0/Default%20All%20Apps",
        json={"lastPage": True, "result": "success", "groupName": "Default All Apps", "users": [user(0)]},
    )
    query = UsersQuery(make_conn(), in_group="Default All Apps", in_domain="example.com", direct_only=False)
    assert len(query.all_results()) == 1
    (call,) = calls_to(rsps, USERS_URL)
    assert urlsplit(call.request.url).path.endswith("/0/Default%20All%20Apps")
    assert query_of(call) == {"directOnly": ["false"], "domain": ["example.com"]}


def test_unknown_group_404_is_empty(rsps: responses.RequestsMock, make_conn: Callable[..., Any]) -> None:
    add_s2s_token(rsps)
    rsps.add(
        responses.GET,
        f"{USERS_URL}/0/Nope",
        status=404,
        json={"lastPage": False, "result": "error.group.not_found", "message": "Not found: Group Nope"},
    )
    query = UsersQuery(make_conn(), in_group="Nope")
    assert query.all_results() == []
    assert list(query) == []
    assert len(calls_to(rsps, USERS_URL)) == 1


def test_empty_page_ends_iteration(rsps: responses.RequestsMock, make_conn: Callable[..., Any]) -> None:
    add_s2s_token(rsps)
    rsps.add(responses.GET, f"{USERS_URL}/0", json=page_body([user(0)], False))
    rsps.add(responses.GET, f"{USERS_URL}/1", json=page_body([], False))
    assert len(UsersQuery(make_conn()).all_results()) == 1
    assert len(calls_to(rsps, USERS_URL)) == 2


def test_repeated_last_page_does_not_loop_forever(rsps: responses.RequestsMock, make_conn: Callable[..., Any]) -> None:
    add_s2s_token(rsps)
    rsps.add(responses.GET, f"{USERS_URL}/0", json=page_body([user(0)], False))
    rsps.add(responses.GET, f"{USERS_URL}/1", json=page_body([user(1)], False))
    rsps.add(responses.GET, f"{USERS_URL}/2", json=page_body([user(1)], False))  # "page past the end"
    assert [u["email"] for u in UsersQuery(make_conn()).all_results()] == ["user0@example.com", "user1@example.com"]
    assert len(calls_to(rsps, USERS_URL)) == 3


def test_groups_query(rsps: responses.RequestsMock, make_conn: Callable[..., Any]) -> None:
    add_s2s_token(rsps)
    groups0 = [{"groupId": 1, "groupName": "Administrators", "type": "SYSADMIN_GROUP", "memberCount": 1}]
    groups1 = [{"groupId": 2, "groupName": "Team", "type": "USER_GROUP", "memberCount": 0}]
    rsps.add(responses.GET, f"{GROUPS_URL}/0", json=page_body(groups0, False, "groups"))
    rsps.add(responses.GET, f"{GROUPS_URL}/1", json=page_body(groups1, True, "groups"))
    conn = make_conn()
    assert [g["groupName"] for g in GroupsQuery(conn)] == ["Administrators", "Team"]
    assert conn.status()[0]["multiple-query-count"] == 2


def test_non_success_result_is_client_error(rsps: responses.RequestsMock, make_conn: Callable[..., Any]) -> None:
    add_s2s_token(rsps)
    rsps.add(responses.GET, f"{USERS_URL}/0", json={"lastPage": False, "result": "error.organization.invalid_id"})
    with pytest.raises(umapi_client.ClientError, match="invalid_id"):
        UsersQuery(make_conn()).all_results()


def test_user_query_found(rsps: responses.RequestsMock, make_conn: Callable[..., Any]) -> None:
    add_s2s_token(rsps)
    url = f"{ENDPOINT}/organizations/{ORG}/users/jdoe"
    rsps.add(responses.GET, url, json={"result": "success", "user": {"username": "jdoe", "type": "federatedID"}})
    conn = make_conn()
    query = UserQuery(conn, "jdoe", "example.com")
    assert query.result() == {"username": "jdoe", "type": "federatedID"}
    assert query.result()["type"] == "federatedID"  # type: ignore[index]
    (call,) = calls_to(rsps, url)
    assert query_of(call) == {"domain": ["example.com"]}
    query.reload()
    query.result()
    assert len(calls_to(rsps, url)) == 2
    assert conn.status()[0]["single-query-count"] == 2


def test_user_query_404_is_none(rsps: responses.RequestsMock, make_conn: Callable[..., Any]) -> None:
    add_s2s_token(rsps)
    url = f"{ENDPOINT}/organizations/{ORG}/users/ghost@example.com"
    rsps.add(responses.GET, url, status=404, json={"result": "error.user.not_found", "message": "User not found"})
    conn = make_conn()
    assert UserQuery(conn, "ghost@example.com").result() is None
    assert conn.query_single("user", ["ghost@example.com"]) == {}


def test_user_string_is_path_quoted(rsps: responses.RequestsMock, make_conn: Callable[..., Any]) -> None:
    add_s2s_token(rsps)
    url = f"{ENDPOINT}/organizations/{ORG}/users/o%27neil%2Bx@example.com"
    rsps.add(responses.GET, url, json={"result": "success", "user": {"email": "o'neil+x@example.com"}})
    assert UserQuery(make_conn(), "o'neil+x@example.com").result() == {"email": "o'neil+x@example.com"}
    assert len(calls_to(rsps, url)) == 1


def test_query_argument_errors(make_conn: Callable[..., Any]) -> None:
    conn = make_conn()
    with pytest.raises(umapi_client.ArgumentError):
        UserQuery(conn, "")
    with pytest.raises(umapi_client.ArgumentError, match="domain"):
        UserQuery(conn, "jdoe")
    with pytest.raises(umapi_client.ArgumentError):
        UsersQuery(conn, in_group="")
    with pytest.raises(umapi_client.ArgumentError):
        UsersQuery(object())  # type: ignore[arg-type]
    with pytest.raises(umapi_client.ArgumentError):
        conn.query_multiple("product")
    with pytest.raises(umapi_client.ArgumentError):
        conn.query_multiple("user", page=-1)
