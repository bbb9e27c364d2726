"""More of the official umapi-client 3.0.1, unchanged, against the served demo org: domain
filter, indirect membership, Adobe ID vs org account, and the deprecated user-group list."""

from __future__ import annotations

import pytest

from umapi_mock.domain.models import ADOBE_ID, User

pytestmark = pytest.mark.official_client

PROFILE = "Default Photoshop configuration"  # linked to the Employees user group in the demo seed


def test_users_in_domain_and_indirect_membership(official, served):
    result = official.run(
        f"""
        conn = connect()
        net = UsersQuery(conn, in_domain="example.net").all_results()
        missing = UsersQuery(conn, in_domain="nowhere.example").all_results()
        direct = UsersQuery(conn, in_group={PROFILE!r}).all_results()
        everyone = UsersQuery(conn, in_group={PROFILE!r}, direct_only=False).all_results()
        jane = [u for u in everyone if u["email"] == "jane@example.com"]
        emit({{"net": [u["email"] for u in net], "missing": missing,
               "direct": [u["email"] for u in direct], "everyone": [u["email"] for u in everyone],
               "jane_groups": jane[0]["groups"] if jane else None}})
        """
    )
    org = served.backend.org()
    expected_net = [u.email for u in org.users.values() if u.status == "active" and u.domain == "example.net"]
    assert len(expected_net) > served.config.users_page_size  # more than one page
    assert result["net"] == expected_net
    assert result["missing"] == []  # 404 for an unknown domain: the client's "nothing found"

    profile = org.group_named(PROFILE)
    assert result["direct"] == [org.users[u].email for u in org.members[profile.gid]]
    assert "jane@example.com" not in result["direct"]  # she has the profile only through Employees
    assert "jane@example.com" in result["everyone"]
    assert len(result["everyone"]) == len(org.group_member_ids(profile.gid, direct_only=False))
    assert PROFILE in result["jane_groups"] and "Employees" in result["jane_groups"]


def test_user_query_adobe_id_and_org_account(official, served):
    org = served.backend.org()
    with org.lock:
        org.put_user(
            User(
                org.new_uid(), ADOBE_ID, "jane@example.com", "jane@example.com", "example.com", "Jane", "Personal", "FR"
            )
        )
    result = official.run(
        """
        conn = connect()
        emit({"default": UserQuery(conn, "Jane@Example.com").result(),
              "adobe": UserQuery(conn, "jane@example.com", domain="AdobeID").result(),
              "fed": UserQuery(conn, "jane@example.com", domain="example.com").result(),
              "none": UserQuery(conn, "john@example.net", domain="AdobeID").result()})
        """
    )
    assert result["default"]["type"] == "federatedID"
    assert result["fed"]["type"] == "federatedID"
    assert result["adobe"]["type"] == "adobeID"
    assert result["adobe"]["lastname"] == "Personal"
    assert not result["none"]


def test_deprecated_user_group_listing(official, served, monkeypatch):
    """`query_multiple("user-group")` pages 1-based and stops when X-Current-Page reaches X-Page-Count."""
    monkeypatch.setattr(served.config, "groups_page_size", 5)
    result = official.run(
        """
        conn = connect()
        q = QueryMultiple(conn, "user-group")
        groups = q.all_results()
        emit({"names": [g["name"] for g in groups], "calls": conn.local_status["multiple-query-count"]})
        """
    )
    org = served.backend.org()
    expected = [g.name for g in org.listed_groups() if g.type == "USER_GROUP"]
    assert len(expected) > 10
    assert result["names"] == expected
    assert result["calls"] == -(-len(expected) // 5)
