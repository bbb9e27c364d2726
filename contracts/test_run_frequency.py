"""The running-frequency control as the field meets it (issue 24; docs/fidelity.md,
"Field-observed throttling"): a new run of a client inside the window of its previous run is
refused on its first call, marked or not, with the documented 429 and a `Retry-After` holding
the rest of the window, while the run that opened the window goes on.

Judged only where the target can show it without harm: an emulator the kit built, or a
umapi-mock whose admin API answers (`contracts.throttling`), switched for the probe to a
policy with only the control on and put back after. A live org is never probed (`n/a`, even
with writes allowed): a refused run locks the real client out for up to two hours.
"""

from __future__ import annotations

from typing import Any

import pytest

from .registry import CONTRACTS, DOCUMENTED, Contract, check, not_applicable
from .target import Target

RUN_FREQUENCY = "throttle.run_frequency"
CONTRACTS.setdefault(
    RUN_FREQUENCY,
    Contract(
        RUN_FREQUENCY,
        "a new run of a client (a new access token) within the window of its previous run is refused on its "
        "first call, marked or not, with 429 and an integer Retry-After holding the rest of the window; the run "
        "that opened the window goes on, its second Pragma: umapi-sync-start included",
        "index.md (running frequency, since October 2021); user-sync issues #813, #867; umapi-documentation issue #76",
        DOCUMENTED,
    ),
)

INTERVAL = 7200  # "no more than once every 2 hours" (index.md)
# Only the running-frequency control: no per-minute limit can answer the probe's 429 instead.
RUN_FREQUENCY_POLICY: dict[str, Any] = {"base": "none", "families": {}, "sync_interval": INTERVAL}


def _groups_path(target: Target) -> str:
    from urllib.parse import quote

    return f"/groups/{quote(target.org_id, safe='@')}/0"


@pytest.mark.contract(RUN_FREQUENCY)
def test_second_run_within_the_window_is_refused_on_its_first_call(target: Target) -> None:
    switch = target.throttle_switch()
    if switch is None:
        not_applicable(
            "only an emulator or a umapi-mock with its admin API can show the running-frequency control "
            "(probing a live org would lock its client out for up to 2 hours)",
            RUN_FREQUENCY,
        )
    import time

    path = _groups_path(target)
    with switch.installed(RUN_FREQUENCY_POLICY):
        started = time.monotonic()
        first = target.request("GET", path, retry=False, paced=False)
        marked = target.request("GET", path, retry=False, paced=False, headers={"Pragma": "umapi-sync-start"})
        check(
            RUN_FREQUENCY,
            first.status == 200 and marked.status == 200,
            "the run that opens the window must pass, its marked second start included "
            f"(HTTP {first.status}, then {marked.status})",
            expected=[200, 200],
            actual=[first.status, marked.status],
            exchange=marked.exchange if first.status == 200 else first.exchange,
        )
        other_run = {"X-Api-Key": target.creds.client_id, "Authorization": f"Bearer {target.new_token()}"}
        refused = target.request("GET", path, retry=False, paced=False, headers=other_run)
        elapsed = time.monotonic() - started
    value = (refused.headers.get("Retry-After") or "").strip()
    wait = int(value) if value.isascii() and value.isdigit() else None
    rest_at_least = max(0, int(INTERVAL - elapsed) - 1)
    check(
        RUN_FREQUENCY,
        refused.status == 429 and wait is not None and rest_at_least <= wait <= INTERVAL,
        f"a new run's first call inside the {INTERVAL} s window must answer 429 with Retry-After the rest "
        f"of the window (between {rest_at_least} and {INTERVAL} s), got HTTP {refused.status}, "
        f"Retry-After {value or None!r}",
        expected={"status": 429, "Retry-After": f"{rest_at_least}..{INTERVAL}"},
        actual={"status": refused.status, "Retry-After": value or None},
        exchange=refused.exchange,
    )
