"""The console's throttle page shows each client's run window under `--throttle field`
(issue 24): when it opened, how many calls its run made, when it reopens, and refusals."""

from __future__ import annotations

from typing import Any

from .conftest import ORG, Console
from .test_console_browser import open_page


def test_run_windows_on_the_throttle_page(page: Any, console: Console) -> None:
    assert console.admin("PUT", "/throttle", json="field").status_code == 200
    assert console.umapi("GET", f"/groups/{ORG}/0").status_code == 200  # a run (its own token) opens the window
    refused = console.umapi("GET", f"/groups/{ORG}/0")  # another run (a new token) of the same client
    assert refused.status_code == 429 and 7100 <= int(refused.headers["Retry-After"]) <= 7200
    open_page(page, console, "faults")
    table = page.locator("table", has_text="Run windows")
    table.wait_for()
    assert "7200 s" in table.inner_text()
    row = table.locator("tbody tr", has_text="test-client")
    assert "1 call(s) of other runs refused" in row.inner_text() and "open:" in row.inner_text()
    assert page.locator("#throttle-mode").input_value() == "field"
