"""The one endpoint table: every route the emulator serves, with what each part of the
emulator needs to know about it.

One row per endpoint: its method(s), URL rule(s) (the first is the documented one, the others
trailing-slash aliases), its view (`module.function` under `umapi_mock.http`, resolved when
the app is built), its throttle family (spec §4.4; `domain/limits.py` holds the documented
rate of each family) and its OpenAPI operation (id, summary, schema names; `http/openapi.py`
renders it). From this table: the blueprints are filled (`blueprints()`), the throttle is
told the family of the matched endpoint (`endpoint_named`), `Canonical-Resource` names the
documented rule (`Endpoint.canonical`), the contract kit paces by `family_of` and the OpenAPI
paths are generated. A route spelled anywhere else is a defect (tests/test_architecture.py).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import BaseConverter, Map, Rule

from ..domain.limits import DOCUMENTED_RATES, RateLimit
from .canonical import template_of

if TYPE_CHECKING:
    from flask import Blueprint

UMAPI_PREFIX = "/v2/usermanagement"
ADMIN_PREFIX = "/_mock"  # the emulator's own API and console; never a UMAPI path
CONSOLE_PREFIX = ADMIN_PREFIX + "/ui"
U, A = UMAPI_PREFIX, ADMIN_PREFIX
PROFILE = U + "/<org_id>/products/<product_id>/configurations/<profile_id>"


class FaultIdConverter(BaseConverter):
    """A fault rule id in a URL: any segment but `kinds`, which is `GET /_mock/faults/kinds`
    (so that path allows GET only, and `Allow` says so)."""

    regex = r"(?!kinds/?$)[^/]+"


CONVERTERS = {"fault_id": FaultIdConverter}  # the rules' own converters, beside werkzeug's


def is_admin_path(path: str) -> bool:
    return path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")


@dataclass(frozen=True)
class Op:
    """An OpenAPI operation, by names `http/openapi.py` resolves: `ok` is a schema name
    (`[Name]` an array of it, `""` any object), `params` and `errors` keys of its parameter
    and error-response registries, `body` a key of its request bodies."""

    id: str
    summary: str
    ok: str = ""
    ok_text: str = ""
    params: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    body: str = ""
    paged: bool = False  # the answer carries the four X- paging headers
    status: str = "200"
    description: str = ""


@dataclass(frozen=True)
class Endpoint:
    methods: tuple[str, ...]
    rules: tuple[str, ...]
    view: str  # "module.function" under umapi_mock.http
    family: str | None = None  # throttle family (spec §4.4); None: never throttled
    op: Op | None = None  # None: not in the OpenAPI document (the console's pages)
    name: str = ""  # the Flask endpoint within its blueprint; default: the function's name

    @property
    def module(self) -> str:
        return self.view.partition(".")[0]

    @property
    def function(self) -> str:
        return self.view.partition(".")[2]

    @property
    def endpoint(self) -> str:
        return self.name or self.function

    @property
    def rule(self) -> str:
        return self.rules[0]

    @property
    def deprecated(self) -> bool:
        return self.module == "deprecated"

    @property
    def surface(self) -> str:
        """`ims`, `umapi` (the deprecated API included), `status`, `admin` or `console`."""
        if self.rule.startswith(CONSOLE_PREFIX):
            return "console"
        if is_admin_path(self.rule):
            return "admin"
        if self.rule.startswith(U + "/"):
            return "umapi"
        return "status" if self.rule == "/status" else "ims"

    @cached_property
    def canonical(self) -> str:
        """`Canonical-Resource`: the documented rule as UMAPI's own answers spell it."""
        return template_of(self.rule)

    @property
    def rate(self) -> RateLimit | None:
        """The documented per-minute limits of its family (None: none documented)."""
        return DOCUMENTED_RATES.get(self.family) if self.family else None


def _get(rules: str | tuple[str, ...], view: str, family: str | None = None, op: Op | None = None) -> Endpoint:
    return Endpoint(("GET",), (rules,) if isinstance(rules, str) else rules, view, family, op)


def _method(method: str, rules: str | tuple[str, ...], view: str, op: Op | None = None, **kw: Any) -> Endpoint:
    return Endpoint((method,), (rules,) if isinstance(rules, str) else rules, view, op=op, **kw)


def _slash(rule: str) -> tuple[str, str]:
    return (rule, rule + "/")


_IMS_TOKEN = "OAuth Server-to-Server token ({}); also served with a trailing `/`"
_IMS_FORM = "Parameters may come in the query string, an urlencoded body or a multipart body (merged, the body wins)."
_PAGES = "A page of {}"
_TOKEN_SECONDS = "An access token; `expires_in` in seconds"

