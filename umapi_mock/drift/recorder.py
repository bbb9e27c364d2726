"""`umapi-mock record`: a recording proxy in front of a UMAPI upstream.

Clients use it as they use the emulator: one HTTPS port (the emulator's local CA) that
answers IMS (`/ims/...`) and UMAPI (everything else). Each request is forwarded unchanged to
the upstream (IMS requests to the IMS host), the answer goes back unchanged, and the
exchange is appended to the cassette with its secrets replaced (see `cassette`). With an
anonymiser, people's names and logins in paths and bodies are replaced in the cassette
only; the client still sees the real answer.
"""

from __future__ import annotations

import ssl
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, unquote

import requests
from werkzeug.wrappers import Request

from ..server import ServedEmulator
from .anonymize import Anonymiser
from .cassette import DROPPED_HEADERS, CassetteWriter, Scrubber, encode_body, now_iso

if TYPE_CHECKING:
    from ..contracts.transport import Target
    from .importer import ImportResult

# Not forwarded either way: hop-by-hop headers, and encodings requests would undo.
HOP_HEADERS = DROPPED_HEADERS | {"content-encoding", "accept-encoding", "proxy-connection", "proxy-authorization"}


class RecordingProxy:
    """The WSGI app of the proxy."""

    def __init__(
        self,
        upstream_root: str,
        ims_root: str,
        writer: CassetteWriter,
        *,
        verify: str | bool = True,
        anonymiser: Anonymiser | None = None,
        timeout: float = 120.0,
        log: Callable[[str], None] | None = None,
    ):
        self.upstream_root = upstream_root.rstrip("/")
        self.ims_root = ims_root.rstrip("/")
        self.writer = writer
        self.scrubber = writer.scrubber
        self.verify = verify
        self.anonymiser = anonymiser
        self.timeout = timeout
        self.log = log or (lambda line: print(line, file=sys.stderr, flush=True))
        self.session = requests.Session()
        self.session.trust_env = False  # REQUESTS_CA_BUNDLE and proxy variables must not steer it
        self.recorded = 0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        raw_path = environ.get("RAW_URI") or environ.get("REQUEST_URI") or quote(request.path, safe="/@:+,;=")
        raw_path = raw_path.split("?", 1)[0]
        query = request.query_string.decode("latin-1")
        root = self.ims_root if request.path.startswith("/ims/") else self.upstream_root
        url = root + raw_path + (f"?{query}" if query else "")
        body = request.get_data(cache=True)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_HEADERS}
        headers["Accept-Encoding"] = "identity"
        seq = self.writer.next_seq()
        started, clock = now_iso(), time.perf_counter()
        try:
            answer = self.session.request(
                request.method,
                url,
                data=body,
                headers=headers,
                verify=self.verify,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            from ..options import connection_problem

            why = connection_problem(exc, self.verify if isinstance(self.verify, str) else None)
            self.log(f"umapi-mock record: {request.method} {url}: cannot reach the upstream: {why}; not recorded")
            start_response("502 Bad Gateway", [("Content-Type", "application/json")])
            return [b'{"error_code":"502000","message":"the recording proxy cannot reach the upstream"}']
        elapsed = (time.perf_counter() - clock) * 1000
        content = answer.content
        out_headers = [(k, v) for k, v in answer.headers.items() if k.lower() not in HOP_HEADERS]
        out_headers.append(("Content-Length", str(len(content))))
        self._record(seq, started, elapsed, request, raw_path, body, answer, content)
        start_response(f"{answer.status_code} {answer.reason or ''}".strip(), out_headers)
        return [content]

    def _record(
        self,
        seq: int,
        started: str,
        elapsed: float,
        request: Request,
        raw_path: str,
        body: bytes,
        answer: requests.Response,
        content: bytes,
    ) -> None:
        scrub = self.scrubber
        form: list[tuple[str, str]] | None = None
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = list(request.form.items(multi=True))
        query = scrub.pairs(parse_qsl(request.query_string.decode("latin-1"), keep_blank_values=True))
        req_body = encode_body(body, request.content_type, form, scrub)
        resp_body = encode_body(content, answer.headers.get("Content-Type"), None, scrub)
        path = raw_path
        if self.anonymiser is not None:
            a = self.anonymiser
            if req_body and "json" in req_body:
                req_body["json"] = a.document(req_body["json"])
            if resp_body and "json" in resp_body:
                resp_body["json"] = a.document(resp_body["json"])
            path = quote(a.text(unquote(raw_path)), safe="/@:+,;=")
        record = {
            "seq": seq,
            "started": started,
            "elapsed_ms": round(elapsed, 2),
            "request": {
                "method": request.method,
                "path": path,
                "query": query,
                "headers": scrub.headers(request.headers.items()),
                "body": req_body,
            },
            "response": {
                "status": answer.status_code,
                "headers": scrub.headers(answer.headers.items()),
                "body": resp_body,
            },
        }
        self.writer.write(record)
        self.recorded += 1

    def close(self) -> None:
        self.session.close()


class Recording:
    """A recording session: the cassette, the proxy and its HTTPS server."""

    def __init__(
        self,
        cassette: Path,
        *,
        upstream_root: str,
        ims_host: str,
        upstream_ca: str | None = None,
        anonymiser: Anonymiser | None = None,
    ):
        self.cassette = cassette
        self.upstream_root = upstream_root
        self.ims_host = ims_host
        self.upstream_ca = upstream_ca
        self.anonymiser = anonymiser
        self.scrubber = Scrubber()
        self.snapshot: ImportResult | None = None
        self.writer: CassetteWriter | None = None
        self.proxy: RecordingProxy | None = None
        self.server: ServedEmulator | None = None
        self._background = False

    def learn_secrets(self, target: Target) -> None:
        """The snapshot's own credentials and tokens: never written, wherever they turn up."""
        self.scrubber.placeholder("client-id", target.creds.client_id)
        self.scrubber.placeholder("client-secret", target.creds.client_secret)
        for value in sorted(target.secrets - {target.creds.client_secret}):
            self.scrubber.placeholder("token", value)

    def start(self, host: str, port: int, ssl_context: ssl.SSLContext | None, *, background: bool = False) -> Recording:
        header = {
            "upstream": self.upstream_root,
            "ims_upstream": self.ims_host,
            "anonymized": self.anonymiser is not None,
        }
        self.writer = CassetteWriter(self.cassette, header, self.scrubber)
        if self.snapshot is not None:
            self.writer.write(
                {
                    "snapshot": self.snapshot.seed,
                    "users_page_size": self.snapshot.users_page_size,
                    "groups_page_size": self.snapshot.groups_page_size,
                }
            )
        self.proxy = RecordingProxy(
            self.upstream_root,
            self.ims_root,
            self.writer,
            verify=self.upstream_ca or True,
            anonymiser=self.anonymiser,
        )
        try:
            self.server = ServedEmulator(self.proxy, host, port, ssl_context=ssl_context)
        except OSError:
            self.writer.close()
            raise
        if background:
            self._background = True
            self.server.start()
        return self

    @property
    def ims_root(self) -> str:
        """IMS is HTTPS, except on a plain-HTTP emulator upstream that serves IMS itself."""
        scheme, _, netloc = self.upstream_root.partition("://")
        return f"{scheme if netloc == self.ims_host else 'https'}://{self.ims_host}"

    @property
    def url(self) -> str:
        assert self.server is not None, "not started"
        return self.server.url

    @property
    def netloc(self) -> str:
        assert self.server is not None, "not started"
        return self.server.netloc

    @property
    def recorded(self) -> int:
        return self.proxy.recorded if self.proxy is not None else 0

    def serve_forever(self) -> None:
        assert self.server is not None, "not started"
        self.server.serve_forever()

    def stop(self) -> None:
        if self.server is not None:
            if self._background:
                self.server.stop()
            else:
                self.server.server.server_close()
        if self.proxy is not None:
            self.proxy.close()
        if self.writer is not None:
            self.writer.close()
