"""Fixtures for the console tests: one headless Chromium per session (Debian's `chromium`,
driven by Playwright), one served emulator per module, and a page per test that records
every response the console receives so a test can show no secret ever reached it.

Screenshots go to `<pytest tmp>/console-screenshots/`; the path is printed in the summary.
README's pictures of the pages (`docs/console-*.png`) are taken by `docs_shot`: written to
docs/ when `UMAPI_MOCK_UPDATE_SCREENSHOTS=1`, otherwise checked to exist with the page's size.
"""

from __future__ import annotations

import copy
import os
import shutil
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from umapi_mock.config import Config
from umapi_mock.http.app import create_app
from umapi_mock.http.context import emulator_of
from umapi_mock.seed import DEMO_ORG_ID, DEMO_SEED
from umapi_mock.server import Limits, ServedEmulator

ORG = DEMO_ORG_ID
CLIENT_ID = "test-client"
CLIENT_SECRET = "test-secret"
BIG_ORG_USERS = 100_000
BROWSER_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "chrome")
LAUNCH_ARGS = [
    "--no-sandbox",  # the tests run as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# README's pictures: a modest viewport keeps each PNG small and the text readable on GitHub.
DOCS = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file()) / "docs"
DOCS_VIEWPORT = {"width": 1100, "height": 700}


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (no imaging library needed)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def find_browser() -> str | None:
    explicit = os.environ.get("UMAPI_MOCK_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).is_file() else None
    for name in BROWSER_CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')"
    )
    executable = find_browser()
    if executable is None:
        pytest.skip("no Chromium found (apt-get install chromium, or set UMAPI_MOCK_CHROMIUM); .ci/run installs it")
    with sync_api.sync_playwright() as pw:
        # Playwright starts the browser with a fresh temporary profile (its --user-data-dir)
        # and headless; a profile of our own would need launch_persistent_context.
        b = pw.chromium.launch(executable_path=executable, headless=True, args=LAUNCH_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("console-screenshots", numbered=False)


def big_seed(users: int = BIG_ORG_USERS) -> dict[str, Any]:
    seed = copy.deepcopy(DEMO_SEED)
    seed["orgs"][0]["generate"] = {"users": users, "groups": 20, "seed": 7}
    return seed


@dataclass
class Console:
    """A served emulator (plain HTTP on 127.0.0.1) and helpers to call it as a client would."""

    emulator: ServedEmulator
    issued_tokens: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.emulator.url

    @property
    def ui(self) -> str:
        return self.url + "/_mock/ui/"

    @property
    def handle(self) -> Any:
        """The emulator handle (config, backend, layers) of the served app."""
        return emulator_of(self.emulator.app)

    def admin(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        headers.update(kwargs.pop("headers", None) or {})
        r = requests.request(method, self.url + "/_mock" + path, headers=headers, timeout=30, **kwargs)
        return r

    def token(self) -> str:
        r = requests.post(
            self.url + "/ims/token/v2",
            data={
                "grant_type": "client_credentials",
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "scope": "openid,AdobeID,user_management_sdk",
            },
            timeout=30,
        )
        r.raise_for_status()
        token: str = r.json()["access_token"]
        self.issued_tokens.append(token)
        return token

    def umapi(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"X-Api-Key": CLIENT_ID, "Authorization": f"Bearer {self.token()}"}
        return requests.request(method, f"{self.url}/v2/usermanagement{path}", headers=headers, timeout=30, **kwargs)

    def restore(self) -> None:
        self.handle.reset()


# Without an admin token, /_mock/ bodies keep --max-body; these tests load back the state of
# a 100,000-user org through the console, as a server started with a larger --max-body allows.
CONSOLE_LIMITS = Limits(max_body=256 * 1024 * 1024)


def serve(config: Config) -> Iterator[Console]:
    with ServedEmulator(create_app(config), "127.0.0.1", 0, limits=CONSOLE_LIMITS) as emulator:
        yield Console(emulator)


@pytest.fixture(scope="module")
def console_server() -> Iterator[Console]:
    """The module's emulator: the demo org grown to 100,000 users."""
    yield from serve(Config(seed=big_seed()))


@pytest.fixture
def console(console_server: Console) -> Iterator[Console]:
    console_server.restore()
    yield console_server
    console_server.restore()


@dataclass
class Seen:
    """What the console received: every response body, for the no-secret checks."""

    responses: list[Any] = field(default_factory=list)

    def bodies(self) -> list[str]:
        out = []
        for r in self.responses:
            try:
                out.append(r.body().decode("utf-8", "replace"))
            except Exception:  # a redirect or an aborted request has no body
                continue
        return out


@pytest.fixture
def seen() -> Seen:
    return Seen()


@pytest.fixture
def page(browser: Any, seen: Seen) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    context.set_default_timeout(15_000)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("response", lambda r: seen.responses.append(r))
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield pg
        assert not errors, f"JavaScript errors on the page: {errors}"
    finally:
        context.close()


@pytest.fixture
def docs_shot(page: Any, shots: Path) -> Callable[[str], None]:
    """Photograph the page at the docs viewport as `docs/console-NAME.png`: written there when
    UMAPI_MOCK_UPDATE_SCREENSHOTS=1; otherwise the committed picture must exist and have the
    size of the page just taken, so README never links a missing or stale-sized picture."""

    def take(name: str) -> None:
        original = page.viewport_size
        page.set_viewport_size(DOCS_VIEWPORT)
        try:
            data: bytes = page.screenshot(path=str(shots / f"docs-console-{name}.png"))
        finally:
            page.set_viewport_size(original)
        target = DOCS / f"console-{name}.png"
        if os.environ.get("UMAPI_MOCK_UPDATE_SCREENSHOTS") == "1":
            target.write_bytes(data)
            return
        assert target.is_file(), f"{target} is missing: run the console tests with UMAPI_MOCK_UPDATE_SCREENSHOTS=1"
        assert png_size(target.read_bytes()) == png_size(data), (
            f"{target} is out of date: UMAPI_MOCK_UPDATE_SCREENSHOTS=1"
        )

    return take


def pytest_terminal_summary(terminalreporter: Any) -> None:
    root = getattr(terminalreporter.config, "_tmp_path_factory", None)
    if root is None:
        return
    folder = root.getbasetemp() / "console-screenshots"
    if folder.is_dir() and any(folder.iterdir()):
        terminalreporter.write_line(f"console screenshots: {folder}")
