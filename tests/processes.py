"""`umapi-mock serve` as a user runs it: a subprocess read up to its banner. The one home
for the CLI, serving and fidelity tests that start a real server process."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def cli_env(**extra: str) -> dict[str, str]:
    """The test process's environment for a CLI child: this checkout importable, output
    unbuffered, no admin token inherited; `extra` on top."""
    env = {k: v for k, v in os.environ.items() if k not in ("UMAPI_MOCK_ADMIN_TOKEN",)}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


class ServeProcess:
    """`umapi-mock serve --port 0 ARGS` in a subprocess, up to its banner: plain HTTP
    (`--no-tls`) unless `tls`, when ARGS choose the certificate or the embedded default is
    used. `ignore_sigint` starts it as a shell starts a job with `&`."""

    def __init__(
        self,
        *args: str,
        cwd: Path,
        env: dict[str, str] | None = None,
        tls: bool = False,
        ignore_sigint: bool = False,
    ):
        def preexec() -> None:
            signal.signal(signal.SIGINT, signal.SIG_IGN)

        self.proc = subprocess.Popen(
            [sys.executable, "-m", "umapi_mock.cli", "serve", *(() if tls else ("--no-tls",)), "--port", "0", *args],
            cwd=cwd,
            env=env or cli_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=preexec if ignore_sigint else None,
        )
        self.banner: list[str] = []
        while True:
            line = self.proc.stdout.readline()  # type: ignore[union-attr]
            if not line:
                self.proc.kill()
                raise AssertionError(f"serve ended before its banner: {self.banner} {self.proc.communicate()[1]}")
            self.banner.append(line.rstrip("\n"))
            if line.startswith("Press Ctrl-C"):
                break
        match = re.search(r"serving IMS and UMAPI at (\S+)$", self.banner[0])
        assert match, self.banner
        self.url = match.group(1)
        self.port = int(self.url.rsplit(":", 1)[1])
        ca = [line.split(": ", 1)[1] for line in self.banner if "CA certificate" in line]
        self.ca = ca[0] if ca else None

    def signal(self, sig: int) -> None:
        self.proc.send_signal(sig)

    def finish(self, timeout: float = 30) -> tuple[int, str]:
        """Wait for the exit: (status, stderr)."""
        _, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, err

    def stop(self) -> tuple[int, str]:
        """Ctrl-C, as a user would: (status, stderr)."""
        self.signal(signal.SIGINT)
        try:
            return self.finish(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.returncode, self.proc.communicate()[1]

    def rss_kib(self) -> int:
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))  # type: ignore[union-attr]

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()
