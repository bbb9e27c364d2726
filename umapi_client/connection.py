"""The Connection: every call to the UMAPI host for one organization.

By default it behaves as umapi-client 3.0.1's ``Connection`` does, on the wire and in Python:
the same constructor, public attributes (``retry_max_attempts``, ``retry_first_delay``,
``throttle_actions``, ``session``, ``local_status``...), paths and query strings, headers
(``X-Request-Id``, ``Pragma`` for sync start/end, the User-Agent on the session), queueing in
``execute_single``/``execute_multiple``/``execute_queued``, splitting of long actions, and the
retry schedule of ``make_call``: 429/502/503/504 and network errors are retried up to
``max_retries`` attempts, waiting the server's ``Retry-After`` or else
``2**(n-1) * retry_first_delay + randint(0, retry_random_delay)`` seconds.

What ours adds is opt-in, through keyword-only arguments (docs/fidelity.md, "Reference client"):

* ``retry_max_time``: a budget for the total waiting of one call; when the next wait would
  exceed it, ``UnavailableError`` is raised at once instead of sleeping.
* ``retry_max_delay``: a cap on one computed back-off wait.
* ``safe_retries=True``: a ``POST /action`` that failed after it may have reached the server
  (connection reset, read timeout) is not re-sent, because the batch may already have been
  applied; TLS failures are not retried either (they do not heal by waiting).
* ``refresh_token_on_401=True``: on a 401, fetch a new token and try once more.
* ``sleep=``: the function that waits between attempts (a test hook; by default the module's
  ``sleep``, which tests of 3.0.1 patch as ``umapi_client.connection.sleep``).
* ``session=``: a ``requests.Session`` to use; ``throttle_*``, ``retry_first_delay``,
  ``retry_random_delay`` and ``logger`` as constructor options (3.0.1 has them as attributes).
"""

from __future__ import annotations

import io  # noqa: F401 - a public name of 3.0.1's module, kept for code that patches it
import json
import logging
import os
import urllib.parse as urlparse
from datetime import datetime
from email.utils import mktime_tz, parsedate_tz
from platform import python_version
from platform import version as platform_version
from random import randint
from time import gmtime, sleep, strftime, time
from typing import TYPE_CHECKING, Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple, Union
from uuid import uuid4

import requests
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError

from .auth import JWTAuth
from .error import (
    ArgumentError,
    BatchError,
    ClientError,
    MalformedResponseError,
    RequestError,
    ServerError,
    UnavailableError,
)
from .version import __version__ as umapi_version

if TYPE_CHECKING:
    from .api import Action

DEFAULT_ENDPOINT = "https://usermanagement.adobe.io/v2/usermanagement"
SSLVerify = Union[bool, str]
Stats = Tuple[int, int, int]


class QueryPage(NamedTuple):
    """One page of a list query; equal to 3.0.1's plain 6-tuple, with names for each field."""

    items: List[Any]
    last_page: bool
    total_count: int
    page_count: int
    page_number: int
    page_size: int


class APIResult:
    """Classifies one HTTP answer: success, retryable (with its ``Retry-After``), or an exception."""

    success_codes = [200, 201, 204]
    timeout_codes = [429, 502, 503, 504]

    def client_error(self, x: int) -> bool:
        """3.0.1's test for a 2xx answer it cannot use; its range is empty, so it never matches."""
        return 201 <= x < 200

    def request_error(self, x: int) -> bool:
        """A 4xx status."""
        return 400 <= x < 500

    def __init__(self, result: Any = None, success: bool = False, timeout: Optional[float] = None) -> None:
        self.result = result
        self.success = success
        self.timeout = timeout
        self.status_code = getattr(result, "status_code", "Error")

    def check_result(self) -> "APIResult":
        status = self.result.status_code
        if status in self.success_codes:
            self.success = True
            return self
        if status in self.timeout_codes:
            self.success = False
            self.timeout = self.get_timeout()
            return self
        if self.client_error(status):
            raise ClientError(f"Unexpected HTTP Status {status:d}: {self.result.text}", self.result)
        if self.request_error(status):
            raise RequestError(self.result)
        raise ServerError(self.result)

    def get_timeout(self) -> float:
        """Seconds the server asks us to wait (``Retry-After``: seconds or an HTTP-date), else 0.

        3.0.1 fails with a ValueError on a decimal or unreadable value; ours reads a decimal and
        treats an unreadable value as absent.
        """
        advice = self.result.headers.get("Retry-After")
        if advice is None:
            return 0
        advised_time = parsedate_tz(advice)
        if advised_time is not None:
            return int(mktime_tz(advised_time) - time())
        try:
            return int(advice)
        except ValueError:
            pass
        try:
            seconds = float(advice)
        except ValueError:
            return 0
        return seconds if seconds == seconds else 0  # NaN is no advice


