"""`umapi_mock.mock_umapi()`: requests to the IMS and UMAPI hosts reach the emulator with no socket."""

from __future__ import annotations

import socket
import threading

import pytest
import requests

import umapi_client
import umapi_mock
from umapi_client import UserAction, UserQuery, UsersQuery
from umapi_mock.config import Config

TINY_SEED = {
    "orgs": [
        {
            "id": "ABCDEF0123456789ABCDEF01@AdobeOrg",
            "domains": [{"name": "tiny.example", "type": "enterprise"}],
            "credentials": [{"client_id": "tiny-client", "client_secret": "tiny-secret"}],
            "users": [{"email": "one@tiny.example", "type": "enterpriseID", "firstname": "One", "lastname": "User"}],
        }
    ]
}


@pytest.fixture
def no_sockets(monkeypatch):
    """Any real connection attempt fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("mock_umapi opened a real socket")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_context_manager_with_default_hosts(no_sockets):
    with umapi_mock.mock_umapi() as umapi:
        auth = umapi_client.OAuthS2S(umapi.client_id, umapi.client_secret)  # ims-na1.adobelogin.com
        conn = umapi_client.Connection(org_id=umapi.org_id, auth=auth)  # usermanagement.adobe.io
        assert UserQuery(conn, "jane@example.com").result()["email"] == "jane@example.com"
        assert len(UsersQuery(conn).all_results()) == len(umapi.org.active_user_ids())
        action = UserAction("jane@example.com").update(first_name="Janet")
        assert conn.execute_single(action, immediate=True)[2] == 1
        assert umapi.org.find_user("jane@example.com").firstname == "Janet"


def test_other_hosts_are_refused_unless_allowed():
    with umapi_mock.mock_umapi():
        with pytest.raises(requests.ConnectionError):
            requests.get("https://example.org/", timeout=5)


def test_decorator_gives_each_call_a_fresh_emulator(no_sockets):
    seen = []

    @umapi_mock.mock_umapi(seed=TINY_SEED)
    def scenario():
        auth = umapi_client.OAuthS2S("tiny-client", "tiny-secret")
        conn = umapi_client.Connection(
            org_id="ABCDEF0123456789ABCDEF01@AdobeOrg", auth=auth, retry_first_delay=0, retry_random_delay=0
        )
        seen.append(UserQuery(conn, "one@tiny.example").result().get("firstname"))
        conn.execute_single(UserAction("one@tiny.example").update(first_name="Changed"), immediate=True)

    scenario()
    scenario()
    assert seen == ["One", "One"]


def test_configurable_hosts_and_config():
    with umapi_mock.mock_umapi(
        Config(seed=TINY_SEED, users_page_size=1), hosts=["umapi.internal:8443"], ims_hosts=[], umapi_hosts=[]
    ) as umapi:
        assert umapi.endpoint == "https://umapi.internal/v2/usermanagement"
        conn = umapi.connection()
        assert conn.endpoint == umapi.endpoint
        assert UserQuery(conn, "one@tiny.example").result()["lastname"] == "User"
        r = requests.get("http://umapi.internal:8443/status", timeout=5)
        assert r.json()["state"] == "LIVE"
        with pytest.raises(requests.ConnectionError):
            requests.get("https://usermanagement.adobe.io/status", timeout=5)


def test_threads_and_raw_requests_are_intercepted():
    with umapi_mock.mock_umapi() as umapi:
        results = []

        def worker():
            r = requests.post(
                "https://ims-na1.adobelogin.com/ims/token/v2/",
                timeout=5,
                data={
                    "grant_type": "client_credentials",
                    "client_id": umapi.client_id,
                    "client_secret": umapi.client_secret,
                    "scope": "openid,AdobeID,user_management_sdk",
                },
            )
            results.append((r.status_code, r.json()["expires_in"]))

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results == [(200, 86399)] * 4
        assert umapi.call_count == 4


def test_dropped_connection_fault_surfaces_as_connection_error():
    with umapi_mock.mock_umapi() as umapi:
        from umapi_mock.http.context import emulator_of
        from umapi_mock.layers.faults import parse_fault_rules

        emulator_of(umapi.app).layers.faults.add(
            parse_fault_rules({"match": {"path": "/status"}, "respond": {"drop": True}})
        )
        with pytest.raises(requests.ConnectionError):
            requests.get("https://usermanagement.adobe.io/status", timeout=5)


def test_use_outside_the_block_is_explained():
    mock = umapi_mock.mock_umapi()
    with pytest.raises(RuntimeError, match="entered"):
        _ = mock.org


def test_connection_keeps_given_retry_delays():
    with umapi_mock.mock_umapi() as umapi:
        conn = umapi.connection(retry_first_delay=7, max_retries=2)
        assert (conn.retry_first_delay, conn.retry_random_delay, conn.retry_max_attempts) == (7, 0, 2)
        assert umapi.connection().retry_first_delay == 0
