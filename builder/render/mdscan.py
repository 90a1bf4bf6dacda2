"""Line-level scanning of Markdown source: headings and fenced code.

The renderer turns Markdown into HTML without line numbers; these helpers
find headings (and where pages start) in the source so that diagnostics
can point at the exact line.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_ATX_OPEN = re.compile(r" {0,3}(#{1,6})")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")


# A line can open or close a fence, be a heading, a setext underline, indented code, a list item or blank
# only if it starts with one of these; any other line is prose.
_MAY_MATTER = frozenset(" \t#`~=-") | {""}
_NOT_PARA = frozenset(">|")      # a quote or table row is never a setext heading's text; '* x' neither


@dataclass(frozen=True)
class Heading:
    line: int        # 0-based index into the scanned lines
    level: int
    text: str        # heading text without an attribute list
    attrs: str       # the attribute list text ("" when none), e.g. ".label"
    setext: bool = False


def headings(lines: list[str]) -> list[Heading]:
    out: list[Heading] = []
    fence: str | None = None
    prev_para = False
    for i, line in enumerate(lines):
        first = line[:1]
        if first not in _MAY_MATTER and not first.isspace():   # most lines: prose (a setext heading's text?)
            if not fence:
                prev_para = first not in _NOT_PARA and not line.startswith(("* ", "+ "))
            continue
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
            continue  # indented code
        atx = _atx(line)
        if atx:
            text, attrs = _split_attrs(atx[1])
            out.append(Heading(i, atx[0], text, attrs))
            prev_para = False
            continue
        m = _SETEXT.match(line)
        if m and prev_para and i > 0:
            level = 1 if m.group(1)[0] == "=" else 2
            text, attrs = _split_attrs(lines[i - 1].strip())
            out.append(Heading(i - 1, level, text, attrs, setext=True))
            prev_para = False
            continue
        prev_para = bool(line.strip()) and not line.lstrip().startswith((">", "|", "- ", "* ", "+ "))
    return out


def _atx(line: str) -> tuple[int, str] | None:
    """(level, text) of an ATX heading line, else None: up to three spaces, one to six '#', then a space
    or tab and the text, without a closing run of '#' and the spaces around it. Written out rather than as
    one regular expression: '^ {0,3}(#{1,6})(?:[ \\t]+(.*?))?[ \\t]*#*[ \\t]*$' took minutes on a heading
    with thousands of spaces inside it (tests/test_mdscan.py holds the two equal)."""
    m = _ATX_OPEN.match(line)
    if not m:
        return None
    rest = line[m.end():]
    if rest[:1] in (" ", "\t"):
        return len(m.group(1)), rest.strip(" \t").rstrip("#").rstrip(" \t")
    if rest.rstrip(" \t").strip("#"):
        return None                   # '#x': not a heading
    return len(m.group(1)), ""        # '#', '###', '####### ': a heading without text


def _split_attrs(text: str) -> tuple[str, str]:
    """A heading's text and its trailing attribute list ('Title {: #id .label }' -> 'Title', '#id .label').
    The list is the last '{…}' at the end, opening at the first '{' after any earlier '}' (as
    '\\s*\\{:?\\s*([^}]*)\\}\\s*$' finds it, without its time growing with the square of the braces)."""
    body = text.rstrip()
    if not body.endswith("}"):
        return text.strip(), ""
    close = len(body) - 1
    start = body.find("{", body.rfind("}", 0, close) + 1, close)
    if start < 0:
        return text.strip(), ""
    inner = body[start + 1:close]
    return text[:start].strip(), (inner[1:] if inner.startswith(":") else inner).strip()


def has_class(attrs: str, cls: str) -> bool:
    return any(tok == "." + cls for tok in attrs.split())


def attr_id(attrs: str) -> str | None:
    for tok in attrs.split():
        if tok.startswith("#") and len(tok) > 1:
            return tok[1:]
    return None


def find_in_source(source: str, needle: str, start: int = 0) -> tuple[int, int] | None:
    """0-based (line, col) of the first occurrence of ``needle`` at or after ``start``."""
    idx = source.find(needle, start)
    if idx < 0:
        return None
    line = source.count("\n", 0, idx)
    col = idx - (source.rfind("\n", 0, idx) + 1)
    return line, col


@dataclass(frozen=True)
class Section:
    heading: Heading
    lead: int            # index (into the scanned lines) of the body's first non-blank line
    body: list[str]      # the lines from ``lead`` up to the next heading of the same level


def sections(lines: list[str], level: int, heads: list[Heading] | None = None) -> list[Section]:
    """Split ``lines`` at headings of ``level``; each body starts at its first non-blank line."""
    hs = [h for h in (heads if heads is not None else headings(lines)) if h.level == level]
    out = []
    for n, h in enumerate(hs):
        start = h.line + (2 if h.setext else 1)
        end = hs[n + 1].line if n + 1 < len(hs) else len(lines)
        lead = start
        while lead < end and not lines[lead].strip():
            lead += 1
        out.append(Section(h, lead, lines[lead:end]))
    return out


def slugify(text: str) -> str:
    t = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    t = re.sub(r"[^a-zA-Z0-9]+", "-", t).strip("-").lower()
    return t[:60].strip("-") or "page"
