"""`umapi-mock` command line: serve the emulator, plus thin wrappers over the admin API."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .admin_cli import AdminError
from .config import Config
from .documents import DocumentError, read_document
from .domain.limits import GROUPS_PAGE_SIZE, TOKEN_TTL_SECONDS, USERS_PAGE_SIZE
from .http.admin import admin_token_required
from .layers.faults import FaultRuleError, read_fault_rules
from .layers.throttle import PolicyError, parse_policy
from .seed import SeedError, read_seed_file

ADMIN_TOKEN_ENV = "UMAPI_MOCK_ADMIN_TOKEN"


class CliError(Exception):
    """A problem the user can fix; printed as one line, never a traceback."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except SeedError as exc:
        print(f"umapi-mock: seed error: {exc}", file=sys.stderr)
        return 2
    except (CliError, AdminError) as exc:
        print(f"umapi-mock: {exc}", file=sys.stderr)
        return 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="umapi-mock", description="Local emulator of Adobe's User Management API and IMS."
    )
    parser.add_argument("--version", action="version", version=f"umapi-mock {__version__}")
    sub = parser.add_subparsers(dest="command")

    serve = sub.add_parser("serve", help="serve IMS and UMAPI on one port (HTTPS by default)")
    serve.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8443, help="port (default 8443; 0 picks a free one)")
    serve.add_argument("--seed", metavar="FILE", help="seed file (YAML or JSON); default: the built-in demo org")
    serve.add_argument(
        "--tls-dir", metavar="DIR", help="where the local CA and server certificate live (created once, reused)"
    )
    serve.add_argument("--cert", metavar="FILE", help="your own server certificate (PEM); needs --key")
    serve.add_argument("--key", metavar="FILE", help="private key for --cert (PEM)")
    serve.add_argument("--no-tls", action="store_true", help="plain HTTP (the official client needs HTTPS for IMS)")
    serve.add_argument(
        "--users-page-size", type=_positive, default=USERS_PAGE_SIZE, help=f"users per page (default {USERS_PAGE_SIZE})"
    )
    serve.add_argument(
        "--groups-page-size",
        type=_positive,
        default=GROUPS_PAGE_SIZE,
        help=f"groups per page (default {GROUPS_PAGE_SIZE})",
    )
    serve.add_argument(
        "--token-ttl",
        type=_positive,
        default=TOKEN_TTL_SECONDS,
        help=f"access token lifetime in seconds (default {TOKEN_TTL_SECONDS})",
    )
    serve.add_argument("--no-jwt", action="store_true", help="refuse the deprecated JWT exchange, as Adobe now does")
    serve.add_argument(
        "--throttle",
        default="off",
        metavar="off|documented|FILE",
        help="rate limits: off (default), the documented limits, or a policy file",
    )
    serve.add_argument("--faults", metavar="FILE", help="fault rules to load at start (YAML or JSON list)")
    serve.add_argument(
        "--admin-token",
        metavar="TOKEN",
        default=os.environ.get(ADMIN_TOKEN_ENV) or None,
        help=f"bearer token for /_mock/ (required when --host is not loopback; default: ${ADMIN_TOKEN_ENV})",
    )
    add_serving_options(serve)
    add_data_dir_options(serve)
    serve.set_defaults(func=cmd_serve)

    from .admin_cli import add_subcommands as add_admin_subcommands

    _add_contract_subcommands(sub)
    add_admin_subcommands(sub)

    from .drift.cli import add_subcommands as add_drift_subcommands  # import, record, verify

    add_drift_subcommands(sub)
    return parser


def _add_contract_subcommands(sub: Any) -> None:
    """`contract ...`, when the contract kit is installed beside the emulator. Imported only
    here, when a parser is built: the kit's own modules load when its command runs."""
    try:
        from contracts.cli import add_subcommands
    except ImportError:  # an install without the kit: no `contract` command
        return
    add_subcommands(sub)


