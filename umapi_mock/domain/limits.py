"""The one limits table (spec §2.4, §3.6, §4.4): sizes, lengths and rates as data."""

from __future__ import annotations

from dataclasses import dataclass

USERS_PAGE_SIZE = 2000
GROUPS_PAGE_SIZE = 400
DEPRECATED_PAGE_SIZE = 400

ENTRIES_PER_REQUEST = 10
STEPS_PER_ENTRY = 10
NAMES_PER_LIST = 10
EMAIL_MAX = 60
NAME_MAX = 250  # firstname / lastname
STRING_MAX = 250  # user, identifier, domain strings
COUNTRY_LEN = 2
GROUP_NAME_MAX = 255
USERGROUP_MAX_MEMBERS = 200_000

TOKEN_TTL_SECONDS = 86_400  # "valid for 24 hours"; S2S answers 86399


@dataclass(frozen=True)
class RateLimit:
    family: str
    per_client: int  # requests per minute from one client id
    global_: int  # requests per minute from all clients together
    window: float = 60.0


# Every throttle family an endpoint of the table (`http/routes.py`) can name; a family without
# a DOCUMENTED_RATES entry (the deprecated products API) is limited by a custom policy only.
FAMILIES: tuple[str, ...] = (
    "action",
    "user",
    "users",
    "users_in_group",
    "groups",
    "deprecated_users",
    "deprecated_user_groups",
    "deprecated_user_group_users",
    "deprecated_products",
    "deprecated_profiles",
    "deprecated_profile_users",
    "deprecated_profile_update",
)

# Endpoint families and their documented per-minute limits (spec §4.4).
DOCUMENTED_RATES: dict[str, RateLimit] = {
    r.family: r
    for r in (
        RateLimit("action", 10, 100),
        RateLimit("user", 25, 100),
        RateLimit("users", 25, 100),
        RateLimit("users_in_group", 25, 100),
        RateLimit("groups", 5, 100),
        RateLimit("deprecated_users", 25, 100),
        RateLimit("deprecated_user_groups", 5, 50),
        RateLimit("deprecated_profiles", 5, 100),  # getAllProfilesForOrg.md, getProductProfile.md
        RateLimit("deprecated_profile_users", 25, 100),  # getProductProfileUsers.md
        RateLimit("deprecated_profile_update", 5, 50),  # updateProductProfile.md
    )
}
