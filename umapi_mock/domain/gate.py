"""The auth gate every UMAPI route passes, in the order of spec §4.1.

The order matters to clients (a missing key must not be reported as a bad token), so it
lives in one function rather than in each handler.

A client sends the same key and token with every call, so a passed gate is remembered per
(key, Authorization, org id) and reused, one dictionary lookup, while what it depends on
stands: the token unexpired and verified under the current key (`TokenService.generation`),
the credential still in the org, the same org object, not migrating.
"""

from __future__ import annotations

import re
import weakref

from .errors import UmapiError
from .models import Org, OrgRegistry
from .tokens import ACCESS_SCOPE, AccessToken, TokenService

ORG_ID_RE = re.compile(r"^[0-9A-Fa-f]{1,64}@AdobeOrg$")


def authorize(
    registry: OrgRegistry,
    tokens: TokenService,
    *,
    api_key: str | None,
    authorization: str | None,
    org_id: str,
) -> tuple[Org, AccessToken]:
    key = (api_key or "", authorization or "", org_id)
    memo = tokens.gate_memo
    hit = memo.get(key)
    if hit is not None:
        org_ref, known, generation = hit
        org = registry.get(org_id)
        if (
            org is not None
            and org is org_ref()
            and generation == tokens.generation
            and known.expires_at > tokens.clock.now()
            and known.client_id in org.credentials
            and not org.migrating
        ):
            return org, known
    generation = tokens.generation
    org, token = _authorize(registry, tokens, api_key, authorization, org_id)
    if len(memo) >= MEMO_SIZE:
        memo.clear()
    memo[key] = (weakref.ref(org), token, generation)  # weak: a replaced org is not kept alive
    return org, token


MEMO_SIZE = 4096


def _authorize(
    registry: OrgRegistry, tokens: TokenService, api_key: str | None, authorization: str | None, org_id: str
) -> tuple[Org, AccessToken]:
    if not api_key:
        raise UmapiError("gateway.api_key_missing")
    if registry.credential(api_key) is None:
        raise UmapiError("gateway.api_key_invalid")
    bearer = _bearer(authorization)
    if bearer is None:
        raise UmapiError("gateway.token_missing")
    token = tokens.verify(bearer)
    if token is None:
        raise UmapiError("auth.invalid_token")
    if token.client_id != api_key:
        raise UmapiError("gateway.api_key_invalid")
    if ACCESS_SCOPE not in token.scopes:
        raise UmapiError("gateway.scope_mismatch")
    if not ORG_ID_RE.match(org_id):
        raise UmapiError("org.invalid_id")
    org = registry.get(org_id)
    if token.org_id != org_id or org is None:
        raise UmapiError("org.mismatch")
    if org.migrating:
        raise UmapiError("org.migrating", org=org_id)
    return org, token


def _bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()
