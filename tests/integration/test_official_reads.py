"""The official umapi-client 3.0.1, unchanged, reads the served emulator over HTTPS."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.official_client


def test_s2s_users_paging_and_counts(official, served):
    result = official.run(
        """
        conn = connect()
        q = UsersQuery(conn)
        users = q.all_results()
        emit({"count": len(users), "unique": len({u["email"].lower() + u["type"] for u in users}),
              "first": users[0]})
        """
    )
    org = served.backend.org()
    active = [u for u in org.users.values() if u.status == "active"]
    assert len(active) > 2 * served.config.users_page_size  # at least three pages
    assert result["count"] == len(active)
    assert result["unique"] == len(active)
    assert result["first"]["email"] == "jane@example.com"
    assert result["first"]["type"] == "federatedID"


def test_user_query_hit_and_miss(official):
    result = official.run(
        """
        conn = connect()
        hit = UserQuery(conn, "JANE@example.com").result()
        miss = UserQuery(conn, "nobody@example.com").result()
        emit({"hit": hit, "miss": miss})
        """
    )
    assert result["hit"]["email"] == "jane@example.com"
    assert "_org_admin" in result["hit"]["groups"]
    assert not result["miss"]


def test_groups_query_and_in_group(official, served):
    result = official.run(
        """
        conn = connect()
        groups = GroupsQuery(conn).all_results()
        members = UsersQuery(conn, in_group="Employees").all_results()
        admins = UsersQuery(conn, in_group="_admin_Employees").all_results()
        missing = UsersQuery(conn, in_group="No Such Group").all_results()
        emit({"groups": groups, "members": [u["email"] for u in members], "admins": admins, "missing": missing})
        """
    )
    org = served.backend.org()
    assert {g["groupName"] for g in result["groups"]} >= {
        "Employees",
        "_org_admin",
        "Default Photoshop configuration",
    }
    employees = org.group_named("Employees")
    assert len(result["members"]) == len(org.members[employees.gid])
    assert "jane@example.com" in result["members"]
    assert result["admins"] == []
    assert result["missing"] == []


def test_status_remote(official, served):
    result = official.run(
        """
        conn = connect()
        local, remote = conn.status(remote=True)
        emit(remote)
        """
    )
    assert result["state"] == "LIVE"
    assert result["endpoint"] == served.endpoint


def test_jwt_auth(official, served, tmp_path):
    """JWTAuth signs with a private key whose certificate is bound to the credential."""
    from dataclasses import replace

    from tests.keys import make_key_and_cert

    key_pem, cert_pem = make_key_and_cert()
    org = served.backend.org()
    cred = org.credentials[served.client_id]
    org.credentials[served.client_id] = replace(cred, certificates=(cert_pem,))
    (tmp_path / "private.key").write_text(key_pem)
    result = official.run(
        f"""
        from umapi_client import JWTAuth
        auth = JWTAuth(org_id=ORG, client_id=CLIENT_ID, client_secret=SECRET, tech_acct_id={cred.tech_account!r},
                       priv_key_data=open("private.key").read(), auth_host=NETLOC, ssl_verify=CA)
        conn = Connection(org_id=ORG, auth=auth, endpoint=URL + "/v2/usermanagement", ssl_verify=CA)
        emit(UserQuery(conn, "jane@example.com").result())
        """
    )
    assert result["email"] == "jane@example.com"
