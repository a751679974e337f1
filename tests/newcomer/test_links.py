"""The repository stands alone: no tracked Markdown file links or points outside it, and every
relative link lands on a file or folder that exists."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from newcomer_support import ROOT

INLINE = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$", re.MULTILINE)
HTML = re.compile(r"""(?:href|src)\s*=\s*["']([^"']+)["']""")
OUTSIDE_MENTION = re.compile(r"(?:\.\./)+shared\b|/work/shared\b")
EXTERNAL = re.compile(r"^(?:https?:|mailto:|#)")


def tracked_markdown() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "*.md"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    return [ROOT / name for name in listed.split("\0") if name]


def links(text: str) -> list[str]:
    without_code = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    without_code = re.sub(r"`[^`\n]*`", "``", without_code)
    found = INLINE.findall(without_code) + REFERENCE.findall(without_code)
    return found + HTML.findall(without_code)


def problems(path: Path) -> list[str]:
    text = path.read_text(errors="replace")
    where = path.relative_to(ROOT)
    found = [
        f"{where}: mentions {match.group(0)!r} (outside the repository)"
        for match in OUTSIDE_MENTION.finditer(text)
    ]
    for target in links(text):
        if EXTERNAL.match(target):
            continue
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):
            found.append(f"{where}: links {target!r} (a {target.split(':')[0]}: link)")
            continue
        relative = target.split("#", 1)[0].split("?", 1)[0]
        if not relative:
            continue
        base = ROOT if relative.startswith("/") else path.parent
        resolved = (base / relative.lstrip("/")).resolve()
        if not resolved.is_relative_to(ROOT):
            found.append(f"{where}: links {target!r}, outside the repository")
        elif not resolved.exists():
            found.append(f"{where}: links {target!r}, which does not exist")
    return found


def test_every_tracked_markdown_file_is_checked() -> None:
    names = {str(path.relative_to(ROOT)) for path in tracked_markdown()}
    assert {"README.md", "docs/automation.md"} <= names


@pytest.mark.parametrize("path", tracked_markdown(), ids=lambda p: str(p.relative_to(ROOT)))
def test_links_stay_inside_the_repository_and_exist(path: Path) -> None:
    assert problems(path) == []


def test_the_checker_catches_what_it_should(tmp_path: Path) -> None:
    doc = ROOT / "docs" / "automation.md"
    assert links("see [a](../outside/x.md), [b](#top) and [c](https://example.com)") == [
        "../outside/x.md",
        "#top",
        "https://example.com",
    ]
    assert links("`[not a link](../x)` and\n```\n[nor](../y)\n```\n") == []
    assert links('[ref]: ../outside.md "title"\n<a href="docs/">x</a>') == [
        "../outside.md",
        "docs/",
    ]
    # spelled in two pieces, so that this file does not itself mention the folder it forbids
    assert OUTSIDE_MENTION.search("copy of ../" + "shared/reference")
    assert OUTSIDE_MENTION.search("in /work/shared/reference")
    assert not OUTSIDE_MENTION.search("a shared volume")
    assert (doc.parent / "../README.md").resolve().is_relative_to(ROOT)
    assert not (doc.parent / "../../outside.md").resolve().is_relative_to(ROOT)
