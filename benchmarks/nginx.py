"""nginx as a reference static server: the same page bytes over TLS (identity as `NAME`, and
the emulator's own gzip bytes as `NAME.gz`, served by `gzip_static` to a client that accepts
gzip, so each side of a ratio sends the same bytes in the same encoding), from a config of our
own, on a free loopback port, in the foreground, stopped by us. `installed()` says whether
there is an nginx to run (`apt-get install nginx`); the figure is skipped when there is not.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

WORKERS = 1  # one worker process: the emulator is one process too

CONFIG = """\
worker_processes {workers};
daemon off;
master_process on;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
{user}
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    sendfile on;
    tcp_nodelay on;
    keepalive_timeout 120s;
    keepalive_requests 1000000;
    gzip off;
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        root {prefix}/www;
        location / {{ default_type application/json; gzip_static on; }}
    }}
}}
"""


def executable() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx") if os.path.exists(p)),
        None,
    )


def installed() -> bool:
    return executable() is not None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Nginx:
    """`with Nginx(dir, tls, {"page.json": body}) as n:` serves the files at n.url + "/name"."""

    def __init__(self, prefix: Path, tls: Any, files: dict[str, bytes]):
        self.prefix = prefix
        self.tls = tls
        self.files = files
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def start(self) -> Nginx:
        binary = executable()
        if binary is None:
            raise RuntimeError("nginx is not installed")
        www = self.prefix / "www"
        for sub in ("www", "tmp"):
            (self.prefix / sub).mkdir(parents=True, exist_ok=True)
        for name, data in self.files.items():
            (www / name).write_bytes(data)
        if os.geteuid() == 0:  # workers would run as `nobody` and could not read our files
            user = "user root;"
        else:
            user = ""
        for _attempt in range(5):  # a free port may be taken before nginx binds it
            self.port = _free_port()
            conf = self.prefix / "nginx.conf"
            conf.write_text(
                CONFIG.format(
                    workers=WORKERS,
                    prefix=self.prefix,
                    user=user,
                    port=self.port,
                    cert=self.tls.server_cert,
                    key=self.tls.server_key,
                )
            )
            self.proc = subprocess.Popen(
                [binary, "-p", str(self.prefix), "-c", str(conf), "-e", str(self.prefix / "error.log")],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            if self._wait_listening():
                return self
            self.stop()
        log = (self.prefix / "error.log").read_text(errors="replace") if (self.prefix / "error.log").exists() else ""
        raise RuntimeError(f"nginx did not start:\n{log[-2000:]}")

    def _wait_listening(self, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return True
            except OSError:
                time.sleep(0.02)
        return False

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)  # fast shutdown of master and workers
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def __enter__(self) -> Nginx:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
