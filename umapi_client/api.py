"""The generic layer of umapi-client 3.0.1: ``Action`` (a frame plus commands), ``QueryMultiple``
(paged, lazily fetched lists) and ``QuerySingle`` (one object), with 3.0.1's semantics.

An ``Action`` is the wire entry itself: ``frame`` holds the keys that identify the object
(``user``, ``domain``, ``usergroup``, ``requestID``...), ``commands`` the steps in order.
Errors UMAPI reports are attached by the connection with :meth:`Action.report_command_error`.
"""

from __future__ import annotations

from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

from .connection import Connection
from .error import ArgumentError

Command = Dict[str, Any]


class Action:
    """A sequence of commands for UMAPI to perform on one object (3.0.1's class)."""

    def __init__(self, **kwargs: Any) -> None:
        self.frame: Dict[str, Any] = dict(kwargs)
        self.commands: List[Command] = []
        self.errors: List[Dict[str, Any]] = []
        self.split_actions: Optional[List[Action]] = None
        self.warnings: List[Dict[str, Any]] = []

    def split(self, max_commands: int) -> List["Action"]:
        """Equivalent plain actions of at most ``max_commands`` commands each (kept in ``split_actions``)."""
        if isinstance(max_commands, bool) or not isinstance(max_commands, int) or max_commands < 1:
            raise ArgumentError(f"max_commands must be an integer >= 1 (got {max_commands!r})")
        remaining = list(self.commands)
        pieces: List[Action] = []
        while True:
            piece = Action(**self.frame)
            piece.commands, remaining = remaining[:max_commands], remaining[max_commands:]
            pieces.append(piece)
            if not remaining:
                break
        self.split_actions = pieces
        return pieces

    def wire_dict(self) -> Dict[str, Any]:
        """The entry sent (as JSON) for this action: the frame plus ``do``."""
        return dict(self.frame, do=self.commands)

    def append(self, **kwargs: Any) -> "Action":
        """Add one command per keyword at the end, in keyword order."""
        for name, value in kwargs.items():
            self.commands.append({name: value})
        return self

    def insert(self, **kwargs: Any) -> "Action":
        """Add one command per keyword at the front (a later call goes before an earlier one)."""
        for name, value in kwargs.items():
            self.commands.insert(0, {name: value})
        return self

    def report_command_error(self, error_dict: Dict[str, Any]) -> None:
        """Record a server error: the error without ``index``/``step``, plus ``command`` and ``target``."""
        error = dict(error_dict)
        error["command"] = self.commands[error_dict["step"]]
        error["target"] = self.frame
        del error["index"]  # throttling may have moved the action within its batch...
        del error["step"]  # ...and the command within the action
        self.errors.append(error)

    def report_command_warning(self, warning_dict: Dict[str, Any]) -> None:
        """Ours: record a server warning the same way (3.0.1 ignores warnings)."""
        warning = {k: v for k, v in warning_dict.items() if k not in ("index", "step")}
        step = warning_dict.get("step")
        if isinstance(step, int) and not isinstance(step, bool) and 0 <= step < len(self.commands):
            warning["command"] = self.commands[step]
        warning["target"] = self.frame
        self.warnings.append(warning)

    def execution_errors(self) -> List[Dict[str, Any]]:
        """The errors of the last execution, gathered from the split actions if it was split."""
        if self.split_actions:
            return [dict(e) for s in self.split_actions for e in s.errors]
        return [dict(e) for e in self.errors]

    def execution_warnings(self) -> List[Dict[str, Any]]:
        """Ours: the warnings (e.g. ``warning.command.deprecated``) of the last execution."""
        if self.split_actions:
            return [dict(w) for s in self.split_actions for w in s.warnings]
        return [dict(w) for w in self.warnings]

    def maybe_split_groups(self, max_groups: int) -> bool:
        """Split ``add``/``remove`` commands whose name lists exceed ``max_groups``; True if any was split."""
        if isinstance(max_groups, bool) or not isinstance(max_groups, int) or max_groups < 1:
            raise ArgumentError(f"max_groups must be an integer >= 1 (got {max_groups!r})")
        result: List[Command] = []
        split_any = False
        for command in self.commands:
            verb, lists = next(iter(command.items()))
            if verb not in ("add", "remove") or not isinstance(lists, dict):
                result.append(command)
                continue
            sizes = [len(v) for v in lists.values() if hasattr(v, "__len__")]
            pieces = max([1] + [(size + max_groups - 1) // max_groups for size in sizes])
            if pieces == 1:
                result.append(command)
                continue
            split_any = True
            for i in range(pieces):
                start, stop = i * max_groups, (i + 1) * max_groups
                part = {
                    kind: (names[start:stop] if hasattr(names, "__len__") else names)
                    for kind, names in lists.items()
                    if i == 0 or (hasattr(names, "__len__") and len(names) > start)
                }
                result.append({verb: part})
        self.commands = result
        return split_any


class QueryMultiple:
    """A paged query; iterate it (each new iteration runs it again) or take ``all_results()``."""

    def __init__(
        self,
        connection: Connection,
        object_type: str,
        url_params: Optional[Sequence[str]] = None,
        query_params: Optional[Dict[str, Any]] = None,
    ) -> None:
        self.conn = connection
        self.object_type = object_type
        self.url_params: Sequence[str] = url_params if url_params else []
        self.query_params: Dict[str, Any] = query_params if query_params else {}
        self._results: List[Any] = []
        self._next_item_index = 0
        self._next_page_index = 0
        self._total_count = 0
        self._page_size = 1
        self._page_count = 0
        self._page_number = 1
        self._last_page_seen = False

    def reload(self) -> None:
        """Forget the results; the next use runs the query again from page 0."""
        self._results = []
        self._next_item_index = 0
        self._next_page_index = 0
        self._total_count = 0
        self._page_count = 0
        self._page_size = 0
        self._page_number = 1
        self._last_page_seen = False

    def _next_page(self) -> None:
        if self._last_page_seen:
            raise StopIteration
        (
            new,
            self._last_page_seen,
            self._total_count,
            self._page_count,
            self._page_number,
            self._page_size,
        ) = self.conn.query_multiple(self.object_type, self._next_page_index, self.url_params, self.query_params)
        self._next_page_index += 1
        if len(new) == 0:
            self._last_page_seen = True  # an empty page ends the query
        else:
            self._results += new

    def _next_item(self) -> Any:
        while self._next_item_index >= len(self._results):
            self._next_page()
        value = self._results[self._next_item_index]
        self._next_item_index += 1
        return value

    class _QueryIterator:
        """Iterator over a query's results, fetching pages as needed."""

        def __init__(self, query: "QueryMultiple") -> None:
            self.query = query

        def __iter__(self) -> "QueryMultiple._QueryIterator":
            return self

        def next(self) -> Any:
            return self.query._next_item()

        def __next__(self) -> Any:
            return self.next()

    def __iter__(self) -> Iterator[Any]:
        """A new iteration runs the query again (3.0.1 reloads here)."""
        self.reload()
        return self._QueryIterator(self)

    def all_results(self) -> List[Any]:
        """Fetch the remaining pages and return every result, including those already iterated."""
        while not self._last_page_seen:
            self._next_page()
        self._next_item_index = len(self._results)
        return list(self._results)

    def stats(self) -> Tuple[int, int, int, int]:
        """``(total_count, page_count, page_size, page_number)`` from the latest page's headers."""
        return self._total_count, self._page_count, self._page_size, self._page_number


class QuerySingle:
    """A query for one object; the answer is cached until ``reload()``."""

    def __init__(
        self,
        connection: Connection,
        object_type: str,
        url_params: Optional[Sequence[str]] = None,
        query_params: Optional[Dict[str, Any]] = None,
    ) -> None:
        self.conn = connection
        self.object_type = object_type
        self.url_params: Sequence[str] = url_params if url_params else []
        self.query_params: Dict[str, Any] = query_params if query_params else {}
        self._result: Optional[Dict[str, Any]] = None

    def reload(self) -> None:
        """Forget the answer; the next ``result()`` asks the server again."""
        self._result = None

    def _fetch_result(self) -> None:
        self._result = self.conn.query_single(self.object_type, self.url_params, self.query_params)

    def result(self) -> Dict[str, Any]:
        """The object, ``{}`` when there is none (fetched on first use)."""
        if self._result is None:
            self._fetch_result()
        assert self._result is not None
        return self._result


__all__ = ["Action", "QueryMultiple", "QuerySingle"]
