"""Authenticators: obtain, cache and refresh the IMS access token that UMAPI requires.

Two ways exist (spec §1): OAuth Server-to-Server (``client_credentials``, answer's
``expires_in`` in **seconds**) and the deprecated JWT exchange (answer's ``expires_in``
in **milliseconds**).  Both post a form to ``https://{auth_host}/{auth_endpoint}/`` and
keep the token until shortly before it expires, or until UMAPI answers 401.

Secrets (client secret, private key, signed JWT, access token) never appear in logs,
``repr()`` or exception messages.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from typing import Any, Dict, Optional, Union

import requests
from requests.auth import AuthBase

from ._http import ClockFunc, SSLVerify, Transport, check_ssl_verify, mask, new_request_id
from .errors import ArgumentError, AuthenticationError

DEFAULT_AUTH_HOST = "ims-na1.adobelogin.com"
DEFAULT_S2S_ENDPOINT = "/ims/token/v2"
DEFAULT_JWT_ENDPOINT = "/ims/exchange/jwt/"
S2S_SCOPE = "openid,AdobeID,user_management_sdk"
UMAPI_META_SCOPE = "ent_user_sdk"
JWT_LIFETIME_SECONDS = 300
# Refresh a little before the server-side expiry: at most this many seconds early...
REFRESH_MARGIN_SECONDS = 60.0
# ...and never more than this fraction of the token's lifetime early.
REFRESH_MARGIN_FRACTION = 0.1


def _require_text(name: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ArgumentError(f"{name} must be a non-empty string")
    return value


class Auth(AuthBase, ABC):
    """Base class of the authenticators; also usable as a ``requests`` auth object.

    Connection calls :meth:`access_token` with its own transport so one HTTP session
    serves both hosts.  Used alone, an authenticator creates a private transport.
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        auth_host: str,
        auth_endpoint: str,
        ssl_verify: SSLVerify,
        clock: Optional[ClockFunc] = None,
    ) -> None:
        self.client_id = _require_text("client_id", client_id)
        self._client_secret = _require_text("client_secret", client_secret)
        host = _require_text("auth_host", auth_host).strip()
        if "://" in host or "/" in host:
            raise ArgumentError(
                f"auth_host must be a host name with an optional :port, without scheme or path (got {auth_host!r})"
            )
        self.auth_host = host
        self.auth_endpoint = _require_text("auth_endpoint", auth_endpoint)
        self.ssl_verify = check_ssl_verify(ssl_verify)
        self._clock = clock if clock is not None else time.monotonic
        self._token: Optional[str] = None
        self._expires_at = 0.0
        self._lock = threading.Lock()
        self._own_transport: Optional[Transport] = None
        self.token_fetch_count = 0

    # -- public -----------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        """The token URL: always https, always with a trailing slash (spec §1.1)."""
        return f"https://{self.auth_host}/{self.auth_endpoint.strip('/')}/"

    @property
    def token(self) -> str:
        """The current access token, fetched or refreshed when needed."""
        return self.access_token()

    def access_token(self, transport: Optional[Transport] = None, force_refresh: bool = False) -> str:
        """Return a valid access token, calling IMS only if the cached one is missing or stale."""
        with self._lock:
            if not force_refresh and self._token is not None and self._clock() < self._expires_at:
                return self._token
            return self._fetch(transport or self._default_transport())

    def invalidate(self) -> None:
        """Forget the cached token (called after UMAPI answered 401)."""
        with self._lock:
            self._token = None
            self._expires_at = 0.0

    def headers(self, transport: Optional[Transport] = None) -> Dict[str, str]:
        """The two headers every UMAPI call needs."""
        return {"Authorization": f"Bearer {self.access_token(transport)}", "X-Api-Key": self.client_id}

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers.update(self.headers())
        return r

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(client_id={mask(self.client_id)!r}, auth_host={self.auth_host!r}, "
            f"auth_endpoint={self.auth_endpoint!r})"
        )

    # -- subclass hooks -----------------------------------------------------------------

    @abstractmethod
    def _form(self) -> Dict[str, str]:
        """Form fields of the token request."""

    @abstractmethod
    def _lifetime_seconds(self, expires_in: float) -> float:
        """Convert the answer's ``expires_in`` to seconds."""

    # -- internals ----------------------------------------------------------------------

    def _default_transport(self) -> Transport:
        if self._own_transport is None:
            self._own_transport = Transport()
        return self._own_transport

    def _fetch(self, transport: Transport) -> str:
        url = self.endpoint
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cache-Control": "no-cache",
            "Accept": "application/json",
            "X-Request-Id": new_request_id(),
        }
        transport.logger.debug("Requesting access token from %s for client %s", url, mask(self.client_id))
        # Token requests only mint a token, so re-sending them is harmless.
        response = transport.send(
            "POST",
            url,
            verify=self.ssl_verify,
            headers=headers,
            data=self._form(),
            idempotent=True,
            what="token request",
        )
        if response.status_code != 200:
            raise AuthenticationError(self._refusal_message(response), response)
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise AuthenticationError(f"Unable to authorize against {url}: answer is not a JSON object", response)
        token = body.get("access_token")
        expires_in = body.get("expires_in")
        if not isinstance(token, str) or not token:
            raise AuthenticationError(f"Unable to authorize against {url}: answer has no access_token", response)
        try:
            raw_lifetime = float(expires_in)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise AuthenticationError(
                f"Unable to authorize against {url}: expires_in is missing or not a number", response
            ) from None
        lifetime = max(0.0, self._lifetime_seconds(raw_lifetime))
        margin = min(REFRESH_MARGIN_SECONDS, lifetime * REFRESH_MARGIN_FRACTION)
        self._token = token
        self._expires_at = self._clock() + lifetime - margin
        self.token_fetch_count += 1
        transport.logger.info("Obtained access token from %s, valid for %.0f seconds", url, lifetime)
        return token

    def _refusal_message(self, response: requests.Response) -> str:
        detail = ""
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            error = body.get("error") or body.get("error_code")
            description = body.get("error_description") or body.get("message")
            detail = ": " + ", ".join(str(x) for x in (error, description) if x)
        else:
            text = (response.text or "").strip()
            detail = f": {text[:200]}" if text else ""
        return f"Unable to authorize against {self.endpoint}: HTTP {response.status_code}{detail}"


