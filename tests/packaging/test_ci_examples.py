"""The CI examples in examples/ci run as written: their shell steps, taken from the YAML files,
are run here with bash as the CI runner would (GitHub's `$GITHUB_ENV` between steps; GitLab's
before_script and script in one shell, after_script in another). Only the install steps are
skipped: this venv already has umapi-mock and a client."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "ci"


def _env(tmp_path: Path, extra: dict[str, Any]) -> dict[str, str]:
    drop = ("UMAPI_", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "VIRTUAL_ENV", "PYTHONPATH")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    env.update({k: str(v) for k, v in extra.items()})
    return env


def _bash(script: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # what both runners do: bash, stop at the first failing command
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


def _is_install(line: str) -> bool:
    return line.strip().startswith("python -m pip install")


def _stopped(pid_file: Path) -> None:
    """The server the steps started is gone (stopped by their last step, or by us if a step failed)."""
    if not pid_file.exists():
        return
    pid = int(pid_file.read_text().split()[0])
    for _ in range(600):  # bounded: 60 s
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)  # the process these steps started, by its id
    pytest.fail(f"umapi-mock (pid {pid}) did not stop on SIGTERM")


def _check_outcome(outputs: list[subprocess.CompletedProcess[str]], log: Path, url_file: Path) -> None:
    for proc in outputs:
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    text = "".join(p.stdout for p in outputs)
    assert "answered (HTTP" in text  # `umapi-mock wait`
    assert "\n2503 user(s)\n" in text, text[-2000:]  # the demo org, listed by the client
    assert "umapi-mock: stopped on SIGTERM" in log.read_text()
    assert not url_file.exists()  # removed on stop: the next job cannot be sent to no one


def test_github_actions_example(tmp_path):
    doc = yaml.safe_load((EXAMPLES / "github-actions.yml").read_text())
    (job,) = doc["jobs"].values()
    runner_temp, github_env = tmp_path / "runner-temp", tmp_path / "github-env"
    runner_temp.mkdir()
    github_env.write_text("")
    base = _env(tmp_path, {**job.get("env", {}), "RUNNER_TEMP": runner_temp, "GITHUB_ENV": github_env})
    runs = [s for s in job["steps"] if "run" in s and not all(_is_install(x) for x in s["run"].splitlines() if x)]
    assert [s.get("name") for s in runs] == ["Start umapi-mock", "Tests", "Stop umapi-mock"]
    outputs, failed = [], False
    try:
        for step in runs:
            if failed and step.get("if") != "always()":
                continue
            exported = dict(line.split("=", 1) for line in github_env.read_text().splitlines() if "=" in line)
            proc = _bash(step["run"], {**base, **exported})
            outputs.append(proc)
            failed = failed or proc.returncode != 0
    finally:
        _stopped(runner_temp / "umapi-mock.pid")
    _check_outcome(outputs, runner_temp / "umapi-mock.log", runner_temp / "umapi-url")
    exported = github_env.read_text()
    assert "UMAPI_CA_FILE=" + str(runner_temp / "umapi-tls" / "ca.pem") in exported


def test_gitlab_ci_example(tmp_path):
    doc = yaml.safe_load((EXAMPLES / "gitlab-ci.yml").read_text())
    (job,) = (v for k, v in doc.items() if isinstance(v, dict) and "script" in v)
    env = _env(tmp_path, {**job.get("variables", {}), "CI_PROJECT_DIR": tmp_path})
    main = [line for line in job["before_script"] + job["script"] if not _is_install(line)]
    outputs = []
    try:
        outputs.append(_bash("\n".join(main), env))
    finally:
        outputs.append(_bash("\n".join(job["after_script"]), env))
        _stopped(tmp_path / ".umapi-mock.pid")
    _check_outcome(outputs, tmp_path / "umapi-mock.log", tmp_path / ".umapi-url")
