"""The console's overview lists trusted domains (issue 24), driven in a real headless
Chromium against a served emulator seeded with an owning org and a trustee org."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.fidelity.test_trust import OWNER, TRUSTEE, trust_seed
from umapi_mock.config import Config

from .conftest import Console, serve


@pytest.fixture(scope="module")
def trust_console() -> Iterator[Console]:
    yield from serve(Config(seed=trust_seed()))


def _card_rows(page: Any, org_id: str) -> list[list[str]]:
    card = page.locator(f"section[aria-label='Org {org_id}']")
    table = card.locator("table:has(caption:text-is('Trusted domains'))")
    rows = table.locator("tbody tr")
    return [rows.nth(i).locator("td").all_inner_texts() for i in range(rows.count())]


def test_overview_lists_trust_of_both_orgs(page: Any, trust_console: Console) -> None:
    page.goto(trust_console.ui + "#/overview")
    page.wait_for_selector(f"section[aria-label='Org {TRUSTEE}'] caption:text-is('Trusted domains')")
    assert _card_rows(page, OWNER) == [["example.com", "federated", "owned here; trusted by", TRUSTEE]]
    assert _card_rows(page, TRUSTEE) == [["example.com", "federated", "held here as a trustee; owned by", OWNER]]


def test_overview_says_when_an_org_has_no_trust(page: Any, console: Console) -> None:
    page.goto(console.ui + "#/overview")
    page.wait_for_selector("main section[aria-label^='Org '] h2")
    assert "No trusted domains." in page.inner_text("main")
