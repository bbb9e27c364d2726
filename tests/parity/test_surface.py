"""Surface parity: every public module, name, signature, class attribute and instance attribute
of umapi-client 3.0.1 exists in ours, compatibly (same positional order, keyword names and
defaults; our extras may follow).  The official surface is described by `surface.py` run in
the cached official venv, ours by the same code in this process."""

from __future__ import annotations

import copy
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from . import surface


@pytest.fixture(scope="module")
def ours() -> dict[str, Any]:
    return json.loads(json.dumps(surface.describe()))


@pytest.fixture(scope="module")
def theirs(official_python: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [str(official_python), "-I", str(Path(surface.__file__))],
        cwd=tmp_path_factory.mktemp("surface"),
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


@pytest.mark.official_client
def test_the_official_surface_is_the_official_client(theirs: dict[str, Any]) -> None:
    assert theirs["modules"]["umapi_client.version"]["__version__"]["value"] == "'3.0.1'"
    assert len(theirs["modules"]["umapi_client"]) > 20 and theirs["instances"]["Connection"]


@pytest.mark.official_client
def test_nothing_of_3_0_1_is_missing_or_incompatible(theirs: dict[str, Any], ours: dict[str, Any]) -> None:
    assert surface.incompatibilities(theirs, ours) == []


def test_the_diff_sees_missing_names_signatures_and_attributes(ours: dict[str, Any]) -> None:
    """The comparator itself: each kind of break is reported."""
    assert surface.incompatibilities(ours, ours) == []
    broken = copy.deepcopy(ours)
    del broken["modules"]["umapi_client.api"]["QuerySingle"]
    create = broken["modules"]["umapi_client.functional"]["UserAction"]["attributes"]["create"]["signature"]
    create[1], create[2] = create[2], create[1]
    init = broken["modules"]["umapi_client.connection"]["Connection"]["init"]
    next(p for p in init if p["name"] == "timeout")["default"] = "60.0"
    broken["instances"]["OAuthS2S"].remove("expiry")
    broken["modules"]["umapi_client.error"]["ArgumentError"]["mro"].remove("ValueError")
    problems = surface.incompatibilities(ours, broken)
    assert "umapi_client.api.QuerySingle missing" in problems
    assert any("UserAction.create(): parameter 'email' at position 2, not 1" in p for p in problems)
    assert any("Connection(): default of 'timeout' is 60.0, not 120.0" in p for p in problems)
    assert "OAuthS2S instances lack ['expiry']" in problems
    assert "umapi_client.error.ArgumentError: ValueError is not a base" in problems


def test_an_extra_required_parameter_is_incompatible(ours: dict[str, Any]) -> None:
    broken = copy.deepcopy(ours)
    broken["modules"]["umapi_client.functional"]["UserQuery"]["init"].append(
        {"name": "extra", "kind": "KEYWORD_ONLY", "default": None}
    )
    assert surface.incompatibilities(ours, broken) == [
        "umapi_client.functional.UserQuery(): extra parameter 'extra' is required"
    ]
