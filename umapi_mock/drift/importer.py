"""`umapi-mock import`: read an org through the public read endpoints and write a seed.

Only GETs are sent (through the contract kit's target, which paces under the documented
limits and waits out 429s as `Retry-After` says). Every page read is appended to a state
file beside the output, so an interrupted import starts again where it stopped; the state
file is removed once the seed is written.

What the v2 read API shows, and so what the seed holds: product profiles (with product and
quota), user groups, admin groups (through their members), domains (as seen on users),
users with their direct memberships and status. Users that are not active are not listed
by Users in Organization; they are found through the listings of groups whose
`memberCount` is larger than the active members seen. Which profiles a user group grants is
not shown either: a link is inferred when every member of the group holds the profile and
at least one holds it only indirectly (`directOnly=false`), so links of empty groups are lost.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ..contracts.exchange import Exchange, Reply
from ..contracts.paging import read_all
from ..contracts.transport import Target
from ..domain.contracts import contract_id_of_name, is_contract_group_name
from ..domain.models import CONTRACT_ADMIN_GROUP, IDENTITY_TYPES, PRODUCT_PROFILE, SYSADMIN_GROUP, USER_GROUP
from .anonymize import Anonymiser

STATE_FORMAT = "umapi-mock-import-state/1"
IMPORTED_CLIENT_ID = "imported-client"
IMPORTED_CLIENT_SECRET = "imported-secret"  # a local credential: the org's own never leaves it
SYSADMIN_MEMBERSHIP = "_org_admin"


class ImportFailed(Exception):
    """The import cannot go on (an upstream error, a state file of another org)."""


def state_path_for(output: str | Path) -> Path:
    p = Path(output)
    return p.with_name(p.name + ".import-state")


class ImportState:
    """Pages already read, as JSON lines: a header naming the target, then one line per page.
    A torn last line (the import was killed while writing) is ignored."""

    def __init__(self, path: Path, endpoint: str, org_id: str):
        self.path = path
        self.pages: dict[tuple[str, int], dict[str, Any]] = {}
        header = {"state": STATE_FORMAT, "endpoint": endpoint, "org_id": org_id}
        if path.exists():
            self._load(header)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(header) + "\n", encoding="utf-8")
        self.resumed = len(self.pages)

    def _load(self, header: dict[str, Any]) -> None:
        lines = self.path.read_text(encoding="utf-8").splitlines()
        try:
            found = json.loads(lines[0]) if lines else None
        except ValueError:
            found = None
        if found != header:
            raise ImportFailed(
                f"{self.path} holds the progress of another import (not {header['org_id']} at {header['endpoint']});"
                " delete it to start over"
            )
        for line in lines[1:]:
            try:
                page = json.loads(line)
            except ValueError:
                continue
            self.pages[(page["listing"], page["page"])] = page

    def get(self, listing: str, index: int) -> dict[str, Any] | None:
        return self.pages.get((listing, index))

    def put(self, listing: str, index: int, reply: Reply) -> None:
        page = {
            "listing": listing,
            "page": index,
            "status": reply.status,
            "headers": {
                k: v for k, v in reply.headers.items() if k.lower().startswith("x-") or k.lower() == "content-type"
            },
            "text": reply.text,
        }
        self.pages[(listing, index)] = page
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(page) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


class Progress:
    """One line per page on a pipe; one line rewritten in place on a terminal."""

    def __init__(self, stream: IO[str] | None = None):
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty()

    def page(self, listing: str, index: int, reply: Reply, items: int, cached: bool) -> None:
        count = reply.headers.get("X-Page-Count")
        of = f"/{count}" if count else ""
        note = " (from state)" if cached else ""
        line = f"import: {listing} page {index + 1}{of}, {items} item(s){note}"
        if self.tty:
            self.stream.write("\r" + line.ljust(78))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def done(self, message: str) -> None:
        self.stream.write(("\r" if self.tty else "") + message.ljust(78 if self.tty else 0) + "\n")
        self.stream.flush()


@dataclass
class ImportResult:
    seed: dict[str, Any]
    users_page_size: int | None = None  # what the upstream serves, when more than one page showed it
    groups_page_size: int | None = None
    pages_read: int = 0
    pages_resumed: int = 0
    notes: list[str] = field(default_factory=list)


class Importer:
    def __init__(
        self,
        target: Target,
        state: ImportState,
        anonymiser: Anonymiser | None = None,
        progress: Progress | None = None,
    ):
        self.target = target
        self.state = state
        self.anonymiser = anonymiser
        self.progress = progress
        self.pages_read = 0

    # ------------------------------------------------------------ reading

    def _listing(self, listing: str, fetch: Callable[[int], Reply], items_key: str) -> list[Reply]:
        def cached_fetch(index: int) -> Reply:
            saved = self.state.get(listing, index)
            if saved is not None:
                reply = _reply_from_state(saved)
            else:
                reply = fetch(index)
                self.pages_read += 1
                if reply.status != 200:
                    raise ImportFailed(_upstream_error(reply))
                self.state.put(listing, index, reply)
            if self.progress is not None:
                body = reply.json_or_none()
                n = len(body.get(items_key) or []) if isinstance(body, dict) else 0
                self.progress.page(listing, index, reply, n, saved is not None)
            return reply

        pages = read_all(cached_fetch, items_key).pages
        for reply in pages:
            body = reply.json_or_none()
            if not isinstance(body, dict) or body.get("result") != "success":
                raise ImportFailed(_upstream_error(reply))
        return list(pages)

    def run(self) -> ImportResult:
        t = self.target
        group_pages = self._listing("groups", t.groups_page, "groups")
        groups = _items(group_pages, "groups")
        direct_pages = self._listing("users", lambda i: t.users_page(i, directOnly="true"), "users")
        direct = _items(direct_pages, "users")
        every = _items(self._listing("users-all", lambda i: t.users_page(i, directOnly="false"), "users"), "users")

        users: dict[tuple[str, str, bool], dict[str, Any]] = {}
        for u in direct:
            users.setdefault(_user_key(u), u)
        seen_members: dict[str, int] = {}
        for u in users.values():
            for name in u.get("groups") or ():
                seen_members[name.lower()] = seen_members.get(name.lower(), 0) + 1
        # Members that Users in Organization does not list (not active): through their groups.
        for g in groups:
            name = _membership_name(g)
            count = g.get("memberCount")
            if isinstance(count, int) and count > seen_members.get(name.lower(), 0):
                pages = self._listing(f"members of {name}", _members_of(t, name), "users")
                for u in _items(pages, "users"):
                    users.setdefault(_user_key(u), u)

        seed_org = self._org(groups, list(users.values()), every)
        result = ImportResult(
            seed={"orgs": [seed_org]},
            users_page_size=_page_size(direct_pages),
            groups_page_size=_page_size(group_pages),
            pages_read=self.pages_read,
            pages_resumed=self.state.resumed,
        )
        skipped = len(users) - len(seed_org["users"])
        if skipped:
            result.notes.append(f"{skipped} user(s) of a type a seed cannot hold were left out")
        return result

    # ------------------------------------------------------------ building

    def _org(
        self, groups: list[dict[str, Any]], users: list[dict[str, Any]], every: list[dict[str, Any]]
    ) -> dict[str, Any]:
        org: dict[str, Any] = {"id": self.target.org_id}
        sysadmin = next((g for g in groups if g.get("type") == SYSADMIN_GROUP), None)
        if sysadmin is not None and sysadmin.get("groupName") not in (None, "Administrators"):
            org["sysadmin_name"] = sysadmin["groupName"]
        domains: dict[str, str] = {}
        for u in users:
            if u.get("type") in ("federatedID", "enterpriseID") and isinstance(u.get("domain"), str):
                domains.setdefault(u["domain"].lower(), u["domain"])
        kinds = {
            u["domain"].lower(): "federated" if u.get("type") == "federatedID" else "enterprise"
            for u in reversed(users)
            if u.get("type") in ("federatedID", "enterpriseID") and isinstance(u.get("domain"), str)
        }
        org["domains"] = [{"name": name, "type": kinds[key]} for key, name in domains.items()]
        org["credentials"] = [{"client_id": IMPORTED_CLIENT_ID, "client_secret": IMPORTED_CLIENT_SECRET}]
        products: dict[str, list[dict[str, Any]]] = {}
        for g in groups:
            if g.get("type") != PRODUCT_PROFILE:
                continue
            profile: dict[str, Any] = {"id": g["groupId"], "name": g["groupName"]}
            quota = _quota(g.get("licenseQuota"))
            if quota is not None:
                profile["quota"] = quota
            products.setdefault(g.get("productName") or "(unnamed product)", []).append(profile)
        org["products"] = [{"name": name, "profiles": profiles} for name, profiles in products.items()]
        links = _inferred_links(groups, users, every)
        org["groups"] = []
        for g in groups:
            if g.get("type") != USER_GROUP:
                continue
            entry: dict[str, Any] = {"id": g["groupId"], "name": g["groupName"]}
            if links.get(g["groupName"]):
                entry["profiles"] = links[g["groupName"]]
            org["groups"].append(entry)
        contracts = [
            {"id": contract_id_of_name(g["groupName"]), "name": g.get("contractName") or "", "group_id": g["groupId"]}
            for g in groups
            if g.get("type") == CONTRACT_ADMIN_GROUP and is_contract_group_name(g.get("groupName"))
        ]
        if contracts:  # since 2025-06 (index.md): a contract admin's membership needs its group
            org["contracts"] = contracts
        # Admin groups come into being with their first member, so memberships are written in
        # the upstream's group order: the emulator then numbers admin groups in that order too.
        order = {_membership_name(g).lower(): g.get("groupId") or 0 for g in groups}
        org["users"] = [self._user(u, order) for u in users if u.get("type") in IDENTITY_TYPES and u.get("email")]
        return org

    def _user(self, u: dict[str, Any], order: dict[str, int]) -> dict[str, Any]:
        email = u["email"]
        out: dict[str, Any] = {"email": email, "type": u["type"]}
        if u.get("username") and u["username"] != email:
            out["username"] = u["username"]
        domain = u.get("domain")
        if isinstance(domain, str) and domain.lower() != email.rpartition("@")[2].lower():
            out["domain"] = domain
        for key in ("firstname", "lastname", "country"):
            if isinstance(u.get(key), str):
                out[key] = u[key]
        if u.get("status") and u["status"] != "active":
            out["status"] = u["status"]
        if u.get("groups"):
            out["groups"] = sorted(u["groups"], key=lambda n: (order.get(n.lower(), 1 << 62), n.lower()))
        return self.anonymiser.seed_user(out) if self.anonymiser is not None else out


def _members_of(target: Target, group: str) -> Callable[[int], Reply]:
    return lambda index: target.users_page(index, group=group, directOnly="true")


def _reply_from_state(saved: dict[str, Any]) -> Reply:
    return Reply(saved["status"], saved["headers"], saved["text"], Exchange("GET", saved["listing"], {}, None))


def _upstream_error(reply: Reply) -> str:
    ex = reply.exchange
    return f"the upstream answered HTTP {reply.status} to {ex.method} {ex.url}: {reply.text[:200]!r}"


def _items(pages: list[Reply], key: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for reply in pages:
        body = reply.json_or_none()
        if isinstance(body, dict) and isinstance(body.get(key), list):
            out.extend(i for i in body[key] if isinstance(i, dict))
    return out


def _user_key(u: dict[str, Any]) -> tuple[str, str, bool]:
    login = str(u.get("username") or u.get("email") or "").lower()
    return login, str(u.get("domain") or "").lower(), u.get("type") == "adobeID"


def _membership_name(group: dict[str, Any]) -> str:
    """The name memberships use: the sysadmin group is listed as `Administrators`."""
    return SYSADMIN_MEMBERSHIP if group.get("type") == SYSADMIN_GROUP else str(group.get("groupName"))


def _quota(value: Any) -> int | None:
    try:
        quota = int(str(value))
    except (TypeError, ValueError):
        return None
    return quota if quota >= 0 else None


def _page_size(pages: list[Reply]) -> int | None:
    """A full page's `X-Page-Size` (only a page that is not the last one is full)."""
    for reply in pages[:-1]:
        try:
            return int(reply.headers.get("X-Page-Size", ""))
        except ValueError:
            return None
    return None


