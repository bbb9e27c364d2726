"""README.md is the first thing a newcomer reads: its two commands stay at the top (the first
two code blocks), its table of contents and every other link lead somewhere real, it cites only
what a reader can open, and the console pictures it shows exist, are PNGs and stay small.
(Other tests hold other parts of it to the code: the serve options in tests/cli, the endpoint
table in tests/http, the dependency floors in tests/packaging.)"""

from __future__ import annotations

import re
import struct
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
INSTALL_AND_SERVE = "python3 -m pip install . && umapi-mock serve"
INSTALL_AND_TEST = (
    "python3 -m pip install -e '.[test]' -e ./umapi_client && python3 -m pytest -q -n auto --dist loadgroup"
)
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.M | re.S)


def text() -> str:
    return README.read_text(encoding="utf-8")


def prose(markdown: str) -> str:
    """The markdown without its fenced code blocks (a `# comment` in a block is no heading)."""
    return FENCE.sub("", markdown)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation but `-` and `_` dropped, spaces
    to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    for heading in re.findall(r"^#{1,6} (.+)$", prose(markdown), re.M):
        base = slug(heading)
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.add(base if n == 0 else f"{base}-{n}")
    return out


def links(markdown: str) -> list[str]:
    return re.findall(r"\]\(([^)\s]+)\)", prose(markdown))


def test_the_two_commands_are_the_first_two_code_blocks_before_the_contents() -> None:
    readme = text()
    blocks = FENCE.findall(readme)
    assert [b.strip() for b in blocks[:2]] == [INSTALL_AND_SERVE, INSTALL_AND_TEST]
    second_block_end = readme.index(INSTALL_AND_TEST) + len(INSTALL_AND_TEST)
    assert second_block_end < readme.index("\n## Contents\n")
    # the one paragraph on what it is comes first, the quick lane right after the commands
    assert readme.index("umapi-mock is a local stand-in") < readme.index(INSTALL_AND_SERVE)
    assert 'python3 -m pytest -q -m "not slow"' in readme[second_block_end : readme.index("\n## Contents\n")]


def test_the_test_command_needs_only_the_test_extras() -> None:
    """`-n auto --dist loadgroup` is pytest-xdist's, so the test extras must bring it."""
    pyproject = (ROOT / "pyproject.toml").read_text()
    extras = re.search(r"^test = \[(.*?)^\]", pyproject, re.M | re.S)  # no tomllib on Python 3.10
    assert extras, "pyproject.toml has no test extras"
    assert re.search(r'^\s*"pytest-xdist\b', extras.group(1), re.M), extras.group(1)


def test_every_contents_entry_leads_to_a_heading() -> None:
    readme = text()
    contents = readme.split("\n## Contents\n", 1)[1].split("\n## ", 1)[0]
    targets = re.findall(r"\]\(#([^)]+)\)", contents)
    assert len(targets) >= 15, targets
    assert set(targets) <= anchors(readme), set(targets) - anchors(readme)
    # and the contents names every top-level section that follows it
    after = readme.split("\n## Contents\n", 1)[1]
    sections = {slug(h) for h in re.findall(r"^## (.+)$", prose(after), re.M)}
    assert sections <= set(targets), sections - set(targets)


def test_every_link_in_readme_resolves() -> None:
    readme = text()
    own = anchors(readme)
    for link in links(readme):
        if link.startswith(("https://", "http://")):
            continue
        path, _, anchor = link.partition("#")
        if not path:
            assert anchor in own, link
            continue
        target = ROOT / path
        assert target.exists(), link
        if anchor:
            assert anchor in anchors(target.read_text(encoding="utf-8")), link


def test_readme_and_docs_cite_only_what_a_reader_can_open() -> None:
    for page in [README, *sorted((ROOT / "docs").glob("*.md"))]:
        body = page.read_text(encoding="utf-8")
        assert "umapi-spec" not in body, page.name
        assert "/work/" not in body, page.name


def test_the_console_pictures_are_linked_small_pngs() -> None:
    """The pictures are taken by tests/console (UMAPI_MOCK_UPDATE_SCREENSHOTS=1 rewrites them,
    and a normal run checks each against the page's size); here: README shows each page's, and
    every one is a real, modest PNG."""
    readme = text()
    linked = {link for link in links(readme) if link.startswith("docs/console-")}
    on_disk = {f"docs/{p.name}" for p in (ROOT / "docs").glob("console-*.png")}
    assert {f"docs/console-{page}.png" for page in ("overview", "users", "groups", "journal", "faults")} <= linked
    assert linked == on_disk, linked ^ on_disk
    console_section = readme.split("\n## Admin console\n", 1)[1].split("\n## ", 1)[0]
    for name in sorted(on_disk):
        data = (ROOT / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", name
        width, height = struct.unpack(">II", data[16:24])
        assert 800 <= width <= 1400 and 500 <= height <= 1000, (name, width, height)
        assert len(data) < 250_000, (name, len(data))
        assert name in console_section, name
