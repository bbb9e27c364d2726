"""What every figure shares: the result record, medians, the TLS files, child processes."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEMO_ORG_ID = "0123456789ABCDEF01234567@AdobeOrg"
DEMO_CLIENT_ID = "test-client"
DEMO_CLIENT_SECRET = "test-secret"
S2S_SCOPE = "openid,AdobeID,user_management_sdk"


@dataclass
class Settings:
    """Sizes and repetitions of one benchmark run."""

    quick: bool
    runs: int  # runs per figure; the figure is their median
    work_dir: Path  # temporary files (TLS material, seeds) for this run

    @property
    def full(self) -> bool:
        return not self.quick


@dataclass
class Figure:
    """One measured figure against its target.

    `direction` is ">=" when bigger is better and "<=" when smaller is. `ratio` is always
    measured / target, so a met ">=" target has ratio >= 1 and a met "<=" target ratio <= 1.
    """

    name: str
    title: str
    measured: float
    target: float
    unit: str
    direction: str
    runs: list[float] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    skipped: str = ""  # why the figure could not be measured here (e.g. nginx is not installed)

    @property
    def ratio(self) -> float:
        return self.measured / self.target if self.target else float("inf")

    @property
    def met(self) -> bool:
        if self.skipped:
            return True  # not measured is reported as skipped, not as missed
        return self.measured >= self.target if self.direction == ">=" else self.measured <= self.target

    def line(self) -> str:
        if self.skipped:
            return f"{self.title}: SKIPPED ({self.skipped}) / target {self.direction} {fmt(self.target)} {self.unit}"
        verdict = "met" if self.met else "MISSED"
        return (
            f"{self.title}: {fmt(self.measured)} {self.unit} / target {self.direction} {fmt(self.target)} {self.unit}"
            f"  (ratio {self.ratio:.2f}, {verdict})"
        )

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["ratio"] = None if self.skipped else round(self.ratio, 4)
        out["met"] = None if self.skipped else self.met
        return out


def fmt(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def median(values: list[float]) -> float:
    return float(statistics.median(values))


def environment() -> dict[str, Any]:
    """What the figures were measured on."""
    import platform

    info: dict[str, Any] = {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }
    try:
        info["loadavg_at_start"] = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        pass
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        import flask
        import requests

        info["flask"] = flask.__version__ if hasattr(flask, "__version__") else _dist_version("flask")
        info["werkzeug"] = _dist_version("werkzeug")
        info["requests"] = requests.__version__
    except Exception:  # pragma: no cover - informational only
        pass
    return info


def _dist_version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


def tls_dir(settings: Settings) -> Path:
    """The benchmark's own local CA and server certificate (created once per run)."""
    from umapi_mock.tls import ensure_tls

    path = settings.work_dir / "tls"
    ensure_tls(path)
    return path


TREE_ENV = "UMAPI_MOCK_BENCH_TREE"  # the source tree whose umapi_mock is measured (default: this checkout)
_staged: dict[Path, Path] = {}


def measured_tree() -> Path:
    return Path(os.environ.get(TREE_ENV) or ROOT).resolve()


def import_root(tree: Path | None = None) -> Path:
    """A directory to put first on the import path that holds `umapi_mock` exactly as a plain
    `pip install .` of `tree` lays it out (the contract kit's folder `contracts/` as
    `umapi_mock.contracts`, which setup.py maps) plus this `benchmarks` package. Built once per
    tree, of symlinks, in a temporary directory: every section then measures the same code
    whether the project is installed editable, plainly, or not at all, and whatever the cwd.
    """
    tree = (tree or measured_tree()).resolve()
    if tree in _staged:
        return _staged[tree]
    root = Path(tempfile.mkdtemp(prefix="umapi-mock-bench-import-"))
    package = root / "umapi_mock"
    package.mkdir()
    for entry in (tree / "umapi_mock").iterdir():
        if entry.name != "__pycache__":
            (package / entry.name).symlink_to(entry)
    if (tree / "contracts").is_dir() and not (package / "contracts").exists():
        (package / "contracts").symlink_to(tree / "contracts")
    (root / "benchmarks").symlink_to(Path(__file__).resolve().parent)
    _staged[tree] = root
    atexit.register(shutil.rmtree, root, True)
    return root


def use_measured_tree() -> Path:
    """Import `umapi_mock` in this process from the measured tree's import root (before any
    section imports it)."""
    root = import_root()
    if "umapi_mock" in sys.modules and not str(Path(sys.modules["umapi_mock"].__file__ or "")).startswith(str(root)):
        raise RuntimeError("umapi_mock was imported before the benchmarks chose the tree to measure")
    sys.path.insert(0, str(root))
    return root


def child_env() -> dict[str, str]:
    """Environment for child processes: the measured tree's import root first on the import
    path (children run with a cwd outside the repository, see `CHILD_CWD`)."""
    env = dict(os.environ)
    root = str(import_root())
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    return env


def child_cwd() -> str:
    """Children run in the import root, never in the repository, whose folders would shadow
    the measured package (`python -m` puts the cwd first on the import path)."""
    return str(import_root())


def run_child(module: str, *args: str, timeout: float = 300) -> dict[str, Any]:
    """Run `python -m module args...`; it prints one JSON document as its last line."""
    proc = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=child_cwd(),
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{module} {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    result = json.loads(lines[-1])
    result["_stderr"] = proc.stderr
    return result  # type: ignore[no-any-return]


class ServerProcess:
    """`python -m benchmarks.serve_child ...` in the background: prints its URL as JSON on
    its first line and serves until its stdin closes."""

    def __init__(self, *args: str):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.serve_child", *args],
            cwd=child_cwd(),
            env=child_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait(timeout=10)
            raise RuntimeError(f"benchmark server {' '.join(args)} exited with {self.proc.returncode}")
        self.info: dict[str, Any] = json.loads(line)

    @property
    def url(self) -> str:
        return str(self.info["url"])

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def client_headers(client: Any) -> dict[str, str]:
    """UMAPI request headers with a fresh S2S token, through a Flask test client (in process)."""
    form = {"grant_type": "client_credentials", "client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET}
    token = client.post("/ims/token/v2", data={**form, "scope": S2S_SCOPE}).get_json()["access_token"]
    return {"X-Api-Key": DEMO_CLIENT_ID, "Authorization": f"Bearer {token}"}


def access_headers(
    url: str, ca: str, client_id: str = DEMO_CLIENT_ID, secret: str = DEMO_CLIENT_SECRET
) -> dict[str, str]:
    """UMAPI request headers with a fresh S2S token from the emulator's IMS."""
    import requests

    with requests.Session() as session:
        session.trust_env = False
        r = session.post(
            f"{url}/ims/token/v2",
            data={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": secret,
                "scope": S2S_SCOPE,
            },
            verify=ca,
            timeout=30,
        )
        r.raise_for_status()
        token = r.json()["access_token"]
    return {"X-Api-Key": client_id, "Authorization": f"Bearer {token}"}


def temp_work_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="umapi-mock-bench-") as tmp:
        yield Path(tmp)


def stopwatch() -> float:
    return time.perf_counter()
