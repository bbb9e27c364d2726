"""Credentials of a URL target: from a credentials file (YAML/JSON) or the environment,
never from the command line; where its IMS and UMAPI endpoints are."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from umapi_mock.documents import DocumentError, read_document

PRODUCTION_IMS = "ims-na1.adobelogin.com"
PRODUCTION_UMAPI = "https://usermanagement.adobe.io/v2/usermanagement"
ENV_KEYS = {
    "org_id": "UMAPI_ORG_ID",
    "client_id": "UMAPI_CLIENT_ID",
    "client_secret": "UMAPI_CLIENT_SECRET",
    "ims_host": "UMAPI_IMS_HOST",
    "endpoint": "UMAPI_ENDPOINT",
    "ca_file": "UMAPI_CA_FILE",
    # only for a umapi-mock target whose admin API needs a token: lets the kit make it throttle
    "admin_token": "UMAPI_MOCK_ADMIN_TOKEN",
}


class TargetError(Exception):
    """A target that cannot be used as configured (bad option, missing credential)."""


@dataclass(frozen=True)
class Credentials:
    org_id: str
    client_id: str
    client_secret: str
    ims_host: str  # host[:port], https implied
    endpoint: str  # UMAPI base URL ending in /v2/usermanagement
    ca_file: str | None = None
    admin_token: str | None = None  # a umapi-mock's /_mock/ token (never needed for Adobe)

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
    url: str | None,
    credentials_file: str | None = None,
    env: Mapping[str, str] | None = None,
    ca_file: str | None = None,
) -> Credentials:
    """Credentials for a URL target: the file's values first, then the environment's; a
    `ca_file` given on the command line (--ca) wins over both."""
    env = os.environ if env is None else env
    url_endpoint = _endpoint_from_url(url) if url and url != "live" else None  # a bad URL first
    values = read_credentials_file(credentials_file) if credentials_file else {}
    for key, var in ENV_KEYS.items():
        if not values.get(key) and env.get(var):
            values[key] = env[var]
    if ca_file:
        values["ca_file"] = ca_file
    missing = [ENV_KEYS[k] for k in ("org_id", "client_id", "client_secret") if not values.get(k)]
    if missing:
        raise TargetError(
            "missing credentials: "
            + ", ".join(missing)
            + " (set them in the environment or in --umapi-credentials FILE; never on the command line)"
        )
    endpoint = url_endpoint or (values.get("endpoint") or PRODUCTION_UMAPI).rstrip("/")
    ims_host = values.get("ims_host") or _default_ims_host(endpoint)
    ims_host = ims_host.split("://", 1)[-1].rstrip("/")
    return Credentials(
        org_id=values["org_id"],
        client_id=values["client_id"],
        client_secret=values["client_secret"],
        ims_host=ims_host,
        endpoint=endpoint,
        ca_file=os.path.expanduser(values["ca_file"]) if values.get("ca_file") else None,
        admin_token=values.get("admin_token") or None,
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
