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


def test_the_cli_offers_the_profiles_the_suite_registers():
    from hypothesis import settings

    import umapi_mock.contracts.conftest  # noqa: F401  (registers the profiles)

    for name in contract_cli.PROFILES:
        settings.get_profile(name)
