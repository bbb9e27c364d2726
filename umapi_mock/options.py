"""Command-line plumbing shared by every `umapi-mock` subcommand: validated option types, a
parser whose errors are one line, and where each option's value comes from.

An option made *configurable* (every `serve` option, the admin commands' `--url`/`--ca`/
`--insecure`) takes its value from, in order: the command line, the environment variable
`UMAPI_MOCK_<DEST>` (so `--tls-dir` is `UMAPI_MOCK_TLS_DIR`), the `--config` file (key
`tls-dir` or `tls_dir`), then its default. The table is the parser itself: an option added
with `add_argument` is configurable with no further line, and its `--help` names its variable.
"""

from __future__ import annotations

import argparse
import difflib
import errno
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, TypeVar

ENV_PREFIX = "UMAPI_MOCK_"
CONFIG_ENV = ENV_PREFIX + "CONFIG"
F = TypeVar("F", bound=Callable[[str], Any])
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


class CliError(Exception):
    """A problem the user can fix; printed as one line, never a traceback. Exit 2 for bad
    input (options, files, a busy port); 1 for a runtime failure (unreachable server, an
    address that cannot be bound)."""

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.exit_code = exit_code


class Parser(argparse.ArgumentParser):
    """argparse with a one-line error: `umapi-mock serve: --port: ... (see --help)`, exit 2.
    Subparsers inherit the class, so every subcommand answers the same way."""

    def error(self, message: str) -> NoReturn:
        message = message.replace("argument ", "", 1) if message.startswith("argument ") else message
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


# ------------------------------------------------------------------ validated types
# Each takes the text of a value (command line, environment, config file) and returns the
# value or raises ArgumentTypeError with a message that names the problem and the value.


def port(text: str) -> int:
    number = _whole_number(text)
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0-65535 (0 picks a free one), got {text!r}")
    return number


def positive(text: str) -> int:
    number = _whole_number(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text!r}")
    return number


_SIZE_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}


def byte_size(text: str) -> int:
    """65536, 512K, 4M, 1G (KiB, MiB, GiB; a trailing B or iB is allowed)."""
    value = text.strip().upper().removesuffix("B").removesuffix("I")
    unit = value[-1:] if value[-1:] in _SIZE_UNITS else ""
    number = value[: len(value) - len(unit)]
    if not number.isdigit() or int(number) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size such as 65536, 512K or 4M")
    return int(number) * _SIZE_UNITS[unit]


def seconds(text: str) -> float:
    """More than 0, at most a day."""
    try:
        number = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < number <= 86400:
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most 86400, got {text!r}")
    return number


