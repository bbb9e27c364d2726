"""IMS: exchanging credentials for access tokens, and checking those tokens later.

Both flows end in an RS256 JWT signed by the emulator's own key and bound to client id,
org, scopes and expiry (spec §1.5), so the gate can verify a token without a lookup table
and a forged or tampered token fails exactly as it would at the real gateway.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .clock import Clock, FrozenClock
from .errors import UmapiError
from .limits import TOKEN_TTL_SECONDS
from .models import Credential, OrgRegistry
from .scopes import ACCESS_SCOPE as ACCESS_SCOPE
from .scopes import S2S_SCOPES

UMAPI_METASCOPE = "ent_user_sdk"
# A meta-scope grants these access scopes.
METASCOPE_GRANTS = {UMAPI_METASCOPE: S2S_SCOPES}


@lru_cache(maxsize=1)
def _process_signing_key() -> rsa.RSAPrivateKey:
    """One key per process: generating RSA keys per app would slow a fresh org per test."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass(frozen=True)
class TokenGrant:
    """A successful token exchange: the HTTP layer renders it in the flow's units."""

    access_token: str
    ttl: int  # seconds the token lives
    flow: Literal["client_credentials", "jwt"]  # OAuth S2S, or the deprecated JWT exchange


@dataclass(frozen=True)
class AccessToken:
    client_id: str
    org_id: str
    scopes: tuple[str, ...]
    expires_at: float


JwtMode = Literal["on", "off", "retired"]
JWT_MODES: tuple[JwtMode, ...] = ("on", "off", "retired")


def jwt_mode_of(value: bool | str) -> JwtMode:
    """`True`/`"on"`: the exchange is served; `False`/`"off"`: refused for every credential, as
    for a credential without a JWT binding; `"retired"`: refused as the retired IMS does."""
    if value is True or value == "on":
        return "on"
    if value is False or value == "off":
        return "off"
    if value == "retired":
        return "retired"
    raise ValueError(f"JWT mode must be one of on, off, retired; got {value!r}")


