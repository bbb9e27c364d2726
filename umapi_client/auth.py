"""Authenticators: fetch the IMS access token that every UMAPI call carries.

The public surface is that of umapi-client 3.0.1: ``AdobeAuthBase`` is a ``requests`` auth
object with the public attributes ``token`` and ``expiry`` (a local ``datetime``) and the
methods ``refresh_token()``, ``set_expiry()`` and ``post_body()``; ``OAuthS2S`` posts
``client_credentials`` (answer's ``expires_in`` in seconds) and ``JWTAuth`` exchanges a signed
JWT (answer's ``expires_in`` in milliseconds, spec §1.3-1.4).  As in 3.0.1 a token is fetched
when it is missing or its expiry has passed, with one plain ``requests.post`` and no retry;
a refusal raises :class:`~umapi_client.error.AuthenticationError` (a ``RuntimeError`` with
3.0.1's message).

Ours adds: ``now=`` (the clock, a test hook), ``refresh_margin=`` (opt-in: fetch a new token
that many seconds before the old one expires), ``token_fetch_count``, ``invalidate()`` (used
by the opt-in token refresh on 401), and a ``repr()`` that never shows a secret.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import urllib.parse as urlparse
import warnings
from typing import Any, Callable, Dict, Optional, Union

import jwt
import requests
import requests.auth

from .error import ArgumentError, AuthenticationError, UMAPIWarning

logger = logging.getLogger(__name__)

SSLVerify = Union[bool, str]
Now = Callable[[], dt.datetime]

DEFAULT_AUTH_HOST = "ims-na1.adobelogin.com"
S2S_SCOPE = "openid,AdobeID,user_management_sdk"
UMAPI_META_SCOPE = "ent_user_sdk"
JWT_LIFETIME_SECONDS = 60 * 60 * 24  # the exp 3.0.1 signs; real IMS accepts it


def _mask(value: object) -> str:
    text = str(value)
    return text[:4] + "****" if len(text) > 8 else "****"


class AdobeAuthBase(requests.auth.AuthBase):
    """Base of the authenticators (3.0.1's name and constructor)."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        auth_host: str,
        auth_endpoint: str,
        ssl_verify: SSLVerify,
        *,
        now: Optional[Now] = None,
        refresh_margin: float = 0.0,
    ) -> None:
        if isinstance(auth_host, str) and ("://" in auth_host or "/" in auth_host.strip("/")):
            warnings.warn(
                f"auth_host should be a host name with an optional :port, not {auth_host!r}", UMAPIWarning, stacklevel=3
            )
        self.client_id = client_id
        self.client_secret = client_secret
        self.auth_host = auth_host
        self.auth_endpoint = auth_endpoint
        self.ssl_verify = ssl_verify
        self.expiry: Optional[dt.datetime] = None
        self.token: Optional[str] = None
        self.token_fetch_count = 0
        self._now: Now = now if now is not None else dt.datetime.now
        self.refresh_margin = dt.timedelta(seconds=refresh_margin)

    @property
    def endpoint(self) -> str:
        """The token URL: https, the endpoint's path with exactly one trailing slash (spec §1.1)."""
        return f"https://{self.auth_host}/{self.auth_endpoint.strip('/')}/"

    def set_expiry(self, expires_in: Any) -> None:
        """Record when the token expires; this base reads ``expires_in`` as milliseconds."""
        self.expiry = self._now() + dt.timedelta(seconds=int(round(expires_in / 1000)))

    def post_body(self) -> str:
        """The url-encoded form of the token request (each flow defines its fields)."""
        raise NotImplementedError

    def needs_token(self) -> bool:
        """True when there is no token or its expiry has passed (3.0.1's test), or is less than
        ``refresh_margin`` seconds away (ours, opt-in: a token must not expire in flight)."""
        return self.token is None or self.expiry is None or self.expiry - self.refresh_margin <= self._now()

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        if self.needs_token():
            self.refresh_token()
        r.headers["Content-type"] = "application/json"
        r.headers["Accept"] = "application/json"
        r.headers["x-api-key"] = self.client_id
        r.headers["Authorization"] = "Bearer " + str(self.token)
        return r

    def refresh_token(self) -> None:
        """Fetch a new token from IMS now (one POST, no retry, as 3.0.1)."""
        logger.info("auth token is missing or expired - refreshing now")
        endpoint = self.endpoint
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cache-Control": "no-cache"}
        r = requests.post(endpoint, headers=headers, data=self.post_body(), verify=self.ssl_verify)
        if r.status_code != 200:
            raise AuthenticationError(
                f"Unable to authorize against {endpoint}:\n"
                f"Response Code: {r.status_code}, Response Text: {r.text}\n"
                f"Response Headers: {r.headers}]",
                r,
            )
        body = r.json()
        self.set_expiry(body["expires_in"])
        logger.debug("token expiration: %s", self.expiry)
        self.token = body["access_token"]
        self.token_fetch_count += 1

    def invalidate(self) -> None:
        """Forget the token, so the next request fetches a new one."""
        self.token = None
        self.expiry = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(client_id={_mask(self.client_id)!r}, auth_host={self.auth_host!r})"


