"""Figures: in-process mode (`umapi_mock.mock_umapi`) against a canned `responses` mock that
returns the same bytes, both through one `requests.Session` in this process:

* `inprocess_users_page`: GET of users page 0 of the demo org (2,000 users);
* `inprocess_action`: POST of an action request of 10 entries × 10 steps.

A figure is calls/s under mock_umapi ÷ calls/s under the canned mock, run by run; the
canned mock is what a hand-written test double costs, so the ratio is the emulator's
overhead on top of the interception both share.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from .actions import ENTRIES, STEPS, action_bodies
from .common import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_ORG_ID, S2S_SCOPE, Figure, Settings, median

PAGE_TARGET = 0.8
ACTION_TARGET = 0.4  # issue 26 (0.19 when it was filed)
HOST = "https://usermanagement.adobe.io"
PAGE_URL = f"{HOST}/v2/usermanagement/users/{DEMO_ORG_ID}/0"
ACTION_URL = f"{HOST}/v2/usermanagement/action/{DEMO_ORG_ID}"


def _rate(call: Callable[[], object], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        call()
    return n / (time.perf_counter() - start)


def run(settings: Settings) -> list[Figure]:
    import requests
    import responses

    from umapi_mock import mock_umapi

    calls = 200 if settings.full else 10
    session = requests.Session()
    page_rates: dict[str, list[float]] = {"mock_umapi": [], "canned": [], "interception": []}
    action_rates: dict[str, list[float]] = {"mock_umapi": [], "canned": []}
    with mock_umapi() as umapi:
        token = session.post(
            "https://ims-na1.adobelogin.com/ims/token/v2",
            data={
                "grant_type": "client_credentials",
                "client_id": DEMO_CLIENT_ID,
                "client_secret": DEMO_CLIENT_SECRET,
                "scope": S2S_SCOPE,
            },
        ).json()["access_token"]
        headers = {"X-Api-Key": DEMO_CLIENT_ID, "Authorization": f"Bearer {token}"}
        action_headers = {**headers, "Content-Type": "application/json"}
        page = session.get(PAGE_URL, headers=headers)
        page.raise_for_status()
        page_body = page.content
        page_headers = {k: page.headers[k] for k in ("X-Total-Count", "X-Page-Count", "X-Current-Page", "X-Page-Size")}
        bodies = action_bodies(umapi.org)
        report = session.post(ACTION_URL, data=bodies[0], headers=action_headers)
        report.raise_for_status()
        report_body = report.content
        if report.json().get("result") != "success":
            raise RuntimeError(f"the action request failed: {report.text[:400]}")
        app = umapi.app  # the same emulator (and its token) for every run

    def get_page() -> None:
        session.get(PAGE_URL, headers=headers).content  # noqa: B018 - read the body, as a client does

    counter = iter(range(10**9))
    answer_headers = [("Content-Type", "application/json"), *page_headers.items()]

    def fixed_answer(environ: dict[str, object], start_response: Callable[..., object]) -> list[bytes]:
        start_response("200 OK", answer_headers)
        return [page_body]

    def post_action() -> None:
        session.post(ACTION_URL, data=bodies[next(counter) % len(bodies)], headers=action_headers).content  # noqa: B018

    block = 20 if settings.full else 5  # the two mocks alternate in blocks, so both see the same machine
    for _ in range(settings.runs):
        spent = {"page": [0.0, 0.0], "action": [0.0, 0.0], "interception": [0.0]}  # s under [mock_umapi, canned]
        for _ in range(calls // block):
            with mock_umapi(app=app):
                get_page()  # the token and the page cache are warm, as in a test suite
                spent["page"][0] += block / _rate(get_page, block)
                spent["action"][0] += block / _rate(post_action, block)
            with responses.RequestsMock(assert_all_requests_are_fired=False) as canned:
                canned.add(
                    responses.GET, PAGE_URL, body=page_body, headers=page_headers, content_type="application/json"
                )
                canned.add(responses.POST, ACTION_URL, body=report_body, content_type="application/json")
                spent["page"][1] += block / _rate(get_page, block)
                spent["action"][1] += block / _rate(post_action, block)
            with mock_umapi(app=fixed_answer):  # the interception alone: a WSGI app with the page's answer
                spent["interception"][0] += block / _rate(get_page, block)
        done = block * (calls // block)
        for rates, kind in ((page_rates, "page"), (action_rates, "action")):
            rates["mock_umapi"].append(done / spent[kind][0])
            rates["canned"].append(done / spent[kind][1])
        page_rates["interception"].append(done / spent["interception"][0])
    session.close()

    def ratios(rates: dict[str, list[float]]) -> list[float]:
        return [a / b for a, b in zip(rates["mock_umapi"], rates["canned"], strict=True)]

    def details(rates: dict[str, list[float]], body_bytes: int) -> dict[str, object]:
        return {
            "mock_umapi_calls_per_s_runs": [round(r, 1) for r in rates["mock_umapi"]],
            "canned_calls_per_s_runs": [round(r, 1) for r in rates["canned"]],
            "calls_per_run": calls,
            "alternating_blocks_of": block,
            "response_bytes": body_bytes,
            "canned": "responses.RequestsMock with the same body (and paging headers) registered for the URL",
        }

    return [
        Figure(
            name="inprocess_users_page",
            title="mock_umapi users page (2000 users) calls/s ÷ a canned responses mock of the same bytes",
            measured=median(ratios(page_rates)),
            target=PAGE_TARGET,
            unit="×",
            direction=">=",
            runs=[round(r, 4) for r in ratios(page_rates)],
            details={
                **details(page_rates, len(page_body)),
                "interception_only_calls_per_s_runs": [round(r, 1) for r in page_rates["interception"]],
                "interception_only_ratio": round(
                    median([a / b for a, b in zip(page_rates["interception"], page_rates["canned"], strict=True)]), 4
                ),
                "interception_only": "mock_umapi(app=a WSGI app answering the page's bytes): the fast path's own cost",
            },
        ),
        Figure(
            name="inprocess_action",
            title=f"mock_umapi action ({ENTRIES} entries × {STEPS} steps) calls/s ÷ a canned responses mock",
            measured=median(ratios(action_rates)),
            target=ACTION_TARGET,
            unit="×",
            direction=">=",
            runs=[round(r, 4) for r in ratios(action_rates)],
            details=details(action_rates, len(report_body)),
        ),
    ]
