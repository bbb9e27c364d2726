"""`umapi-mock state|fault|reset`: thin command-line wrappers over a running emulator's
admin API (`/_mock/`), so shell scripts and CI jobs need no HTTP code of their own."""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .options import CliError, connection_problem, exclusive, make_configurable, readable_file

URL_ENV = "UMAPI_MOCK_URL"
CA_ENV = "UMAPI_MOCK_CA"
TOKEN_ENV = "UMAPI_MOCK_ADMIN_TOKEN"
CONNECTION_OPTIONS = ("url", "ca", "insecure")  # from the environment too: UMAPI_MOCK_URL, ...


class AdminError(CliError):
    """The emulator could not be reached (exit 1) or refused the request (exit 2 for a 4xx:
    the input was wrong); printed as one line."""


def _http_url(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise argparse.ArgumentTypeError(f"expected an http:// or https:// URL, got {text!r}")
    return text


def add_subcommands(sub: Any) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--url",
        type=_http_url,
        default="https://127.0.0.1:8443",
        help="the emulator's base URL (default https://127.0.0.1:8443)",
    )
    common.add_argument(
        "--ca",
        type=readable_file,
        metavar="FILE",
        help="CA file to trust (default: the CA umapi-mock serve creates)",
    )
    common.add_argument("--insecure", action="store_true", help="do not verify the server certificate")

    state = sub.add_parser("state", help="dump or load a running emulator's state (seed-file format)")
    state_sub = state.add_subparsers(dest="state_command", required=True)
    dump = state_sub.add_parser("dump", parents=[common], help="print the state as JSON (or write it to --output)")
    dump.add_argument("--org", help="only this org")
    dump.add_argument("--output", "-o", metavar="FILE")
    dump.add_argument(
        "--data-dir",
        metavar="DIR",
        help="read a data dir's database instead of a running emulator (no server needed; a damaged"
        " database gives what is still readable)",
    )
    dump.set_defaults(func=cmd_state_dump)
    load = state_sub.add_parser("load", parents=[common], help="replace the state with a seed/state file")
    load.add_argument("file", metavar="FILE", help="YAML or JSON in seed-file format")
    load.add_argument("--org", help="only this org")
    load.set_defaults(func=cmd_state_load)

    reset = sub.add_parser("reset", parents=[common], help="put a running emulator back to its start-up seed")
    reset.add_argument("--org", help="only this org")
    reset.set_defaults(func=cmd_reset)

    fault = sub.add_parser("fault", help="add, list or clear fault rules on a running emulator")
    fault_sub = fault.add_subparsers(dest="fault_command", required=True)
    add = fault_sub.add_parser("add", parents=[common], help="add a rule (JSON) or a --path/--kind shorthand")
    add.add_argument(
        "rule", nargs="?", help='a rule as JSON, e.g. \'{"match":{"path":"/v2/*"},"respond":{"status":503}}\''
    )
    add.add_argument("--path", help="path glob to match (shorthand)")
    add.add_argument("--method", help="HTTP method to match (shorthand)")
    add_fault_kind_options(add)
    add.add_argument("--times", type=int, help="fire at most this many times")
    add.set_defaults(func=cmd_fault_add)
    listing = fault_sub.add_parser("list", parents=[common], help="print the rules")
    listing.set_defaults(func=cmd_fault_list)
    clear = fault_sub.add_parser("clear", parents=[common], help="remove every rule")
    clear.set_defaults(func=cmd_fault_clear)
    for parser in (dump, load, reset, add, listing, clear):
        make_configurable(parser, CONNECTION_OPTIONS)


def add_fault_kind_options(parser: argparse.ArgumentParser) -> None:
    """`--kind NAME`, a flag for each kind that has no value to give (`--drop`), and an option
    for each value a kind's form asks for (`--status`, `--retry-after`, `--delay`): all read
    from the registry of fault kinds, so a new kind needs no change here."""
    from .layers.fault_kinds import KINDS

    summaries = "; ".join(f"{k.name}: {k.summary}" for k in KINDS.values())
    parser.add_argument("--kind", choices=list(KINDS), help=f"the answer (shorthand; {summaries})")
    seen: set[str] = set()
    for kind in KINDS.values():
        values = [f for f in kind.form if f.get("type") != "const"]
        if not values:
            parser.add_argument(f"--{kind.name}", action="store_true", help=f"same as --kind {kind.name}")
        for spec in values:
            if spec["key"] in seen:
                continue
            seen.add(spec["key"])
            bounds = f" ({spec['min']:g}-{spec['max']:g})" if "min" in spec and "max" in spec else ""
            parser.add_argument(
                "--" + spec["key"].replace("_", "-"),
                type=int if spec["type"] == "integer" else float,
                help=f"{spec['label']}{bounds} (shorthand)",
            )


def fault_respond(args: argparse.Namespace) -> dict[str, Any] | None:
    """The `respond` mapping the kind options give, or None when they name no kind."""
    from .layers.fault_kinds import KINDS

    def first_value_given(kind: Any) -> bool:
        values = [f for f in kind.form if f.get("type") != "const"]
        return bool(values) and getattr(args, values[0]["key"], None) is not None

    kind = KINDS.get(args.kind or "")
    if kind is None:
        kind = next((k for k in KINDS.values() if getattr(args, k.name, None) is True), None)
    if kind is None:  # the kind whose first value is given: --status 503, --delay 2
        kind = next((k for k in KINDS.values() if first_value_given(k)), None)
    if kind is None:
        return None
    respond: dict[str, Any] = {f["key"]: f["value"] for f in kind.form if f.get("type") == "const"}
    for key in sorted({f["key"] for k in KINDS.values() for f in k.form if f.get("type") != "const"}):
        value = getattr(args, key, None)
        if value is not None:
            respond[key] = value  # one the kind does not take is refused by the server, saying where
    return respond


