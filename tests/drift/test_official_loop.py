"""The whole loop with the official client: record its scenario (tests/integration/test_parity)
through `umapi-mock record --snapshot` in front of an emulator upstream, then `umapi-mock
verify` the cassette. Against an unaltered upstream there is no drift; against an upstream
that answers one documented value differently, verify reports exactly that difference."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import OfficialClient
from tests.integration.conftest import OFFICIAL_HELPERS
from tests.integration.test_parity import RUNNER, STEPS
from umapi_mock.config import Config
from umapi_mock.http.app import create_app
from umapi_mock.http.context import emulator_of
from umapi_mock.server import ServedEmulator

from .conftest import Tap, run_cli, start_recorder

pytestmark = pytest.mark.official_client

PLANTED = ("error.user.already_in_org", "error.user.already_exists")
BAD_SECRET = "not-the-secret"


@dataclass
class ProxyEndpoint:
    """What OfficialClient needs to know about the server it talks to (here: the recorder)."""

    url: str
    netloc: str
    ca_path: str
    org_id: str
    client_id: str
    client_secret: str


@dataclass
class Recorded:
    cassette: Path
    tap: Tap
    secrets: set[str]
    scenario: Any


def plant_code(method: str, path: str, status: int, body: bytes) -> tuple[int, bytes] | None:
    """The altered upstream: one documented error code answered differently."""
    if method == "POST" and "/action/" in path and PLANTED[0].encode() in body:
        return status, body.replace(PLANTED[0].encode(), PLANTED[1].encode())
    return None


def record_scenario(
    official_python: Path, tls_files: Any, workdir: Path, *, altered: bool, extra: tuple[str, ...] = ()
) -> Recorded:
    workdir.mkdir(parents=True, exist_ok=True)
    app = create_app(Config(users_page_size=1000))
    tap = Tap(app.wsgi_app)
    app.wsgi_app = tap
    if altered:
        tap.rewrite = plant_code
    upstream = ServedEmulator(app, "127.0.0.1", 0, ssl_context=tls_files.server_context()).start()
    org = next(iter(emulator_of(app).backend.orgs.values()))
    cred = next(iter(org.credentials.values()))
    creds = workdir / "upstream.yaml"
    creds.write_text(
        f"org_id: '{org.id}'\nclient_id: '{cred.client_id}'\nclient_secret: '{cred.client_secret}'\n"
        f"ca_file: '{tls_files.ca_cert}'\n"
    )
    cassette = workdir / "session.cassette"
    rec = start_recorder(
        [
            "--upstream",
            upstream.url,
            "--upstream-ca",
            str(tls_files.ca_cert),
            "--cassette",
            str(cassette),
            "--snapshot",
            "--credentials",
            str(creds),
            "--no-pace",
            *extra,
        ],
        workdir / "proxy-tls",
    )
    try:
        endpoint = ProxyEndpoint(rec.url, rec.netloc, rec.ca_path, org.id, cred.client_id, cred.client_secret)
        client = OfficialClient(official_python, endpoint, workdir)  # type: ignore[arg-type]
        script = (
            OFFICIAL_HELPERS
            + RUNNER
            + f"""
def connect_bad():
    auth = OAuthS2S(client_id=CLIENT_ID, client_secret="{BAD_SECRET}", auth_host=NETLOC, ssl_verify=CA)
    return Connection(org_id=ORG, auth=auth, endpoint=URL + "/v2/usermanagement", ssl_verify=CA)
record_sleeps()
"""
            + f"emit(run_scenario({STEPS!r}))\n"
        )
        scenario = client.run(script, timeout=300)
    finally:
        code, err = rec.stop()
        upstream.stop()
    assert code == 0, err
    assert "exchange(s) written" in err
    return Recorded(cassette, tap, {cred.client_id, cred.client_secret, BAD_SECRET} | tap.tokens, scenario)


@pytest.fixture(scope="module")
def loop(official_python: Path, tls_files: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    base = tmp_path_factory.mktemp("loop")
    yield {
        "plain": record_scenario(official_python, tls_files, base / "plain", altered=False),
        "altered": record_scenario(official_python, tls_files, base / "altered", altered=True),
        "base": base,
    }


def cassette_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_the_scenario_ran_through_the_proxy(loop):
    plain = loop["plain"]
    by_name = {s["name"]: s for s in plain.scenario}
    assert by_name["create existing, no option"]["ok"]["errors"][0][0]["errorCode"] == PLANTED[0]
    assert by_name["bad credentials"]["error"] == "RuntimeError"
    lines = cassette_lines(plain.cassette)
    assert lines[0]["cassette"] == "umapi-mock-cassette/1"
    assert "snapshot" in lines[1] and lines[1]["users_page_size"] == 1000
    exchanges = lines[2:]
    assert len(exchanges) > 50
    paths = {e["request"]["path"].split("/")[1] for e in exchanges}
    assert {"ims", "v2"} <= paths
    assert all(isinstance(e["elapsed_ms"], float) and e["started"] for e in exchanges)


def test_unaltered_upstream_no_drift(loop, tmp_path):
    report = tmp_path / "plain.json"
    result = run_cli("verify", str(loop["plain"].cassette), "--report", str(report))
    assert result.code == 0, result.out + result.err
    assert "no drift" in result.out
    doc = json.loads(report.read_text())
    assert doc["format"] == "umapi-contract-report/1" and doc["drift"] == []
    assert doc["summary"]["fail"] == 0 and doc["summary"]["pass"] == len(doc["contracts"]) > 50
    assert report.with_suffix(".md").exists()


def test_altered_upstream_exactly_the_planted_drift(loop, tmp_path):
    report = tmp_path / "altered.json"
    result = run_cli("verify", str(loop["altered"].cassette), "--report", str(report))
    assert result.code == 1, result.out + result.err
    doc = json.loads(report.read_text())
    assert len(doc["drift"]) == 1, doc["drift"]
    (drift,) = doc["drift"]
    assert drift["field"] == "body.errors[0].errorCode"
    assert (drift["recorded"], drift["emulated"]) == (PLANTED[1], PLANTED[0])
    assert drift["request"].startswith("POST /v2/usermanagement/action/")
    lines = cassette_lines(loop["altered"].cassette)
    planted = [e for e in lines[2:] if PLANTED[1] in json.dumps(e["response"])]
    assert [e["seq"] for e in planted] == [drift["exchange"]]
    printed = [line for line in result.out.splitlines() if line.startswith("exchange ")]
    assert len(printed) == 1 and PLANTED[0] in printed[0] and PLANTED[1] in printed[0]
    failing = [c for c in doc["contracts"] if c["status"] == "fail"]
    assert [c["name"] for c in failing] == [f"exchange {drift['exchange']:04d} {drift['request']}"]

    # the contract kit's diff reads verify reports: exactly that exchange differs
    plain_report = tmp_path / "plain.json"
    assert run_cli("verify", str(loop["plain"].cassette), "--report", str(plain_report)).code == 0
    diff = run_cli("contract", "diff", str(plain_report), str(report))
    assert diff.code == 1, diff
    assert "1 contract(s) differ" in diff.out and failing[0]["name"] in diff.out


def test_no_secret_or_token_in_any_cassette(loop):
    for key in ("plain", "altered"):
        recorded = loop[key]
        text = recorded.cassette.read_text()
        assert len(recorded.tap.tokens) >= 3  # the snapshot's, the client's, the retries' new ones
        for secret in recorded.secrets:
            assert secret not in text, (key, secret[:12])
        assert "<client-secret-" in text and "<token-" in text and "<client-id-" in text
        assert "Bearer ey" not in text and '"ey' not in text
