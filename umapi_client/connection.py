"""The Connection: everything that talks to the UMAPI host for one organization.

It owns the single ``requests.Session`` (shared with the authenticator for IMS calls),
adds the auth headers, re-fetches the token once on a 401, applies the retry policy,
queues and batches actions to UMAPI's limits (10 entries per request, 10 steps per
entry, 10 names per list), maps the errors of each action response back to the
action and step that caused them, and pages through list endpoints.
"""

from __future__ import annotations

import json
import logging
import platform
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple, Union
from urllib.parse import quote, urlsplit

import requests

from ._http import ClockFunc, RetryPolicy, SleepFunc, SSLVerify, Transport, check_ssl_verify, new_request_id
from ._version import __version__
from .actions import Action, Entry
from .auth import Auth
from .errors import (
    ArgumentError,
    BatchError,
    ClientError,
    RequestError,
    ServerError,
    UnavailableError,
)

DEFAULT_ENDPOINT = "https://usermanagement.adobe.io/v2/usermanagement"
MAX_PER_REQUEST = 10
QueryParams = Mapping[str, Union[str, bool, int]]


class QueryPage(NamedTuple):
    """One page of a list endpoint, with the paging headers (None when absent)."""

    items: List[Dict[str, Any]]
    last_page: bool
    total_count: Optional[int] = None
    page_count: Optional[int] = None
    page_number: Optional[int] = None
    page_size: Optional[int] = None


def _header_int(response: requests.Response, name: str) -> Optional[int]:
    value = response.headers.get(name)
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


