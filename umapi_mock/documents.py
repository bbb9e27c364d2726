"""The one reader of the YAML/JSON documents users hand the emulator (seeds, throttle
policies, fault rules, credentials, admin uploads): one wording for the two ways that
fails, unreadable or not parseable, with the line and column when the parser knows them."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml


class DocumentError(ValueError):
    """A document that cannot be read or parsed. `where` is "line L, column C" (or "")
    and `problem` the parser's complaint, for callers that word their own message."""

    def __init__(self, message: str, *, where: str = "", problem: str = ""):
        super().__init__(message)
        self.where, self.problem = where, problem or message


def parse_text(text: str, *, json_only: bool = False) -> Any:
    """A document from text: JSON when `json_only`, else JSON or YAML (JSON is tried
    first: it is much faster on a big seed, and YAML reads JSON the same way)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        if json_only:
            where = f"line {exc.lineno}, column {exc.colno}"
            raise DocumentError(
                f"not valid JSON: {where}: {exc.msg}", where=where, problem=f"not valid JSON: {exc.msg}"
            ) from None
    except ValueError as exc:  # e.g. a number too long to convert
        if json_only:
            raise DocumentError(f"not valid JSON: {exc}") from None
    except RecursionError:
        raise DocumentError("not valid JSON: nested too deeply", problem="nested too deeply") from None
    try:
        return yaml.safe_load(text)
    except RecursionError:
        raise DocumentError("not valid YAML/JSON: nested too deeply", problem="nested too deeply") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = f"not valid YAML/JSON: {getattr(exc, 'problem', None) or exc}"
        raise DocumentError(f"{problem} ({where})" if where else problem, where=where, problem=problem) from None


def read_text(path: str | Path, what: str = "file") -> str:
    p = Path(path)
    try:
        return p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = "not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else exc.strerror or str(exc)
        raise DocumentError(f"cannot read {what} {str(p)!r}: {reason}", problem=f"cannot read file: {reason}") from None


def read_document(path: str | Path, what: str = "file") -> Any:
    """Parse `path` as JSON when it ends in `.json`, else as YAML/JSON."""
    p = Path(path)
    text = read_text(p, what)
    try:
        return parse_text(text, json_only=p.suffix.lower() == ".json")
    except DocumentError as exc:
        where = f" at {exc.where}" if exc.where else ""
        raise DocumentError(
            f"{what} {str(p)!r}{where} is {exc.problem}", where=exc.where, problem=exc.problem
        ) from None


def read_toml(path: str | Path, what: str = "file") -> Any:
    """Parse `path` as TOML (config files), with the same wording as `read_document`."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    p = Path(path)
    text = read_text(p, what)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DocumentError(f"{what} {str(p)!r} is not valid TOML: {exc}", problem=f"not valid TOML: {exc}") from None