class OAuthS2S(AdobeAuthBase):
    """OAuth Server-to-Server credentials (``grant_type=client_credentials``)."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        auth_host: str = DEFAULT_AUTH_HOST,
        auth_endpoint: str = "/ims/token/v2",
        ssl_verify: SSLVerify = True,
        *,
        now: Optional[Now] = None,
        refresh_margin: float = 0.0,
    ) -> None:
        logger.info("Auth type: OAuthS2S")
        super().__init__(
            client_id, client_secret, auth_host, auth_endpoint, ssl_verify, now=now, refresh_margin=refresh_margin
        )

    def post_body(self) -> str:
        return urlparse.urlencode(
            {
                "client_id": self.client_id,
                "client_secret": self.client_secret,
                "grant_type": "client_credentials",
                "scope": S2S_SCOPE,
            }
        )

    def set_expiry(self, expires_in: Any) -> None:
        """``/ims/token/*`` answers ``expires_in`` in seconds."""
        self.expiry = self._now() + dt.timedelta(seconds=expires_in)


class JWTAuth(AdobeAuthBase):
    """Deprecated Service Account (JWT) credentials, exchanged at ``/ims/exchange/jwt/``.

    ``priv_key_data`` is the PEM text of the RSA private key, handed to PyJWT when a token is
    needed (as 3.0.1 does, so a key is not read at construction); ``private_key_data`` is our
    earlier name for it.  ``jwt_lifetime`` (ours)
    sets the signed ``exp`` in seconds from now; the default is 3.0.1's 24 hours.
    """

    def __init__(
        self,
        org_id: str,
        client_id: str,
        client_secret: str,
        tech_acct_id: str,
        priv_key_data: Union[str, bytes, None] = None,
        ssl_verify: SSLVerify = True,
        auth_host: str = DEFAULT_AUTH_HOST,
        auth_endpoint: str = "/ims/exchange/jwt/",
        *,
        private_key_data: Union[str, bytes, None] = None,
        jwt_lifetime: int = JWT_LIFETIME_SECONDS,
        now: Optional[Now] = None,
        refresh_margin: float = 0.0,
    ) -> None:
        logger.info("Auth type: JWTAuth")
        if priv_key_data is not None and private_key_data is not None:
            raise ArgumentError("give the private key once: priv_key_data (3.0.1's name) or private_key_data")
        key = priv_key_data if priv_key_data is not None else private_key_data
        if key is None:
            raise TypeError("JWTAuth() needs priv_key_data: the PEM text of the private key")
        self.org_id = org_id
        self.tech_acct_id = tech_acct_id
        self.priv_key_data = key
        self.jwt_lifetime = jwt_lifetime
        super().__init__(
            client_id, client_secret, auth_host, auth_endpoint, ssl_verify, now=now, refresh_margin=refresh_margin
        )

    def jwt_token(self) -> str:
        """The signed JWT assertion (claims per spec §1.4)."""
        ims = "https://" + self.auth_host
        payload: Dict[str, Any] = {
            "exp": int(time.time()) + self.jwt_lifetime,
            "iss": self.org_id,
            "sub": self.tech_acct_id,
            "aud": ims + "/c/" + self.client_id,
            ims + "/s/" + UMAPI_META_SCOPE: True,
        }
        encoded: Union[str, bytes] = jwt.encode(payload, self.priv_key_data, algorithm="RS256")
        return encoded.decode("ascii") if isinstance(encoded, bytes) else encoded

    def post_body(self) -> str:
        return urlparse.urlencode(
            {"client_id": self.client_id, "client_secret": self.client_secret, "jwt_token": self.jwt_token()}
        )


# Our earlier name for the base class.
Auth = AdobeAuthBase

__all__ = ["AdobeAuthBase", "Auth", "JWTAuth", "OAuthS2S"]
