"""`mock_umapi` shares the app's fast lane (umapi_mock/http/fast_lane.py): a users page and
Get User through `requests` are answered without reaching Flask, with the same status,
headers and body as the Flask path gives the same request in process (no Content-Length:
there is no wire)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import requests
from werkzeug.test import Client

import umapi_mock
from umapi_mock.inprocess import wsgi_environ

SEED = {
    "orgs": [
        {
            "id": "ABCDEF0123456789ABCDEF01@AdobeOrg",
            "domains": [{"name": "tiny.example", "type": "enterprise"}],
            "credentials": [{"client_id": "tiny-client", "client_secret": "tiny-secret"}],
            "generate": {"users": 40, "groups": 2, "seed": 3},
        }
    ]
}


def count_flask_calls(umapi: Any) -> tuple[Any, list[str]]:
    """(the Flask stack behind the lane, the paths of the calls that reach it from now)."""
    lane = umapi.app.wsgi_app
    behind = lane.app
    calls: list[str] = []

    def counted(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        calls.append(environ["PATH_INFO"])
        return behind(environ, start_response)

    lane.app = counted
    return behind, calls


def token_of(umapi: Any, session: requests.Session) -> str:
    answer = session.post(
        f"https://{umapi.ims_host}/ims/token/v3",
        data={
            "grant_type": "client_credentials",
            "client_id": umapi.client_id,
            "client_secret": umapi.client_secret,
            "scope": "openid,AdobeID,user_management_sdk",
        },
    )
    return str(answer.json()["access_token"])


def test_in_process_hot_reads_take_the_fast_lane_with_the_flask_paths_answers() -> None:
    with umapi_mock.mock_umapi(seed=SEED) as umapi:
        behind, calls = count_flask_calls(umapi)
        session = requests.Session()
        token = token_of(umapi, session)
        headers = {"X-Api-Key": umapi.client_id, "Authorization": f"Bearer {token}", "X-Request-Id": "inproc-1"}
        email = next(iter(umapi.org.users.values())).email
        for path in (f"/users/{umapi.org_id}/0", f"/organizations/{umapi.org_id}/users/{email}"):
            calls.clear()
            answer = session.get(f"{umapi.endpoint}{path}", headers=headers)
            assert answer.status_code == 200 and calls == []  # Flask never saw it
            prepared = requests.Request("GET", f"{umapi.endpoint}{path}", headers=headers).prepare()
            environ = wsgi_environ(prepared)
            flask = Client(behind).open(environ)
            assert calls == []  # (the direct call bypassed the counter)
            flask_headers = [(k, v) for k, v in flask.headers.items() if k != "Content-Length"]
            assert list(answer.headers.items()) == flask_headers
            assert answer.content == flask.data
            assert "Content-Encoding" not in answer.headers  # no wire: never compressed


def test_in_process_actions_take_the_action_lane_with_the_flask_paths_answers() -> None:
    with umapi_mock.mock_umapi(seed=SEED) as umapi:
        behind, calls = count_flask_calls(umapi)
        session = requests.Session()
        token = token_of(umapi, session)
        headers = {"X-Api-Key": umapi.client_id, "Authorization": f"Bearer {token}", "X-Request-Id": "inproc-a"}
        email = next(u.email for u in umapi.org.users.values() if u.type != "adobeID")
        body = [{"user": email, "do": [{"update": {"firstname": "Lane"}}, {"add": {"group": ["nope"]}}]}]
        url = f"{umapi.endpoint}/action/{umapi.org_id}?testOnly=true"  # test mode: both paths meet the same org
        calls.clear()
        answer = session.post(url, json=body, headers=headers)
        assert answer.status_code == 200 and calls == []  # Flask never saw it
        assert answer.json()["result"] == "error" and answer.json()["errors"][0]["step"] == 1
        prepared = requests.Request("POST", url, json=body, headers=headers).prepare()
        flask = Client(behind).open(wsgi_environ(prepared))
        flask_headers = [(k, v) for k, v in flask.headers.items() if k != "Content-Length"]
        assert list(answer.headers.items()) == flask_headers
        assert answer.content == flask.data
        assert umapi.org.find_user(email).firstname != "Lane"  # test mode changed nothing
        real = session.post(url.partition("?")[0], json=body[:1], headers=headers)
        assert real.status_code == 200 and calls == []
        assert umapi.org.find_user(email).firstname == "Lane"
