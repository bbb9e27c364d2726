"""User-group-entry steps (spec §3.4): create, update, delete, add/remove members and profiles."""

from __future__ import annotations

from typing import Any

from ..contracts import UNASSIGNABLE_TYPES
from ..models import PRODUCT_PROFILE, UNASSIGNABLE_GROUPS, USER_GROUP, Group, User
from ..names import admin_group_name
from .context import Entry
from .report import StepError
from .syntax import (
    GROUP_LIST_KEYS,
    OPTIONS,
    PROFILE_KEYS,
    EntrySyntax,
    check_description,
    check_group_name,
    string_fields,
)


class GroupSteps(EntrySyntax):
    def create_group(self, e: Entry, step: str, value: Any) -> None:
        """createUserGroup (spec §3.4, §6 A22): `name` optional, defaults to `usergroup`."""
        org = self.org
        p = string_fields(step, value, {"name", "description", "option"})
        option = p.get("option")
        if option is not None and option not in OPTIONS:
            raise StepError("error.option.illegal", option=option)
        name = p.get("name") or e.group
        check_group_name(name)
        description = p.get("description")
        check_description(description)
        group = org.group_named(name)
        if group is not None:
            if group.type != USER_GROUP or option is None:
                raise StepError("error.usergroup.already_exists", group=name)
            if option == "updateIfAlreadyExists" and description is not None and description != group.description:
                if group.read_only:
                    raise StepError("error.usergroup.readonly.update_not_allowed", group=group.name)
                org.update_group(group, description=description)
            e.group = group.name
            return
        e.group = org.add_group(name, USER_GROUP, description=description).name

    def user_group(self, e: Entry) -> Group:
        group = self.org.group_named(e.group)
        if group is None or group.type != USER_GROUP:
            raise StepError("error.usergroup.not_found", group=e.group)
        return group

    def update_group(self, e: Entry, step: str, value: Any) -> None:
        org = self.org
        p = string_fields(step, value, {"name", "description"}, special={"option": "error.command.update.option.no"})
        if not p:
            raise StepError("error.user.command.missing.arguments", step=step)
        name, description = p.get("name"), p.get("description")
        if name is not None:
            check_group_name(name)
        check_description(description)
        group = self.user_group(e)
        if group.read_only:
            raise StepError("error.usergroup.readonly.update_not_allowed", group=group.name)
        changes: dict[str, Any] = {}
        if description is not None:
            changes["description"] = description
        admin = None
        if name is not None and name != group.name:
            other = org.group_named(name)
            if other is not None and other.gid != group.gid:
                raise StepError("error.usergroup.update.failed", group=group.name, detail=f"{name} already exists")
            admin = org.admin_group_of(group)
            if admin is not None and name.lower() != group.name.lower():
                clash = org.group_named(admin_group_name(name))
                if clash is not None and clash.gid != admin.gid:
                    raise StepError(
                        "error.usergroup.update.failed",
                        group=group.name,
                        detail=f"{admin_group_name(name)} already exists",
                    )
            changes["name"] = name
        if changes:
            group = org.update_group(group, **changes)
        if admin is not None:
            org.update_group(admin, name=admin_group_name(group.name))
        e.group = group.name

    def delete_group(self, e: Entry, step: str, value: Any) -> None:
        if not isinstance(value, dict):
            raise StepError("error.command.create.object_expected", step=step)
        for key in value:
            if key == "option":
                raise StepError("error.command.update.option.no", step=step)
            raise StepError("error.command.object_not_empty", step=step, key=key)
        group = self.user_group(e)
        if group.read_only:
            raise StepError("error.usergroup.readonly.remove_not_allowed", group=group.name)
        self.org.delete_group(group.gid)

    def group_membership(self, e: Entry, step: str, value: Any) -> None:
        """Usergroup `add` / `remove` (spec §3.4): `user` and `productConfiguration` lists.
        Users may also be managed on profiles and admin groups named as `usergroup`."""
        org = self.org
        adding = step == "add"
        if not isinstance(value, dict):
            raise StepError("error.command.add_remove.list", step=step)
        lists = self.lists(e, step, value, GROUP_LIST_KEYS)
        if not lists:
            raise StepError("error.usergroup.command.missing.arguments", group=e.group)
        user_names = [n for key, names in lists if key == "user" for n in names]
        profile_names = [n for key, names in lists if key in PROFILE_KEYS for n in names]
        group = org.group_named(e.group)
        if profile_names:
            group = self.user_group(e)
        elif group is None:
            if e.group.lower() in UNASSIGNABLE_GROUPS:
                raise StepError("error.usergroup.not_found", group=e.group)
            group = self.admin_group(e.group, adding, "error.usergroup.not_found")
            if group is None:  # removing users from an admin group nobody holds yet
                for name in user_names:
                    self.listed_user(name)
                return
        if group.type in UNASSIGNABLE_TYPES:
            raise StepError("error.usergroup.not_found", group=e.group)
        if user_names and group.read_only:
            code = "add_user_not_allowed" if adding else "remove_user_not_allowed"
            raise StepError(f"error.usergroup.readonly.{code}", group=group.name)
        profiles: list[int] = []
        for name in profile_names:
            profile = org.group_named(name)
            if profile is None or profile.type != PRODUCT_PROFILE:
                raise StepError("error.command.product.not_found", name=name)
            profiles.append(profile.gid)
        listed: dict[int, User] = {}
        for name in user_names:
            user = self.listed_user(name)
            if adding and group.type == USER_GROUP and org.is_member(group.gid, user.uid):
                # ErrorRef places this code on a user-group command adding a member; a user
                # entry's `add` stays idempotent (docs/fidelity.md, issue 24)
                raise StepError("error.user.already_exists", user=name)
            listed[user.uid] = user
        users = list(listed.values())
        if adding:
            self.check_capacity([group], users)
        if profiles:
            linked = group.profiles | set(profiles) if adding else group.profiles - set(profiles)
            if linked != group.profiles:
                group = org.update_group(group, profiles=frozenset(linked))
        for user in users:
            if adding:
                org.add_member(group.gid, user.uid)
            else:
                org.remove_member(group.gid, user.uid)
