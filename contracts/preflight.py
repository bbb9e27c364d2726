"""Before any test of a URL target: does the URL answer, is its certificate trusted, is a token
issued, is the org id accepted? A failure is one line naming the problem and the fix (the
command exits 2), instead of the same failure once per test. The answer of `/status` also
says whether the target is a umapi-mock, which decides automatic pacing (a local emulator is
not paced; Adobe's service is)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from umapi_mock.domain.scopes import S2S_SCOPE
from umapi_mock.options import connection_problem

from .credentials import Credentials, TargetError

EMULATOR_BUILD = "umapi-mock"  # what a umapi-mock's /status says in "build"
TIMEOUT = 30.0


class PreflightError(TargetError):
    """The target cannot be used: one line, problem then fix."""


@dataclass(frozen=True)
class Preflight:
    emulator: bool  # the target said it is a umapi-mock


def is_emulator_status(body: Any) -> bool:
    return isinstance(body, dict) and body.get("build") == EMULATOR_BUILD


def preflight(creds: Credentials, ca_flag: str = "--ca FILE") -> Preflight:
    """Three requests, in the order a failure is easiest to fix; raises PreflightError."""
    import requests

    session = requests.Session()
    session.trust_env = False  # as the suite's transport: REQUESTS_CA_BUNDLE must not decide

    def send(method: str, url: str, where: str, **kwargs: Any) -> requests.Response:
        try:
            return session.request(method, url, verify=creds.verify, timeout=TIMEOUT, **kwargs)
        except requests.RequestException as exc:
            why = connection_problem(exc, creds.ca_file).replace("--ca FILE", ca_flag)
            raise PreflightError(f"cannot reach {where}: {why}") from None

    try:
        status = send("GET", creds.root + "/status", creds.root)
        try:
            emulator = status.ok and is_emulator_status(status.json())
        except ValueError:
            emulator = False
        token_answer = send(
            "POST",
            f"https://{creds.ims_host}/ims/token/v2",
            f"IMS at {creds.ims_host}",
            data={
                "grant_type": "client_credentials",
                "client_id": creds.client_id,
                "client_secret": creds.client_secret,
                "scope": S2S_SCOPE,
            },
        )
        token = _json_field(token_answer, "access_token") if token_answer.status_code == 200 else None
        if not isinstance(token, str) or not token:
            code = _json_field(token_answer, "error") or token_answer.reason
            raise PreflightError(
                f"IMS at {creds.ims_host} issued no token (HTTP {token_answer.status_code} {code}): check client_id"
                " and client_secret (UMAPI_CLIENT_ID, UMAPI_CLIENT_SECRET or --credentials FILE)"
            )
        page = send(
            "GET",
            f"{creds.endpoint}/users/{creds.org_id}/0",
            creds.endpoint,
            headers={"Authorization": f"Bearer {token}", "X-Api-Key": creds.client_id},
        )
        if page.status_code not in (200, 429):  # 429: the org was recognised, the budget is spent
            raise PreflightError(
                f"the org id {creds.org_id} is not accepted (HTTP {page.status_code}"
                f"{' ' + str(_json_field(page, 'message')) if _json_field(page, 'message') else ''}): check org_id"
                " (UMAPI_ORG_ID or --credentials FILE) and that the credentials belong to that org"
            )
    finally:
        session.close()
    return Preflight(emulator=emulator)


def _json_field(response: Any, name: str) -> Any:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get(name) if isinstance(body, dict) else None
