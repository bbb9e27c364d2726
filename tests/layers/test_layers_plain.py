"""The layers are plain Python: importable and drivable with no Flask in the process."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from umapi_mock.domain.clock import FrozenClock
from umapi_mock.layers import Layers
from umapi_mock.layers.faults import RequestFacts

RULE = {"id": "r1", "match": {"path": "/status"}, "respond": {"status": 503}}


@pytest.mark.slow  # starts a Python process
def test_importing_the_layers_loads_no_web_framework() -> None:
    script = textwrap.dedent(
        """
        import sys
        import umapi_mock.layers, umapi_mock.layers.faults, umapi_mock.layers.throttle, umapi_mock.layers.journal
        loaded = sorted(m for m in ("flask", "werkzeug") if m in sys.modules)
        print(",".join(loaded) or "none")
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "none"


def test_layers_are_driven_and_reset_without_flask() -> None:
    clock = FrozenClock()
    layers = Layers.build(clock.now, throttle="documented", faults=[RULE], journal_size=5)
    assert layers.faults.pick(RequestFacts(method="GET", path="/status")) is not None
    assert all(layers.throttle.check("groups", "c").allowed for _ in range(5))
    assert not layers.throttle.check("groups", "c").allowed
    layers.journal.record({"path": "/status", "status": 503})
    assert len(layers.journal.query()) == 1

    layers.reset(throttle="off")
    assert layers.faults.pick(RequestFacts(method="GET", path="/status")) is None
    assert layers.throttle.policy.name == "off"
    assert layers.throttle.check("groups", "c").allowed
    assert layers.journal.query() == []

    layers.reset(throttle="documented", faults=[RULE])
    assert [r["id"] for r in layers.faults.list()] == ["r1"]
    assert all(layers.throttle.check("groups", "c").allowed for _ in range(5))  # windows were emptied
