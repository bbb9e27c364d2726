"""The example scripts (examples/client) use only the API both clients share: run with the
official 3.0.1 client and with ours against the served emulator, they print the same."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "client"
RUNS = [
    ["list_users.py", "--groups"],
    ["list_users.py", "--group", "Employees"],
    ["create_user.py", "pp.example@example.com", "--first", "Pia", "--last", "Ex", "--country", "US", "--test-mode"],
    ["add_to_group.py", "Contractors", "jane@example.com", "ghost@example.com", "--test-mode"],
]


def run(python: str, served: Any, args: list[str], tmp_path: Path, pythonpath: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")}
    env.update(
        UMAPI_ORG_ID=served.org_id,
        UMAPI_CLIENT_ID=served.client_id,
        UMAPI_CLIENT_SECRET=served.client_secret,
        UMAPI_IMS_HOST=served.netloc,
        UMAPI_ENDPOINT=served.endpoint,
        UMAPI_CA_FILE=served.ca_path,
    )
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    proc = subprocess.run(
        [python, str(EXAMPLES / args[0]), *args[1:]], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    return f"exit {proc.returncode}\n{proc.stdout}{proc.stderr}"


@pytest.mark.official_client
@pytest.mark.parametrize("args", RUNS, ids=[" ".join(a[:2]) for a in RUNS])
def test_example_prints_the_same_with_both_clients(official_python, served, tmp_path, args):
    theirs = run(str(official_python), served, args, tmp_path, None)
    ours = run(sys.executable, served, args, tmp_path, str(ROOT))
    assert theirs.startswith("exit 0\n"), theirs
    assert ours == theirs
    assert len(theirs.splitlines()) > 1
