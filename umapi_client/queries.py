"""Query objects: fetch one user, or iterate users/groups across pages, with caching.

``UserQuery`` wraps Get User (404 means "no such user" and gives ``None``).
``UsersQuery`` and ``GroupsQuery`` fetch 0-based pages lazily while being iterated,
stop at ``lastPage`` (or an empty or repeated page, so a server that keeps answering
the last page cannot cause an endless loop), and keep what they fetched so that a
second iteration or ``all_results()`` does not call the server again until
``reload()``.
"""

from __future__ import annotations

from typing import Any, Dict, Iterator, List, Optional

from .connection import Connection, QueryParams
from .errors import ArgumentError


def _check_connection(connection: object) -> Connection:
    if not isinstance(connection, Connection):
        raise ArgumentError("the first argument of a query must be a Connection")
    return connection


class UserQuery:
    """Look up one user by email or username (``domain`` for non-email usernames)."""

    def __init__(self, connection: Connection, email: str, domain: Optional[str] = None) -> None:
        self.connection = _check_connection(connection)
        if not isinstance(email, str) or not email.strip():
            raise ArgumentError("UserQuery needs the user's email or username")
        if domain is not None and (not isinstance(domain, str) or not domain.strip()):
            raise ArgumentError("domain must be a non-empty string when given")
        if domain is None and "@" not in email:
            raise ArgumentError(f"the non-email username {email!r} needs a domain")
        self.email = email
        self.domain = domain
        self._loaded = False
        self._result: Optional[Dict[str, Any]] = None

    def result(self) -> Optional[Dict[str, Any]]:
        """The user's attributes, or None when the org has no such (active) user."""
        if not self._loaded:
            params = {"domain": self.domain} if self.domain else None
            found = self.connection.query_single("user", [self.email], params)
            self._result = found or None
            self._loaded = True
        return dict(self._result) if self._result is not None else None

    def reload(self) -> None:
        """Forget the cached answer; the next ``result()`` asks the server again."""
        self._loaded = False
        self._result = None


class QueryMultiple:
    """Paged, cached iteration over a list endpoint."""

    def __init__(
        self,
        connection: Connection,
        object_type: str,
        url_params: Optional[List[str]] = None,
        query_params: Optional[QueryParams] = None,
    ) -> None:
        self.connection = _check_connection(connection)
        self._object_type = object_type
        self._url_params = list(url_params or [])
        self._query_params = dict(query_params or {})
        self.reload()

    def reload(self) -> None:
        """Drop cached results; the next iteration starts again from page 0."""
        self._results: List[Dict[str, Any]] = []
        self._next_page = 0
        self._done = False
        self._previous_page: Optional[List[Dict[str, Any]]] = None
        self._total_count: Optional[int] = None

    def _fetch_next_page(self) -> None:
        page = self.connection.query_multiple(self._object_type, self._next_page, self._url_params, self._query_params)
        if page.total_count is not None:
            self._total_count = page.total_count
        self._next_page += 1
        if not page.items or page.items == self._previous_page:
            self._done = True  # empty page, or the server repeated the last page
            return
        self._results.extend(page.items)
        self._previous_page = page.items
        if page.last_page:
            self._done = True

    def __iter__(self) -> Iterator[Dict[str, Any]]:
        index = 0
        while True:
            if index < len(self._results):
                yield self._results[index]
                index += 1
            elif self._done:
                return
            else:
                self._fetch_next_page()

    def all_results(self) -> List[Dict[str, Any]]:
        """Fetch any remaining pages and return every result."""
        while not self._done:
            self._fetch_next_page()
        return list(self._results)

    @property
    def result_count(self) -> int:
        """How many results have been fetched so far (all of them after ``all_results()``)."""
        return len(self._results)

    @property
    def total_count(self) -> Optional[int]:
        """The server's ``X-Total-Count`` from the latest page, if it sent one.

        For users this may exceed what is listed: technical accounts are counted but
        never returned.
        """
        return self._total_count

    @property
    def complete(self) -> bool:
        """True once the last page has been fetched."""
        return self._done


class UsersQuery(QueryMultiple):
    """All users of the org, of one group (``in_group``) or of one domain (``in_domain``)."""

    def __init__(
        self,
        connection: Connection,
        in_group: Optional[str] = None,
        in_domain: Optional[str] = None,
        direct_only: bool = True,
    ) -> None:
        if in_group is not None and (not isinstance(in_group, str) or not in_group.strip()):
            raise ArgumentError("in_group must be a non-empty group name when given")
        if in_domain is not None and (not isinstance(in_domain, str) or not in_domain.strip()):
            raise ArgumentError("in_domain must be a non-empty domain when given")
        if not isinstance(direct_only, bool):
            raise ArgumentError(f"direct_only must be True or False (got {direct_only!r})")
        params: Dict[str, Any] = {"directOnly": direct_only}
        if in_domain is not None:
            params["domain"] = in_domain
        self.in_group = in_group
        self.in_domain = in_domain
        self.direct_only = direct_only
        super().__init__(connection, "user", [in_group] if in_group else None, params)


class GroupsQuery(QueryMultiple):
    """All user groups, product profiles and admin groups of the org."""

    def __init__(self, connection: Connection) -> None:
        super().__init__(connection, "group")


__all__ = ["UserQuery", "UsersQuery", "GroupsQuery", "QueryMultiple"]
