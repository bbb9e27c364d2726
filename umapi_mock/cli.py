"""`umapi-mock` command line: serve the emulator, plus thin wrappers over the admin API.

Every failure a user can cause ends with one line on stderr: exit 2 for bad input (an
option, a file, a busy port), 1 for a runtime failure (a server that cannot be reached, an
address that cannot be bound), 130 for Ctrl-C before serving starts. See options.py for
validated types and where option values come from (command line > environment > file).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .domain.limits import GROUPS_PAGE_SIZE, TOKEN_TTL_SECONDS, USERS_PAGE_SIZE
from .options import (
    CONFIG_ENV,
    CliError,
    Parser,
    byte_size,
    exclusive,
    given,
    listen_error,
    make_configurable,
    path_type,
    port,
    positive,
    print_error,
    readable_file,
    resolve,
    seconds,
    source_of,
    writable_dir,
)

if TYPE_CHECKING:
    from .config import Config

ADMIN_TOKEN_ENV = "UMAPI_MOCK_ADMIN_TOKEN"
DEBUG_ENV = "UMAPI_MOCK_DEBUG"  # set: an internal error shows its traceback
PROG = "umapi-mock"


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = parse_args(argv)
        if not getattr(args, "func", None):
            commands = ", ".join(_command_names())
            raise CliError(f"choose a command: {commands} (see {PROG} --help)")
        return int(args.func(args) or 0)
    except CliError as exc:
        print_error(PROG, str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        print_error(PROG, "interrupted")
        return 128 + _stopped_by.get("signal", signal.SIGINT)
    except BrokenPipeError:  # `umapi-mock state dump | head`: the reader left; say nothing
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:  # a bug of ours: still one line, the traceback on request
        if os.environ.get(DEBUG_ENV):
            raise
        print_error(PROG, f"internal error: {type(exc).__name__}: {exc} (set {DEBUG_ENV}=1 for the traceback)")
        return 1


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse and fill every configurable option from the environment or config file."""
    args = build_parser().parse_args(argv)
    resolve(args)
    return args


