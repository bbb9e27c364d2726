"""In-process mode: route `requests` calls for the IMS and UMAPI hosts to an emulator's WSGI
app with no socket, the way moto's decorators fake AWS.

    import umapi_mock, umapi_client

    with umapi_mock.mock_umapi() as umapi:
        auth = umapi_client.OAuthS2S(umapi.client_id, umapi.client_secret)
        conn = umapi_client.Connection(org_id=umapi.org_id, auth=auth)
        ...                                   # talks to ims-na1.adobelogin.com and
        assert umapi.org.find_user("jane@example.com")  # usermanagement.adobe.io, faked

    @umapi_mock.mock_umapi()                  # a fresh emulator for every call
    def test_sync(): ...

Interception uses the `responses` library (a dependency of umapi-mock), so it covers every
`requests` session in the process, on any thread, for the hosts listed; calls to other
hosts fail with `requests.ConnectionError` unless `allow_other_hosts=True`.
"""

from __future__ import annotations

import functools
import inspect
import re
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import responses

    from .config import Config
    from .domain.backend import Backend
    from .domain.models import Org
    from .emulator import Emulator

DEFAULT_IMS_HOSTS: tuple[str, ...] = ("ims-na1.adobelogin.com", "ims-na1-stg1.adobelogin.com")
DEFAULT_UMAPI_HOSTS: tuple[str, ...] = ("usermanagement.adobe.io", "usermanagement-stage.adobe.io")
_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")
_KEEP_CALLS = 256  # responses remembers every call; keep memory flat in long runs

F = TypeVar("F", bound=Callable[..., Any])