class OAuthS2S(Auth):
    """OAuth Server-to-Server credentials (``grant_type=client_credentials``)."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        auth_host: str = DEFAULT_AUTH_HOST,
        auth_endpoint: str = DEFAULT_S2S_ENDPOINT,
        ssl_verify: SSLVerify = True,
        *,
        clock: Optional[ClockFunc] = None,
    ) -> None:
        super().__init__(client_id, client_secret, auth_host, auth_endpoint, ssl_verify, clock)

    def _form(self) -> Dict[str, str]:
        return {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self._client_secret,
            "scope": S2S_SCOPE,
        }

    def _lifetime_seconds(self, expires_in: float) -> float:
        return expires_in  # /ims/token/* answers in seconds


class JWTAuth(Auth):
    """Deprecated Service Account (JWT) credentials, exchanged at ``/ims/exchange/jwt/``.

    ``private_key_data`` is the PEM text (or bytes) of the unencrypted RSA key; the
    3.x docs call the same argument ``priv_key_data``, which is accepted too.
    """

    def __init__(
        self,
        org_id: str,
        client_id: str,
        client_secret: str,
        tech_acct_id: str,
        private_key_data: Union[str, bytes, None] = None,
        auth_host: str = DEFAULT_AUTH_HOST,
        auth_endpoint: str = DEFAULT_JWT_ENDPOINT,
        ssl_verify: SSLVerify = True,
        *,
        priv_key_data: Union[str, bytes, None] = None,
        clock: Optional[ClockFunc] = None,
    ) -> None:
        super().__init__(client_id, client_secret, auth_host, auth_endpoint, ssl_verify, clock)
        self.org_id = _require_text("org_id", org_id)
        self.tech_acct_id = _require_text("tech_acct_id", tech_acct_id)
        if private_key_data is not None and priv_key_data is not None:
            raise ArgumentError("give the private key as private_key_data or priv_key_data, not both")
        key = private_key_data if private_key_data is not None else priv_key_data
        if key is None:
            raise ArgumentError("JWTAuth needs the private key contents (private_key_data)")
        self._private_key = self._load_key(key)

    @staticmethod
    def _load_key(key: Union[str, bytes]) -> Any:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        data = key.encode("utf-8") if isinstance(key, str) else key
        if not isinstance(data, bytes) or not data.strip():
            raise ArgumentError("private_key_data must be the non-empty PEM contents of the private key")
        try:
            loaded = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError):
            raise ArgumentError(
                "private_key_data could not be read as an unencrypted PEM private key "
                "(pass the file's contents, not its path)"
            ) from None
        if not isinstance(loaded, rsa.RSAPrivateKey):
            raise ArgumentError("private_key_data must be an RSA private key (RS256 is required)")
        return loaded

    def signed_jwt(self) -> str:
        """Build and sign the JWT assertion (claims per spec §1.4)."""
        import jwt

        ims = f"https://{self.auth_host}"
        claims: Dict[str, Any] = {
            "exp": int(time.time()) + JWT_LIFETIME_SECONDS,
            "iss": self.org_id,
            "sub": self.tech_acct_id,
            "aud": f"{ims}/c/{self.client_id}",
            f"{ims}/s/{UMAPI_META_SCOPE}": True,
        }
        return jwt.encode(claims, self._private_key, algorithm="RS256")

    def _form(self) -> Dict[str, str]:
        return {"client_id": self.client_id, "client_secret": self._client_secret, "jwt_token": self.signed_jwt()}

    def _lifetime_seconds(self, expires_in: float) -> float:
        return expires_in / 1000.0  # /ims/exchange/jwt answers in milliseconds


__all__ = ["Auth", "OAuthS2S", "JWTAuth"]
