"""Knowing when a server is up without reading its banner: `serve --url-file FILE` writes the
base URL (and the CA path) once `/status` answers; `umapi-mock wait` blocks until a URL (or a
URL file) answers. Made for CI jobs that start the emulator in the background with `--port 0`."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

POLL_SECONDS = 0.1


class WaitError(Exception):
    """The wait ended without an answer (exit 1), or its input is unusable (exit 2)."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


def check_url(text: str) -> str:
    """An http(s) URL with a host, or WaitError (exit 2)."""
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WaitError(f"expected an http:// or https:// URL, got {text!r}", exit_code=2)
    return text.strip()


def answer(url: str, verify: bool | str = False, timeout: float = 5.0) -> tuple[int | None, str]:
    """(HTTP status, "") when the server at `url` answers anything, else (None, why not).
    Any status counts: the question is whether a server is there, not what it thinks."""
    import warnings

    import requests
    from urllib3.exceptions import InsecureRequestWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureRequestWarning)
        try:
            # verify= per request: REQUESTS_CA_BUNDLE would otherwise override it
            return requests.get(url, verify=verify, timeout=timeout, allow_redirects=False).status_code, ""
        except requests.RequestException as exc:
            from .options import connection_problem

            return None, connection_problem(exc, verify)


def read_url_file(path: Path) -> tuple[str, str | None] | None:
    """(base URL, CA path or None) from a file `serve --url-file` wrote, None while absent."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return None
    if not lines:
        return None  # written atomically, so an empty file is not ours: keep waiting
    return lines[0].strip(), (lines[1].strip() if len(lines) > 1 and lines[1].strip() else None)


def wait_for(
    url: str | None,
    url_file: Path | None,
    timeout: float,
    ca: str | None = None,
    now: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[str, int]:
    """Poll until the server answers; (URL, status). With `url_file`, first wait for the file,
    then for the URL it names (and trust the CA it names unless `ca` is given)."""
    deadline = now() + timeout
    why = "nothing tried yet"
    while True:
        target, verify = url, ca or False
        if url_file is not None:
            found = read_url_file(url_file)
            if found is None:
                why = f"{url_file} not written yet"
            else:
                target = check_url(found[0])
                verify = ca or found[1] or False
        if target is not None:
            status, why = answer(target, verify, timeout=max(0.5, min(5.0, deadline - now())))
            if status is not None:
                return target, status
        if now() >= deadline:
            shown = target or url_file
            raise WaitError(f"no answer from {shown} within {timeout:g} s ({why})")
        sleep(POLL_SECONDS)


def write_url_file(path: Path, url: str, ca_path: Path | None) -> None:
    """Atomically: a reader sees no file or the whole file, never half of it."""
    text = url + "\n" + (f"{ca_path}\n" if ca_path else "")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def announce_when_ready(
    path: Path, url: str, ca_path: Path | None, on_error: Callable[[str], None], timeout: float = 60.0
) -> threading.Thread:
    """In the background: once `{url}/status` answers (trusting `ca_path`), write the URL file."""

    def run() -> None:
        try:
            wait_for(url + "/status", None, timeout, ca=str(ca_path) if ca_path else None)
            write_url_file(path, url, ca_path)
        except (WaitError, OSError) as exc:
            on_error(f"--url-file {path}: {getattr(exc, 'strerror', None) or exc}")

    thread = threading.Thread(target=run, name="umapi-mock-url-file", daemon=True)
    thread.start()
    return thread
