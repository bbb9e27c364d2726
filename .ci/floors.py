"""Print a pip constraints file pinning each direct dependency of pyproject.toml to its floor
(`name>=X` becomes `name==X`, markers kept), for CI's run on the lowest direct versions."""

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


if __name__ == "__main__":
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    sys.stdout.write("".join(pin + "\n" for pin in floors(project["dependencies"])))
