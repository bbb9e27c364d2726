"""`umapi-mock import`, `record` and `verify`: the subcommands and their error handling.

Wire them with `add_subcommands(subparsers)`; each parser sets `func(args) -> exit status`.
Every failure is one line on stderr: exit 2 for bad input (options, files, credentials),
exit 1 when the run itself fails (an upstream error, an interruption) or, for verify, when
there is drift.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..options import port, readable_file, writable_dir

PROG = "umapi-mock"


class BadInput(Exception):
    """Exit 2: something the user gave us is wrong."""


class RunFailed(Exception):
    """Exit 1: the run could not finish."""


def _guarded(name: str) -> Callable[[Callable[[argparse.Namespace], int]], Callable[[argparse.Namespace], int]]:
    """One line and an exit status for every failure of subcommand `name`, never a traceback."""

    def wrap(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
        @functools.wraps(func)
        def run(args: argparse.Namespace) -> int:
            import requests

            from ..options import CliError

            try:
                return func(args)
            except CliError as exc:
                print(f"{PROG} {name}: {exc}", file=sys.stderr)
                return exc.exit_code
            except BadInput as exc:
                print(f"{PROG} {name}: {exc}", file=sys.stderr)
                return 2
            except RunFailed as exc:
                print(f"{PROG} {name}: {exc}", file=sys.stderr)
                return 1
            except requests.RequestException as exc:
                from ..options import connection_problem

                print(f"{PROG} {name}: cannot reach the upstream: {connection_problem(exc)}", file=sys.stderr)
                return 1
            except KeyboardInterrupt:
                print(f"{PROG} {name}: interrupted", file=sys.stderr)
                return 1
            except OSError as exc:
                print(f"{PROG} {name}: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
                return 1
            except Exception as exc:  # a bug: still one line, and enough to report it
                print(f"{PROG} {name}: internal error ({type(exc).__name__}: {_first_line(exc)})", file=sys.stderr)
                return 1

        return run

    return wrap


def _first_line(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:300]


def add_subcommands(subparsers: Any) -> None:
    """`import`, `record`, `verify`: made of the contract kit's target, paging and report
    formats (umapi_mock.contracts, installed with the emulator)."""
    p = subparsers.add_parser(
        "import",
        help="read an org (GETs only) and write a seed file",
        description="Read a UMAPI target (the live service or an emulator) with GETs only, paced under the "
        "documented limits, and write its org as a seed file. Resumable: progress is kept in "
        "<output>.import-state until the seed is written. Credentials come from --credentials FILE or "
        "the environment (UMAPI_ORG_ID, UMAPI_CLIENT_ID, UMAPI_CLIENT_SECRET, UMAPI_IMS_HOST, UMAPI_CA_FILE).",
    )
    p.add_argument("--target", required=True, metavar="URL", help="UMAPI base URL (or 'live' for Adobe's)")
    p.add_argument(
        "--credentials",
        type=readable_file,
        metavar="FILE",
        help="YAML/JSON file with org_id, client_id, client_secret, ...",
    )
    p.add_argument(
        "--ca", type=readable_file, metavar="FILE", help="CA file to trust for --target (wins over the credentials')"
    )
    p.add_argument("-o", "--output", required=True, metavar="SEED", help="seed file to write (.yaml or .json)")
    p.add_argument("--org", metavar="ID", help="org to read (default: the credentials' org)")
    _anonymize_options(p)
    p.add_argument("--no-pace", action="store_true", help="do not pace requests (only for an emulator you run)")
    p.set_defaults(func=cmd_import)

    r = subparsers.add_parser(
        "record",
        help="a recording proxy: forward to an upstream, write every exchange to a cassette",
        description="Serve IMS and UMAPI on one HTTPS port (the emulator's CA), forward every request to the "
        "upstream and append each exchange to the cassette (JSON lines), secrets replaced by placeholders. "
        "Ctrl-C stops it.",
    )
    r.add_argument(
        "--upstream", required=True, metavar="URL", help="the UMAPI upstream, e.g. https://usermanagement.adobe.io"
    )
    r.add_argument(
        "--ims-upstream", metavar="HOST[:PORT]", help="IMS host (default: Adobe's for adobe.io, else the upstream's)"
    )
    r.add_argument(
        "--upstream-ca",
        "--ca",
        type=readable_file,
        metavar="FILE",
        help="CA file to trust for the upstream (default: the system's)",
    )
    r.add_argument("--cassette", required=True, metavar="FILE", help="cassette to write (replaced if it exists)")
    r.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    r.add_argument("--port", type=port, default=8443, help="port (default 8443; 0 picks a free one)")
    r.add_argument("--tls-dir", type=writable_dir, metavar="DIR", help="where the local CA and server certificate live")
    r.add_argument("--snapshot", action="store_true", help="first import the upstream org into the cassette")
    r.add_argument(
        "--credentials", type=readable_file, metavar="FILE", help="credentials for --snapshot (or the environment)"
    )
    _anonymize_options(r)
    r.add_argument("--no-pace", action="store_true", help="do not pace the snapshot's reads")
    r.set_defaults(func=cmd_record)

    v = subparsers.add_parser(
        "verify",
        help="replay a cassette against a fresh emulator and report the drift",
        description="Start a fresh emulator from the cassette's snapshot (or --seed), replay the recorded "
        "requests in order and compare each answer with the recorded one. Exit 1 when anything drifted.",
    )
    v.add_argument("cassette", type=readable_file, metavar="CASSETTE")
    v.add_argument("--seed", metavar="FILE", help="start from this seed instead of the cassette's snapshot")
    v.add_argument(
        "--report",
        default="verify-report.json",
        metavar="PATH",
        help="JSON report (Markdown beside it); default ./verify-report.json",
    )
    v.set_defaults(func=cmd_verify)


def _anonymize_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--anonymize", action="store_true", help="replace people's names and logins (domains kept)")
    p.add_argument("--salt", default=None, metavar="TEXT", help="salt of --anonymize (same salt, same pseudonyms)")


def _anonymiser(args: argparse.Namespace) -> Any:
    from .anonymize import DEFAULT_SALT, Anonymiser

    if args.salt is not None and not args.anonymize:
        raise BadInput("--salt needs --anonymize")
    return Anonymiser(args.salt if args.salt is not None else DEFAULT_SALT) if args.anonymize else None


def _open_target(url: str, credentials: str | None, org: str | None, pace: bool, **overrides: Any) -> Any:
    from ..contracts.credentials import TargetError, load_credentials
    from ..contracts.transport import RunSettings, Target

    try:
        creds = load_credentials(url, credentials)
    except TargetError as exc:
        raise BadInput(
            str(exc).replace("--umapi-target", "--target").replace("--umapi-credentials", "--credentials")
        ) from None
    changes = {k: v for k, v in overrides.items() if v}
    if org:
        changes["org_id"] = org
    creds = dataclasses.replace(creds, **changes)
    return Target(creds.endpoint, creds, RunSettings(pace=pace))


def _run_import(target: Any, state_path: Path, anonymiser: Any) -> Any:
    from ..contracts.credentials import TargetError
    from .importer import Importer, ImportFailed, ImportState, Progress

    try:
        state = ImportState(state_path, target.creds.endpoint, target.org_id)
    except ImportFailed as exc:
        raise BadInput(str(exc)) from None
    try:
        return Importer(target, state, anonymiser, Progress()).run()
    except (ImportFailed, TargetError) as exc:
        raise RunFailed(f"{exc}; what was read is kept in {state_path}, run the same command again to resume") from None
    except KeyboardInterrupt:
        raise RunFailed(
            f"interrupted; what was read is kept in {state_path}, run the same command again to resume"
        ) from None


def _writable_file(value: str, what: str) -> Path:
    path = Path(value)
    if path.is_dir():
        raise BadInput(f"{what} {value!r} is a directory")
    if not path.parent.is_dir():
        raise BadInput(f"{what} {value!r}: directory {str(path.parent)!r} does not exist")
    return path


@_guarded("import")
def cmd_import(args: argparse.Namespace) -> int:
    from .importer import iter_lines, state_path_for, write_seed

    _stop_on_signals()
    output = _writable_file(args.output, "--output")
    anonymiser = _anonymiser(args)
    target = _open_target(args.target, args.credentials, args.org, not args.no_pace, ca_file=args.ca)
    try:
        result = _run_import(target, state_path_for(output), anonymiser)
    finally:
        target.close()
    write_seed(result.seed, output)
    state_path_for(output).unlink(missing_ok=True)
    for line in iter_lines(result):
        print(line, file=sys.stderr)
    print(f"import: wrote {output}", file=sys.stderr)
    return 0


def _upstream_root(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BadInput(f"--upstream must be an http(s) URL (got {url!r})")
    if parts.username or parts.password:
        raise BadInput("credentials must not be part of the --upstream URL")
    return f"{parts.scheme}://{parts.netloc}"


@_guarded("record")
def cmd_record(args: argparse.Namespace) -> int:

    from ..contracts.credentials import _default_ims_host
    from ..tls import default_tls_dir, ensure_tls
    from .recorder import Recording

    _stop_on_signals()
    root = _upstream_root(args.upstream)
    ims = (args.ims_upstream or _default_ims_host(root + "/v2/usermanagement")).split("://", 1)[-1].rstrip("/")
    if args.upstream_ca and not Path(args.upstream_ca).is_file():
        raise BadInput(f"--upstream-ca {args.upstream_ca!r} is not a file")
    cassette = _writable_file(args.cassette, "--cassette")
    anonymiser = _anonymiser(args)
    if args.credentials and not args.snapshot:
        raise BadInput("--credentials is only used with --snapshot")
    _check_port(args.host, args.port)
    recording = Recording(
        cassette,
        upstream_root=root,
        ims_host=ims,
        upstream_ca=args.upstream_ca,
        anonymiser=anonymiser,
    )
    if args.snapshot:
        target = _open_target(root, args.credentials, None, not args.no_pace, ims_host=ims, ca_file=args.upstream_ca)
        try:
            result = _run_import(target, cassette.with_name(cassette.name + ".import-state"), anonymiser)
        finally:
            recording.learn_secrets(target)
            target.close()
        recording.snapshot = result
        cassette.with_name(cassette.name + ".import-state").unlink(missing_ok=True)
    tls = ensure_tls(args.tls_dir or default_tls_dir())
    try:
        recording.start(args.host, args.port, tls.server_context())
    except (OSError, SystemExit) as exc:  # werkzeug exits when the port is taken
        raise BadInput(f"cannot listen on {args.host}:{args.port}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        print(
            f"umapi-mock record: forwarding {recording.url} to {root} (IMS: {recording.ims_root}), writing {cassette}\n"
            f"  CA certificate (clients must trust it): {tls.ca_cert}\n"
            f"  point clients at auth_host={recording.netloc}, endpoint={recording.url}/v2/usermanagement\n"
            "Press Ctrl-C to stop.",
            flush=True,
        )
        recording.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        recording.stop()
    print(f"umapi-mock record: {recording.recorded} exchange(s) written to {cassette}", file=sys.stderr)
    return 0


def _check_port(host: str, port: int) -> None:
    """Fail before the snapshot (and with one line) when the port is taken or not ours to bind."""
    import socket

    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.create_server((host, port), family=family):
            pass
    except OSError as exc:
        raise BadInput(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _stop_on_signals() -> None:
    """SIGINT and SIGTERM stop the command cleanly wherever it was started: a shell starts a
    background job with SIGINT ignored, and Python then leaves it ignored."""
    import signal

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _interrupt)


@_guarded("verify")
def cmd_verify(args: argparse.Namespace) -> int:
    from ..contracts.report import write_report
    from ..seed import SeedError, read_seed_file
    from .cassette import CassetteError, read_cassette
    from .verify import VerifyError, build_report, verify

    try:
        cassette = read_cassette(args.cassette)
        seed = read_seed_file(args.seed) if args.seed else None
        result = verify(cassette, seed, name=Path(args.cassette).name)
    except (CassetteError, SeedError, VerifyError) as exc:
        raise BadInput(str(exc)) from None
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        # a header that looks right over records that are not what the recorder writes
        raise BadInput(
            f"{args.cassette!r} is not a usable cassette (a record lacks what the recorder writes:"
            f" {type(exc).__name__}: {_first_line(exc)})"
        ) from None
    report_path = Path(args.report)
    if report_path.parent and not report_path.parent.exists():
        raise BadInput(f"--report {args.report!r}: directory {str(report_path.parent)!r} does not exist")
    json_path, md_path = write_report(build_report(result), report_path)
    drift = result.drift
    for d in drift:
        print(d.line())
    exchanges = len(result.outcomes)
    failing = sum(1 for o in result.outcomes if o.drift)
    verdict = (
        f"{len(drift)} drift(s) in {failing} of {exchanges} exchange(s)"
        if drift
        else f"no drift in {exchanges} exchange(s)"
    )
    print(f"verify: {verdict}; report {json_path} and {md_path}")
    return 1 if drift else 0
