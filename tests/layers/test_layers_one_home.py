"""Concepts with one home, driven through their users: the throttle family the emulator
limits by is the family the contract kit paces by; one redaction list for journal and kit;
parsed fault rules in a Config start every app afresh."""

from __future__ import annotations

import re
from pathlib import Path

from umapi_mock.config import Config
from umapi_mock.contracts.pacing import family_of as kit_family
from umapi_mock.contracts.target import redact as kit_redact
from umapi_mock.http.app import create_app
from umapi_mock.http.routes import family_of
from umapi_mock.layers.faults import read_fault_rules

from .conftest import ORG, Emu


def test_the_kit_paces_real_paths_by_the_family_the_emulator_throttles_their_rule_by() -> None:
    app = create_app(Config())
    values = {"org_id": ORG, "page": "0", "group_name": "Team/With Slash", "user_string": "jo@example.com"}
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/v2/usermanagement/"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values.get(m.group(1), "x1"), rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            assert kit_family(path, method) == family_of(rule.rule, method), (rule.rule, path, method)
            checked += 1
    assert checked >= 8
    assert kit_family("/ims/token/v2", "POST") == "ims" and family_of("/ims/token/v2", "POST") is None


def test_journal_and_kit_redact_the_same_keys(emu: Emu) -> None:
    secret_params = {"id_token": "idt-secret-1", "authorization": "auth-secret-2", "code": "code-secret-3"}
    query = "&".join(f"{k}={v}" for k, v in secret_params.items())
    emu.client.get(f"/status?{query}&visible=shown-value")
    raw = emu.client.get("/_mock/journal").get_data(as_text=True)
    shown = kit_redact({"query": dict(secret_params), "url": f"https://h/status?{query}"})
    for value in secret_params.values():
        assert value not in raw
        assert value not in repr(shown)
    assert "shown-value" in raw


def test_parsed_fault_rules_start_each_app_unfired(tmp_path: Path) -> None:
    path = tmp_path / "faults.yaml"
    path.write_text("- {match: {path: /status}, respond: {status: 503}, times: 1}\n")
    config = Config(faults=list(read_fault_rules(str(path))))
    for _ in range(2):  # the same Config, two apps: each gets its own one-time fault
        client = create_app(config).test_client()
        assert client.get("/status").status_code == 503
        assert client.get("/status").status_code == 200
