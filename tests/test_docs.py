"""The documentation stays whole: README.md and docs/*.md link only to files and headings that exist,
every docs page is reachable from both indexes, and nothing in the repository points outside it.

Also runs as a script: `python tests/test_docs.py` prints every problem and exits non-zero.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

# Spelled in pieces so this file does not match itself.
OUTSIDE_REFERENCES = ("../" + "shared", "/work/" + "shared", "PROTOCOLS" + ".md", "DESIGN" + ".md",
                      "smarty-api" + "/")
SKIPPED_DIRS = {".git", ".venv", "venv", "var", "node_modules", "__pycache__", ".pytest_cache", ".ruff_cache"}
TEXT_SUFFIXES = {".py", ".md", ".txt", ".toml", ".ini", ".cfg", ".html", ".wsdl", ".xml", ".json", ".yml",
                 ".yaml", ".sh", ""}

_FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$", re.M)


def markdown_files() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


def _without_code_blocks(text: str) -> str:
    return _FENCE.sub("", text)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading keeps its text
    text = text.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    result = set()
    for match in _HEADING.finditer(_without_code_blocks(path.read_text(encoding="utf-8"))):
        base = slug(match.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        result.add(base if count == 0 else f"{base}-{count}")
    return result


def links(path: Path) -> list[str]:
    return _LINK.findall(_without_code_blocks(path.read_text(encoding="utf-8")))


def broken_links() -> list[str]:
    problems = []
    for source in markdown_files():
        for target in links(source):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # http:, https:, mailto:...
                continue
            file_part, _, anchor = target.partition("#")
            destination = (source.parent / unquote(file_part)).resolve() if file_part else source
            where = f"{source.relative_to(ROOT)}: {target}"
            if not destination.exists():
                problems.append(f"{where}: no such file")
                continue
            try:
                destination.relative_to(ROOT)
            except ValueError:
                problems.append(f"{where}: points outside the repository")
                continue
            if anchor and destination.suffix == ".md" and unquote(anchor) not in anchors(destination):
                problems.append(f"{where}: no heading with this anchor")
    return problems


def outside_references() -> list[str]:
    problems = []
    stack = [ROOT]
    while stack:
        directory = stack.pop()
        for path in sorted(directory.iterdir()):
            if path.is_symlink():
                continue
            if path.is_dir():
                if path.name not in SKIPPED_DIRS:
                    stack.append(path)
                continue
            if path.suffix not in TEXT_SUFFIXES:
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            for number, line in enumerate(text.splitlines(), 1):
                for needle in OUTSIDE_REFERENCES:
                    if needle in line:
                        problems.append(f"{path.relative_to(ROOT)}:{number}: refers to {needle!r}, "
                                        "which is not part of the repository")
    return problems


def unlisted_pages() -> list[str]:
    problems = []
    for index in (ROOT / "README.md", DOCS / "README.md"):
        linked = {(index.parent / target.partition("#")[0]).resolve() for target in links(index)
                  if not re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) and target.partition("#")[0]}
        for page in sorted(DOCS.glob("*.md")):
            # notes-*.md are change notes waiting to be folded into the pages; they need no index entry.
            if page.name == "README.md" or page.name.startswith("notes-"):
                continue
            if page.resolve() not in linked:
                problems.append(f"{index.relative_to(ROOT)} does not link to docs/{page.name}")
    return problems


def test_relative_links_resolve():
    assert broken_links() == []


def test_nothing_refers_to_files_outside_the_repository():
    assert outside_references() == []


def test_every_docs_page_is_linked_from_both_indexes():
    assert unlisted_pages() == []


def test_the_checker_sees_broken_links_and_anchors(tmp_path, monkeypatch):
    """The checks would fail on a broken link: proven on a scratch tree."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "README.md").write_text("# Top\n\n[ok](docs/a.md#a-heading) [gone](docs/missing.md) "
                                        "[bad anchor](docs/a.md#nope) [web](https://example.com)\n"
                                        "```\n[in code](nowhere.md)\n```\n")
    (tmp_path / "docs" / "a.md").write_text("# A heading\n\nSee ../" + "shared/x.\n")
    (tmp_path / "docs" / "README.md").write_text("[a](a.md)\n")
    (tmp_path / "docs" / "notes-x.md").write_text("# Notes\n")
    (tmp_path / "docs" / "b.md").write_text("# B\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "DOCS", tmp_path / "docs")
    assert broken_links() == ["README.md: docs/missing.md: no such file",
                              "README.md: docs/a.md#nope: no heading with this anchor"]
    assert outside_references() == ["docs/a.md:3: refers to '../" + "shared', which is not part of the repository"]
    assert unlisted_pages() == ["README.md does not link to docs/b.md", "docs/README.md does not link to docs/b.md"]


def test_slugs_follow_github():
    assert slug("Built-in billing: `check_accounts`") == "built-in-billing-check_accounts"
    assert slug("VOD: pictures, access, purchases and granted periods") == \
        "vod-pictures-access-purchases-and-granted-periods"
    assert slug("Fake Payture (tests)") == "fake-payture-tests"


if __name__ == "__main__":
    found = broken_links() + outside_references() + unlisted_pages()
    print("\n".join(found) or "documentation links: all good")
    sys.exit(1 if found else 0)