class TokenService:
    def __init__(
        self, registry: OrgRegistry, clock: Clock, *, ttl: int = TOKEN_TTL_SECONDS, jwt_enabled: bool | str = True
    ):
        self.registry = registry
        self.clock = clock
        self.ttl = ttl
        self.jwt_mode: JwtMode = jwt_mode_of(jwt_enabled)
        # A JWT's `exp` is judged on the wall clock by default: the client signs it with its own
        # clock, which `POST /_mock/clock` does not move. Tests ask for the emulated clock by
        # freezing it (a FrozenClock is all the time there is) or by setting "emulated" here.
        self.jwt_exp_clock: Literal["wall", "emulated"] = "emulated" if isinstance(clock, FrozenClock) else "wall"
        self._key = _process_signing_key()
        self._public = self._key.public_key()
        self.on_issue: Callable[[str], None] | None = None  # told each token it mints (redaction)
        self._kid = "umapi-mock-at-1"
        self._issued = 0
        self._verified: dict[str, AccessToken] = {}
        self._lock = threading.Lock()
        self.generation = 0  # moves when verified tokens are forgotten (a new key): memos built on them expire
        # domain.gate's passed gates: (key, Authorization, org id) -> (weakref to the org, token, generation)
        self.gate_memo: dict[tuple[str, str, str], tuple[Callable[[], object], AccessToken, int]] = {}

    # ---------------------------------------------------------------- the key

    def signing_key_pem(self) -> str:
        """The private key tokens are signed with, to keep (tokens outlive a restart)."""
        return self._key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()

    def use_signing_key(self, pem: str) -> None:
        """Sign and verify with this key from now on (the one a data dir kept)."""
        key = serialization.load_pem_private_key(pem.encode(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("the signing key must be an RSA private key")
        with self._lock:
            self._key = key
            self._public = key.public_key()
            self._verified = {}
            self.generation += 1
            self.gate_memo = {}

    # ---------------------------------------------------------------- issuing

    def client_credentials(self, params: Mapping[str, str]) -> TokenGrant:
        """OAuth Server-to-Server (spec §1.3)."""
        missing = [p for p in ("grant_type", "client_id", "client_secret", "scope") if not params.get(p)]
        if "grant_type" in missing:
            raise UmapiError("ims.invalid_request", detail="missing required parameter: grant_type")
        if params["grant_type"] != "client_credentials":
            raise UmapiError("ims.unsupported_grant_type", grant_type=params["grant_type"])
        if missing:
            raise UmapiError("ims.invalid_request", detail=f"missing required parameter: {missing[0]}")
        cred = self._authenticate(params["client_id"], params["client_secret"])
        requested = tuple(s.strip() for s in params["scope"].split(",") if s.strip())
        unknown = [s for s in requested if s not in cred.scopes]
        if not requested or unknown:
            raise UmapiError("ims.invalid_scope", detail=f"invalid scope ({','.join(unknown) or 'empty'})")
        token, ttl = self._mint(cred, requested)
        return TokenGrant(token, ttl, "client_credentials")

    def exchange_jwt(self, params: Mapping[str, str]) -> TokenGrant:
        """Deprecated JWT exchange (spec §1.4, §1.6)."""
        for p in ("client_id", "client_secret"):
            if not params.get(p):
                raise UmapiError("ims.invalid_request", detail=f"missing required parameter: {p}")
        if not params.get("jwt_token"):  # Adobe's JWT error table: "JWT missing" is invalid_token
            raise UmapiError("ims.invalid_token", detail="missing required parameter: jwt_token")
        if self.jwt_mode == "retired":
            raise UmapiError("ims.jwt_retired")
        client_id = params["client_id"]
        cred = self.registry.credential(client_id)
        if cred is None:
            raise UmapiError("ims.unknown_client", detail="invalid client_id parameter")
        if self.jwt_mode == "off":
            raise UmapiError("ims.disabled")
        cred = self._authenticate(client_id, params["client_secret"])
        claims = self._verify_assertion(cred, params["jwt_token"])
        metascopes = [k.rsplit("/s/", 1)[1] for k, v in claims.items() if "/s/" in k and v is True]
        if not metascopes or any(m not in cred.metascopes for m in metascopes):
            raise UmapiError(
                "ims.invalid_scope",
                detail="The metascopes in the JWT are not a subset of the metascopes in the binding.",
            )
        # A meta-scope grants its access scopes only as far as the credential holds them,
        # as a client_credentials request can ask only for the credential's scopes.
        granted: list[str] = []
        for m in metascopes:
            granted.extend(s for s in METASCOPE_GRANTS.get(m, ()) if s not in granted and s in cred.scopes)
        token, ttl = self._mint(cred, tuple(granted))
        return TokenGrant(token, ttl, "jwt")

    def _authenticate(self, client_id: str, client_secret: str) -> Credential:
        cred = self.registry.credential(client_id)
        if cred is None or not secrets.compare_digest(cred.client_secret, client_secret):
            raise UmapiError("ims.invalid_client", detail="invalid client_id or client_secret")
        return cred

    def _verify_assertion(self, cred: Credential, assertion: str) -> dict[str, object]:
        try:
            header = jwt.get_unverified_header(assertion)
        except jwt.PyJWTError:
            raise UmapiError("ims.invalid_token", detail="Could not decode the JWT") from None
        if header.get("alg") != "RS256":
            raise UmapiError("ims.invalid_token", detail="Could not match JWT signature to any of the bindings")
        claims: dict[str, object] | None = None
        for pem in cred.certificates:
            try:
                key = x509.load_pem_x509_certificate(pem.encode()).public_key()
            except ValueError:
                key = serialization.load_pem_public_key(pem.encode())  # type: ignore[assignment]
            try:
                claims = jwt.decode(
                    assertion,
                    key,  # type: ignore[arg-type]
                    algorithms=["RS256"],
                    # IMS checks the claims below itself: `jti` must be an integer there (PyJWT wants a
                    # string) and a malformed `sub` is a bad_request, not an undecodable token.
                    options={
                        "verify_exp": False,
                        "verify_aud": False,
                        "verify_iat": False,
                        "verify_nbf": False,
                        "verify_jti": False,
                        "verify_sub": False,
                    },
                )
                break
            except jwt.InvalidSignatureError:
                continue
            except jwt.PyJWTError:
                raise UmapiError("ims.invalid_token", detail="Could not decode the JWT") from None
        if claims is None:
            raise UmapiError("ims.invalid_token", detail="Could not match JWT signature to any of the bindings")
        exp = claims.get("exp")
        if not isinstance(exp, int) or isinstance(exp, bool):
            raise UmapiError("ims.invalid_token", detail="exp must be an integer")
        if "jti" in claims and not isinstance(claims["jti"], int):
            raise UmapiError("ims.invalid_token", detail="jti must be an integer")
        if exp <= (self.clock.now() if self.jwt_exp_clock == "emulated" else time.time()):
            raise UmapiError("ims.invalid_token", detail="JWT token expired")
        aud = claims.get("aud")
        if not isinstance(aud, str) or not aud.endswith(f"/c/{cred.client_id}"):
            raise UmapiError("ims.unknown_client", detail="JWT aud does not match client_id")
        if claims.get("iss") != cred.org_id:
            raise UmapiError("ims.bad_request", detail="JWT iss is not the client's organization")
        if claims.get("sub") != cred.tech_account:
            raise UmapiError("ims.bad_request", detail="JWT sub is not the client's technical account")
        return claims

    def _mint(self, cred: Credential, scopes: tuple[str, ...]) -> tuple[str, int]:
        now = self.clock.now()
        with self._lock:
            self._issued += 1
            serial = self._issued
        claims = {
            "id": f"{int(now * 1000)}-{serial}-{secrets.token_hex(4)}",
            "type": "access_token",
            "client_id": cred.client_id,
            "user_id": cred.tech_account,
            "org": cred.org_id,
            "as": "ims-na1",
            "scope": ",".join(scopes),
            "created_at": str(int(now * 1000)),
            "expires_in": str(self.ttl * 1000),
            "iat": int(now),
            "exp": int(now) + self.ttl,
        }
        token = jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self._kid, "itt": "at"})
        if self.on_issue is not None:
            self.on_issue(token)
        return token, self.ttl

    # --------------------------------------------------------------- checking

    def verify(self, token: str) -> AccessToken | None:
        """The access token's binding, or None when forged, tampered, unsigned or expired.

        A client sends the same token with every call, so a verified signature is remembered
        (bounded); expiry is still checked against the clock on every use."""
        known = self._verified.get(token)
        if known is not None:
            return known if known.expires_at > self.clock.now() else None
        binding = self._verify_signature(token)
        if binding is not None:
            if len(self._verified) >= 4096:
                self._verified.clear()
            self._verified[token] = binding
        return binding

    def _verify_signature(self, token: str) -> AccessToken | None:
        try:
            claims = jwt.decode(
                token,
                self._public,
                algorithms=["RS256"],
                options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
            )
        except jwt.PyJWTError:
            return None
        exp = claims.get("exp")
        if claims.get("type") != "access_token" or not isinstance(exp, int) or exp <= self.clock.now():
            return None
        return AccessToken(
            client_id=str(claims.get("client_id", "")),
            org_id=str(claims.get("org", "")),
            scopes=tuple(s for s in str(claims.get("scope", "")).split(",") if s),
            expires_at=float(exp),
        )
