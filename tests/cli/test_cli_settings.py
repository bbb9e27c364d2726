"""Where `umapi-mock serve` options come from: command line > environment > config file >
default, for every option; `--help` and README list each option's variable; shell completion."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import requests

from tests.cli.test_cli_input import CONSOLE_SCRIPT, script_env
from umapi_mock import cli
from umapi_mock.options import CliError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def clean_env(monkeypatch):
    import os

    for name in [k for k in os.environ if k.startswith("UMAPI_MOCK_")]:
        monkeypatch.delenv(name)
    return monkeypatch


def serve_args(*argv: str):
    return cli.parse_args(["serve", *argv])


# (option, command-line text, environment text, config-file value, the value each gives)
LEVELS = [
    ("port", ("1111", 1111), ("2222", 2222), (3333, 3333), 8443),
    ("host", ("10.1.1.1", "10.1.1.1"), ("10.2.2.2", "10.2.2.2"), ("10.3.3.3", "10.3.3.3"), "127.0.0.1"),
    ("users_page_size", ("11", 11), ("22", 22), (33, 33), 2000),
    ("token_ttl", ("60", 60), ("120", 120), ("180", 180), 86400),
    ("throttle", ("documented", "documented"), ("off", "off"), ("documented", "documented"), "off"),
    ("admin_token", ("cli", "cli"), ("env", "env"), ("file", "file"), None),
]


@pytest.mark.parametrize("dest,on_cli,in_env,in_file,default", LEVELS, ids=[row[0] for row in LEVELS])
def test_precedence_command_line_environment_file_default(clean_env, tmp_path, dest, on_cli, in_env, in_file, default):
    flag, env = "--" + dest.replace("_", "-"), "UMAPI_MOCK_" + dest.upper()
    config = tmp_path / "umapi-mock.toml"
    value = f'"{in_file[0]}"' if isinstance(in_file[0], str) else str(in_file[0])
    config.write_text(f"{dest.replace('_', '-')} = {value}\n")

    assert getattr(serve_args(), dest) == default
    assert getattr(serve_args("--config", str(config)), dest) == in_file[1]
    clean_env.setenv(env, in_env[0])
    assert getattr(serve_args("--config", str(config)), dest) == in_env[1]
    assert getattr(serve_args("--config", str(config), flag, on_cli[0]), dest) == on_cli[1]


def test_flags_from_environment_and_file(clean_env, tmp_path):
    assert serve_args().no_tls is False
    for word, expected in (("1", True), ("yes", True), ("TRUE", True), ("0", False), ("off", False)):
        clean_env.setenv("UMAPI_MOCK_NO_TLS", word)
        assert serve_args().no_tls is expected, word
    clean_env.delenv("UMAPI_MOCK_NO_TLS")
    (tmp_path / "c.yaml").write_text("no-jwt: true\nno_tls: 'yes'\n")
    args = serve_args("--config", str(tmp_path / "c.yaml"))
    assert args.no_jwt is True and args.no_tls is True
    clean_env.setenv("UMAPI_MOCK_NO_JWT", "no")  # the environment turns off what the file turned on
    assert serve_args("--config", str(tmp_path / "c.yaml")).no_jwt is False


def test_lists_and_config_relative_paths(clean_env, tmp_path):
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "seed.yaml").write_text("orgs: []\n")
    (tmp_path / "conf" / "c.toml").write_text('seed = "seed.yaml"\ntls-dir = "tls"\ntls-name = ["emu", "10.0.0.5"]\n')
    args = serve_args("--config", str(tmp_path / "conf" / "c.toml"))
    assert args.seed == str(tmp_path / "conf" / "seed.yaml")  # relative to the file, not to the cwd
    assert args.tls_dir == str(tmp_path / "conf" / "tls")
    assert args.tls_name == ["emu", "10.0.0.5"]
    clean_env.setenv("UMAPI_MOCK_TLS_NAME", "a.example, b.example")
    assert serve_args().tls_name == ["a.example", "b.example"]
    assert serve_args("--tls-name", "c.example").tls_name == ["c.example"]


def test_config_file_from_environment(clean_env, tmp_path):
    (tmp_path / "c.yaml").write_text("port: 0\n")
    clean_env.setenv("UMAPI_MOCK_CONFIG", str(tmp_path / "c.yaml"))
    assert serve_args().port == 0


def test_admin_commands_ignore_serves_config_file(clean_env, tmp_path):
    """UMAPI_MOCK_CONFIG names serve's file (port, seed, ...): the admin commands, which share
    the environment in a container, neither read it nor fail on its keys."""
    (tmp_path / "c.toml").write_text("port = 9999\nseed = 'x.yaml'\n")
    clean_env.setenv("UMAPI_MOCK_CONFIG", str(tmp_path / "c.toml"))
    clean_env.setenv("UMAPI_MOCK_URL", "https://127.0.0.1:9999")
    assert cli.parse_args(["reset"]).url == "https://127.0.0.1:9999"
    assert serve_args().port == 9999


def test_exclusive_options_across_levels(clean_env, tmp_path):
    """Same level: refused. Across levels: the stronger wins (an image's environment yields
    to the command line)."""
    clean_env.setenv("UMAPI_MOCK_TLS_DIR", str(tmp_path / "tls"))
    args = serve_args("--no-tls")
    cli.check_serve(args)
    assert args.no_tls is True and args.tls_dir is None
    with pytest.raises(CliError, match=r"\$UMAPI_MOCK_NO_TLS and \$UMAPI_MOCK_TLS_DIR") as caught:
        clean_env.setenv("UMAPI_MOCK_NO_TLS", "1")
        cli.check_serve(serve_args())
    assert caught.value.exit_code == 2


def test_help_names_every_variable():
    help_text = subprocess.run(
        [str(CONSOLE_SCRIPT), "serve", "--help"],
        capture_output=True,
        text=True,
        env=script_env(COLUMNS="200"),
        timeout=60,
    ).stdout
    flags = set(re.findall(r"^\s+(--[a-z][a-z-]*)", help_text, re.M)) - {"--help"}
    assert {"--port", "--seed", "--throttle", "--config", "--tls-name"} <= flags
    for flag in flags:
        env = "UMAPI_MOCK_" + flag[2:].replace("-", "_").upper()
        assert f"[env {env}]" in help_text, flag


def test_readme_lists_every_serve_option_and_variable():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## CLI reference", 1)[1].split("\n## ", 1)[0]
    parser = cli.build_parser()
    serve = next(a for a in parser._actions if hasattr(a, "choices") and a.choices and "serve" in a.choices)
    for action in serve.choices["serve"]._actions:
        if action.dest == "help":
            continue
        flag = max(action.option_strings, key=len)
        assert f"`{flag}" in section, flag
        assert f"UMAPI_MOCK_{action.dest.upper()}" in section, flag


def test_served_settings_from_all_three_levels(tmp_path):
    """One real server: port and TLS off from the environment, the seed and token lifetime
    from the config file, the page size from the command line over both."""
    (tmp_path / "seed.yaml").write_text((ROOT / "examples" / "seed.yaml").read_text())
    (tmp_path / "umapi-mock.toml").write_text('seed = "seed.yaml"\ntoken-ttl = 600\nusers-page-size = 9\n')
    from tests.processes import ServeProcess

    env = script_env(
        UMAPI_MOCK_PORT="0",
        UMAPI_MOCK_NO_TLS="1",
        UMAPI_MOCK_USERS_PAGE_SIZE="7",
        UMAPI_MOCK_CONFIG=str(tmp_path / "umapi-mock.toml"),
    )
    server = ServeProcess("--users-page-size", "5", cwd=Path("/"), env=env, tls=True)
    try:
        assert server.url.startswith("http://127.0.0.1:")
        token = requests.post(
            f"{server.url}/ims/token/v2/",
            data={
                "grant_type": "client_credentials",
                "client_id": "test-client",
                "client_secret": "test-secret",
                "scope": "openid,AdobeID,user_management_sdk",
            },
            timeout=10,
        ).json()
        assert token["expires_in"] == 599  # the file's 600 s, read at once
        page = requests.get(
            f"{server.url}/v2/usermanagement/users/0123456789ABCDEF01234567@AdobeOrg/0",
            headers={"X-Api-Key": "test-client", "Authorization": f"Bearer {token['access_token']}"},
            timeout=10,
        )
        assert page.headers["X-Page-Size"] == "5"
        code, err = server.stop()
        assert code == 0 and "Traceback" not in err
    finally:
        server.kill()


def _complete(words: list[str]) -> list[str]:
    """What bash offers after `words` (the last one being typed), with our script loaded."""
    script = subprocess.run(
        [str(CONSOLE_SCRIPT), "completion", "bash"], capture_output=True, text=True, check=True, env=script_env()
    ).stdout
    quoted = " ".join(f"'{w}'" for w in words)
    probe = f'{script}\nCOMP_WORDS=({quoted}); COMP_CWORD={len(words) - 1}; _umapi_mock_complete; printf "%s\\n" "${{COMPREPLY[@]}}"'
    out = subprocess.run(["bash", "--norc", "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    return out.stdout.split()


def test_bash_completion():
    assert {"serve", "state", "fault", "reset", "contract", "completion"} <= set(_complete(["umapi-mock", ""]))
    assert _complete(["umapi-mock", "se"]) == ["serve"]
    assert {"--port", "--seed", "--tls-dir", "--config"} <= set(_complete(["umapi-mock", "serve", "--"]))
    assert _complete(["umapi-mock", "serve", "--port", "8443", "--no-t"]) == ["--no-tls"]
    assert set(_complete(["umapi-mock", "fault", ""])) == {"add", "list", "clear"}
    assert _complete(["umapi-mock", "completion", "z"]) == ["zsh"]
    assert "--insecure" in _complete(["umapi-mock", "state", "dump", "--in"])
    assert "documented" in _complete(["umapi-mock", "serve", "--throttle", "doc"])  # and files named doc*
    assert _complete(["umapi-mock", "serve", "--log-requests", "--port", ""]) == []  # a number: nothing to offer


def test_zsh_completion_script_loads_bash_support():
    out = subprocess.run([str(CONSOLE_SCRIPT), "completion", "zsh"], capture_output=True, text=True, env=script_env())
    assert out.returncode == 0
    assert "bashcompinit" in out.stdout and "complete -o filenames -F _umapi_mock_complete umapi-mock" in out.stdout
