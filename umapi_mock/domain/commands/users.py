"""User-entry steps (spec §3.3): create, update, add/remove memberships, removeFromOrg."""

from __future__ import annotations

from typing import Any

from .. import limits
from ..contracts import UNASSIGNABLE_TYPES
from ..directory_sync import refuse_create, refuse_removal
from ..models import (
    ADOBE_ID,
    ENTERPRISE_ID,
    FEDERATED_ID,
    PRODUCT_PROFILE,
    UNASSIGNABLE_GROUPS,
    USER_GROUP,
    Group,
    User,
    replace_user,
)
from ..names import domain_of
from ..trust import is_trusted_user, refuse_trustee_change, trusted_domain
from .context import Entry
from .report import StepError
from .syntax import (
    CREATE_STEPS,
    CREATE_USER_FIELDS,
    DOMAIN_TYPE,
    OPTIONS,
    SPACE_RE,
    UPDATE_USER_FIELDS,
    UPDATE_USER_SPECIAL,
    USER_LIST_KEYS,
    EntrySyntax,
    check_country,
    check_email,
    check_names,
    string_fields,
)


class UserSteps(EntrySyntax):
    def create_user(self, e: Entry, step: str, value: Any) -> None:
        """addAdobeID / createEnterpriseID / createFederatedID (spec §3.3)."""
        org = self.org
        utype = CREATE_STEPS[step]
        p = string_fields(step, value, CREATE_USER_FIELDS)
        option = p.get("option")
        if option is not None and option not in OPTIONS:
            raise StepError("error.option.illegal", option=option)
        email = p.get("email")
        if email is None or not email.strip():
            raise StepError("error.user.email.invalid", email="")
        check_email(email)
        firstname, lastname = p.get("firstname"), p.get("lastname")
        check_names(firstname, lastname)
        country = p.get("country")
        if country is not None:
            check_country(country)
        if utype != ADOBE_ID:
            if firstname is None or not firstname.strip():
                raise StepError("error.user.firstname_missing", type=utype)
            if lastname is None or not lastname.strip():
                raise StepError("error.user.lastname_missing", type=utype)
        if utype == FEDERATED_ID and country is None:
            raise StepError("error.country.invalid", country="(missing: required for Federated IDs)")
        # identity: username and the account's domain
        if utype == FEDERATED_ID and (e.domain is not None or e.user.lower() != email.lower()):
            username = e.user  # username-login, or an email-shaped SSO username (PM:11)
            domain = e.domain if e.domain is not None else domain_of(e.user)
        else:
            if e.user.lower() != email.lower():
                raise StepError("error.user.must_match_email", user=e.user, email=email)
            username, domain = email, domain_of(email)
        if utype != ADOBE_ID:
            wanted = DOMAIN_TYPE[utype]
            for claim in org.domains.values():
                if claim.type == wanted:
                    break
            else:
                raise StepError("error.user.type_not_available", type=utype)
            claimed = org.domain_named(domain) or trusted_domain(org, domain)  # a trustee links its users
            if claimed is None:
                raise StepError("error.domain.trust.nonexistent")
            if claimed.type != wanted:
                raise StepError("error.user.type_mismatch", type=utype, domain=claimed.name)
            domain = claimed.name
        existing = org.find_user(email, adobe_id=True) if utype == ADOBE_ID else org.user_by_login(username, domain)
        if existing is None or existing.status == "removed":
            refuse_create(org, step)  # a directory-synced org cannot gain users through UMAPI
        if existing is not None and existing.status == "removed":
            # A directory account removed from the org: creating it again re-adds it.
            changes = {
                "status": "active",
                "firstname": firstname or existing.firstname,
                "lastname": lastname or existing.lastname,
                "country": existing.country or country,
            }
            org.update_user(existing, **changes)
            e.uid = existing.uid
            return
        if existing is not None:
            if existing.type != utype:
                raise StepError("error.user.type_mismatch", type=utype, domain=domain)
            if option is None:
                raise StepError("error.user.already_in_org", user=e.user)  # §6 A22b
            if option == "updateIfAlreadyExists" and existing.org_owned and not is_trusted_user(org, existing):
                changes = {k: v for k, v in (("firstname", firstname), ("lastname", lastname)) if v}
                if changes:
                    org.update_user(existing, **changes)
            e.uid = existing.uid
            return
        if utype != ADOBE_ID and any(u.org_owned for u in org.users_with_email(email)):
            raise StepError("error.user.email.name_in_use", email=email)
        user = User(org.new_uid(), utype, email, username, domain, firstname or None, lastname or None, country)
        org.put_user(user)
        e.uid = user.uid

    def update_user(self, e: Entry, step: str, value: Any) -> None:
        """`update` (spec §3.3): org-owned accounts only; email, username and names."""
        org = self.org
        p = string_fields(step, value, UPDATE_USER_FIELDS, special=UPDATE_USER_SPECIAL)
        firstname, lastname = p.get("firstname"), p.get("lastname")
        check_names(firstname, lastname)
        new_email, new_username = p.get("email"), p.get("username")
        if new_email is not None:
            check_email(new_email)
        if new_username is not None:
            if len(new_username) > limits.STRING_MAX:
                raise StepError("error.command.string.too_long", field="username", max=limits.STRING_MAX)
            if not new_username.strip() or SPACE_RE.search(new_username):
                raise StepError("error.user.name.invalid", name=new_username)
        user = org.users.get(e.uid) if e.uid is not None else None  # `target`'s first lookup, inlined
        if user is None or user.status == "removed":
            user = self.target(e)
        if user.type == ADOBE_ID:
            raise StepError("error.update.adobeid.no", user=e.user)  # §6 A24
        if org.trusted:
            refuse_trustee_change(org, user, e.user)  # a trustee org may not update the owner's users
        if firstname is not None and not firstname.strip():
            raise StepError("error.user.firstname_missing", type=user.type)
        if lastname is not None and not lastname.strip():
            raise StepError("error.user.lastname_missing", type=user.type)
        if new_email is None and new_username is None:  # names only, the commonest update
            if firstname is not None or lastname is not None:
                org.rename_user(user.uid, firstname, lastname)
            return
        changes: dict[str, Any] = {}
        if firstname is not None:
            changes["firstname"] = firstname
        if lastname is not None:
            changes["lastname"] = lastname
        if new_email is not None and new_email != user.email:
            if new_email.lower() == user.email.lower():
                raise StepError("error.update.no", email=new_email)  # case-only change (§6 A30)
            claimed = self.claimed_for(user, domain_of(new_email))
            if any(u.org_owned and u.uid != user.uid for u in org.users_with_email(new_email)):
                raise StepError("error.user.email.name_in_use", email=new_email)
            changes["email"] = new_email
            # An email-login account's username follows its email, unless a Federated ID's
            # update names a username too (ActionsCmds.md: "Username and Email ... new
            # different domains for each"); that is applied below.
            follows = new_username is None or new_username.lower() == new_email.lower()
            if user.username.lower() == user.email.lower() and (follows or user.type != FEDERATED_ID):
                if not follows:
                    raise StepError("error.update.username.no", user=e.user)
                holder = org.user_by_login(new_email, claimed)
                if holder is not None and holder.uid != user.uid:
                    raise StepError("error.user.name_in_use", name=new_email)
                changes["username"], changes["domain"] = new_email, claimed
                new_username = None
        if new_username is not None and new_username != user.username:
            if user.type == ENTERPRISE_ID:
                if new_username.lower() != changes.get("email", user.email).lower():
                    raise StepError("error.update.username.no", user=e.user)
            else:
                domain = changes.get("domain", user.domain)
                if "@" in new_username:
                    domain = self.claimed_for(user, domain_of(new_username))
                holder = org.user_by_login(new_username, domain)
                if holder is not None and holder.uid != user.uid:
                    raise StepError("error.user.name_in_use", name=new_username)
                changes["username"], changes["domain"] = new_username, domain
        if changes:
            org.put_user(replace_user(user, changes))  # what org.update_user(user, **changes) does

    def claimed_for(self, user: User, domain: str) -> str:
        """A domain an org-owned account may move into: claimed, same directory type."""
        claimed = self.org.domain_named(domain)
        if claimed is None:
            raise StepError("error.domain.trust.nonexistent")
        if claimed.type != DOMAIN_TYPE.get(user.type):
            raise StepError("error.user.change_domain_update.no", domain=claimed.name)
        return claimed.name

    def user_membership(self, e: Entry, step: str, value: Any) -> None:
        """User `add` / `remove` (spec §3.3): group lists, legacy keys, or remove "all"."""
        org = self.org
        adding = step == "add"
        groups: list[Group]
        names = self.plain_group_names(value)
        if names is not None:  # {"group": [names]}, the common shape: what `lists` would find
            groups = []
            group_named = org.group_named
            for name in names:  # distinct names: distinct groups (`chosen_groups` merges none)
                found = group_named(name)
                if found is None or found.type in UNASSIGNABLE_TYPES:
                    found = self.assignable("group", name, adding)  # an admin group, or the error
                    if found is None:
                        continue
                groups.append(found)
        elif value == "all" and not adding:
            leaving = self.target(e)
            for gid in sorted(org.memberships.get(leaving.uid, ())):
                group = org.groups[gid]
                if group.type not in UNASSIGNABLE_TYPES and not group.read_only:
                    org.remove_member(gid, leaving.uid)
            return
        elif not isinstance(value, dict):
            raise StepError("error.command.add_remove.list", step=step)
        else:
            groups = self.chosen_groups(e, step, value, adding)
        user = org.users.get(e.uid) if e.uid is not None else None  # `target`'s first lookup, inlined
        if user is None or user.status == "removed":
            user = self.target(e)
        for group in groups:
            if group.read_only:
                code = "add_user_not_allowed" if adding else "remove_user_not_allowed"
                raise StepError(f"error.usergroup.readonly.{code}", group=group.name)
        uid = user.uid
        if adding:
            members = org.members
            for group in groups:  # a user group with no room left for one more: check them all
                if group.type == USER_GROUP and len(members.get(group.gid, ())) >= limits.USERGROUP_MAX_MEMBERS:
                    self.check_capacity(groups, [user])
                    break
            add_member = org.add_member
            for group in groups:
                add_member(group.gid, uid)
        else:
            remove_member = org.remove_member
            for group in groups:
                remove_member(group.gid, uid)

    def chosen_groups(self, e: Entry, step: str, value: dict[str, Any], adding: bool) -> list[Group]:
        """The groups the lists of a user `add`/`remove` name, each once, checked (spec §3.3)."""
        lists = self.lists(e, step, value, USER_LIST_KEYS)
        if not lists:
            raise StepError("error.command.add_remove.missing_list", step=step)
        assignable = self.assignable
        if len(lists) == 1 and len(lists[0][1]) == 1:  # one name: nothing to merge
            key, (name,) = lists[0]
            found = assignable(key, name, adding)
            return [] if found is None else [found]
        chosen: dict[int, Group] = {}
        for key, names in lists:
            for name in names:
                found = assignable(key, name, adding)
                if found is not None:
                    chosen[found.gid] = found
        return list(chosen.values())

    def assignable(self, key: str, name: str, adding: bool) -> Group | None:
        """A group a user entry may join or leave; None = an admin group that does not
        exist yet, which a remove leaves alone."""
        group = self.org.group_named(name)
        if key == "group":
            if group is not None and group.type not in UNASSIGNABLE_TYPES:
                return group
            if group is not None or name.lower() in UNASSIGNABLE_GROUPS:
                raise StepError("error.group.not_found", group=name)  # not assignable through UMAPI
            return self.admin_group(name, adding, "error.group.not_found")
        if key == "usergroup":
            if group is None or group.type != USER_GROUP:
                raise StepError("error.usergroup.not_found", group=name)
            return group
        if group is None or group.type != PRODUCT_PROFILE:
            # the legacy `product` / `productConfiguration` keys: ActionsRef.md's partial example
            raise StepError("error.group.not_found", group=name)
        return group

    def remove_from_org(self, e: Entry, step: str, value: Any) -> None:
        """Spec §3.3: always a success, even for a user that does not exist (§6 A25)."""
        if not isinstance(value, dict):
            raise StepError("error.command.create.object_expected", step=step)
        for key in value:
            if key == "option":
                raise StepError("error.command.update.option.no", step=step)
            if key != "deleteAccount":
                raise StepError("error.command.object_not_empty", step=step, key=key)
        delete = value.get("deleteAccount")
        if delete is not None and not isinstance(delete, bool):
            raise StepError("error.command.boolean_expected", field="deleteAccount")
        try:
            user = self.find(e)
        except StepError:
            return
        if user is None:
            return
        refuse_removal(self.org, e.user)  # a directory-synced org cannot lose users through UMAPI
        if delete:
            refuse_trustee_change(self.org, user, e.user)  # only the owning org deletes accounts
        if delete or not user.org_owned or is_trusted_user(self.org, user):
            self.org.delete_user(user.uid)  # the account is gone (an Adobe ID only leaves the org)
            return
        # Without deleteAccount an org-owned account leaves the org's user list but stays in
        # its directory (status `removed`), so a later create brings it back.
        for gid in list(self.org.memberships.get(user.uid, ())):
            self.org.remove_member(gid, user.uid)
        if user.status != "removed":
            self.org.update_user(user, status="removed")
