"""Print a pip constraints file pinning each direct dependency of pyproject.toml to its floor
(`name>=X` becomes `name==X`, markers kept), for CI's run on the lowest direct versions.

`--check` (run with the floors venv's Python) instead compares what is installed with the
floors and exits 1 naming each dependency installed at another version."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]
FLOOR = re.compile(r"^\s*([A-Za-z0-9._-]+)\s*(?:\[[^\]]*\])?\s*([^;]*?)\s*(;.*)?$")


def floors(dependencies: list[str]) -> list[str]:
    pins = []
    for requirement in dependencies:
        match = FLOOR.match(requirement)
        if not match:
            raise SystemExit(f"floors.py: cannot read the requirement {requirement!r}")
        name, specifiers, marker = match.group(1), match.group(2), match.group(3) or ""
        lowest = re.search(r">=\s*([0-9][^,\s]*)", specifiers)
        if lowest is None:
            raise SystemExit(f"floors.py: {name} has no >= floor in pyproject.toml")
        pins.append(f"{name}=={lowest.group(1)}{marker}")
    return pins


def check(pins: list[str]) -> list[str]:
    """The pins (markers applying here) whose distribution is installed at another version."""
    from importlib.metadata import PackageNotFoundError, version

    from packaging.markers import Marker
    from packaging.version import Version

    wrong = []
    for pin in pins:
        requirement, _, marker = pin.partition(";")
        if marker.strip() and not Marker(marker.strip()).evaluate():
            continue
        name, wanted = requirement.strip().split("==")
        try:
            found = version(name)
        except PackageNotFoundError:
            found = "not installed"
        if found == "not installed" or Version(found) != Version(wanted):
            wrong.append(f"{name}: floor {wanted}, installed {found}")
    return wrong


if __name__ == "__main__":
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = floors(project["dependencies"])
    if sys.argv[1:] == ["--check"]:
        problems = check(pins)
        for line in problems:
            print(f"floors.py: {line}", file=sys.stderr)
        sys.exit(1 if problems else 0)
    sys.stdout.write("".join(pin + "\n" for pin in pins))
