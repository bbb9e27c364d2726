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
"""

from __future__ import annotations

import email.utils
import json
import os
import re
import secrets
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import requests

from umapi_mock.documents import DocumentError, read_document

S2S_SCOPE = "openid,AdobeID,user_management_sdk"
PRODUCTION_IMS = "ims-na1.adobelogin.com"
PRODUCTION_UMAPI = "https://usermanagement.adobe.io/v2/usermanagement"
ENV_KEYS = {
    "org_id": "UMAPI_ORG_ID",
    "client_id": "UMAPI_CLIENT_ID",
    "client_secret": "UMAPI_CLIENT_SECRET",
    "ims_host": "UMAPI_IMS_HOST",
    "endpoint": "UMAPI_ENDPOINT",
    "ca_file": "UMAPI_CA_FILE",
}
# Requests per minute we allow ourselves per endpoint family: under the documented
# per-client limits of spec §4.4 (action 10, user reads 25, groups 5), with a margin.
PACE_PER_MINUTE = {"action": 8, "user": 20, "users": 20, "users_in_group": 20, "groups": 4, "ims": 10}
MAX_RETRY_AFTER = 300.0
_JWT_RE = re.compile(r"\bey[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")


CREATE_STEP_NAMES = {"addAdobeID", "createEnterpriseID", "createFederatedID"}


class TargetError(Exception):
    """A target that cannot be used as configured (bad option, missing credential)."""


# ------------------------------------------------------------------ credentials


@dataclass(frozen=True)
class Credentials:
    org_id: str
    client_id: str
    client_secret: str
    ims_host: str  # host[:port], https implied
    endpoint: str  # UMAPI base URL ending in /v2/usermanagement
    ca_file: str | None = None

    @property
    def verify(self) -> str | bool:
        return self.ca_file or True

    @property
    def root(self) -> str:
        """scheme://host[:port] of the UMAPI endpoint (where /status lives)."""
        parts = urlsplit(self.endpoint)
        return f"{parts.scheme}://{parts.netloc}"

    def __repr__(self) -> str:
        return f"Credentials(org_id={self.org_id!r}, client_id={self.client_id!r}, client_secret='***', endpoint={self.endpoint!r})"


def read_credentials_file(path: str | os.PathLike[str]) -> dict[str, str]:
    p = Path(path)
    try:
        doc = read_document(p, "credentials file")
    except DocumentError as exc:
        raise TargetError(str(exc)) from None
    if not isinstance(doc, dict):
        raise TargetError(f"credentials file {str(p)!r} must hold a mapping")
    out: dict[str, str] = {}
    by_env = {v.lower(): k for k, v in ENV_KEYS.items()}
    for key, value in doc.items():
        k = str(key).lower()
        k = by_env.get(k, k)
        if k in ENV_KEYS and value is not None:
            out[k] = str(value)
    return out


def load_credentials(
    url: str | None, credentials_file: str | None = None, env: Mapping[str, str] | None = None
) -> Credentials:
    """Credentials for a URL target: the file's values first, then the environment's."""
    env = os.environ if env is None else env
    values = read_credentials_file(credentials_file) if credentials_file else {}
    for key, var in ENV_KEYS.items():
        if not values.get(key) and env.get(var):
            values[key] = env[var]
    missing = [ENV_KEYS[k] for k in ("org_id", "client_id", "client_secret") if not values.get(k)]
    if missing:
        raise TargetError(
            "missing credentials: "
            + ", ".join(missing)
            + " (set them in the environment or in --umapi-credentials FILE; never on the command line)"
        )
    if url and url != "live":
        endpoint = _endpoint_from_url(url)
    else:
        endpoint = (values.get("endpoint") or PRODUCTION_UMAPI).rstrip("/")
    ims_host = values.get("ims_host") or _default_ims_host(endpoint)
    ims_host = ims_host.split("://", 1)[-1].rstrip("/")
    return Credentials(
        org_id=values["org_id"],
        client_id=values["client_id"],
        client_secret=values["client_secret"],
        ims_host=ims_host,
        endpoint=endpoint,
        ca_file=values.get("ca_file") or None,
    )