def _json(result: Any) -> Any:
    """The body of a successful answer, or a MalformedResponseError (also a ValueError)."""
    try:
        return result.json()
    except ValueError as exc:
        text = str(getattr(result, "text", "") or "")[:200]
        raise MalformedResponseError(f"the body is not JSON ({exc}): {text!r}", result) from exc


def _never_sent(exc: BaseException) -> bool:
    """True when a network error proves no byte of the request reached the server."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason: Any = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return isinstance(reason, (NewConnectionError, ConnectTimeoutError))


def _non_negative(name: str, value: Optional[float]) -> Optional[float]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ArgumentError(f"{name} must be a number >= 0 (got {value!r})")
    return float(value)


class Connection:
    """An org-specific, authenticated connection to the UMAPI service."""

    mock_env_var = "UMAPI_MOCK"

    def __init__(
        self,
        org_id: str,
        auth: Any = None,
        endpoint: str = DEFAULT_ENDPOINT,
        test_mode: bool = False,
        ssl_verify: SSLVerify = True,
        timeout: Optional[float] = 120.0,
        max_retries: int = 4,
        user_agent: Optional[str] = None,
        *,
        logger: Optional[logging.Logger] = None,
        retry_max_attempts: Optional[int] = None,
        retry_first_delay: float = 15,
        retry_random_delay: int = 5,
        retry_max_delay: Optional[float] = None,
        retry_max_time: Optional[float] = None,
        safe_retries: bool = False,
        refresh_token_on_401: bool = False,
        throttle_actions: int = 10,
        throttle_commands: int = 10,
        throttle_groups: int = 10,
        sleep: Optional[Callable[[float], None]] = None,
        session: Optional[requests.Session] = None,
        **unexpected: Any,
    ) -> None:
        if "auth_dict" in unexpected:
            raise ArgumentError("auth_dict is not supported since 3.0; pass auth=OAuthS2S(...) (or JWTAuth(...))")
        if unexpected:
            raise TypeError(f"Connection() got unexpected keyword argument(s): {', '.join(sorted(unexpected))}")
        if auth is None:
            raise TypeError("Connection() needs auth: an authenticator such as OAuthS2S(...) or JWTAuth(...)")
        self.logger = logger if logger is not None else logging.getLogger(__name__)
        # 3.0.1's recording proxy / playback robot: plain http, and no authentication for playback.
        mock_spec = os.getenv(self.mock_env_var, None)
        if mock_spec:
            if mock_spec not in ("proxy", "playback"):
                raise ArgumentError(f"Unknown value for {self.mock_env_var}: {mock_spec}")
            self.logger.warning("%s override specified as '%s'", self.mock_env_var, mock_spec)
            if endpoint.lower().startswith("https://"):
                endpoint = "http" + endpoint[5:]
            if mock_spec == "playback":
                auth = JWTAuth("mock", "mock", "mock", "mock", "mock")
        for name, value in (
            ("throttle_actions", throttle_actions),
            ("throttle_commands", throttle_commands),
            ("throttle_groups", throttle_groups),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ArgumentError(f"{name} must be an integer >= 1 (got {value!r})")
        self.org_id = str(org_id)
        self.auth = auth
        self.endpoint = endpoint
        self.test_mode = test_mode
        self.retry_max_attempts = retry_max_attempts if retry_max_attempts is not None else max_retries
        self.retry_first_delay = retry_first_delay
        self.retry_random_delay = retry_random_delay
        self.retry_max_delay = _non_negative("retry_max_delay", retry_max_delay)
        self.retry_max_time = _non_negative("retry_max_time", retry_max_time)
        self.safe_retries = bool(safe_retries)
        self.refresh_token_on_401 = bool(refresh_token_on_401)
        self.ssl_verify = ssl_verify
        self.timeout = float(timeout) if timeout and float(timeout) > 0.0 else None
        self.throttle_actions = throttle_actions
        self.throttle_commands = throttle_commands
        self.throttle_groups = throttle_groups
        self.action_queue: List[Action] = []
        self.local_status: Dict[str, int] = {
            "multiple-query-count": 0,
            "single-query-count": 0,
            "actions-sent": 0,
            "actions-completed": 0,
            "actions-queued": 0,
        }
        self.server_status: Dict[str, Any] = {"status": "Never contacted", "endpoint": self.endpoint}
        self.sync_started = False
        self.sync_ended = False
        self.session = session if session is not None else requests.Session()
        ua_string = f"umapi-client/{umapi_version} Python/{python_version()} ({platform_version()})"
        if user_agent and user_agent.strip():
            ua_string = user_agent.strip() + " " + ua_string
        self.session.headers["User-Agent"] = ua_string
        self.uuid = str(uuid4())
        self._sleep = sleep

    # -- ours: plumbing ---------------------------------------------------------------------

    def close(self) -> None:
        """Close the pooled HTTP connections."""
        self.session.close()

    def __enter__(self) -> "Connection":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Connection(org_id={self.org_id!r}, endpoint={self.endpoint!r}, test_mode={self.test_mode})"

    # -- status ------------------------------------------------------------------------------

    def status(self, remote: bool = False) -> Tuple[Dict[str, int], Dict[str, Any]]:
        """``(local counters, server status)``; ``remote=True`` asks the host's ``/status`` now."""
        if remote:
            components = urlparse.urlparse(self.endpoint)
            url = components[0] + "://" + components[1] + "/status"
            result: Any
            try:
                result = self.session.get(url, timeout=self.timeout, verify=self.ssl_verify)
            except Exception as e:
                self.logger.debug("Failed to connect to server for status: %s", e)
                result = None
            stamp = strftime("%d %b %Y %H:%M:%S +0000", gmtime())
            # Truth tests as 3.0.1 makes them: a requests.Response is false when its status is
            # 4xx/5xx, so those report "Unreachable" like a network failure.
            if result and result.status_code == 200:
                self.server_status = result.json()
                self.server_status["endpoint"] = self.endpoint
            elif result:
                self.logger.debug(
                    "Server status response not understandable: Status: %d, Body: %s", result.status_code, result.text
                )
                self.server_status = {
                    "endpoint": self.endpoint,
                    "status": f"Unexpected HTTP status {result.status_code} at: {stamp}",
                }
            else:
                self.server_status = {"endpoint": self.endpoint, "status": "Unreachable at: " + stamp}
        return self.local_status, self.server_status

    # -- queries -----------------------------------------------------------------------------

    def query_single(
        self, object_type: str, url_params: Optional[Sequence[str]], query_params: Optional[Dict[str, Any]] = None
    ) -> Dict[str, Any]:
        """Get one object (``"user"``); ``{}`` when UMAPI answers 404."""
        self.local_status["single-query-count"] += 1
        query_path = f"/organizations/{self.org_id}/{object_type}s"
        for component in url_params if url_params else []:
            query_path += "/" + urlparse.quote(component, safe="/@")
        if query_params:
            query_path += "?" + urlparse.urlencode(query_params)
        try:
            result = self.make_call(query_path)
            body = _json(result)
        except RequestError as re:
            if re.result.status_code == 404:
                self.logger.debug("Ran %s query: %s %s (0 found)", object_type, url_params, query_params)
                return {}
            raise
        if body.get("result") == "success":
            self.logger.debug("Ran %s query: %s %s (1 found)", object_type, url_params, query_params)
            value: Dict[str, Any] = body.get(object_type, {})
            return value
        raise ClientError("OK status but no 'success' result", result)

    def query_multiple(
        self,
        object_type: str,
        page: int = 0,
        url_params: Optional[Sequence[str]] = None,
        query_params: Optional[Dict[str, Any]] = None,
    ) -> QueryPage:
        """One 0-based page of ``"user"`` or ``"group"`` objects (or of the deprecated ``"user-group"`` list).

        Returns ``(items, last_page, total_count, page_count, page_number, page_size)``; a 404
        (unknown group) is ``([], True, 0, 0, 0, 0)``.
        """
        self.local_status["multiple-query-count"] += 1
        if object_type in ("user", "group"):
            query_path = f"/{object_type}s/{self.org_id}/{page:d}"
            if url_params:
                query_path += "/" + "/".join(urlparse.quote(c) for c in url_params)
            if query_params:
                query_path += "?" + urlparse.urlencode(query_params)
        elif object_type == "user-group":
            query_path = f"/{self.org_id}/user-groups"
            if url_params:
                query_path += "/" + "/".join(urlparse.quote(c) for c in url_params)
            query_path += f"?page={page + 1:d}"
            if query_params:
                query_path += "&" + urlparse.urlencode(query_params)
        else:
            raise ArgumentError(f"Unknown query object type ({object_type}): must be 'user' or 'group'")
        try:
            result = self.make_call(query_path)
            body = _json(result)
        except RequestError as re:
            if re.result.status_code == 404:
                self.logger.debug("Ran %s query: %s %s (0 found)", object_type, url_params, query_params)
                return QueryPage([], True, 0, 0, 0, 0)
            raise
        headers = {k.lower(): v for k, v in result.headers.items()}
        total_count = int(headers.get("x-total-count", "0"))
        page_count = int(headers.get("x-page-count", "0"))
        page_number = int(headers.get("x-current-page", "1"))
        page_size = int(headers.get("x-page-size", "0"))
        if object_type == "user-group":
            self.logger.debug(
                "Ran multi-group query: %s %s (page %d: %d found)", url_params, query_params, page, len(body)
            )
            return QueryPage(body, page_number >= page_count, total_count, page_count, page_number, page_size)
        if body.get("result") == "success":
            values = body.get(object_type + "s", [])
            self.logger.debug(
                "Ran multi-%s query: %s %s (page %d: %d found)",
                object_type,
                url_params,
                query_params,
                page,
                len(values),
            )
            return QueryPage(values, body.get("lastPage", False), total_count, page_count, page_number, page_size)
        raise ClientError("OK status but no 'success' result", result)

    # -- actions -----------------------------------------------------------------------------

    def execute_single(self, action: "Action", immediate: bool = False) -> Stats:
        """Queue one action; it is sent once a batch is full, or now with ``immediate=True``.

        Returns ``(queued, sent, completed)`` counted in (split) actions.
        """
        return self.execute_multiple([action], immediate=immediate)

    def execute_queued(self) -> Stats:
        """Send every queued action now."""
        return self.execute_multiple([], immediate=True)

    def execute_multiple(self, actions: Sequence["Action"], immediate: bool = True) -> Stats:
        """Send the queue plus ``actions`` in batches of ``throttle_actions``.

        With ``immediate=False`` a last, partial batch stays queued.  Long name lists and long
        command lists are split first (``throttle_groups``, ``throttle_commands``).  Raises
        ``BatchError`` when a request failed; the other batches are still sent.
        """
        split_actions: List[Action] = []
        for action in actions:
            if len(action.commands) == 0:
                self.logger.warning("Sending action with no commands: %s", action.frame)
            splitter = getattr(action, "maybe_split_groups", None)
            if splitter is not None and splitter(self.throttle_groups):
                self.logger.debug(
                    "Throttling actions %s to have a maximum of %d entries in group lists.",
                    action.frame,
                    self.throttle_groups,
                )
            if len(action.commands) > self.throttle_commands:
                self.logger.debug(
                    "Throttling action %s to have a maximum of %d commands.", action.frame, self.throttle_commands
                )
                split_actions += action.split(self.throttle_commands)
            else:
                split_actions.append(action)
        pending = self.action_queue + split_actions
        sent = completed = 0
        exceptions: List[BaseException] = []
        batch_size = self.throttle_actions
        min_size = 1 if immediate else batch_size
        while len(pending) >= min_size:
            batch, pending = pending[:batch_size], pending[batch_size:]
            self.logger.debug("Executing %d actions (%d remaining).", len(batch), len(pending))
            sent += len(batch)
            try:
                completed += self._execute_batch(batch)
            except Exception as e:
                exceptions.append(e)
        self.action_queue = pending
        self.local_status["actions-queued"] = queued = len(pending)
        self.local_status["actions-sent"] += sent
        self.local_status["actions-completed"] += completed
        if exceptions:
            raise BatchError(exceptions, queued, sent, completed)
        return queued, sent, completed

    def start_sync(self) -> None:
        """The next call carries ``Pragma: umapi-sync-start``."""
        self.sync_started = True

    def end_sync(self) -> None:
        """The next call carries ``Pragma: umapi-sync-end``."""
        self.sync_ended = True

    def _execute_batch(self, actions: List["Action"]) -> int:
        """Send one batch; attach each error to its action; return how many actions completed."""
        wire_form = [a.wire_dict() for a in actions]
        path = f"/action/{self.org_id}" + ("?testOnly=true" if self.test_mode else "")
        result = self.make_call(path, wire_form)
        body = _json(result)
        self._attach_warnings(actions, body)
        if body.get("errors", None) is None:
            if body.get("result") != "success":
                self.logger.warning("Server action result: no errors, but no success:\n%s", body)
            return len(actions)
        try:
            if body.get("result") == "success":
                self.logger.warning("Server action result: errors, but success report:\n%s", body)
            for error in body["errors"]:
                actions[error["index"]].report_command_error(error)
                self.logger.debug(
                    "Action error for %s: %s %s",
                    actions[error["index"]].frame,
                    error.get("errorCode"),
                    error.get("message"),
                )
        except Exception:
            raise ClientError(str(body), result) from None
        completed: int = body.get("completed", 0)
        return completed

    @staticmethod
    def _attach_warnings(actions: List["Action"], body: Any) -> None:
        """Ours: keep the answer's warnings on their actions (3.0.1 drops them); never fails."""
        warnings = body.get("warnings") if isinstance(body, dict) else None
        if not isinstance(warnings, list):
            return
        for warning in warnings:
            index = warning.get("index") if isinstance(warning, dict) else None
            if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(actions):
                report = getattr(actions[index], "report_command_warning", None)
                if report is not None:
                    report(warning)

    # -- the one HTTP call -------------------------------------------------------------------

    def make_call(self, path: str, body: Any = None, delete: bool = False) -> Any:
        """Make one UMAPI call, retrying temporary failures; return the response or raise.

        ``body`` (a list of entries) makes it a POST; ``delete=True`` a DELETE; else a GET.
        """
        extra_headers = {"X-Request-Id": f"{self.uuid}_{int(datetime.now().timestamp() * 1000)}"}
        if self.sync_started:
            self.logger.info("Sending start_sync signal")
            extra_headers["Pragma"] = "umapi-sync-start"
            self.sync_started = False
        elif self.sync_ended:
            self.logger.info("Sending end_sync signal")
            extra_headers["Pragma"] = "umapi-sync-end"
            self.sync_ended = False
        url = self.endpoint + path
        request_body = json.dumps(body) if body else None

        def call() -> Any:
            if request_body is not None:
                return self.session.post(
                    url,
                    auth=self.auth,
                    data=request_body,
                    timeout=self.timeout,
                    verify=self.ssl_verify,
                    headers=extra_headers,
                )
            if delete:
                return self.session.delete(
                    url, auth=self.auth, timeout=self.timeout, verify=self.ssl_verify, headers=extra_headers
                )
            return self.session.get(
                url, auth=self.auth, timeout=self.timeout, verify=self.ssl_verify, headers=extra_headers
            )

        start_time = time()
        waited = 0.0
        refreshed = False
        checked_result = APIResult(success=False, timeout=0)
        last_error: Optional[BaseException] = None
        num_attempts = 0
        while num_attempts < self.retry_max_attempts:
            num_attempts += 1
            try:
                result = call()
                if self.refresh_token_on_401 and not refreshed and getattr(result, "status_code", None) == 401:
                    refreshed = True
                    self.logger.warning("UMAPI answered 401; fetching a new access token and trying once more")
                    invalidate = getattr(self.auth, "invalidate", None)
                    if invalidate is not None:
                        invalidate()
                    result = call()
                checked_result = APIResult(result).check_result()
            except requests.Timeout as e:
                self._check_resend(e, request_body, url, num_attempts, waited)
                self.logger.warning(
                    "UMAPI connection timeout...(%d seconds on try %d)", self.timeout or 0, num_attempts
                )
                checked_result, last_error = APIResult(success=False, timeout=0), e
            except requests.ConnectionError as e:
                self._check_resend(e, request_body, url, num_attempts, waited)
                self.logger.warning("UMAPI connection error...(%d seconds on try %d)", self.timeout or 0, num_attempts)
                checked_result, last_error = APIResult(success=False, timeout=0), e
            if checked_result.success:
                return checked_result.result
            self.logger.warning(
                "UMAPI request limit reached (code %s on try %d)", checked_result.status_code, num_attempts
            )
            retry_wait: float = checked_result.timeout or 0
            if retry_wait <= 0:
                retry_wait = int(pow(2, num_attempts - 1)) * self.retry_first_delay + randint(
                    0, self.retry_random_delay
                )
                if self.retry_max_delay is not None:
                    retry_wait = min(retry_wait, self.retry_max_delay)
            if num_attempts < self.retry_max_attempts:
                if self.retry_max_time is not None and waited + retry_wait > self.retry_max_time:
                    raise UnavailableError(
                        num_attempts,
                        int(time() - start_time),
                        checked_result.result,
                        cause=last_error,
                        message=(
                            f"Server unavailable: Made {num_attempts:d} attempts; the next wait of {retry_wait:.0f}s "
                            f"would exceed the retry budget of {self.retry_max_time:.0f}s"
                        ),
                    )
                if retry_wait > 0:
                    self.logger.warning("waiting %d seconds to continue...", retry_wait)
                    (self._sleep or sleep)(retry_wait)
                    waited += retry_wait
                else:
                    self.logger.warning("Immediate retry...")
        total_time = int(time() - start_time)
        self.logger.error(
            "UMAPI timeout...giving up after %d attempts (%d seconds).", self.retry_max_attempts, total_time
        )
        raise UnavailableError(self.retry_max_attempts, total_time, checked_result.result, cause=last_error)

    def _check_resend(
        self, error: requests.RequestException, request_body: Optional[str], url: str, attempts: int, waited: float
    ) -> None:
        """With ``safe_retries``: give up on TLS failures, and on a POST that may have been delivered."""
        if not self.safe_retries:
            return
        if isinstance(error, requests.exceptions.SSLError):
            raise UnavailableError(
                attempts, int(waited), None, cause=error, message=f"TLS failure calling {url} (not retried): {error}"
            ) from error
        if request_body is not None and not _never_sent(error):
            raise UnavailableError(
                attempts,
                int(waited),
                None,
                cause=error,
                message=(
                    f"POST {url} failed with {type(error).__name__} after the request may have reached the server; "
                    f"it was not re-sent because it may already have been applied: {error}"
                ),
            ) from error


__all__ = ["APIResult", "Connection", "DEFAULT_ENDPOINT", "QueryPage"]
