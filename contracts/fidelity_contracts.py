"""Contracts of issue 24 (docs/fidelity.md): registered here, beside the kit's own, so the
registry's table stays as it was."""

from __future__ import annotations

from .registry import CONTRACTS, DOCUMENTED, Contract

_NEW = (
    Contract(
        "reads.listed_user_agrees",
        "every field of a user in Users in Organization equals Get User's answer and the user's entry "
        "in the member listing of each user group or profile it belongs to",
        "getUsersWithPage.md, getUser.md, getUsersByGroup.md",
        DOCUMENTED,
    ),
    Contract(
        "groups.contract_admin_group_shape",
        "a CONTRACT_ADMIN_GROUP carries a contractName string and adminGroupName _admin_<groupName>",
        "index.md (news of 2025-05-22)",
        DOCUMENTED,
    ),
    Contract(
        "action.contract_admin_group_not_assignable",
        "adding a user to a contract admin group is refused (error.group.not_found), checked in test mode",
        "ActionsCmds.md (assignable admin groups)",
        DOCUMENTED,
    ),
)

for _contract in _NEW:
    CONTRACTS.setdefault(_contract.name, _contract)