def _call(args: argparse.Namespace, method: str, path: str, **kwargs: Any) -> Any:
    import requests  # here, not at the top: a mistyped option is refused without loading it

    exclusive(args, ("insecure",), ("ca",))
    verify: bool | str = True
    if args.insecure:
        verify = False
        from urllib3.exceptions import InsecureRequestWarning

        warnings.simplefilter("ignore", InsecureRequestWarning)  # asked for: no two-line warning per call
    elif args.ca:
        verify = args.ca
    elif args.url.startswith("https://"):
        from .tls import default_tls_dir

        default_ca = default_tls_dir() / "ca.pem"
        if default_ca.exists():
            verify = str(default_ca)
    headers = dict(kwargs.pop("headers", {}))
    token = os.environ.get(TOKEN_ENV)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    url = args.url.rstrip("/") + path
    try:
        # verify= per request: REQUESTS_CA_BUNDLE would otherwise override a session setting
        response = requests.request(method, url, headers=headers, verify=verify, timeout=60, **kwargs)
    except requests.RequestException as exc:
        raise AdminError(f"cannot reach {args.url}: {connection_problem(exc, verify)}", exit_code=1) from None
    if response.status_code >= 400:
        hint = ""
        if response.status_code == 401:
            hint = f" (set ${TOKEN_ENV} to the server's admin token)"
        elif response.status_code == 413 and not token and path.startswith("/_mock/"):
            hint = (
                " (without an admin token the server takes admin bodies up to its --max-body only: serve with"
                f" --admin-token and set ${TOKEN_ENV} here, or start it with --seed FILE / --data-dir)"
            )
        raise AdminError(
            f"{method} {path} answered {response.status_code}{hint}: {response.text.strip()[:500]}",
            exit_code=2 if response.status_code < 500 else 1,
        )
    try:
        return response.json() if response.content else None
    except ValueError:
        raise AdminError(f"{method} {path} did not answer JSON: is {args.url} a umapi-mock?", exit_code=1) from None


def _org_path(org: str | None, tail: str) -> str:
    return f"/_mock/orgs/{org}/{tail}" if org else f"/_mock/{tail}"


def cmd_state_dump(args: argparse.Namespace) -> int:
    state = _salvage(args) if args.data_dir else _call(args, "GET", _org_path(args.org, "state"))
    text = json.dumps(state, indent=2, ensure_ascii=False) + "\n"
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def _salvage(args: argparse.Namespace) -> Any:
    """The state held in `--data-dir`, read straight from its database (persistence.salvage);
    one line on stderr says what was read and what was damaged."""
    from .persistence import PersistenceError, salvage
    from .seed import dump_orgs

    try:
        orgs, problems = salvage(args.data_dir)
    except PersistenceError as exc:
        raise CliError(str(exc)) from None
    if args.org:
        orgs = [o for o in orgs if o.id == args.org]
    users, groups = sum(len(o.users) for o in orgs), sum(len(o.groups) for o in orgs)
    damage = ""
    if problems:
        damage = f"; damaged and skipped: {problems[0]}" + (f" (+{len(problems) - 1} more)" if problems[1:] else "")
    print(f"umapi-mock: read {users:,} users, {groups:,} groups from {args.data_dir}{damage}", file=sys.stderr)
    return dump_orgs(orgs)


def cmd_state_load(args: argparse.Namespace) -> int:
    """Streams the file (never read into memory here). A server without an admin token
    refuses admin bodies over its --max-body before reading them: a bigger state needs the
    token (the 413 says so), or `serve --seed FILE` / `--data-dir` at start."""
    try:
        stream = open(args.file, "rb")  # noqa: SIM115 - closed below, after the upload
    except OSError as exc:
        raise AdminError(f"cannot read {args.file!r}: {exc.strerror or exc}") from None
    kind = "application/json" if args.file.lower().endswith(".json") else "application/yaml"
    with stream:
        if not stream.seekable() or not Path(args.file).is_file():
            raise AdminError(f"cannot read {args.file!r}: not a regular file")
        _call(args, "PUT", _org_path(args.org, "state"), data=stream, headers={"Content-Type": kind})
    print(f"loaded {args.file} into {args.url}")
    return 0


def cmd_reset(args: argparse.Namespace) -> int:
    _call(args, "POST", _org_path(args.org, "reset"))
    print(f"reset {args.org or 'all orgs'} at {args.url}")
    return 0


def cmd_fault_add(args: argparse.Namespace) -> int:
    if args.rule:
        try:
            rule = json.loads(args.rule)
        except ValueError as exc:
            raise AdminError(f"the rule is not valid JSON: {exc}") from None
    else:
        respond = fault_respond(args)
        if respond is None:
            raise AdminError("give a rule as JSON, or --kind KIND (or --status N, --drop, ...) with --path")
        match = {k: v for k, v in (("path", args.path), ("method", args.method)) if v}
        rule = {"match": match, "respond": respond}
    if args.times is not None and isinstance(rule, dict):
        rule["times"] = args.times
    print(json.dumps(_call(args, "POST", "/_mock/faults", json=rule)))
    return 0


def cmd_fault_list(args: argparse.Namespace) -> int:
    print(json.dumps(_call(args, "GET", "/_mock/faults"), indent=2))
    return 0


def cmd_fault_clear(args: argparse.Namespace) -> int:
    _call(args, "DELETE", "/_mock/faults")
    print("cleared")
    return 0