def _command_names() -> list[str]:
    parser = build_parser()
    return [str(name) for a in parser._actions if not a.option_strings for name in a.choices or ()]


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog=PROG, description="Local emulator of Adobe's User Management API and IMS.")
    parser.add_argument("--version", action="version", version=f"umapi-mock {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = sub.add_parser(
        "serve",
        help="serve IMS and UMAPI on one port (HTTPS by default)",
        description="Serve IMS and UMAPI on one port (HTTPS by default).",
        epilog="Every option can also be set by the environment variable shown beside it, or in a "
        '--config file (TOML or YAML: `port = 8443`, `tls-dir = "/data/tls"`; relative paths are relative '
        "to the file). The command line wins over the environment, which wins over the file. Options that "
        "exclude each other are refused when given at the same level; across levels the stronger one wins.",
    )
    serve.add_argument(
        "--config",
        type=readable_file,
        metavar="FILE",
        help=f"read option values from this TOML or YAML file [env {CONFIG_ENV}]",
    )
    serve.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1; 0.0.0.0: every interface)")
    serve.add_argument("--port", type=port, default=8443, help="port (default 8443; 0 picks a free one)")
    serve.add_argument(
        "--seed", type=seed_path, metavar="FILE", help="seed file (YAML or JSON); default: the built-in demo org"
    )
    serve.add_argument(
        "--tls-dir",
        type=writable_dir,
        metavar="DIR",
        help="where the local CA and server certificate live (created once, reused; default ~/.cache/umapi-mock/tls)",
    )
    serve.add_argument(
        "--tls-name",
        action="append",
        metavar="NAME",
        help="another host name or IP address for the server certificate (repeatable; comma-separated in the"
        " environment), e.g. a compose service name",
    )
    serve.add_argument(
        "--cert", type=readable_file, metavar="FILE", help="your own server certificate (PEM); needs --key"
    )
    serve.add_argument("--key", type=readable_file, metavar="FILE", help="private key for --cert (PEM)")
    serve.add_argument("--no-tls", action="store_true", help="plain HTTP (the official client needs HTTPS for IMS)")
    serve.add_argument(
        "--users-page-size",
        type=positive,
        default=USERS_PAGE_SIZE,
        metavar="N",
        help=f"users per page (default {USERS_PAGE_SIZE})",
    )
    serve.add_argument(
        "--groups-page-size",
        type=positive,
        default=GROUPS_PAGE_SIZE,
        metavar="N",
        help=f"groups per page (default {GROUPS_PAGE_SIZE})",
    )
    serve.add_argument(
        "--token-ttl",
        type=positive,
        default=TOKEN_TTL_SECONDS,
        metavar="SECONDS",
        help=f"access token lifetime in seconds (default {TOKEN_TTL_SECONDS})",
    )
    serve.add_argument(
        "--jwt",
        choices=("on", "off", "retired"),
        default="on",
        help="the deprecated JWT exchange: served (on, the default), refused (off), or answered as"
        " Adobe's IMS has since the JWT credentials' end of life (retired)",
    )
    serve.add_argument("--no-jwt", action="store_true", help="the same as --jwt off")
    serve.add_argument(
        "--throttle",
        type=_throttle_choice,
        default="off",
        metavar="off|documented|field|FILE",
        help="rate limits: off (default), the documented limits, those plus the running-frequency"
        " control as the field meets it, or a policy file",
    )
    serve.add_argument(
        "--faults", type=readable_file, metavar="FILE", help="fault rules to load at start (YAML or JSON list)"
    )
    serve.add_argument(
        "--admin-token",
        metavar="TOKEN",
        help="bearer token for /_mock/ (required when --host is not loopback)",
    )
    serve.add_argument(
        "--url-file",
        type=writable_file,
        metavar="FILE",
        help="once /status answers, write the base URL (and the CA path on a second line) to FILE, for CI"
        " jobs started with --port 0 (removed again on stop)",
    )
    serve.add_argument(
        "--allowed-host",
        action="append",
        metavar="NAME",
        help="another Host name the admin API and console answer, e.g. a reverse proxy's (repeatable)",
    )
    add_serving_options(serve)
    add_data_dir_options(serve)
    make_configurable(serve)  # every option above, and any added later, from the environment or --config
    serve.set_defaults(func=cmd_serve)

    from .admin_cli import add_subcommands as add_admin_subcommands
    from .completion import add_subcommand as add_completion_subcommand

    _add_contract_subcommands(sub)
    add_admin_subcommands(sub)
    _add_wait_subcommand(sub)

    from .drift.cli import add_subcommands as add_drift_subcommands  # import, record, verify

    add_drift_subcommands(sub)
    add_completion_subcommand(sub, build_parser)
    return parser


def _add_contract_subcommands(sub: Any) -> None:
    """`contract ...`, the contract kit installed with the emulator (umapi_mock.contracts).
    Only its argument table loads here: the kit's test modules load when its command runs."""
    from .contracts.cli import add_subcommands

    add_subcommands(sub)


def _add_wait_subcommand(sub: Any) -> None:
    wait = sub.add_parser(
        "wait",
        help="return once a server answers at URL (or the URL a --url-file names)",
        description="Poll until a server answers at URL (any HTTP status counts), or until the file that"
        " `serve --url-file FILE` writes exists and the URL it names answers. Exit 1 on timeout.",
    )
    wait.add_argument("url", nargs="?", metavar="URL", help="e.g. https://127.0.0.1:8443/status")
    wait.add_argument("--url-file", type=path_arg, metavar="FILE", help="wait for this file, then its URL")
    wait.add_argument("--timeout", type=seconds, default=30.0, metavar="SECONDS", help="give up after (default 30 s)")
    wait.add_argument(
        "--ca", type=readable_file, metavar="FILE", help="CA to trust (default: the URL file's; else not checked)"
    )
    wait.set_defaults(func=cmd_wait)