def _whole_number(text: str) -> int:
    try:
        return int(str(text).strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def path_type(*keywords: str) -> Callable[[F], F]:
    """Mark an option type as taking a path, so a relative path in a config file is taken
    relative to that file; `keywords` are values of the type that are not paths."""

    def mark(f: F) -> F:
        f.path_keywords = keywords  # type: ignore[attr-defined]
        return f

    return mark


def _is_path_type(kind: Any) -> bool:
    return hasattr(kind, "path_keywords")


@path_type()
def readable_file(text: str) -> str:
    """A file that exists and can be read; the path as given."""
    path = Path(text).expanduser()
    if not path.exists():
        raise argparse.ArgumentTypeError(f"no such file: {text!r}")
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a directory, not a file")
    if not os.access(path, os.R_OK):
        raise argparse.ArgumentTypeError(f"cannot read {text!r}: permission denied")
    return str(path)


@path_type()
def writable_dir(text: str) -> str:
    """A directory that is writable, or can be created (its nearest existing parent is a
    writable directory); nothing is created here."""
    path = Path(text).expanduser()
    probe = path
    try:
        while not probe.exists():
            if probe.parent == probe:
                break
            probe = probe.parent
    except OSError as exc:  # a parent that cannot be searched (permission denied)
        raise argparse.ArgumentTypeError(f"{text!r} cannot be used: {exc.strerror or exc} ({probe})") from None
    if not probe.is_dir():
        what = "is" if probe == path else f"cannot be created: {str(probe)!r} is"
        raise argparse.ArgumentTypeError(f"{text!r} {what} a file, not a directory")
    if not os.access(probe, os.W_OK | os.X_OK):
        what = "is not writable" if probe == path else f"cannot be created: {str(probe)!r} is not writable"
        raise argparse.ArgumentTypeError(f"{text!r} {what}")
    return str(path)


# ------------------------------------------------------------------ where values come from


@dataclass(frozen=True)
class Setting:
    """One configurable option: its argparse action and its real default."""

    action: argparse.Action
    default: Any

    @property
    def dest(self) -> str:
        return self.action.dest

    @property
    def flag(self) -> str:
        return max(self.action.option_strings, key=len)

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.dest.upper()

    @property
    def is_flag(self) -> bool:
        return self.action.nargs == 0 and isinstance(self.action.const, bool)

    @property
    def is_list(self) -> bool:
        return isinstance(self.action, argparse._AppendAction)


_SETTINGS = "_umapi_mock_settings"


def make_configurable(parser: argparse.ArgumentParser, dests: Iterable[str] | None = None) -> None:
    """Let the parser's options (or only `dests`) come from the environment or a config file.
    Call after the options are added; `resolve` then fills in what the command line left."""
    wanted = set(dests) if dests is not None else None
    settings: list[Setting] = []
    for action in parser._actions:  # argparse keeps no public list of a parser's options
        if not action.option_strings or action.dest in ("help", "version", "config"):
            continue
        if wanted is not None and action.dest not in wanted:
            continue
        if not hasattr(action, "real_default"):  # an action shared by parents= is seen once per parser
            action.real_default = action.default  # type: ignore[attr-defined]
            action.default = argparse.SUPPRESS  # absent from the namespace unless typed
            action.help = f"{action.help or ''} [env {ENV_PREFIX + action.dest.upper()}]".strip()
        settings.append(Setting(action, action.real_default))  # type: ignore[attr-defined]
    parser.set_defaults(**{_SETTINGS: settings})


def resolve(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> None:
    """Fill each configurable option the command line did not give, from the environment,
    then the config file (`args.config` or $UMAPI_MOCK_CONFIG), then the default. Records
    where each value came from in `args.sources` (for messages). Raises CliError."""
    settings: list[Setting] = getattr(args, _SETTINGS, [])
    environ = os.environ if environ is None else environ
    args.sources, args.levels = {}, {}
    # only a command with a --config option reads one (the admin commands ignore serve's file)
    config_path = (args.config or environ.get(CONFIG_ENV) or None) if hasattr(args, "config") else None
    file_values = _read_config(config_path, settings) if config_path and settings else {}
    for s in settings:
        if hasattr(args, s.dest):
            args.sources[s.dest], args.levels[s.dest] = s.flag, 0
            continue
        text = environ.get(s.env, "")
        if text != "":
            value, source, level = _from_env(s, text), f"${s.env}", 1
        elif s.dest in file_values:
            raw, source, level = file_values[s.dest], f"{config_path}: {s.flag[2:]}", 2
            value = _from_file(s, raw, source, Path(str(config_path)).parent)
        else:
            value, source, level = s.default, "default", 3
        setattr(args, s.dest, value)
        args.sources[s.dest], args.levels[s.dest] = source, level


def source_of(args: argparse.Namespace, dest: str) -> str:
    """How a message names an option's value: `--port`, `$UMAPI_MOCK_PORT` or `file: port`."""
    return str(getattr(args, "sources", {}).get(dest) or "--" + dest.replace("_", "-"))


def given(args: argparse.Namespace, dest: str) -> bool:
    """True when the option has a value from anywhere but its default."""
    return bool(getattr(args, "sources", {}).get(dest, "default") != "default")


def exclusive(args: argparse.Namespace, first: tuple[str, ...], second: tuple[str, ...]) -> None:
    """Options of `first` and of `second` exclude each other: refused when both sides are
    given at the same level (command line, environment, file); across levels the stronger
    side wins and the other is put back to its default (so an image's environment yields to
    the command line)."""
    levels: dict[str, int] = getattr(args, "levels", {})

    def side(dests: tuple[str, ...]) -> tuple[int, str] | None:
        present = [(levels[d], d) for d in dests if given(args, d)]
        return min(present) if present else None

    a, b = side(first), side(second)
    if a is None or b is None:
        return
    if a[0] == b[0]:
        raise CliError(f"{source_of(args, a[1])} and {source_of(args, b[1])} cannot be used together")
    weaker = second if a[0] < b[0] else first
    for s in getattr(args, _SETTINGS, []):
        if s.dest in weaker:
            setattr(args, s.dest, s.default)
            args.sources[s.dest] = "default"


def _convert(s: Setting, text: str, source: str) -> Any:
    action = s.action
    try:
        value = action.type(text) if callable(action.type) else text
    except (argparse.ArgumentTypeError, ValueError, TypeError) as exc:
        raise CliError(f"{source}: {exc}") from None
    if action.choices is not None and value not in action.choices:
        choices = ", ".join(map(str, action.choices))
        raise CliError(f"{source}: {text!r} is not one of {choices}")
    return value


def _flag(s: Setting, text: str, source: str) -> bool:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return bool(s.action.const)
    if word in FALSE_WORDS:
        return not s.action.const
    raise CliError(f"{source}: {text!r} is not a yes/no value (1/0, true/false, yes/no, on/off)")


def _from_env(s: Setting, text: str) -> Any:
    source = f"${s.env}"
    if s.is_flag:
        return _flag(s, text, source)
    if s.is_list:
        return [_convert(s, part.strip(), source) for part in text.split(",") if part.strip()]
    return _convert(s, text, source)


def _from_file(s: Setting, raw: Any, source: str, base: Path) -> Any:
    def one(item: Any) -> Any:
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            raise CliError(f"{source}: expected a single value, got {type(item).__name__}")
        text = str(item)
        kind = s.action.type
        if _is_path_type(kind) and text not in kind.path_keywords and not Path(text).expanduser().is_absolute():  # type: ignore[union-attr]
            text = str(base / text)  # relative to the config file, wherever it is run from
        return _convert(s, text, source)

    if s.is_flag:
        if isinstance(raw, bool):
            return raw if s.action.const else not raw
        if isinstance(raw, str):
            return _flag(s, raw, source)
        raise CliError(f"{source}: expected true or false, got {raw!r}")
    if s.is_list:
        items = raw if isinstance(raw, list) else [raw]
        return [one(item) for item in items]
    return one(raw)


def _read_config(path: str, settings: list[Setting]) -> dict[str, Any]:
    """The config file's values by option dest. TOML when it ends in `.toml`, else YAML or
    JSON; a mapping of option names (`tls-dir` or `tls_dir`) to values."""
    from .documents import DocumentError, read_document, read_toml

    what = "config file"
    try:
        doc = read_toml(path, what) if path.lower().endswith(".toml") else read_document(path, what)
    except DocumentError as exc:
        raise CliError(str(exc)) from None
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise CliError(f"{what} {path!r}: expected a mapping of option names to values, got {type(doc).__name__}")
    known = {s.dest: s for s in settings}
    values: dict[str, Any] = {}
    for key, value in doc.items():
        dest = str(key).strip().lstrip("-").replace("-", "_")
        if dest not in known:
            names = sorted(s.flag[2:] for s in settings)
            close = difflib.get_close_matches(str(key).replace("_", "-"), names, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(names)}"
            raise CliError(f"{what} {path!r}: unknown option {key!r}{hint}")
        values[dest] = value
    return values


def listen_error(exc: OSError, host: str, port: int, port_option: str = "--port") -> CliError:
    """The one line for a bind's OSError: a busy or privileged port is bad input (exit
    2: choose another), any other address that cannot be bound a runtime failure (exit 1)."""
    if exc.errno == errno.EADDRINUSE:
        return CliError(
            f"port {port} is in use on {host} (another umapi-mock?): choose another {port_option} or 0 for a free one"
        )
    if exc.errno == errno.EACCES:
        return CliError(f"cannot listen on {host}:{port}: permission denied (ports below 1024 need privileges)")
    reason = exc.strerror or str(exc)
    if exc.errno == errno.EADDRNOTAVAIL:
        reason += " (not an address of this machine; 0.0.0.0 listens on every interface)"
    return CliError(f"cannot listen on {host}:{port}: {reason}", exit_code=1)


CA_HINT = "certificate not trusted{trusted}: pass --ca FILE (the CA path the server printed)"


def connection_problem(exc: BaseException, verify: bool | str | None = None) -> str:
    """A failed request's long nested message (requests, urllib3, ssl) as what the user can do
    about it; the one wording every command gives for an untrusted certificate."""
    import ssl

    import requests

    causes: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and len(causes) < 10:
        causes.append(seen)
        seen = seen.__cause__ or seen.__context__
        if seen is None and causes[-1].args and isinstance(causes[-1].args[0], BaseException):
            seen = causes[-1].args[0]  # urllib3 keeps the reason in args, not as a cause
    text = " ".join(str(c) for c in causes)
    if isinstance(exc, requests.exceptions.SSLError) or any(isinstance(c, ssl.SSLError) for c in causes):
        if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
            return CA_HINT.format(trusted=f" (trusted: {verify})" if isinstance(verify, str) else "")
        if "WRONG_VERSION_NUMBER" in text or "wrong version number" in text:
            return "it does not speak HTTPS: use an http:// URL for a --no-tls server"
        return "TLS handshake failed"
    if isinstance(exc, requests.exceptions.Timeout):
        return "no answer in time"
    if any(isinstance(c, ConnectionRefusedError) for c in causes) or "Connection refused" in text:
        return "connection refused — is `umapi-mock serve` running?"
    if "Name or service not known" in text or "nodename nor servname" in text or "getaddrinfo failed" in text:
        return "host not found"
    return "the connection failed"


def one_line(text: object) -> str:
    """A message squeezed onto one line (for exception texts that span several)."""
    return " ".join(str(text).split())


def print_error(prog: str, message: str) -> None:
    print(f"{prog}: {one_line(message)}", file=sys.stderr)
