"""Differential check of the action builders: the same expressions evaluated with the official
3.0.1 client (in its venv) and with ours give the same wire form, return value and exception
(class and message).  Only inputs 3.0.1 itself accepts or refuses with an ArgumentError are
listed; our extensions (v2 forms, opt-ins) are tested in tests/client."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

CASES = [
    'UserAction("a@example.com")',
    'UserAction("jdoe", "example.com")',
    'UserAction("jdoe")',
    'UserAction("a@example.com", "example.com")',
    'UserAction("a@example.com", use_adobe_id=True, requestID="r-1")',
    'UserAction(user="a@example.com", domain=None, custom="x")',
    'UserAction("a@example.com").create("a@example.com")',
    'UserAction("a@example.com").create("a@example.com", "F", "L", "US", IdentityType.adobeID)',
    'UserAction("a@example.com").create("a@example.com", id_type="enterpriseID", on_conflict="updateIfAlreadyExists")',
    'UserAction("a@example.com").create("a@example.com", on_conflict=IfAlreadyExistsOption.errorIfAlreadyExists)',
    'UserAction("a@example.com").create(email="a@example.com", firstname="", lastname=None, country="")',
    'UserAction("jdoe", "example.com").add_to_groups(["G"]).create("j@example.com", country="DE")',
    'UserAction("a@example.com").create("a@example.com").create("a@example.com", id_type=IdentityType.adobeID)',
    'UserAction("a@example.com").update()',
    'UserAction("a@example.com").update(email="x@example.com", username="u", firstname="f", lastname="l")',
    'UserAction("a@example.com").update(firstname="", lastname="L")',
    'UserAction("a@example.com").add_to_groups()',
    'UserAction("a@example.com").add_to_groups(["a", "b"]).add_to_groups(("c",)).add_to_groups({"d"})',
    'UserAction("a@example.com").remove_from_groups(["a"])',
    'UserAction("a@example.com").remove_from_groups(all_groups=True)',
    'UserAction("a@example.com").remove_from_groups()',
    'UserAction("a@example.com").remove_from_groups(["a"], all_groups=True)',
    'UserAction("a@example.com").remove_from_organization()',
    'UserAction("a@example.com").remove_from_organization(1)',
    'keep(UserAction("a@example.com"), lambda a: a.remove_from_organization(delete_account=True))',
    'keep(UserAction("a@example.com"), lambda a: a.remove_from_organization())',
    'GroupAction("G")',
    "GroupAction()",
    'GroupAction("G", requestID="r-2")',
    'GroupAction("G").create()',
    'GroupAction("G").create(IfAlreadyExistsOption.updateIfAlreadyExists, "d")',
    'GroupAction("G").create(IfAlreadyExistsOption.errorIfAlreadyExists, description="")',
    'GroupAction("G").create().create()',
    'GroupAction("_G").create()',
    'GroupAction("G" * 256).create()',
    'GroupAction("_org_admin").add_users(["u@example.com"])',
    'GroupAction("G").update()',
    'GroupAction("G").update(name="N", description="D")',
    'GroupAction("G").update(name="_N")',
    'GroupAction("G").delete().add_users(["a@example.com"]).remove_users(("b@example.com",))',
    'GroupAction("G").add_to_products(["p"]).remove_from_products(("q",))',
    'Action(top="t").append(a=1, b=2).insert(c=3).insert(d=4)',
    'split(Action(top="t").append(a=1).append(b=2).append(c=3), 2)',
    'split(Action(top="t"), 3)',
    'groups_split(UserAction("u@example.com").add_to_groups(["g%d" % i for i in range(25)]), 10)',
    'groups_split(UserAction("u@example.com").add_to_groups(["g1", "g2"]).remove_from_groups(all_groups=True), 1)',
    'groups_split(GroupAction("G").add_users(["u%d@example.com" % i for i in range(12)]), 5)',
    'groups_split(Action(u="x").append(add={"group": ["a", "b", "c"], "product": ["p"]}), 2)',
    'errors_of(UserAction("u@example.com").add_to_groups(["A"]), {"index": 0, "step": 0, "errorCode": "e", "x": 1})',
]

EVALUATE = r"""
import json, sys
from umapi_client import *

def keep(action, call):
    call(action)
    return action

def split(action, size):
    return {"parts": [p.wire_dict() for p in action.split(size)], "split_actions": len(action.split_actions)}

def groups_split(action, size):
    return {"split": action.maybe_split_groups(size), "commands": action.commands}

def errors_of(action, error):
    action.report_command_error(error)
    return action.execution_errors()

def describe(value):
    if isinstance(value, Action):
        return {"wire": value.wire_dict(), "class": type(value).__name__}
    return {"value": value}

out = []
for case in json.loads(sys.argv[1]):
    try:
        out.append({"ok": describe(eval(case))})
    except Exception as exc:
        out.append({"error": type(exc).__name__, "message": str(exc)})
print(json.dumps(out, default=repr))
"""


def evaluate(python: str, cwd: Path, pythonpath: str | None) -> list[Any]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    proc = subprocess.run(
        [python, "-c", EVALUATE, json.dumps(CASES)], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


@pytest.mark.official_client
def test_builders_agree_with_3_0_1(official_python: Path, tmp_path: Path) -> None:
    import sys

    theirs = evaluate(str(official_python), tmp_path, None)
    ours = evaluate(sys.executable, tmp_path, str(Path(__file__).resolve().parents[2]))
    differences = [(case, t, o) for case, t, o in zip(CASES, theirs, ours) if t != o]
    assert differences == []
    assert sum("error" in t for t in theirs) >= 8  # the refusals are exercised too
