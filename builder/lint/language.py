"""The language check: terms the seed documents advise against when describing people.

The word list is repository data, ``language.yaml`` at the root (its header describes the format):
each entry has the forms to find, the preferred phrasing, a one-line reason, a severity (warning,
or info for "check the context") and the seed lines behind it. :func:`check_course` and
:func:`check_common` run the list over the text learners and markers read:

* course.yaml: title, summary, audience;
* front matter: a unit's title, summary and outcomes; a page's, quiz's or essay's title and
  description; a question file's name and info;
* every Markdown body: pages, labels, essay instructions, quizzes and question files (question
  text, answers, feedback, hints);
* rubrics: name, description, criteria and level definitions;

and not over code spans, fenced code, URLs, link targets, HTML tags (and their attributes),
attribute lists, question settings lines or YAML keys. Quoted text ("…", “…”, ‘…’) and blockquotes
are exempt, and so is what an allow list names: ``allow_terms:`` in course.yaml (the whole course),
in a unit's front matter (the unit and its pages) or in a page's, quiz's, essay's or question file's
front matter (that file); and an inline marker, ``<!-- coursepack: allow patient -->`` in Markdown
(its own line and the paragraph after it) or ``# coursepack: allow patient`` in YAML (the value on
its line, or on the next line). An allowed term that is never used is reported, so allow lists do
not outlive the text they were written for.

Text is never copied out of a file: each file is *masked* (what is not checked becomes spaces, line
breaks stay), so an offset in the masked text is the offset in the file and every line and column
is exact. One regular expression (a trie of every form in the list) finds the candidates.
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Union

import yaml
from pydantic import Field

from .. import codes
from ..diagnostics import Diagnostics, Severity
from ..load.files import read_text, split_front_matter
from ..load.yamlpos import YamlDoc, load_yaml
from ..model import schema
from ..model.base import Strict, validate
from ..model.course import BibEntry, Course, Project
from ..render import mdscan

LIST_FILE = "language.yaml"

try:  # only the node tree and its marks are needed: no type resolution
    _Loader = yaml.CBaseLoader  # type: ignore[attr-defined]
except AttributeError:  # pragma: no cover
    _Loader = yaml.BaseLoader

# --------------------------------------------------------------------------
# the list

_EMPH = "[*_]*"                            # Markdown emphasis between a form and its context words
_SEPARATORS = ("-", "\u2010", "\u2011", "/", "\n", "\t", "\xa0")


def fold(s: str) -> str:
    """The text as the list is matched against it: lower case, one apostrophe, hyphens and line breaks
    as spaces. Keeps the length, so offsets in the folded text are offsets in ``s``."""
    low = s.lower()
    if len(low) != len(s):                   # a few letters lower-case to two characters: keep those
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in s)
    low = low.replace("\u2019", "'").replace("\u2018", "'")
    for c in _SEPARATORS:
        low = low.replace(c, " ")
    return low


def normalize(s: str) -> str:
    """How forms, allow-list names and matched text are compared."""
    return " ".join(fold(s).split())


class FormIn(Strict):
    form: str = Field(min_length=1)
    unless_preceded_by: list[str] = Field(default_factory=list)
    unless_followed_by: list[str] = Field(default_factory=list)


class EntryIn(Strict):
    id: schema.Id
    forms: list[Union[str, FormIn]] = Field(min_length=1)
    prefer: list[str] = Field(min_length=1)
    reason: str = Field(min_length=1)
    severity: Literal["warning", "info"]
    sources: list[Union[str, schema.SourceCite]] = Field(min_length=1)


@dataclass
class Form:
    text: str                                  # as written (braces and all)
    before: re.Pattern | None = None           # context that cancels a match
    after: re.Pattern | None = None


@dataclass(eq=False)
class Entry:
    id: str
    prefer: list[str]
    reason: str
    severity: Severity
    sources: list[tuple[str, str | None]]      # (source id, lines)
    cite: str                                  # "imroc-values, 000 L205"
    literals: list[str] = field(default_factory=list)


@dataclass
class WordList:
    file: Path
    entries: list[Entry]
    pattern: re.Pattern | None
    literal: dict[str, tuple[Entry, Form]]      # normalised literal -> its entry and form
    names: dict[str, Entry]                     # what an allow list may name -> entry


_CACHE: dict[Path, tuple] = {}     # path -> (file text and bibliography, list, its diagnostics)


def load_list(root: Path, bibliography: dict[str, BibEntry], diags: Diagnostics) -> WordList | None:
    """The repository's word list, or None when there is none (or it cannot be read at all).

    The parsed list is kept for the next check in the same process while the file and the
    bibliography stay the same; its diagnostics are reported again each time.
    """
    path = root / LIST_FILE
    if not path.is_file():
        return None
    text = read_text(path, diags)
    if text is None:
        return None
    key = (text, tuple((k, v.lines) for k, v in sorted(bibliography.items())), str(diags.root))
    hit = _CACHE.get(path)
    if hit is None or hit[0] != key:
        found = Diagnostics(root=diags.root)
        hit = (key, _parse_list(path, text, bibliography, found), found.items)
        _CACHE[path] = hit
    diags.items.extend(hit[2])
    return hit[1]


def _parse_list(path: Path, text: str, bibliography: dict[str, BibEntry], diags: Diagnostics) -> WordList | None:
    doc = load_yaml(text, diags.rel(path), diags, what=LIST_FILE)
    if doc is None:
        return None
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("terms"), list):
        diags.add(codes.LANGUAGE_LIST, f"{LIST_FILE} must hold 'terms:', a list of entries", path, *doc.pos(()))
        return None
    for key in data:
        if key != "terms":
            diags.add(codes.UNKNOWN_KEY, f"unknown key '{key}' in {LIST_FILE}", path, *doc.key_pos((key,)),
                      hint="The file holds one key, 'terms:'.")
    wl = WordList(path, [], None, {}, {})
    for i in range(len(data["terms"])):
        entry = _load_entry(doc, i, bibliography, wl, path, diags)
        if entry is not None:
            wl.entries.append(entry)
    for e in wl.entries:
        for name in (normalize(e.id), *e.literals):
            if name in wl.names and wl.names[name] is not e:
                diags.add(codes.LANGUAGE_LIST, f"'{name}' names two entries ('{wl.names[name].id}' and '{e.id}')",
                          path, *doc.pos(("terms",)))
            wl.names.setdefault(name, e)
    if wl.literal:
        wl.pattern = re.compile(r"\b" + _trie(sorted(wl.literal)) + r"\b")        # run on fold()ed text
    return wl


def _sub(doc: YamlDoc, prefix: tuple) -> YamlDoc:
    n = len(prefix)
    value = doc.data
    for p in prefix:
        value = value[p]
    return YamlDoc(data=value, file=doc.file, line_offset=doc.line_offset,
                   values={k[n:]: v for k, v in doc.values.items() if k[:n] == prefix},
                   keys={k[n:]: v for k, v in doc.keys.items() if k[:n] == prefix},
                   raw={k[n:]: v for k, v in doc.raw.items() if k[:n] == prefix})


def _load_entry(doc: YamlDoc, i: int, bib: dict[str, BibEntry], wl: WordList, path: Path,
                diags: Diagnostics) -> Entry | None:
    sub = _sub(doc, ("terms", i))
    what = f"{LIST_FILE} entry {i + 1}"
    e = validate(EntryIn, sub, diags, what)
    if e is None:
        return None
    ok = True
    sources: list[tuple[str, str | None]] = []
    for n, s in enumerate(e.sources):
        ref, lines = (s, None) if isinstance(s, str) else (s.ref, s.lines and str(s.lines))
        entry = bib.get(ref)
        if entry is None:
            known = ", ".join(sorted(bib)) or "none: sources.yaml is missing or empty"
            diags.add(codes.UNKNOWN_SOURCE, f"source '{ref}' of '{e.id}' is not in sources.yaml (known: {known})",
                      path, *sub.pos(("sources", n) if isinstance(s, str) else ("sources", n, "ref")))
            ok = False
            continue
        if lines and entry.lines:
            allowed = schema.parse_lines(entry.lines)
            for a, b in schema.parse_lines(lines):
                if not any(lo <= a and b <= hi for lo, hi in allowed):
                    diags.add(codes.SOURCE_LINES, f"lines {a}-{b} of '{e.id}' are outside '{ref}' (lines "
                              f"{entry.lines} of {entry.seed or 'its file'})", path, *sub.pos(("sources", n, "lines")))
                    ok = False
        sources.append((ref, lines))
    entry = Entry(e.id, list(e.prefer), e.reason, Severity.WARNING if e.severity == "warning" else Severity.INFO,
                  sources, _cite(sources, bib) if sources else "")
    found: dict[str, tuple[Entry, Form]] = {}
    for n, f in enumerate(e.forms):
        fin = FormIn(form=f) if isinstance(f, str) else f
        pos = sub.pos(("forms", n) if isinstance(f, str) else ("forms", n, "form"))
        literals, problem = _expand(fin.form)
        for phrase in (*fin.unless_preceded_by, *fin.unless_followed_by):
            if problem is None and not _LITERAL.fullmatch(normalize(phrase)):
                problem = f"context word '{phrase}' may hold only letters, digits, spaces, hyphens and apostrophes"
        if problem:
            diags.add(codes.LANGUAGE_LIST, f"form '{fin.form}' of '{e.id}': {problem}", path, *pos)
            ok = False
            continue
        form = Form(fin.form, _context(fin.unless_preceded_by, before=True),
                    _context(fin.unless_followed_by, before=False))
        for lit in literals:
            if lit in wl.literal or lit in found:
                other = (wl.literal.get(lit) or found[lit])[0].id
                diags.add(codes.LANGUAGE_LIST, f"'{lit}' (form '{fin.form}' of '{e.id}') is already a form of "
                          f"'{other}'", path, *pos, hint="Keep each form in one entry.")
                ok = False
                continue
            found[lit] = (entry, form)
    if not ok:
        return None                     # a broken entry is left out whole (reported above)
    wl.literal.update(found)
    entry.literals = list(found)
    return entry


_LITERAL = re.compile(r"\w(?:[\w' ]*\w)?")


def _expand(form: str) -> tuple[list[str], str | None]:
    """'patient{,s}' -> ['patient', 'patients']; or a problem."""
    parts = re.split(r"(\{[^{}]*\})", form)
    options = []
    for p in parts:
        if p.startswith("{") and p.endswith("}"):
            options.append(p[1:-1].split(","))
        elif "{" in p or "}" in p:
            return [], "braces must come in pairs, without nesting: 'patient{,s}'"
        else:
            options.append([p])
    out = []
    for combo in itertools.product(*options):
        lit = normalize("".join(combo))
        if not _LITERAL.fullmatch(lit):
            return [], (f"'{''.join(combo)}' must start and end with a letter or digit and hold only letters, "
                        "digits, spaces, hyphens and apostrophes")
        if lit not in out:
            out.append(lit)
    return out, None


def _piece(text: str) -> str:
    """A normalised form or context word as a regular expression."""
    return "".join(" +" if c == " " else re.escape(c) for c in text)


def _context(words: list[str], before: bool) -> re.Pattern | None:
    if not words:
        return None
    alts = "|".join(_piece(normalize(w)) for w in sorted(words, key=len, reverse=True))
    if before:
        return re.compile(rf"(?<![\w'])(?:{alts}){_EMPH} +{_EMPH}\Z")
    return re.compile(rf"{_EMPH} +{_EMPH}(?:{alts})(?![\w])")     # used with match() on fold()ed text


def _trie(literals: list[str]) -> str:
    """One regular expression for many literals, sharing prefixes (longest first at each branch)."""
    root: dict = {}
    for lit in literals:
        node = root
        for ch in lit:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        alts = [_piece(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return "(?:" + body + ")?" if "" in node else body

    return "(?:" + emit(root) + ")"


def _cite(sources: list[tuple[str, str | None]], bib: dict[str, BibEntry]) -> str:
    ref, lines = sources[0]
    seed = bib[ref].seed if ref in bib else None
    where = ", ".join(f"L{p.strip()}" for p in str(lines).split(",")) if lines else ""
    prefix = seed.split("_", 1)[0] if seed else ""
    return ", ".join(x for x in (ref, " ".join(y for y in (prefix, where) if y)) if x)


# --------------------------------------------------------------------------
# allow lists


@dataclass(eq=False)
class Allow:
    name: str                                  # as written
    entry: Entry | None
    file: Path
    line: int                                  # 1-based, for the stale warning
    col: int
    lines: set[int] | None = None              # 0-based file lines a marker covers; None: its whole scope
    used: bool = False

    def covers(self, entry: Entry, line0: int) -> bool:
        return self.entry is entry and (self.lines is None or line0 in self.lines)


_MD_MARKER = re.compile(r"<!--\s*coursepack:\s*allow\s+(.*?)\s*-->", re.DOTALL | re.IGNORECASE)
_YAML_MARKER = re.compile(r"(?:^|\s)#\s*coursepack:\s*allow\s+(.+?)\s*$", re.IGNORECASE)

# --------------------------------------------------------------------------
# masking Markdown

_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
class _Closed:
    """A pattern that ends with a fixed closing string, searched only up to the last place that string
    occurs. Otherwise an opening without a close is scanned to the end of the text again from every later
    opening: 32 KB of '<!--' took over a second, a 2 MB page would take hours. Up to the last close,
    every opening finds a close and its match moves the search on, so the search is linear."""

    def __init__(self, pattern: str, closer: str, flags: int = 0):
        self.rx = re.compile(pattern, flags)
        self.closer = closer

    def finditer(self, s: str, pos: int = 0):
        end = s.rfind(self.closer, pos)
        return self.rx.finditer(s, pos, end + len(self.closer)) if end >= 0 else iter(())


_COMMENT = _Closed(r"<!--.*?-->", "-->", re.DOTALL)
_CODE_SPAN = re.compile(r"(`+)(?!`)((?:(?!\n[ \t]*\n).)+?)(?<!`)\1(?!`)", re.DOTALL)
_TAG = re.compile(r"</?[A-Za-z][\w:.-]*(?:[^<>\"']|\"[^\"]*\"|'[^']*')*>")
_LINK_TARGET = re.compile(r"\](\((?:[^()\s]|\([^()\s]*\))*(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\))")
_REF_LABEL = re.compile(r"\](\[[^\]\n]*\])")
_REF_DEF = re.compile(r"^ {0,3}\[(?!\^)[^\]\n]+\]:.*$", re.MULTILINE)
_URL = re.compile(r"(?:https?:|ftp:|mailto:|www\.)[^\s<>\"'()\[\]]+")
# an unquoted value stops at a brace: with '{' allowed in it, 'a={a={a={…' was searched again to its end
# from every brace (quadratic: 48 KB took 22 s)
_ATTR_ITEM = r"(?:[#.][\w-]+|[\w-]+=(?:\"[^\"\n]*\"|'[^'\n]*'|[^\s{}]+))"
_ATTR_LIST = re.compile(r"\{:?[ \t]*" + _ATTR_ITEM + r"(?:[ \t]+" + _ATTR_ITEM + r")*[ \t]*\}")
# what _mask_inline masks, in this order: (pattern, strings one of which must occur, group to mask)
_INLINE = ((_COMMENT, ("<!--",), 0), (_CODE_SPAN, ("`",), 0), (_TAG, ("<",), 0), (_LINK_TARGET, ("](",), 1),
           (_REF_LABEL, ("][",), 1), (_REF_DEF, ("]:",), 0), (_URL, (":", "www."), 0), (_ATTR_LIST, ("{",), 0))
_ADMONITION = re.compile(r"^([ \t]*[!?]{3}\+?[ \t]+[\w-]+(?:[ \t]+[\w-]+)*)(?:([ \t]+\")[^\"\n]*(\"))?[ \t]*$",
                         re.MULTILINE)
_META_LINE = re.compile(r"^[A-Za-z_][\w-]*\s*:(\s|$)")     # a question's settings line (as quiz/parse.py)
_BLOCK_START = re.compile(r"^\s*(?:[-*+]\s|\d+[.)]\s|#|\||>|`{3,}|~{3,})")   # ends a lazy blockquote line
_SEGMENT_START = re.compile(r"^\s*(?:[-*+]\s|\d+[.)]\s|#|\|)")           # starts a stretch for pairing quotes
_QUOTE_LINE = re.compile(r"\s*>")               # a blockquote line (pages)
_QUOTE_LINE_Q = re.compile(r">")                 # in quizzes an indented '>' is an answer's feedback
_ANY_QUOTE_LINE = re.compile(r"^\s*>", re.MULTILINE)
_QUOTE_CHARS = re.compile("[\"\u201c\u201d\u2018\u2019]")


def _blank(s: str) -> str:
    return "\n".join(" " * len(part) for part in s.split("\n"))


class _Text:
    """A file's text and its masked copy ``s`` (same length, same line breaks)."""

    def __init__(self, text: str):
        self.text = text
        self.s = text
        self.lines = text.split("\n")
        self.starts = [0, *itertools.accumulate(len(line) + 1 for line in self.lines)][:-1]

    def mask_spans(self, spans) -> None:
        out, prev, s = [], 0, self.s
        for a, b in sorted(spans):
            a = max(a, prev)
            if b <= a:
                continue
            out += (s[prev:a], _blank(s[a:b]))
            prev = b
        if out:
            out.append(s[prev:])
            self.s = "".join(out)

    def mask_all(self, rx: "re.Pattern | _Closed", group: int = 0) -> None:
        self.mask_spans(m.span(group) for m in rx.finditer(self.s))

    def keep_only(self, a: int, b: int, spans) -> None:
        """Mask [a, b) except ``spans`` (sorted, inside it), which get their original text back."""
        out, prev = [self.s[:a]], a
        for x, y in spans:
            out += (_blank(self.text[prev:x]), self.text[x:y])
            prev = y
        out += (_blank(self.text[prev:b]), self.s[b:])
        self.s = "".join(out)

    def offset(self, line0: int, col0: int = 0) -> int:
        return self.starts[line0] + col0 if line0 < len(self.starts) else len(self.text)

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset) - 1

    def line_text(self, line0: int) -> str:
        return self.lines[line0]


