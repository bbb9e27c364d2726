"""A small model of what a *successful* action step does (spec §3.3, §3.4), written apart
from the engine: given a batch and the engine's report, it replays only the steps the
report says succeeded and predicts the org's content.

It knows the effects, not the validation: a step with an error had no effect (steps are
atomic), and a step without one must have had exactly the effect below. It expects
batches without entry-level errors (the property test generates such batches).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ADOBE, ENTERPRISE, FEDERATED = "adobeID", "enterpriseID", "federatedID"
FIXED_ROLES = ("_org_admin", "_support_admin", "_deployment_admin")
CREATES = {"addAdobeID": ADOBE, "createEnterpriseID": ENTERPRISE, "createFederatedID": FEDERATED}


def domain_of(address: str) -> str:
    return address.rsplit("@", 1)[1] if "@" in address else ""


@dataclass(eq=False)
class MUser:
    type: str
    email: str
    username: str
    domain: str
    firstname: str | None
    lastname: str | None
    country: str | None
    status: str
    groups: set[str] = field(default_factory=set)

    def row(self) -> tuple[Any, ...]:
        return (
            self.type,
            self.email,
            self.username,
            self.domain,
            self.firstname,
            self.lastname,
            self.country,
            self.status,
            tuple(sorted(self.groups)),
        )


@dataclass(eq=False)
class MGroup:
    name: str
    description: str | None
    profiles: set[str]
    read_only: bool

    def row(self) -> tuple[Any, ...]:
        return (self.name, self.description, tuple(sorted(self.profiles)), self.read_only)


class Model:
    def __init__(self, org_doc: dict[str, Any]):
        """Start from an org in seed format (`umapi_mock.seed.dump_org`)."""
        self.domains = {d["name"].lower(): d["name"] for d in org_doc["domains"]}
        self.products = {p["name"].lower(): p["name"] for p in org_doc["products"]}
        self.profiles = {pr["name"].lower(): pr["name"] for p in org_doc["products"] for pr in p["profiles"]}
        self.groups = {
            g["name"].lower(): MGroup(
                g["name"], g.get("description"), set(g.get("profiles", [])), g.get("read_only", False)
            )
            for g in org_doc["groups"]
        }
        self.users = [
            MUser(
                u["type"],
                u["email"],
                u.get("username", u["email"]),
                u.get("domain", domain_of(u["email"])),
                u.get("firstname"),
                u.get("lastname"),
                u.get("country"),
                u.get("status", "active"),
                set(u.get("groups", [])),
            )
            for u in org_doc["users"]
        ]

    def state(self) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        return sorted((u.row() for u in self.users), key=repr), sorted(
            (g.row() for g in self.groups.values()), key=repr
        )

    # ---------------------------------------------------------------- lookups

    def canon(self, name: str) -> str:
        """The stored name of the group `name` denotes (names match case-insensitively;
        admin groups are named after their base group or product)."""
        low = name.lower()
        if low in FIXED_ROLES:
            return low
        if low in self.groups:
            return self.groups[low].name
        if low in self.profiles:
            return self.profiles[low]
        for prefix, table in (("_product_admin_", self.products), ("_developer_", self.profiles)):
            if low.startswith(prefix):
                return prefix + table[low[len(prefix) :]]
        assert low.startswith("_admin_"), name
        base = low[len("_admin_") :]
        return "_admin_" + (self.groups[base].name if base in self.groups else self.profiles[base])

    def login(self, username: str, domain: str) -> MUser | None:
        return next(
            (
                u
                for u in self.users
                if u.type != ADOBE and u.username.lower() == username.lower() and u.domain.lower() == domain.lower()
            ),
            None,
        )

    def adobe(self, email: str) -> MUser | None:
        return next((u for u in self.users if u.type == ADOBE and u.email.lower() == email.lower()), None)

    def by_email(self, address: str) -> MUser | None:
        owned = [u for u in self.users if u.type != ADOBE and u.email.lower() == address.lower()]
        login = self.login(address, domain_of(address)) if "@" in address else None
        if len(owned) > 1:
            return login if login in owned else None
        if owned:
            return owned[0]
        return login or self.adobe(address)

    # ---------------------------------------------------------------- replay

    def apply(self, body: list[dict[str, Any]], report: dict[str, Any]) -> None:
        failed = {(e["index"], e["step"]) for e in report.get("errors", [])}
        for index, entry in enumerate(body):
            if "user" in entry:
                self.user_entry(index, entry, failed)
            else:
                self.group_entry(index, entry, failed)

    def user_entry(self, index: int, entry: dict[str, Any], failed: set[tuple[int, int]]) -> None:
        user, domain = entry["user"], entry.get("domain")
        steps = [next(iter(s.items())) for s in entry["do"]]
        adobe = bool(entry.get("useAdobeID")) or (bool(steps) and steps[0][0] == "addAdobeID")
        ref: list[MUser | None] = [None]

        def find() -> MUser | None:
            if ref[0] is not None and ref[0] in self.users:
                return ref[0]
            if adobe:
                return self.adobe(user)
            if domain is not None:
                return self.login(user, domain)
            return self.by_email(user)

        def target() -> MUser:
            found = find()
            assert found is not None, f"step succeeded on a missing user: {entry}"
            ref[0] = found
            return found

        for at, (name, value) in enumerate(steps):
            if (index, at) in failed:
                continue
            if name in CREATES:
                ref[0] = self.create(CREATES[name], user, domain, value)
            elif name == "update":
                self.update(target(), value)
            elif name in ("add", "remove"):
                found = target()
                if value == "all":
                    keep = {"_org_admin"} | {g.name for g in self.groups.values() if g.read_only}
                    found.groups &= keep
                    continue
                names = {self.canon(n) for names in value.values() for n in names}
                if name == "add":
                    found.groups |= names
                else:
                    found.groups -= names
            elif name == "removeFromOrg":
                gone = find()
                if gone is None:
                    continue
                if value.get("deleteAccount") or gone.type == ADOBE:
                    self.users.remove(gone)
                else:  # leaves the org, stays in the directory
                    gone.status, gone.groups = "removed", set()

    def create(self, utype: str, user: str, domain: str | None, p: dict[str, Any]) -> MUser:
        email = p["email"]
        if utype == FEDERATED and (domain is not None or user.lower() != email.lower()):
            username, dom = user, self.domains[(domain or domain_of(user)).lower()]
        elif utype == ADOBE:
            username, dom = email, domain_of(email)
        else:
            username, dom = email, self.domains[domain_of(email).lower()]
        existing = self.adobe(email) if utype == ADOBE else self.login(username, dom)
        if existing is not None and existing.status == "removed":
            existing.status = "active"
            existing.firstname = p.get("firstname") or existing.firstname
            existing.lastname = p.get("lastname") or existing.lastname
            existing.country = existing.country or p.get("country")
            return existing
        if existing is not None:
            if p.get("option") == "updateIfAlreadyExists" and existing.type != ADOBE:
                for key in ("firstname", "lastname"):
                    if p.get(key):
                        setattr(existing, key, p[key])
            return existing
        new = MUser(
            utype,
            email,
            username,
            dom,
            p.get("firstname") or None,
            p.get("lastname") or None,
            p.get("country"),
            "active",
        )
        self.users.append(new)
        return new

    def update(self, user: MUser, p: dict[str, Any]) -> None:
        for key in ("firstname", "lastname"):
            if p.get(key) is not None:
                setattr(user, key, p[key])
        new_username = p.get("username")
        email_login = user.username.lower() == user.email.lower()
        new_email = p.get("email")
        if new_email is not None and new_email != user.email:
            user.email = new_email
            if email_login:
                user.username, user.domain = new_email, self.domains[domain_of(new_email).lower()]
                new_username = None
        if new_username is not None and new_username != user.username and user.type == FEDERATED:
            if "@" in new_username:
                user.domain = self.domains[domain_of(new_username).lower()]
            user.username = new_username

    def group_entry(self, index: int, entry: dict[str, Any], failed: set[tuple[int, int]]) -> None:
        current = entry["usergroup"]
        for at, (name, value) in enumerate(next(iter(s.items())) for s in entry["do"]):
            if (index, at) in failed:
                if name == "deleteUserGroup":
                    return
                continue
            if name == "createUserGroup":
                wanted = value.get("name") or current
                existing = self.groups.get(wanted.lower())
                if existing is None:
                    self.groups[wanted.lower()] = MGroup(wanted, value.get("description"), set(), False)
                    current = wanted
                else:
                    if value.get("option") == "updateIfAlreadyExists" and value.get("description") is not None:
                        existing.description = value["description"]
                    current = existing.name
            elif name == "updateUserGroup":
                group = self.groups[current.lower()]
                if value.get("description") is not None:
                    group.description = value["description"]
                new = value.get("name")
                if new is not None and new != group.name:
                    self.rename(group, new)
                current = group.name
            elif name == "deleteUserGroup":
                group = self.groups.pop(current.lower())
                for u in self.users:
                    u.groups -= {group.name, "_admin_" + group.name}
                return
            else:
                target = self.canon(current)
                profiles = {self.profiles[n.lower()] for k, names in value.items() if k != "user" for n in names}
                if profiles:
                    group = self.groups[current.lower()]
                    group.profiles = group.profiles | profiles if name == "add" else group.profiles - profiles
                for n in value.get("user", []):
                    member = self.by_email(n)
                    assert member is not None, f"step succeeded on a missing user: {entry}"
                    if name == "add":
                        member.groups.add(target)
                    else:
                        member.groups.discard(target)

    def rename(self, group: MGroup, new: str) -> None:
        old = group.name
        del self.groups[old.lower()]
        group.name = new
        self.groups[new.lower()] = group
        for u in self.users:
            for before, after in ((old, new), ("_admin_" + old, "_admin_" + new)):
                if before in u.groups:
                    u.groups.discard(before)
                    u.groups.add(after)