def add_serving_options(serve: argparse.ArgumentParser) -> None:
    """Logging, resource limits and shutdown of `serve` (read back by `serving_from_args`)."""
    from . import logs, server

    group = serve.add_argument_group("logs and resource limits")
    group.add_argument("--log-format", choices=logs.FORMATS, default="text", help="log lines as text (default) or JSON")
    group.add_argument(
        "--log-level", choices=logs.LEVELS, default="warning", help="info adds one line per request (default warning)"
    )
    group.add_argument("--log-requests", action="store_true", help="one line per request (same as --log-level info)")
    group.add_argument(
        "--workers",
        type=_positive,
        default=server.WORKERS,
        help=f"requests answered at once (default {server.WORKERS})",
    )
    group.add_argument(
        "--max-connections",
        type=_positive,
        default=server.MAX_CONNECTIONS,
        help=f"open connections at most; more wait to be accepted (default {server.MAX_CONNECTIONS})",
    )
    group.add_argument(
        "--max-body",
        type=_byte_size,
        default=server.MAX_BODY,
        metavar="BYTES",
        help=f"largest request body, e.g. 4M; larger ones get a 413 (default {server.MAX_BODY // 1024 // 1024}M)",
    )
    group.add_argument(
        "--max-admin-body",
        type=_byte_size,
        default=server.MAX_ADMIN_BODY,
        metavar="BYTES",
        help=f"largest request body for /_mock/ (state documents; default {server.MAX_ADMIN_BODY // 1024 // 1024}M)",
    )
    for flag, default, what in (
        ("--keep-alive-timeout", server.KEEP_ALIVE_TIMEOUT, "an idle connection is closed after"),
        ("--request-timeout", server.REQUEST_TIMEOUT, "a request must arrive whole within"),
        ("--shutdown-timeout", server.SHUTDOWN_GRACE, "on SIGTERM/SIGINT, requests in flight get at most"),
    ):
        group.add_argument(
            flag, type=_seconds, default=default, metavar="SECONDS", help=f"{what} (default {default:g} s)"
        )


def add_data_dir_options(serve: argparse.ArgumentParser) -> None:
    """`--data-dir` (or its environment variable) and `--reset-from-seed`, read by `open_data_dir`."""
    from .persistence import DATA_DIR_ENV

    group = serve.add_argument_group("durable state")
    group.add_argument(
        "--data-dir",
        metavar="DIR",
        default=os.environ.get(DATA_DIR_ENV) or None,
        help=f"keep orgs, tokens' signing key, clock, faults and throttle in DIR across restarts (default: ${DATA_DIR_ENV};"
        " none: memory only)",
    )
    group.add_argument(
        "--reset-from-seed", action="store_true", help="with --data-dir: discard what DIR holds and start from the seed"
    )


def open_data_dir(args: argparse.Namespace, config: Config) -> tuple[Any, Any]:
    """(app, persistence) for `serve --data-dir`: the saved state when DIR has one (the seed is
    then not applied), else the seed, saved at once. (app, None) without --data-dir."""
    from .http.app import create_app, create_emulator

    if not args.data_dir:
        if args.reset_from_seed:
            raise CliError("--reset-from-seed needs --data-dir")
        return create_app(config), None
    from .persistence import Persistence, PersistenceError, Store
    from .world import restored_backend

    try:
        store = Store.open(args.data_dir)
    except PersistenceError as exc:
        raise CliError(str(exc)) from None
    try:
        restore = store.initialized and not args.reset_from_seed
        if restore:
            backend = restored_backend(
                store.load_orgs(),
                config.seed,
                seed_source=config.seed_source,
                seed_dir=config.seed_dir,
                token_ttl=config.token_ttl,
                jwt_enabled=config.jwt_enabled,
            )
            emulator = create_emulator(config, backend)
        else:
            emulator = create_emulator(config)
        persistence = Persistence(store, emulator)
        if restore:
            persistence.restore_settings()
        else:
            persistence.save_all()
        persistence.start()
    except BaseException:
        store.close()
        raise
    return emulator.app, persistence


def serving_from_args(args: argparse.Namespace) -> Any:
    """The server's `Limits` from the `serve` options; configures logging as asked."""
    from . import logs
    from .server import HANDSHAKE_TIMEOUT, Limits

    level = "info" if args.log_requests and args.log_level in ("warning", "error") else args.log_level
    logs.configure(args.log_format, level)
    return Limits(
        max_body=args.max_body,
        max_admin_body=args.max_admin_body,
        max_connections=args.max_connections,
        workers=args.workers,
        keep_alive_timeout=args.keep_alive_timeout,
        request_timeout=args.request_timeout,
        handshake_timeout=min(HANDSHAKE_TIMEOUT, args.request_timeout),
    )


_SIZE_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}


def _byte_size(value: str) -> int:
    text = value.strip().upper().removesuffix("B").removesuffix("I")
    unit = text[-1:] if text[-1:] in _SIZE_UNITS else ""
    number = text[: len(text) - len(unit)]
    if not number.isdigit() or int(number) < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a size such as 65536, 512K or 4M")
    return int(number) * _SIZE_UNITS[unit]