def _limit(name: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_PER_REQUEST:
        raise ArgumentError(f"{name} must be an integer from 1 to {MAX_PER_REQUEST} (UMAPI's limit), got {value!r}")
    return value


def _number(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ArgumentError(f"{name} must be a number >= 0 (got {value!r})")
    return float(value)


class Connection:
    """An authenticated connection to UMAPI for one organization.

    Extra keyword-only options beyond the official client:

    * ``timeout_seconds``: alias of ``timeout`` (seconds for connect and read).
    * ``retry_max_delay``: cap of one computed back-off wait (default 300 s).
    * ``retry_max_time``: budget for the total waiting of one request (default 900 s);
      when the next wait would exceed it, ``UnavailableError`` is raised at once.
    * ``sleep``: the function used to wait between retries (test hook; default
      ``time.sleep``).  ``retry_first_delay=0, retry_random_delay=0`` also removes waits,
      except those a server demands with ``Retry-After``.
    * ``wall_clock``: the clock used to read HTTP-date ``Retry-After`` values (test hook).
    * ``session``: a ``requests.Session`` to use instead of a new one.
    * ``max_retries``: the official 3.x client's name for ``retry_max_attempts``.

    Give ``ssl_verify`` (and the authenticator's) as a CA-bundle path to trust a private
    CA such as the emulator's; it is passed to every request, so it wins over
    ``REQUESTS_CA_BUNDLE``.
    """

    def __init__(
        self,
        org_id: str,
        auth: Optional[Auth] = None,
        endpoint: str = DEFAULT_ENDPOINT,
        test_mode: bool = False,
        logger: Optional[logging.Logger] = None,
        retry_max_attempts: int = 4,
        retry_first_delay: float = 15,
        retry_random_delay: float = 5,
        ssl_verify: SSLVerify = True,
        timeout: float = 120.0,
        throttle_actions: int = 10,
        throttle_commands: int = 10,
        throttle_groups: int = 10,
        user_agent: Optional[str] = None,
        *,
        timeout_seconds: Optional[float] = None,
        retry_max_delay: float = 300.0,
        retry_max_time: float = 900.0,
        sleep: Optional[SleepFunc] = None,
        wall_clock: Optional[ClockFunc] = None,
        session: Optional[requests.Session] = None,
        max_retries: Optional[int] = None,
        **unexpected: Any,
    ) -> None:
        if "auth_dict" in unexpected:
            raise ArgumentError(
                "auth_dict is not supported since 3.0; pass auth=OAuthS2S(...) (or the deprecated JWTAuth(...))"
            )
        if unexpected:
            raise ArgumentError(f"unexpected Connection argument(s): {', '.join(sorted(unexpected))}")
        if not isinstance(org_id, str) or not org_id.strip() or "/" in org_id:
            raise ArgumentError(f"org_id must be an organization ID such as '12345@AdobeOrg' (got {org_id!r})")
        if not isinstance(auth, Auth):
            raise ArgumentError("auth must be an authenticator such as OAuthS2S(...) or JWTAuth(...)")
        if (
            not isinstance(endpoint, str)
            or urlsplit(endpoint).scheme not in ("http", "https")
            or not urlsplit(endpoint).netloc
        ):
            raise ArgumentError(f"endpoint must be an absolute http(s) URL (got {endpoint!r})")
        if not isinstance(test_mode, bool):
            raise ArgumentError(f"test_mode must be True or False (got {test_mode!r})")
        if user_agent is not None and (not isinstance(user_agent, str) or not user_agent.strip()):
            raise ArgumentError("user_agent must be a non-empty string when given")
        if max_retries is not None:  # the official 3.x client's name for retry_max_attempts
            retry_max_attempts = max_retries
        if timeout_seconds is not None:
            timeout = timeout_seconds
        timeout_value = _number("timeout", timeout)
        if timeout_value == 0:
            raise ArgumentError("timeout must be greater than 0")
        policy = RetryPolicy(
            max_attempts=retry_max_attempts,
            first_delay=_number("retry_first_delay", retry_first_delay),
            random_delay=_number("retry_random_delay", retry_random_delay),
            max_delay=_number("retry_max_delay", retry_max_delay),
            max_total_time=_number("retry_max_time", retry_max_time),
        )
        self.org_id = org_id
        self.auth = auth
        self.endpoint = endpoint.rstrip("/")
        self.test_mode = test_mode
        self.ssl_verify = check_ssl_verify(ssl_verify)
        self.logger = logger if logger is not None else logging.getLogger("umapi_client")
        self.throttle_actions = _limit("throttle_actions", throttle_actions)
        self.throttle_commands = _limit("throttle_commands", throttle_commands)
        self.throttle_groups = _limit("throttle_groups", throttle_groups)
        self.user_agent = (
            user_agent.strip() + " " if user_agent else ""
        ) + f"umapi-client/{__version__} Python/{platform.python_version()} ({platform.system()})"
        self._transport = Transport(
            session, timeout=timeout_value, policy=policy, logger=self.logger, sleep=sleep, wall_clock=wall_clock
        )
        self._queue: List[Action] = []
        self._pragma: Optional[str] = None
        self._stats = {"multiple-query-count": 0, "single-query-count": 0, "actions-sent": 0, "actions-completed": 0}
        self._remote_status: Dict[str, Any] = {"status": "Never contacted", "endpoint": self.endpoint}

    # -- plumbing -----------------------------------------------------------------------

    @property
    def session(self) -> requests.Session:
        """The one HTTP session (connection pool) used for UMAPI and IMS."""
        return self._transport.session

    @property
    def retry_policy(self) -> RetryPolicy:
        return self._transport.policy

    def close(self) -> None:
        """Close pooled connections."""
        self._transport.close()

    def __enter__(self) -> "Connection":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Connection(org_id={self.org_id!r}, endpoint={self.endpoint!r}, test_mode={self.test_mode})"

    def start_sync(self) -> None:
        """Mark the next call as the start of a sync (``Pragma: umapi-sync-start``)."""
        self._pragma = "umapi-sync-start"

    def end_sync(self) -> None:
        """Mark the next call as the end of a sync (``Pragma: umapi-sync-end``)."""
        self._pragma = "umapi-sync-end"

    def _org_path(self) -> str:
        return quote(self.org_id, safe="@")

    def _call(
        self,
        method: str,
        url: str,
        *,
        idempotent: bool,
        params: Optional[Mapping[str, str]] = None,
        body: Any = None,
    ) -> requests.Response:
        """Send one authenticated UMAPI request; on 401 refresh the token and try once more."""
        data = json.dumps(body) if body is not None else None
        response: Optional[requests.Response] = None
        for auth_round in (1, 2):
            headers = {"Accept": "application/json", "User-Agent": self.user_agent, "X-Request-Id": new_request_id()}
            if data is not None:
                headers["Content-Type"] = "application/json"
            if self._pragma is not None:
                headers["Pragma"] = self._pragma
                self._pragma = None
            headers.update(self.auth.headers(self._transport))
            response = self._transport.send(
                method, url, verify=self.ssl_verify, headers=headers, params=params, data=data, idempotent=idempotent
            )
            if response.status_code == 401 and auth_round == 1:
                self.logger.warning("%s %s -> 401; fetching a new access token and trying once more", method, url)
                self.auth.invalidate()
                continue
            break
        assert response is not None
        return response

    @staticmethod
    def _raise_for(response: requests.Response) -> None:
        if 200 <= response.status_code < 300:
            return
        if 400 <= response.status_code < 500:
            raise RequestError(response)
        raise ServerError(response)

    @staticmethod
    def _json_object(response: requests.Response) -> Dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            raise ClientError(f"expected a JSON object from {response.url}, got unparsable content", response) from None
        if not isinstance(body, dict):
            raise ClientError(f"expected a JSON object from {response.url}, got {type(body).__name__}", response)
        return body

    # -- status -------------------------------------------------------------------------

    def status(self, remote: bool = False) -> Tuple[Dict[str, Any], Dict[str, Any]]:
        """Return ``(local statistics, remote status)``; ``remote=True`` asks the server now."""
        local = dict(self._stats)
        local["actions-queued"] = len(self._queue)
        if remote:
            self._remote_status = self._fetch_status()
        return local, dict(self._remote_status)

    def _fetch_status(self) -> Dict[str, Any]:
        parts = urlsplit(self.endpoint)
        url = f"{parts.scheme}://{parts.netloc}/status"
        try:
            response = self.session.get(
                url,
                headers={"Accept": "application/json", "User-Agent": self.user_agent},
                timeout=self._transport.timeout,
                verify=self.ssl_verify,
            )
        except requests.RequestException as exc:
            self.logger.warning("status check of %s failed: %s", url, exc)
            return {"status": f"Unreachable at: {url}", "endpoint": self.endpoint}
        if response.status_code != 200:
            return {"status": f"Unexpected HTTP status {response.status_code} at: {url}", "endpoint": self.endpoint}
        try:
            body = response.json()
        except ValueError:
            return {"status": f"Unexpected non-JSON answer at: {url}", "endpoint": self.endpoint}
        result: Dict[str, Any] = dict(body) if isinstance(body, dict) else {"status": body}
        result["endpoint"] = self.endpoint
        return result

    # -- queries ------------------------------------------------------------------------

    def query_single(
        self, object_type: str, url_params: Sequence[str], query_params: Optional[QueryParams] = None
    ) -> Dict[str, Any]:
        """Get User: ``object_type`` ``"user"``, ``url_params`` ``[user string]``; ``{}`` when not found."""
        if object_type != "user":
            raise ArgumentError(f"query_single supports object_type 'user' only (got {object_type!r})")
        if (
            isinstance(url_params, str)
            or len(url_params) != 1
            or not isinstance(url_params[0], str)
            or not url_params[0]
        ):
            raise ArgumentError("query_single('user', ...) needs url_params=[<email or username>]")
        url = f"{self.endpoint}/organizations/{self._org_path()}/users/{quote(url_params[0], safe='/@')}"
        response = self._call("GET", url, params=self._params(query_params), idempotent=True)
        self._stats["single-query-count"] += 1
        if response.status_code == 404:
            return {}
        self._raise_for(response)
        body = self._json_object(response)
        if body.get("result") != "success":
            raise ClientError(f"Get User answered result {body.get('result')!r}: {body.get('message', '')}", response)
        user = body.get("user")
        if not isinstance(user, dict):
            raise ClientError("Get User answer has no user object", response)
        return user

    def query_multiple(
        self,
        object_type: str,
        page: int = 0,
        url_params: Optional[Sequence[str]] = None,
        query_params: Optional[QueryParams] = None,
    ) -> QueryPage:
        """Fetch one 0-based page of users (optionally of one group) or of groups.

        A 404 (unknown group or domain) is answered as an empty last page.
        """
        if isinstance(page, bool) or not isinstance(page, int) or page < 0:
            raise ArgumentError(f"page must be an integer >= 0 (got {page!r})")
        params_list = list(url_params or [])
        if object_type == "user":
            path = f"/users/{self._org_path()}/{page}"
            if len(params_list) > 1:
                raise ArgumentError("query_multiple('user') takes at most one url parameter (a group name)")
            if params_list:
                group = params_list[0]
                if not isinstance(group, str) or not group:
                    raise ArgumentError("the group name must be a non-empty string")
                path += "/" + quote(group, safe="/")
        elif object_type == "group":
            if params_list:
                raise ArgumentError("query_multiple('group') takes no url parameters")
            path = f"/groups/{self._org_path()}/{page}"
        else:
            raise ArgumentError(f"query_multiple supports object_type 'user' or 'group' (got {object_type!r})")
        response = self._call("GET", self.endpoint + path, params=self._params(query_params), idempotent=True)
        self._stats["multiple-query-count"] += 1
        if response.status_code == 404:
            return QueryPage([], True, 0, 0, page, 0)
        self._raise_for(response)
        body = self._json_object(response)
        key = object_type + "s"
        result = body.get("result", "success")
        if result != "success" and not (body.get("lastPage") is True and key not in body):
            raise ClientError(f"list query answered result {result!r}: {body.get('message', '')}", response)
        items = body.get(key, [])
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise ClientError(f"list query answer has a malformed {key!r} field", response)
        return QueryPage(
            items,
            bool(body.get("lastPage", False)),
            _header_int(response, "X-Total-Count"),
            _header_int(response, "X-Page-Count"),
            _header_int(response, "X-Current-Page"),
            _header_int(response, "X-Page-Size"),
        )

    @staticmethod
    def _params(query_params: Optional[QueryParams]) -> Optional[Dict[str, str]]:
        if not query_params:
            return None
        converted: Dict[str, str] = {}
        for key, value in query_params.items():
            converted[key] = ("true" if value else "false") if isinstance(value, bool) else str(value)
        return converted

    # -- actions ------------------------------------------------------------------------

    def execute_single(self, action: Action, immediate: bool = False) -> Tuple[int, int, int]:
        """Queue one action; send once 10 are queued, or now with ``immediate=True``.

        Returns ``(queued, sent, completed)``: actions still queued, actions sent by
        this call, and how many of those ran without any error.
        """
        return self.execute_multiple([action], immediate=immediate)

    def execute_multiple(self, actions: Sequence[Action], immediate: bool = False) -> Tuple[int, int, int]:
        """Queue several actions; full batches of 10 are sent, the rest wait unless ``immediate``.

        Raises ``BatchError`` if any request failed (the other requests are still sent;
        failed actions carry a ``client.request_failed`` execution error).
        """
        batch: List[Action] = [actions] if isinstance(actions, Action) else list(actions)
        for action in batch:
            if not isinstance(action, Action):
                raise ArgumentError(f"expected UserAction or GroupAction objects, got {type(action).__name__}")
            action.wire_entries(self.throttle_commands, self.throttle_groups)  # validates before queueing
        for action in batch:
            action._reset_results()
            self._queue.append(action)
        return self._dispatch(only_full_batches=not immediate)

    def execute_queued(self) -> Tuple[int, int, int]:
        """Send every queued action now."""
        return self._dispatch(only_full_batches=False)

    def _dispatch(self, only_full_batches: bool) -> Tuple[int, int, int]:
        sent = completed = 0
        causes: List[BaseException] = []
        while self._queue and (not only_full_batches or len(self._queue) >= self.throttle_actions):
            chunk = self._queue[: self.throttle_actions]
            del self._queue[: self.throttle_actions]
            entries: List[Tuple[Action, Entry]] = [
                (action, entry)
                for action in chunk
                for entry in action.wire_entries(self.throttle_commands, self.throttle_groups)
            ]
            for start in range(0, len(entries), self.throttle_actions):
                part = entries[start : start + self.throttle_actions]
                try:
                    self._send_entries(part)
                except (ClientError, RequestError, ServerError, UnavailableError) as exc:
                    self.logger.error("action request with %d entries failed: %s", len(part), exc)
                    causes.append(exc)
                    for action in dict.fromkeys(a for a, _ in part):
                        action._report("error", None, {"errorCode": "client.request_failed", "message": str(exc)})
            sent += len(chunk)
            completed += sum(1 for action in chunk if not action._errors)
        self._stats["actions-sent"] += sent
        self._stats["actions-completed"] += completed
        queued = len(self._queue)
        if causes:
            raise BatchError(causes, queued, sent, completed)
        return queued, sent, completed

    def _send_entries(self, part: List[Tuple[Action, Entry]]) -> None:
        url = f"{self.endpoint}/action/{self._org_path()}"
        params = {"testOnly": "true"} if self.test_mode else None
        response = self._call("POST", url, params=params, body=[entry for _, entry in part], idempotent=False)
        self._raise_for(response)
        body = self._json_object(response)
        result = body.get("result")
        errors = body.get("errors") or []
        warnings = body.get("warnings") or []
        if not isinstance(errors, list) or not isinstance(warnings, list):
            raise ClientError("action answer has malformed errors/warnings", response)
        if isinstance(result, str) and result.startswith("error.") and not errors:
            raise ClientError(f"action request refused: {result}: {body.get('message', '')}", response)
        # Check every error can be attributed before recording any, so a broken answer
        # fails the whole request instead of leaving half-recorded results.
        located: List[Tuple[str, Action, Optional[Dict[str, Any]], Dict[str, Any]]] = []
        for kind, items in (("error", errors), ("warning", warnings)):
            for item in items:
                index = item.get("index") if isinstance(item, dict) else None
                if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(part):
                    if kind == "warning":
                        self.logger.warning("unattributable action warning: %s", item)
                        continue
                    raise ClientError(f"action answer has an error with invalid index: {item!r}", response)
                assert isinstance(item, dict)
                action, entry = part[index]
                step = item.get("step")
                steps = entry["do"]
                command = None
                if isinstance(step, int) and not isinstance(step, bool) and 0 <= step < len(steps):
                    command = steps[step]
                else:
                    self.logger.warning("action %s for %r names no valid step: %r", kind, action.target, step)
                located.append((kind, action, command, item))
        for kind, action, command, item in located:
            action._report(kind, command, item)
            log = self.logger.warning if kind == "warning" else self.logger.info
            log(
                "action %s for %r: %s %s",
                kind,
                action.target,
                item.get("errorCode") or item.get("warningCode"),
                item.get("message", ""),
            )
        self.logger.debug(
            "action request: %d entries, result %s, %d error(s)%s",
            len(part),
            result,
            len(errors),
            " (test mode)" if self.test_mode else "",
        )


__all__ = ["Connection", "QueryPage", "DEFAULT_ENDPOINT"]
