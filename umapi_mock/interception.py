"""`requests` calls answered in this process with no socket: the transport under `mock_umapi`
(`inprocess.py`), usable by anything that can answer a `PreparedRequest`.

While an interceptor is active, `requests.adapters.HTTPAdapter.send` is one function here
(covering every session, on every thread). A request for a host that an active interceptor
owns goes to it (the newest first). Any other request follows the newest interceptor's
choice: refused with `requests.ConnectionError`, or sent on by whatever `send` was in place
before (the real one, or another library's mock started earlier).

The answer becomes a urllib3 response, and the adapter turns it into a `requests.Response`
as it would a socket's. Three things differ from a socket:
* the adapter's urllib3 `Retry` policy is applied as urllib3 applies it, but a retry is
  sent at once (nothing here sleeps, as with the `responses` library this replaced);
* no cookies are kept (the emulator sets none);
* there are no timeouts, TLS or proxies to apply.

Why not `responses`: its matching, call recording and two urllib3 objects per answer cost an
in-process action ~7 % of its time. None of it was used: one host lookup is all the routing
`mock_umapi` needs, and the emulator's journal is its record of calls. (benchmarks/README.md,
issue 26.)
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from http.client import responses as REASONS
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3 import HTTPResponse
from urllib3.exceptions import MaxRetryError

Answer = tuple[int, list[tuple[str, str]], bytes]  # status, headers, body


class Interceptor(Protocol):
    """What the transport asks of an in-process server (`inprocess.MockUMAPI`)."""

    hosts: frozenset[str]  # lower-case host names, without ports (any port matches)
    allow_other_hosts: bool

    def answer(self, request: requests.PreparedRequest) -> Answer:
        """The answer to one request; raises `requests.ConnectionError` for a dropped one."""
        ...


_lock = threading.Lock()
_active: tuple[Interceptor, ...] = ()  # oldest first; read without the lock (replaced whole)
_previous: Callable[..., Any] | None = None  # HTTPAdapter.send as it was before ours went in


def activate(interceptor: Interceptor) -> None:
    """Route `interceptor.hosts` to it until `deactivate` (the newest active one wins a host)."""
    global _active, _previous
    with _lock:
        if interceptor in _active:
            raise RuntimeError("this interceptor is already active")
        if HTTPAdapter.send is not _send:
            _previous = HTTPAdapter.send
            HTTPAdapter.send = _send  # type: ignore[method-assign,assignment]
        _active = (*_active, interceptor)


def deactivate(interceptor: Interceptor) -> None:
    """Stop routing to `interceptor`. The last one out puts the previous `send` back, unless
    another patch went on top of ours meanwhile: then ours stays, sending everything on."""
    global _active, _previous
    with _lock:
        _active = tuple(i for i in _active if i is not interceptor)
        if not _active and HTTPAdapter.send is _send and _previous is not None:
            HTTPAdapter.send = _previous  # type: ignore[method-assign]
            _previous = None


def host_of(url: str) -> str:
    """The lower-case host name of a URL, without user info or port."""
    return (urlsplit(url).hostname or "").lower()


def _send(
    adapter: HTTPAdapter,
    request: requests.PreparedRequest,
    stream: bool = False,
    timeout: Any = None,
    verify: Any = True,
    cert: Any = None,
    proxies: Any = None,
) -> requests.Response:
    """`HTTPAdapter.send` while an interceptor is active."""
    active = _active
    if active:
        host = host_of(str(request.url))
        for interceptor in reversed(active):
            if host in interceptor.hosts:
                return _respond(adapter, request, interceptor)
        if not active[-1].allow_other_hosts:
            raise requests.ConnectionError(
                f"umapi-mock (in-process): {request.method} {request.url}: {host!r} is not an intercepted host"
                " (mock_umapi(allow_other_hosts=True) lets other hosts through)",
                request=request,
            )
    previous = _previous
    if previous is None:  # (deactivated between the read of _active and here)
        raise requests.ConnectionError(f"umapi-mock (in-process): no transport for {request.url}", request=request)
    return previous(adapter, request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies)  # type: ignore[no-any-return]


def _respond(adapter: HTTPAdapter, request: requests.PreparedRequest, interceptor: Interceptor) -> requests.Response:
    """The interceptor's answer as the adapter's `Response`, retried as the adapter's urllib3
    `Retry` says (as `urllib3.connectionpool.urlopen` does, minus the sleep)."""
    method = str(request.method)
    retries = adapter.max_retries
    while True:
        status, headers, body = interceptor.answer(request)
        raw = HTTPResponse(
            body=io.BytesIO(body),
            headers=headers,  # type: ignore[arg-type]  # (pairs: urllib3 keeps repeated names)
            status=status,
            reason=REASONS.get(status),
            preload_content=False,
            request_method=method,
        )
        if not retries.is_retry(method, status, has_retry_after="Retry-After" in raw.headers):
            break
        try:
            retries = retries.increment(method=method, url=request.url, response=raw)
        except MaxRetryError as exhausted:
            if retries.raise_on_status:
                raise requests.exceptions.RetryError(exhausted, request=request) from None
            break
    return adapter.build_response(request, raw)