def cmd_wait(args: argparse.Namespace) -> int:
    from .ready import WaitError, check_url, wait_for

    try:
        if (args.url is None) == (args.url_file is None):
            raise CliError("give a URL or --url-file FILE (one of them)")
        url = check_url(args.url) if args.url else None
        found, status = wait_for(url, Path(args.url_file) if args.url_file else None, args.timeout, ca=args.ca)
    except WaitError as exc:
        raise CliError(f"wait: {exc}", exit_code=exc.exit_code) from None
    print(f"{found} answered (HTTP {status})", flush=True)
    return 0


@path_type()
def path_arg(text: str) -> str:
    return str(Path(text).expanduser())


@path_type()
def writable_file(text: str) -> str:
    """A file that can be (re)written: its directory exists and is writable."""
    path = Path(text).expanduser()
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a directory, not a file")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r}: directory {str(parent)!r} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"{text!r}: directory {str(parent)!r} is not writable")
    return str(path)


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
        type=positive,
        default=server.WORKERS,
        help=f"requests answered at once (default {server.WORKERS})",
    )
    group.add_argument(
        "--max-connections",
        type=positive,
        default=server.MAX_CONNECTIONS,
        help=f"open connections at most; at the cap the longest-idle ones are closed for new clients (default {server.MAX_CONNECTIONS})",
    )
    group.add_argument(
        "--max-body",
        type=byte_size,
        default=server.MAX_BODY,
        metavar="BYTES",
        help=f"largest request body, e.g. 4M; larger ones get a 413 (default {server.MAX_BODY // 1024 // 1024}M)",
    )
    group.add_argument(
        "--max-admin-body",
        type=byte_size,
        default=server.MAX_ADMIN_BODY,
        metavar="BYTES",
        help=f"largest /_mock/ request body from a caller with the admin token (state documents; default {server.MAX_ADMIN_BODY // 1024 // 1024}M)",
    )
    for flag, default, what in (
        ("--keep-alive-timeout", server.KEEP_ALIVE_TIMEOUT, "an idle connection is closed after"),
        ("--request-timeout", server.REQUEST_TIMEOUT, "a request must arrive whole within"),
        ("--shutdown-timeout", server.SHUTDOWN_GRACE, "on SIGTERM/SIGINT, requests in flight get at most"),
    ):
        group.add_argument(
            flag, type=seconds, default=default, metavar="SECONDS", help=f"{what} (default {default:g} s)"
        )


def add_data_dir_options(serve: argparse.ArgumentParser) -> None:
    """`--data-dir` and `--reset-from-seed`, read by `open_emulator` into the Config."""
    group = serve.add_argument_group("durable state")
    group.add_argument(
        "--data-dir",
        type=writable_dir,
        metavar="DIR",
        help="keep orgs, tokens' signing key, clock, faults and throttle in DIR across restarts (default: none,"
        " memory only)",
    )
    group.add_argument(
        "--reset-from-seed", action="store_true", help="with --data-dir: discard what DIR holds and start from the seed"
    )


def open_emulator(args: argparse.Namespace, config: Config) -> Any:
    """The emulator `serve` runs: `Emulator.open` with the data dir, when one is given
    (its lock taken, its database checked, then restored or seeded and saved). Prints the
    one line that says the state was restored rather than seeded."""
    from .emulator import Emulator
    from .persistence import PersistenceError

    if args.reset_from_seed and not args.data_dir:
        raise CliError("--reset-from-seed needs --data-dir")
    config.data_dir = Path(args.data_dir) if args.data_dir else None
    config.reset_from_seed = bool(args.reset_from_seed)
    try:
        emulator = Emulator.open(config)
    except PersistenceError as exc:
        raise CliError(str(exc)) from None
    if emulator.restored is not None:
        print(f"umapi-mock: {emulator.restored.line()}", file=sys.stderr, flush=True)
    return emulator


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