# fmt: off
ENDPOINTS: tuple[Endpoint, ...] = (
    # --- IMS (spec §1) and status
    _method("POST", _slash("/ims/token/v2"), "ims.token", Op(
        "imsTokenV2", _IMS_TOKEN.format("v2"), "ImsToken", _TOKEN_SECONDS, body="ims_token", description=_IMS_FORM),
        name="token_v2"),
    _method("POST", _slash("/ims/token/v3"), "ims.token", Op(
        "imsTokenV3", _IMS_TOKEN.format("v3"), "ImsToken", _TOKEN_SECONDS, body="ims_token", description=_IMS_FORM),
        name="token_v3"),
    _method("POST", _slash("/ims/exchange/jwt"), "ims.exchange_jwt", Op(
        "imsExchangeJwt", "Deprecated JWT exchange; also served with a trailing `/`", "ImsJwtToken",
        "An access token; `expires_in` in milliseconds", body="ims_jwt")),
    _get("/status", "umapi.status", op=Op("status", "Service status (no auth)", "Status", "Service status")),
    # --- UMAPI v2 (spec §2.5, §3)
    _get(U + "/organizations/<org_id>/users/<path:user_string>", "umapi.get_user", "user", Op(
        "getUser", "Get User", "GetUserResponse", "The user", ("orgId", "userString", "domain.user"),
        ("user_not_found",))),
    _get(_slash(U + "/users/<org_id>/<page>"), "umapi.users", "users", Op(
        "getUsers", "Users in Organization (active users only, 2000 per page)", "UsersPage", _PAGES.format("users"),
        ("orgId", "page", "domain.users", "directOnly"), ("domain_not_found",), paged=True)),
    _get(U + "/users/<org_id>/<page>/<path:group_name>", "umapi.users_in_group", "users_in_group", Op(
        "getUsersInGroup", "Users by Group", "UsersInGroupPage", _PAGES.format("group members"),
        ("orgId", "page", "groupName", "directOnly", "status.profile", "excludeGroups"), ("group_not_found",),
        paged=True)),
    _get(_slash(U + "/groups/<org_id>/<page>"), "umapi.groups", "groups", Op(
        "getGroups", "User Groups and Product Profiles (400 per page)", "GroupsPage", _PAGES.format("groups"),
        ("orgId", "page"), paged=True)),
    _method("POST", _slash(U + "/action/<org_id>"), "umapi.action", Op(
        "action", "Action API: create/update/remove users and groups, manage memberships", "ActionResponse",
        "Processed (possibly with per-entry errors)", ("orgId", "testOnly"), body="action"), family="action"),
    # --- the deprecated API (spec §2.6): its views are all in http/deprecated.py
    _get(U + "/<org_id>/users", "deprecated.deprecated_users", "deprecated_users", Op(
        "getDeprecatedUsers", "Deprecated: users, 0-based `page` query, 400 per page", "[DeprecatedUser]",
        _PAGES.format("users"), ("orgId", "page.deprecated", "directOnly"), paged=True)),
    _get(U + "/<org_id>/user-groups", "deprecated.deprecated_user_groups", "deprecated_user_groups", Op(
        "getDeprecatedUserGroups", "Deprecated: user groups, 1-based `page` query", "[DeprecatedUserGroup]",
        _PAGES.format("user groups"), ("orgId", "page.one_based"), paged=True)),
    _get(U + "/<org_id>/user-groups/<group_id>", "deprecated.deprecated_user_group", "deprecated_user_groups", Op(
        "getDeprecatedUserGroup", "Deprecated: one user group", "DeprecatedUserGroup", "The user group",
        ("orgId", "groupId"), ("legacy_group_not_found",))),
    _get(U + "/<org_id>/user-groups/<group_id>/users", "deprecated.user_group_users", "deprecated_user_group_users", Op(
        "getDeprecatedUserGroupUsers", "Deprecated: a user group's members, 0-based `page` query, 400 per page",
        "[DeprecatedUserGroupUser]", _PAGES.format("members"), ("orgId", "groupId", "page.deprecated"),
        ("legacy_group_not_found",), paged=True)),
    _get(U + "/<org_id>/products", "deprecated.products", "deprecated_products", Op(
        "getDeprecatedProducts", "Deprecated: products, 0-based `page` query, 400 per page", "[DeprecatedProduct]",
        _PAGES.format("products"), ("orgId", "page.deprecated"), paged=True)),
    _get(U + "/<org_id>/products/<product_id>/configurations", "deprecated.product_profiles", "deprecated_profiles", Op(
        "getDeprecatedProductProfiles", "Deprecated: a product with its profiles", "DeprecatedProductProfiles",
        "The product and its profiles", ("orgId", "productId"), ("plc_not_found",))),
    _get(PROFILE, "deprecated.profile", "deprecated_profiles", Op(
        "getDeprecatedProfile", "Deprecated: one product profile", "DeprecatedProfile", "The profile",
        ("orgId", "productId", "profileId"), ("plc_not_found",))),
    _method("POST", PROFILE, "deprecated.update_profile", Op(
        "updateDeprecatedProfile", "Deprecated: add/remove a profile's users, user groups and admins (all or nothing)",
        "DeprecatedProfile", "The updated profile", ("orgId", "productId", "profileId"),
        ("bad_profile_update", "plc_not_found"), body="profile_update"), family="deprecated_profile_update"),
    _get(PROFILE + "/users", "deprecated.profile_users", "deprecated_profile_users", Op(
        "getDeprecatedProfileUsers", "Deprecated: a profile's direct members, 0-based `page` query, 400 per page",
        "[DeprecatedProfileUser]", _PAGES.format("members"), ("orgId", "productId", "profileId", "page.deprecated"),
        ("plc_not_found",), paged=True)),
    # --- the admin API (`/_mock/`): http/admin.py
    _get(A + "/", "admin.index", op=Op("adminIndex", "The admin endpoints", "", "A list")),
    _get(A + "/state", "admin.get_state", op=Op(
        "getState", "The whole state (client secrets included)", "State", "The state")),
    _method("PUT", A + "/state", "admin.put_state", Op(
        "putState", "Replace every org", "AdminOk", "Done", errors=("400",), body="document")),
    _get(A + "/orgs/<org_id>/state", "admin.get_org_state", op=Op(
        "getOrgState", "One org's state", "State", "The state", ("org_id",), ("404",))),
    _method("PUT", A + "/orgs/<org_id>/state", "admin.put_org_state", Op(
        "putOrgState", "Replace or add one org", "AdminOk", "Done", ("org_id",), ("400",), "document")),
    _method("POST", A + "/orgs/<org_id>/reset", "admin.reset_org", Op(
        "resetOrg", "One org back to its seed", "AdminOk", "Done", ("org_id",), ("404",))),
    _method("POST", A + "/reset", "admin.reset_all", Op("reset", "Every org back to the seed", "AdminOk", "Done")),
    _get(A + "/journal", "admin.get_journal", op=Op(
        "getJournal", "Journal entries, oldest first", "Journal", "Entries", ("journal_filters",), ("400",))),
    _method("DELETE", A + "/journal", "admin.clear_journal", Op("clearJournal", "Forget every entry", "AdminOk", "Done")),
    _get(A + "/faults", "admin.list_faults", op=Op(
        "listFaults", "Fault rules, in the order they are tried", "", "Rules")),
    _method("POST", A + "/faults", "admin.add_faults", Op(
        "addFaults", "Add one rule or a list (all or none)", "", "Ids", errors=("400",), body="fault_rules",
        status="201")),
    _method("DELETE", A + "/faults", "admin.clear_faults", Op("clearFaults", "Remove every rule", "AdminOk", "Done")),
    _get(A + "/faults/kinds", "admin.fault_kinds", op=Op(
        "faultKinds", "The fault kinds: name, trigger key, options, schema and form fields of each", "FaultKinds",
        "Kinds")),
    _get(A + "/faults/<fault_id:rule_id>", "admin.get_fault", op=Op(
        "getFault", "One rule", "", "The rule", ("rule_id",), ("404",))),
    _method("DELETE", A + "/faults/<fault_id:rule_id>", "admin.delete_fault", Op(
        "deleteFault", "Remove one rule", "AdminOk", "Done", ("rule_id",), ("404",))),
    _get(A + "/throttle", "admin.get_throttle", op=Op(
        "getThrottle", "The throttle policy and the requests counted in each window", "ThrottleState",
        "Policy, usage, and each client's run window (running-frequency control)")),
    _method("PUT", A + "/throttle", "admin.put_throttle", Op(
        "putThrottle", "Set the policy (resets every window)", "ThrottleSet", "The policy", errors=("400",),
        body="rules")),
    _method("DELETE", A + "/throttle", "admin.clear_throttle", Op(
        "clearThrottle", "Empty every window", "AdminOk", "Done")),
    _get(A + "/clock", "admin.get_clock", op=Op("getClock", "The emulator clock", "Clock", "The clock")),
    _method("POST", A + "/clock", "admin.move_clock", Op(
        "moveClock", 'Move the clock forward: `{"advance": seconds}`', "Clock", "The clock", errors=("400",),
        body="advance")),
    _get(A + "/openapi.json", "admin.openapi", op=Op("openapi", "This document", "", "OpenAPI 3.1")),
    _get(A + "/ca.pem", "admin.ca_pem", op=Op(
        "caCertificate", "The local CA certificate clients must trust (open: a certificate is public)", "pem", "PEM",
        errors=("no_ca",))),
    # --- the console's reads of the admin API: http/browse.py
    _get(A + "/overview", "browse.overview", op=Op(
        "overview", "Orgs, counts, credentials (client ids only), settings, uptime", "Overview", "The overview")),
    _get(A + "/orgs/<org_id>/users", "browse.search_users", op=Op(
        "searchUsers", "Search, sort and page an org's users (every status)", "ConsoleUserPage", "A page of users",
        ("org_id", "user_search", "page_params"), ("400", "404"))),
    _get(A + "/orgs/<org_id>/users/<path:user_id>", "browse.get_user", op=Op(
        "getConsoleUser", "One user: memberships (direct and via user groups), admin roles, the requests that named them",
        "ConsoleUserDetail", "The user", ("org_id", "user_id"), ("404",))),
    _get(A + "/orgs/<org_id>/groups", "browse.list_groups", op=Op(
        "listConsoleGroups", "Every group with its use", "ConsoleGroups", "Groups", ("org_id", "group_search"),
        ("404",))),
    _get(A + "/orgs/<org_id>/groups/<gid>/members", "browse.group_members", op=Op(
        "groupMembers", "A page of a group's members", "ConsoleGroupMembers", "Members",
        ("org_id", "gid", "direct", "page_params"), ("400", "404"))),
    _get(A + "/journal/<seq>", "browse.journal_entry", op=Op(
        "getJournalEntry", "One entry with its redacted bodies (the newest entries keep theirs) and a curl command",
        "JournalEntryDetail", "The entry", ("seq",), ("404",))),
    # --- the console (http/console.py): static pages, not in the OpenAPI document
    _get(CONSOLE_PREFIX, "console.root"),
    _get(CONSOLE_PREFIX + "/", "console.index"),
    _get(CONSOLE_PREFIX + "/<name>", "console.asset"),
    _method("POST", CONSOLE_PREFIX + "/state-download", "console.state_download"),
)
# fmt: on

