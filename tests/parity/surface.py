"""Describe the public surface of whichever `umapi_client` is importable, as JSON.

Run as a script (`python -I surface.py`) in another venv to describe that venv's client, or
import `describe()` here.  The description lists, for each module of 3.0.1's layout, every
public name with its kind; for our classes and functions their signatures (parameter names,
kinds, defaults), class attributes and methods; and the instance attributes of sample objects.
`incompatibilities(theirs, ours)` says what of `theirs` is missing or incompatible in `ours`.
"""

from __future__ import annotations

import enum
import importlib
import inspect
import json
from typing import Any

MODULES = [
    "umapi_client",
    "umapi_client.api",
    "umapi_client.auth",
    "umapi_client.connection",
    "umapi_client.error",
    "umapi_client.functional",
    "umapi_client.version",
]
PRIVATE_METHODS = ("__init__", "__call__", "__iter__", "__next__", "__str__", "__repr__")
EMPTY = inspect.Parameter.empty


class _Result:
    status_code = 500
    text = "x"
    headers: dict[str, str] = {}


def _signature(obj: Any) -> list[dict[str, Any]] | None:
    try:
        parameters = inspect.signature(obj).parameters.values()
    except (TypeError, ValueError):
        return None
    return [
        {"name": p.name, "kind": p.kind.name, "default": None if p.default is EMPTY else repr(p.default)}
        for p in parameters
    ]


def _ours(obj: Any) -> bool:
    return str(getattr(obj, "__module__", "") or "").split(".")[0] == "umapi_client"


def _class(cls: type) -> dict[str, Any]:
    described: dict[str, Any] = {
        "kind": "class",
        "mro": [c.__name__ for c in cls.__mro__[1:]],
        "init": _signature(cls.__init__),
        "attributes": {},
    }
    if issubclass(cls, enum.Enum):
        described["members"] = {m.name: repr(m.value) for m in cls}
    for name in dir(cls):
        if name.startswith("_") and name not in PRIVATE_METHODS:
            continue
        static = inspect.getattr_static(cls, name)
        value = getattr(cls, name)
        if isinstance(static, property):
            described["attributes"][name] = {"kind": "property"}
        elif inspect.isfunction(value) or inspect.ismethod(value):
            if name in PRIVATE_METHODS and not any(name in vars(c) for c in cls.__mro__[:-1]):
                continue  # inherited from object
            described["attributes"][name] = {"kind": "method", "signature": _signature(value)}
        elif inspect.isclass(value):
            described["attributes"][name] = {"kind": "class"}
        elif isinstance(value, enum.Enum):
            described["attributes"][name] = {"kind": "member"}
        elif not callable(value):
            described["attributes"][name] = {"kind": "attribute", "value": repr(value)}
    return described


def _object(value: Any) -> dict[str, Any]:
    if inspect.ismodule(value):
        return {"kind": "module", "name": value.__name__}
    if not _ours(value) and (inspect.isclass(value) or callable(value)):
        return {"kind": "external"}
    if inspect.isclass(value):
        return _class(value)
    if inspect.isfunction(value):
        return {"kind": "function", "signature": _signature(value)}
    return {"kind": "value", "value": repr(value) if isinstance(value, (str, int, float, bool)) else None}


def _samples() -> dict[str, Any]:
    """Objects built the way 3.0.1 code builds them, for their instance attributes."""
    import umapi_client as uc
    from umapi_client import error

    conn = uc.Connection(org_id="N/A", auth="N/A", endpoint="https://test/")
    return {
        "Connection": conn,
        "OAuthS2S": uc.OAuthS2S("id", "secret"),
        "JWTAuth": uc.JWTAuth("org", "id", "secret", "tech", "key"),
        "Action": uc.Action(top="top"),
        "UserAction": uc.UserAction("user@example.com"),
        "GroupAction": uc.GroupAction("group"),
        "UsersQuery": uc.UsersQuery(conn),
        "UserQuery": uc.UserQuery(conn, "user@example.com"),
        "GroupsQuery": uc.GroupsQuery(conn),
        "QuerySingle": uc.QuerySingle(conn, "user"),
        "UnavailableError": error.UnavailableError(1, 2, None),
        "ServerError": error.ServerError(_Result()),
        "RequestError": error.RequestError(_Result()),
        "ClientError": error.ClientError("m", _Result()),
        "BatchError": error.BatchError([], 0, 0, 0),
        "ArgumentError": error.ArgumentError("m"),
        "UnsupportedError": error.UnsupportedError("m"),
    }


