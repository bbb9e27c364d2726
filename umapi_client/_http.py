"""One place for sending HTTP requests with UMAPI's retry contract.

Both the IMS token calls and the UMAPI calls go through :class:`Transport`, so the
retry rules, the ``Retry-After`` parsing, the TLS ``verify`` handling and the logging
(which never shows secrets) are written once.

Retry rules (see spec §4.2 for what the official client does):

* Responses 429, 502, 503 and 504 are retried for every method, as the official client
  does: the gateway answered them without running the request (429/503) or UMAPI's
  own clients have always treated them as retryable (502/504).
* Network failures are retried when the request is idempotent (GET, token requests),
  or when the failure proves the request never left the machine (DNS failure,
  connection refused, connect timeout).  A non-idempotent request (``POST /action``)
  that failed *after* it may have been sent (connection reset, read timeout) is **not**
  re-sent: re-running a batch of commands that may already have been applied could
  e.g. re-add a user that a later command of the same batch removed.  The caller gets
  an :class:`~umapi_client.errors.UnavailableError` whose message says so.
* TLS failures are never retried (they do not heal by waiting).
* Wait before retry n (1-based): the server's ``Retry-After`` (integer seconds, a
  decimal, or an HTTP-date) when it is positive, else
  ``first_delay * 2**(n-1) + uniform(0, random_delay)`` capped at ``max_delay``.
  When the next wait would push the total waiting past ``max_total_time`` the client
  gives up at once instead of sleeping.
"""

from __future__ import annotations

import email.utils
import logging
import os
import random
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional, Union

import requests
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError

from .errors import ArgumentError, UnavailableError

RETRY_STATUSES = frozenset({429, 502, 503, 504})

SSLVerify = Union[bool, str]
SleepFunc = Callable[[float], None]
ClockFunc = Callable[[], float]


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry (all times in seconds)."""

    max_attempts: int = 4
    first_delay: float = 15.0
    random_delay: float = 5.0
    max_delay: float = 300.0
    max_total_time: float = 900.0

    def __post_init__(self) -> None:
        if not isinstance(self.max_attempts, int) or self.max_attempts < 1:
            raise ArgumentError(f"retry_max_attempts must be an integer >= 1 (got {self.max_attempts!r})")
        for name in ("first_delay", "random_delay", "max_delay", "max_total_time"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or value < 0:
                raise ArgumentError(f"retry {name} must be a number >= 0 (got {value!r})")

    def backoff(self, retry_number: int, rng: random.Random) -> float:
        """Exponential back-off with jitter for the ``retry_number``-th retry (1-based)."""
        base = self.first_delay * (2 ** (retry_number - 1))
        jitter = rng.uniform(0, self.random_delay) if self.random_delay > 0 else 0.0
        return float(min(self.max_delay, base + jitter))


def parse_retry_after(value: Optional[str], now: float) -> Optional[float]:
    """Seconds to wait according to a ``Retry-After`` header, or None if absent/unusable.

    Accepts delta-seconds (``"38"``, also tolerating ``"38.5"``) and HTTP-dates; a date
    in the past gives a non-positive number.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return seconds if seconds == seconds else None  # reject NaN
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return when.timestamp() - now


def new_request_id() -> str:
    """A fresh ``X-Request-Id`` value: a uuid plus epoch milliseconds."""
    return f"{uuid.uuid4()}_{int(time.time() * 1000)}"


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the network error proves no byte of the request reached the server."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason: Any = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return isinstance(reason, (NewConnectionError, ConnectTimeoutError))


