"""IMS token answers (spec §1.3, §1.4): the two flows name the same grant differently."""

from __future__ import annotations

from ...domain.tokens import TokenGrant


def token_answer(grant: TokenGrant) -> dict[str, object]:
    """OAuth S2S counts `expires_in` in seconds, the JWT exchange in milliseconds; both
    report one unit less than the token's lifetime, as IMS does."""
    if grant.flow == "jwt":
        return {"token_type": "bearer", "access_token": grant.access_token, "expires_in": grant.ttl * 1000 - 1}
    return {"access_token": grant.access_token, "token_type": "bearer", "expires_in": grant.ttl - 1}
