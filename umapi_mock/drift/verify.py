"""`umapi-mock verify`: replay a cassette against a fresh emulator and report the drift.

The emulator starts from the cassette's snapshot (or a given seed) with a fresh credential;
the recorded requests are sent in order, their placeholders resolved (a client id or secret
that the upstream accepted becomes the fresh one, one it refused stays wrong; a recorded
token becomes the token the replay's own IMS call returned; an accepted JWT assertion is
signed again for the fresh credential), and each answer is compared with the recorded one:

* the status;
* the headers clients read: content type, the paging headers, `Retry-After` (present, and
  whether seconds or a date), `X-Request-Id` (echoed or not);
* the body: the same shape (keys and JSON types everywhere) and the same documented values
  (result, codes, counts, `lastPage`, memberships, names...). Values that legitimately
  differ are not compared: messages, tokens, the status endpoint's build data; generated
  ids (`id`, `groupId`) must map one-to-one between recording and replay. Lists of users and
  groups are matched by login / name, since their order is not documented.

The report uses the contract kit's format (one entry per exchange, `pass` or `fail`), so
`umapi-mock contract diff` compares two verify runs; `drift` lists every difference with the
exchange, the field, the recorded value and the emulated one.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from ..domain.scopes import S2S_SCOPE
from ..retry_after import retry_after_seconds
from .cassette import PLACEHOLDER_RE, Cassette

REPORT_FORMAT = "umapi-contract-report/1"  # the contract kit's, so `contract diff` reads it
ABSENT = "<absent>"
# Body keys whose values differ legitimately between two servers: only their type is compared.
SHAPE_ONLY_KEYS = frozenset({"message", "error_description", "access_token", "refresh_token", "id_token"})
# Generated identifiers: compared through a one-to-one mapping.
MAPPED_KEYS = {"id": "user id", "groupId": "group id", "adminGroupId": "group id"}
# Headers clients read (spec §2.4, §4.2, §2.1): compared by value.
VALUE_HEADERS = ("X-Total-Count", "X-Page-Count", "X-Current-Page", "X-Page-Size")


# Lists whose order is not documented, matched by identity.
def _user_identity(u: dict[str, Any]) -> Any:
    return (str(u.get("username") or u.get("email") or "").lower(), str(u.get("domain") or "").lower())


def _group_identity(g: dict[str, Any]) -> Any:
    return str(g.get("groupName") or g.get("name") or "").lower()


IDENTITY_OF: dict[str, Callable[[dict[str, Any]], Any]] = {
    "users": _user_identity,
    "groups": _group_identity,
}
ORG_IN_PATH = re.compile(r"/(?:users|groups|action|organizations)/([0-9A-Fa-f]+@AdobeOrg)")


class VerifyError(Exception):
    """Bad input to verify (no seed to start from, a seed that does not load)."""


@dataclass
class Drift:
    exchange: int
    request: str
    field: str
    recorded: Any
    emulated: Any

    def as_json(self) -> dict[str, Any]:
        return {
            "exchange": self.exchange,
            "request": self.request,
            "field": self.field,
            "recorded": self.recorded,
            "emulated": self.emulated,
        }

    def line(self) -> str:
        return (
            f"exchange {self.exchange} {self.request}: {self.field}: recorded {_short(self.recorded)},"
            f" emulated {_short(self.emulated)}"
        )


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str) if value is not ABSENT else ABSENT
    return text if len(text) <= 160 else text[:157] + "..."


@dataclass
class Outcome:
    record: dict[str, Any]
    status: int
    headers: dict[str, str]
    body: Any
    drift: list[Drift] = field(default_factory=list)


# ---------------------------------------------------------------- the fresh emulator


@dataclass
class FreshCredential:
    client_id: str
    client_secret: str
    tech_account: str | None
    private_key: Any
    public_pem: str


def _fresh_credential(cassette: Cassette) -> FreshCredential:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    subs = [
        c["claims"].get("sub")
        for c in (_body(r["request"]).get("jwt_claims") for r in cassette.exchanges)
        if isinstance(c, dict) and isinstance(c.get("claims"), dict)
    ]
    return FreshCredential(
        "verify-" + secrets.token_hex(6), "verify-" + secrets.token_urlsafe(18), next(iter(subs), None), key, pem
    )


def recorded_org_id(cassette: Cassette) -> str | None:
    for record in cassette.exchanges:
        m = ORG_IN_PATH.search(record["request"]["path"])
        if m:
            return m.group(1)
    return None


def build_emulator(cassette: Cassette, seed: dict[str, Any] | None, cred: FreshCredential) -> Any:
    """A Flask app for the replay: the seed's orgs, the recorded org holding the fresh credential."""
    from ..config import Config
    from ..http.app import create_app
    from ..seed import SeedError

    snapshot = cassette.snapshot or {}
    doc = seed if seed is not None else snapshot.get("snapshot")
    if not isinstance(doc, dict) or not isinstance(doc.get("orgs"), list) or not doc["orgs"]:
        raise VerifyError("the cassette has no snapshot (record it with --snapshot) and no --seed was given")
    doc = json.loads(json.dumps(doc))
    wanted = recorded_org_id(cassette)
    org = next((o for o in doc["orgs"] if isinstance(o, dict) and o.get("id") == wanted), doc["orgs"][0])
    fresh: dict[str, Any] = {
        "client_id": cred.client_id,
        "client_secret": cred.client_secret,
        "certificates": [cred.public_pem],
    }
    if cred.tech_account:
        fresh["tech_account"] = cred.tech_account
    org["credentials"] = [fresh]
    for other in doc["orgs"]:
        if other is not org and isinstance(other, dict):
            other.pop("credentials", None)
    config = Config(seed=doc, seed_source="<verify seed>")
    if seed is None:
        if snapshot.get("users_page_size"):
            config.users_page_size = int(snapshot["users_page_size"])
        if snapshot.get("groups_page_size"):
            config.groups_page_size = int(snapshot["groups_page_size"])
    try:
        return create_app(config)
    except (SeedError, ValueError) as exc:
        raise VerifyError(f"the {'seed' if seed is not None else 'snapshot'} does not load: {exc}") from None