def _inferred_links(
    groups: list[dict[str, Any]], users: list[dict[str, Any]], every: list[dict[str, Any]]
) -> dict[str, list[str]]:
    profiles = {g["groupName"].lower(): g["groupName"] for g in groups if g.get("type") == PRODUCT_PROFILE}
    all_groups = {_user_key(u): {n.lower() for n in u.get("groups") or ()} for u in every}
    members: dict[str, list[tuple[set[str], set[str]]]] = {}
    for u in users:
        held = all_groups.get(_user_key(u))
        if held is None:
            continue  # not active: Users in Organization did not show what it holds
        direct = {n.lower() for n in u.get("groups") or ()}
        for name in direct:
            members.setdefault(name, []).append((direct, held))
    links: dict[str, list[str]] = {}
    for g in groups:
        if g.get("type") != USER_GROUP or not members.get(g["groupName"].lower()):
            continue
        group_members = members[g["groupName"].lower()]
        candidates = set.intersection(*(held for _direct, held in group_members)) & profiles.keys()
        for low in sorted(candidates):
            if any(low not in direct for direct, _held in group_members):
                links.setdefault(g["groupName"], []).append(profiles[low])
    return links


def iter_lines(result: ImportResult) -> Iterator[str]:
    org = result.seed["orgs"][0]
    yield (
        f"import: {len(org['users'])} users, {len(org['groups'])} user groups, "
        f"{sum(len(p['profiles']) for p in org['products'])} product profiles, {len(org['domains'])} domains"
        f" ({result.pages_read} page(s) read, {result.pages_resumed} from an earlier run)"
    )
    yield from (f"import: note: {n}" for n in result.notes)


def write_seed(seed: dict[str, Any], path: Path) -> None:
    """The seed in the documented format (JSON for a .json path, YAML otherwise), written whole or not at all."""
    import yaml

    if path.suffix.lower() == ".json":
        text = json.dumps(seed, indent=2, ensure_ascii=False) + "\n"
    else:
        text = "# written by umapi-mock import\n" + yaml.safe_dump(seed, sort_keys=False, allow_unicode=True, width=120)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
