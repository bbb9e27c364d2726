"""Where the contract suite's requests go, and how they get there.

Three kinds of target share one `requests`-based transport, so every contract runs the same
code against each:

* `inprocess` - an emulator built for the run, reached through `umapi_mock.mock_umapi()`
  (no socket);
* `served` - the same emulator served over HTTPS on a free loopback port;
* a URL (or `live`) - anything else: a `umapi-mock serve` somewhere, or Adobe. Credentials
  come from `--umapi-credentials FILE` (YAML/JSON) or the environment (`UMAPI_ORG_ID`,
  `UMAPI_CLIENT_ID`, `UMAPI_CLIENT_SECRET`, `UMAPI_IMS_HOST`, `UMAPI_ENDPOINT`,
  `UMAPI_CA_FILE`), never from the command line. Such a target is treated as live: actions
  carry `testOnly=true` unless writes were allowed, reads are paced under the documented
  limits, 429 answers are waited out as `Retry-After` says.

The kit is split along its ideas: `credentials`, `exchange` (recording), `pacing`,
`transport` (`Target`), `targets_emulator`, `seed_data` and `paging`; this module opens
a target and keeps the names the suite imports.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from umapi_mock.domain.scopes import S2S_SCOPE
from umapi_mock.redaction import SECRET_KEYS, redact
from umapi_mock.retry_after import retry_after_seconds

from .credentials import ENV_KEYS, PRODUCTION_IMS, PRODUCTION_UMAPI, Credentials, TargetError, load_credentials
from .credentials import read_credentials_file as read_credentials_file
from .exchange import Exchange, Reply
from .pacing import MAX_RETRY_AFTER, PACE_PER_MINUTE, Pacer, family_of
from .paging import Listing, iter_prefixed, read_all
from .seed_data import contract_seed
from .targets_emulator import (
    EMULATOR_DOMAIN,
    EMULATOR_GROUPS_PAGE,
    EMULATOR_USERS_PAGE,
    EmulatorTarget,
    InProcessTarget,
    ServedTarget,
    build_emulator_app,
)
from .transport import CREATE_STEP_NAMES, PREFIX, RUN_ID_RE, RunSettings, Target, new_run_id

__all__ = [
    "CREATE_STEP_NAMES",
    "EMULATOR_DOMAIN",
    "EMULATOR_GROUPS_PAGE",
    "EMULATOR_USERS_PAGE",
    "ENV_KEYS",
    "MAX_RETRY_AFTER",
    "PACE_PER_MINUTE",
    "PREFIX",
    "PRODUCTION_IMS",
    "PRODUCTION_UMAPI",
    "RUN_ID_RE",
    "S2S_SCOPE",
    "SECRET_KEYS",
    "Credentials",
    "EmulatorTarget",
    "Exchange",
    "InProcessTarget",
    "Listing",
    "Pacer",
    "Reply",
    "RunSettings",
    "ServedTarget",
    "Target",
    "TargetError",
    "build_emulator_app",
    "contract_seed",
    "family_of",
    "iter_prefixed",
    "load_credentials",
    "new_run_id",
    "check_remote",
    "open_target",
    "read_all",
    "read_credentials_file",
    "redact",
    "retry_after_seconds",
]


def open_target(
    spec: str,
    settings: RunSettings,
    credentials_file: str | None = None,
    env: Mapping[str, str] | None = None,
    app: Any = None,
    ca_file: str | None = None,
) -> Target:
    """Build the target `--umapi-target` names (`app`: the emulator app for inprocess/served,
    default one built from the kit's seed)."""
    spec = (spec or "inprocess").strip()
    if spec in ("inprocess", "served"):
        if settings.domain is None:
            settings.domain, settings.identity_type = EMULATOR_DOMAIN
        settings.identity_type = settings.identity_type or EMULATOR_DOMAIN[1]
        app = app if app is not None else build_emulator_app()
        return InProcessTarget(settings, app) if spec == "inprocess" else ServedTarget(settings, app)
    creds = check_remote(spec, settings.allow_writes, settings.domain, credentials_file, env, ca_file)
    if settings.pace is None:  # auto: pace Adobe's service, not a umapi-mock
        from .preflight import preflight

        settings.pace = not preflight(creds).emulator
    return Target(spec if spec != "live" else creds.endpoint, creds, settings)


def check_remote(
    spec: str,
    allow_writes: bool,
    domain: str | None,
    credentials_file: str | None = None,
    env: Mapping[str, str] | None = None,
    ca_file: str | None = None,
) -> Credentials:
    """A URL target's credentials, or TargetError saying what is wrong with the options (asked
    before any test runs, so bad input is one line, not an error per test)."""
    creds = load_credentials(spec, credentials_file, env, ca_file)
    if allow_writes and not domain:
        raise TargetError("--umapi-allow-writes needs --umapi-domain: the claimed domain the suite may create users in")
    return creds