# ---------------------------------------------------------------- placeholders


def _body(message: dict[str, Any]) -> dict[str, Any]:
    body = message.get("body")
    return body if isinstance(body, dict) else {}


def _placeholders(value: Any) -> Iterator[str]:
    text = json.dumps(value)
    yield from (m.group(0) for m in PLACEHOLDER_RE.finditer(text))


class Resolver:
    """What each placeholder stands for in the replay."""

    def __init__(self, cassette: Cassette, cred: FreshCredential, client: Any):
        self.cred = cred
        self.client = client
        self.values: dict[str, str] = {}
        self.accepted: set[str] = set()  # credentials the upstream accepted at least once
        self.refused_tokens: set[str] = set()
        first_use: dict[str, int] = {}
        for record in cassette.exchanges:
            req, status = record["request"], record["response"]["status"]
            used = set(_placeholders(req))
            is_ims = req["path"].startswith("/ims/")
            for ph in used:
                if ph.startswith("<token-"):
                    first_use.setdefault(ph, status)
                if status == 200 and is_ims:
                    self.accepted.add(ph)
                if not is_ims and ph.startswith("<client-id-") and status != 403:
                    self.accepted.add(ph)
        self.refused_tokens = {ph for ph, status in first_use.items() if status == 401}

    def learn(self, recorded_body: Any, replayed_body: Any) -> None:
        """After an IMS answer: the recorded token placeholder now means the replay's token."""
        if isinstance(recorded_body, dict) and isinstance(replayed_body, dict):
            for key in ("access_token", "refresh_token", "id_token"):
                ph, token = recorded_body.get(key), replayed_body.get(key)
                if isinstance(ph, str) and PLACEHOLDER_RE.fullmatch(ph) and isinstance(token, str):
                    self.values[ph] = token

    def resolve(self, placeholder: str, jwt_claims: Any = None) -> str:
        if placeholder in self.values:
            return self.values[placeholder]
        kind = PLACEHOLDER_RE.fullmatch(placeholder).group(1)  # type: ignore[union-attr]
        n = placeholder.rsplit("-", 1)[1].rstrip(">")
        good = placeholder in self.accepted
        if kind == "client-id":
            value = self.cred.client_id if good else f"unknown-client-{n}"
        elif kind == "client-secret":
            value = self.cred.client_secret if good else f"wrong-secret-{n}"
        elif kind == "token":
            value = f"invalid-token-{n}" if placeholder in self.refused_tokens else self._mint()
        elif kind == "jwt":
            value = self._sign(jwt_claims) if good and isinstance(jwt_claims, dict) else f"not.a.jwt-{n}"
        else:
            value = f"replaced-{kind}-{n}"
        self.values[placeholder] = value
        return value

    def _mint(self) -> str:
        """A token for a recorded one the cassette did not see issued (the client had it already)."""
        answer = self.client.post(
            "/ims/token/v2",
            data={
                "grant_type": "client_credentials",
                "client_id": self.cred.client_id,
                "client_secret": self.cred.client_secret,
                "scope": S2S_SCOPE,
            },
        )
        token = (answer.get_json(silent=True) or {}).get("access_token")
        return token if isinstance(token, str) else "invalid-token"

    def _sign(self, parts: dict[str, Any]) -> str:
        import time

        import jwt

        claims = dict(parts.get("claims") or {})
        now = int(time.time())
        lifetime = 3600
        if isinstance(claims.get("exp"), int) and isinstance(claims.get("iat"), int):
            lifetime = max(60, claims["exp"] - claims["iat"])
        claims["exp"] = now + lifetime
        if "iat" in claims:
            claims["iat"] = now
        for key in list(claims):
            claims[key] = self.substitute(claims[key])
        header = {k: v for k, v in (parts.get("header") or {}).items() if k not in ("alg", "typ")}
        return jwt.encode(claims, self.cred.private_key, algorithm="RS256", headers=header or None)

    def substitute(self, value: Any, jwt_claims: Any = None) -> Any:
        if isinstance(value, str):
            return PLACEHOLDER_RE.sub(lambda m: self.resolve(m.group(0), jwt_claims), value)
        if isinstance(value, list):
            return [self.substitute(v, jwt_claims) for v in value]
        if isinstance(value, dict):
            return {k: self.substitute(v, jwt_claims) for k, v in value.items()}
        return value


