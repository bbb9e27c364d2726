"""Change records: what an org commit changed, for a durable copy kept outside the domain.

An org with an observer notes the key of every record its write primitives touch during a
transaction (`Org._record`); at the commit point the keys become one `OrgChanges` holding
the records as they stand then (None for a record that is gone). Records are immutable, so
the capture is O(changes) and consistent. A transaction rolled back (test mode) reports
nothing. Whole-org replacements (reset, state load) are reported by the registry instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

# A touched record's key: ("u", uid), ("g", gid) or ("m", gid, uid).
ChangeKey = tuple[str, int] | tuple[str, int, int]


@dataclass(frozen=True)
class OrgChanges:
    """Built by `Org` at its commit point (this module does not import the models)."""

    org_id: str
    users: dict[int, Any]  # uid -> User, or None when deleted
    groups: dict[int, Any]  # gid -> Group, or None when deleted
    members: list[tuple[int, int, bool]]  # (gid, uid, is a member now); members: the group's last, in order
    next_uid: int
    next_gid: int
    products: dict[str, list[int]] | None  # product name -> profile gids, when groups changed


class ChangeObserver(Protocol):
    """Told about commits under the org lock; what it returns is called there too, before the
    change is kept (e.g. waiting until it is durable). If either raises, the transaction is
    undone in memory and the error propagates: nothing unsaved is ever served."""

    def committed(self, changes: OrgChanges) -> Callable[[], None] | None: ...

    def orgs_replaced(self, orgs: list[Any], removed: list[str]) -> None: ...