@path_type()
def seed_path(text: str) -> str:
    """A seed file's path; the seed loader reports an unreadable one (file, path, problem)."""
    return str(Path(text).expanduser())


@path_type("off", "documented", "field")
def _throttle_choice(text: str) -> str:
    return text if text in ("off", "documented", "field") else readable_file(text)


def _jwt_mode(args: argparse.Namespace) -> str:
    """`--jwt`, with `--no-jwt` as its alias for off (which contradicts any other mode)."""
    if args.no_jwt and args.jwt not in ("on", "off"):
        raise CliError(f"--no-jwt is --jwt off, which contradicts --jwt {args.jwt}")
    return "off" if args.no_jwt else str(args.jwt)


def _read_document(path: str, what: str) -> Any:
    from .documents import DocumentError, read_document

    try:
        return read_document(path, what)
    except DocumentError as exc:
        raise CliError(str(exc)) from None


def config_from_args(args: argparse.Namespace) -> Config:
    """The emulator's Config from the resolved options (reads the seed, policy and fault
    files; SeedError is the caller's to word)."""
    from .config import Config
    from .layers.faults import FaultRuleError, read_fault_rules
    from .layers.throttle import PolicyError, parse_policy
    from .seed import read_seed_file

    config = Config(
        users_page_size=args.users_page_size,
        groups_page_size=args.groups_page_size,
        token_ttl=args.token_ttl,
        jwt_enabled=not args.no_jwt,
        jwt=_jwt_mode(args),
        admin_token=args.admin_token or None,
        allowed_hosts=(*(args.tls_name or ()), *(args.allowed_host or ())),
        progress=True,
    )
    if args.seed:
        config.seed = read_seed_file(args.seed)
        config.seed_source = args.seed
        config.seed_dir = Path(args.seed).resolve().parent
    if args.throttle in ("off", "documented", "field"):
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


def check_serve(args: argparse.Namespace) -> None:
    """The rules between `serve` options, checked before anything is read or bound."""
    from .http.admin import admin_token_required

    exclusive(args, ("no_tls",), ("cert", "key", "tls_dir", "tls_name"))
    exclusive(args, ("cert", "key"), ("tls_dir", "tls_name"))
    if given(args, "cert") != given(args, "key"):
        raise CliError("--cert and --key go together")
    if admin_token_required(args.host) and not args.admin_token:
        raise CliError(
            f"refusing to serve the admin API on non-loopback address {args.host!r} without --admin-token"
            f" (or ${ADMIN_TOKEN_ENV})"
        )


_stopped_by: dict[str, int] = {}


def _stop(signum: int, frame: object) -> None:
    _stopped_by["signal"] = signum
    raise KeyboardInterrupt


def cmd_serve(args: argparse.Namespace) -> int:
    from .seed import SeedError
    from .server import ServedEmulator, serve_until_signalled

    # Until serve_until_signalled takes over: SIGTERM (`docker stop`) and SIGINT (Ctrl-C, which
    # a shell's background job would otherwise ignore) end seeding with one line.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _stop)
    check_serve(args)
    try:
        config = config_from_args(args)
        ssl_context, ca_path = _tls(args)
        config.ca_cert = ca_path
        emulator = open_emulator(args, config)
    except SeedError as exc:
        raise CliError(f"seed error: {exc}") from None
    except ValueError as exc:
        raise CliError(str(exc)) from None
    try:
        from .http.app import create_app

        app = create_app(emulator)
        limits = serving_from_args(args)
        try:
            served = ServedEmulator(app, args.host, args.port, ssl_context=ssl_context, limits=limits)
        except OSError as exc:
            raise listen_error(exc, args.host, args.port, source_of(args, "port")) from None
        url_file = Path(args.url_file) if getattr(args, "url_file", None) else None

        def ready() -> None:
            print(banner(app, served, ca_path), flush=True)
            if url_file is not None:
                from .ready import announce_when_ready

                announce_when_ready(url_file, base_url(served), ca_path, lambda m: print_error(PROG, m))

        # SIGTERM and SIGINT stop it gracefully; the banner is printed once they are handled,
        # so a signal right after it stops cleanly.
        how, finished = serve_until_signalled(served.server, args.shutdown_timeout, ready=ready)
        if url_file is not None:
            url_file.unlink(missing_ok=True)  # a stale URL file would send the next job to no one
    finally:
        emulator.close()  # the database flushed (every acknowledged change already was), the lock released
    left = "" if finished else f", requests still in flight after {args.shutdown_timeout:g} s were cut off"
    print(f"umapi-mock: stopped on {how}{left}", file=sys.stderr, flush=True)
    return 0