def describe() -> dict[str, Any]:
    modules = {}
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        modules[module_name] = {
            name: _object(value)
            for name, value in vars(module).items()
            if not name.startswith("_") or name == "__version__"
        }
    instances = {name: sorted(n for n in vars(obj) if not n.startswith("_")) for name, obj in _samples().items()}
    return {"modules": modules, "instances": instances}


def _signature_problems(
    where: str, theirs: list[dict[str, Any]] | None, ours: list[dict[str, Any]] | None
) -> list[str]:
    if theirs is None:
        return []
    if ours is None:
        return [f"{where}: no signature"]
    problems = []
    variadic = {"VAR_POSITIONAL", "VAR_KEYWORD"}
    our_by_name = {p["name"]: (i, p) for i, p in enumerate(ours)}
    for index, param in enumerate(theirs):
        if param["kind"] in variadic:
            if not any(p["kind"] == param["kind"] for p in ours):
                problems.append(f"{where}: no {param['kind']} parameter")
            continue
        found = our_by_name.get(param["name"])
        if found is None:
            problems.append(f"{where}: parameter {param['name']!r} missing")
            continue
        our_index, our_param = found
        if param["kind"] != "KEYWORD_ONLY" and our_index != index:
            problems.append(f"{where}: parameter {param['name']!r} at position {our_index}, not {index}")
        if our_param["kind"] != param["kind"]:
            problems.append(f"{where}: parameter {param['name']!r} is {our_param['kind']}, not {param['kind']}")
        if param["default"] is not None and our_param["default"] != param["default"]:
            problems.append(f"{where}: default of {param['name']!r} is {our_param['default']}, not {param['default']}")
    their_names = {p["name"] for p in theirs}
    for param in ours:
        if param["name"] not in their_names and param["kind"] not in variadic and param["default"] is None:
            problems.append(f"{where}: extra parameter {param['name']!r} is required")
    return problems


def _class_problems(where: str, theirs: dict[str, Any], ours: dict[str, Any]) -> list[str]:
    problems = [f"{where}: {base} is not a base" for base in theirs["mro"] if base not in ours["mro"]]
    problems += _signature_problems(f"{where}()", theirs["init"], ours["init"])
    for name, value in theirs.get("members", {}).items():
        if ours.get("members", {}).get(name) != value:
            problems.append(f"{where}.{name}: member missing or with another value")
    for name, attribute in theirs["attributes"].items():
        mine = ours["attributes"].get(name)
        if mine is None:
            problems.append(f"{where}.{name} missing")
        elif mine["kind"] != attribute["kind"]:
            problems.append(f"{where}.{name} is a {mine['kind']}, not a {attribute['kind']}")
        elif attribute["kind"] == "method":
            problems += _signature_problems(f"{where}.{name}()", attribute["signature"], mine["signature"])
        elif attribute["kind"] == "attribute" and attribute["value"] != mine["value"]:
            problems.append(f"{where}.{name} is {mine['value']}, not {attribute['value']}")
    return problems


def incompatibilities(theirs: dict[str, Any], ours: dict[str, Any]) -> list[str]:
    """Everything of `theirs` that `ours` lacks or offers incompatibly (extras of ours are fine)."""
    problems: list[str] = []
    for module_name, names in theirs["modules"].items():
        our_names = ours["modules"].get(module_name)
        if our_names is None:
            problems.append(f"module {module_name} missing")
            continue
        for name, value in names.items():
            where = f"{module_name}.{name}"
            mine = our_names.get(name)
            if mine is None:
                problems.append(f"{where} missing")
            elif value["kind"] == "external":
                continue
            elif mine["kind"] != value["kind"]:
                problems.append(f"{where} is a {mine['kind']}, not a {value['kind']}")
            elif value["kind"] == "module" and mine["name"] != value["name"]:
                problems.append(f"{where} is module {mine['name']}, not {value['name']}")
            elif value["kind"] == "class":
                problems += _class_problems(where, value, mine)
            elif value["kind"] == "function":
                problems += _signature_problems(f"{where}()", value["signature"], mine["signature"])
    for sample, attributes in theirs["instances"].items():
        missing = sorted(set(attributes) - set(ours["instances"].get(sample, [])))
        if missing:
            problems.append(f"{sample} instances lack {missing}")
    return problems


if __name__ == "__main__":
    print(json.dumps(describe(), sort_keys=True))
