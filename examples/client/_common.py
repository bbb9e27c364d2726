"""Shared set-up for the example scripts: build a Connection from environment variables.

The scripts use only the API that umapi-client 3.0.1 and the reference client share, so they
run with either installed.

Environment:
  UMAPI_ORG_ID         organization ID, e.g. 12345@AdobeOrg            (required)
  UMAPI_CLIENT_ID      OAuth Server-to-Server client ID                (required)
  UMAPI_CLIENT_SECRET  OAuth Server-to-Server client secret            (required)
  UMAPI_IMS_HOST       IMS host[:port]; default ims-na1.adobelogin.com (emulator: 127.0.0.1:PORT)
  UMAPI_ENDPOINT       UMAPI base URL; default https://usermanagement.adobe.io/v2/usermanagement
  UMAPI_CA_FILE        CA bundle that signed the servers' certificates (e.g. the emulator's CA)
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

try:
    import umapi_client
except ImportError:  # running from a checkout without installing the package
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    import umapi_client


__all__ = ["connect", "report", "umapi_client"]

DEFAULT_ENDPOINT = "https://usermanagement.adobe.io/v2/usermanagement"


def _required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        sys.exit(f"error: set the environment variable {name}")
    return value


def connect(test_mode: bool = False, verbose: bool = False) -> umapi_client.Connection:
    """A Connection configured from the UMAPI_* environment variables."""
    if verbose:
        logging.basicConfig(level=logging.DEBUG, format="%(levelname)s %(name)s: %(message)s")
    ca_file = os.environ.get("UMAPI_CA_FILE", "").strip()
    verify: bool | str = ca_file if ca_file else True
    auth = umapi_client.OAuthS2S(
        client_id=_required("UMAPI_CLIENT_ID"),
        client_secret=_required("UMAPI_CLIENT_SECRET"),
        auth_host=os.environ.get("UMAPI_IMS_HOST", "").strip() or "ims-na1.adobelogin.com",
        ssl_verify=verify,
    )
    return umapi_client.Connection(
        org_id=_required("UMAPI_ORG_ID"),
        auth=auth,
        endpoint=os.environ.get("UMAPI_ENDPOINT", "").strip() or DEFAULT_ENDPOINT,
        test_mode=test_mode,
        ssl_verify=verify,
    )


def report(actions: list[umapi_client.Action], result: tuple[int, int, int]) -> int:
    """Print the outcome of an execute_* call; return a process exit code."""
    queued, sent, completed = result
    print(f"sent {sent} action(s), {completed} completed, {queued} still queued")
    failed = 0
    for action in actions:
        for error in action.execution_errors():
            failed += 1
            target = error["target"]  # the entry's frame: {"user": ...} or {"usergroup": ...}
            name = target.get("user") or target.get("usergroup") if isinstance(target, dict) else target
            print(f"  {name}: {error.get('errorCode')} - {error.get('message', '')} (command {error['command']})")
    return 1 if failed else 0
