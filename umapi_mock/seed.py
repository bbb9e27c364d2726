"""Seed files: the documented YAML/JSON format that describes orgs, and its inverse.

`load_seed` turns a file into orgs and fails with file, path inside the file and problem
(never a traceback); `dump_orgs` writes orgs back in the same format, so the admin API's
state GET/PUT round-trips and a dumped state can be used as a seed. Which fields a record
has, their keys and defaults, are `org_schema.py`'s, shared with the data dir's rows.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from .documents import DocumentError, parse_text, read_text
from .domain.contracts import CONTRACT_ID_RE, add_contract, contract_group_name, contract_id_of, contracts_of
from .domain.directory_sync import DIRECTORY_SYNCS
from .domain.gate import ORG_ID_RE
from .domain.generate import populate
from .domain.limits import EMAIL_MAX, GROUP_NAME_MAX
from .domain.models import (
    ADOBE_ID,
    DEFAULT_METASCOPES,
    DEFAULT_SCOPES,
    DEVELOPER_GROUP,
    IDENTITY_TYPES,
    ORG_ADMIN,
    PRODUCT_ADMIN_GROUP,
    PRODUCT_PROFILE,
    PROFILE_ADMIN_GROUP,
    USER_ADMIN_GROUP,
    USER_GROUP,
    USER_STATUSES,
    Credential,
    Org,
    Product,
    User,
)
from .domain.names import admin_name, group_name_problem, is_email
from .domain.trust import TrustedDomain, link_trust, trusted_domain
from .org_schema import CREDENTIAL, GROUP, PRODUCT, USER

DEMO_ORG_ID = "0123456789ABCDEF01234567@AdobeOrg"

DEMO_SEED: dict[str, Any] = {
    "orgs": [
        {
            "id": DEMO_ORG_ID,
            "domains": [{"name": "example.com", "type": "federated"}, {"name": "example.net", "type": "enterprise"}],
            "credentials": [
                {
                    "client_id": "test-client",
                    "client_secret": "test-secret",
                    "tech_account": "0123ABCD0123ABCD0123ABCD@techacct.adobe.com",
                }
            ],
            "products": [
                {"name": "Adobe Photoshop", "profiles": [{"name": "Default Photoshop configuration", "quota": 100}]},
                {"name": "Adobe Illustrator", "profiles": [{"name": "Default Illustrator configuration", "quota": 50}]},
                {
                    "name": "Adobe Acrobat Pro",
                    "profiles": [
                        {"name": "Default Acrobat Pro configuration"},
                        {"name": "Acrobat Pro - Legal", "quota": 10},
                    ],
                },
            ],
            "groups": [
                {"name": "Employees", "description": "All staff", "profiles": ["Default Photoshop configuration"]},
                {"name": "Contractors", "description": "External contractors"},
            ],
            "users": [
                {
                    "email": "jane@example.com",
                    "type": "federatedID",
                    "firstname": "Jane",
                    "lastname": "Doe",
                    "country": "US",
                    "groups": ["Employees", "_org_admin"],
                },
                {
                    "email": "john@example.net",
                    "type": "enterpriseID",
                    "firstname": "John",
                    "lastname": "Smith",
                    "country": "GB",
                    "groups": [
                        "Contractors",
                        "Default Acrobat Pro configuration",
                        "_admin_Contractors",
                        "_admin_Default Acrobat Pro configuration",
                        "_developer_Default Photoshop configuration",
                    ],
                },
                {
                    "email": "pat@gmail.example",
                    "type": "adobeID",
                    "country": "DE",
                    "groups": ["_product_admin_Adobe Illustrator", "BCDEFA3F5A9DB8F0345B_CONTRACT_GROUP"],
                },
            ],
            # every group type the groups listing documents: system (_org_admin), user groups,
            # profiles, and the admin groups above (user-group, profile, developer, product,
            # contract: index.md's news of 2025-05-22)
            "contracts": [{"id": "BCDEFA3F5A9DB8F0345B", "name": "ETLA - BCDEFA3F5A9DB8F0345B"}],
            "generate": {"users": 2500, "groups": 12, "seed": 42},
        }
    ]
}


class SeedError(Exception):
    """A problem in a seed document: where it is and what is wrong."""

    def __init__(self, source: str, path: str, problem: str):
        super().__init__(f"{source}: {path or '(top)'}: {problem}")
        self.source, self.path, self.problem = source, path, problem


def read_seed_file(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    try:
        text = read_text(p, "seed file")
    except DocumentError as exc:
        raise SeedError(str(p), "", exc.problem) from None
    return parse_seed_text(text, str(p), json_only=p.suffix.lower() == ".json")


def parse_seed_text(text: str, source: str, *, json_only: bool = False) -> dict[str, Any]:
    try:
        doc = parse_text(text, json_only=json_only)
    except DocumentError as exc:
        raise SeedError(source, exc.where, exc.problem) from None
    if not isinstance(doc, dict):
        raise SeedError(source, "", "the document must be a mapping with an 'orgs' list")
    return doc


def load_seed(
    doc: dict[str, Any], source: str = "<seed>", base_dir: Path | None = None, *, progress: bool = False
) -> list[Org]:
    return _Loader(source, base_dir or Path.cwd(), progress).orgs(doc)


def _stated_ids(entries: list[Any]) -> list[int]:
    return [
        e["id"]
        for e in entries
        if isinstance(e, dict) and isinstance(e.get("id"), int) and not isinstance(e.get("id"), bool)
    ]


def _reserve_stated_ids(org: Org, products: list[Any], groups: list[Any], users: list[Any]) -> None:
    """Entries without an `id` are numbered after every id the document states, so a dumped
    state with a profile, group or user added by hand loads (the new entry used to take the
    id of an entry listed after it)."""
    profiles = [
        p
        for prod in products
        if isinstance(prod, dict) and isinstance(prod.get("profiles"), list)
        for p in prod["profiles"]
    ]
    org.reserve_ids(gids=_stated_ids(profiles) + _stated_ids(groups), uids=_stated_ids(users))


class _Loader:
    def __init__(self, source: str, base_dir: Path, progress: bool):
        self.source, self.base_dir, self.progress = source, base_dir, progress
        self.trusted_by_org: dict[str, list[tuple[str, str, str]]] = {}

    def fail(self, path: str, problem: str) -> SeedError:
        return SeedError(self.source, path, problem)

    def get(
        self,
        obj: dict[str, Any],
        key: str,
        path: str,
        kind: type | tuple[type, ...],
        default: Any = None,
        required: bool = False,
    ) -> Any:
        if key not in obj or obj[key] is None:
            if required:
                raise self.fail(f"{path}.{key}" if path else key, "is required")
            return default
        value = obj[key]
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            raise self.fail(f"{path}.{key}", f"expected {_kind_name(kind)}, got a boolean")
        if not isinstance(value, kind):
            raise self.fail(f"{path}.{key}", f"expected {_kind_name(kind)}, got {type(value).__name__}")
        return value

    def mapping(self, value: Any, path: str, allowed: set[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected a mapping, got {type(value).__name__}")
        unknown = sorted(set(value) - allowed)
        if unknown:
            raise self.fail(f"{path}.{unknown[0]}", f"unknown key (allowed: {', '.join(sorted(allowed))})")
        return value

    def orgs(self, doc: dict[str, Any]) -> list[Org]:
        self.mapping(doc, "", {"orgs"})
        orgs_doc = self.get(doc, "orgs", "", list, required=True)
        if not orgs_doc:
            raise self.fail("orgs", "must list at least one org")
        result: list[Org] = []
        seen_clients: set[str] = set()
        self.trusted_by_org = _trust_entries(orgs_doc)
        for i, org_doc in enumerate(orgs_doc):
            org = self.org(org_doc, f"orgs[{i}]")
            for cid in org.credentials:
                if cid in seen_clients:
                    raise self.fail(f"orgs[{i}].credentials", f"client_id {cid!r} is used twice")
                seen_clients.add(cid)
            if any(o.id == org.id for o in result):
                raise self.fail(f"orgs[{i}].id", f"org {org.id!r} is listed twice")
            result.append(org)
        link_trust(result)
        return result

    def org(self, doc: Any, path: str) -> Org:
        doc = self.mapping(
            doc,
            path,
            {
                "id",
                "domains",
                "credentials",
                "products",
                "groups",
                "users",
                "generate",
                "sysadmin_name",
                "migrating",
                "directory_sync",
                "contracts",
                "trusted_domains",
                "admin_groups",
            },
        )
        org_id = self.get(doc, "id", path, str, required=True)
        if not ORG_ID_RE.match(org_id):
            raise self.fail(f"{path}.id", f"{org_id!r} is not an org id of the form <hex>@AdobeOrg")
        org = Org(
            org_id,
            sysadmin_name=self.get(doc, "sysadmin_name", path, str, ORG_ADMIN),
            migrating=self.get(doc, "migrating", path, bool, False),
        )
        for i, d in enumerate(self.get(doc, "domains", path, list, [])):
            p = f"{path}.domains[{i}]"
            d = self.mapping(d, p, {"name", "type", "trustees"})
            name = self.get(d, "name", p, str, required=True)
            dtype = self.get(d, "type", p, str, "federated")
            if dtype not in ("enterprise", "federated"):
                raise self.fail(f"{p}.type", f"must be 'enterprise' or 'federated', not {dtype!r}")
            org.add_domain(name, dtype)
            trustees = []
            for j, trustee in enumerate(self.get(d, "trustees", p, list, [])):
                if not isinstance(trustee, str) or not ORG_ID_RE.match(trustee):
                    raise self.fail(f"{p}.trustees[{j}]", f"{trustee!r} is not an org id of the form <hex>@AdobeOrg")
                if trustee == org_id:
                    raise self.fail(f"{p}.trustees[{j}]", "an org does not trust its own domain")
                trustees.append(trustee)
            if trustees:
                org.trustees[name.lower()] = tuple(dict.fromkeys(trustees))
        for i, t in enumerate(self.get(doc, "trusted_domains", path, list, [])):
            p = f"{path}.trusted_domains[{i}]"
            t = self.mapping(t, p, {"name", "type", "owner"})
            name = self.get(t, "name", p, str, required=True)
            dtype = self.get(t, "type", p, str, "federated")
            owner = self.get(t, "owner", p, str, required=True)
            if dtype not in ("enterprise", "federated"):
                raise self.fail(f"{p}.type", f"must be 'enterprise' or 'federated', not {dtype!r}")
            if not ORG_ID_RE.match(owner) or owner == org_id:
                raise self.fail(f"{p}.owner", f"{owner!r} is not another org's id")
            org.trusted[name.lower()] = TrustedDomain(name, dtype, owner)
        for name, dtype, owner in self.trusted_by_org.get(org_id, []):
            org.trusted.setdefault(name.lower(), TrustedDomain(name, dtype, owner))
        for key in list(org.trusted):
            if key in org.domains:
                raise self.fail(f"{path}.domains", f"{org.domains[key].name!r} is both claimed and trusted here")
        for i, c in enumerate(self.get(doc, "credentials", path, list, [])):
            org.add_credential(self.credential(c, f"{path}.credentials[{i}]", org_id))
        sync = self.get(doc, "directory_sync", path, str)
        if sync is not None and sync not in DIRECTORY_SYNCS:
            raise self.fail(f"{path}.directory_sync", f"must be one of {', '.join(DIRECTORY_SYNCS)}, not {sync!r}")
        org.directory_sync = sync
        _reserve_stated_ids(
            org,
            self.get(doc, "products", path, list, []),
            self.get(doc, "groups", path, list, []),
            self.get(doc, "users", path, list, []),
        )
        for i, prod in enumerate(self.get(doc, "products", path, list, [])):
            p = f"{path}.products[{i}]"
            prod = self.mapping(prod, p, {"name", "profiles", "id", "code", "quota"})
            pname = self.get(prod, "name", p, str, required=True)
            product = org.add_product(pname)
            product.id = self.get(prod, "id", p, str)
            product.code = self.get(prod, "code", p, str)
            product.quota = self.quota(prod, p)
            if product.id is not None:
                if not product.id.strip():
                    raise self.fail(f"{p}.id", "must not be empty")
                if any(o is not product and o.id == product.id for o in org.products.values()):
                    raise self.fail(f"{p}.id", f"product id {product.id!r} is used twice")
            for j, prof in enumerate(self.get(prod, "profiles", p, list, [])):
                pp = f"{p}.profiles[{j}]"
                prof = self.mapping(prof, pp, {"name", "quota", "id", "description"})
                name = self.get(prof, "name", pp, str, required=True)
                quota = self.quota(prof, pp)
                self.new_group(
                    org,
                    name,
                    pp,
                    PRODUCT_PROFILE,
                    gid=self.get(prof, "id", pp, int),
                    product=pname,
                    quota=quota,
                    description=self.get(prof, "description", pp, str),
                )
        for i, g in enumerate(self.get(doc, "groups", path, list, [])):
            p = f"{path}.groups[{i}]"
            g = self.mapping(g, p, {"name", "description", "profiles", "id", "read_only", "quota"})
            name = self.get(g, "name", p, str, required=True)
            problem = group_name_problem(name)
            if problem == "invalid":
                raise self.fail(f"{p}.name", "user group names must not be blank or start with '_'")
            if problem == "too_long":
                raise self.fail(f"{p}.name", f"user group names are at most {GROUP_NAME_MAX} characters")
            linked = []
            for j, prof_name in enumerate(self.get(g, "profiles", p, list, [])):
                prof = org.group_named(prof_name) if isinstance(prof_name, str) else None
                if prof is None or prof.type != PRODUCT_PROFILE:
                    raise self.fail(f"{p}.profiles[{j}]", f"no product profile named {prof_name!r}")
                linked.append(prof.gid)
            self.new_group(
                org,
                name,
                p,
                USER_GROUP,
                gid=self.get(g, "id", p, int),
                description=self.get(g, "description", p, str),
                profiles=frozenset(linked),
                read_only=self.get(g, "read_only", p, bool, False),
                quota=self.quota(g, p),
            )
        for i, c in enumerate(self.get(doc, "contracts", path, list, [])):
            p = f"{path}.contracts[{i}]"
            c = self.mapping(c, p, {"id", "name", "group_id"})
            cid = self.get(c, "id", p, str, required=True)
            if not CONTRACT_ID_RE.match(cid):
                raise self.fail(f"{p}.id", f"{cid!r} is not a contract id (letters and digits)")
            if org.group_named(contract_group_name(cid)) is not None:
                raise self.fail(f"{p}.id", f"contract {cid!r} is listed twice")
            gid = self.get(c, "group_id", p, int)
            if gid is not None and gid in org.groups:
                raise self.fail(f"{p}.group_id", f"group id {gid} is used twice")
            add_contract(org, cid, self.get(c, "name", p, str, required=True), gid)
        for i, u in enumerate(self.get(doc, "users", path, list, [])):
            self.user(org, u, f"{path}.users[{i}]")
        for i, name in enumerate(self.get(doc, "admin_groups", path, list, [])):
            # admin groups that outlived their last member (a dump keeps them: they stay listed)
            if not isinstance(name, str) or admin_name(name) is None or org.ensure_admin_group(name) is None:
                raise self.fail(f"{path}.admin_groups[{i}]", f"{name!r} is not an admin group of this org's groups")
        gen = self.get(doc, "generate", path, dict)
        if gen is not None:
            p = f"{path}.generate"
            gen = self.mapping(gen, p, {"users", "groups", "seed"})
            n_users = self.get(gen, "users", p, int, 0)
            n_groups = self.get(gen, "groups", p, int, 0)
            if n_users < 0 or n_groups < 0:
                raise self.fail(p, "counts must not be negative")
            populate(org, n_users, n_groups, self.get(gen, "seed", p, int, 0), progress=self.progress)
        return org

    def quota(self, obj: dict[str, Any], path: str) -> int | None:
        quota = self.get(obj, "quota", path, int)
        if quota is not None and quota < 0:
            raise self.fail(f"{path}.quota", "must not be negative")
        return quota  # type: ignore[no-any-return]

    def new_group(self, org: Org, name: str, path: str, gtype: str, gid: int | None = None, **attrs: Any) -> None:
        if org.group_named(name) is not None:
            raise self.fail(f"{path}.name", f"a group named {name!r} already exists")
        if gid is not None and gid in org.groups:
            raise self.fail(f"{path}.id", f"group id {gid} is used twice")
        org.add_group(name, gtype, gid=gid, **attrs)

    def credential(self, c: Any, path: str, org_id: str) -> Credential:
        c = self.mapping(
            c, path, {"client_id", "client_secret", "tech_account", "certificates", "scopes", "metascopes"}
        )
        certs = []
        for j, cert in enumerate(self.get(c, "certificates", path, list, [])):
            cp = f"{path}.certificates[{j}]"
            if not isinstance(cert, str):
                raise self.fail(cp, "expected a file path or a PEM string")
            if "-----BEGIN" in cert:
                certs.append(cert)
                continue
            file = (self.base_dir / cert) if not Path(cert).is_absolute() else Path(cert)
            try:
                certs.append(file.read_text())
            except OSError as exc:
                raise self.fail(cp, f"cannot read certificate {str(file)!r}: {exc.strerror or exc}") from None
            if "-----BEGIN" not in certs[-1]:
                raise self.fail(cp, f"{str(file)!r} is not a PEM certificate")
        for j, pem in enumerate(certs):
            if not _loads_as_pem_key(pem):  # found now, not as a 500 at the first JWT exchange
                raise self.fail(f"{path}.certificates[{j}]", "is not a PEM certificate or public key")
        for key in ("scopes", "metascopes"):
            for j, scope in enumerate(self.get(c, key, path, list, [])):
                if not isinstance(scope, str):
                    raise self.fail(f"{path}.{key}[{j}]", f"expected a string, got {type(scope).__name__}")
        return Credential(
            client_id=self.get(c, "client_id", path, str, required=True),
            client_secret=self.get(c, "client_secret", path, str, required=True),
            org_id=org_id,
            tech_account=self.get(c, "tech_account", path, str, _default_tech_account(org_id)),
            certificates=tuple(certs),
            scopes=tuple(self.get(c, "scopes", path, list, list(DEFAULT_SCOPES))),
            metascopes=tuple(self.get(c, "metascopes", path, list, list(DEFAULT_METASCOPES))),
        )

    def user(self, org: Org, u: Any, path: str) -> None:
        u = self.mapping(
            u,
            path,
            {"email", "type", "username", "domain", "firstname", "lastname", "country", "status", "groups", "id"},
        )
        email = self.get(u, "email", path, str, required=True)
        if not is_email(email):
            raise self.fail(f"{path}.email", f"{email!r} is not an email address (at most {EMAIL_MAX} characters)")
        utype = self.get(u, "type", path, str, "federatedID")
        if utype not in IDENTITY_TYPES:
            raise self.fail(f"{path}.type", f"must be one of {', '.join(IDENTITY_TYPES)}")
        email_domain = email.rsplit("@", 1)[1]
        username = self.get(u, "username", path, str, email)
        domain = self.get(u, "domain", path, str, email_domain)
        if utype != ADOBE_ID:
            claimed = org.domain_named(domain) or trusted_domain(org, domain)
            if claimed is None:
                raise self.fail(f"{path}.domain", f"{domain!r} is not a claimed or trusted domain of this org")
            domain = claimed.name  # the directory's spelling, not the email's (Bob@Example.COM)
        status = self.get(u, "status", path, str, "active")
        if status not in USER_STATUSES:
            raise self.fail(f"{path}.status", f"must be one of {', '.join(USER_STATUSES)}")
        # an account twice: an Adobe ID by email, any other by login (an SSO username may be another's email)
        adobe = utype == ADOBE_ID
        existing = org.find_user(username, domain, adobe_id=True) if adobe else org.user_by_login(username, domain)
        if existing is not None and (existing.type == ADOBE_ID) == adobe:
            raise self.fail(path, f"user {username!r} is listed twice")
        uid = self.get(u, "id", path, int)
        if uid is not None and uid in org.users:
            raise self.fail(f"{path}.id", f"user id {uid} is used twice")
        first, last, country = (self.get(u, key, path, str) for key in ("firstname", "lastname", "country"))
        uid = uid if uid is not None else org.new_uid()
        user = User(uid, utype, email, username, domain, first, last, country, status)
        org.put_user(user)
        for j, gname in enumerate(self.get(u, "groups", path, list, [])):
            group = org.group_named(gname) if isinstance(gname, str) else None
            if group is None and isinstance(gname, str):
                group = org.ensure_admin_group(gname)
            if group is None:
                raise self.fail(f"{path}.groups[{j}]", f"no group named {gname!r}")
            org.add_member(group.gid, user.uid)


def _loads_as_pem_key(pem: str) -> bool:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    for load in (x509.load_pem_x509_certificate, serialization.load_pem_public_key):
        try:
            load(pem.encode())
            return True
        except (ValueError, TypeError):
            continue
    return False


def _default_tech_account(org_id: str) -> str:
    return hashlib.sha1(org_id.encode()).hexdigest()[:24].upper() + "@techacct.adobe.com"


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", bool: "a boolean", list: "a list", dict: "a mapping"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


# ----------------------------------------------------------------------- dumping


def dump_org(org: Org) -> dict[str, Any]:
    """An org in seed format, complete enough that loading it gives the same state."""
    with org.lock:
        doc: dict[str, Any] = {"id": org.id}
        if org.sysadmin_name != ORG_ADMIN:
            doc["sysadmin_name"] = org.sysadmin_name
        if org.migrating:
            doc["migrating"] = True
        doc["domains"] = [_dump_domain(org, d) for d in org.domains.values()]
        trusted = [t for t in org.trusted.values() if isinstance(t, TrustedDomain)]
        if trusted:
            doc["trusted_domains"] = [{"name": t.name, "type": t.type, "owner": t.owner} for t in trusted]
        doc["credentials"] = [_dump_credential(c) for c in org.credentials.values()]
        doc["products"] = [_dump_product(org, p) for p in org.products.values()]
        doc["groups"] = [_dump_group(org, g) for g in org.groups.values() if g.type == USER_GROUP]
        if org.directory_sync is not None:
            doc["directory_sync"] = org.directory_sync
        contracts = [{"id": contract_id_of(g), "name": g.contract, "group_id": g.gid} for g in contracts_of(org)]
        if contracts:
            doc["contracts"] = contracts
        doc["users"] = [_dump_user(org, u) for u in org.users.values()]
        empty_admin = [g.name for g in org.groups.values() if g.type in _ADMIN_TYPES and not org.members.get(g.gid)]
        if empty_admin:
            doc["admin_groups"] = empty_admin
        return doc


_ADMIN_TYPES = frozenset({USER_ADMIN_GROUP, PROFILE_ADMIN_GROUP, PRODUCT_ADMIN_GROUP, DEVELOPER_GROUP})


def _dump_domain(org: Org, d: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"name": d.name, "type": d.type}
    trustees = org.trustees.get(d.name.lower())
    if trustees:
        out["trustees"] = list(trustees)
    return out


def _trust_entries(orgs_doc: list[Any]) -> dict[str, list[tuple[str, str, str]]]:
    """(domain, type, owner) per trustee org id, read ahead of the orgs so that a trustee's
    users of a trusted domain load (malformed entries are reported when their org loads)."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    for org_doc in orgs_doc:
        if not isinstance(org_doc, dict) or not isinstance(org_doc.get("id"), str):
            continue
        for d in org_doc.get("domains") or []:
            if not isinstance(d, dict) or not isinstance(d.get("name"), str):
                continue
            dtype = d.get("type", "federated")
            for trustee in d.get("trustees") or []:
                if isinstance(trustee, str) and isinstance(dtype, str):
                    out.setdefault(trustee, []).append((d["name"], dtype, org_doc["id"]))
    return out


