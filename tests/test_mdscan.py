"""mdscan.headings skips prose lines quickly; what it finds must not change.

The reference below is the scan line by line with every pattern tried on every line (as it was before the
shortcut); random documents built from the lines that matter (fences, ATX and setext headings, indented
code, quotes, lists, tables, blank and odd whitespace) must give the same headings.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from builder.render import mdscan
from conftest import REPO
import re
import time

from builder.render.mdscan import _FENCE, _SETEXT, Heading, _atx, _split_attrs

# the regular expressions the scan used to apply (the reference for the written-out versions)
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*#*[ \t]*$")
_ATTR = re.compile(r"\s*\{:?\s*([^}]*)\}\s*$")


def _split_attrs_reference(text: str) -> tuple[str, str]:
    m = _ATTR.search(text)
    if m:
        return text[: m.start()].strip(), m.group(1).strip()
    return text.strip(), ""


def reference(lines: list[str]) -> list[Heading]:
    out: list[Heading] = []
    fence = None
    prev_para = False
    for i, line in enumerate(lines):
        m = _FENCE.match(line)
        if fence:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = None
            prev_para = False
            continue
        if m:
            fence = m.group(1)
            prev_para = False
            continue
        if line.startswith(("    ", "\t")) and not prev_para:
            continue
        m = _ATX.match(line)
        if m:
            text, attrs = _split_attrs_reference(m.group(2) or "")
            out.append(Heading(i, len(m.group(1)), text, attrs))
            prev_para = False
            continue
        m = _SETEXT.match(line)
        if m and prev_para and i > 0:
            text, attrs = _split_attrs_reference(lines[i - 1].strip())
            out.append(Heading(i - 1, 1 if m.group(1)[0] == "=" else 2, text, attrs, setext=True))
            prev_para = False
            continue
        prev_para = bool(line.strip()) and not line.lstrip().startswith((">", "|", "- ", "* ", "+ "))
    return out


PIECES = ["", " ", "\t", "\x0c", "\u00a0", "\u2003", "Text", "text with ~~~ inside", "# Title", "## Two {: .x}",
          "### Three ###", "#NoSpace", "    ## indented", "\t# tab", "   # three spaces", "===", "---", "- item",
          "* item", "+ item", "*emphasis*", "+plus", "> quote", "| a | b |", "```", "```python", "~~~", "````",
          " ```", "    ```", "1. one", "=x", "-x", "`code`", "<div>", "!!! note"]


LINE = st.one_of(st.sampled_from(PIECES), st.lists(st.sampled_from(PIECES), min_size=2, max_size=3).map("".join))


@settings(max_examples=1000, deadline=None)
@given(st.lists(LINE, max_size=40))
def test_same_headings_as_the_full_scan(lines):
    assert mdscan.headings(lines) == reference(lines)


def test_the_curriculum_pages():
    repo_root = REPO
    pages = sorted(repo_root.glob("courses/**/*.md")) + sorted(repo_root.glob("units/**/*.md"))
    assert len(pages) > 300
    found = 0
    for page in pages:
        lines = page.read_text(encoding="utf-8").split("\n")
        got = mdscan.headings(lines)
        assert got == reference(lines), page
        found += len(got)
    assert found > 500


HEADING_BITS = st.sampled_from([" ", "\t", "#", "##", "{", "}", ":", "a", "b c", "{: .x }", "{#id}", "\u00a0", "}{"])


@settings(max_examples=2000, deadline=None)
@given(st.lists(HEADING_BITS, max_size=12).map("".join))
def test_atx_and_attribute_lists_as_the_regular_expressions_read_them(line):
    m = _ATX.match(line)
    assert _atx(line) == ((len(m.group(1)), m.group(2) or "") if m else None)
    assert _split_attrs(line) == _split_attrs_reference(line)


def test_headings_built_to_be_slow_are_scanned_at_once():
    """These took minutes through the regular expressions (a heading with 5,000 spaces inside: 203 s)."""
    lines = ["# a" + " " * 200_000 + "x", "# " + "#" * 200_000 + "x", "# " + "{" * 200_000,
             "# a" + " #" * 100_000 + " x", "# t " + "{a}" * 50_000 + " {"]
    start = time.perf_counter()
    found = mdscan.headings(lines)
    assert time.perf_counter() - start < 2.0     # a hang guard: linear scans take milliseconds
    assert [h.level for h in found] == [1, 1, 1, 1, 1]
