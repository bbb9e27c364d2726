"""Change records: what an org commit changed, for a durable copy kept outside the domain.

An org with an observer notes the key of every record its write primitives touch during a
transaction (`Org._record`); at the commit point the keys become one `OrgChanges` holding
the records as they stand then (None for a record that is gone). Records are immutable, so
the capture is O(changes) and consistent. A transaction rolled back (test mode) reports
nothing. Whole-org replacements (reset, state load) are reported by the registry instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from .models import Group, Org, User

# A touched record's key: ("u", uid), ("g", gid) or ("m", gid, uid).
ChangeKey = tuple[str, int] | tuple[str, int, int]


@dataclass(frozen=True)
class OrgChanges:
    org_id: str
    users: dict[int, User | None]
    groups: dict[int, Group | None]
    members: list[tuple[int, int, bool]]  # (gid, uid, is a member now)
    next_uid: int
    next_gid: int
    products: dict[str, list[int]] | None  # product name -> profile gids, when groups changed

    @classmethod
    def capture(cls, org: Org, keys: Iterable[ChangeKey]) -> OrgChanges:
        """Under the org lock: the touched records as they are now."""
        users: dict[int, User | None] = {}
        groups: dict[int, Group | None] = {}
        members: list[tuple[int, int, bool]] = []
        for key in keys:
            if key[0] == "u":
                users[key[1]] = org.users.get(key[1])
            elif key[0] == "g":
                groups[key[1]] = org.groups.get(key[1])
            else:
                gid, uid = key[1], key[2]  # type: ignore[misc]
                members.append((gid, uid, uid in org.members.get(gid, {})))
        products = {p.name: list(p.profiles) for p in org.products.values()} if groups else None
        return cls(org.id, users, groups, members, org._next_uid, org._next_gid, products)


class ChangeObserver(Protocol):
    """Told about commits; what it returns is called after the org lock is released and
    before the change is acknowledged (e.g. waiting until the change is durable)."""

    def committed(self, changes: OrgChanges) -> Callable[[], None] | None: ...

    def orgs_replaced(self, orgs: list[Org], removed: list[str]) -> None: ...