# ---------------------------------------------------------------- replay


def describe(record: dict[str, Any]) -> str:
    req = record["request"]
    return f"{req['method']} {req['path']}"


def replay_one(client: Any, resolver: Resolver, record: dict[str, Any]) -> Outcome:
    req = record["request"]
    body = _body(req)
    claims = body.get("jwt_claims")
    # the answer is compared as text: ask for identity, whatever encodings the recorded client accepted
    headers = {
        k: resolver.substitute(v) for k, v in (req.get("headers") or {}).items() if k.lower() != "accept-encoding"
    }
    query = [(k, resolver.substitute(v, claims)) for k, v in req.get("query") or []]
    data: bytes | str | None = None
    if "json" in body:
        data = json.dumps(resolver.substitute(body["json"])).encode()
    elif "form" in body:
        data = urlencode([(k, resolver.substitute(v, claims)) for k, v in body["form"]])
        headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif "text" in body:
        data = resolver.substitute(body["text"]).encode()
    path = req["path"] + ("?" + urlencode(query) if query else "")
    answer = client.open(path, method=req["method"], headers=headers, data=data)
    text = answer.get_data(as_text=True)
    parsed: Any
    if not text:
        parsed = None
    else:
        try:
            parsed = {"json": json.loads(text)}
        except ValueError:
            parsed = {"text": text}
    outcome = Outcome(record, answer.status_code, dict(answer.headers), parsed)
    if req["path"].startswith("/ims/") and parsed and "json" in parsed:
        resolver.learn(_body(record["response"]).get("json"), parsed["json"])
    return outcome


