"""Reading every page of a list endpoint, bounded even against a server with a wrong
`lastPage`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .exchange import Reply


@dataclass
class Listing:
    """All pages of one list endpoint, as read."""

    pages: list[Reply]
    items_key: str

    @property
    def items(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for page in self.pages:
            body = page.json_or_none()
            if isinstance(body, dict) and isinstance(body.get(self.items_key), list):
                out.extend(body[self.items_key])
        return out


def read_all(fetch: Callable[[int], Reply], items_key: str, max_pages: int = 10_000) -> Listing:
    """Page from 0 until lastPage (or an error, or one page past X-Page-Count: a server with a
    wrong lastPage must not loop us forever)."""
    pages: list[Reply] = []
    index = 0
    while index < max_pages:
        reply = fetch(index)
        pages.append(reply)
        body = reply.json_or_none()
        if reply.status != 200 or not isinstance(body, dict) or body.get("lastPage") is True:
            break
        if not body.get(items_key):
            break
        count = _int(reply.headers.get("X-Page-Count"))
        if count is not None and index + 1 >= count + 1:
            break
        index += 1
    return Listing(pages, items_key)


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def iter_prefixed(items: list[dict[str, Any]], key: str, prefix: str) -> Iterator[dict[str, Any]]:
    low = prefix.lower()
    for item in items:
        value = item.get(key)
        if isinstance(value, str) and value.lower().startswith(low):
            yield item
