"""Seed files and `umapi-mock serve`, run as a user runs them: a subprocess."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.processes import ServeProcess, cli_env
from umapi_mock import cli
from umapi_mock.seed import dump_org, load_seed, read_seed_file
from umapi_mock.tls import ensure_tls

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "seed.yaml"
GOOD_ORG = '  - id: "0123ABCD@AdobeOrg"\n'


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "umapi_mock.cli", *args],
        cwd=cwd,
        env=env or cli_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""
    message = proc.stderr.strip()
    assert message and "\n" not in message, proc.stderr
    return message


# ------------------------------------------------------------------ bad seed files

BAD_SEEDS = [
    # (file name, content, path inside the file, problem)
    ("broken.yaml", "orgs:\n  - id: [\n    users: {\n", "line ", "not valid YAML/JSON"),
    ("broken.json", '{"orgs": [{"id": "0123@AdobeOrg",}]}', "", "not valid JSON"),
    ("unknown-key.yaml", "orgs:\n" + GOOD_ORG + "    colour: blue\n", "orgs[0].colour", "unknown key"),
    ("top-key.yaml", "orgs:\n" + GOOD_ORG + "org: {}\n", "org", "unknown key"),
    ("wrong-type.yaml", "orgs:\n" + GOOD_ORG + "    users: 5\n", "orgs[0].users", "expected a list, got int"),
    (
        "wrong-scalar.yaml",
        "orgs:\n" + GOOD_ORG + "    generate: {users: many}\n",
        "orgs[0].generate.users",
        "expected an integer, got str",
    ),
    (
        "unknown-profile.yaml",
        "orgs:\n" + GOOD_ORG + "    groups:\n      - {name: Staff, profiles: [No Such Profile]}\n",
        "orgs[0].groups[0].profiles[0]",
        "no product profile named 'No Such Profile'",
    ),
    (
        "unknown-group.yaml",
        "orgs:\n" + GOOD_ORG + "    domains: [{name: example.com}]\n"
        "    users:\n      - {email: a@example.com, groups: [Nobody]}\n",
        "orgs[0].users[0].groups[0]",
        "no group named 'Nobody'",
    ),
    ("bad-org.yaml", 'orgs:\n  - id: "0123ABCD"\n', "orgs[0].id", "is not an org id"),
    (
        "missing-cert.yaml",
        "orgs:\n"
        + GOOD_ORG
        + "    credentials:\n      - {client_id: c, client_secret: s, certificates: [certs/none.crt]}\n",
        "orgs[0].credentials[0].certificates[0]",
        "cannot read certificate",
    ),
    (
        "bad-cert.yaml",
        "orgs:\n"
        + GOOD_ORG
        + "    credentials:\n      - {client_id: c, client_secret: s, certificates: [garbled.crt]}\n",
        "orgs[0].credentials[0].certificates[0]",
        "is not a PEM certificate or public key",
    ),
    (
        "bad-scope.yaml",
        "orgs:\n" + GOOD_ORG + "    credentials:\n      - {client_id: c, client_secret: s, scopes: [openid, 7]}\n",
        "orgs[0].credentials[0].scopes[1]",
        "expected a string, got int",
    ),
    # the engine's rules (domain/names.py): what an action would refuse, a seed refuses too
    (
        "bad-email.yaml",
        "orgs:\n" + GOOD_ORG + "    domains: [{name: example.com}]\n    users:\n      - {email: 'a b@example.com'}\n",
        "orgs[0].users[0].email",
        "is not an email address",
    ),
    (
        "long-group.yaml",
        "orgs:\n" + GOOD_ORG + "    groups:\n      - {name: " + "g" * 256 + "}\n",
        "orgs[0].groups[0].name",
        "at most 255 characters",
    ),
    (
        "blank-group.yaml",
        "orgs:\n" + GOOD_ORG + "    groups:\n      - {name: ' '}\n",
        "orgs[0].groups[0].name",
        "blank",
    ),
    ("not-a-mapping.yaml", "- just\n- a list\n", "(top)", "must be a mapping"),
    ("empty.yaml", "", "(top)", "must be a mapping"),
]


# The cases the issue names run as real subprocesses; all of them also run in process.
IN_SUBPROCESS = [
    "broken.yaml",
    "unknown-key.yaml",
    "wrong-type.yaml",
    "unknown-profile.yaml",
    "bad-org.yaml",
    "missing-cert.yaml",
]


def write_bad_seeds(d: Path) -> None:
    (d / "garbled.crt").write_text("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n")
    for name, content, _, _ in BAD_SEEDS:
        (d / name).write_text(content)


@pytest.fixture(scope="module")
def bad_seed_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess[str]]:
    """Start `serve` on those bad seeds at once (they fail before listening), to keep this fast."""
    d = tmp_path_factory.mktemp("bad-seeds")
    write_bad_seeds(d)
    procs = {
        name: subprocess.Popen(
            [sys.executable, "-m", "umapi_mock.cli", "serve", "--port", "0", "--no-tls", "--seed", name],
            cwd=d,
            env=cli_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in IN_SUBPROCESS
    }
    results = {}
    for name, proc in procs.items():
        try:
            out, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        results[name] = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    return results


def check_seed_message(message: str, name: str, where: str, problem: str) -> None:
    assert message.startswith(f"umapi-mock: seed error: {name}: "), message
    assert f": {where}" in message, message
    assert problem in message, message


@pytest.mark.parametrize("name", IN_SUBPROCESS)
def test_bad_seed_fails_at_start(bad_seed_runs, name):
    _, _, where, problem = next(s for s in BAD_SEEDS if s[0] == name)
    check_seed_message(one_line_error(bad_seed_runs[name]), name, where, problem)


@pytest.mark.parametrize("name,content,where,problem", BAD_SEEDS, ids=[s[0] for s in BAD_SEEDS])
def test_bad_seed_in_process(tmp_path, monkeypatch, capsys, name, content, where, problem):
    write_bad_seeds(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["serve", "--port", "0", "--no-tls", "--seed", name]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    message = err.strip()
    assert "\n" not in message
    check_seed_message(message, name, where, problem)


def test_missing_seed_file(tmp_path):
    message = one_line_error(run_cli("serve", "--no-tls", "--seed", "nowhere.yaml", cwd=tmp_path))
    assert message == "umapi-mock: seed error: nowhere.yaml: (top): cannot read file: No such file or directory"


# ------------------------------------------------------------------ seeds in process


def test_example_seed_loads():
    orgs = load_seed(read_seed_file(EXAMPLE), str(EXAMPLE), EXAMPLE.parent)
    assert len(orgs) == 1
    org = orgs[0]
    assert org.id == "0123456789ABCDEF01234567@AdobeOrg"
    assert "test-client" in org.credentials
    assert org.find_user("rkumar", "example.com").email == "raj@example.com"
    assert org.find_user("jane@example.com") is not None
    assert len(org.users) == 5 + 5000


def test_generator_is_deterministic():
    doc = {
        "orgs": [
            {
                "id": "0123ABCD@AdobeOrg",
                "domains": [{"name": "example.com"}, {"name": "example.net", "type": "enterprise"}],
                "products": [{"name": "P", "profiles": [{"name": "P1", "quota": 5}]}],
                "generate": {"users": 300, "groups": 7, "seed": 42},
            }
        ]
    }
    first, second = (dump_org(load_seed(doc)[0]) for _ in range(2))
    assert first == second
    assert len(first["users"]) == 300
    assert len(first["groups"]) == 7
    assert {u["type"] for u in first["users"]} == {"federatedID", "enterpriseID", "adobeID"}
    doc["orgs"][0]["generate"]["seed"] = 43
    other = dump_org(load_seed(doc)[0])
    assert other["users"] != first["users"]


# ------------------------------------------------------------------ serving


@pytest.fixture
def servers() -> Iterator[list[ServeProcess]]:
    started: list[ServeProcess] = []
    yield started
    for s in started:
        s.kill()


def assert_clean_stop(server: ServeProcess) -> None:
    code, err = server.stop()
    assert code == 0, err
    assert "Traceback" not in err
    assert "umapi-mock: stopped" in err


def test_serve_port_0_https_and_ca_reuse(tmp_path, servers):
    tls_dir = tmp_path / "tls"
    first = ServeProcess(
        "--tls-dir",
        str(tls_dir),
        "--seed",
        str(EXAMPLE),
        "--users-page-size",
        "1500",
        "--token-ttl",
        "600",
        cwd=tmp_path,
        tls=True,
    )
    servers.append(first)
    assert re.fullmatch(r"https://127\.0\.0\.1:\d+", first.url)
    assert not first.url.endswith(":0")
    assert first.ca == str(tls_dir / "ca.pem")
    assert any("org 0123456789ABCDEF01234567@AdobeOrg: 5,005 users" in line for line in first.banner)
    assert any("client_id=test-client  client_secret=test-secret" in line for line in first.banner)
    assert any(f'endpoint="{first.url}/v2/usermanagement"' in line for line in first.banner)

    status = requests.get(f"{first.url}/status", verify=first.ca, timeout=10)
    assert status.status_code == 200 and status.json()["state"] == "LIVE"
    token = requests.post(
        f"{first.url}/ims/token/v2/",
        verify=first.ca,
        timeout=10,
        data={
            "grant_type": "client_credentials",
            "client_id": "test-client",
            "client_secret": "test-secret",
            "scope": "openid,AdobeID,user_management_sdk",
        },
    ).json()
    assert token["expires_in"] == 599
    page = requests.get(
        f"{first.url}/v2/usermanagement/users/0123456789ABCDEF01234567@AdobeOrg/0",
        verify=first.ca,
        headers={"X-Api-Key": "test-client", "Authorization": f"Bearer {token['access_token']}"},
        timeout=10,
    )
    assert page.status_code == 200
    assert page.headers["X-Page-Size"] == "1500"
    assert page.headers["X-Total-Count"] == "5005"  # one seeded user is disabled; + the technical account
    assert page.headers["X-Page-Count"] == "4"
    ca_bytes = (tls_dir / "ca.pem").read_bytes()
    server_bytes = (tls_dir / "server.pem").read_bytes()
    assert_clean_stop(first)

    second = ServeProcess("--tls-dir", str(tls_dir), cwd=tmp_path, tls=True)
    servers.append(second)
    assert second.ca == first.ca
    assert (tls_dir / "ca.pem").read_bytes() == ca_bytes
    assert (tls_dir / "server.pem").read_bytes() == server_bytes
    assert requests.get(f"{second.url}/status", verify=first.ca, timeout=10).status_code == 200
    assert_clean_stop(second)


def test_serve_no_tls(tmp_path, servers):
    server = ServeProcess(cwd=tmp_path)
    servers.append(server)
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.url)
    assert server.ca is None
    assert not any("CA certificate" in line for line in server.banner)
    r = requests.get(f"{server.url}/status", verify=False, timeout=10)
    assert r.status_code == 200 and r.json()["state"] == "LIVE"
    assert_clean_stop(server)


def test_serve_own_certificate(tmp_path, servers):
    own = ensure_tls(tmp_path / "own")
    server = ServeProcess("--cert", str(own.server_cert), "--key", str(own.server_key), cwd=tmp_path, tls=True)
    servers.append(server)
    assert server.url.startswith("https://")
    assert server.ca is None  # we brought our own: nothing of ours to trust
    assert requests.get(f"{server.url}/status", verify=str(own.ca_cert), timeout=10).status_code == 200
    assert not (tmp_path / ".cache").exists()
    assert_clean_stop(server)


def test_non_loopback_needs_admin_token(tmp_path):
    message = one_line_error(run_cli("serve", "--host", "0.0.0.0", "--no-tls", cwd=tmp_path))
    assert "refusing" in message and "'0.0.0.0'" in message and "--admin-token" in message
    assert "UMAPI_MOCK_ADMIN_TOKEN" in message


def test_admin_token_from_environment(tmp_path):
    """With the variable set, the non-loopback check passes (the run then stops at the next
    check, so nothing binds a public address)."""
    (tmp_path / "only-a-cert.pem").write_text("not read: the check comes first\n")
    proc = run_cli(
        "serve",
        "--host",
        "0.0.0.0",
        "--cert",
        "only-a-cert.pem",
        cwd=tmp_path,
        env=cli_env(UMAPI_MOCK_ADMIN_TOKEN="s3cret"),
    )
    assert one_line_error(proc) == "umapi-mock: --cert and --key go together"


@pytest.mark.parametrize(
    "env,argv,expected",
    [
        ({}, [], None),
        ({"UMAPI_MOCK_ADMIN_TOKEN": "from-env"}, [], "from-env"),
        ({"UMAPI_MOCK_ADMIN_TOKEN": ""}, [], None),
        ({"UMAPI_MOCK_ADMIN_TOKEN": "from-env"}, ["--admin-token", "from-flag"], "from-flag"),
    ],
)
def test_admin_token_option(monkeypatch, env, argv, expected):
    monkeypatch.delenv("UMAPI_MOCK_ADMIN_TOKEN", raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    args = cli.parse_args(["serve", *argv])
    assert args.admin_token == expected
    assert cli.config_from_args(args).admin_token == expected


@pytest.mark.parametrize(
    "argv,fragment",
    [
        (["--users-page-size", "0"], "--users-page-size"),
        (["--token-ttl", "soon"], "--token-ttl"),
        (["--port", "http"], "--port"),
    ],
)
def test_bad_options(tmp_path, argv, fragment):
    proc = run_cli("serve", "--no-tls", *argv, cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert fragment in proc.stderr


def test_a_broken_policy_file_names_line_and_column(tmp_path, monkeypatch, capsys):
    (tmp_path / "policy.yaml").write_text("families:\n  action: {per_client: [\n")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["serve", "--port", "0", "--no-tls", "--throttle", "policy.yaml"]) == 2
    out, err = capsys.readouterr()
    message = err.strip()
    assert out == "" and "\n" not in message
    assert "throttle policy 'policy.yaml' at line 3, column 1 is not valid YAML/JSON" in message, message