class Comparer:
    """Compares replayed answers with recorded ones; keeps the id mappings across exchanges."""

    def __init__(self) -> None:
        self.maps: dict[str, dict[Any, Any]] = {}
        self.reverse: dict[str, dict[Any, Any]] = {}

    def compare(self, outcome: Outcome) -> list[Drift]:
        record = outcome.record
        seq, what = record["seq"], describe(record)
        recorded = record["response"]
        drift: list[Drift] = []

        def add(name: str, a: Any, b: Any) -> None:
            drift.append(Drift(seq, what, name, a, b))

        if recorded["status"] != outcome.status:
            add("status", recorded["status"], outcome.status)
            return drift
        self._headers(record, outcome, add)
        rec_body, emu_body = recorded.get("body"), outcome.body
        rec_kind, emu_kind = _kind(rec_body), _kind(emu_body)
        if rec_kind != emu_kind:
            add("body", f"<{rec_kind} body>", f"<{emu_kind} body>")
        elif rec_kind == "json":
            shape_only = record["request"]["path"].rstrip("/") == "/status"
            self._json("body", rec_body["json"], emu_body["json"], add, shape_only=shape_only)
        return drift

    def _headers(self, record: dict[str, Any], outcome: Outcome, add: Any) -> None:
        rec = {k.lower(): v for k, v in (record["response"].get("headers") or {}).items()}
        emu = {k.lower(): v for k, v in outcome.headers.items()}
        rec_type, emu_type = _media_type(rec.get("content-type")), _media_type(emu.get("content-type"))
        if rec_type != emu_type and record["response"].get("body") is not None:
            add("header Content-Type", rec_type or ABSENT, emu_type or ABSENT)
        for name in VALUE_HEADERS:
            a, b = rec.get(name.lower(), ABSENT), emu.get(name.lower(), ABSENT)
            if a != b:
                add(f"header {name}", a, b)
        a, b = _retry_after_form(rec.get("retry-after")), _retry_after_form(emu.get("retry-after"))
        if a != b:
            add("header Retry-After", a, b)
        sent = {k.lower(): v for k, v in (record["request"].get("headers") or {}).items()}.get("x-request-id")
        if sent is not None:
            a_echo, b_echo = rec.get("x-request-id") == sent, emu.get("x-request-id") == sent
            if a_echo != b_echo:
                add("header X-Request-Id", "echoed" if a_echo else "not echoed", "echoed" if b_echo else "not echoed")

    def _mapped(self, kind: str, a: Any, b: Any) -> bool:
        forward, back = self.maps.setdefault(kind, {}), self.reverse.setdefault(kind, {})
        if a in forward or b in back:
            return bool(forward.get(a, ABSENT) == b and back.get(b, ABSENT) == a)
        forward[a], back[b] = b, a
        return True

    def _json(self, where: str, a: Any, b: Any, add: Any, *, key: str | None = None, shape_only: bool = False) -> None:
        if _type(a) != _type(b):
            add(where, a, b)
            return
        if isinstance(a, dict):
            for k in list(a) + [k for k in b if k not in a]:
                sub = f"{where}.{k}"
                if k not in b:
                    add(sub, a[k], ABSENT)
                elif k not in a:
                    add(sub, ABSENT, b[k])
                else:
                    self._json(sub, a[k], b[k], add, key=k, shape_only=shape_only)
            return
        if isinstance(a, list):
            self._list(where, a, b, add, key, shape_only)
            return
        if shape_only or key in SHAPE_ONLY_KEYS:
            return
        if key in MAPPED_KEYS:
            if not self._mapped(MAPPED_KEYS[key], a, b):
                add(where, a, b)
            return
        if a != b:
            add(where, a, b)

    def _list(self, where: str, a: list[Any], b: list[Any], add: Any, key: str | None, shape_only: bool) -> None:
        identity = IDENTITY_OF.get(key or "")
        if identity is not None and all(isinstance(x, dict) for x in a + b):
            left = {identity(x): x for x in a}
            right = {identity(x): x for x in b}
            for ident in list(left) + [i for i in right if i not in left]:
                label = f"{where}[{_ident_label(ident)}]"
                if ident not in right:
                    add(label, left[ident], ABSENT)
                elif ident not in left:
                    add(label, ABSENT, right[ident])
                else:
                    self._json(label, left[ident], right[ident], add, shape_only=shape_only)
            return
        if all(isinstance(x, str) for x in a + b) and not shape_only:
            if sorted(a, key=str.lower) != sorted(b, key=str.lower):  # memberships: a set on the wire
                add(where, sorted(a, key=str.lower), sorted(b, key=str.lower))
            return
        if len(a) != len(b):
            add(f"{where} (length)", len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            self._json(f"{where}[{i}]", x, y, add, shape_only=shape_only)


def _ident_label(ident: Any) -> str:
    if isinstance(ident, tuple):
        return "@".join(p for p in ident[:1] if p) + (f" in {ident[1]}" if len(ident) > 1 and ident[1] else "")
    return str(ident)


def _kind(body: Any) -> str:
    if not body:
        return "empty"
    return "json" if "json" in body else "text"


def _type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {dict: "object", list: "array", str: "string", type(None): "null"}.get(type(value), type(value).__name__)


def _media_type(value: str | None) -> str | None:
    return value.split(";", 1)[0].strip().lower() if value else None


def _retry_after_form(value: str | None) -> str:
    if value is None:
        return ABSENT
    if value.strip().isdigit():
        return "integer seconds"
    if retry_after_seconds(value) is not None:
        return "HTTP-date"
    return f"unusable ({value!r})"


# ---------------------------------------------------------------- the run and its report


@dataclass
class VerifyResult:
    outcomes: list[Outcome]
    cassette_name: str
    org_id: str | None
    seed_source: str

    @property
    def drift(self) -> list[Drift]:
        return [d for o in self.outcomes for d in o.drift]


def verify(cassette: Cassette, seed: dict[str, Any] | None = None, *, name: str = "cassette") -> VerifyResult:
    cred = _fresh_credential(cassette)
    app = build_emulator(cassette, seed, cred)
    client = app.test_client()
    resolver = Resolver(cassette, cred, client)
    comparer = Comparer()
    outcomes = []
    for record in cassette.exchanges:
        outcome = replay_one(client, resolver, record)
        outcome.drift = comparer.compare(outcome)
        outcomes.append(outcome)
    return VerifyResult(outcomes, name, recorded_org_id(cassette), "--seed" if seed is not None else "snapshot")


def build_report(result: VerifyResult, run_id: str | None = None) -> dict[str, Any]:
    """The contract kit's report format; `run_id` names this verify run (a new one by default)."""
    from ..contracts.transport import new_run_id

    contracts = []
    summary = {"pass": 0, "fail": 0, "error": 0, "not run": 0}
    for o in result.outcomes:
        record = o.record
        status = "fail" if o.drift else "pass"
        summary[status] += 1
        item: dict[str, Any] = {
            "name": f"exchange {record['seq']:04d} {describe(record)}",
            "status": status,
            "promise": "the emulator answers this recorded request as the upstream did",
            "spec": "recorded",
            "basis": "recorded",
            "checks": {"passed": 0 if o.drift else 1, "failed": len(o.drift)},
        }
        if o.drift:
            item["message"] = "\n".join(d.line() for d in o.drift)
            item["expected"] = {d.field: d.recorded for d in o.drift}
            item["actual"] = {d.field: d.emulated for d in o.drift}
            item["exchange"] = {
                "request": {
                    "method": record["request"]["method"],
                    "url": record["request"]["path"],
                    "body": _body(record["request"]).get("json"),
                },
                "response": {"status": record["response"]["status"], "body": _body(record["response"]).get("json")},
            }
        contracts.append(item)
    return {
        "format": REPORT_FORMAT,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "target": {
            "kind": "verify",
            "name": result.cassette_name,
            "org_id": result.org_id,
            "run_id": run_id or new_run_id(),
            "seed": result.seed_source,
            "writes": True,
        },
        "summary": summary,
        "contracts": contracts,
        "drift": [d.as_json() for d in result.drift],
    }
