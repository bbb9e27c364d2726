"""Get User, paging through users/groups, 404 as "nothing", stats() and reload, as
umapi-client 3.0.1 does them on the wire."""

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
    assert query.stats() == (5, 3, 1, 2)  # total, page count, page size, page number of the last page
    assert urlsplit(calls_to(rsps, USERS_URL)[0].request.url).query == "directOnly=True"  # 3.0.1's spelling


def test_iteration_is_lazy_and_each_iteration_runs_again(
    rsps: responses.RequestsMock, make_conn: Callable[..., Any]
) -> None:
    add_s2s_token(rsps)
    rsps.add(responses.GET, f"{USERS_URL}/0", json=page_body([user(0), user(1)], False))
    rsps.add(responses.GET, f"{USERS_URL}/1", json=page_body([user(2)], True))
    query = UsersQuery(make_conn())
    assert query.stats() == (0, 0, 1, 1)  # before any page, as in 3.0.1
    for i, _ in enumerate(query):
        if i == 1:
            break
    assert len(calls_to(rsps, USERS_URL)) == 1  # only the first page was needed
    assert len(query.all_results()) == 3  # the rest, keeping what was fetched
    assert len(calls_to(rsps, USERS_URL)) == 2
    assert query.all_results() == query.all_results() and len(calls_to(rsps, USERS_URL)) == 2
    assert [u["email"] for u in query] == [f"user{i}@example.com" for i in range(3)]
    assert len(calls_to(rsps, USERS_URL)) == 4  # a new iteration runs the query again (3.0.1)
    query.reload()
    assert len(query.all_results()) == 3
    assert len(calls_to(rsps, USERS_URL)) == 6


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
    assert urlsplit(call.request.url).query == "domain=example.com&directOnly=False"


def test_unknown_group_404_is_empty(rsps: responses.RequestsMock, make_conn: Callable[..., Any]) -> None:
    add_s2s_token(rsps)
    rsps.add(
        responses.GET,
        f"{USERS_URL}/0/Nope",
        status=404,
        json={"lastPage": False, "result": "error.group.not_found", "message": "Not found: Group Nope"},
    )
    conn = make_conn()
    query = UsersQuery(conn, in_group="Nope")
    assert query.all_results() == []
    assert conn.query_multiple("user", 0, ["Nope"]) == ([], True, 0, 0, 0, 0)
    assert len(calls_to(rsps, USERS_URL)) == 2


def test_empty_page_ends_iteration(rsps: responses.RequestsMock, make_conn: Callable[..., Any]) -> None:
    add_s2s_token(rsps)
    rsps.add(responses.GET, f"{USERS_URL}/0", json=page_body([user(0)], False))
    rsps.add(responses.GET, f"{USERS_URL}/1", json=page_body([], False))
    assert len(UsersQuery(make_conn()).all_results()) == 1
    assert len(calls_to(rsps, USERS_URL)) == 2


def test_query_multiple_returns_a_named_six_tuple(rsps: responses.RequestsMock, make_conn: Callable[..., Any]) -> None:
    add_s2s_token(rsps)
    rsps.add(responses.GET, f"{USERS_URL}/0", json=page_body([user(0)], True), headers=paging_headers(1, 1, 1, 1))
    page = make_conn().query_multiple("user")
    assert page == ([user(0)], True, 1, 1, 1, 1)
    assert (page.items, page.last_page, page.total_count) == ([user(0)], True, 1)


def test_user_groups_list(rsps: responses.RequestsMock, make_conn: Callable[..., Any]) -> None:
    """Ours: the deprecated /{orgId}/user-groups list that Adobe's sync tool names."""
    add_s2s_token(rsps)
    url = f"{ENDPOINT}/{ORG}/user-groups"
    rsps.add(responses.GET, url, json=[{"name": "G1"}], headers=paging_headers(2, 2, 1, 1))
    rsps.add(responses.GET, url, json=[{"name": "G2"}], headers=paging_headers(2, 2, 2, 1))
    assert [g["name"] for g in umapi_client.UserGroupsQuery(make_conn())] == ["G1", "G2"]
    assert [urlsplit(c.request.url).query for c in calls_to(rsps, url)] == ["page=1", "page=2"]


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
    with pytest.raises(umapi_client.ClientError, match="no 'success' result"):
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


def test_user_query_404_is_an_empty_dict_and_cached(
    rsps: responses.RequestsMock, make_conn: Callable[..., Any]
) -> None:
    add_s2s_token(rsps)
    url = f"{ENDPOINT}/organizations/{ORG}/users/ghost@example.com"
    rsps.add(responses.GET, url, status=404, json={"result": "error.user.not_found", "message": "User not found"})
    conn = make_conn()
    query = UserQuery(conn, "ghost@example.com")
    assert query.result() == {} and query.result() == {}
    assert len(calls_to(rsps, url)) == 1
    assert conn.query_single("user", ["ghost@example.com"]) == {}


def test_user_string_is_path_quoted(rsps: responses.RequestsMock, make_conn: Callable[..., Any]) -> None:
    add_s2s_token(rsps)
    url = f"{ENDPOINT}/organizations/{ORG}/users/o%27neil%2Bx@example.com"
    rsps.add(responses.GET, url, json={"result": "success", "user": {"email": "o'neil+x@example.com"}})
    assert UserQuery(make_conn(), "o'neil+x@example.com").result() == {"email": "o'neil+x@example.com"}
    assert len(calls_to(rsps, url)) == 1


def test_unknown_object_type_is_an_argument_error(make_conn: Callable[..., Any]) -> None:
    with pytest.raises(umapi_client.ArgumentError, match="must be 'user' or 'group'"):
        make_conn().query_multiple("product")


def test_malformed_query_answer_is_a_value_error(rsps: responses.RequestsMock, make_conn: Callable[..., Any]) -> None:
    add_s2s_token(rsps)
    rsps.add(responses.GET, f"{USERS_URL}/0", body="<html>oops</html>")
    with pytest.raises(ValueError) as info:
        UsersQuery(make_conn()).all_results()
    assert isinstance(info.value, umapi_client.MalformedResponseError) and "oops" in str(info.value)