def dump_orgs(orgs: list[Org]) -> dict[str, Any]:
    return {"orgs": [dump_org(o) for o in orgs]}


def _dump_credential(c: Credential) -> dict[str, Any]:
    return CREDENTIAL.seed_doc(c, skip=("org_id",))  # the org's own id


def _dump_product(org: Org, p: Product) -> dict[str, Any]:
    out = PRODUCT.seed_doc(p, skip=("profiles",))
    out["profiles"] = [_dump_profile(org.groups[g]) for g in p.profiles]  # the profiles themselves, nested
    return out


def _dump_profile(g: Any) -> dict[str, Any]:
    return GROUP.seed_doc(g, skip=("type", "product"))  # both given by where it is nested


def _dump_group(org: Org, g: Any) -> dict[str, Any]:
    out = GROUP.seed_doc(g, skip=("type", "profiles"))  # a user group: the type is the section's
    if g.profiles:
        out["profiles"] = [org.groups[p].name for p in sorted(g.profiles)]  # by name in a seed
    return out


def _dump_user(org: Org, u: User) -> dict[str, Any]:
    out = USER.seed_doc(u)
    names = sorted((org.groups[g].name for g in org.memberships.get(u.uid, ())), key=str.lower)
    if names:
        out["groups"] = names
    return out


__all__ = [
    "DEMO_ORG_ID",
    "DEMO_SEED",
    "SeedError",
    "read_seed_file",
    "parse_seed_text",
    "load_seed",
    "dump_org",
    "dump_orgs",
]
