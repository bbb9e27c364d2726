"""Making a target throttle on purpose, so the 429 contracts are judged in every run that may.

Which targets allow it (README, "The contract kit"):

* an emulator the kit built (`inprocess`, `served`): its throttle policy is swapped through
  the emulator handle for the probe and put back after;
* a URL that is a umapi-mock whose admin API answers (`GET /_mock/throttle`; a token from
  `admin_token` / `UMAPI_MOCK_ADMIN_TOKEN` when it needs one): the same, over HTTP;
* any other URL with `--umapi-allow-writes`: a short unpaced burst of group-list reads
  (documented limit 5 a minute per client), which a conforming service answers with 429;
* a live org in a dry run: never (the contracts are `n/a` there; 429s the run meets anyway
  are still checked).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# Only the groups family, one request per client in a short window: the probe's second
# request is refused, and the wait (Retry-After) is a few seconds.
PROBE_POLICY: dict[str, Any] = {"base": "none", "families": {"groups": {"per_client": 1, "window": 5}}}
SWITCHED_REQUESTS = 3  # requests a switched target gets to answer 429
LIVE_BURST = 10  # requests a live burst may send before concluding the service did not throttle


def policy_document(policy: dict[str, Any]) -> Any:
    """`GET /_mock/throttle`'s policy JSON as a document `PUT /_mock/throttle` accepts."""
    mode = policy.get("mode")
    if mode in ("off", "documented", "field"):
        return mode
    doc: dict[str, Any] = {"base": "none", "families": policy.get("families") or {}}
    if policy.get("sync_interval") is not None:
        doc["sync_interval"] = policy["sync_interval"]
    return doc


class HandleSwitch:
    """An emulator this process built: swap its throttle policy directly."""

    def __init__(self, emulator: Any):
        self.emulator = emulator

    @contextmanager
    def installed(self, policy: Any = None) -> Iterator[None]:
        """`policy` (a policy document) for the block; the rate probe's by default."""
        from umapi_mock.layers.throttle import parse_policy

        throttle = self.emulator.layers.throttle
        saved = throttle.policy
        throttle.set_policy(parse_policy(PROBE_POLICY if policy is None else policy))
        try:
            yield
        finally:
            throttle.set_policy(saved)


class AdminSwitch:
    """A umapi-mock reached by URL: swap its throttle policy through `/_mock/throttle`."""

    def __init__(self, target: Any, saved: Any):
        self.target = target
        self.saved = saved

    @classmethod
    def probe(cls, target: Any) -> AdminSwitch | None:
        """The switch when the target's admin API answers, else None (Adobe has none)."""
        try:
            reply = target.request("GET", "/_mock/throttle", base="root", auth=False, headers=_admin(target))
        except Exception:  # an unreachable admin path is simply "no switch"
            return None
        body = reply.json_or_none()
        if reply.status != 200 or not isinstance(body, dict) or not isinstance(body.get("policy"), dict):
            return None
        return cls(target, policy_document(body["policy"]))

    def _put(self, doc: Any) -> None:
        import json

        reply = self.target.request(
            "PUT",
            "/_mock/throttle",
            base="root",
            auth=False,
            data=json.dumps(doc),
            headers={**_admin(self.target), "Content-Type": "application/json"},
        )
        if reply.status != 200:
            raise RuntimeError(f"PUT /_mock/throttle answered HTTP {reply.status}: {reply.text[:200]}")

    @contextmanager
    def installed(self, policy: Any = None) -> Iterator[None]:
        """`policy` (a policy document) for the block; the rate probe's by default."""
        self._put(PROBE_POLICY if policy is None else policy)
        try:
            yield
        finally:
            self._put(self.saved)


def _admin(target: Any) -> dict[str, str]:
    token = target.creds.admin_token
    return {"Authorization": f"Bearer {token}"} if token else {}