# --------------------------------------------------------------------------
# the check


COURSE_FIELDS = (("title",), ("summary",), ("audience",))
UNIT_FIELDS = (("title",), ("summary",), ("outcomes", "*"))
PAGE_FIELDS = (("title",), ("description",))
QUESTION_FILE_FIELDS = (("name",), ("info",))
RUBRIC_FIELDS = (("name",), ("description",), ("criteria", "*", "description"),
                 ("criteria", "*", "levels", "*", "definition"))


@dataclass
class _Span:
    a: int                 # offsets of the value's text in the file
    b: int
    first: int             # 0-based file lines: the key's line, the value's last line
    last: int


def check_course(project: Project, course: Course, wl: "WordList | None", diags: Diagnostics) -> None:
    """The word list over one course's files (its units, pages and question files; shared units too)."""
    if wl is None or wl.pattern is None:
        return
    checker = _Checker(wl, project, diags)
    checker.course(course)
    checker.unused()


def check_common(project: Project, diags: Diagnostics) -> "WordList | None":
    """The word list over the files no course owns (shared question files, rubrics); returns the list
    for :func:`check_course`."""
    wl = load_list(project.root, project.bibliography, diags)
    if wl is None or wl.pattern is None:
        return wl
    checker = _Checker(wl, project, diags)
    checker.common()
    checker.unused()
    return wl


