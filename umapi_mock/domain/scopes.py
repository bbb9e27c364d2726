"""The OAuth scopes of a UMAPI server-to-server credential (spec §1), in one place: what a
seeded credential holds by default, what the UMAPI meta-scope grants, and the scope
string an S2S client sends."""

from __future__ import annotations

ACCESS_SCOPE = "user_management_sdk"  # the scope every UMAPI call needs
S2S_SCOPES = ("openid", "AdobeID", ACCESS_SCOPE)
S2S_SCOPE = ",".join(S2S_SCOPES)  # "openid,AdobeID,user_management_sdk"
