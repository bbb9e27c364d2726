"""`Org.rename_user`, the action engine's names-only update: it writes what `update_user`
would (the record, the undo entry, the commit's key, the listeners' event) and leaves the
lookup indexes as they are, since the account's keys do not change."""

from __future__ import annotations

from typing import Any

from umapi_mock.domain.changes import OrgChanges
from umapi_mock.domain.models import FEDERATED_ID, Org, User


class Observer:
    def __init__(self) -> None:
        self.commits: list[OrgChanges] = []

    def committed(self, changes: OrgChanges) -> None:
        self.commits.append(changes)

    def orgs_replaced(self, orgs: list[Any], removed: list[str]) -> None:
        pass


class Listener:
    def __init__(self) -> None:
        self.users: list[tuple[User | None, User | None]] = []

    def user_changed(self, org: Org, old: User | None, new: User | None) -> None:
        self.users.append((old, new))

    def members_changed(self, org: Org, gid: int, uid: int | None) -> None:
        pass

    def groups_changed(self, org: Org) -> None:
        pass

    def order_changed(self, org: Org) -> None:
        pass

    def reset(self, org: Org) -> None:
        pass


def org_with_user() -> tuple[Org, User]:
    org = Org("org@AdobeOrg")
    org.add_domain("fed.example", "federated")
    user = org.put_user(User(org.new_uid(), FEDERATED_ID, "Ann@fed.example", "ann", "fed.example", "Ann", "Lee", "US"))
    return org, user


def test_rename_changes_the_names_given_and_keeps_the_rest() -> None:
    org, user = org_with_user()
    renamed = org.rename_user(user.uid, "Anna", None)
    assert org.users[user.uid] is renamed
    assert (renamed.firstname, renamed.lastname) == ("Anna", "Lee")
    kept = ("uid", "type", "email", "username", "domain", "country", "status")
    assert all(getattr(renamed, f) == getattr(user, f) for f in kept)
    assert org.find_user("ann@fed.example") is renamed
    assert org.user_by_login("ANN", "fed.example") is renamed
    assert org.users_with_email("ann@FED.example") == [renamed]


def test_rename_is_undone_with_its_transaction_and_reported_to_listeners() -> None:
    org, user = org_with_user()
    listener = Listener()
    org.add_listener(listener)
    version = org.version
    with org.transaction() as txn:
        renamed = org.rename_user(user.uid, "Anna", "Li")
        assert org.version > version
        txn.rollback()
    assert org.users[user.uid] is user  # the very record put back
    assert org.find_user("ann@fed.example") is user
    assert listener.users == [(user, renamed), (renamed, user)]


def test_rename_is_undone_back_to_a_savepoint() -> None:
    org, user = org_with_user()
    with org.transaction() as txn:
        first = org.rename_user(user.uid, "Anna", None)
        savepoint = txn.savepoint()
        org.rename_user(user.uid, None, "Li")
        txn.rollback_to(savepoint)
        assert org.users[user.uid] is first
    assert org.users[user.uid] is first


def test_a_committed_rename_reaches_the_observer() -> None:
    org, user = org_with_user()
    observer = Observer()
    org.observer = observer
    with org.transaction():
        renamed = org.rename_user(user.uid, None, "Li")
    assert [c.users for c in observer.commits] == [{user.uid: renamed}]


def test_rename_in_a_clone_leaves_the_source_alone() -> None:
    org, user = org_with_user()
    twin = org.clone()
    renamed = twin.rename_user(user.uid, "Anna", None)
    assert org.users[user.uid] is user
    assert twin.users[user.uid] is renamed
    assert org.find_user("ann@fed.example") is user
