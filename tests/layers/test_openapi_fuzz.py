"""Schemathesis over the whole served OpenAPI document (UMAPI, IMS and the admin API): no
request it generates gets a server error or an answer its operation's schema does not allow.

Sized for CI (a few examples per operation); `UMAPI_MOCK_FUZZ_EXAMPLES=200` (or more) for a
longer local run. Each case runs against the emulator as the seed left it: state, fault
rules, throttle, clock and journal are reset after every case, so a generated `drop` rule or
a replaced state cannot decide the next case's answer.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed (pip install -e '.[test]')")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    allow_header_conformance,
    content_type_conformance,
    response_schema_conformance,
)

from umapi_mock.config import Config  # noqa: E402
from umapi_mock.domain.scopes import S2S_SCOPE  # noqa: E402
from umapi_mock.emulator import Emulator  # noqa: E402
from umapi_mock.http.app import create_app  # noqa: E402

from .conftest import small_seed  # noqa: E402

EXAMPLES = int(os.environ.get("UMAPI_MOCK_FUZZ_EXAMPLES", "4"))
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance, allow_header_conformance]

EMULATOR = Emulator.open(Config(seed=small_seed(), journal_size=200))
APP = create_app(EMULATOR)
schema = schemathesis.openapi.from_wsgi("/_mock/openapi.json", APP)


def _auth() -> dict[str, str]:
    client = APP.test_client()
    form = {"grant_type": "client_credentials", "client_id": "test-client", "client_secret": "test-secret"}
    r = client.post("/ims/token/v2", data={**form, "scope": S2S_SCOPE})
    assert r.status_code == 200, r.data
    return {"X-Api-Key": "test-client", "Authorization": f"Bearer {r.json['access_token']}"}


AUTH = _auth()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=os.environ.get("UMAPI_MOCK_FUZZ_EXAMPLES") is None,  # CI: the same cases every run
)
def test_every_operation_answers_as_documented(case: Any) -> None:
    try:
        headers = dict(AUTH) if case.path.startswith("/v2/") else {}
        headers["Accept-Encoding"] = "identity"  # the WSGI test client does not decompress
        if case.headers:
            headers.update({k: v for k, v in case.headers.items() if k.lower() != "authorization"})
        case.call_and_validate(headers=headers, checks=CHECKS)
    finally:
        EMULATOR.reset()  # seed, clock, fault rules, throttle and journal as at the start
