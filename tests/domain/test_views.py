"""The org's derived views (the active-user list, member lists, licences, cached pages and
their served bodies) stay equal to a full rebuild from the org's records after every kind
of write: users created, changed, re-keyed and deleted, memberships added and removed,
groups created, changed and deleted, rolled-back transactions and savepoints, and clones
written on either side. Each check reads every view first, so the next write always
finds warm caches to keep or drop."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from umapi_mock.config import Config
from umapi_mock.domain import reads
from umapi_mock.domain.models import (
    ADOBE_ID,
    FEDERATED_ID,
    FIXED_ADMIN_GROUPS,
    PRODUCT_PROFILE,
    USER_GROUP,
    USER_STATUSES,
    Org,
    user_record,
)
from umapi_mock.http.app import create_app
from umapi_mock.http.context import emulator_of
from umapi_mock.http.render import dumps
from umapi_mock.http.wire.reads import user_json
from umapi_mock.seed import DEMO_SEED

PAGE = 4
S2S = "openid,AdobeID,user_management_sdk"


def small_world() -> Any:
    seed = copy.deepcopy(DEMO_SEED)
    seed["orgs"][0]["generate"] = {"users": 20, "groups": 3, "seed": 5}
    return create_app(Config(seed=seed, users_page_size=PAGE))


# ------------------------------------------------------------------ rebuilds


def rebuilt_active(org: Org) -> list[int]:
    return [uid for uid, u in org.users.items() if u.status == "active"]


def rebuilt_members(org: Org, gid: int, direct_only: bool) -> list[int]:
    direct = list(org.members.get(gid, {}))
    if direct_only or org.groups[gid].type != PRODUCT_PROFILE:
        return direct
    seen = dict.fromkeys(direct)
    for group in org.groups.values():
        if group.type == USER_GROUP and gid in group.profiles:
            for uid in org.members.get(group.gid, {}):
                seen.setdefault(uid, None)
    return list(seen)


def rebuilt_licensed(org: Org, gid: int) -> frozenset[int]:
    ids = rebuilt_members(org, gid, False)
    quota = org.groups[gid].quota
    return frozenset(ids if quota is None else ids[:quota])


def pages_of(ids: list[int]) -> list[list[int]]:
    return [ids[i : i + PAGE] for i in range(0, len(ids), PAGE)] or [[]]


def check_users_pages(org: Org, client: Any, headers: dict[str, str]) -> list[int]:
    """The users pages, as records and as served, against a rebuild; the active uids."""
    active = rebuilt_active(org)
    assert org.active_user_ids() == active
    for index, expected in enumerate(pages_of(active)):
        page = reads.users_page(org, index, PAGE)
        assert [u.uid for u in page.items] == expected
        assert all(u is org.users[u.uid] for u in page.items)  # current records, not stale ones
        # the total also counts the technical accounts, which are never listed (spec §2.4)
        assert (page.total, page.page_count) == (len(active) + len(org.technical_accounts()), len(pages_of(active)))
        served = client.get(f"/v2/usermanagement/users/{org.id}/{index}", headers=headers).data
        assert (
            served
            == dumps(  # byte for byte what serialising the page afresh gives
                {
                    "lastPage": index == len(pages_of(active)) - 1,
                    "result": "success",
                    "users": [user_json(org, org.users[uid]) for uid in expected],
                }
            ).encode()
        )
    return active


def check_views(org: Org, client: Any, headers: dict[str, str]) -> None:
    active = check_users_pages(org, client, headers)
    for name in sorted(org.domains):
        in_domain = [uid for uid in active if org.users[uid].domain.lower() == name]
        assert [u.uid for u in reads.users_page(org, 0, 10_000, name).items] == in_domain
    for gid, group in list(org.groups.items()):
        for direct_only in (True, False):
            expected = rebuilt_members(org, gid, direct_only)
            assert org.group_member_ids(gid, direct_only=direct_only) == expected
            for index, ids in enumerate(pages_of(expected)):
                page = reads.users_in_group_page(org, group.name, index, PAGE, direct_only=direct_only)
                assert [u.uid for u in page.items] == ids
        if group.type == PRODUCT_PROFILE:
            licensed = rebuilt_licensed(org, gid)
            assert org.licensed_ids(gid) == licensed
            for status, want in (("active", True), ("inactive", False)):
                ids = [uid for uid in rebuilt_members(org, gid, True) if (uid in licensed) == want]
                got = reads.users_in_group_page(org, group.name, 0, 10_000, status=status).items
                assert [u.uid for u in got] == ids
        if group.type in (USER_GROUP, PRODUCT_PROFILE) and group.gid % 2 == 0:
            members = rebuilt_members(org, gid, False)
            for index, ids in enumerate(pages_of(members)):
                r = client.get(
                    f"/v2/usermanagement/users/{org.id}/{index}/{group.name}?directOnly=false", headers=headers
                )
                assert (
                    r.data
                    == dumps(
                        {
                            "lastPage": index == len(pages_of(members)) - 1,
                            "result": "success",
                            "groupName": group.name,
                            "users": [user_json(org, org.users[uid], direct_only=False) for uid in ids],
                        }
                    ).encode()
                )


# --------------------------------------------------------------------- writes

WRITES = (
    "create",
    "rename",
    "status",
    "rekey",
    "delete",
    "join",
    "leave",
    "add_group",
    "change_group",
    "delete_group",
    "rollback",
    "savepoint",
    "clone",
)


def pick(data: st.DataObject, items: list[Any]) -> Any:
    return items[data.draw(st.integers(0, len(items) - 1))] if items else None


def write(org: Org, kind: str, data: st.DataObject) -> None:
    """One write of `kind`, with its targets drawn from `data`."""
    users = list(org.users.values())
    groups = [g for g in org.groups.values() if g.name not in FIXED_ADMIN_GROUPS]
    user = pick(data, users)
    group = pick(data, groups)
    if kind == "create":
        uid = org.new_uid()
        status = data.draw(st.sampled_from(USER_STATUSES))
        email = f"new{uid}@example.com"
        org.put_user(user_record(uid, FEDERATED_ID, email, email, "example.com", "New", "User", "US", status))
    elif kind == "rename" and user is not None:
        org.update_user(user, firstname=data.draw(st.sampled_from(["Ann", "Bo", None])))
    elif kind == "status" and user is not None:
        org.update_user(user, status=data.draw(st.sampled_from(USER_STATUSES)))
    elif kind == "rekey" and user is not None and user.type != ADOBE_ID:
        domain = data.draw(st.sampled_from(sorted(d.name for d in org.domains.values())))
        email = f"moved{user.uid}@{domain}"
        org.update_user(user, email=email, username=email, domain=domain)
    elif kind == "delete" and user is not None:
        org.delete_user(user.uid)
    elif kind == "join" and user is not None and group is not None:
        org.add_member(group.gid, user.uid)
    elif kind == "leave" and group is not None:
        member = pick(data, list(org.members.get(group.gid, {})))
        if member is not None:
            org.remove_member(group.gid, member)
    elif kind == "add_group":
        profiles = [g.gid for g in org.groups.values() if g.type == PRODUCT_PROFILE]
        linked = frozenset(data.draw(st.lists(st.sampled_from(profiles), max_size=2))) if profiles else frozenset()
        if data.draw(st.booleans()):
            org.add_group(f"Team {org.version}", USER_GROUP, profiles=linked)
        else:
            org.add_group(f"Profile {org.version}", PRODUCT_PROFILE, product="Adobe Photoshop", quota=2)
    elif kind == "change_group" and group is not None:
        if group.type == USER_GROUP:
            profiles = [g.gid for g in org.groups.values() if g.type == PRODUCT_PROFILE]
            org.update_group(group, profiles=frozenset(data.draw(st.lists(st.sampled_from(profiles), max_size=2))))
        elif group.type == PRODUCT_PROFILE:
            org.update_group(group, quota=data.draw(st.sampled_from([None, 0, 1, 3])))
        else:
            org.update_group(group, name=f"{group.name}+")
    elif kind == "delete_group" and group is not None:
        org.delete_group(group.gid)


def access_headers(client: Any) -> dict[str, str]:
    token = client.post(
        "/ims/token/v2",
        data={
            "grant_type": "client_credentials",
            "client_id": "test-client",
            "client_secret": "test-secret",
            "scope": S2S,
        },
    ).get_json()["access_token"]
    return {"X-Api-Key": "test-client", "Authorization": f"Bearer {token}"}


@given(data=st.data(), kinds=st.lists(st.sampled_from(WRITES), min_size=1, max_size=12))
def test_views_equal_a_rebuild_after_every_write(data: st.DataObject, kinds: list[str]) -> None:
    app = small_world()
    backend = emulator_of(app).backend
    client = app.test_client()
    headers = access_headers(client)
    org = backend.org()
    check_views(org, client, headers)
    for kind in kinds:
        if kind in ("rollback", "savepoint"):
            with org.transaction() as txn:
                mark = txn.savepoint()
                for inner in data.draw(st.lists(st.sampled_from(WRITES[:10]), min_size=1, max_size=3)):
                    write(org, inner, data)
                    check_views(org, client, headers)  # caches warmed with the changes to undo
                if kind == "savepoint":
                    txn.rollback_to(mark)
                else:
                    txn.rollback()
        elif kind == "clone":
            twin = org.clone()
            check_views(twin, client, headers)
            written, other = (twin, org) if data.draw(st.booleans()) else (org, twin)
            with written.transaction():
                write(written, data.draw(st.sampled_from(WRITES[:10])), data)
            backend.replace_orgs([other])
            check_views(other, client, headers)  # the side not written is unchanged
            backend.replace_orgs([written])
            org = written
        else:
            with org.transaction():
                write(org, kind, data)
        check_views(org, client, headers)


@given(data=st.data(), kinds=st.lists(st.sampled_from(WRITES[:10]), min_size=1, max_size=12))
def test_users_pages_read_alone_equal_a_rebuild_after_every_write(data: st.DataObject, kinds: list[str]) -> None:
    """Only the users pages are read, so every user is cached on one page alone: the case
    the page cache indexes and drops in bulk (a sync tool paging through users)."""
    app = small_world()
    client = app.test_client()
    headers = access_headers(client)
    org = emulator_of(app).backend.org()
    check_users_pages(org, client, headers)
    for kind in kinds:
        with org.transaction():
            write(org, kind, data)
        check_users_pages(org, client, headers)