def _endpoint_from_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise TargetError(f"--umapi-target must be inprocess, served, live or an http(s) URL (got {url!r})")
    if parts.username or parts.password:
        raise TargetError("credentials must not be part of the target URL; use the environment or a credentials file")
    path = parts.path.rstrip("/")
    if not path.endswith("/v2/usermanagement"):
        path += "/v2/usermanagement"
    return f"{parts.scheme}://{parts.netloc}{path}"


def _default_ims_host(endpoint: str) -> str:
    host = urlsplit(endpoint).netloc
    if host.lower().endswith("adobe.io"):
        return "ims-na1-stg1.adobelogin.com" if "stage" in host.lower() else PRODUCTION_IMS
    return host  # the emulator serves IMS on its UMAPI port


# ------------------------------------------------------------------ exchanges


@dataclass
class Exchange:
    """One request and its response, kept for reports (redacted there)."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: Any
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    elapsed_ms: float = 0.0
    attempts: int = 1

    def as_report(self) -> dict[str, Any]:
        return {
            "request": {
                "method": self.method,
                "url": self.url,
                "headers": self.request_headers,
                "body": _clip(self.request_body),
            },
            "response": {"status": self.status, "headers": self.headers, "body": _clip(self.body)},
        }


def _clip(value: Any, limit: int = 4000) -> Any:
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + f"... ({len(value)} chars)"
    if isinstance(value, list) and len(json.dumps(value, default=str)) > limit:
        return value[:5] + [f"... ({len(value)} items)"]
    if isinstance(value, dict):
        text = json.dumps(value, default=str)
        if len(text) > limit:
            return {k: _clip(v, limit // 4) for k, v in value.items()}
    return value


class Reply:
    """A response: status, case-insensitive headers, text and parsed JSON."""

    def __init__(self, status: int, headers: Mapping[str, str], text: str, exchange: Exchange):
        self.status = status
        self.headers = requests.structures.CaseInsensitiveDict(headers)
        self.text = text
        self.exchange = exchange
        self._json: Any = _UNSET

    def json(self) -> Any:
        if self._json is _UNSET:
            self._json = json.loads(self.text)
        return self._json

    def json_or_none(self) -> Any:
        try:
            return self.json()
        except ValueError:
            return None

    def __repr__(self) -> str:
        return f"<Reply {self.exchange.method} {self.exchange.url} -> {self.status}>"


_UNSET = object()


# ------------------------------------------------------------------ pacing


class Pacer:
    """Sliding one-minute windows per endpoint family; `wait(family)` sleeps as needed."""

    def __init__(
        self,
        per_minute: Mapping[str, int],
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], float] = time.monotonic,
    ):
        self.per_minute = dict(per_minute)
        self.sleep = sleep
        self.now = now
        self.windows: dict[str, deque[float]] = {}
        self.waited = 0.0
        self._lock = threading.Lock()

    def wait(self, family: str | None) -> None:
        if family is None or family not in self.per_minute:
            return
        cap = self.per_minute[family]
        while True:
            with self._lock:
                q = self.windows.setdefault(family, deque())
                t = self.now()
                while q and q[0] <= t - 60.0:
                    q.popleft()
                if len(q) < cap:
                    q.append(t)
                    return
                delay = q[0] + 60.0 - t
            self.waited += delay
            self.sleep(max(delay, 0.01))


def family_of(path: str, method: str) -> str | None:
    """The throttle family (spec §4.4) of a path below /v2/usermanagement."""
    if path.startswith("/ims/"):
        return "ims"
    tail = path.split("/v2/usermanagement", 1)[-1] if "/v2/usermanagement" in path else None
    if tail is None:
        return None
    segs = [s for s in tail.split("/") if s]
    if not segs:
        return None
    if segs[0] == "action":
        return "action"
    if segs[0] == "organizations":
        return "user"
    if segs[0] == "users":
        return "users" if len(segs) <= 3 else "users_in_group"
    if segs[0] == "groups":
        return "groups"
    return None


def retry_after_seconds(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Retry-After as delta-seconds or an HTTP-date (RFC 7231); None when unusable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - now())


# ------------------------------------------------------------------ targets


@dataclass
class RunSettings:
    allow_writes: bool = False
    domain: str | None = None
    identity_type: str | None = None  # federatedID / enterpriseID of --umapi-domain
    pace: bool | None = None  # None: pace URL targets, not emulators
    run_id: str = ""
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        if not self.run_id:
            self.run_id = new_run_id()


def new_run_id() -> str:
    """`<utc yymmddhhmmss><4 hex>`: sortable, short enough for 60-character emails."""
    return time.strftime("%y%m%d%H%M%S", time.gmtime()) + secrets.token_hex(2)


PREFIX = "contract-"
RUN_ID_RE = re.compile(r"^contract-([0-9]{12}[0-9a-f]{4})-", re.I)


class Target:
    """The one place the suite sends requests through."""

    kind = "remote"

    def __init__(self, name: str, creds: Credentials, settings: RunSettings):
        self.name = name
        self.creds = creds
        self.settings = settings
        # Users this run asked to create: a user removed from the org without deleteAccount
        # is no longer listed, so the final sweep deletes these by name.
        self.created_users: set[str] = set()
        self.session = requests.Session()
        self.session.trust_env = False  # REQUESTS_CA_BUNDLE & proxies must not steer the suite
        pace = settings.pace if settings.pace is not None else self.kind == "remote"
        self.pacer = Pacer(PACE_PER_MINUTE if pace else {}, sleep=settings.sleep)
        self._token: str | None = None
        self._token_lock = threading.Lock()
        self.secrets: set[str] = {creds.client_secret}
        self.action_log: list[tuple[str, bool]] = []  # (url, testOnly) of every action POST
        self.request_count = 0
        self.throttled = 0

    # --------------------------------------------------------- properties

    @property
    def is_emulator(self) -> bool:
        return self.kind in ("inprocess", "served")

    @property
    def writes_allowed(self) -> bool:
        return self.is_emulator or self.settings.allow_writes

    @property
    def org_id(self) -> str:
        return self.creds.org_id

    @property
    def run_prefix(self) -> str:
        return f"{PREFIX}{self.settings.run_id}-"

    def describe(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "endpoint": self.creds.endpoint,
            "ims_host": self.creds.ims_host,
            "org_id": self.creds.org_id,
            "client_id": self.creds.client_id,
            "writes": self.writes_allowed,
            "domain": self.settings.domain,
            "run_id": self.settings.run_id,
            "paced": bool(self.pacer.per_minute),
        }

    # ------------------------------------------------------------ plumbing

    def close(self) -> None:
        self.session.close()

    def url(self, path: str, base: str = "umapi") -> str:
        if path.startswith("http://") or path.startswith("https://"):
            return path
        if base == "umapi":
            return self.creds.endpoint + path
        if base == "ims":
            return f"https://{self.creds.ims_host}{path}"
        return self.creds.root + path

    def token(self, refresh: bool = False) -> str:
        with self._token_lock:
            if self._token is None or refresh:
                reply = self.request(
                    "POST",
                    "/ims/token/v2",
                    base="ims",
                    auth=False,
                    data={
                        "grant_type": "client_credentials",
                        "client_id": self.creds.client_id,
                        "client_secret": self.creds.client_secret,
                        "scope": S2S_SCOPE,
                    },
                )
                if reply.status != 200:
                    raise TargetError(f"cannot get an access token from {self.creds.ims_host}: HTTP {reply.status}")
                token = reply.json().get("access_token")
                if not isinstance(token, str) or not token:
                    raise TargetError("the token answer has no access_token")
                self._token = token
                self.secrets.add(token)
            return self._token

    def auth_headers(self) -> dict[str, str]:
        return {"X-Api-Key": self.creds.client_id, "Authorization": f"Bearer {self.token()}"}

    def request(
        self,
        method: str,
        path: str,
        *,
        base: str = "umapi",
        auth: bool = True,
        params: Mapping[str, Any] | None = None,
        json_body: Any = _UNSET,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """Send one request (paced; 429 waited out per Retry-After; a 401 refreshes the token once)."""
        url = self.url(path, base)
        if params:
            url += ("&" if "?" in url else "?") + urlencode(params)
        send_headers = {"Accept": "application/json"}
        if auth:
            send_headers.update(self.auth_headers())
        body: Any = data
        if json_body is not _UNSET:
            body = json_body if isinstance(json_body, (str, bytes)) else json.dumps(json_body)
            send_headers["Content-Type"] = "application/json"
        send_headers.update(headers or {})
        family = family_of(urlsplit(url).path, method)
        if family == "action":
            url = self._guard_action(url)
        attempts = 0
        refreshed = False
        while True:
            attempts += 1
            self.pacer.wait(family)
            started = time.perf_counter()
            self.request_count += 1
            response = self.session.request(
                method,
                url,
                data=body,
                headers=send_headers,
                verify=self.creds.verify,
                timeout=120,
                allow_redirects=False,
            )
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code == 429 and attempts <= 6:
                self.throttled += 1
                wait = retry_after_seconds(response.headers.get("Retry-After"))
                self.settings.sleep(min(wait if wait is not None else 2.0**attempts, MAX_RETRY_AFTER))
                continue
            if response.status_code in (502, 503, 504) and not self.is_emulator and attempts <= 3:
                self.settings.sleep(2.0**attempts)
                continue
            if response.status_code == 401 and auth and not refreshed and headers is None:
                refreshed = True
                send_headers.update({"Authorization": f"Bearer {self.token(refresh=True)}"})
                continue
            break
        text = response.text
        try:
            parsed: Any = json.loads(text)
        except ValueError:
            parsed = text
        exchange = Exchange(
            method=method,
            url=url,
            request_headers=dict(send_headers),
            request_body=_parse_body(body),
            status=response.status_code,
            headers=dict(response.headers),
            body=parsed,
            elapsed_ms=elapsed,
            attempts=attempts,
        )
        return Reply(response.status_code, response.headers, text, exchange)

    def _guard_action(self, url: str) -> str:
        """The live-safety rule: without allowed writes every action runs in test mode."""
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        test_only = any(k == "testOnly" and v.lower() == "true" for k, v in query)
        if not test_only and not self.writes_allowed:
            query = [(k, v) for k, v in query if k != "testOnly"] + [("testOnly", "true")]
            url = parts._replace(query=urlencode(query)).geturl()
            test_only = True
        self.action_log.append((url, test_only))
        return url

    # -------------------------------------------------------------- API

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.request("GET", path, **kwargs)

    def action(self, entries: Any, *, test_only: bool = False, raw: bool = False) -> Reply:
        params = {"testOnly": "true"} if test_only else None
        if isinstance(entries, list):
            self.created_users.update(
                e["user"]
                for e in entries
                if isinstance(e, dict)
                and isinstance(e.get("user"), str)
                and isinstance(e.get("do"), list)
                and any(isinstance(st, dict) and st.keys() & CREATE_STEP_NAMES for st in e["do"])
            )
        if raw:
            return self.request(
                "POST",
                f"/action/{quote(self.org_id, safe='@')}",
                params=params,
                data=entries,
                headers={**self.auth_headers(), "Content-Type": "application/json"},
            )
        return self.request("POST", f"/action/{quote(self.org_id, safe='@')}", params=params, json_body=entries)

    def get_user(self, user: str, domain: str | None = None) -> Reply:
        params = {"domain": domain} if domain else None
        return self.get(f"/organizations/{quote(self.org_id, safe='@')}/users/{quote(user, safe='/@')}", params=params)

    def users_page(self, page: int, group: str | None = None, **params: Any) -> Reply:
        path = f"/users/{quote(self.org_id, safe='@')}/{page}"
        if group is not None:
            path += "/" + quote(group, safe="/")  # as the official client quotes group names
        return self.get(path, params=params or None)

    def groups_page(self, page: int) -> Reply:
        return self.get(f"/groups/{quote(self.org_id, safe='@')}/{page}")

    def redact(self, value: Any) -> Any:
        """A copy of value with every secret, token and JWT blanked."""
        return redact(value, self.secrets)

    # -------------------------------------------------------- emulator only

    def reset(self) -> None:
        raise TargetError("only emulator targets can be reset")

    def state_digest(self) -> str | None:
        return None


def _parse_body(body: Any) -> Any:
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            return f"<{len(body)} bytes>"
    if isinstance(body, str):
        try:
            return json.loads(body)
        except ValueError:
            return body
    return body


SECRET_KEYS = {"client_secret", "access_token", "jwt_token", "authorization", "refresh_token", "password"}


def redact(value: Any, secrets_: set[str] | frozenset[str] = frozenset()) -> Any:
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if str(k).lower() in SECRET_KEYS and v:
                out[k] = "<redacted>"
            else:
                out[k] = redact(v, secrets_)
        return out
    if isinstance(value, (list, tuple)):
        return [redact(v, secrets_) for v in value]
    if isinstance(value, str):
        for s in secrets_:
            if s and len(s) >= 4 and s in value:
                value = value.replace(s, "<redacted>")
        value = re.sub(r"(client_secret|access_token|jwt_token)=[^&\s]+", r"\1=<redacted>", value)
        return _JWT_RE.sub("<redacted-jwt>", value)
    return value


class EmulatorTarget(Target):
    """An emulator this process built: state can be reset and inspected directly."""

    def __init__(self, name: str, creds: Credentials, settings: RunSettings, app: Any):
        super().__init__(name, creds, settings)
        self.app = app

    @property
    def backend(self) -> Any:
        from umapi_mock.http.context import emulator_of

        return emulator_of(self.app).backend

    def reset(self) -> None:
        from umapi_mock.http.context import emulator_of

        emulator_of(self.app).reset()

    def state_digest(self) -> str:
        import hashlib

        from umapi_mock.seed import dump_orgs

        doc = _canonical(dump_orgs(list(self.backend.orgs.values())))
        return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def _canonical(value: Any) -> Any:
    """State content without incidental order: lists of records sorted by their JSON."""
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_canonical(v) for v in value]
        if all(isinstance(v, dict) for v in items):
            return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
        return items
    return value


class InProcessTarget(EmulatorTarget):
    kind = "inprocess"

    def __init__(self, settings: RunSettings, app: Any):
        from umapi_mock.inprocess import MockUMAPI

        self.mock = MockUMAPI(app=app).start()
        creds = Credentials(
            self.mock.org_id, self.mock.client_id, self.mock.client_secret, self.mock.ims_host, self.mock.endpoint
        )
        super().__init__("inprocess", creds, settings, app)

    def close(self) -> None:
        super().close()
        self.mock.stop()


class ServedTarget(EmulatorTarget):
    kind = "served"

    def __init__(self, settings: RunSettings, app: Any, tls_dir: str | None = None):
        from umapi_mock.http.context import emulator_of
        from umapi_mock.server import ServedEmulator
        from umapi_mock.tls import ensure_tls

        self._tmp = None
        if tls_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="umapi-contract-tls-")
            tls_dir = self._tmp.name
        tls = ensure_tls(tls_dir)
        self.server = ServedEmulator(app, "127.0.0.1", 0, ssl_context=tls.server_context()).start()
        backend = emulator_of(app).backend
        org = backend.org()
        cred = next(iter(org.credentials.values()))
        creds = Credentials(
            org.id,
            cred.client_id,
            cred.client_secret,
            self.server.netloc,
            f"{self.server.url}/v2/usermanagement",
            str(tls.ca_cert),
        )
        super().__init__(f"served {self.server.url}", creds, settings, app)

    def close(self) -> None:
        super().close()
        self.server.stop()
        if self._tmp is not None:
            self._tmp.cleanup()


def contract_seed(org_id: str = "C0DE0000C0DE0000C0DE0000@AdobeOrg") -> dict[str, Any]:
    """The small org the suite builds for emulator targets: both directory types, a few
    profiles and groups, and enough users that small page sizes give several pages."""
    users = []
    for i in range(9):
        domain, kind = ("contract.example", "federatedID") if i % 3 else ("contract-ent.example", "enterpriseID")
        users.append(
            {
                "email": f"seed{i}@{domain}",
                "type": kind,
                "firstname": f"Seed{i}",
                "lastname": "User",
                "country": "US",
                "groups": (["Team A"] if i % 2 else ["Pro Default"]),
            }
        )
    users.append({"email": "adobe.person@gmail.example", "type": "adobeID", "country": "DE"})
    users.append(
        {
            "email": "admin@contract.example",
            "type": "federatedID",
            "firstname": "Ada",
            "lastname": "Admin",
            "country": "GB",
            "groups": ["_org_admin"],
        }
    )
    return {
        "orgs": [
            {
                "id": org_id,
                "domains": [
                    {"name": "contract.example", "type": "federated"},
                    {"name": "contract-ent.example", "type": "enterprise"},
                ],
                "credentials": [{"client_id": "contract-client", "client_secret": "contract-secret-0123456789"}],
                "products": [
                    {"name": "Contract Pro", "profiles": [{"name": "Pro Default", "quota": 20}, {"name": "Pro Extra"}]},
                    {"name": "Contract Lite", "profiles": [{"name": "Lite Default"}]},
                ],
                "groups": [
                    {"name": "Team A", "description": "seeded team", "profiles": ["Pro Default"]},
                    {"name": "Team B", "description": "another team"},
                ],
                "users": users,
            }
        ]
    }


EMULATOR_DOMAIN = ("contract.example", "federatedID")
EMULATOR_USERS_PAGE = 4
EMULATOR_GROUPS_PAGE = 3


def build_emulator_app(seed: dict[str, Any] | None = None) -> Any:
    from umapi_mock.config import Config
    from umapi_mock.http.app import create_app

    config = Config(
        seed=seed or contract_seed(),
        seed_source="<contract seed>",
        users_page_size=EMULATOR_USERS_PAGE,
        groups_page_size=EMULATOR_GROUPS_PAGE,
    )
    return create_app(config)


def open_target(
    spec: str, settings: RunSettings, credentials_file: str | None = None, env: Mapping[str, str] | None = None
) -> Target:
    """Build the target `--umapi-target` names."""
    spec = (spec or "inprocess").strip()
    if spec in ("inprocess", "served"):
        if settings.domain is None:
            settings.domain, settings.identity_type = EMULATOR_DOMAIN
        settings.identity_type = settings.identity_type or EMULATOR_DOMAIN[1]
        app = build_emulator_app()
        return InProcessTarget(settings, app) if spec == "inprocess" else ServedTarget(settings, app)
    creds = load_credentials(spec, credentials_file, env)
    if settings.allow_writes and not settings.domain:
        raise TargetError("--umapi-allow-writes needs --umapi-domain: the claimed domain the suite may create users in")
    return Target(spec if spec != "live" else creds.endpoint, creds, settings)


@dataclass
class Listing:
    """All pages of one list endpoint, as read."""

    pages: list[Reply]
    items_key: str

    @property
    def items(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for page in self.pages:
            body = page.json_or_none()
            if isinstance(body, dict) and isinstance(body.get(self.items_key), list):
                out.extend(body[self.items_key])
        return out


def read_all(fetch: Callable[[int], Reply], items_key: str, max_pages: int = 10_000) -> Listing:
    """Page from 0 until lastPage (or an error, or one page past X-Page-Count: a server with a
    wrong lastPage must not loop us forever)."""
    pages: list[Reply] = []
    index = 0
    while index < max_pages:
        reply = fetch(index)
        pages.append(reply)
        body = reply.json_or_none()
        if reply.status != 200 or not isinstance(body, dict) or body.get("lastPage") is True:
            break
        if not body.get(items_key):
            break
        count = _int(reply.headers.get("X-Page-Count"))
        if count is not None and index + 1 >= count + 1:
            break
        index += 1
    return Listing(pages, items_key)


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def iter_prefixed(items: list[dict[str, Any]], key: str, prefix: str) -> Iterator[dict[str, Any]]:
    low = prefix.lower()
    for item in items:
        value = item.get(key)
        if isinstance(value, str) and value.lower().startswith(low):
            yield item
