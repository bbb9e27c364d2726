"""The admin console driven in a real headless Chromium against a served emulator whose org
has 100,000 users: every page loads (and is photographed), users are searched and opened,
a fault rule added in the form makes a request fail and shows in the journal, reset works,
and nothing the console receives holds a client secret or a token."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .conftest import BIG_ORG_USERS, CLIENT_SECRET, ORG, Console, Seen

PAGES = [
    ("overview", "Overview"),
    ("users", "Users"),
    ("groups", "Groups and profiles"),
    ("journal", "Journal"),
    ("faults", "Faults and throttle"),
    ("actions", "Actions"),
]


def open_page(page: Any, console: Console, route: str) -> None:
    page.goto(console.ui + "#/" + route)
    page.wait_for_selector("main h1")


def heading(page: Any) -> str:
    return str(page.inner_text("main h1"))


def assert_no_secrets(seen: Seen, console: Console, page: Any) -> None:
    """No response the console received, nor its final DOM or storage, holds the client
    secret or any access token issued during the test."""
    secrets = [CLIENT_SECRET, *console.issued_tokens]
    texts = seen.bodies() + [page.content(), json.dumps(page.evaluate("({...sessionStorage, ...localStorage})"))]
    assert len(texts) > 2
    for secret in secrets:
        for text in texts:
            assert secret not in text


def test_every_page_loads(
    page: Any, console: Console, seen: Seen, shots: Path, docs_shot: Callable[[str], None]
) -> None:
    console.umapi("GET", f"/groups/{ORG}/0")  # something in the journal
    for route, title in PAGES:
        open_page(page, console, route)
        page.wait_for_function("t => document.querySelector('main h1').textContent === t", arg=title)
        assert page.get_attribute(f"nav a[data-page={route}]", "aria-current") == "page"
        page.screenshot(path=str(shots / f"{route}.png"), full_page=True)
    open_page(page, console, "overview")
    text = page.inner_text("main")
    assert ORG in text and f"{BIG_ORG_USERS + 3:,}" in text  # the demo org's 3 named users plus the generated ones
    assert "test-client" in text and "Persistence" in text and "Up for" in text
    docs_shot("overview")
    assert_no_secrets(seen, console, page)


def test_search_and_open_a_user(
    page: Any, console: Console, seen: Seen, shots: Path, docs_shot: Callable[[str], None]
) -> None:
    open_page(page, console, "users")
    assert page.inner_text("#users-total") == f"{BIG_ORG_USERS + 3:,} users match"
    assert page.locator("#users-table tbody tr").count() == 50
    docs_shot("users")
    first_page = page.locator("#users-table tbody tr td:first-child").all_inner_texts()
    # the next page, by keyboard: 2,001 pages of 50
    page.focus("button:has-text('Next page')")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('.page-label').textContent.startsWith('Page 2 of 2,001 ')")
    second_page = page.locator("#users-table tbody tr td:first-child").all_inner_texts()
    assert len(second_page) == 50 and not set(first_page) & set(second_page)
    expected = console.admin("GET", f"/orgs/{ORG}/users", params={"q": "nadia.okafor"}).json()
    assert 0 < expected["total"] < 1000
    page.fill("#user-search", "nadia.okafor")
    page.press("#user-search", "Enter")
    page.wait_for_function(
        "n => document.querySelector('#users-total').textContent.startsWith(n)", arg=f"{expected['total']:,} users"
    )
    emails = page.locator("#users-table tbody tr td:first-child").all_inner_texts()
    assert emails and all("nadia.okafor" in e for e in emails)
    # sort by email, descending: the column header is a button; aria-sort tells the order
    page.click("#users-table thead button:has-text('Email')")
    page.wait_for_selector("#users-table th[aria-sort=ascending]")
    page.click("#users-table thead button:has-text('Email')")
    page.wait_for_selector("#users-table th[aria-sort=descending]")
    emails = page.locator("#users-table tbody tr td:first-child").all_inner_texts()
    assert emails == sorted(emails, key=str.lower, reverse=True)
    page.screenshot(path=str(shots / "users-search.png"), full_page=True)
    # a user named in a request: their page lists it beside their memberships
    target = emails[0]
    console.umapi("POST", f"/action/{ORG}", json=[{"user": target, "do": [{"add": {"group": ["Employees"]}}]}])
    open_page(page, console, "users")
    page.fill("#user-search", target)
    page.press("#user-search", "Enter")
    page.wait_for_selector(f"#users-table a:text-is('{target}')")
    page.click(f"#users-table a:text-is('{target}')")
    page.wait_for_function("e => document.querySelector('main h1').textContent === e", arg=target)
    main = page.inner_text("main")
    assert "Employees" in main and "Direct memberships" in main
    assert f"/v2/usermanagement/action/{ORG}" in main
    page.screenshot(path=str(shots / "user.png"), full_page=True)
    assert_no_secrets(seen, console, page)


def test_fault_rule_from_the_form(
    page: Any, console: Console, seen: Seen, shots: Path, docs_shot: Callable[[str], None]
) -> None:
    open_page(page, console, "faults")
    page.select_option("#fault-method", "GET")
    page.fill("#fault-path", "/v2/usermanagement/groups/*")
    page.fill("#fault-status", "503")
    page.fill("#fault-retry", "2")
    page.fill("#fault-times", "1")
    page.click("button:has-text('Add fault rule')")
    page.wait_for_selector("td code:text-is('f1')")
    assert console.admin("GET", "/faults").json()["faults"][0]["match"]["path"] == "/v2/usermanagement/groups/*"
    page.screenshot(path=str(shots / "faults-added.png"), full_page=True)
    docs_shot("faults")

    failed = console.umapi("GET", f"/groups/{ORG}/0")
    assert failed.status_code == 503 and failed.headers["Retry-After"] == "2"
    assert console.umapi("GET", f"/groups/{ORG}/0").status_code == 200  # times: 1

    open_page(page, console, "journal")
    row = page.locator("#journal-table tbody tr", has_text="fault f1")
    row.wait_for()
    assert "503" in row.inner_text() and "test-client" in row.inner_text()
    assert page.locator("#journal-table tbody tr", has_text="handler").count() >= 1
    page.screenshot(path=str(shots / "journal.png"), full_page=True)
    docs_shot("journal")
    # the live tail picks up a new request without a reload
    console.umapi("GET", f"/users/{ORG}/0")
    page.locator("#journal-table tbody tr", has_text=f"/v2/usermanagement/users/{ORG}/0").wait_for()
    # filters: answered by fault only
    page.select_option("#j-by", "fault")
    page.click("button:has-text('Filter')")
    page.wait_for_function("() => location.hash.includes('answered_by=fault')")
    page.wait_for_function("() => document.querySelectorAll('#journal-table tbody tr').length === 1")

    page.locator("#journal-table tbody tr a").first.click()
    page.wait_for_selector("#curl")
    detail = page.inner_text("main")
    assert "Answered by\nfault f1" in detail or "fault f1" in detail
    assert "error_code" in detail or "503" in detail
    curl = page.inner_text("#curl")
    assert curl.startswith("curl -sS -X GET ") and "$UMAPI_TOKEN" in curl and "X-Api-Key: test-client" in curl
    page.screenshot(path=str(shots / "journal-entry.png"), full_page=True)

    console.admin("POST", "/faults", json={"match": {"path": "/status"}, "respond": {"status": 502}})
    open_page(page, console, "faults")
    page.click("#clear-faults")
    page.click("dialog button:has-text('Clear rules')")
    page.wait_for_selector("text=No fault rules.")
    assert console.admin("GET", "/faults").json()["faults"] == []

    # the menu and each kind's fields come from GET /_mock/faults/kinds
    names = [k["name"] for k in console.admin("GET", "/faults/kinds").json()["kinds"]]
    assert page.eval_on_selector_all("#fault-kind option", "os => os.map(o => o.value)") == names
    page.select_option("#fault-kind", "delay")
    page.fill("#fault-delay", "0.25")
    page.click("button:has-text('Add fault rule')")
    page.wait_for_selector("td code:text-is('f3')")
    page.select_option("#fault-kind", "malformed")
    page.click("button:has-text('Add fault rule')")
    page.wait_for_selector("td code:text-is('f4')")
    added = console.admin("GET", "/faults").json()["faults"]
    assert [r["respond"] for r in added] == [{"delay": 0.25}, {"malformed": True}]
    console.admin("DELETE", "/faults")
    assert_no_secrets(seen, console, page)


def test_an_ims_exchange_shows_redacted(page: Any, console: Console, seen: Seen) -> None:
    console.token()
    seq = console.admin("GET", "/journal").json()["last_seq"]
    open_page(page, console, f"entry/{seq}")
    page.wait_for_selector("#curl")
    main = page.inner_text("main")
    assert "client_secret=<redacted>" in main and '"access_token": "<redacted>"' in main
    assert_no_secrets(seen, console, page)


def test_reset_and_state_download(page: Any, console: Console, seen: Seen, tmp_path: Path, shots: Path) -> None:
    created = "new.person@example.com"
    r = console.umapi(
        "POST",
        f"/action/{ORG}",
        json=[
            {
                "user": created,
                "do": [
                    {"createFederatedID": {"email": created, "country": "US", "firstname": "New", "lastname": "Person"}}
                ],
            }
        ],
    )
    assert r.json()["completed"] == 1
    open_page(page, console, "actions")
    page.screenshot(path=str(shots / "actions.png"), full_page=True)

    with page.expect_download() as info:
        page.click("button:has-text('Download the state')")
    dumped = Path(info.value.path()).read_text()
    assert created in dumped and CLIENT_SECRET in dumped  # a full dump, secrets and all, straight to disk

    page.click("#reset")
    page.wait_for_selector("dialog[open]")
    page.screenshot(path=str(shots / "actions-confirm.png"))
    page.click("dialog button:has-text('Cancel')")
    assert console.admin("GET", f"/orgs/{ORG}/users", params={"q": created}).json()["total"] == 1
    page.click("#reset")
    page.click("dialog button:has-text('Reset')")
    page.wait_for_selector("#status:has-text('Reset to the seed')")
    assert console.admin("GET", f"/orgs/{ORG}/users", params={"q": created}).json()["total"] == 0

    # load the dump back: the created user returns
    state_file = tmp_path / "state.json"
    state_file.write_text(dumped)
    page.set_input_files("#state-file", str(state_file))
    page.click("#load-form button[type=submit]")
    page.click("dialog button:has-text('Load state')")
    page.wait_for_selector("#status:has-text('State loaded')")
    assert console.admin("GET", f"/orgs/{ORG}/users", params={"q": created}).json()["total"] == 1
    assert_no_secrets(seen, console, page)


def test_groups_and_a_profile(
    page: Any, console: Console, seen: Seen, shots: Path, docs_shot: Callable[[str], None]
) -> None:
    open_page(page, console, "groups")
    profiles = page.locator("section[aria-label='Product profiles'] tbody tr")
    profiles.first.wait_for()
    docs_shot("groups")
    first = profiles.first
    cells = first.locator("td").all_inner_texts()
    name, members, _, quota, used = cells[:5]
    assert int(used.replace(",", "")) <= int(quota.replace(",", ""))
    first.locator("a").click()
    page.wait_for_function("n => document.querySelector('main h1').textContent === n", arg=name)
    assert page.locator("main table tbody tr").count() == min(50, int(members.replace(",", "")))
    page.click("a:has-text('Include members through user groups')")
    page.wait_for_selector("h2:has-text('Members (direct and through user groups)')")
    page.screenshot(path=str(shots / "group.png"), full_page=True)
    assert_no_secrets(seen, console, page)


def test_keyboard_reaches_every_page(page: Any, console: Console) -> None:
    open_page(page, console, "overview")
    reached = []
    for _ in range(10):  # the skip link, then the six nav links
        if len(reached) == len(PAGES):
            break
        page.keyboard.press("Tab")
        href = page.evaluate("document.activeElement.getAttribute('href')")
        if href and href.startswith("#/"):
            reached.append(href)
    assert reached == [f"#/{route}" for route, _ in PAGES]
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    page.wait_for_function("() => location.hash === '#/faults'")
    page.wait_for_function("() => document.querySelector('main h1').textContent === 'Faults and throttle'")
    labels = page.evaluate(
        "[...document.querySelectorAll('main input, main select, main textarea')]"
        ".filter(e => e.type !== 'hidden' && !(e.labels && e.labels.length)).map(e => e.id)"
    )
    assert labels == []
    assert re.search(r"\S", page.inner_text("main"))
