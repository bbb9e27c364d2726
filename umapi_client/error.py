"""Exceptions, with the names, constructor signatures, attributes and messages of umapi-client 3.0.1.

Callers catch these by name and read ``result``, ``attempts``, ``statistics`` or ``causes``, so
those stay as 3.0.1 has them.  What ours adds is structure, never a different class hierarchy
seen from 3.0.1 code: every class also derives from :class:`UMAPIError`, HTTP errors carry
``status_code`` and ``request_id``, ``UnavailableError`` carries the network ``cause``, and
IMS refusals are an :class:`AuthenticationError`, a ``RuntimeError`` as in 3.0.1.
"""

from __future__ import annotations

from typing import Any, List, Optional, Sequence


class UMAPIError(Exception):
    """Base class of every exception this package raises on purpose (ours; 3.0.1 has none)."""


class UMAPIWarning(UserWarning):
    """Issued where our validation is stricter than 3.0.1's: 3.0.1 accepts the input, so we warn."""


def _status(result: Any) -> Optional[int]:
    status = getattr(result, "status_code", None)
    return status if isinstance(status, int) else None


def _request_id(result: Any) -> Optional[str]:
    headers = getattr(result, "headers", None)
    try:
        value = headers.get("X-Request-Id") if headers is not None else None
    except AttributeError:
        return None
    return value if isinstance(value, str) else None


class UnavailableError(UMAPIError):
    """The service stayed unavailable (429/502/503/504 or a network failure) through every attempt.

    ``attempts`` and ``seconds`` (whole seconds) as in 3.0.1; ``result`` is the last response
    (``None`` after a network failure, whose exception is then ``cause``).
    """

    def __init__(
        self,
        attempts: int,
        seconds: int,
        result: Any,
        cause: Optional[BaseException] = None,
        message: Optional[str] = None,
    ) -> None:
        text = message or f"Server unavailable: Made {int(attempts):d} attempts over {int(seconds):d} seconds"
        super().__init__(text)
        self.attempts = attempts
        self.seconds = seconds
        self.result = result
        self.cause = cause
        self.status_code = _status(result)


class ServerError(UMAPIError):
    """UMAPI answered with a status that is neither success, retryable nor 4xx (e.g. 500)."""

    def __init__(self, result: Any) -> None:
        super().__init__(f"Server error ({result.status_code}): " + result.text)
        self.result = result
        self.status_code = _status(result)
        self.request_id = _request_id(result)


class RequestError(UMAPIError):
    """UMAPI refused the request with a 4xx status (404 on queries means "not found" instead)."""

    def __init__(self, result: Any) -> None:
        super().__init__(f"Request Error ({result.status_code}): " + result.text)
        self.result = result
        self.status_code = _status(result)
        self.request_id = _request_id(result)


class ClientError(UMAPIError):
    """A successful HTTP answer whose body the client cannot make sense of."""

    def __init__(self, message: str, result: Any) -> None:
        super().__init__("Server response not understood: " + message)
        self.result = result


class MalformedResponseError(ClientError, ValueError):
    """Ours: a body that is not JSON.  3.0.1 lets the JSON decoder's ValueError through; this is a
    ``ValueError`` too, so code written for 3.0.1 still catches it."""


class BatchError(UMAPIError):
    """Some requests of an ``execute_*`` call failed; the rest were still sent.

    ``causes`` are the exceptions, ``statistics`` the ``(queued, sent, completed)`` of the call.
    """

    def __init__(self, causes: Sequence[BaseException], queued: int, sent: int, completed: int) -> None:
        prefix = "Exceptions during batch processing: " if len(causes) > 1 else "Exception during batch processing: "
        super().__init__(prefix + ", ".join(str(cause) for cause in causes))
        self.causes: List[BaseException] = causes if isinstance(causes, list) else list(causes)
        self.statistics = (queued, sent, completed)


class ArgumentError(UMAPIError, ValueError):
    """Input the client refuses before sending anything."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


class UnsupportedError(UMAPIError):
    """A feature the client does not support."""

    def __init__(self, message: str) -> None:
        super().__init__("Unsupported Feature Error: " + message)


class AuthenticationError(UMAPIError, RuntimeError):
    """IMS refused the credentials; a ``RuntimeError`` with 3.0.1's message, plus ``result``.

    ``result`` is the IMS response and ``status_code`` its status.
    """

    def __init__(self, message: str, result: Any = None) -> None:
        super().__init__(message)
        self.result = result
        self.status_code = _status(result)
