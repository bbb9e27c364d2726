"""Contract admin groups (index.md, news of 2025-05-22, in effect 2025-06-03): the groups
listing reports a contract's admin group with type `CONTRACT_ADMIN_GROUP`, a `contractName`
and `adminGroupName`, named after the contract's id (`<id>_CONTRACT_GROUP`).

Contract administrators are appointed in the Admin Console; no UMAPI page says a caller may
assign or remove them, so the action engine treats these groups like `_org_admin` (not found
for `add`/`remove`, kept by `remove: "all"`). Seed: `contracts: [{id, name, group_id?}]` on the
org; a user joins through its `groups` list naming `<id>_CONTRACT_GROUP`.
"""

from __future__ import annotations

import re

from .models import CONTRACT_ADMIN_GROUP, SYSADMIN_GROUP, Group, Org

CONTRACT_GROUP_SUFFIX = "_CONTRACT_GROUP"
CONTRACT_ID_RE = re.compile(r"^[0-9A-Za-z]{1,64}$")
# Group types no action may add members to or remove them from.
UNASSIGNABLE_TYPES = frozenset({SYSADMIN_GROUP, CONTRACT_ADMIN_GROUP})


def contract_group_name(contract_id: str) -> str:
    return contract_id + CONTRACT_GROUP_SUFFIX


def add_contract(org: Org, contract_id: str, name: str, gid: int | None = None) -> Group:
    """The contract's admin group, as the groups listing shows it."""
    return org.add_group(contract_group_name(contract_id), CONTRACT_ADMIN_GROUP, gid=gid, contract=name)


def contract_id_of_name(name: str) -> str:
    return name[: -len(CONTRACT_GROUP_SUFFIX)]


def is_contract_group_name(name: object) -> bool:
    """A name the seed can hold as a contract's group (`<id>_CONTRACT_GROUP`)."""
    return (
        isinstance(name, str)
        and name.endswith(CONTRACT_GROUP_SUFFIX)
        and bool(CONTRACT_ID_RE.match(contract_id_of_name(name)))
    )


def contract_id_of(group: Group) -> str:
    return contract_id_of_name(group.name)


def contracts_of(org: Org) -> list[Group]:
    return [g for g in org.groups.values() if g.type == CONTRACT_ADMIN_GROUP]