class Transport:
    """A ``requests.Session`` plus the retry policy and hooks used to drive it.

    ``sleep`` and ``clock`` are the documented test hooks: inject a recording
    ``sleep`` to assert on back-off without waiting, and a fake ``clock`` to move time
    forward for token expiry.  ``wall_clock`` is only used to interpret HTTP-date
    ``Retry-After`` values.
    """

    def __init__(
        self,
        session: Optional[requests.Session] = None,
        *,
        timeout: float = 120.0,
        policy: Optional[RetryPolicy] = None,
        logger: Optional[logging.Logger] = None,
        sleep: Optional[SleepFunc] = None,
        clock: Optional[ClockFunc] = None,
        wall_clock: Optional[ClockFunc] = None,
        rng: Optional[random.Random] = None,
    ) -> None:
        self.session = session if session is not None else requests.Session()
        self.timeout = timeout
        self.policy = policy if policy is not None else RetryPolicy()
        self.logger = logger if logger is not None else logging.getLogger("umapi_client")
        self.sleep: SleepFunc = sleep if sleep is not None else time.sleep
        self.clock: ClockFunc = clock if clock is not None else time.monotonic
        self.wall_clock: ClockFunc = wall_clock if wall_clock is not None else time.time
        self.rng = rng if rng is not None else random.Random()

    def close(self) -> None:
        self.session.close()

    def send(
        self,
        method: str,
        url: str,
        *,
        verify: SSLVerify,
        headers: Mapping[str, str],
        idempotent: bool,
        params: Optional[Mapping[str, str]] = None,
        data: Optional[Union[str, bytes, Mapping[str, str]]] = None,
        what: str = "request",
    ) -> requests.Response:
        """Send with retries; return the first non-retryable response.

        ``headers`` must already hold everything (auth included); they are never logged.
        Raises :class:`UnavailableError` when retries are exhausted or not allowed.
        """
        policy = self.policy
        attempt = 0
        waited = 0.0
        while True:
            attempt += 1
            last_response: Optional[requests.Response] = None
            last_error: Optional[requests.RequestException] = None
            retry_after: Optional[float] = None
            request_id = headers.get("X-Request-Id", "")
            self.logger.debug("%s %s (%s, attempt %d, X-Request-Id %s)", method, url, what, attempt, request_id)
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    data=data,
                    headers=dict(headers),
                    timeout=self.timeout,
                    verify=verify,
                    allow_redirects=False,
                )
            except requests.exceptions.SSLError as exc:
                self.logger.error("%s %s failed with a TLS error (not retried): %s", method, url, exc)
                raise UnavailableError(
                    attempt, waited, cause=exc, message=f"TLS failure calling {method} {url}: {exc}"
                ) from exc
            except (requests.ConnectionError, requests.Timeout) as exc:
                if not idempotent and not _never_sent(exc):
                    self.logger.error(
                        "%s %s failed after the request may have been sent (%s); not re-sending a non-idempotent request",
                        method,
                        url,
                        type(exc).__name__,
                    )
                    raise UnavailableError(
                        attempt,
                        waited,
                        cause=exc,
                        message=(
                            f"{method} {url} failed with {type(exc).__name__} after the request may have reached "
                            f"the server; it was not re-sent because it may already have been applied: {exc}"
                        ),
                    ) from exc
                last_error = exc
                self.logger.warning(
                    "%s %s: %s (attempt %d of %d)", method, url, type(exc).__name__, attempt, policy.max_attempts
                )
            else:
                self.logger.debug("%s %s -> %d", method, url, response.status_code)
                if response.status_code not in RETRY_STATUSES:
                    return response
                last_response = response
                retry_after = parse_retry_after(response.headers.get("Retry-After"), self.wall_clock())
                self.logger.warning(
                    "%s %s -> %d (attempt %d of %d)", method, url, response.status_code, attempt, policy.max_attempts
                )

            if attempt >= policy.max_attempts:
                raise UnavailableError(attempt, waited, result=last_response, cause=last_error)
            if retry_after is not None and retry_after > 0:
                delay = retry_after
            else:
                delay = policy.backoff(attempt, self.rng)
            if waited + delay > policy.max_total_time:
                raise UnavailableError(
                    attempt,
                    waited,
                    result=last_response,
                    cause=last_error,
                    message=(
                        f"Service unavailable after {attempt} attempt(s); the next wait of {delay:.1f}s would exceed "
                        f"the retry budget of {policy.max_total_time:.1f}s"
                    ),
                )
            self.logger.info("Retrying %s %s in %.1f seconds", method, url, delay)
            if delay > 0:
                self.sleep(delay)
            waited += delay


def check_ssl_verify(value: object, name: str = "ssl_verify") -> SSLVerify:
    """Validate an ``ssl_verify`` argument: a bool, or the path of an existing CA bundle."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value:
        if not os.path.exists(value):
            raise ArgumentError(f"{name} names a CA bundle that does not exist: {value!r}")
        return value
    raise ArgumentError(f"{name} must be True, False or the path of a CA bundle (got {value!r})")


def mask(value: str) -> str:
    """Show just enough of an identifier to recognise it in logs."""
    if len(value) <= 8:
        return "****"
    return value[:4] + "****"
