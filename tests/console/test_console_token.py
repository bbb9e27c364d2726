"""The console of an emulator that needs the admin token (as one bound beyond loopback
does: the CLI refuses to start without it there) shows a login form, refuses a wrong
token, and keeps the right one in the tab's session storage only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from umapi_mock.config import Config
from umapi_mock.http.admin import admin_token_required
from umapi_mock.seed import DEMO_SEED

from .conftest import CLIENT_SECRET, Console, Seen, serve

ADMIN_TOKEN = "console-admin-token-1234"


@pytest.fixture(scope="module")
def guarded() -> Iterator[Console]:
    # Tests may bind only loopback addresses, which never need a token: the config a
    # non-loopback bind requires is made directly.
    assert admin_token_required("0.0.0.0") and not admin_token_required("127.0.0.2")
    yield from serve(Config(seed=DEMO_SEED, admin_token=ADMIN_TOKEN))


def test_login_form(page: Any, guarded: Console, seen: Seen, shots: Path) -> None:
    page.goto(guarded.ui + "#/users")
    page.wait_for_selector("#login:not([hidden])")
    assert page.is_hidden("main")
    assert page.evaluate("document.activeElement.id") == "token"
    page.screenshot(path=str(shots / "login.png"), full_page=True)

    page.fill("#token", "wrong")
    page.keyboard.press("Enter")
    page.wait_for_selector("#login-error:has-text('refused')")

    page.fill("#token", ADMIN_TOKEN)
    page.click("button:has-text('Sign in')")
    page.wait_for_function("() => document.querySelector('main h1')?.textContent === 'Users'")
    assert page.is_hidden("#login")
    assert page.evaluate("Object.keys(localStorage).length") == 0
    assert page.evaluate("Object.values(sessionStorage)").count(ADMIN_TOKEN) == 1
    page.click("nav a:has-text('Overview')")
    page.wait_for_function("() => document.querySelector('main h1')?.textContent === 'Overview'")
    assert "Admin token\nrequired" in page.inner_text("main")

    # the download form carries the token; without it the download is refused
    page.goto(guarded.ui + "#/actions")
    with page.expect_download() as info:
        page.click("button:has-text('Download the state')")
    assert CLIENT_SECRET in Path(info.value.path()).read_text()
    own = {"Origin": guarded.url}  # as the console's own form sends it
    assert guarded.admin("POST", "/ui/state-download", data={"token": "wrong"}, headers=own).status_code == 401
    assert guarded.admin("POST", "/ui/state-download", headers=own).status_code == 401

    page.click("#sign-out")
    page.wait_for_selector("#login:not([hidden])")
    assert page.evaluate("Object.values(sessionStorage)").count(ADMIN_TOKEN) == 0
    for text in seen.bodies():
        assert CLIENT_SECRET not in text
