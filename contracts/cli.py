"""`umapi-mock contract ...`: run the contract suite against a target, diff two reports.

    umapi-mock contract --target URL --credentials FILE [--allow-writes --domain D] [--report PATH]
    umapi-mock contract diff A.json B.json

Wire into the main parser with `umapi_mock.contracts.cli.add_subcommands(subparsers)`; each parser it
adds sets `func`, which takes the parsed namespace and returns the exit status.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from umapi_mock.options import readable_file

SUITE_DIR = Path(__file__).resolve().parent
# The hypothesis profiles conftest.py registers (tests/contracts checks the two agree).
PROFILES = ("ci", "nightly", "dev", "quick", "live")
NAMED_TARGETS = ("inprocess", "served", "live")


def target_spec(text: str) -> str:
    """inprocess, served, live, or an http(s) URL; anything else is refused at parse time."""
    from urllib.parse import urlsplit

    parts = urlsplit(text)
    if text in NAMED_TARGETS or (parts.scheme in ("http", "https") and parts.netloc):
        return text
    raise argparse.ArgumentTypeError(f"expected inprocess, served, live or an https:// URL, got {text!r}")


def add_subcommands(subparsers: Any) -> argparse.ArgumentParser:
    contract: argparse.ArgumentParser = subparsers.add_parser(
        "contract",
        help="run the UMAPI contract suite against a target (or diff two reports)",
        description="Run the contract suite. Credentials come from the environment (UMAPI_ORG_ID, "
        "UMAPI_CLIENT_ID, UMAPI_CLIENT_SECRET, UMAPI_IMS_HOST, UMAPI_ENDPOINT, UMAPI_CA_FILE) "
        "or --credentials FILE, never from the command line. Without --allow-writes every "
        "action runs with testOnly=true.",
    )
    contract.add_argument(
        "--target",
        type=target_spec,
        default="inprocess",
        metavar="inprocess|served|live|URL",
        help="what to judge (default: the in-process emulator)",
    )
    contract.add_argument(
        "--credentials",
        type=readable_file,
        metavar="FILE",
        help="YAML/JSON file with org_id, client_id, client_secret, ...",
    )
    contract.add_argument(
        "--ca",
        type=readable_file,
        metavar="FILE",
        help="CA file to trust for a URL target (wins over the credentials' ca_file and UMAPI_CA_FILE)",
    )
    contract.add_argument(
        "--allow-writes",
        action="store_true",
        help="let a URL target be changed (objects named contract-<run id>-..., removed at the end)",
    )
    contract.add_argument(
        "--domain", metavar="DOMAIN", help="claimed domain for the suite's users (needed with --allow-writes)"
    )
    contract.add_argument(
        "--identity-type", choices=("federatedID", "enterpriseID"), help="type of --domain (default federatedID)"
    )
    contract.add_argument(
        "--report",
        default="contract-report.json",
        metavar="PATH",
        help="JSON report path (Markdown summary beside it); default ./contract-report.json",
    )
    contract.add_argument(
        "--pace",
        choices=("auto", "on", "off"),
        default="auto",
        help="pace under the documented rate limits (auto: on for Adobe's service, off for a umapi-mock, told by"
        " its /status; in-process targets are never paced)",
    )
    contract.add_argument("--profile", choices=PROFILES, help="hypothesis profile (default ci; live for URL targets)")
    contract.add_argument("-k", "--select", metavar="EXPR", help="only contracts tests matching EXPR (pytest -k)")
    contract.add_argument(
        "--contract",
        action="append",
        default=[],
        metavar="NAME",
        help="only the tests judging contract NAME (repeatable; NAME may end in *, e.g. paging.*)",
    )
    contract.add_argument(
        "--pytest-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="pass ARG to pytest (repeatable), e.g. --pytest-arg=-x",
    )
    contract.set_defaults(func=run_contracts)
    sub = contract.add_subparsers(dest="contract_command", metavar="{diff}")
    diff = sub.add_parser("diff", help="print the contracts whose outcome differs between two reports")
    diff.add_argument("a", metavar="A.json")
    diff.add_argument("b", metavar="B.json")
    diff.set_defaults(func=run_diff)
    return contract


def pytest_argv(args: argparse.Namespace) -> list[str]:
    argv = [
        str(SUITE_DIR),
        "-p",
        "no:cacheprovider",
        "--rootdir",
        str(SUITE_DIR.parent),
        "-W",
        "ignore::pytest.PytestAssertRewriteWarning",
        "--umapi-target",
        args.target,
        "--umapi-report",
        args.report,
        "--umapi-pace",
        args.pace,
    ]
    if args.credentials:
        argv += ["--umapi-credentials", args.credentials]
    if getattr(args, "ca", None):
        argv += ["--umapi-ca", args.ca]
    if not any(a.startswith("--tb") for a in args.pytest_arg or []):
        # one line per failing test (the contract and why); the whole story is in the JSON report
        argv.append("--tb=line")
    if args.allow_writes:
        argv.append("--umapi-allow-writes")
    if args.domain:
        argv += ["--umapi-domain", args.domain]
    if args.identity_type:
        argv += ["--umapi-identity-type", args.identity_type]
    if args.select:
        argv += ["-k", args.select]
    for name in getattr(args, "contract", None) or []:
        argv += ["--umapi-contract", name]
    return argv + list(args.pytest_arg or [])


def run_contracts(args: argparse.Namespace) -> int:
    import os

    import pytest

    from .preflight import PreflightError, preflight
    from .target import TargetError, check_remote

    if args.target not in ("inprocess", "served"):
        try:
            creds = check_remote(
                args.target, args.allow_writes, args.domain, args.credentials, ca_file=getattr(args, "ca", None)
            )
        except TargetError as exc:
            # the pytest options' names, as this command spells them
            print(f"umapi-mock contract: {str(exc).replace('--umapi-', '--')}", file=sys.stderr)
            return 2
        try:
            checked = preflight(creds)
        except PreflightError as exc:
            print(f"umapi-mock contract: preflight: {exc}", file=sys.stderr)
            return 2
        if args.pace == "auto":
            args.pace = "off" if checked.emulator else "on"
            why = (
                "a umapi-mock: not paced" if checked.emulator else "not a umapi-mock: paced under the documented limits"
            )
            print(f"umapi-mock contract: {creds.root} is {why} (--pace on|off to choose)", flush=True)

    if args.profile:
        os.environ["HYPOTHESIS_PROFILE"] = args.profile
    code = pytest.main(pytest_argv(args))
    return int(code)


def run_diff(args: argparse.Namespace) -> int:
    from .report import format_diff, load_report

    try:
        a, b = load_report(args.a), load_report(args.b)
    except ValueError as exc:
        print(f"umapi-mock contract diff: {exc}", file=sys.stderr)
        return 2
    text = format_diff(a, b, Path(args.a).name, Path(args.b).name)
    sys.stdout.write(text)
    from .report import diff_reports

    return 1 if diff_reports(a, b) else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Stand-alone entry (`python -m umapi_mock.contracts.cli contract ...`)."""
    parser = argparse.ArgumentParser(prog="umapi-mock")
    add_subcommands(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