def _seconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if not 0 < number <= 86400:
        raise argparse.ArgumentTypeError("must be more than 0 and at most 86400")
    return number


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _read_document(path: str, what: str) -> Any:
    try:
        return read_document(path, what)
    except DocumentError as exc:
        raise CliError(str(exc)) from None


def config_from_args(args: argparse.Namespace) -> Config:
    config = Config(
        users_page_size=args.users_page_size,
        groups_page_size=args.groups_page_size,
        token_ttl=args.token_ttl,
        jwt_enabled=not args.no_jwt,
        admin_token=args.admin_token,
        progress=True,
    )
    if args.seed:
        config.seed = read_seed_file(args.seed)
        config.seed_source = args.seed
        config.seed_dir = Path(args.seed).resolve().parent
    if args.throttle in ("off", "documented"):
        config.throttle = args.throttle
    else:
        policy = _read_document(args.throttle, "throttle policy")
        try:
            config.throttle = parse_policy(policy)  # parsed once: the app takes the Policy as it is
        except PolicyError as exc:
            raise CliError(f"throttle policy {args.throttle}: {exc}") from None
    if args.faults:
        try:
            config.faults = list(read_fault_rules(args.faults))
        except FaultRuleError as exc:
            raise CliError(f"fault file {args.faults}: {exc}") from None
    return config


def cmd_serve(args: argparse.Namespace) -> int:
    from .server import ServedEmulator, serve_until_signalled
    from .tls import default_tls_dir, ensure_tls

    if admin_token_required(args.host) and not args.admin_token:
        raise CliError(
            f"refusing to serve the admin API on non-loopback address {args.host!r} without --admin-token"
            f" (or ${ADMIN_TOKEN_ENV})"
        )
    if bool(args.cert) != bool(args.key):
        raise CliError("--cert and --key go together")
    config = config_from_args(args)
    ssl_context = None
    ca_path: Path | None = None
    if args.cert:
        from .tls import TlsFiles

        try:
            ssl_context = TlsFiles(Path(args.cert), Path(args.cert), Path(args.key)).server_context()
        except (OSError, ValueError) as exc:
            raise CliError(f"cannot load --cert/--key: {exc}") from None
    elif not args.no_tls:
        tls = ensure_tls(args.tls_dir or default_tls_dir())
        ssl_context = tls.server_context()
        ca_path = tls.ca_cert
    try:
        app, persistence = open_data_dir(args, config)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    limits = serving_from_args(args)
    try:
        served = ServedEmulator(app, args.host, args.port, ssl_context=ssl_context, limits=limits)
    except OSError as exc:
        raise CliError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    # SIGTERM (`docker stop`, service managers) and SIGINT (Ctrl-C, also in a background job);
    # the banner is printed once they are handled, so a signal right after it stops cleanly.
    try:
        how, finished = serve_until_signalled(
            served.server,
            args.shutdown_timeout,
            ready=lambda: print(banner(app, served.url, served.netloc, ca_path), flush=True),
        )
    finally:
        if persistence is not None:
            persistence.close()  # the database flushed (every acknowledged change already was)
    left = "" if finished else f", requests still in flight after {args.shutdown_timeout:g} s were cut off"
    print(f"umapi-mock: stopped on {how}{left}", file=sys.stderr, flush=True)
    return 0


def banner(app: Any, url: str, netloc: str, ca_path: Path | None) -> str:
    from .http.context import emulator_of

    backend = emulator_of(app).backend
    verify = f'"{ca_path}"' if ca_path else "True"
    lines = [f"umapi-mock {__version__} serving IMS and UMAPI at {url}"]
    if ca_path:
        lines.append(f"  CA certificate (clients must trust it): {ca_path}")
    for org in backend.orgs.values():
        lines.append(f"  org {org.id}: {len(org.users):,} users, {len(org.groups):,} groups")
        for c in org.credentials.values():
            lines.append(f"    client_id={c.client_id}  client_secret={c.client_secret}  tech_account={c.tech_account}")
    first = next(iter(backend.orgs.values()))
    cred = next(iter(first.credentials.values()), None)
    if cred is not None:
        lines += [
            "Point the official client (umapi-client 3.x) at it:",
            "  from umapi_client import Connection, OAuthS2S",
            f'  auth = OAuthS2S(client_id="{cred.client_id}", client_secret="{cred.client_secret}",',
            f'                  auth_host="{netloc}", ssl_verify={verify})',
            f'  conn = Connection(org_id="{first.id}", auth=auth,',
            f'                    endpoint="{url}/v2/usermanagement", ssl_verify={verify})',
        ]
    lines.append("Press Ctrl-C to stop.")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
