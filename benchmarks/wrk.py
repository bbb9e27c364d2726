"""wrk (https://github.com/wg/wrk) as the load client for the wire figures: a C event loop
that spends a few microseconds per request, so a figure measures the server, not the client
(`requests` spends ~0.45 ms of client CPU per request on a 2-core machine, which capped the
old figures at ~1,250 req/s even for a hello world).

`run(url, ...)` runs `wrk -t THREADS -c CONNECTIONS -d SECONDS` with a Lua script of ours
that sets the method, headers and bodies (POST bodies rotate over a list of files) and
prints one JSON line from `done()`; the result is a `driver.LoadResult`. A request counts
when wrk saw a complete answer with a 2xx/3xx status (wrk's `status` errors are the others).
`.ci/run` installs wrk when it is missing; without it the figures fall back to the lean
`http.client` driver (`driver.run_load(lean=True)`) and say so in their notes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from .driver import LoadResult

THREADS = 2

_SCRIPT = """\
wrk.method = {method}
{headers}
local bodies = {{}}
for _, path in ipairs({{{files}}}) do
    local f = assert(io.open(path, "rb"))
    bodies[#bodies + 1] = f:read("*a")
    f:close()
end
if #bodies == 1 then
    wrk.body = bodies[1]
elseif #bodies > 1 then
    local n = 0
    request = function()
        n = n + 1
        return wrk.format(nil, nil, nil, bodies[(n % #bodies) + 1])
    end
end
done = function(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        'WRK-RESULT {{"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, '
        .. '"write": %d, "status": %d, "timeout": %d, "p50_us": %d, "p99_us": %d}}\\n',
        summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
        e.timeout, latency:percentile(50), latency:percentile(99)))
end
"""


OFF_ENV = "UMAPI_MOCK_BENCH_WRK"  # "off": behave as if wrk were not installed (to exercise the fallback)


def executable() -> str | None:
    if os.environ.get(OFF_ENV, "").lower() == "off":
        return None
    return shutil.which("wrk") or next((p for p in ("/usr/bin/wrk", "/usr/local/bin/wrk") if os.path.exists(p)), None)


def installed() -> bool:
    return executable() is not None


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string literal is a valid Lua string literal for ASCII text


def run(
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    connections: int = 4,
    seconds: int = 1,
    bodies: Sequence[bytes] = (),
    threads: int = THREADS,
    work_dir: Path | None = None,
) -> LoadResult:
    """One wrk run of `seconds` (whole seconds: wrk's unit) against `url`; a POST of the
    bodies (in turn) when there are any."""
    binary = executable()
    if binary is None:
        raise RuntimeError("wrk is not installed")
    with tempfile.TemporaryDirectory(prefix="umapi-mock-wrk-", dir=work_dir) as tmp:
        files = []
        for i, body in enumerate(bodies):
            path = Path(tmp) / f"body-{i}"
            path.write_bytes(body)
            files.append(_lua_string(str(path)))
        header_lines = "\n".join(
            f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}" for k, v in (headers or {}).items()
        )
        script = Path(tmp) / "load.lua"
        script.write_text(
            _SCRIPT.format(
                method=_lua_string("POST" if bodies else "GET"), headers=header_lines, files=", ".join(files)
            ),
            encoding="utf-8",
        )
        threads = max(1, min(threads, connections))
        proc = subprocess.run(
            [binary, "-t", str(threads), "-c", str(connections), "-d", f"{max(1, int(seconds))}s"]
            + ["--timeout", "30s", "-s", str(script), url],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
        )
    line = next((x for x in proc.stdout.splitlines() if x.startswith("WRK-RESULT ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}) on {url}:\n{proc.stdout}\n{proc.stderr}")
    data = json.loads(line.split(" ", 1)[1])
    errors = data["status"] + data["read"] + data["write"] + data["timeout"] + data["connect"]
    return LoadResult(
        requests=data["requests"] - data["status"],
        seconds=data["duration_us"] / 1e6,
        errors=errors,
        bytes=data["bytes"],
        connections_opened=connections,
    )