class _Checker:
    def __init__(self, wl: WordList, project: Project, diags: Diagnostics):
        self.wl = wl
        self.project = project
        self.diags = diags
        self.allows: list[Allow] = []

    def course(self, course: Course) -> None:
        skipped = self.project.skipped_files
        course_allows = self.check_file(course.file, "yaml", COURSE_FIELDS, [])
        for unit in course.units:
            unit_allows = self.check_file(unit.file, "markdown", UNIT_FIELDS, course_allows)
            seen = {unit.file}
            for page in unit.pages:
                if page.file in seen or page.file.resolve() in skipped:
                    continue
                seen.add(page.file)
                self.check_file(page.file, "questions" if page.kind == "quiz" else "markdown", PAGE_FIELDS,
                                course_allows + unit_allows)
        for cat in course.question_files:
            self.check_file(cat.file, "questions", QUESTION_FILE_FIELDS, course_allows)

    def common(self) -> None:
        for cat in self.project.shared_categories:
            self.check_file(cat.file, "questions", QUESTION_FILE_FIELDS, [])
        for key in sorted(self.project.rubrics):
            self.check_file(self.project.rubrics[key].file, "yaml", RUBRIC_FIELDS, [])

    def unused(self) -> None:
        for a in self.allows:
            if a.entry is not None and not a.used:
                self.diags.add(codes.LANGUAGE_ALLOW_UNUSED,
                               f"'{a.name}' is allowed here but not used outside quotes", a.file, a.line, a.col)

    # -- one file -----------------------------------------------------------

    def check_file(self, path: Path, kind: str, fields: tuple, inherited: list[Allow]) -> list[Allow]:
        """Check one file; returns the allow list its front matter (or course.yaml) declares."""
        text = read_text(path, Diagnostics())        # read problems are reported by the loader
        if text is None:
            return []
        t = _Text(text)
        segments: list[tuple[int, int]] = []
        own: list[Allow] = []
        markers: list[Allow] = []
        if kind == "yaml":
            self._yaml(t, text, 0, len(text), fields, path, segments, own, markers)
            _mask_inline(t)
            exempt: set[int] = set()
        else:
            fm = split_front_matter(text)
            if fm is None:
                return []
            if fm.yaml_text is not None:
                self._yaml(t, fm.yaml_text, fm.yaml_line_offset, t.offset(fm.body_line_offset), fields, path,
                           segments, own, markers)
            exempt = self._markdown(t, fm.body_line_offset, kind == "questions", path, segments, markers)
        allows = inherited + own + markers
        masked = fold(t.s)
        quotes = _quote_spans(t.s, segments)
        qstarts = [a for a, _ in quotes]
        for m in self.wl.pattern.finditer(masked):
            line0 = t.line_of(m.start())
            if line0 in exempt:
                continue
            k = bisect.bisect_right(qstarts, m.start()) - 1
            if k >= 0 and quotes[k][1] >= m.end():
                continue
            found = self.wl.literal.get(normalize(m.group()))
            if found is None:  # pragma: no cover - the pattern is built from these literals
                continue
            entry, form = found
            if form.before is not None and form.before.search(masked, max(0, m.start() - 80), m.start()):
                continue
            if form.after is not None and form.after.match(masked, m.end(), m.end() + 80):
                continue
            covering = [a for a in allows if a.covers(entry, line0)]
            if covering:
                for a in covering:
                    a.used = True
                continue
            self._report(entry, text[m.start():m.end()], path, line0, m.start() - t.starts[line0], kind == "yaml")
        self.allows += own + markers
        return own

    def _report(self, entry: Entry, matched: str, path: Path, line0: int, col0: int, yaml_file: bool) -> None:
        term = " ".join(matched.split())
        name = normalize(term)
        prefer = _or(entry.prefer)
        info = entry.severity is Severity.INFO
        msg = f"\"{term}\": {'check the context; ' if info else ''}prefer {prefer}"
        if entry.cite:
            msg += f" ({entry.cite})"
        how = (f"`# coursepack: allow {name}` on the line before" if yaml_file else
               f"`allow_terms: [{name}]` in the front matter or course.yaml, or "
               f"`<!-- coursepack: allow {name} -->` before the paragraph")
        hint = (f"{entry.reason} Reword it; where the term is quoted or discussed, put it in quotes or allow it "
                f"({how}). Entry '{entry.id}' in {LIST_FILE}.")
        self.diags.add(codes.LANGUAGE_INFO if info else codes.LANGUAGE_TERM, msg, path, line0 + 1, col0 + 1,
                       hint=hint)

    # -- YAML: course.yaml, rubrics, front matter ----------------------------

    def _yaml(self, t: _Text, ytext: str, line_offset: int, end: int, fields: tuple, path: Path,
              segments: list, own: list[Allow], markers: list[Allow]) -> None:
        """Mask the YAML (file offsets 0 to ``end``) except the values of ``fields``; read its allow lists."""
        spans: list[_Span] = []
        try:
            node = yaml.compose(ytext, Loader=_Loader)
        except yaml.YAMLError:
            node = None                                 # reported by the loader
        if not isinstance(node, yaml.MappingNode):
            t.keep_only(0, end, [])
            return
        for pattern in fields:
            for key_node, value in _walk(node, pattern, None):
                if isinstance(value, yaml.ScalarNode) and value.value:
                    span = self._value_span(t, value, key_node, line_offset)
                    if span is not None and span.b > span.a:
                        spans.append(span)
                        segments.append((span.a, span.b))
        spans.sort(key=lambda sp: sp.a)
        t.keep_only(0, end, [(sp.a, sp.b) for sp in spans])
        for key_node, value in _walk(node, ("allow_terms", "*"), None):
            if isinstance(value, yaml.ScalarNode) and isinstance(value.value, str):
                own.append(self._allow(value.value, path, value.start_mark.line + line_offset + 1,
                                       value.start_mark.column + 1, None))
        # markers: '# coursepack: allow x' covers the value on its line, or on the next content line
        ylines = ytext.split("\n")
        for i, line in enumerate(ylines):
            m = _YAML_MARKER.search(line)
            if m is None:
                continue
            target = i
            if not line[:m.start()].strip():
                target = next((j for j in range(i + 1, len(ylines))
                               if ylines[j].strip() and not ylines[j].lstrip().startswith("#")), i)
            target += line_offset
            covered = {target}
            for s in spans:
                if s.first <= target <= s.last:
                    covered.update(range(s.first, s.last + 1))
            col = m.start(1) + 1
            for name in _names(m.group(1)):
                markers.append(self._allow(name, path, i + line_offset + 1, col, covered))

    def _value_span(self, t: _Text, v: yaml.ScalarNode, key_node, off: int) -> _Span | None:
        sl, sc = v.start_mark.line + off, v.start_mark.column
        el, ec = v.end_mark.line + off, v.end_mark.column
        first = (key_node.start_mark.line + off) if key_node is not None else sl
        if v.style in ('"', "'"):
            return _Span(t.offset(sl, sc) + 1, t.offset(el, ec) - 1, first, el)
        if v.style in ("|", ">"):
            indent, last = None, sl
            for ln in range(sl + 1, min(el + 1, len(t.starts))):
                s = t.line_text(ln)
                if not s.strip():
                    continue
                ind = len(s) - len(s.lstrip(" "))
                if indent is None:
                    indent = ind
                elif ind < indent:
                    break
                last = ln
            if indent is None:
                return None
            return _Span(t.offset(sl + 1), t.offset(last) + len(t.line_text(last)), first, last)
        return _Span(t.offset(sl, sc), t.offset(el, ec), first, el)

    def _allow(self, name: str, path: Path, line: int, col: int, lines: set[int] | None) -> Allow:
        entry = self.wl.names.get(normalize(name))
        if entry is None:
            close = _closest(normalize(name), list(self.wl.names))
            self.diags.add(codes.LANGUAGE_ALLOW_UNKNOWN,
                           f"'{name}' is not a term of {LIST_FILE}" + (f"; did you mean '{close}'?" if close else ""),
                           path, line, col)
        return Allow(name, entry, path, line, col, lines)

    # -- Markdown bodies ------------------------------------------------------

    def _markdown(self, t: _Text, first: int, questions: bool, path: Path, segments: list,
                  markers: list[Allow]) -> set[int]:
        """Mask what is not checked in the body (from file line ``first``); returns the exempt lines."""
        lines = t.lines[first:]
        body_start = t.offset(first)
        # fenced code
        fence = None
        spans = []
        fenced = "```" in t.text or "~~~" in t.text
        for i, line in enumerate(lines if fenced else ()):
            m = _FENCE.match(line)
            if fence is not None:
                spans.append((t.offset(first + i), t.offset(first + i) + len(line)))
                if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                    fence = None
            elif m:
                fence = m.group(1)
                spans.append((t.offset(first + i), t.offset(first + i) + len(line)))
        t.mask_spans(spans)
        # allow markers (then every comment goes, with the rest of what is not text)
        for m in _COMMENT.finditer(t.s, body_start):
            mm = _MD_MARKER.fullmatch(m.group())
            if mm:
                self._md_marker(t, m, mm, path, markers)
        _mask_inline(t)
        spans = []
        for m in (_ADMONITION.finditer(t.s, body_start) if ("!!!" in t.s or "???" in t.s) else ()):
            spans += [m.span(g) for g in (1, 2, 3) if m.group(g) is not None]
        if questions:
            spans += self._settings(t, lines, first)
        t.mask_spans(spans)
        # blockquotes (with their lazy continuation lines); in quizzes an indented '>' is answer feedback
        exempt: set[int] = set()
        quoting = False
        quote_rx = _QUOTE_LINE_Q if questions else _QUOTE_LINE
        for i, line in enumerate(lines if _ANY_QUOTE_LINE.search(t.s, body_start) else ()):
            if not line.strip():
                quoting = False
                continue
            is_quote = quote_rx.match(line) is not None
            if is_quote or (quoting and not _BLOCK_START.match(line)):
                exempt.add(first + i)
                quoting = True
            else:
                quoting = False
        # segments for pairing quotes: paragraphs, list items, table rows, headings
        start = None
        for i, line in enumerate(lines + [""]):
            if not line.strip() or _SEGMENT_START.match(line):
                if start is not None:
                    segments.append((t.offset(first + start), t.offset(first + i)))
                start = i if line.strip() else None
            elif start is None:
                start = i
        return exempt

    def _md_marker(self, t: _Text, m: re.Match, mm: re.Match, path: Path, markers: list[Allow]) -> None:
        l0 = t.line_of(m.start())
        l1 = t.line_of(m.end())
        rest = (t.text[t.starts[l0]:m.start()] + t.text[m.end():t.offset(l1) + len(t.line_text(l1))]).strip()
        covered = set(range(l0, l1 + 1)) if rest else set()
        j = l1 + 1
        if not rest:
            while j < len(t.starts) and not t.line_text(j).strip():
                j += 1
        while j < len(t.starts) and t.line_text(j).strip():
            covered.add(j)
            j += 1
        col = m.start() - t.starts[l0] + 1
        for name in _names(mm.group(1)):
            markers.append(self._allow(name, path, l0 + 1, col, covered))

    def _settings(self, t: _Text, lines: list[str], first: int) -> list[tuple[int, int]]:
        """The settings lines under each question heading (YAML, not text)."""
        spans = []
        for h in mdscan.headings(lines):
            if h.level != 2:
                continue
            i = h.line + (2 if h.setext else 1)
            k = 0
            while i < len(lines) and lines[i].strip() and (_META_LINE.match(lines[i]) or
                                                             (k > 0 and lines[i][:1] in " \t-")):
                spans.append((t.offset(first + i), t.offset(first + i) + len(lines[i])))
                i += 1
                k += 1
        return spans


