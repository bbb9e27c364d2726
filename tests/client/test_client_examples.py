"""The example scripts run end to end against mocked IMS/UMAPI hosts configured by env vars."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path
from typing import Any

import pytest
import responses

from .helpers import ACTION_URL, CLIENT_ID, CLIENT_SECRET, ENDPOINT, IMS_HOST, ORG, S2S_URL, action_ok, json_of

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "client"


@pytest.fixture
def run_example(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    ca_file = tmp_path / "ca.pem"
    ca_file.write_text("placeholder")
    for name, value in {
        "UMAPI_ORG_ID": ORG,
        "UMAPI_CLIENT_ID": CLIENT_ID,
        "UMAPI_CLIENT_SECRET": CLIENT_SECRET,
        "UMAPI_IMS_HOST": IMS_HOST,
        "UMAPI_ENDPOINT": ENDPOINT,
        "UMAPI_CA_FILE": str(ca_file),
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.syspath_prepend(str(EXAMPLES))

    def run(script: str, *args: str) -> int:
        monkeypatch.setattr(sys, "argv", [script, *args])
        with pytest.raises(SystemExit) as info:
            runpy.run_path(str(EXAMPLES / script), run_name="__main__")
        code = info.value.code
        return code if isinstance(code, int) else 1

    run.ca_file = str(ca_file)  # type: ignore[attr-defined]
    return run


def test_list_users_example(rsps: responses.RequestsMock, run_example: Any, capsys: pytest.CaptureFixture[str]) -> None:
    rsps.add(responses.POST, S2S_URL, json={"access_token": "t", "expires_in": 86399})
    rsps.add(
        responses.GET,
        f"{ENDPOINT}/users/{ORG}/0",
        json={"lastPage": True, "result": "success", "users": [{"email": "a@example.com", "type": "adobeID"}]},
    )
    assert run_example("list_users.py") == 0
    assert "a@example.com" in capsys.readouterr().out
    assert all(c.request.req_kwargs["verify"] == run_example.ca_file for c in rsps.calls)


def test_create_user_example(rsps: responses.RequestsMock, run_example: Any) -> None:
    rsps.add(responses.POST, S2S_URL, json={"access_token": "t", "expires_in": 86399})
    rsps.add(responses.POST, ACTION_URL + "?testOnly=true", json=action_ok())
    rsps.add(responses.GET, f"{ENDPOINT}/organizations/{ORG}/users/n@example.com", status=404)
    code = run_example(
        "create_user.py",
        "n@example.com",
        "--first",
        "N",
        "--last",
        "U",
        "--country",
        "US",
        "--group",
        "Team",
        "--test-mode",
    )
    assert code == 0
    body: list[Any] = json_of(rsps.calls[1])
    assert body == [
        {
            "user": "n@example.com",
            "do": [
                {
                    "createFederatedID": {
                        "email": "n@example.com",
                        "firstname": "N",
                        "lastname": "U",
                        "country": "US",
                        "option": "ignoreIfAlreadyExists",
                    }
                },
                {"add": {"group": ["Team"]}},
            ],
        }
    ]


def test_add_to_group_example_reports_errors(
    rsps: responses.RequestsMock, run_example: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    rsps.add(responses.POST, S2S_URL, json={"access_token": "t", "expires_in": 86399})
    rsps.add(
        responses.POST,
        ACTION_URL,
        json={
            "completed": 0,
            "notCompleted": 1,
            "result": "error",
            "errors": [{"index": 0, "step": 1, "errorCode": "error.user.not_found", "message": "No valid users"}],
        },
    )
    rsps.add(responses.GET, f"{ENDPOINT}/users/{ORG}/0/Team", json={"lastPage": True, "result": "success", "users": []})
    assert run_example("add_to_group.py", "Team", "a@example.com", "--create") == 1
    out = capsys.readouterr().out
    assert "error.user.not_found" in out and "Team now has 0 member(s)" in out
