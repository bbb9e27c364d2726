"""Every code example of the 3.x connection docs (`shared/seeds/000_*.txt`, rendered, and
`002_*.txt`, its markdown source with `JWTAuth` from `umapi_client.auth`) run with our
reference client against the served emulator, adapted only in credentials and endpoint
(`auth_host`, `endpoint`, and `ssl_verify` = the emulator's CA). One test per example; the
examples that differ only in the authenticator run once per authenticator. The last test
runs the same examples, where they make sense for it, with the official 3.0.1 client."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import pytest
import urllib3

import umapi_client
from tests.keys import make_key_and_cert
from umapi_client import Connection, IdentityType, JWTAuth, OAuthS2S, UnavailableError, UserAction, UsersQuery
from umapi_mock.domain.models import Credential

from .conftest import state_of

JWT_CLIENT, JWT_SECRET, JWT_TECH = "jwt-client", "jwt-secret", "5EB0A4C1E1F34D11A9D0C0DE@techacct.adobe.com"
LOCAL_KEYS = {"multiple-query-count", "single-query-count", "actions-sent", "actions-completed", "actions-queued"}


@pytest.fixture(scope="module")
def jwt_key() -> tuple[str, str]:
    return make_key_and_cert("umapi-mock integration JWT")


@pytest.fixture
def jwt_ready(served: Any, jwt_key: tuple[str, str]) -> str:
    """A Service Account (JWT) integration in the served org, as the console would register it."""
    org = served.backend.org()
    org.add_credential(Credential(JWT_CLIENT, JWT_SECRET, org.id, JWT_TECH, certificates=(jwt_key[1],)))
    return jwt_key[0]


@pytest.fixture
def make_auth(served: Any, jwt_ready: str) -> Callable[[str], Any]:
    """The docs' authenticators with the emulator's credentials: "oauth" (000) or "jwt" (002)."""

    def make(kind: str) -> Any:
        if kind == "oauth":
            return OAuthS2S(
                client_id=served.client_id,
                client_secret=served.client_secret,
                auth_host=served.netloc,
                ssl_verify=served.ca_path,
            )
        from umapi_client.auth import JWTAuth as DocJWTAuth  # 002 imports it from here

        return DocJWTAuth(
            org_id=served.org_id,
            client_id=JWT_CLIENT,
            client_secret=JWT_SECRET,
            tech_acct_id=JWT_TECH,
            priv_key_data=jwt_ready,
            auth_host=served.netloc,
            ssl_verify=served.ca_path,
        )

    return make


def connection(served: Any, auth: Any, **kw: Any) -> Connection:
    return Connection(auth=auth, endpoint=served.endpoint, ssl_verify=served.ca_path, **kw)


@pytest.fixture(autouse=True)
def no_real_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """The examples use the default retry settings; none of them may wait for real."""
    import umapi_client.connection

    def refuse(seconds: float) -> None:
        raise AssertionError(f"the client tried to sleep {seconds}s")

    monkeypatch.setattr(umapi_client.connection, "sleep", refuse)


# --------------------------------------------------------------- authenticators


@pytest.mark.parametrize("kind", ["oauth", "jwt"])
def test_setting_up_a_connection(served, admin, make_auth, kind):
    """ "Setting up a connection is a two-step process": authenticator, then Connection."""
    auth = make_auth(kind)
    conn = connection(served, auth, org_id=served.org_id)
    assert admin.journal() == []  # constructing talks to nobody
    assert len(UsersQuery(conn).all_results()) == len(served.backend.org().active_user_ids())
    token_path = "/ims/token/v2/" if kind == "oauth" else "/ims/exchange/jwt/"
    assert [e["path"] for e in admin.journal() if e["ims"]] == [token_path]


def test_oauth_s2s(served, admin):
    """OAuthS2S(client_id=..., client_secret=...) then Connection(org_id=..., auth=oauth)."""
    oauth = OAuthS2S(
        client_id=served.client_id,
        client_secret=served.client_secret,
        auth_host=served.netloc,
        ssl_verify=served.ca_path,
    )
    conn = Connection(org_id=served.org_id, auth=oauth, endpoint=served.endpoint, ssl_verify=served.ca_path)
    assert umapi_client.UserQuery(conn, "jane@example.com").result()["email"] == "jane@example.com"
    [token] = [e for e in admin.journal() if e["ims"]]
    assert token["status"] == 200 and token["client_id"] == served.client_id


def test_jwt_auth(served, admin, jwt_ready):
    """JWTAuth(org_id, client_id, client_secret, tech_acct_id, priv_key_data) (both docs)."""
    jwt_auth = JWTAuth(
        org_id=served.org_id,
        client_id=JWT_CLIENT,
        client_secret=JWT_SECRET,
        tech_acct_id=JWT_TECH,
        priv_key_data=jwt_ready,
        auth_host=served.netloc,
        ssl_verify=served.ca_path,
    )
    conn = Connection(org_id=served.org_id, auth=jwt_auth, endpoint=served.endpoint, ssl_verify=served.ca_path)
    assert umapi_client.UserQuery(conn, "john@example.net").result()["type"] == "enterpriseID"
    [token] = [e for e in admin.journal() if e["ims"]]
    assert token["path"] == "/ims/exchange/jwt/" and token["status"] == 200
    assert jwt_auth.token_fetch_count == 1


def test_authenticator_options(served, admin):
    """ssl_verify, auth_host, auth_endpoint; ssl_verify=False works but warns as documented."""
    oauth = OAuthS2S(
        client_id=served.client_id,
        client_secret=served.client_secret,
        auth_host=served.netloc,
        auth_endpoint="/ims/token/v3",
        ssl_verify=False,
    )
    conn = Connection(served.org_id, oauth, endpoint=served.endpoint, ssl_verify=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert umapi_client.UserQuery(conn, "jane@example.com").result()
    assert any(issubclass(w.category, urllib3.exceptions.InsecureRequestWarning) for w in caught)
    assert [e["path"] for e in admin.journal() if e["ims"]] == ["/ims/token/v3/"]
    # the documented defaults
    default = OAuthS2S(client_id="id", client_secret="secret")
    assert default.auth_host == "ims-na1.adobelogin.com" and default.ssl_verify is True
    assert Connection("12345@AdobeOrg", default).endpoint == "https://usermanagement.adobe.io/v2/usermanagement"


# ------------------------------------------------------------------ connection


@pytest.mark.parametrize("kind", ["oauth", "jwt"])
def test_keyword_and_positional_arguments(served, make_auth, kind):
    auth = make_auth(kind)
    # keyword arguments
    conn = Connection(org_id=served.org_id, auth=auth, endpoint=served.endpoint, ssl_verify=served.ca_path)
    # no keyword arguments
    conn2 = Connection(served.org_id, auth, served.endpoint, ssl_verify=served.ca_path)
    assert conn.org_id == conn2.org_id == served.org_id
    assert UsersQuery(conn, in_group="Employees").all_results() == UsersQuery(conn2, in_group="Employees").all_results()


@pytest.mark.parametrize("kind", ["oauth", "jwt"])
def test_test_mode_count_unchanged(served, make_auth, kind):
    auth = make_auth(kind)
    before = state_of(served)
    conn = Connection(served.org_id, auth, served.endpoint, test_mode=True, ssl_verify=served.ca_path)

    count_before = len(UsersQuery(conn).all_results())
    conn.execute_single(
        UserAction("tm.user@example.com").create(
            firstname="Test", lastname="Mode", country="US", id_type="federatedID"
        ),
        True,
    )
    count_after = len(UsersQuery(conn).all_results())

    assert count_before == count_after
    assert conn.status()[0]["actions-completed"] == 1  # the server accepted it, in test mode
    assert state_of(served) == before


def test_timeout(served, admin):
    """`timeout` bounds the wait for an answer (a 1 s delay rule; no retry allowed here)."""
    admin.fault({"match": {"path": "/v2/usermanagement/users/*"}, "respond": {"delay": 1.0}, "times": 1})
    conn = Connection(
        served.org_id,
        OAuthS2S(served.client_id, served.client_secret, auth_host=served.netloc, ssl_verify=served.ca_path),
        served.endpoint,
        timeout=0.3,
        retry_max_attempts=1,
        ssl_verify=served.ca_path,
    )
    with pytest.raises(UnavailableError) as info:
        UsersQuery(conn).all_results()
    assert "Timeout" in type(info.value.cause).__name__


# -------------------------------------------------------------------- methods


@pytest.fixture
def conn(served: Any, make_auth: Callable[[str], Any]) -> Connection:
    return connection(served, make_auth("oauth"), org_id=served.org_id)


def test_status_local(conn):
    local, _ = conn.status()
    assert set(local) == LOCAL_KEYS and all(v == 0 for v in local.values())
    UsersQuery(conn, in_group="Employees").all_results()
    umapi_client.UserQuery(conn, "jane@example.com").result()
    conn.execute_single(UserAction("jane@example.com").add_to_groups(["Contractors"]))
    local, _ = conn.status()
    assert local == {
        "multiple-query-count": 1,
        "single-query-count": 1,
        "actions-sent": 0,
        "actions-completed": 0,
        "actions-queued": 1,
    }


def test_status_remote(conn, served):
    _, remote = conn.status(remote=True)
    # the emulator answers /status flat (spec §2.5.1, §6 A20); the docs print it nested
    assert remote["state"] == "LIVE" and {"build", "version", "side", "environment"} <= set(remote)
    assert remote["endpoint"] == served.endpoint


def test_status_never_contacted(conn, served):
    _, remote = conn.status()
    assert remote == {"status": "Never contacted", "endpoint": served.endpoint}


def test_execute_single(conn, served, admin):
    action = UserAction(email="user@example.com").create(firstname="Test", lastname="User")

    # immediate is "False" by default so here the action will be queued
    # and executed when batch limit is reached
    assert conn.execute_single(action) == (1, 0, 0)
    assert admin.journal(path="/v2/usermanagement/action/*") == []

    # when immediate=True, API call is dispatched immediately
    assert conn.execute_single(action, immediate=True) == (0, 2, 2)
    assert len(admin.journal(path="/v2/usermanagement/action/*")) == 1
    user = served.backend.org().find_user("user@example.com", adobe_id=True)
    assert user.type == "adobeID" and user.firstname == "Test"


def test_execute_multiple(conn, served, admin):
    actions = [
        UserAction(email="user1@example.com").create(firstname="Test", lastname="User 1"),
        UserAction(email="user2@example.com").create(firstname="Test", lastname="User 2"),
        UserAction(email="user3@example.com").create(firstname="Test", lastname="User 3"),
    ]

    # The docs say immediate is False by default (queue until 10); umapi-client 3.0.1 sends
    # at once, and so does ours (docs/fidelity.md, "Reference client").
    assert conn.execute_multiple(actions) == (0, 3, 3)
    assert len(admin.journal(path="/v2/usermanagement/action/*")) == 1

    # with immediate=False they are queued until a batch of 10 is full
    assert conn.execute_multiple(actions, immediate=False) == (3, 0, 0)
    assert conn.execute_queued() == (0, 3, 3)
    assert len(admin.journal(path="/v2/usermanagement/action/*")) == 2
    org = served.backend.org()
    assert [org.find_user(f"user{i}@example.com", adobe_id=True).lastname for i in (1, 2, 3)] == [
        "User 1",
        "User 2",
        "User 3",
    ]


def test_execute_multiple_five_then_ten(conn, admin):
    """ "5 UserAction objects ... followed by a list of 10": no call, then one call with 10,
    leaving 5 queued (with immediate=False; 3.0.1's default is True)."""

    def users(start: int, count: int) -> list[UserAction]:
        return [
            UserAction(f"q{i}@gmail.example").create(f"q{i}@gmail.example", id_type=IdentityType.adobeID)
            for i in range(start, start + count)
        ]

    assert conn.execute_multiple(users(0, 5), immediate=False) == (5, 0, 0)
    assert admin.journal(path="/v2/usermanagement/action/*") == []
    assert conn.execute_multiple(users(5, 10), immediate=False) == (5, 10, 10)
    [call] = admin.journal(path="/v2/usermanagement/action/*")
    assert conn.status()[0]["actions-queued"] == 5


def test_execute_queued(conn, served, admin):
    """Equivalent of execute_multiple([], immediate=True)."""
    conn.execute_single(UserAction("jane@example.com").add_to_groups(["Contractors"]))
    conn.execute_single(UserAction("john@example.net").add_to_groups(["Employees"]))
    assert conn.execute_queued() == (0, 2, 2)
    assert conn.execute_multiple([], immediate=True) == (0, 0, 0)
    org = served.backend.org()
    assert "Contractors" in org.group_names_of(org.find_user("jane@example.com").uid)


# ------------------------------------------------------------- official client


@pytest.mark.official_client
def test_connection_doc_examples_with_the_official_client(run_official, served, jwt_ready):
    result = run_official(
        f"""
        from umapi_client.auth import JWTAuth as DocJWTAuth
        out = {{}}
        oauth = OAuthS2S(client_id=CLIENT_ID, client_secret=SECRET, auth_host=NETLOC, ssl_verify=CA)
        conn = Connection(org_id=ORG, auth=oauth, endpoint=URL + "/v2/usermanagement", ssl_verify=CA)
        conn2 = Connection(ORG, oauth, URL + "/v2/usermanagement", ssl_verify=CA)
        out["never"] = conn.status()[1]
        out["keyword_positional"] = [len(UsersQuery(c, in_group="Employees").all_results()) for c in (conn, conn2)]
        jwt_auth = DocJWTAuth(org_id=ORG, client_id={JWT_CLIENT!r}, client_secret={JWT_SECRET!r},
                              tech_acct_id={JWT_TECH!r}, priv_key_data={jwt_ready!r},
                              auth_host=NETLOC, ssl_verify=CA)
        jconn = Connection(org_id=ORG, auth=jwt_auth, endpoint=URL + "/v2/usermanagement", ssl_verify=CA)
        out["jwt"] = UserQuery(jconn, "john@example.net").result()["type"]

        tconn = Connection(ORG, oauth, URL + "/v2/usermanagement", test_mode=True, ssl_verify=CA)
        count_before = len(UsersQuery(tconn).all_results())
        tconn.execute_single(UserAction("tm.user@example.com").create(email="tm.user@example.com", firstname="T",
                                                                      lastname="M", country="US"), True)
        count_after = len(UsersQuery(tconn).all_results())
        out["test_mode"] = [count_before, count_after]

        out["local"] = conn.status()[0]
        out["remote"] = conn.status(remote=True)[1]
        actions = [UserAction(f"user{{i}}@example.com").create(email=f"user{{i}}@example.com", firstname="Test",
                                                               lastname=f"User {{i}}", country="US")
                   for i in (1, 2, 3)]
        out["execute_multiple_default"] = conn.execute_multiple(actions)
        out["five"] = conn.execute_multiple([UserAction("jane@example.com").add_to_groups(["Contractors"])
                                             for i in range(5)], immediate=False)
        out["ten"] = conn.execute_multiple([UserAction("jane@example.com").add_to_groups(["Contractors"])
                                            for i in range(5, 15)], immediate=False)
        out["queued"] = conn.execute_queued()
        emit(out)
        """
    )
    assert result["never"] == {"status": "Never contacted", "endpoint": served.endpoint}
    assert result["keyword_positional"] == [1, 1]
    assert result["jwt"] == "enterpriseID"
    assert result["test_mode"][0] == result["test_mode"][1]
    assert set(result["local"]) == LOCAL_KEYS
    assert result["remote"]["state"] == "LIVE" and result["remote"]["endpoint"] == served.endpoint
    # 3.0.1 sends execute_multiple at once by default, unlike what the 3.x docs (and our
    # client) say; the explicit immediate=False queueing example behaves as documented
    assert result["execute_multiple_default"] == [0, 3, 3]
    assert result["five"] == [5, 0, 0] and result["ten"] == [5, 10, 10] and result["queued"] == [0, 5, 5]
