"""Unit tests of the contract kit's parts: credentials, live-safety, pacing, reports, diff."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import umapi_mock
from umapi_mock.contracts import cli as contract_cli
from umapi_mock.contracts.registry import CONTRACTS, Recorder
from umapi_mock.contracts.report import build_report, diff_reports, markdown, write_report
from umapi_mock.contracts.strategies import INVALID_KINDS, Pools, action_batches, invalid_entries
from umapi_mock.contracts.target import (
    Credentials,
    Pacer,
    RunSettings,
    Target,
    TargetError,
    load_credentials,
    redact,
    retry_after_seconds,
)

ENV = {"UMAPI_ORG_ID": "ABC@AdobeOrg", "UMAPI_CLIENT_ID": "cid", "UMAPI_CLIENT_SECRET": "s3cret-value"}


def test_credentials_from_env_and_file(tmp_path):
    c = load_credentials("https://umapi.example:8443", env=ENV)
    assert (c.org_id, c.client_id, c.client_secret) == ("ABC@AdobeOrg", "cid", "s3cret-value")
    assert c.endpoint == "https://umapi.example:8443/v2/usermanagement" and c.ims_host == "umapi.example:8443"
    assert "s3cret" not in repr(c)
    f = tmp_path / "creds.yaml"
    f.write_text(
        "UMAPI_ORG_ID: FILE@AdobeOrg\nclient_id: file-client\nclient_secret: file-secret\nca_file: /x/ca.pem\n"
    )
    c = load_credentials("live", str(f), env={"UMAPI_ENDPOINT": "https://usermanagement.adobe.io/v2/usermanagement"})
    assert (c.org_id, c.client_id, c.ca_file) == ("FILE@AdobeOrg", "file-client", "/x/ca.pem")
    assert c.ims_host == "ims-na1.adobelogin.com"
    with pytest.raises(TargetError, match="UMAPI_CLIENT_SECRET"):
        load_credentials("https://h", env={"UMAPI_ORG_ID": "o", "UMAPI_CLIENT_ID": "c"})
    with pytest.raises(TargetError, match="must not be part of the target URL"):
        load_credentials("https://cid:secret@h", env=ENV)


def test_no_secret_option_on_any_command_line():
    import argparse

    parser = argparse.ArgumentParser()
    contract_cli.add_subcommands(parser.add_subparsers())
    text = json.dumps([a.option_strings for a in parser._subparsers._group_actions[0].choices["contract"]._actions])
    assert "secret" not in text and "token" not in text


def test_without_writes_every_action_runs_in_test_mode():
    with umapi_mock.mock_umapi() as umapi:
        creds = Credentials(umapi.org_id, umapi.client_id, umapi.client_secret, umapi.ims_host, umapi.endpoint)
        target = Target("fake-live", creds, RunSettings(allow_writes=False, pace=False))
        from umapi_mock.seed import dump_orgs

        before = json.dumps(dump_orgs([umapi.org]))
        reply = target.action([{"user": "jane@example.com", "do": [{"update": {"firstname": "Changed"}}]}])
        assert reply.status == 200 and reply.json()["completedInTestMode"] == 1
        assert "testOnly=true" in reply.exchange.url
        assert json.dumps(dump_orgs([umapi.org])) == before
        assert target.action_log == [(reply.exchange.url, True)]


def test_429_is_waited_out_as_retry_after_says():
    slept = []
    with umapi_mock.mock_umapi() as umapi:
        from umapi_mock.http.context import emulator_of
        from umapi_mock.layers.faults import parse_fault_rules

        emulator_of(umapi.app).layers.faults.add(
            parse_fault_rules(
                {
                    "match": {"path": "/v2/usermanagement/groups/*"},
                    "respond": {"status": 429, "retry_after": 7},
                    "times": 2,
                }
            )
        )
        creds = Credentials(umapi.org_id, umapi.client_id, umapi.client_secret, umapi.ims_host, umapi.endpoint)
        target = Target("fake-live", creds, RunSettings(pace=False, sleep=slept.append))
        reply = target.groups_page(0)
        assert reply.status == 200 and reply.exchange.attempts == 3
        assert slept == [7.0, 7.0] and target.throttled == 2


def test_retry_after_formats():
    assert retry_after_seconds("12") == 12.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=lambda: 1445412470.0) == 10.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_pacer_keeps_under_the_per_minute_budget():
    now = [0.0]
    slept = []

    def sleep(s):
        slept.append(s)
        now[0] += s

    pacer = Pacer({"groups": 4}, sleep=sleep, now=lambda: now[0])
    for _ in range(9):
        pacer.wait("groups")
        now[0] += 1.0
    assert len(slept) == 2 and all(55 <= s <= 60 for s in slept)
    pacer.wait("ims-unlisted")  # unknown families are not paced


def test_redaction():
    token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4eHh4eHgifQ.c2lnbmF0dXJlLXZhbHVl"
    doc = {
        "headers": {"Authorization": f"Bearer {token}"},
        "body": {"client_secret": "s3cret-value", "note": f"x {token}"},
        "url": "https://h/ims/token?client_secret=s3cret-value&x=1",
        "free": "has s3cret-value inside",
    }
    text = json.dumps(redact(doc, {"s3cret-value"}))
    assert "s3cret" not in text and "eyJ" not in text


def _report(status_by_name):
    rec = Recorder()
    for name, status in status_by_name.items():
        if status == "pass":
            rec.record(name, True)
        elif status == "fail":
            rec.record(name, False, f"{name} broke", expected=1, actual=2)
    return build_report(rec, {"name": "t", "kind": "inprocess"}, ["s3cret-value"])


def test_report_and_diff(tmp_path, capsys):
    a = _report({"paging.last_page_flag": "pass", "ims.s2s.expires_in_seconds": "pass"})
    b = _report({"paging.last_page_flag": "fail", "ims.s2s.expires_in_seconds": "pass", "status.live": "pass"})
    assert {c["name"] for c in a["contracts"]} == set(CONTRACTS)
    assert diff_reports(a, b) == [("paging.last_page_flag", "pass", "fail"), ("status.live", "not run", "pass")]
    pa, _ = write_report(a, tmp_path / "a.json")
    pb, mdb = write_report(b, tmp_path / "b")
    assert mdb.name == "contract-report.md" and "paging.last_page_flag" in mdb.read_text()
    assert "## Failures" in markdown(b)
    assert contract_cli.main(["contract", "diff", str(pa), str(pb)]) == 1
    out = capsys.readouterr().out
    assert "paging.last_page_flag" in out and "status.live" in out and "ims.s2s.expires_in_seconds" not in out
    assert contract_cli.main(["contract", "diff", str(pa), str(pa)]) == 0
    assert contract_cli.main(["contract", "diff", str(pa), str(tmp_path / "missing.json")]) == 2


def test_cli_builds_the_pytest_command(tmp_path):
    import argparse

    parser = argparse.ArgumentParser()
    contract_cli.add_subcommands(parser.add_subparsers(dest="command"))
    credentials = tmp_path / "c.yaml"
    credentials.write_text("org_id: x\n")  # the option takes a readable file
    args = parser.parse_args(
        [
            "contract",
            "--target",
            "https://h",
            "--credentials",
            str(credentials),
            "--allow-writes",
            "--domain",
            "d.example",
            "-k",
            "paging",
            "--pytest-arg=-x",
        ]
    )
    argv = contract_cli.pytest_argv(args)
    assert argv[0].endswith("contracts")
    for piece in (
        ["--umapi-target", "https://h"],
        ["--umapi-credentials", str(credentials)],
        ["--umapi-domain", "d.example"],
        ["-k", "paging"],
    ):
        i = argv.index(piece[0])
        assert argv[i : i + 2] == piece
    assert "--umapi-allow-writes" in argv and argv[-1] == "-x"


POOLS = Pools(
    identity_type="federatedID",
    users=tuple(f"contract-1-u{i}@d.example" for i in range(4)),
    groups=("contract-1-g0", "contract-1-g1"),
    profiles=("Pro",),
    ghost_groups=("contract-1-nog",),
    existing_users=frozenset({"contract-1-u0@d.example"}),
    existing_groups=frozenset({"contract-1-g0"}),
    ghost_user="contract-1-ghost@d.example",
)


@settings(max_examples=50)
@given(st.data())
def test_batches_address_distinct_objects(data):
    batch = data.draw(action_batches(POOLS))
    assert 1 <= len(batch) <= 4
    targets = [e.get("user", e.get("usergroup")) for e in batch]
    assert len(targets) == len(set(targets))
    for e in batch:
        assert isinstance(e["do"], list) and 1 <= len(e["do"]) <= 10
        json.dumps(e)


@settings(max_examples=50)
@given(st.data())
def test_invalid_entries_name_a_registered_contract(data):
    inv = data.draw(invalid_entries(POOLS))
    assert inv.contract in CONTRACTS and inv.kind in INVALID_KINDS
    assert any(x.required for x in inv.expects)


def test_diff_does_not_count_not_applicable_as_drift(tmp_path, capsys):
    rec = Recorder()
    rec.record("paging.last_page_flag", True)
    rec.record_not_applicable("throttle.retry_after_integer", "a dry run never provokes throttling")
    dry = build_report(rec, {"name": "live", "kind": "remote"})
    judged = _report({"paging.last_page_flag": "pass", "throttle.retry_after_integer": "pass"})
    assert next(c for c in dry["contracts"] if c["name"] == "throttle.retry_after_integer")["status"] == "n/a"
    assert dry["summary"]["n/a"] == 1
    assert diff_reports(judged, dry) == []
    pa, _ = write_report(judged, tmp_path / "a.json")
    pb, _ = write_report(dry, tmp_path / "b.json")
    assert contract_cli.main(["contract", "diff", str(pa), str(pb)]) == 0
    out = capsys.readouterr().out
    assert "no drift" in out and "throttle.retry_after_integer: n/a (a dry run never provokes throttling)" in out
    broken = _report({"paging.last_page_flag": "fail", "throttle.retry_after_integer": "pass"})
    pc, _ = write_report(broken, tmp_path / "c.json")
    assert contract_cli.main(["contract", "diff", str(pb), str(pc)]) == 1  # real drift still counts


def test_cli_passes_contract_selection(tmp_path):
    import argparse

    parser = argparse.ArgumentParser()
    contract_cli.add_subcommands(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["contract", "--contract", "paging.*", "--contract", "status.live"])
    argv = contract_cli.pytest_argv(args)
    assert [argv[i + 1] for i, a in enumerate(argv) if a == "--umapi-contract"] == ["paging.*", "status.live"]


def test_a_paced_wait_prints_a_progress_line():
    lines = []
    now = [0.0]

    def sleep(s):
        now[0] += s

    creds = Credentials("O@AdobeOrg", "cid", "secret", "h", "https://h/v2/usermanagement")
    target = Target("live", creds, RunSettings(pace=True, sleep=sleep))
    target.pacer.now = lambda: now[0]
    target.notify = lines.append
    for _ in range(5):
        target.pacer.wait("groups")
    assert len(lines) == 1 and lines[0].startswith("pacing: waiting 60 s for the groups budget (4 a minute)")


def test_admin_token_comes_from_the_file_and_is_a_secret(tmp_path):
    f = tmp_path / "creds.yaml"
    f.write_text("org_id: O@AdobeOrg\nclient_id: c\nclient_secret: s\nUMAPI_MOCK_ADMIN_TOKEN: adm1n-t0ken\n")
    creds = load_credentials("https://127.0.0.1:9", str(f), env={})
    assert creds.admin_token == "adm1n-t0ken" and "adm1n" not in repr(creds)
    assert "adm1n-t0ken" in Target("t", creds, RunSettings(pace=False)).secrets


def test_the_example_credentials_file_is_what_the_kit_reads():
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "examples" / "contract-credentials.yaml"
    creds = load_credentials("live", str(example), env={})
    assert creds.org_id.endswith("@AdobeOrg") and creds.client_id and creds.client_secret
    assert creds.endpoint == "https://usermanagement.adobe.io/v2/usermanagement"
    assert creds.ims_host == "ims-na1.adobelogin.com"


def test_throttle_policy_round_trips_through_the_admin_shape():
    from umapi_mock.contracts.throttling import PROBE_POLICY, policy_document
    from umapi_mock.layers.throttle import parse_policy

    assert policy_document(parse_policy("off").as_json()) == "off"
    assert policy_document(parse_policy("documented").as_json()) == "documented"
    probe = parse_policy(PROBE_POLICY)
    assert parse_policy(policy_document(probe.as_json())).limits == probe.limits


def test_a_umapi_mock_url_is_throttled_on_purpose_only_with_its_admin_api():
    """The switch needs the target's /_mock/ API (and its token, when it has one); it sets the
    probe policy and puts the target's own policy back."""
    from umapi_mock.config import Config
    from umapi_mock.contracts.throttling import AdminSwitch

    with umapi_mock.mock_umapi(config=Config(admin_token="adm1n", throttle="documented")) as umapi:
        throttle = umapi.emulator.layers.throttle

        def target(admin_token=None):
            creds = Credentials(
                umapi.org_id, umapi.client_id, umapi.client_secret, umapi.ims_host, umapi.endpoint, None, admin_token
            )
            return Target("fake-live", creds, RunSettings(pace=False))

        assert AdminSwitch.probe(target()) is None  # the admin API refuses without the token
        allowed = target("adm1n")
        switch = AdminSwitch.probe(allowed)
        assert switch is not None and switch.saved == "documented"
        with switch.installed():
            assert throttle.policy.limits["groups"].per_client == 1 and "action" not in throttle.policy.limits
            first = allowed.request("GET", f"/groups/{umapi.org_id}/0", retry=False, paced=False)
            second = allowed.request("GET", f"/groups/{umapi.org_id}/0", retry=False, paced=False)
            assert (first.status, second.status) == (200, 429)
            assert second.headers["Retry-After"].isdigit() and allowed.throttled_replies == [second]
        assert throttle.policy.name == "documented"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--target", "live"], "missing credentials: UMAPI_ORG_ID"),
        (["--target", "ftp://h.example"], "inprocess, served, live or an"),
        (["--target", "live", "--credentials", "/nonexistent/creds.yaml"], "/nonexistent/creds.yaml"),
        (
            ["--target", "https://127.0.0.1:9", "--credentials", "CREDS", "--allow-writes"],
            "--allow-writes needs --domain",
        ),
    ],
    ids=["no-credentials", "bad-url", "missing-file", "writes-without-domain"],
)
def test_bad_contract_options_are_one_line_and_exit_2(tmp_path, args, says):
    """Checked before any test runs: one line on stderr, exit 2, nothing else (the console script)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    creds = tmp_path / "creds.yaml"
    creds.write_text("org_id: O@AdobeOrg\nclient_id: c\nclient_secret: s\n")
    args = [str(creds) if a == "CREDS" else a for a in args]
    env = {k: v for k, v in os.environ.items() if not k.startswith("UMAPI_")}
    script = Path(sys.executable).with_name("umapi-mock")
    proc = subprocess.run([str(script), "contract", *args], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("umapi-mock contract: ") and says in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_the_cli_offers_the_profiles_the_suite_registers():
    from hypothesis import settings

    import umapi_mock.contracts.conftest  # noqa: F401  (registers the profiles)

    for name in contract_cli.PROFILES:
        settings.get_profile(name)