class MockUMAPI:
    """One faked UMAPI + IMS. Use as a context manager (yields itself) or a decorator."""

    def __init__(
        self,
        config: Config | None = None,
        *,
        app: Any = None,
        seed: dict[str, Any] | None = None,
        hosts: Iterable[str] = (),
        ims_hosts: Iterable[str] = DEFAULT_IMS_HOSTS,
        umapi_hosts: Iterable[str] = DEFAULT_UMAPI_HOSTS,
        allow_other_hosts: bool = False,
    ):
        if app is not None and (config is not None or seed is not None):
            raise ValueError("give either app= or config=/seed=, not both")
        self._config = config
        self._seed = seed
        self._given_app = app
        self.ims_hosts = tuple(_host(h) for h in ims_hosts)
        self.umapi_hosts = tuple(_host(h) for h in umapi_hosts)
        self.extra_hosts = tuple(_host(h) for h in hosts)
        if not (self.ims_hosts + self.umapi_hosts + self.extra_hosts):
            raise ValueError("mock_umapi needs at least one host to intercept")
        self.allow_other_hosts = allow_other_hosts
        self.app: Any = None
        self._mock: responses.RequestsMock | None = None
        self._lock = threading.Lock()
        self.call_count = 0

    # ----------------------------------------------------------------- state

    @property
    def emulator(self) -> Emulator:
        """The emulator handle behind the app (state, layers, `reset()`)."""
        from .http.context import emulator_of

        self._require_app()
        return emulator_of(self.app)

    @property
    def backend(self) -> Backend:
        return self.emulator.backend

    @property
    def org(self) -> Org:
        """The (first) organization; `backend.org(org_id)` for others."""
        return self.backend.org()

    @property
    def org_id(self) -> str:
        return self.org.id

    @property
    def client_id(self) -> str:
        return str(self._credential().client_id)

    @property
    def client_secret(self) -> str:
        return str(self._credential().client_secret)

    @property
    def ims_host(self) -> str:
        return (self.ims_hosts + self.extra_hosts + self.umapi_hosts)[0]

    @property
    def umapi_host(self) -> str:
        return (self.umapi_hosts + self.extra_hosts + self.ims_hosts)[0]

    @property
    def endpoint(self) -> str:
        return f"https://{self.umapi_host}/v2/usermanagement"

    def reset(self) -> None:
        """Back to the start-up seed; clock, throttle windows, fault rules and journal too."""
        self.emulator.reset()

    def connection(self, **kwargs: Any) -> Any:
        """A `umapi_client.Connection` (whichever client is installed) for the first org, with
        zero retry back-off; `kwargs` go to `Connection`."""
        from .client_connection import client_connection

        kwargs.setdefault("endpoint", self.endpoint)
        return client_connection(self.org_id, self.client_id, self.client_secret, ims_host=self.ims_host, **kwargs)

    def _credential(self) -> Any:
        org = self.org
        if not org.credentials:
            raise LookupError(f"org {org.id} has no credentials in its seed")
        return next(iter(org.credentials.values()))

    def _require_app(self) -> None:
        if self.app is None:
            raise RuntimeError("the emulator starts when the mock_umapi() block is entered")

    # ------------------------------------------------------------- lifecycle

    def start(self) -> MockUMAPI:
        try:
            import responses
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError(
                "mock_umapi() needs the 'responses' package (a dependency of umapi-mock): pip install responses"
            ) from exc
        if self._mock is not None:
            raise RuntimeError("this mock_umapi() is already active")
        if self.app is None:
            self.app = self._given_app if self._given_app is not None else _build_app(self._config, self._seed)
        hosts = sorted(set(self.ims_hosts + self.umapi_hosts + self.extra_hosts))
        pattern = re.compile(
            r"^https?://(?:" + "|".join(re.escape(h) for h in hosts) + r")(?::\d+)?(?:[/?#].*)?$", re.I
        )
        mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        for method in _METHODS:
            mock.add_callback(method, pattern, callback=self._dispatch, content_type=None)
        if self.allow_other_hosts:
            mock.add_passthru(re.compile(r".*"))
        mock.start()
        self._mock = mock
        return self

    def stop(self) -> None:
        mock, self._mock = self._mock, None
        if mock is not None:
            mock.stop()
            mock.reset()

    def __enter__(self) -> MockUMAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __call__(self, func: F) -> F:
        """Decorate a function: each call runs inside its own fresh emulator."""
        settings = dict(
            config=self._config,
            app=self._given_app,
            seed=self._seed,
            hosts=self.extra_hosts,
            ims_hosts=self.ims_hosts,
            umapi_hosts=self.umapi_hosts,
            allow_other_hosts=self.allow_other_hosts,
        )
        if inspect.iscoroutinefunction(func):
            raise TypeError("mock_umapi() decorates plain functions; use `with mock_umapi():` inside coroutines")

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with MockUMAPI(**settings):
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    # --------------------------------------------------------------- routing

    def _dispatch(self, request: Any) -> Any:
        """responses callback: run one PreparedRequest through the WSGI app."""
        import requests
        from werkzeug.test import EnvironBuilder, run_wsgi_app

        with self._lock:
            self.call_count += 1
            mock = self._mock
            if mock is not None and len(mock.calls) > _KEEP_CALLS:
                mock.calls.reset()
                for registered in mock.registered():
                    registered.calls.reset()
        parts = urlsplit(str(request.url))
        body = request.body
        if isinstance(body, str):
            body = body.encode("utf-8")
        elif body is not None and not isinstance(body, (bytes, bytearray)):
            body = b"".join(c if isinstance(c, bytes) else str(c).encode() for c in body)
        headers = [(k, v) for k, v in request.headers.items()]
        builder = EnvironBuilder(
            method=request.method,
            base_url=f"{parts.scheme}://{parts.netloc}",
            path=parts.path or "/",
            query_string=parts.query,
            headers=headers,
            data=body or b"",
        )
        environ = builder.get_environ()
        environ["REMOTE_ADDR"] = "127.0.0.1"
        try:
            app_iter, status, response_headers = run_wsgi_app(self.app, environ, buffered=True)
            try:
                data = b"".join(app_iter)
            finally:
                close = getattr(app_iter, "close", None)
                if close is not None:
                    close()
        except ConnectionAbortedError as exc:  # a "drop the connection" fault
            return requests.ConnectionError(f"umapi-mock (in-process): connection dropped: {exc}")
        code = int(status.split(" ", 1)[0])
        out = [(k, v) for k, v in response_headers.items() if k.lower() != "content-length"]
        return code, out, data


def mock_umapi(config: Config | None = None, **kwargs: Any) -> MockUMAPI:
    """A faked UMAPI + IMS for `requests`: `with mock_umapi() as umapi:` or `@mock_umapi()`.

    Keyword arguments: `seed` (a seed document), `app` (a ready emulator app, e.g. with
    extra WSGI middleware), `hosts` (more host names to intercept), `ims_hosts`,
    `umapi_hosts` (replace the defaults), `allow_other_hosts` (let other URLs through).
    """
    return MockUMAPI(config, **kwargs)


def _build_app(config: Config | None, seed: dict[str, Any] | None) -> Any:
    from .config import Config
    from .http.app import create_app

    cfg = config or Config()
    if seed is not None:
        cfg.seed = seed
    return create_app(cfg)


def _host(value: str) -> str:
    value = value.strip()
    if "://" in value:
        value = urlsplit(value).netloc
    return value.split("/", 1)[0].rsplit(":", 1)[0] if value.count(":") == 1 else value


__all__ = ["mock_umapi", "MockUMAPI", "DEFAULT_IMS_HOSTS", "DEFAULT_UMAPI_HOSTS"]
