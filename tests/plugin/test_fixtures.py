"""The pytest plugin's fixtures, used the way a project that installed umapi-mock uses them."""

from __future__ import annotations

import pytest
import requests

import umapi_client
from umapi_client import GroupsQuery, UserAction, UserQuery, UsersQuery
from umapi_mock.seed import DEMO_ORG_ID

pytest_plugins = ["pytester"]


def test_server_exposes_what_clients_need(umapi_server, umapi_org):
    assert umapi_server.url.startswith("https://127.0.0.1:")
    assert umapi_server.netloc == umapi_server.url.split("://", 1)[1]
    assert umapi_server.endpoint == umapi_server.url + "/v2/usermanagement"
    assert umapi_server.org_id == DEMO_ORG_ID == umapi_org.id
    assert (umapi_server.client_id, umapi_server.client_secret) == ("test-client", "test-secret")
    r = requests.get(
        f"{umapi_server.endpoint}/users/{umapi_org.id}/0",
        headers=umapi_server.headers(),
        verify=umapi_server.ca_path,
        timeout=10,
    )
    assert r.status_code == 200 and r.json()["result"] == "success"
    assert umapi_server.backend.org() is umapi_org


def test_connection_reads_and_writes(umapi_org, umapi_connection):
    assert UserQuery(umapi_connection, "jane@example.com").result()["email"] == "jane@example.com"
    action = UserAction("new.person@example.com").create(
        first_name="New",
        last_name="Person",
        country="US",
        email="new.person@example.com",
        id_type=umapi_client.IdentityType.federatedID,
    )
    action.add_to_groups(["Employees"])
    queued, sent, done = umapi_connection.execute_single(action, immediate=True)
    assert done == 1, action.execution_errors()
    user = umapi_org.find_user("new.person@example.com")
    assert user is not None
    assert "Employees" in umapi_org.group_names_of(user.uid)


def test_each_test_gets_a_fresh_org(umapi_org):
    # The previous test created new.person@example.com; this org never saw it.
    assert umapi_org.find_user("new.person@example.com") is None
    umapi_org.delete_user(umapi_org.find_user("jane@example.com").uid)


def test_fresh_again_after_direct_changes(umapi_org):
    assert umapi_org.find_user("jane@example.com") is not None


@pytest.mark.umapi(users=10, groups=2)
def test_marker_picks_the_seed_size(umapi_org, umapi_connection):
    users = UsersQuery(umapi_connection).all_results()
    assert len(umapi_org.users) == 13  # three named demo users + 10 generated
    assert len(users) == 13
    assert len([g for g in GroupsQuery(umapi_connection).all_results() if g["type"] == "USER_GROUP"]) == 4


@pytest.mark.parametrize("umapi_org", [{"users": 0}, {"users": 5}], indirect=True)
def test_indirect_parametrization(umapi_org):
    assert len(umapi_org.users) in (3, 8)


def test_umapi_org_is_fast_even_for_big_orgs(umapi_server, request):
    """The template is seeded once; every later org is a clone (the default org has 2,503 users).
    Its time is a benchmark figure (`big_org_install`), not an assertion here."""
    opts = {"users": 20000}
    umapi_server.install_org(opts)  # builds the template
    for _ in range(5):
        org = umapi_server.install_org(opts)
    assert len(org.users) == 20003


def test_unknown_marker_option_is_a_usage_error(pytester):
    pytester.makepyfile(
        """
        import pytest
        @pytest.mark.umapi(colour="red")
        def test_x(umapi_org):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*unknown umapi option*colour*"])


@pytest.mark.umapi(throttle="documented")
def test_throttle_marker_and_clock_advancing_sleep(umapi_org, umapi_connection, umapi_journal):
    """The 11th action in a minute gets 429 + Retry-After; the connection 'waits' by moving the
    emulator clock, so the retry succeeds at once."""
    for i in range(11):  # the wall time of this loop is a benchmark figure (`throttled_retry_wall`)
        action = UserAction("jane@example.com").update(first_name=f"Jane{i}")
        assert umapi_connection.execute_single(action, immediate=True)[2] == 1
    statuses = [e["status"] for e in umapi_journal.entries(path="/v2/usermanagement/action/*")]
    assert statuses.count(429) == 1 and statuses.count(200) == 11


def test_throttle_is_off_without_the_marker(umapi_org, umapi_connection, umapi_journal):
    for i in range(12):
        assert (
            umapi_connection.execute_single(UserAction("jane@example.com").update(first_name=f"J{i}"), immediate=True)[
                2
            ]
            == 1
        )
    assert all(e["status"] == 200 for e in umapi_journal.entries(path="/v2/usermanagement/action/*"))


def test_faults_and_journal(umapi_org, umapi_connection, umapi_faults, umapi_journal):
    ids = umapi_faults.add(
        match={"path": "/v2/usermanagement/users/*"}, respond={"status": 503, "retry_after": 1}, times=2
    )
    assert len(ids) == 1 and umapi_faults.list()[0]["id"] == ids[0]
    users = UsersQuery(umapi_connection).all_results()
    assert len(users) == 2503
    statuses = [e["status"] for e in umapi_journal.entries(path="/v2/usermanagement/users/*")]
    assert statuses[:3] == [503, 503, 200]


def test_faults_are_gone_in_the_next_test(umapi_server, umapi_org, umapi_faults):
    assert umapi_faults.list() == []


@pytest.mark.umapi(faults=[{"match": {"path": "/v2/usermanagement/groups/*"}, "respond": {"status": 502}, "times": 1}])
def test_faults_from_the_marker(umapi_org, umapi_connection, umapi_journal):
    assert GroupsQuery(umapi_connection).all_results()
    assert [e["status"] for e in umapi_journal.entries(path="/v2/usermanagement/groups/*")][:2] == [502, 200]