def _tls(args: argparse.Namespace) -> tuple[Any, Path | None]:
    """The server's TLS context and the CA clients must trust (None: plain HTTP or --cert)."""
    from .tls import TlsFiles, default_tls_dir, ensure_tls

    if args.no_tls:
        return None, None
    if args.cert:
        try:
            return TlsFiles(Path(args.cert), Path(args.cert), Path(args.key)).server_context(), None
        except (OSError, ValueError) as exc:
            raise CliError(f"cannot load --cert/--key: {getattr(exc, 'strerror', None) or exc}") from None
    directory = Path(args.tls_dir) if args.tls_dir else default_tls_dir()
    try:
        tls = ensure_tls(directory, tuple(args.tls_name or ()))
        return tls.server_context(), tls.ca_cert
    except OSError as exc:
        hint = "" if args.tls_dir else " (pass --tls-dir DIR)"
        raise CliError(f"cannot write the TLS files in {str(directory)!r}: {exc.strerror or exc}{hint}") from None
    except ValueError as exc:
        raise CliError(f"the TLS files in {str(directory)!r} are unusable: {exc}") from None


WILDCARD_HOSTS = {"", "0.0.0.0", "::", "[::]"}


def reachable_host(host: str) -> str:
    """The address a client on this machine uses: a wildcard bind is reached on loopback."""
    if host in WILDCARD_HOSTS:
        return "::1" if ":" in host else "127.0.0.1"
    return host


def in_container() -> bool:
    return Path("/.dockerenv").exists() or Path("/run/.containerenv").exists()


def base_url(served: Any) -> str:
    """The URL a client on this machine uses (a wildcard bind is reached on loopback)."""
    host = reachable_host(served.host)
    netloc = f"[{host}]:{served.port}" if ":" in host else f"{host}:{served.port}"
    return f"{served.scheme}://{netloc}"


_JWT_BANNER = {
    "on": "on (--jwt on; Adobe retired it on 2025-01-27: --jwt retired answers as it does now)",
    "off": "off (--jwt off: refused for every credential)",
    "retired": "retired (--jwt retired: answered as Adobe's IMS does since JWT's end of life)",
}


def banner(app: Any, served: Any, ca_path: Path | None) -> str:
    from .http.context import emulator_of

    host = reachable_host(served.host)
    url = base_url(served)
    netloc = url.split("://", 1)[1]
    backend = emulator_of(app).backend
    verify = f'"{ca_path}"' if ca_path else "True"
    lines = [f"umapi-mock {__version__} serving IMS and UMAPI at {url}"]
    if host != served.host:
        lines.append(f"  listening on every interface ({served.netloc}); from another machine use this host's address")
        if in_container():
            lines.append(
                f"  in a container: use the host port you published (docker run -p 8443:{served.port}),"
                f" and get the CA from {url}/_mock/ca.pem or the /data volume"
            )
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
        if ca_path:
            lines.append("  (without ssl_verify=<the CA> the client retries for about 2 minutes before it fails)")
    lines.append(f"JWT exchange (/ims/exchange/jwt): {_JWT_BANNER[backend.tokens.jwt_mode]}")
    lines.append("Press Ctrl-C to stop.")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
