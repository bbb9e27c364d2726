"""Reading the YAML/JSON files users hand the emulator (policies, fault rules, credentials),
with one wording for the two ways that fails: unreadable, or not parseable."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml


class DocumentError(ValueError):
    """A file that cannot be read or parsed; the message names the file and the problem."""


def read_document(path: str | Path, what: str = "file") -> Any:
    """Parse `path` as JSON when it ends in `.json`, else as YAML (which also reads JSON)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise DocumentError(f"cannot read {what} {str(p)!r}: {exc.strerror or exc}") from None
    try:
        return json.loads(text) if p.suffix.lower() == ".json" else yaml.safe_load(text)
    except ValueError as exc:
        raise DocumentError(f"{what} {str(p)!r} is not valid JSON: {exc}") from None
    except yaml.YAMLError as exc:
        raise DocumentError(f"{what} {str(p)!r} is not valid YAML/JSON: {exc}") from None
