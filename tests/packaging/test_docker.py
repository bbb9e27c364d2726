"""The Docker image: `umapi-mock` as its entry point, `serve` as its command, settings from
UMAPI_MOCK_* variables, the CA served at /_mock/ca.pem; and examples/compose.yaml naming
only options that exist. Building needs a Docker engine and a base image: without them the
build test is skipped, saying which is missing."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import yaml

from tests.packaging.conftest import ROOT
from umapi_mock import cli

BASE_IMAGE = os.environ.get("UMAPI_MOCK_DOCKER_BASE", "python:3.11-slim")


def serve_variables() -> set[str]:
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if getattr(a, "choices", None) and "serve" in a.choices)
    return {"UMAPI_MOCK_" + a.dest.upper() for a in sub.choices["serve"]._actions if a.option_strings} - {
        "UMAPI_MOCK_HELP"
    }


def test_compose_example_names_real_options_and_files():
    compose = yaml.safe_load((ROOT / "examples" / "compose.yaml").read_text())
    service = compose["services"]["umapi-mock"]
    assert set(service["environment"]) <= serve_variables(), set(service["environment"]) - serve_variables()
    mounts = [v.split(":") for v in service["volumes"]]
    for source, target, *_ in mounts:
        if source.startswith("./"):
            assert (ROOT / "examples" / source).exists(), source
            if target.endswith((".yaml", ".json")):
                assert service["environment"]["UMAPI_MOCK_SEED"] == target
    assert any(target == "/data" for _, target, *_ in mounts)
    assert set(compose["volumes"]) == {source for source, *_ in mounts if not source.startswith(".")}


def test_dockerfile_entry_point_and_defaults():
    text = (ROOT / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["umapi-mock"]' in text and 'CMD ["serve"]' in text
    defaults = dict(re.findall(r"(UMAPI_MOCK_[A-Z_]+)=(\S+)", text.split("ENV", 1)[1].split("COPY", 1)[0]))
    assert defaults == {"UMAPI_MOCK_HOST": "0.0.0.0", "UMAPI_MOCK_PORT": "8443", "UMAPI_MOCK_TLS_DIR": "/data/tls"}
    assert set(defaults) <= serve_variables()


def _docker(*argv: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *argv], capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def image(source_copy: Path):
    if shutil.which("docker") is None:
        pytest.skip("no docker command on this machine")
    if _docker("info", timeout=30).returncode != 0:
        pytest.skip("no Docker engine is running")
    if _docker("image", "inspect", BASE_IMAGE).returncode != 0:
        pulled = _docker("pull", BASE_IMAGE, timeout=300)
        if pulled.returncode != 0:
            pytest.skip(
                f"base image {BASE_IMAGE} is not available and cannot be pulled: {pulled.stderr.strip()[-200:]}"
            )
    tag = f"umapi-mock-test:{uuid.uuid4().hex[:8]}"
    built = _docker(
        "build",
        "--network",
        "host",
        "--build-arg",
        f"PYTHON_IMAGE={BASE_IMAGE}",
        "-t",
        tag,
        str(source_copy),
        timeout=900,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    yield tag
    _docker("image", "rm", "-f", tag)


def test_image_serves_a_seed_given_as_arguments(image: str, tmp_path: Path):
    """`docker run IMAGE serve --seed /seed.yaml`, with no network but the container's own
    loopback: the banner, then /status and the CA from inside the container."""
    seed = tmp_path / "seed.yaml"
    seed.write_text((ROOT / "examples" / "seed.yaml").read_text())
    seed.chmod(0o644)
    name = f"umapi-mock-test-{uuid.uuid4().hex[:8]}"
    run = _docker(
        "run", "-d", "--name", name, "--network", "none", "-e", "UMAPI_MOCK_ADMIN_TOKEN=t",
        "-v", f"{seed}:/seed.yaml:ro", image, "serve", "--seed", "/seed.yaml",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    try:
        deadline, logs = time.monotonic() + 120, ""
        while time.monotonic() < deadline and "Press Ctrl-C" not in logs:
            time.sleep(1)
            logs = _docker("logs", name).stdout
        assert "serving IMS and UMAPI at https://127.0.0.1:8443" in logs, logs
        assert "in a container: use the host port you published" in logs
        assert "org 0123456789ABCDEF01234567@AdobeOrg: 5,005 users" in logs
        probe = (
            "import ssl, urllib.request as u; ctx = ssl.create_default_context(cafile='/data/tls/ca.pem');"
            "print(u.urlopen('https://127.0.0.1:8443/status', context=ctx).status);"
            "print(u.urlopen('https://127.0.0.1:8443/_mock/ca.pem', context=ctx).read() == open('/data/tls/ca.pem', 'rb').read())"
        )
        checked = _docker("exec", name, "python3", "-c", probe)
        assert checked.stdout.split() == ["200", "True"], checked.stderr
        help_text = _docker("run", "--rm", "--network", "none", image, "serve", "--help").stdout
        assert "UMAPI_MOCK_SEED" in help_text
    finally:
        _docker("stop", "-t", "10", name)
        stopped = _docker("logs", name)
        _docker("rm", "-f", name)
    assert "umapi-mock: stopped" in stopped.stderr
    assert "Traceback" not in stopped.stderr
