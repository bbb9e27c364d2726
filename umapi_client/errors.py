"""Exceptions raised by the client, one class per way a call can go wrong.

Callers of the official 3.x client catch these names, so the names and the meaning of
each are kept: bad input (``ArgumentError``), a 4xx answer (``RequestError``), a 5xx
answer (``ServerError``), a service that stayed unavailable through every retry
(``UnavailableError``), an answer the client cannot make sense of (``ClientError``) and
a batch in which some requests failed (``BatchError``).  Messages never contain
credentials or tokens.
"""

from __future__ import annotations

from typing import Optional, Sequence

import requests

_BODY_EXCERPT = 300


def _describe(response: requests.Response) -> str:
    request = response.request
    method = request.method if request is not None else "?"
    url = response.url or (request.url if request is not None else "?")
    text = (response.text or "").strip().replace("\n", " ")
    if len(text) > _BODY_EXCERPT:
        text = text[:_BODY_EXCERPT] + "..."
    request_id = response.headers.get("X-Request-Id", "")
    extra = f" [X-Request-Id {request_id}]" if request_id else ""
    return f"{response.status_code} {response.reason or ''} from {method} {url}{extra}: {text or '<empty body>'}"


class UMAPIError(Exception):
    """Base class of every exception this package raises on purpose."""


class ArgumentError(UMAPIError, ValueError):
    """Invalid input, detected locally before anything is sent."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ClientError(UMAPIError):
    """The service answered in a way the client cannot interpret (e.g. a broken body)."""

    def __init__(self, message: str, result: Optional[requests.Response] = None) -> None:
        super().__init__(message)
        self.message = message
        self.result = result


class AuthenticationError(ClientError, RuntimeError):
    """The IMS token endpoint refused the credentials or answered unusably.

    Also a ``RuntimeError`` because the official client raises that on token failures.
    """


class RequestError(UMAPIError):
    """UMAPI rejected the request with a 4xx status other than 404-on-query and 429."""

    def __init__(self, result: requests.Response, message: Optional[str] = None) -> None:
        self.result = result
        self.status_code = result.status_code
        self.message = message or f"Request error: {_describe(result)}"
        super().__init__(self.message)


class ServerError(UMAPIError):
    """UMAPI failed with a 5xx status that is not worth retrying (e.g. 500)."""

    def __init__(self, result: requests.Response, message: Optional[str] = None) -> None:
        self.result = result
        self.status_code = result.status_code
        self.message = message or f"Server error: {_describe(result)}"
        super().__init__(self.message)


class UnavailableError(UMAPIError):
    """The service stayed unavailable (429/502/503/504 or network failure) through all retries.

    ``attempts`` is how many times the request was sent, ``seconds`` the total time
    spent waiting between attempts, ``result`` the last HTTP response (``None`` when the
    last failure was a network error, which is then in ``cause``).
    """

    def __init__(
        self,
        attempts: int,
        seconds: float,
        result: Optional[requests.Response] = None,
        cause: Optional[BaseException] = None,
        message: Optional[str] = None,
    ) -> None:
        self.attempts = attempts
        self.seconds = seconds
        self.result = result
        self.cause = cause
        if message is None:
            if result is not None:
                last = _describe(result)
            elif cause is not None:
                last = f"{type(cause).__name__}: {cause}"
            else:
                last = "no response"
            message = f"Service unavailable after {attempts} attempt(s) and {seconds:.1f}s of waiting; last: {last}"
        self.message = message
        super().__init__(message)


class BatchError(UMAPIError):
    """Some requests of an ``execute_*`` call failed; the others were still sent.

    ``causes`` holds the underlying exceptions; ``statistics`` is the usual
    ``(queued, sent, completed)`` tuple for the whole call.
    """

    def __init__(self, causes: Sequence[BaseException], queued: int, sent: int, completed: int) -> None:
        self.causes = list(causes)
        self.statistics = (queued, sent, completed)
        summary = "; ".join(f"{type(c).__name__}: {c}" for c in self.causes)
        self.message = (
            f"{len(self.causes)} request(s) failed during batch execution "
            f"(queued={queued}, sent={sent}, completed={completed}): {summary}"
        )
        super().__init__(self.message)


__all__ = [
    "UMAPIError",
    "ArgumentError",
    "ClientError",
    "AuthenticationError",
    "RequestError",
    "ServerError",
    "UnavailableError",
    "BatchError",
]
