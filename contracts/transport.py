"""The one place the suite sends requests through: `Target`, its run settings, tokens,
pacing, the live-safety rule for actions, and the read/action helpers."""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import requests

from umapi_mock.domain.scopes import S2S_SCOPE
from umapi_mock.redaction import redact
from umapi_mock.retry_after import retry_after_seconds

from .credentials import Credentials, TargetError
from .exchange import UNSET, Exchange, Reply, recorded_body
from .pacing import MAX_RETRY_AFTER, PACE_PER_MINUTE, Pacer, family_of

CREATE_STEP_NAMES = {"addAdobeID", "createEnterpriseID", "createFederatedID"}
MAX_KEPT_429 = 50  # 429 answers kept for the end-of-run Retry-After check


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


def subject_of(entry: Any) -> str | None:
    """The user or user group an action entry addresses (None when it names neither)."""
    if not isinstance(entry, dict):
        return None
    who = entry.get("user", entry.get("usergroup"))
    return who if isinstance(who, str) else None


def is_own(name: str) -> bool:
    """Named like the suite's objects (`contract-...`): the only ones it may really change."""
    return name.lower().startswith(PREFIX)


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
        self.notify: Callable[[str], None] = lambda line: None  # progress lines (the conftest prints them)
        self.pacer = Pacer(PACE_PER_MINUTE if pace else {}, sleep=settings.sleep, on_wait=self._paced)
        self._token: str | None = None
        self._token_lock = threading.Lock()
        self.secrets: set[str] = {creds.client_secret} | ({creds.admin_token} if creds.admin_token else set())
        self.action_log: list[tuple[str, bool]] = []  # (url, testOnly) of every action POST
        self.foreign_writes: set[str] = set()  # subjects of real writes not named contract-...
        self.request_count = 0
        self.throttled = 0
        self.throttled_replies: list[Reply] = []  # every 429 met (checked at the end of the run)

    def _paced(self, family: str, delay: float) -> None:
        if delay >= 1:
            budget = self.pacer.per_minute.get(family)
            self.notify(
                f"pacing: waiting {delay:.0f} s for the {family} budget ({budget} a minute); "
                f"{self.request_count} requests so far"
            )

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
                self._token = self.new_token()
            return self._token

    def new_token(self) -> str:
        """A fresh access token from the exchange (redacted like the run's own); the run's
        token stays as it is (the running-frequency contract starts a second run with one)."""
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
        self.secrets.add(token)
        return token

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
        json_body: Any = UNSET,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        retry: bool = True,
        paced: bool = True,
    ) -> Reply:
        """Send one request (paced; 429 waited out per Retry-After; a 401 refreshes the token once).

        With `retry=False` the first answer is returned as it is (a probe that wants to see the
        429); `paced=False` skips the pacer (the throttle probe's deliberate burst). Every 429
        met on the way is kept in `throttled_replies` for the Retry-After contract."""
        url = self.url(path, base)
        if params:
            url += ("&" if "?" in url else "?") + urlencode(params)
        send_headers = {"Accept": "application/json"}
        if auth:
            send_headers.update(self.auth_headers())
        body: Any = data
        if json_body is not UNSET:
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
            if paced:
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
            throttled = None
            if response.status_code == 429:
                self.throttled += 1
                throttled = self._reply(method, url, send_headers, body, response, elapsed, attempts)
                if len(self.throttled_replies) < MAX_KEPT_429:
                    self.throttled_replies.append(throttled)
            if response.status_code == 429 and attempts <= 6 and retry:
                wait = retry_after_seconds(response.headers.get("Retry-After"))
                wait = min(wait if wait is not None else 2.0**attempts, MAX_RETRY_AFTER)
                if wait >= 1:
                    self.notify(
                        f"throttled (429): waiting {wait:.0f} s as Retry-After says ({self.request_count} requests so far)"
                    )
                self.settings.sleep(wait)
                continue
            if response.status_code in (502, 503, 504) and not self.is_emulator and attempts <= 3 and retry:
                self.settings.sleep(2.0**attempts)
                continue
            if response.status_code == 401 and auth and not refreshed and headers is None:
                refreshed = True
                send_headers.update({"Authorization": f"Bearer {self.token(refresh=True)}"})
                continue
            break
        return throttled or self._reply(method, url, send_headers, body, response, elapsed, attempts)

    @staticmethod
    def _reply(
        method: str,
        url: str,
        send_headers: Mapping[str, str],
        body: Any,
        response: requests.Response,
        elapsed: float,
        attempts: int,
    ) -> Reply:
        text = response.text
        try:
            parsed: Any = json.loads(text)
        except ValueError:
            parsed = text
        exchange = Exchange(
            method=method,
            url=url,
            request_headers=dict(send_headers),
            request_body=recorded_body(body),
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
        if isinstance(entries, list) and not test_only and self.writes_allowed:
            self.foreign_writes.update(name for name in map(subject_of, entries) if name and not is_own(name))
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

    def throttle_switch(self) -> Any:
        """How to make this target throttle on purpose (`contracts.throttling`), or None."""
        from .throttling import AdminSwitch

        return AdminSwitch.probe(self)

    # -------------------------------------------------------- emulator only

    def reset(self) -> None:
        raise TargetError("only emulator targets can be reset")

    def state_digest(self) -> str | None:
        return None
