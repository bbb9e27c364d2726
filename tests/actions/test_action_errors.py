"""Every action errorCode of spec §3.8 the emulator can produce, one table row each.

Codes the emulator never produces, and why (also recorded as data in
`umapi_mock/domain/action_errors.py`, `ActionErrorSpec.unreachable`):
  error.user.belongs_to_another_org
        - no cross-org account ownership beyond trusted domains in the model
  error.user.already_invited          - invitations no longer exist (spec §3.3)
  error.user.type_must_not_be_adobeid - §6 A24: Adobe ID updates answer error.update.adobeid.no
  error.user.type_unknown, error.user.type.missing - every emulated user has a known type
  error.user.name.contains.email      - no SAML-username org setting in the seed format
  error.user.domain_enforcement       - no domain-enforcement setting in the seed format
  error.user.update_failed, error.user.productadmin.add.user.failed,
  error.user.productadmin.remove.admin.failed, error.productadmin.add.user.failed,
  error.productadmin.remove.admin.failed, error.developer.add_user.failed,
  error.developer.remove_user.failed, error.internal.update_failed, error.internal.add, error.internal.group.remove,
  error.internal.everybody_group.not_found
        - internal failures of back-end services the emulator does not have
  error.internal.exceptionflys        - only on an emulator bug (the property tests assert it never appears)
  error.command.malformed, error.organization.invalid_id, error.organization.invalid_name,
  error.organization.migrating, error.apikey.invalid
        - early validation: 4xx `result` bodies from the parser / auth gate, never inside errors[]
  error.command.add_remove.user_usergroup.missing
        - same condition as error.usergroup.command.missing.arguments, which is reported instead
  error.command.add_remove.duplicate.productadmin_list - only the legacy addRoles step had productAdmin
        lists; it answers error.command.step.unknown (§6 A36)
  plc.not_found, plc.admin.group.not_found, plc.admin.already_added, plc.add.admin.error,
  plc.remove.admin.error              - product-profile admin APIs, not the action endpoint
  error.api.not_available             - every emulated API is available
  error.throttled_by_external_service - no downstream services; throttling is the 429 layer
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.actions.conftest import Api, payload
from tests.actions.helpers import check_report
from umapi_mock.domain import limits
from umapi_mock.domain.action_errors import ACTION_ERRORS, ACTION_WARNINGS, placeholders, reachable_codes
from umapi_mock.domain.trust import TrustedDomain
from umapi_mock.http.context import emulator_of

FED1, FED2, ENT1, ADOBE1 = "fed1@fed.example", "fed2@fed.example", "ent1@ent.example", "adobe1@mail.example"
NEW = "new@fed.example"
FED_NEW = {"email": NEW, "firstname": "N", "lastname": "W", "country": "US"}
ENT_NEW = {"email": "new@ent.example", "firstname": "N", "lastname": "W"}


def user(u: str, *steps: dict, **extra: Any) -> dict:
    return {"user": u, **extra, "do": list(steps)}


def group(g: str, *steps: dict, **extra: Any) -> dict:
    return {"usergroup": g, **extra, "do": list(steps)}


ADD_DESIGN = {"add": {"group": ["Design"]}}
OTHER_ORG = "FFFF00000000000000000000@AdobeOrg"  # the owner of a domain an org holds by trust

# code -> (body, (index, step) of the expected error, options)
ROWS: list[tuple[str, Any, tuple[int, int], dict[str, Any]]] = [
    # users: existence, ownership, type
    ("error.user.not_found", [group("Design", {"add": {"user": ["ghost@fed.example"]}})], (0, 0), {}),
    ("error.user.nonexistent", [user(FED1, ADD_DESIGN), user("ghost@fed.example", ADD_DESIGN)], (1, 0), {}),
    (
        "error.user.nonexistent_or_has_conflicting_parameters",
        [user(NEW, {"createEnterpriseID": ENT_NEW}, useAdobeID=True)],
        (0, 0),
        {},
    ),
    ("error.user.not_in_org", [user("gone@fed.example", {"update": {"firstname": "G"}})], (0, 0), {}),
    ("error.user.already_in_org", [user(FED1, {"createFederatedID": {**FED_NEW, "email": FED1}})], (0, 0), {}),
    ("error.user.must_match_email", [user("a@ent.example", {"createEnterpriseID": ENT_NEW})], (0, 0), {}),
    ("error.update.adobeid.no", [user(ADOBE1, {"update": {"firstname": "A"}})], (0, 0), {}),
    (
        "error.user.type_not_available",
        [user("e@f.example", {"createEnterpriseID": {**ENT_NEW, "email": "e@f.example"}})],
        (0, 0),
        {"org": "fed"},
    ),
    ("error.user.type_mismatch", [user(NEW, {"createEnterpriseID": {**ENT_NEW, "email": NEW}})], (0, 0), {}),
    ("error.user.not_found_or_ambiguous", [user("twin@fed.example", ADD_DESIGN)], (0, 0), {}),
    ("error.user.name.invalid", [user("bad name", ADD_DESIGN, domain="fed.example")], (0, 0), {}),
    ("error.user.user_list.invalid", [group("Design", {"add": {"user": ["has space@fed.example"]}})], (0, 0), {}),
    ("error.user.email.invalid", [user(NEW, {"createFederatedID": {**FED_NEW, "email": "new@@fed"}})], (0, 0), {}),
    ("error.user.id_missing", [user("", ADD_DESIGN)], (0, 0), {}),
    (
        "error.user.firstname_missing",
        [user("new@ent.example", {"createEnterpriseID": {"email": "new@ent.example", "lastname": "W"}})],
        (0, 0),
        {},
    ),
    (
        "error.user.lastname_missing",
        [user("new@ent.example", {"createEnterpriseID": {"email": "new@ent.example", "firstname": "N"}})],
        (0, 0),
        {},
    ),
    ("error.user.name_in_use", [user("jdoe", {"update": {"username": "twin.a"}}, domain="fed.example")], (0, 0), {}),
    ("error.user.email.name_in_use", [user(FED1, {"update": {"email": FED2}})], (0, 0), {}),
    ("error.user.change_domain_update.no", [user(FED1, {"update": {"email": "fed1@ent.example"}})], (0, 0), {}),
    ("error.user.command.missing.arguments", [group("Design", {"updateUserGroup": {}})], (0, 0), {}),
    (
        "error.user.productadmin.group.not_found",
        [user(FED1, {"add": {"group": ["_product_admin_Nothing"]}})],
        (0, 0),
        {},
    ),
    (
        "error.domain.trust.nonexistent",
        [user("x@unclaimed.example", {"createFederatedID": {**FED_NEW, "email": "x@unclaimed.example"}})],
        (0, 0),
        {},
    ),
    # command syntax
    ("error.command.user_usergroup.missing", [{"do": [ADD_DESIGN]}], (0, 0), {}),
    ("error.command.steps.malformed", [{"user": FED1, "do": ADD_DESIGN}], (0, 0), {}),
    (
        "error.command.step.unknown",
        [user(FED1, ADD_DESIGN, {"addEnterpriseID": {"email": FED1}})],
        (0, 1),
        {},
    ),  # §6 A38 sample defect
    ("error.command.illegal_entry", [{"user": FED1, "usergroup": "Design", "do": [ADD_DESIGN]}], (0, 0), {}),
    ("error.command.string_expected", [user(FED1, ADD_DESIGN, requestID=7)], (0, 0), {}),
    ("error.command.string.too_long", [user(NEW, {"createFederatedID": {**FED_NEW, "country": "USA"}})], (0, 0), {}),
    ("error.command.boolean_expected", [user(FED1, ADD_DESIGN, useAdobeID="yes")], (0, 0), {}),
    ("error.command.domain.missing", [user("jdoe", ADD_DESIGN)], (0, 0), {}),
    (
        "error.command.domain.must_be_used_with_nonemail_username",
        [user(NEW, {"createFederatedID": FED_NEW}, domain="fed2.example")],
        (0, 0),
        {},
    ),
    ("error.command.domain.string_expected", [user("jdoe", ADD_DESIGN, domain=["fed.example"])], (0, 0), {}),
    ("error.command.create.object_expected", [user(NEW, {"createFederatedID": NEW})], (0, 0), {}),
    ("error.command.create.string_expected", [user(NEW, {"createFederatedID": {**FED_NEW, "country": 1}})], (0, 0), {}),
    (
        "error.command.create.more_than_one",
        [user(NEW, {"createFederatedID": FED_NEW}, {"createFederatedID": FED_NEW})],
        (0, 1),
        {},
    ),
    ("error.command.create.not_first", [user(NEW, ADD_DESIGN, {"createFederatedID": FED_NEW})], (0, 1), {}),
    (
        "error.command.create.key.unknown",
        [user(NEW, {"createFederatedID": {**FED_NEW, "middlename": "Q"}})],
        (0, 0),
        {},
    ),
    ("error.command.update.option.no", [user(FED1, {"update": {"option": "updateIfAlreadyExists"}})], (0, 0), {}),
    ("error.option.illegal", [user(NEW, {"createFederatedID": {**FED_NEW, "option": "overwrite"}})], (0, 0), {}),
    ("error.command.removefromorg.not_last", [user(FED1, {"removeFromOrg": {}}, ADD_DESIGN)], (0, 0), {}),
    ("error.command.object_not_empty", [user(FED1, {"removeFromOrg": {"deleteAccount": True, "x": 1}})], (0, 0), {}),
    ("error.command.add_remove.list", [user(FED1, {"add": "all"})], (0, 0), {}),
    ("error.command.add_remove.missing_list", [user(FED1, {"remove": {}})], (0, 0), {}),
    ("error.command.add_remove.key.unknown", [user(FED1, {"add": {"groups": ["Design"]}})], (0, 0), {}),
    ("error.command.add_remove.list_not_array", [user(FED1, {"add": {"group": "Design"}})], (0, 0), {}),
    ("error.command.add_remove.list_too_long", [user(FED1, {"add": {"group": ["Design"] * 11}})], (0, 0), {}),
    (
        "error.command.add_remove.group_or_product_name_too_long",
        [user(FED1, {"add": {"group": ["G" * (limits.GROUP_NAME_MAX + 1)]}})],
        (0, 0),
        {},
    ),
    (
        "error.command.add_remove.duplicate.user_list",
        [group("Design", {"add": {"user": [FED1, FED1.upper()]}})],
        (0, 0),
        {},
    ),
    (
        "error.command.add_remove.duplicate.product_list",
        '[{"user": "fed1@fed.example", "do": [{"add": {"product": ["PS Team"], "product": ["Acrobat Default"]}}]}]',
        (0, 0),
        {},
    ),
    (
        "error.command.add_remove.duplicate.group_list",
        '[{"user": "fed1@fed.example", "do": [{"add": {"group": ["Design"], "group": ["Staff"]}}]}]',
        (0, 0),
        {},
    ),
    (
        "error.command.add_remove.duplicate.usergroup_list",
        [user(FED1, {"add": {"usergroup": ["Design", "design"]}})],
        (0, 0),
        {},
    ),
    ("error.command.add_remove.invalid.usergroup_list", [user(FED1, {"add": {"usergroup": []}})], (0, 0), {}),
    ("error.command.product.not_found", [group("Design", {"add": {"productConfiguration": ["Nope"]}})], (0, 0), {}),
    ("error.api.user.not.parent.org", [user(FED1, {"update": {"firstname": "X"}})], (0, 0), {"trusted": "fed.example"}),
    ("error.internal.create_failed", [user(NEW, {"createFederatedID": FED_NEW})], (0, 0), {"directory_sync": "azure"}),
    ("error.internal.removefromorg", [user(FED1, {"removeFromOrg": {}})], (0, 0), {"directory_sync": "google"}),
    (
        "error.user.already_exists",
        [group("Design", {"add": {"user": [FED1]}}), group("Design", {"add": {"user": [FED1]}})],
        (1, 0),
        {},
    ),
    # groups, user groups, profiles
    ("error.group.not_found", [user(FED1, {"add": {"group": ["NON_EXISTING_GROUP"]}})], (0, 0), {}),
    ("error.group.invalid_list", [user(FED1, {"add": {"group": []}})], (0, 0), {}),
    ("error.group.invalid_name", [group("x", {"createUserGroup": {"name": "_system"}})], (0, 0), {}),
    ("error.usergroup.not_found", [group("Nope", {"updateUserGroup": {"description": "d"}})], (0, 0), {}),
    ("error.usergroup.already_exists", [group("Staff", {"createUserGroup": {"description": "d"}})], (0, 0), {}),
    ("error.usergroup.user_list.invalid", [group("Design", {"add": {"user": []}})], (0, 0), {}),
    ("error.usergroup.update.failed", [group("Design", {"updateUserGroup": {"name": "STAFF"}})], (0, 0), {}),
    ("error.usergroup.command.missing.arguments", [group("Design", {"add": {}})], (0, 0), {}),
    ("error.usergroup.exceeds_maximum_member_count", [user(FED2, ADD_DESIGN)], (0, 0), {"max_members": 2}),
    (
        "error.usergroup.readonly.update_not_allowed",
        [group("Shared RO", {"updateUserGroup": {"name": "Mine"}})],
        (0, 0),
        {},
    ),
    ("error.usergroup.readonly.add_user_not_allowed", [group("Shared RO", {"add": {"user": [FED1]}})], (0, 0), {}),
    (
        "error.usergroup.readonly.remove_user_not_allowed",
        [user(FED2, {"remove": {"group": ["Shared RO"]}})],
        (0, 0),
        {},
    ),
    ("error.usergroup.readonly.remove_not_allowed", [group("Shared RO", {"deleteUserGroup": {}})], (0, 0), {}),
    # organization, API
    ("error.country.invalid", [user(NEW, {"createFederatedID": {**FED_NEW, "country": "KP"}})], (0, 0), {}),
    ("error.update.no", [user(FED1, {"update": {"email": "FED1@fed.example"}})], (0, 0), {}),
    ("error.update.domain.mismatch", [user(FED1, ADD_DESIGN, domain="fed2.example")], (0, 0), {}),
    ("error.update.username.no", [user(ENT1, {"update": {"username": "eve@ent.example"}})], (0, 0), {}),
    ("error.update.country.no_update", [user(FED1, {"update": {"country": "FR"}})], (0, 0), {}),
]

# Extra rows: the same codes reached another way (entry-level vs step-level, step index).
EXTRA_ROWS: list[tuple[str, Any, tuple[int, int], dict[str, Any]]] = [
    ("error.command.add_remove.list_too_long", [user(FED1, *[ADD_DESIGN] * 11)], (0, 10), {}),
    ("error.command.illegal_entry", [user(FED1, ADD_DESIGN), "not an object"], (1, 0), {}),
    ("error.command.illegal_entry", [user(FED1, ADD_DESIGN, extra=True)], (0, 0), {}),
    ("error.command.steps.malformed", [user(FED1, ADD_DESIGN, {"add": {}, "remove": {}})], (0, 1), {}),
    ("error.command.string.too_long", [user("u" * 251 + "@fed.example", ADD_DESIGN)], (0, 0), {}),
    ("error.command.string.too_long", [group("Design", {"updateUserGroup": {"name": "n" * 256}})], (0, 0), {}),
    ("error.command.step.unknown", [user(FED1, {"addRoles": {"admin": ["org"]}})], (0, 0), {}),  # §6 A36
    ("error.command.step.unknown", [group("Design", {"update": {}})], (0, 0), {}),
    ("error.group.not_found", [user(FED1, {"add": {"group": ["_org_admin"]}})], (0, 0), {}),
    ("error.country.invalid", [user(NEW, {"createFederatedID": {**FED_NEW, "country": "us"}})], (0, 0), {}),
    (
        "error.country.invalid",
        [user(NEW, {"createFederatedID": {k: v for k, v in FED_NEW.items() if k != "country"}})],
        (0, 0),
        {},
    ),
    (
        "error.user.email.invalid",
        [user("l" * 50 + "@fed.example", {"createFederatedID": {**FED_NEW, "email": "l" * 50 + "@fed.example"}})],
        (0, 0),
        {},
    ),
    ("error.command.object_not_empty", [group("Design", {"deleteUserGroup": {"force": True}})], (0, 0), {}),
    (
        "error.usergroup.exceeds_maximum_member_count",
        [group("Design", {"add": {"user": [FED1, FED2]}})],
        (0, 0),
        {"max_members": 3},
    ),
    (
        "error.command.add_remove.duplicate.user_list",
        '[{"usergroup": "Design", "do": [{"add": {"user": ["fed1@fed.example"], "user": ["fed2@fed.example"]}}]}]',
        (0, 0),
        {},
    ),
    (
        "error.command.add_remove.duplicate.usergroup_list",
        '[{"user": "fed1@fed.example", "do": [{"add": {"usergroup": ["Design"], "usergroup": ["Staff"]}}]}]',
        (0, 0),
        {},
    ),
    (
        "error.command.add_remove.duplicate.product_list",
        '[{"usergroup": "Design", "do": [{"remove": {"productConfiguration": [], "productConfiguration": []}}]}]',
        (0, 0),
        {},
    ),
    ("error.command.illegal_entry", '[{"user": "fed1@fed.example", "user": "fed2@fed.example", "do": []}]', (0, 0), {}),
    ("error.command.steps.malformed", '[{"user": "fed1@fed.example", "do": [{"add": {}, "add": {}}]}]', (0, 0), {}),
]

MISSING_USER_CODES = {
    "error.user.nonexistent",
    "error.user.not_found",
    "error.user.not_in_org",
}  # forgiven in test mode (§3.9)


def _run(
    app_api: Api, fed_api: Api, body: Any, opts: dict[str, Any], monkeypatch: pytest.MonkeyPatch, test: bool = False
) -> dict[str, Any]:
    if "max_members" in opts:
        monkeypatch.setattr(limits, "USERGROUP_MAX_MEMBERS", opts["max_members"])
    target = fed_api if opts.get("org") == "fed" else app_api
    if "directory_sync" in opts:  # an org kept in step by Azure/Google sync (domain/directory_sync.py)
        org = emulator_of(target.app).backend.registry.get(target.org_id)
        monkeypatch.setattr(org, "directory_sync", opts["directory_sync"])
    org = emulator_of(target.app).backend.registry.get(target.org_id)
    if "trusted" in opts and opts["trusted"] in org.domains:  # held by trust only (domain/trust.py)
        claimed = org.domains[opts["trusted"]]
        monkeypatch.delitem(org.domains, opts["trusted"])
        monkeypatch.setitem(org.trusted, opts["trusted"], TrustedDomain(claimed.name, claimed.type, OTHER_ORG))
    if isinstance(body, str):
        url = f"/v2/usermanagement/action/{target.org_id}" + ("?testOnly=true" if test else "")
        r = target.client.post(url, data=body, headers=target.headers)
        assert r.status_code == 200, r.get_data(as_text=True)
        return payload(r)  # type: ignore[no-any-return]
    return target.act(body, test=test)


def _entries(body: Any) -> list[Any]:
    return json.loads(body) if isinstance(body, str) else body


@pytest.mark.parametrize(
    "code,body,where,opts",
    [pytest.param(*row, id=row[0]) for row in ROWS]
    + [pytest.param(*row, id=f"{row[0]}#{i}") for i, row in enumerate(EXTRA_ROWS)],
)
def test_error_code(
    api: Api,
    fed_api: Api,
    monkeypatch: pytest.MonkeyPatch,
    code: str,
    body: Any,
    where: tuple[int, int],
    opts: dict[str, Any],
) -> None:
    report = _run(api, fed_api, body, opts, monkeypatch)
    found = [(e["index"], e["step"], e["errorCode"]) for e in report.get("errors", [])]
    assert (*where, code) in found, report
    assert found.count((*where, code)) == 1
    assert report["notCompleted"] >= 1
    check_report(report, _entries(body), test_mode=False)
    # test mode validates the same things, except that it forgives users that do not exist
    fresh = _run(api, fed_api, body, opts, monkeypatch, test=True)
    check_report(fresh, _entries(body), test_mode=True)
    test_found = [(e["index"], e["step"], e["errorCode"]) for e in fresh.get("errors", [])]
    assert ((*where, code) in test_found) == (code not in MISSING_USER_CODES), fresh


def test_table_covers_every_reachable_code() -> None:
    assert sorted({row[0] for row in ROWS}) == sorted(reachable_codes())
    assert len(ROWS) == len({row[0] for row in ROWS})


def test_catalogue_matches_the_spec() -> None:
    spec = Path("/work/shared/umapi-spec.md")
    if not spec.exists():
        pytest.skip("wire contract not available here")
    text = spec.read_text()
    section = text[text.index("### 3.8") : text.index("### 3.9")]
    documented = set(re.findall(r"`((?:error|plc)\.[a-z_.]+)`", section))
    assert documented == set(ACTION_ERRORS)
    assert f"message `{ACTION_WARNINGS['warning.command.deprecated']}`" in text
    assert (
        ACTION_WARNINGS["warning.command.deprecated"]
        == "'product' command is deprecated. Please use productConfiguration."
    )


def test_every_template_renders() -> None:
    for code, spec in ACTION_ERRORS.items():
        params = {name: f"<{name}>" for name in placeholders(spec.message)}
        assert spec.message.format(**params)
        assert (spec.unreachable is None) or spec.unreachable.strip(), code


def test_spec_messages_verbatim(api: Api) -> None:
    report = api.act(
        [
            user(NEW, {"createFederatedID": {**FED_NEW, "country": "USA"}}),
            user("x@unclaimed.example", {"createFederatedID": {**FED_NEW, "email": "x@unclaimed.example"}}),
            user(FED1, {"add": {"group": ["NON_EXISTING_GROUP"]}}),
            user("test@test_fake.us", ADD_DESIGN),
            group("Shared RO", {"updateUserGroup": {"description": "x"}}),
            group("Shared RO", {"remove": {"user": [FED2]}}),
            group("Shared RO", {"deleteUserGroup": {}}),
        ]
    )
    assert [e["message"] for e in report["errors"]] == [
        "String too long in command for field: country, max length 2",
        "Changes to users are only allowed in claimed domains.",
        "Group NON_EXISTING_GROUP was not found",
        "User Id does not exist: test@test_fake.us",
        "Usergroup is owned by another org and readonly: Shared RO",
        "User cannot be removed from group as owned by another org and readonly: Shared RO",
        "User group owned by another organization. Remove not allowed: Shared RO",
    ]
    assert report["result"] == "error" and report["completed"] == 0 and report["notCompleted"] == 7
