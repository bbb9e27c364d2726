"""Where the time goes, for three requests: a cached users page (2,000 users, gzip accepted), a
Get User, and an action of 10 entries × 10 steps.

    python -m benchmarks.profile [--tool auto|py-spy|cprofile] [--seconds S] [--top N] [--markdown]

* `py-spy` (`pip install py-spy`; not a dependency): the emulator served over HTTPS by
  umapi-mock's own server in a child process (`benchmarks.serve_child`), loaded by wrk (the
  lean driver without it), sampled by `py-spy record --format raw` for S seconds per request
  kind; active samples only (idle threads left out), so the shares are of the time some thread
  held the GIL or ran, server code included;
* `cprofile`: the same app called as WSGI in this process (no server, no TLS), a fixed number
  of calls per kind under `cProfile`: the app's own work, deterministic but with cProfile's
  overhead per call.

`auto` uses py-spy when it is installed and can attach, and cProfile otherwise (saying so).
Each kind prints the top N functions by self share and by inclusive share (a function counted
once per sample or call chain). `--markdown` prints the same as tables for benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .actions import action_bodies
from .common import DEMO_ORG_ID, ServerProcess, Settings, access_headers, client_headers, tls_dir, use_measured_tree

KINDS = ("page", "user", "action")
FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")


def _short(file: str) -> str:
    """A path as its package-relative name: `umapi_mock/...`, `flask/app.py`, `ssl.py`."""
    for marker in ("/site-packages/", "/umapi_mock/"):
        if marker in file:
            tail = file.rsplit(marker, 1)[1]
            return ("umapi_mock/" + tail) if marker == "/umapi_mock/" else tail
    stdlib = re.search(r"/lib/python3\.\d+/(.+)$", file)
    return stdlib.group(1) if stdlib else file.rsplit("/", 1)[-1]


def _label(frame: str) -> str:
    m = FRAME.match(frame.strip())
    if not m:
        return frame.strip()
    return f"{m.group('func')} ({_short(m.group('file'))})"


def _shares(stacks: Counter[tuple[str, ...]]) -> tuple[float, Counter[str], Counter[str]]:
    total = float(sum(stacks.values()))
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    for stack, count in stacks.items():
        if not stack:
            continue
        own[stack[-1]] += count
        for label in set(stack):
            inclusive[label] += count
    return total, own, inclusive


def _parse_raw(text: str) -> Counter[tuple[str, ...]]:
    stacks: Counter[tuple[str, ...]] = Counter()
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        stack, _, count = line.rpartition(" ")
        frames = [f for f in stack.split(";") if f]
        if frames and frames[0].startswith("process ") or frames and frames[0].startswith("thread "):
            frames = [f for f in frames if not f.startswith(("process ", "thread "))]
        stacks[tuple(_label(f) for f in frames)] += int(count)
    return stacks


def py_spy() -> str | None:
    found = shutil.which("py-spy")
    if found:
        return found
    candidate = Path(sys.executable).parent / "py-spy"
    return str(candidate) if candidate.exists() else None


class Targets:
    """The three requests against one served or in-process emulator."""

    def __init__(self, base: str, headers: dict[str, str], email: str, bodies: list[bytes]):
        self.page: tuple[str, dict[str, str], list[bytes]] = (
            f"{base}/v2/usermanagement/users/{DEMO_ORG_ID}/0",
            {**headers, "Accept-Encoding": "gzip"},
            [],
        )
        self.user: tuple[str, dict[str, str], list[bytes]] = (
            f"{base}/v2/usermanagement/organizations/{DEMO_ORG_ID}/users/{email}",
            headers,
            [],
        )
        self.action = (
            f"{base}/v2/usermanagement/action/{DEMO_ORG_ID}",
            {**headers, "Content-Type": "application/json"},
            bodies,
        )

    def of(self, kind: str) -> tuple[str, dict[str, str], list[bytes]]:
        return getattr(self, kind)  # type: ignore[no-any-return]


def _demo_bodies() -> list[bytes]:
    from umapi_mock.config import Config
    from umapi_mock.http.app import create_app
    from umapi_mock.http.context import emulator_of

    return [b.encode() for b in action_bodies(emulator_of(create_app(Config())).org())]


def _first_federated_email(url: str, headers: dict[str, str], ca: str | bool) -> str:
    import requests

    r = requests.get(url, headers=headers, verify=ca, timeout=60)
    r.raise_for_status()
    return str(next(u["email"] for u in r.json()["users"] if u.get("type") == "federatedID"))


def profile_served(seconds: int, work_dir: Path, gil: bool = True) -> dict[str, Counter[tuple[str, ...]]]:
    from . import wrk
    from .driver import run_load

    spy = py_spy()
    if spy is None:
        raise RuntimeError("py-spy is not installed (pip install py-spy)")
    tls = str(tls_dir(Settings(quick=False, runs=1, work_dir=work_dir)))
    bodies = _demo_bodies()
    results: dict[str, Counter[tuple[str, ...]]] = {}
    with ServerProcess("emulator", "--tls-dir", tls, "--users-page-size", "2000") as emu:
        ca = str(emu.info["ca"])
        headers = access_headers(emu.url, ca)
        email = _first_federated_email(f"{emu.url}/v2/usermanagement/users/{DEMO_ORG_ID}/0", headers, ca)
        targets = Targets(emu.url, headers, email, bodies)
        for kind in KINDS:
            url, hdrs, posts = targets.of(kind)
            out = work_dir / f"py-spy-{kind}.txt"
            load_s = seconds + 2

            def drive(
                url: str = url, hdrs: dict[str, str] = hdrs, posts: list[bytes] = posts, load_s: int = load_s
            ) -> None:
                if wrk.installed():
                    wrk.run(url, headers=hdrs, seconds=load_s, bodies=posts, work_dir=work_dir)
                else:
                    run_load(url, headers=hdrs, verify=ca, bodies=posts, lean=True, duration=load_s)

            loader = threading.Thread(target=drive, daemon=True)
            loader.start()
            time.sleep(0.5)  # the load is running before sampling starts
            proc = subprocess.run(
                [spy, "record", "--pid", str(emu.proc.pid), "--duration", str(seconds), "--rate", "200"]
                + ["--format", "raw", "--output", str(out), "--nonblocking", "--full-filenames"]
                + (["--gil"] if gil else []),
                capture_output=True,
                text=True,
                timeout=seconds + 60,
            )
            loader.join(timeout=load_s + 60)
            if proc.returncode != 0 or not out.exists():
                raise RuntimeError(f"py-spy could not sample the server: {proc.stderr.strip()[-600:]}")
            results[kind] = _parse_raw(out.read_text(encoding="utf-8", errors="replace"))
    return results


def profile_in_process(calls: int) -> dict[str, pstats.Stats]:
    from werkzeug.test import EnvironBuilder

    from umapi_mock.config import Config
    from umapi_mock.http.app import create_app

    app = create_app(Config(users_page_size=2000))
    client = app.test_client()
    headers = client_headers(client)
    page = client.get(f"/v2/usermanagement/users/{DEMO_ORG_ID}/0", headers={**headers, "Accept-Encoding": "identity"})
    email = next(u["email"] for u in page.get_json()["users"] if u.get("type") == "federatedID")
    targets = Targets("", headers, email, _demo_bodies())

    def start_response(
        status: str, response_headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[..., Any]:
        if not status.startswith("200"):
            raise RuntimeError(f"the profiled request answered {status}")
        return lambda data: None

    stats: dict[str, pstats.Stats] = {}
    for kind in KINDS:
        path, hdrs, posts = targets.of(kind)

        def environ(i: int, path: str = path, hdrs: dict[str, str] = hdrs, posts: list[bytes] = posts) -> Any:
            builder = EnvironBuilder(
                path=path,
                method="POST" if posts else "GET",
                headers=list(hdrs.items()),
                data=posts[i % len(posts)] if posts else None,
                base_url="https://usermanagement.adobe.io",
            )
            try:
                return builder.get_environ()
            finally:
                builder.close()

        environs = [environ(i) for i in range(calls + 5)]
        for env in environs[:5]:  # warm the caches, untimed
            b"".join(app(env, start_response))
        profiler = cProfile.Profile()
        profiler.enable()
        for env in environs[5:]:
            body = app(env, start_response)
            b"".join(body)
            close = getattr(body, "close", None)
            if close is not None:
                close()
        profiler.disable()
        stats[kind] = pstats.Stats(profiler, stream=io.StringIO())
    return stats


def _stats_shares(stats: pstats.Stats) -> tuple[float, Counter[str], Counter[str]]:
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    for (file, _line, func), (_cc, _nc, tottime, cumtime, _callers) in raw.items():
        label = f"{func} ({_short(file)})" if file != "~" else func
        own[label] += tottime
        inclusive[label] = max(inclusive[label], cumtime)  # recursion: cumtime already counts once
    total = float(stats.total_tt)  # type: ignore[attr-defined]
    return total, own, inclusive


ROOT_FRAMES = ("<module>", "Thread.run", "Thread._bootstrap", "_bootstrap_inner", "_bootstrap (")


def _informative(inclusive: Counter[str], total: float, top: int) -> list[tuple[str, float]]:
    """Inclusive shares without the frames every sample has (thread start-up, module level)."""
    return [(k, float(v)) for k, v in inclusive.most_common(top * 4) if not any(r in k for r in ROOT_FRAMES)][:top]


def _by_module(own: Counter[str]) -> Counter[str]:
    """Self shares summed per module (the file in a label's parentheses; C functions as `builtins`)."""
    modules: Counter[str] = Counter()
    for label, value in own.items():
        m = re.search(r"\(([^()]*)\)$", label)
        modules[m.group(1) if m and m.group(1).endswith(".py") else "builtins / C"] += value
    return modules


def report(
    tool: str,
    shares: dict[str, tuple[float, Counter[str], Counter[str]]],
    top: int,
    markdown: bool,
    unit: Callable[[float], str],
) -> str:
    out = io.StringIO()
    titles = {"page": "cached users page (gzip)", "user": "Get User", "action": "action, 10 × 10"}
    for kind in KINDS:
        total, own, inclusive = shares[kind]
        if total <= 0:
            continue
        head = f"{titles[kind]} — {tool}, {unit(total)}"
        modules = _by_module(own)
        columns: list[tuple[str, list[tuple[str, float]]]] = [
            ("self %", [(k, float(v)) for k, v in own.most_common(top)]),
            ("incl. %", _informative(inclusive, total, top)),
            ("module, self %", [(k, float(v)) for k, v in modules.most_common(top)]),
        ]
        if markdown:
            out.write(f"\n**{head}**\n\n")
            out.write(
                "| "
                + " | ".join(
                    f"{name} | function" if i < 2 else f"{name} | module" for i, (name, _) in enumerate(columns)
                )
                + " |\n"
            )
            out.write("|" + "---:|---|" * len(columns) + "\n")
            for i in range(top):
                cells = []
                for _name, rows in columns:
                    label, value = rows[i] if i < len(rows) else ("", 0.0)
                    cells.append(f"{100 * value / total:.1f} | `{label}`" if label else " | ")
                out.write("| " + " | ".join(cells) + " |\n")
        else:
            for name, rows in columns:
                out.write(f"\n== {head}\n  {name}\n" if name == "self %" else f"  {name}\n")
                for label, value in rows:
                    out.write(f"  {100 * value / total:5.1f}  {label}\n")
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__.splitlines()[0])
    parser.add_argument("--tool", choices=("auto", "py-spy", "cprofile"), default="auto")
    parser.add_argument("--seconds", type=int, default=5, help="py-spy: seconds sampled per request kind")
    parser.add_argument("--calls", type=int, default=300, help="cProfile: calls per request kind")
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument(
        "--all-threads", action="store_true", help="py-spy: every active thread, not only the one holding the GIL"
    )
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the shares as JSON")
    args = parser.parse_args(argv)
    use_measured_tree()
    tool = args.tool
    shares: dict[str, tuple[float, Counter[str], Counter[str]]] = {}
    with tempfile.TemporaryDirectory(prefix="umapi-mock-profile-") as tmp:
        if tool in ("auto", "py-spy"):
            try:
                for kind, stacks in profile_served(args.seconds, Path(tmp), gil=not args.all_threads).items():
                    shares[kind] = _shares(stacks)
                tool = "py-spy"
            except RuntimeError as exc:
                if tool == "py-spy":
                    print(f"benchmarks.profile: {exc}", file=sys.stderr)
                    return 2
                print(f"(py-spy unavailable: {exc}; falling back to cProfile)", flush=True)
                tool = "cprofile"
        if tool == "cprofile":
            shares = {kind: _stats_shares(stats) for kind, stats in profile_in_process(args.calls).items()}

    def unit(total: float) -> str:
        if tool == "py-spy":
            held = "active samples, every thread" if args.all_threads else "samples holding the GIL"
            return f"{int(total)} {held}, served over HTTPS"
        return f"{args.calls} WSGI calls in process, {total * 1e6 / args.calls:.0f} µs per call under cProfile"

    print(report(tool, shares, args.top, args.markdown, unit))
    if args.json:
        doc = {
            kind: {
                "total": total,
                "self": {k: v / total for k, v in own.most_common(args.top * 2)},
                "inclusive": {k: v / total for k, v in inclusive.most_common(args.top * 2)},
            }
            for kind, (total, own, inclusive) in shares.items()
        }
        args.json.write_text(json.dumps({"tool": tool, "kinds": doc}, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
