"""Every bad input of issue 16 (and the seed cases), through the real `umapi-mock` console
script: the exit code, exactly one line on stderr naming the problem, no traceback.

Exit 2: a bad option, file or environment value, a busy port. Exit 1: a runtime failure (a
server that cannot be reached or trusted, an address that cannot be bound). 130: Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.cli.test_seed_cli import BAD_SEEDS, write_bad_seeds
from umapi_mock.tls import ensure_tls

CONSOLE_SCRIPT = Path(sys.executable).with_name("umapi-mock")


def script_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UMAPI_MOCK_")}
    env.update(PYTHONUNBUFFERED="1", XDG_CACHE_HOME=extra.pop("XDG_CACHE_HOME", env.get("XDG_CACHE_HOME", "")))
    env.update(extra)
    return {k: v for k, v in env.items() if v != ""}


def run_script(argv: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CONSOLE_SCRIPT), *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


# (id, argv, extra environment, exit code, fragment of the message). Placeholders in argv and
# environment values: {url} {ca} the session's served emulator and its CA, {other_ca} a CA
# that did not sign it, {busy} a port something listens on, {closed} a port nobody does.
CASES: list[tuple[str, list[str], dict[str, str], int, str]] = [
    # --- options, at parse time
    ("port-too-big", ["serve", "--no-tls", "--port", "99999"], {}, 2, "--port: a port is 0-65535"),
    ("port-negative", ["serve", "--no-tls", "--port", "-1"], {}, 2, "--port: a port is 0-65535"),
    ("port-not-a-number", ["serve", "--no-tls", "--port", "http"], {}, 2, "'http' is not a whole number"),
    ("page-size-zero", ["serve", "--no-tls", "--users-page-size", "0"], {}, 2, "--users-page-size: must be at least 1"),
    (
        "token-ttl-word",
        ["serve", "--no-tls", "--token-ttl", "soon"],
        {},
        2,
        "--token-ttl: 'soon' is not a whole number",
    ),
    ("unknown-option", ["serve", "--colour", "blue"], {}, 2, "unrecognized arguments: --colour blue"),
    ("unknown-command", ["sevre"], {}, 2, "invalid choice: 'sevre'"),
    ("throttle-missing-file", ["serve", "--no-tls", "--throttle", "nope.yaml"], {}, 2, "no such file: 'nope.yaml'"),
    ("faults-missing-file", ["serve", "--no-tls", "--faults", "nope.yaml"], {}, 2, "--faults: no such file"),
    ("cert-missing-file", ["serve", "--cert", "a.pem", "--key", "b.pem"], {}, 2, "--cert: no such file: 'a.pem'"),
    ("cert-without-key", ["serve", "--cert", "cert.pem"], {}, 2, "--cert and --key go together"),
    (
        "no-tls-with-cert",
        ["serve", "--no-tls", "--cert", "cert.pem", "--key", "cert.pem"],
        {},
        2,
        "--no-tls and --cert",
    ),
    ("no-tls-with-tls-dir", ["serve", "--no-tls", "--tls-dir", "tls"], {}, 2, "--no-tls and --tls-dir cannot be used"),
    ("tls-dir-under-a-file", ["serve", "--tls-dir", "cert.pem/tls"], {}, 2, "'cert.pem' is a file, not a directory"),
    ("tls-dir-is-a-file", ["serve", "--tls-dir", "cert.pem"], {}, 2, "'cert.pem' is a file, not a directory"),
    ("public-without-token", ["serve", "--host", "0.0.0.0", "--no-tls"], {}, 2, "without --admin-token"),
    ("completion-unknown-shell", ["completion", "fish"], {}, 2, "invalid choice: 'fish'"),
    (
        "no-command",
        [],
        {},
        2,
        "choose a command: serve, contract, state, reset, fault, wait, import, record, verify, completion",
    ),
    ("state-without-subcommand", ["state"], {}, 2, "the following arguments are required: state_command"),
    ("contract-credentials-missing", ["contract", "--credentials", "nope.yaml"], {}, 2, "--credentials: no such file"),
    ("contract-bad-target", ["contract", "--target", "bogus"], {}, 2, "expected inprocess, served, live or an https"),
    ("contract-bad-profile", ["contract", "--profile", "nope"], {}, 2, "--profile: invalid choice: 'nope'"),
    # --- the environment and the config file
    ("env-port", ["serve", "--no-tls"], {"UMAPI_MOCK_PORT": "70000"}, 2, "$UMAPI_MOCK_PORT: a port is 0-65535"),
    ("env-flag", ["serve"], {"UMAPI_MOCK_NO_TLS": "maybe"}, 2, "$UMAPI_MOCK_NO_TLS: 'maybe' is not a yes/no value"),
    ("env-file", ["serve", "--no-tls"], {"UMAPI_MOCK_FAULTS": "gone.yaml"}, 2, "$UMAPI_MOCK_FAULTS: no such file"),
    ("env-and-env-exclusive", ["serve"], {"UMAPI_MOCK_NO_TLS": "1", "UMAPI_MOCK_TLS_DIR": "tls"}, 2, "cannot be used"),
    ("config-missing", ["serve", "--config", "nope.toml"], {}, 2, "--config: no such file: 'nope.toml'"),
    ("config-env-missing", ["serve"], {"UMAPI_MOCK_CONFIG": "nope.toml"}, 2, "cannot read config file 'nope.toml'"),
    ("config-bad-toml", ["serve", "--config", "bad.toml"], {}, 2, "config file 'bad.toml' is not valid TOML"),
    ("config-bad-yaml", ["serve", "--config", "bad.yaml"], {}, 2, "config file 'bad.yaml' at line 2"),
    ("config-unknown-key", ["serve", "--config", "typo.toml"], {}, 2, "unknown option 'prot'; did you mean 'port'?"),
    ("config-bad-value", ["serve", "--config", "badport.toml"], {}, 2, "badport.toml: port: a port is 0-65535"),
    ("config-list-for-port", ["serve", "--config", "listport.yaml"], {}, 2, "port: expected a single value, got list"),
    # --- binding
    ("busy-port", ["serve", "--no-tls", "--port", "{busy}"], {}, 2, "is in use on 127.0.0.1"),
    (
        "unbindable-host",
        ["serve", "--no-tls", "--host", "192.0.2.1", "--admin-token", "t"],
        {},
        1,
        "cannot listen on 192.0.2.1:8443: Cannot assign requested address (not an address of this machine",
    ),
    # --- the admin commands
    ("admin-ca-missing", ["reset", "--ca", "/missing/ca.pem"], {}, 2, "--ca: no such file: '/missing/ca.pem'"),
    ("admin-ca-env-missing", ["state", "dump"], {"UMAPI_MOCK_CA": "/missing/ca.pem"}, 2, "$UMAPI_MOCK_CA: no such"),
    ("admin-bad-url", ["fault", "list", "--url", "127.0.0.1:8443"], {}, 2, "expected an http:// or https:// URL"),
    ("admin-insecure-and-ca", ["reset", "--insecure", "--ca", "cert.pem"], {}, 2, "--insecure and --ca cannot"),
    (
        "admin-stopped-server",
        ["reset", "--url", "https://127.0.0.1:{closed}"],
        {},
        1,
        "cannot reach https://127.0.0.1:{closed}: connection refused — is `umapi-mock serve` running?",
    ),
    (
        "admin-untrusted",
        ["state", "dump", "--url", "{url}", "--ca", "{other_ca}"],
        {},
        1,
        "certificate not trusted (trusted: {other_ca}): pass --ca FILE (the CA path the server printed)",
    ),
    ("admin-plain-http-as-https", ["reset", "--url", "{url_as_https_to_http}"], {}, 1, "does not speak HTTPS"),
    (
        "admin-state-load-missing",
        ["state", "load", "missing.yaml", "--url", "{url}"],
        {},
        2,
        "cannot read 'missing.yaml'",
    ),
    ("admin-fault-not-json", ["fault", "add", "{not json", "--url", "{url}"], {}, 2, "the rule is not valid JSON"),
    # --- wait and serve --url-file
    ("wait-no-url", ["wait"], {}, 2, "give a URL or --url-file FILE"),
    ("wait-url-and-file", ["wait", "{url}", "--url-file", "u.txt"], {}, 2, "give a URL or --url-file FILE"),
    ("wait-not-a-url", ["wait", "127.0.0.1:8443"], {}, 2, "expected an http:// or https:// URL"),
    ("wait-bad-timeout", ["wait", "{url}", "--timeout", "0"], {}, 2, "--timeout: must be more than 0"),
    ("wait-ca-missing", ["wait", "{url}", "--ca", "nope.pem"], {}, 2, "--ca: no such file"),
    (
        "wait-timeout",
        ["wait", "http://127.0.0.1:{closed}", "--timeout", "0.5"],
        {},
        1,
        "no answer from http://127.0.0.1:{closed} within 0.5 s (connection refused",
    ),
    (
        "wait-file-never-written",
        ["wait", "--url-file", "never.txt", "--timeout", "0.3"],
        {},
        1,
        "never.txt not written",
    ),
    ("url-file-is-a-dir", ["serve", "--no-tls", "--url-file", "."], {}, 2, "--url-file: '.' is a directory"),
    ("url-file-no-dir", ["serve", "--no-tls", "--url-file", "no/such/u.txt"], {}, 2, "directory 'no/such' does not"),
    # --- verify, import, record, contract
    ("verify-one-line", ["verify", "one-line.txt"], {}, 2, "'one-line.txt' holds no JSON record, not a cassette"),
    ("verify-binary", ["verify", "binary.bin"], {}, 2, "'binary.bin' is not UTF-8 text, not a cassette"),
    ("verify-empty", ["verify", "empty.txt"], {}, 2, "'empty.txt' is empty, not a cassette"),
    ("verify-json-list", ["verify", "list.json"], {}, 2, "line 1 is not a JSON object"),
    ("verify-missing", ["verify", "nope.jsonl"], {}, 2, "no such file: 'nope.jsonl'"),
    ("verify-broken-records", ["verify", "broken.jsonl", "--seed", "ok-seed.yaml"], {}, 2, "not a usable cassette"),
    ("import-no-output", ["import", "--target", "{url}"], {}, 2, "the following arguments are required: -o/--output"),
    ("import-bad-target", ["import", "--target", "ftp://x", "-o", "s.yaml"], {}, 2, "an http(s) URL"),
    ("import-no-credentials", ["import", "--target", "{url}", "-o", "s.yaml"], {}, 2, "missing credentials"),
    ("import-output-no-dir", ["import", "--target", "{url}", "-o", "no/s.yaml"], {}, 2, "does not exist"),
    ("import-salt-alone", ["import", "--target", "{url}", "-o", "s.yaml", "--salt", "x"], {}, 2, "--salt needs"),
    (
        "import-untrusted",
        ["import", "--target", "{url}", "-o", "s.yaml"],
        {
            "UMAPI_ORG_ID": "0123456789ABCDEF01234567@AdobeOrg",
            "UMAPI_CLIENT_ID": "test-client",
            "UMAPI_CLIENT_SECRET": "test-secret",
            "UMAPI_CA_FILE": "{other_ca}",
        },
        1,
        "certificate not trusted: pass --ca FILE",
    ),
    ("record-bad-upstream", ["record", "--upstream", "x", "--cassette", "c.jsonl"], {}, 2, "--upstream must be"),
    (
        "record-busy-port",
        ["record", "--upstream", "{url}", "--cassette", "c.jsonl", "--port", "{busy}"],
        {},
        2,
        "cannot listen",
    ),
    (
        "record-credentials-alone",
        ["record", "--upstream", "{url}", "--cassette", "c.jsonl", "--credentials", "cert.pem"],
        {},
        2,
        "--credentials is only used with --snapshot",
    ),
    (
        "record-ca-missing",
        ["record", "--upstream", "{url}", "--cassette", "c.jsonl", "--ca", "n.pem"],
        {},
        2,
        "no such file",
    ),
    (
        "contract-untrusted",
        ["contract", "--target", "{url}"],
        {
            "UMAPI_ORG_ID": "0123456789ABCDEF01234567@AdobeOrg",
            "UMAPI_CLIENT_ID": "test-client",
            "UMAPI_CLIENT_SECRET": "test-secret",
            "UMAPI_CA_FILE": "{other_ca}",
        },
        2,
        "preflight: cannot reach {url}: certificate not trusted (trusted: {other_ca}): pass --ca FILE",
    ),
    ("contract-bad-pace", ["contract", "--pace", "maybe"], {}, 2, "--pace: invalid choice: 'maybe'"),
    # --- seeds (as test_seed_cli, through the console script)
    ("seed-missing", ["serve", "--no-tls", "--seed", "nowhere.yaml"], {}, 2, "seed error: nowhere.yaml: (top): cannot"),
    *[
        (f"seed-{name}", ["serve", "--no-tls", "--port", "0", "--seed", name], {}, 2, problem)
        for name, _, _, problem in BAD_SEEDS
    ],
]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("cli-input")
    write_bad_seeds(d)
    (d / "cert.pem").write_text("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n")
    (d / "bad.toml").write_text("port = \n")
    (d / "bad.yaml").write_text("port: 1\n  host: [\n")
    (d / "typo.toml").write_text("prot = 8443\n")
    (d / "badport.toml").write_text("port = 123456\n")
    (d / "listport.yaml").write_text("port: [1, 2]\n")
    (d / "one-line.txt").write_text("not a cassette\n")
    (d / "binary.bin").write_bytes(b"\xff\xfe\x00garbage")
    (d / "empty.txt").write_text("")
    (d / "list.json").write_text("[1, 2]\n")
    (d / "broken.jsonl").write_text('{"cassette": "umapi-mock-cassette/1"}\n{"seq": 1, "request": {}}\n')
    (d / "ok-seed.yaml").write_text("orgs:\n  - id: 0123ABCD@AdobeOrg\n")
    ensure_tls(d / "other-tls")
    return d


@pytest.fixture(scope="module")
def results(workdir: Path, served_session: Any) -> dict[str, tuple[subprocess.CompletedProcess[str], dict[str, str]]]:
    """Run every case (four at a time: most end before anything is served)."""
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    plain = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)  # plain HTTP: answers TLS with 400
    threading.Thread(target=plain.serve_forever, daemon=True).start()
    values = {
        "url": served_session.url,
        "ca": served_session.ca_path,
        "other_ca": str(workdir / "other-tls" / "ca.pem"),
        "busy": str(busy.getsockname()[1]),
        "closed": str(closed_port()),
        "url_as_https_to_http": f"https://127.0.0.1:{plain.server_address[1]}",
    }
    cache = workdir / "cache"  # no CA of a developer's own `umapi-mock serve` is trusted by default

    def one(case: tuple[str, list[str], dict[str, str], int, str]) -> Any:
        name, argv, env, _, _ = case
        argv = [fill(a, values) for a in argv]
        extra = {k: fill(v, values) for k, v in env.items()}
        return name, run_script(argv, workdir, script_env(XDG_CACHE_HOME=str(cache), **extra))

    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            done = dict(pool.map(one, CASES))
    finally:
        busy.close()
        plain.shutdown()
        plain.server_close()
    return {name: (proc, values) for name, proc in done.items()}


# One pytest-xdist worker runs every case (`--dist loadgroup`): `results` runs them all at once.
@pytest.mark.xdist_group("cli-input-cases")
@pytest.mark.parametrize("name,argv,env,code,fragment", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_one_line(results, name, argv, env, code, fragment):
    proc, values = results[name]
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    assert proc.stdout == ""
    message = proc.stderr.strip()
    assert message and "\n" not in message, proc.stderr
    assert message.startswith("umapi-mock"), message
    assert fill(fragment, values) in message, message


def test_ctrl_c_while_seeding_is_one_line(tmp_path):
    """Ctrl-C while a big seed is generated: exit 130, one line after the progress lines."""
    (tmp_path / "big.yaml").write_text("orgs:\n  - id: 0123ABCD@AdobeOrg\n    generate: {users: 3000000}\n")
    proc = subprocess.Popen(
        [str(CONSOLE_SCRIPT), "serve", "--no-tls", "--port", "0", "--seed", "big.yaml"],
        cwd=tmp_path,
        env=script_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = proc.stderr.readline()  # type: ignore[union-attr]
        assert first.startswith("seeding 0123ABCD@AdobeOrg: "), first  # it is mid-seed now
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, (proc.returncode, err)
    assert "Traceback" not in err and out == ""
    after_progress = [line for line in err.splitlines() if not line.startswith("seeding ")]
    assert after_progress == ["umapi-mock: interrupted"], err


def test_insecure_prints_no_warning(served, tmp_path):
    proc = run_script(["fault", "list", "--url", served.url, "--insecure"], tmp_path, script_env())
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # as a shell starts a background job


@pytest.mark.parametrize(
    "signum,start", [(signal.SIGTERM, None), (signal.SIGINT, _ignore_sigint)], ids=["sigterm", "sigint-background-job"]
)
def test_stop_signal_while_serving_stops_cleanly(tmp_path, signum, start):
    proc = subprocess.Popen(
        [str(CONSOLE_SCRIPT), "serve", "--no-tls", "--port", "0"],
        cwd=tmp_path,
        env=script_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=start,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stdout.readline()  # type: ignore[union-attr]
            if not line or line.startswith("Press Ctrl-C"):
                break
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert err.strip() == f"umapi-mock: stopped on {signal.Signals(signum).name}"


def test_ca_is_served_without_the_admin_token(tmp_path):
    """/_mock/ca.pem: the CA `serve` printed, byte for byte, even when the admin API needs a
    token; with --no-tls there is no CA to serve."""
    from tests.processes import ServeProcess

    server = ServeProcess(
        "--tls-dir", str(tmp_path / "tls"), "--admin-token", "s3cret", cwd=tmp_path, env=script_env(), tls=True
    )
    try:
        got = requests.get(f"{server.url}/_mock/ca.pem", verify=server.ca, timeout=10)
        assert got.status_code == 200 and got.headers["Content-Type"] == "application/x-pem-file"
        assert got.content == Path(server.ca).read_bytes()
        assert requests.get(f"{server.url}/_mock/state", verify=server.ca, timeout=10).status_code == 401
    finally:
        server.kill()
    plain = ServeProcess(cwd=tmp_path, env=script_env())
    try:
        missing = requests.get(f"{plain.url}/_mock/ca.pem", timeout=10)
        assert missing.status_code == 404 and missing.json()["error"] == "no_ca"
    finally:
        plain.kill()


def test_wildcard_bind_banner_names_a_reachable_address(tmp_path):
    """Bound to every interface, the banner and the client lines use the loopback address."""
    from tests.processes import ServeProcess

    server = ServeProcess("--host", "0.0.0.0", "--admin-token", "t", cwd=tmp_path, env=script_env())
    try:
        assert server.url.startswith("http://127.0.0.1:"), server.banner[0]
        port = server.url.rsplit(":", 1)[1]
        assert any(f"listening on every interface (0.0.0.0:{port})" in line for line in server.banner)
        assert not any("0.0.0.0" in line for line in server.banner if "auth_host" in line or "endpoint=" in line)
        assert requests.get(f"{server.url}/status", timeout=10).status_code == 200
    finally:
        server.kill()


def _wait_for_line(stream: Any, prefix: str, limit: int = 200) -> str:
    """The first line of `stream` that starts with `prefix` (bounded: `limit` lines)."""
    for _ in range(limit):
        line = stream.readline()
        if not line or line.startswith(prefix):
            return str(line)
    return ""


@pytest.mark.parametrize(
    "signum,start", [(signal.SIGTERM, None), (signal.SIGINT, _ignore_sigint)], ids=["sigterm", "sigint-background-job"]
)
def test_record_stops_cleanly_on_a_signal(served, tmp_path, signum, start):
    proc = subprocess.Popen(
        [str(CONSOLE_SCRIPT), "record", "--upstream", served.url, "--upstream-ca", served.ca_path]
        + ["--cassette", "c.jsonl", "--port", "0", "--tls-dir", str(tmp_path / "tls")],
        cwd=tmp_path,
        env=script_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=start,
    )
    try:
        assert _wait_for_line(proc.stdout, "Press Ctrl-C"), "record never got ready"
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert err.strip() == "umapi-mock record: 0 exchange(s) written to c.jsonl", err


@pytest.mark.parametrize(
    "signum,start", [(signal.SIGTERM, None), (signal.SIGINT, _ignore_sigint)], ids=["sigterm", "sigint-background-job"]
)
def test_import_stops_cleanly_on_a_signal(tmp_path, signum, start):
    """An import blocked on an upstream that never answers: the signal ends it with the resume line."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    env = script_env(UMAPI_ORG_ID="0123@AdobeOrg", UMAPI_CLIENT_ID="c", UMAPI_CLIENT_SECRET="s")
    proc = subprocess.Popen(
        [str(CONSOLE_SCRIPT), "import", "--target", f"https://127.0.0.1:{silent.getsockname()[1]}", "-o", "s.yaml"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=start,
    )
    try:
        silent.settimeout(60)
        connection, _ = silent.accept()  # the import is now waiting for the TLS handshake
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=60)
        connection.close()
    finally:
        silent.close()
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert "Traceback" not in err
    assert proc.returncode == 1, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("umapi-mock import: interrupted"), err
