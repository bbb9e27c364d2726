"""The action error catalogue (spec §3.8) as data: every `errorCode` an action response can
carry, with the message template the emulator renders for it.

Action errors travel inside an HTTP 200 (spec §3.7), unlike the catalogue in `errors.py`.
Messages quote the spec where it gives them; the others are written in the same style.
A code the emulator can never produce carries the reason in `unreachable`, so the contract
kit and the tests can list what the emulator claims to answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from string import Formatter
from typing import Any


@dataclass(frozen=True)
class ActionErrorSpec:
    message: str  # str.format template
    unreachable: str | None = None  # why the emulator never reports this code


def _u(message: str, reason: str) -> ActionErrorSpec:
    return ActionErrorSpec(message, reason)


_NO_TRUST = "the emulator models one org per domain: no trustee orgs, shared directories or cross-org ownership"
_INTERNAL = "internal failure of a back-end service the emulator does not have"
_EARLY = "early validation: answered by the auth gate / request parser as a 4xx `result` body, never inside errors[]"
_PROFILE_API = "belongs to the product-profile admin APIs, not to the action endpoint"

ACTION_ERRORS: dict[str, ActionErrorSpec] = {
    # ---------------------------------------------------- users: existence, ownership, type
    "error.user.not_found": ActionErrorSpec("No valid users were found in the request"),
    "error.user.nonexistent": ActionErrorSpec("User Id does not exist: {user}"),
    "error.user.nonexistent_or_has_conflicting_parameters": ActionErrorSpec(
        "User does not exist or has conflicting parameters: {user} ({detail})"
    ),
    "error.user.not_in_org": ActionErrorSpec("User is not in the organization: {user}"),
    "error.user.belongs_to_another_org": _u("User belongs to another organization: {user}", _NO_TRUST),
    "error.user.already_in_org": ActionErrorSpec("User already exists in the organization: {user}"),
    "error.user.already_invited": _u(
        "User has already been invited: {user}",
        "invitations no longer exist (spec §3.3: an added Adobe ID joins at once)",
    ),
    # only a user-group entry's `add: {user: [...]}`; a user entry's `add` is idempotent
    "error.user.already_exists": ActionErrorSpec("User is already a member of the user group: {user}"),
    "error.user.must_match_email": ActionErrorSpec("User name must match the email address: {user} vs {email}"),
    "error.user.type_must_not_be_adobeid": _u(
        "Operation is not allowed for an Adobe ID: {user}",
        "§6 A24: updates of Adobe IDs report error.update.adobeid.no",
    ),
    "error.update.adobeid.no": ActionErrorSpec("Adobe ID users cannot be updated: {user}"),
    "error.user.type_unknown": _u("Unable to determine the user type: {user}", "every emulated user has a known type"),
    "error.user.type.missing": _u("User type is missing: {user}", "every emulated user has a known type"),
    "error.user.type_not_available": ActionErrorSpec("Identity type {type} is not available for this organization"),
    "error.user.type_mismatch": ActionErrorSpec("Identity type {type} does not match the type of domain {domain}"),
    "error.user.not_found_or_ambiguous": ActionErrorSpec("More than one user matches: {user}"),
    "error.user.name.invalid": ActionErrorSpec("Invalid user name: {name}"),
    "error.user.user_list.invalid": ActionErrorSpec("Invalid user in user list: {name}"),
    "error.user.email.invalid": ActionErrorSpec("Invalid email address: {email}"),
    "error.user.id_missing": ActionErrorSpec("User id is missing"),
    "error.user.firstname_missing": ActionErrorSpec("First name is required for {type} users"),
    "error.user.lastname_missing": ActionErrorSpec("Last name is required for {type} users"),
    "error.user.name_in_use": ActionErrorSpec("User name is already in use: {name}"),
    "error.user.email.name_in_use": ActionErrorSpec("Email is already in use by another user: {email}"),
    "error.user.name.contains.email": _u(
        "User name must not be an email address: {name}", "the seed format has no SAML-username org setting"
    ),
    "error.user.change_domain_update.no": ActionErrorSpec(
        "Email cannot be changed into domain {domain}: it belongs to another directory"
    ),
    "error.user.domain_enforcement": _u(
        "User creation is blocked by domain enforcement: {user}", "the seed format has no domain-enforcement setting"
    ),
    "error.user.update_failed": _u("Failed to update user group membership", _INTERNAL),
    "error.user.command.missing.arguments": ActionErrorSpec("Missing arguments for user group command: {step}"),
    "error.user.productadmin.group.not_found": ActionErrorSpec("Product admin group {group} was not found"),
    "error.user.productadmin.add.user.failed": _u("Failed to add product admin: {user}", _INTERNAL),
    "error.user.productadmin.remove.admin.failed": _u("Failed to remove product admin: {user}", _INTERNAL),
    "error.api.user.not.parent.org": ActionErrorSpec("Organization is not the owner of user: {user}"),  # trust.py
    "error.domain.trust.nonexistent": ActionErrorSpec("Changes to users are only allowed in claimed domains."),
    # ----------------------------------------------------------------- command syntax
    "error.command.malformed": _u("Malformed request: {detail}", _EARLY + " (400, spec §6 A29, A32)"),
    "error.command.user.missing": _u(
        "Command entry is missing the user",
        "ErrorRef's wording predates user-group entries: an entry with neither user nor usergroup gets "
        "error.command.user_usergroup.missing (spec §3.1), a blank user error.user.id_missing",
    ),
    "error.command.user_usergroup.missing": ActionErrorSpec("Command entry needs exactly one of user or usergroup"),
    "error.command.steps.malformed": ActionErrorSpec("Malformed steps in command: {detail}"),
    "error.command.step.unknown": ActionErrorSpec("Unknown step in command: {step}"),
    "error.command.illegal_entry": ActionErrorSpec("Illegal command entry: {detail}"),
    "error.command.string_expected": ActionErrorSpec("String expected in command for field: {field}"),
    "error.command.string.too_long": ActionErrorSpec("String too long in command for field: {field}, max length {max}"),
    "error.command.boolean_expected": ActionErrorSpec("Boolean expected in command for field: {field}"),
    "error.command.domain.missing": ActionErrorSpec("Domain is required for non-email user name: {user}"),
    "error.command.domain.must_be_used_with_nonemail_username": ActionErrorSpec(
        "Domain must only be used with a non-email user name: {user}"
    ),
    "error.command.domain.string_expected": ActionErrorSpec("String expected in command for field: domain"),
    "error.command.create.object_expected": ActionErrorSpec("Object expected for step: {step}"),
    "error.command.create.string_expected": ActionErrorSpec("String expected in step {step} for field: {field}"),
    "error.command.create.more_than_one": ActionErrorSpec("Only one create step is allowed per command"),
    "error.command.create.not_first": ActionErrorSpec("The create step must be the first step: {step}"),
    "error.command.create.key.unknown": ActionErrorSpec("Unknown key in step {step}: {key}"),
    "error.command.update.option.no": ActionErrorSpec("Option is not allowed in step: {step}"),
    "error.option.illegal": ActionErrorSpec(
        "Illegal option: {option}. Allowed: ignoreIfAlreadyExists, updateIfAlreadyExists"
    ),
    "error.command.removefromorg.not_last": ActionErrorSpec("removeFromOrg must be the last step"),
    "error.command.object_not_empty": ActionErrorSpec("Unexpected key in step {step}: {key}"),
    "error.command.add_remove.list": ActionErrorSpec('{step} expects an object of lists or "all"'),
    "error.command.add_remove.missing_list": ActionErrorSpec("{step} has no group list"),
    "error.command.add_remove.user_usergroup.missing": _u(
        "{step} has no user or usergroup list",
        "same condition as error.usergroup.command.missing.arguments, which the emulator reports for an empty "
        "usergroup add/remove (user-entry add/remove without a list reports add_remove.missing_list)",
    ),
    "error.command.add_remove.key.unknown": ActionErrorSpec("Unknown key in {step}: {key}"),
    "error.command.add_remove.list_not_array": ActionErrorSpec("List expected in {step} for key: {key}"),
    "error.command.add_remove.list_too_long": ActionErrorSpec("Too many {what}: {count}, max {max}"),
    "error.command.add_remove.group_or_product_name_too_long": ActionErrorSpec(
        "Group or product name too long: {name}, max length {max}"
    ),
    "error.command.add_remove.duplicate.user_list": ActionErrorSpec("User listed more than once: {name}"),
    "error.command.add_remove.duplicate.product_list": ActionErrorSpec("More than one {key} list in {step}"),
    "error.command.add_remove.duplicate.group_list": ActionErrorSpec("More than one group list in {step}"),
    "error.command.add_remove.duplicate.usergroup_list": ActionErrorSpec("User group listed more than once: {name}"),
    "error.command.add_remove.duplicate.productadmin_list": _u(
        "User listed more than once among product admins: {name}",
        "only the legacy addRoles/removeRoles steps had productAdmin lists; they answer step.unknown (§6 A36)",
    ),
    "error.command.add_remove.invalid.usergroup_list": ActionErrorSpec("Invalid user group list in {step}"),
    "error.command.product.not_found": ActionErrorSpec("Product configuration {name} was not found"),
    # ------------------------------------------------------ groups, user groups, profiles
    "error.group.not_found": ActionErrorSpec("Group {group} was not found"),
    "error.group.invalid_list": ActionErrorSpec("Invalid group list in {step}"),
    "error.group.invalid_name": ActionErrorSpec("Invalid group name: {group}"),
    "error.usergroup.not_found": ActionErrorSpec("User group {group} was not found"),
    "error.usergroup.already_exists": ActionErrorSpec("User group already exists: {group}"),
    "error.usergroup.user_list.invalid": ActionErrorSpec("User list is empty for user group {group}"),
    "error.usergroup.update.failed": ActionErrorSpec("User group {group} was not updated: {detail}"),
    "error.usergroup.command.missing.arguments": ActionErrorSpec(
        "No users or product configurations given for user group {group}"
    ),
    "error.usergroup.exceeds_maximum_member_count": ActionErrorSpec(
        "User group {group} would exceed the maximum member count {max}"
    ),
    "error.usergroup.readonly.update_not_allowed": ActionErrorSpec(
        "Usergroup is owned by another org and readonly: {group}"
    ),
    "error.usergroup.readonly.add_user_not_allowed": ActionErrorSpec(
        "User cannot be added to group as owned by another org and readonly: {group}"
    ),
    "error.usergroup.readonly.remove_user_not_allowed": ActionErrorSpec(
        "User cannot be removed from group as owned by another org and readonly: {group}"
    ),
    "error.usergroup.readonly.remove_not_allowed": ActionErrorSpec(
        "User group owned by another organization. Remove not allowed: {group}"
    ),
    "plc.not_found": _u("Product configuration not found: {group}", _PROFILE_API),
    "plc.admin.group.not_found": _u("Product configuration admin group not found: {group}", _PROFILE_API),
    "plc.admin.already_added": _u("Admin already added: {user}", _PROFILE_API),
    "plc.add.admin.error": _u("Failed to add admin: {user}", _PROFILE_API),
    "plc.remove.admin.error": _u("Failed to remove admin: {user}", _PROFILE_API),
    "error.productadmin.add.user.failed": _u("Failed to add product admin: {user}", _INTERNAL),
    "error.productadmin.remove.admin.failed": _u("Failed to remove product admin: {user}", _INTERNAL),
    "error.developer.add_user.failed": _u("Failed to add developer: {user}", _INTERNAL),
    "error.developer.remove_user.failed": _u("Failed to remove developer: {user}", _INTERNAL),
    # --------------------------------------------------------- organization, API, internal
    "error.organization.invalid_id": _u("Bad organization Id", _EARLY),
    "error.organization.invalid_name": _u("Invalid organization name", _EARLY),
    "error.organization.migrating": _u("Organization is migrating", _EARLY),
    "error.apikey.invalid": _u("Invalid API key", _EARLY),
    "error.api.not_available": _u("API not available", "every emulated API is available"),
    "error.country.invalid": ActionErrorSpec("Invalid country code: {country}"),
    "error.update.no": ActionErrorSpec("The new email cannot be used: {email}"),
    "error.update.domain.mismatch": ActionErrorSpec("Domain {domain} does not match the domain of user {user}"),
    "error.update.username.no": ActionErrorSpec("User name cannot be updated: {user}"),
    "error.update.country.no_update": ActionErrorSpec("Country cannot be updated: {user}"),
    "error.throttled_by_external_service": _u(
        "Throttled by an external service", "no downstream services; throttling is the 429 layer (spec §4.3)"
    ),
    # a directory-synced org (directory_sync.py; the wording of user-sync #664)
    "error.internal.create_failed": ActionErrorSpec("Could not create person of type {step}"),
    "error.internal.update_failed": _u("Failed to update user: {user}", _INTERNAL),
    "error.internal.removefromorg": ActionErrorSpec("Failed to remove user from organization: {user}"),
    "error.internal.add": _u("Failed to add users to user group", _INTERNAL),
    "error.internal.group.remove": _u("Failed to remove user group: {group}", _INTERNAL),
    "error.internal.exceptionflys": _u(
        "Internal error while processing step {step}",
        "only on an emulator bug: the engine turns an unexpected exception in one step into this error "
        "instead of a 500 (the tests assert it never appears)",
    ),
    "error.internal.everybody_group.not_found": _u("Organization root group not found", _INTERNAL),
}

ACTION_WARNINGS: dict[str, str] = {
    "warning.command.deprecated": "'product' command is deprecated. Please use productConfiguration.",
}

_FORMATTER = Formatter()


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in _FORMATTER.parse(template) if name}


def action_message(code: str, **params: Any) -> str:
    """Render the message for `code`; missing placeholders are an emulator bug."""
    return ACTION_ERRORS[code].message.format(**params)


def warning_message(code: str, **params: Any) -> str:
    return ACTION_WARNINGS[code].format(**params)


def reachable_codes() -> set[str]:
    return {code for code, spec in ACTION_ERRORS.items() if spec.unreachable is None}
