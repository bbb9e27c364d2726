"""The in-process transport (`umapi_mock/interception.py`) seen through `requests`: which
interceptor a request reaches, what happens to other hosts, how the transport is put back, and
that the answer is what the adapter makes of a socket's (retries, streaming, HEAD, file bodies)."""

from __future__ import annotations

import io
import json
import socket

import pytest
import requests
import responses
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

import umapi_mock
from umapi_mock.layers.faults import parse_fault_rules

from .test_inprocess_fast_lane import token_of

ORG = "ABCDEF0123456789ABCDEF01@AdobeOrg"


def seed(domain: str) -> dict[str, object]:
    return {
        "orgs": [
            {
                "id": ORG,
                "domains": [{"name": domain, "type": "enterprise"}],
                "credentials": [{"client_id": "c-" + domain, "client_secret": "s-" + domain}],
                "users": [{"email": f"one@{domain}", "type": "enterpriseID", "firstname": "One", "lastname": "User"}],
            }
        ]
    }


class RealSocket(Exception):
    """Raised where the real transport would open a connection."""


@pytest.fixture
def real_socket_marks(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise RealSocket(args[0] if args else None)

    monkeypatch.setattr(socket, "getaddrinfo", refuse)  # (no name lookup leaves the machine either)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def headers(umapi: umapi_mock.MockUMAPI, session: requests.Session) -> dict[str, str]:
    return {"X-Api-Key": umapi.client_id, "Authorization": f"Bearer {token_of(umapi, session)}"}


def first_user_email(umapi: umapi_mock.MockUMAPI, session: requests.Session) -> str:
    page = session.get(f"{umapi.endpoint}/users/{ORG}/0", headers=headers(umapi, session))
    return str(page.json()["users"][0]["email"])


def test_a_host_reaches_the_newest_active_mock_that_owns_it() -> None:
    session = requests.Session()
    with umapi_mock.mock_umapi(seed=seed("outer.example")) as outer:
        assert first_user_email(outer, session) == "one@outer.example"
        with umapi_mock.mock_umapi(seed=seed("inner.example")) as inner:
            assert first_user_email(inner, session) == "one@inner.example"
            assert (outer.call_count, inner.call_count) == (2, 2)
        assert first_user_email(outer, session) == "one@outer.example"
        assert outer.call_count == 4


def test_host_names_match_in_any_case_and_on_any_port() -> None:
    with umapi_mock.mock_umapi(hosts=["Umapi.Internal"], ims_hosts=[], umapi_hosts=[]) as umapi:
        for url in ("https://UMAPI.internal/status", "http://umapi.internal:8080/status"):
            assert requests.get(url, timeout=5).json()["state"] == "LIVE"
        assert umapi.call_count == 2


def test_other_hosts_are_refused_with_the_way_to_let_them_through() -> None:
    with umapi_mock.mock_umapi():
        with pytest.raises(requests.ConnectionError, match="allow_other_hosts=True") as refused:
            requests.get("https://example.org/thing", timeout=5)
        assert refused.value.request is not None and refused.value.request.url == "https://example.org/thing"


def test_other_hosts_go_on_to_the_transport_that_was_there_before() -> None:
    with responses.RequestsMock() as earlier:
        earlier.add(responses.GET, "https://example.org/thing", json={"from": "the earlier mock"})
        with umapi_mock.mock_umapi(allow_other_hosts=True) as umapi:
            assert requests.get("https://example.org/thing", timeout=5).json() == {"from": "the earlier mock"}
            assert requests.get(f"https://{umapi.umapi_host}/status", timeout=5).json()["state"] == "LIVE"
        assert umapi.call_count == 1
        assert len(earlier.calls) == 1


def test_stopping_puts_the_previous_transport_back() -> None:
    before = HTTPAdapter.send
    with umapi_mock.mock_umapi():
        assert HTTPAdapter.send is not before
        with umapi_mock.mock_umapi():
            pass
        assert HTTPAdapter.send is not before  # the outer one is still active
    assert HTTPAdapter.send is before


def test_a_patch_started_on_top_keeps_working_when_the_mock_stops_first(real_socket_marks: None) -> None:
    before = HTTPAdapter.send
    umapi = umapi_mock.mock_umapi().start()
    later = responses.RequestsMock(assert_all_requests_are_fired=False)
    later.add(responses.GET, "https://example.org/thing", body="later")
    later.start()
    try:
        umapi.stop()  # out of order: `later` is on top of the transport
        assert requests.get("https://example.org/thing", timeout=5).text == "later"
        with pytest.raises(requests.ConnectionError):  # `later` does not know the UMAPI host
            requests.get("https://usermanagement.adobe.io/status", timeout=5)
    finally:
        later.stop()
    # `later` put back what it found (the transport, with nothing active): the real send
    with pytest.raises(RealSocket):
        requests.get("https://usermanagement.adobe.io/status", timeout=5)
    with umapi_mock.mock_umapi() as again:  # and a new mock still routes
        assert requests.get(f"https://{again.umapi_host}/status", timeout=5).json()["state"] == "LIVE"
    assert HTTPAdapter.send is before


def retrying_session(total: int, *, raise_on_status: bool = True) -> requests.Session:
    session = requests.Session()
    retry = Retry(total=total, status_forcelist=[503], allowed_methods=None, raise_on_status=raise_on_status)
    session.mount("https://", HTTPAdapter(max_retries=retry))
    return session


def add_503(umapi: umapi_mock.MockUMAPI, times: int | None) -> None:
    rule: dict[str, object] = {"match": {"path": "/status"}, "respond": {"status": 503}}
    if times is not None:
        rule["times"] = times
    umapi.emulator.layers.faults.add(parse_fault_rules(rule))


def test_the_adapters_retry_policy_resends_as_urllib3_would() -> None:
    with umapi_mock.mock_umapi() as umapi:
        add_503(umapi, times=2)
        answer = retrying_session(total=2).get(f"https://{umapi.umapi_host}/status", timeout=5)
        assert answer.status_code == 200
        assert umapi.call_count == 3


def test_retries_used_up_raise_retry_error_or_return_the_last_answer() -> None:
    with umapi_mock.mock_umapi() as umapi:
        add_503(umapi, times=None)
        with pytest.raises(requests.exceptions.RetryError):
            retrying_session(total=1).get(f"https://{umapi.umapi_host}/status", timeout=5)
        assert umapi.call_count == 2
        last = retrying_session(total=1, raise_on_status=False).get(f"https://{umapi.umapi_host}/status", timeout=5)
        assert last.status_code == 503
        assert umapi.call_count == 4


def test_without_a_retry_policy_a_503_is_answered_once() -> None:
    with umapi_mock.mock_umapi() as umapi:
        add_503(umapi, times=None)
        assert requests.get(f"https://{umapi.umapi_host}/status", timeout=5).status_code == 503
        assert umapi.call_count == 1


def test_streamed_head_and_file_bodies_behave_as_over_a_socket() -> None:
    with umapi_mock.mock_umapi() as umapi:
        session = requests.Session()
        auth = headers(umapi, session)
        page_url = f"{umapi.endpoint}/users/{umapi.org_id}/0"
        whole = session.get(page_url, headers=auth).content
        assert json.loads(whole)["users"]
        with session.get(page_url, headers=auth, stream=True) as streamed:
            assert b"".join(streamed.iter_content(4096)) == whole
        head = session.head(f"https://{umapi.umapi_host}/status")
        assert head.status_code == 200 and head.content == b""
        email = json.loads(whole)["users"][0]["email"]
        body = json.dumps([{"user": email, "do": [{"update": {"firstname": "Filed"}}]}]).encode()
        answer = session.post(
            f"{umapi.endpoint}/action/{umapi.org_id}",
            data=io.BytesIO(body),
            headers={**auth, "Content-Type": "application/json"},
        )
        assert answer.json()["result"] == "success", answer.text
        assert umapi.org.find_user(email).firstname == "Filed"