def _mask_inline(t: _Text) -> None:
    """Code spans, HTML tags, link targets, URLs and attribute lists (in Markdown and YAML values alike)."""
    for rx, trigger, group in _INLINE:
        if any(c in t.s for c in trigger):
            t.mask_all(rx, group)


def _walk(node, pattern: tuple, key_node):
    """(key node, value node) pairs at a path of keys and '*' (every list item)."""
    if not pattern:
        yield key_node, node
        return
    head, rest = pattern[0], pattern[1:]
    if head == "*":
        if isinstance(node, yaml.SequenceNode):
            for item in node.value:
                yield from _walk(item, rest, key_node if not isinstance(item, yaml.ScalarNode) else item)
        return
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == head:
                yield from _walk(v, rest, k)


def _quote_spans(masked: str, segments: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Quoted stretches ("…", “…”, ‘…’) within each segment, sorted."""
    out = []
    for a, b in segments:
        straight = None
        curly = None
        single = None
        for m in _QUOTE_CHARS.finditer(masked, a, b):
            c, p = m.group(), m.start()
            if c == '"':
                if straight is None:
                    straight = p
                else:
                    out.append((straight, p + 1))
                    straight = None
            elif c == "\u201c":
                if curly is None:
                    curly = p
            elif c == "\u201d":
                if curly is not None:
                    out.append((curly, p + 1))
                    curly = None
            elif c == "\u2018":
                if single is None:
                    single = p
            elif single is not None and not (p + 1 < len(masked) and masked[p + 1].isalnum()):
                out.append((single, p + 1))
                single = None
    out.sort()
    # merge nested or overlapping spans so that a lookup by start finds the enclosing one
    merged: list[tuple[int, int]] = []
    for a, b in out:
        if merged and a < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def _names(spec: str) -> list[str]:
    """'patient, patients (a quoted survey answer)' -> ['patient', 'patients']: a closing (note) is ignored."""
    spec = re.sub(r"\([^()]*\)\s*$", "", spec)
    return [n.strip() for n in spec.split(",") if n.strip()]


def _or(items: list[str]) -> str:
    q = [f"\"{s}\"" for s in items]
    return q[0] if len(q) == 1 else ", ".join(q[:-1]) + " or " + q[-1]


def _closest(name: str, names: list[str]) -> str | None:
    import difflib
    got = difflib.get_close_matches(name, names, n=1, cutoff=0.75)
    return got[0] if got else None
