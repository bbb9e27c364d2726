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

Interception patches `requests`' transport (`interception.py`), so it covers every `requests`
session in the process, on any thread, for the hosts listed; calls to other hosts fail with
`requests.ConnectionError` unless `allow_other_hosts=True`, which sends them on to whatever
transport was in place before (the network, or another mock started earlier).

Each intercepted call goes straight to the WSGI app with a minimal environ (no test-client
machinery), and its answer is never compressed: there is no wire to save bytes on, and
decompressing would be the client's largest cost. The hot reads and the action POST take
the app's fast lane (`http/fast_lane.py`, `http/action_lane.py`) as on the wire, told by
`fast_lane.IN_PROCESS` that no `Content-Length` is needed.
"""

from __future__ import annotations

import functools
import inspect
import io
import sys
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import unquote_to_bytes, urlsplit

if TYPE_CHECKING:
    import requests

    from .config import Config
    from .domain.backend import Backend
    from .domain.models import Org
    from .emulator import Emulator

DEFAULT_IMS_HOSTS: tuple[str, ...] = ("ims-na1.adobelogin.com", "ims-na1-stg1.adobelogin.com")
DEFAULT_UMAPI_HOSTS: tuple[str, ...] = ("usermanagement.adobe.io", "usermanagement-stage.adobe.io")

F = TypeVar("F", bound=Callable[..., Any])


class MockUMAPI:
    """The in-process handle: one faked UMAPI + IMS with no socket, its `Emulator` at
    `.emulator` (as `testing.UmapiServer.emulator` for a served one). Use as a context manager
    (yields itself) or a decorator."""

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
        self.hosts = frozenset(h.lower() for h in self.ims_hosts + self.umapi_hosts + self.extra_hosts)
        self.app: Any = None
        self._active = False
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
        from .interception import activate

        if self._active:
            raise RuntimeError("this mock_umapi() is already active")
        if self.app is None:
            self.app = self._given_app if self._given_app is not None else _build_app(self._config, self._seed)
        activate(self)
        self._active = True
        return self

    def stop(self) -> None:
        if not self._active:
            return
        from .interception import deactivate

        deactivate(self)
        self._active = False
        if self._given_app is None and self.app is not None:  # an emulator of our own
            from .domain import heap

            heap.release(self.backend.orgs.values())

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

    def answer(self, request: requests.PreparedRequest) -> tuple[int, list[tuple[str, str]], bytes]:
        """(status, headers, body) of one intercepted request, run through the WSGI app
        (`interception.Interceptor`); a dropped connection is `requests.ConnectionError`."""
        with self._lock:
            self.call_count += 1
        environ = wsgi_environ(request)
        answer: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            answer[:] = [status, headers]
            return None

        try:
            app_iter = self.app(environ, start_response)
            try:
                chunks = list(app_iter)
            finally:
                close = getattr(app_iter, "close", None)
                if close is not None:
                    close()
        except ConnectionAbortedError as exc:  # a "drop the connection" fault
            import requests

            raise requests.ConnectionError(
                f"umapi-mock (in-process): connection dropped: {exc}", request=request
            ) from None
        status, headers = answer
        data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        return int(status[:3]), [h for h in headers if h[0].lower() != "content-length"], data


_NOT_FORWARDED = frozenset({"accept-encoding", "content-length", "content-type"})


def wsgi_environ(request: requests.PreparedRequest) -> dict[str, Any]:
    """The WSGI environ of a `requests.PreparedRequest`, as a server would build it for a
    client that accepts no compression, flagged as having no wire (`fast_lane.IN_PROCESS`)."""
    from .http.fast_lane import IN_PROCESS

    parts = urlsplit(str(request.url))
    body: Any = request.body  # (typed bytes | str | None, but a file or an iterable when `data=` was one)
    if hasattr(body, "read"):  # a file given as `data=`: what a socket would have sent of it
        body = body.read()
    if isinstance(body, str):
        body = body.encode("utf-8")
    elif body is None:
        body = b""
    elif not isinstance(body, (bytes, bytearray)):
        body = b"".join(c if isinstance(c, bytes) else str(c).encode() for c in body)
    path = parts.path or "/"
    host, _, port = parts.netloc.rpartition(":") if parts.netloc.count(":") == 1 else (parts.netloc, "", "")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(path).decode("latin-1") if "%" in path else path,
        "QUERY_STRING": parts.query,
        "SERVER_NAME": host or parts.netloc,
        "SERVER_PORT": port or ("443" if parts.scheme == "https" else "80"),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": parts.netloc,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": parts.scheme or "https",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        IN_PROCESS: True,
    }
    for lowered, value in request.headers.lower_items():  # (requests' CaseInsensitiveDict, read as stored)
        if lowered == "content-type":
            environ["CONTENT_TYPE"] = value
        elif lowered not in _NOT_FORWARDED:
            environ["HTTP_" + lowered.upper().replace("-", "_")] = value
    return environ


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