# View module -> its blueprint's name (the Flask endpoint is "<blueprint>.<endpoint>").
BLUEPRINTS = {
    "ims": "ims",
    "umapi": "umapi",
    "deprecated": "umapi_deprecated",
    "admin": "mock_admin",
    "browse": "mock_browse",
    "console": "mock_console",
}
BY_FLASK_ENDPOINT: dict[str, Endpoint] = {f"{BLUEPRINTS[e.module]}.{e.endpoint}": e for e in ENDPOINTS}


def endpoint_named(flask_endpoint: str | None) -> Endpoint | None:
    """The table row of a matched request (`request.endpoint`), or None."""
    return BY_FLASK_ENDPOINT.get(flask_endpoint) if flask_endpoint else None


def family_for(flask_endpoint: str | None, method: str) -> str | None:
    """The throttle family of a matched request; None for what is never throttled
    (IMS, `/status`, `/_mock/*`, unmatched, OPTIONS)."""
    found = endpoint_named(flask_endpoint)
    return None if found is None or method == "OPTIONS" else found.family


@lru_cache(maxsize=1)
def blueprints() -> tuple[Blueprint, ...]:
    """Every view module's blueprint, filled from the table once (blueprints are module
    singletons; each app registers them, in this order)."""
    modules = {name: importlib.import_module(f"{__package__}.{name}") for name in BLUEPRINTS}
    for e in ENDPOINTS:
        module = modules[e.module]
        for rule in e.rules:
            module.bp.add_url_rule(rule, e.endpoint, getattr(module, e.function), methods=list(e.methods))
    return tuple(modules[name].bp for name in BLUEPRINTS)


@lru_cache(maxsize=1)
def _adapter() -> Any:
    rules = [Rule(rule, endpoint=e, methods=list(e.methods)) for e in ENDPOINTS for rule in e.rules]
    return Map(rules, strict_slashes=False, converters=CONVERTERS).bind("localhost")


def endpoint_at(path: str, method: str) -> Endpoint | None:
    """The table row that serves `method path` (a real path, or a rule such as
    `/v2/usermanagement/groups/<org_id>/<page>`), or None."""
    if method == "OPTIONS":
        return None
    try:
        endpoint, _ = _adapter().match(path, method)
    except HTTPException:  # no such route, or not that method
        return None
    return endpoint  # type: ignore[no-any-return]


def family_of(path: str, method: str) -> str | None:
    """The throttle family of a request path (the contract kit paces real paths by it)."""
    found = endpoint_at(path, method)
    return found.family if found is not None else None
