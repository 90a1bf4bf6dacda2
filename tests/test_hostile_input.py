"""Hostile input, in every kind of source file: one clear diagnostic, and nothing built from it.

The list of issue 8 ("Scale and robustness"), walked for each kind of file where it applies:

    course.yaml (and its Markdown summary)    unit.md front matter (and its summary)
    a unit in one file (units/<id>.md)        a page, an essay
    a quiz (question text and feedback)       a course question file, a shared question file
    a rubric, a framework (plain texts)       sources.yaml
    an SVG image

* XML external entities and "billion laughs": the only XML coursepack parses from a course is SVG (Moodle
  XML is written, and read back only by tests); a DOCTYPE or an entity in Markdown is reported too, and
  YAML's counterpart of entity expansion, aliases, is refused. A SYSTEM entity points at a real file outside
  the repository whose content must never appear; the bombs must finish at once.
* links and images that leave the course: ``../``, absolute paths (``/etc/passwd``, ``C:\\…``, ``file:///``)
  and symbolic links (files and folders, of every kind) that lead out.
* script and event-handler HTML, ``javascript:``, ``vbscript:`` and ``data:`` addresses, in pages,
  summaries, question texts and feedback, rubric and framework texts, and SVG.
* a file over the size limit (the limits are lowered for the test), invalid UTF-8 in each kind.
* a byte-order mark and CRLF or CR line endings are accepted: the outputs are byte for byte those of the
  plain LF file (an SVG is copied as it is, so it is left out of that comparison).
* Windows reserved and non-portable names; ids that must be unique across courses.

For each case: ``build`` (which runs ``check`` first) gives exactly the expected code at the right file
and line, with words and a fix, never a traceback or CP999, and writes nothing: the output folder is not
created. A representative of each item also goes through the CLI (``check`` and ``build``).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import builder.load.files as files_mod
from builder.build import build
from builder.cli import main
from builder.diagnostics import Diagnostics
from compdata import ESSAY_PATH, FRAMEWORK_PATH, QUIZ_PATH, RUBRIC_PATH, comp_files
from conftest import COURSE_YAML, UNIT_FIRST, UNIT_SECOND, minimal_files, write_tree

COURSE = "courses/demo/course.yaml"
UNIT = "courses/demo/units/first/unit.md"
UNIT_FILE = "courses/demo/units/second.md"
PAGE = "courses/demo/units/first/01-hello.md"
SVG_PAGE = "courses/demo/units/first/02-table.md"
SVG = "courses/demo/units/first/images/hope.svg"
BANK = "courses/demo/questions/bank.md"
SHARED = "questions/common.md"
SOURCES = "sources.yaml"

GOOD_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10">'
            '<rect width="20" height="10" fill="#eee"/></svg>')
BANK_MD = "## Bank one {#bank-one}\n\nWhich value is about hope?\n\n- [x] Hope\n  > Yes.\n- [ ] Fear\n"
SHARED_MD = "## Shared one {#shared-one}\n\nIs listening a skill?\n\n- [x] True\n- [ ] False\n"


def base_files() -> dict[str, str | bytes]:
    """A small repository with one file of every kind; it builds without a single diagnostic."""
    files = minimal_files() | comp_files() | {BANK: BANK_MD, SHARED: SHARED_MD, SVG: GOOD_SVG}
    files[SVG_PAGE] += "\n![A hopeful diagram](images/hope.svg)\n"
    return files


TEXT_FILES = {"course": COURSE, "unit": UNIT, "unit-file": UNIT_FILE, "page": PAGE, "quiz": QUIZ_PATH,
              "essay": ESSAY_PATH, "bank": BANK, "shared": SHARED, "rubric": RUBRIC_PATH,
              "framework": FRAMEWORK_PATH, "sources": SOURCES}


def line_of(text: str, needle: str) -> int:
    assert needle in text, needle
    return text[: text.index(needle)].count("\n") + 1


def make(tmp_path: Path, changes: dict | None = None) -> Path:
    files = base_files()
    for k, v in (changes or {}).items():
        if v is None:
            files.pop(k, None)
        else:
            files[k] = v
    return write_tree(tmp_path / "repo", files)


def expect(root: Path, code: str, path: str, line: int | None, words: str, also: tuple[str, ...] = (),
           seconds: float = 60.0) -> list:
    """Build: the diagnostics are ``code`` (plus any of ``also``), all at path:line; nothing is written."""
    out = root.parent / "out"
    diags = Diagnostics(root=root)
    t0 = time.perf_counter()
    result = build(root, out, diags)            # check first; an error stops before packaging
    elapsed = time.perf_counter() - t0
    got = diags.sorted()
    shown = "\n".join(d.format_text() for d in got)
    assert elapsed < seconds, f"took {elapsed:.1f} s"   # a hang guard (an expanded bomb runs for minutes), not a speed test
    assert [d for d in got if d.code.id == code], shown
    for d in got:
        assert d.code.id in (code, *also), shown
        assert d.path == path, shown
        if line is not None:
            assert d.line == line, shown
        assert d.hint, "every diagnostic carries a plain-English fix"
    assert words.lower() in " ".join(d.message for d in got if d.code.id == code).lower(), shown
    assert diags.has_errors(), shown
    assert result.outputs == [] and not out.exists(), "a build with an error writes nothing"
    return got


def cli_check(root: Path) -> list[dict]:
    res = CliRunner().invoke(main, ["--root", str(root), "check", "--format", "json"])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.output
    assert "Traceback" not in res.output
    assert res.exit_code == 1
    return json.loads(res.stdout)["diagnostics"]


def test_the_base_repository_is_clean(tmp_path):
    diags = Diagnostics(root=make(tmp_path))
    res = build(tmp_path / "repo", tmp_path / "out", diags)
    assert not diags.items, [d.format_text() for d in diags.items]
    assert len(res.outputs) == 8


# -- where a snippet of Markdown or text goes in each kind of file ------------------------------------------

def _yaml_quoted(snippet: str) -> str:
    return "'" + snippet.replace("'", "''") + "'"


def place(kind: str, snippet: str) -> tuple[str, str, int]:
    """(path, new content, expected line) with ``snippet`` written where that kind of file holds text."""
    f = base_files()

    def after(path: str, anchor: str, block: str) -> tuple[str, str, int]:
        text = f[path].replace(anchor, anchor + block, 1)
        assert text != f[path], anchor
        return path, text, line_of(text, snippet.split("\n")[0])

    if kind in ("page", "unit-file", "essay"):
        path = {"page": PAGE, "unit-file": UNIT_FILE, "essay": ESSAY_PATH}[kind]
        text = f[path] + "\n" + snippet + "\n"
        return path, text, line_of(text, snippet.split("\n")[0])
    if kind == "quiz":
        return after(QUIZ_PATH, "Is mutuality a value?\n", "\n" + snippet + "\n")
    if kind == "quiz-feedback":
        return after(QUIZ_PATH, "- [x] True\n", "  > " + snippet + "\n")
    if kind == "bank":
        return after(BANK, "Which value is about hope?\n", "\n" + snippet + "\n")
    if kind == "bank-feedback":
        return after(BANK, "  > Yes.", " " + snippet)
    if kind == "shared":
        return after(SHARED, "Is listening a skill?\n", "\n" + snippet + "\n")
    if kind == "course":            # the summary: Markdown in YAML, reported at its key
        indented = "\n".join("  " + s for s in snippet.split("\n"))
        text = f[COURSE].replace("  A small course for tests.\n", "  A small course for tests.\n\n" + indented + "\n")
        return COURSE, text, line_of(text, "summary:")
    if kind == "unit":
        indented = "\n".join("  " + s for s in snippet.split("\n"))
        text = f[UNIT].replace("summary: The first unit.\n", "summary: |\n  The first unit.\n\n" + indented + "\n")
        return UNIT, text, line_of(text, "summary:")
    if kind == "rubric-criterion":
        text = f[RUBRIC_PATH].replace("description: Shows how listening helped.",
                                      "description: " + _yaml_quoted("Shows how listening helped. " + snippet))
        return RUBRIC_PATH, text, line_of(text, "Shows how listening")
    if kind == "rubric-level":
        text = f[RUBRIC_PATH].replace("definition: Some examples", "definition: " + _yaml_quoted("Some " + snippet))
        return RUBRIC_PATH, text, line_of(text, "definition: 'Some")
    if kind == "rubric-description":
        text = f[RUBRIC_PATH].replace("description: For markers of the demo essay.",
                                      "description: " + _yaml_quoted(snippet))
        return RUBRIC_PATH, text, 2
    if kind == "framework":
        text = f[FRAMEWORK_PATH].replace("name: Knows the values", "name: " + _yaml_quoted("Knows " + snippet))
        return FRAMEWORK_PATH, text, line_of(text, "name: 'Knows")
    raise AssertionError(kind)


PAGE_KINDS = ("page", "unit-file", "essay")
QUESTION_KINDS = ("quiz", "quiz-feedback", "bank", "bank-feedback", "shared")
SUMMARY_KINDS = ("course", "unit")
PLAIN_KINDS = ("rubric-criterion", "rubric-level", "rubric-description", "framework")

# -- script and event-handler HTML, javascript:/vbscript:/data: addresses ------------------------------------

HTML = {
    "script": ("<script>alert(1)</script>", "CP205", "<script"),
    "iframe": ('<iframe src="https://example.org/"></iframe>', "CP205", "<iframe"),
    "onclick": ('<span onclick="alert(1)">hi</span>', "CP205", "onclick"),
    "img-onerror": ('<img src="https://example.org/x.png" alt="x" onerror="alert(1)">', "CP205", "onerror"),
    "javascript": ("[x](javascript:alert(1))", "CP206", "javascript:"),
    "vbscript": ("[x](vbscript:msgbox(1))", "CP206", "vbscript:"),
    "data": ("[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", "CP206", "data:"),
}
# (an essay is rendered as a page is, a course question file's feedback as a quiz's, a rubric's description is
# checked as its criteria are: they are left out to keep the suite fast)
HTML_KINDS = ("page", "unit-file", "quiz", "quiz-feedback", "bank", "shared", *SUMMARY_KINDS, "rubric-criterion",
              "rubric-level", "framework")
HTML_CASES = [(k, s) for k in HTML_KINDS for s in HTML]


@pytest.mark.parametrize("kind, name", HTML_CASES, ids=[f"{k}-{s}" for k, s in HTML_CASES])
def test_script_html_and_unsafe_addresses(tmp_path, kind, name):
    snippet, code, words = HTML[name]
    path, text, line = place(kind, snippet)
    also = ()
    if name == "img-onerror":            # an image where none may be: that is reported too, on the same line
        also = ("CP320",) if kind in QUESTION_KINDS else ("CP205",)
    expect(make(tmp_path, {path: text}), code, path, line, words, also)


# -- links and images that leave the course ------------------------------------------------------------------

PATHS = {
    "dotdot-image": "![x](../../../../../outside.png)",
    "dotdot-link": "[x](../../../../outside.md)",
    "absolute-image": "![x](/etc/passwd)",
    "absolute-link": "[x](/etc/passwd)",
    "windows-image": "![x](C:\\Windows\\win.ini)",
    "windows-link": "[x](C:/Windows/win.ini)",
    "file-url": "[x](file:///etc/passwd)",
}


def path_expectation(kind: str, name: str) -> tuple[str, str]:
    if name == "file-url":
        return "CP206", "not allowed"
    image = name.endswith("image")
    if kind in QUESTION_KINDS:           # questions may hold neither images nor links into the course
        return ("CP320", "not supported") if image else \
            ("CP203", "leaves") if name == "windows-link" else ("CP320", "must be https")
    if kind in SUMMARY_KINDS and image:
        return "CP205", "not supported in summaries"
    return ("CP003" if image else "CP203"), "leaves"


PATH_CASES = [(k, n) for k in ("page", "unit-file", "quiz", "shared", *SUMMARY_KINDS) for n in PATHS]


@pytest.mark.parametrize("kind, name", PATH_CASES, ids=[f"{k}-{n}" for k, n in PATH_CASES])
def test_paths_that_leave_the_course(tmp_path, kind, name):
    path, text, line = place(kind, PATHS[name])
    code, words = path_expectation(kind, name)
    expect(make(tmp_path, {path: text}), code, path, line, words)


def test_paths_in_yaml_fields(tmp_path):
    """The YAML fields that name files: a unit's pages: list and a course's units: list."""
    listed = "[01-hello.md, 02-table.md, 03-quiz.md, 04-essay.md, ../../../../etc/passwd]"
    unit = base_files()[UNIT].replace("sources:", f"pages: {listed}\nsources:")
    expect(make(tmp_path / "a", {UNIT: unit}), "CP003", UNIT, line_of(unit, "pages:"), "file name in the unit folder")
    course = base_files()[COURSE] + "  - ../../../etc\n"
    expect(make(tmp_path / "b", {COURSE: course}), "CP104", COURSE, line_of(course, "  - ../"), "not a valid id")


# -- symbolic links that lead out --------------------------------------------------------------------------

def _link_out(root: Path, rel: str, outside: Path) -> None:
    """Replace ``rel`` (a file or a folder) by a symbolic link to a copy of it outside the repository."""
    src = root / rel
    dest = outside / rel.replace("/", "_")
    if src.is_dir():
        shutil.copytree(src, dest)
        shutil.rmtree(src)
    else:
        shutil.copy2(src, dest)
        src.unlink()
    os.symlink(dest, src)


UNITS_LINE = line_of(base_files()[COURSE], "  - first")
NO_BLOCK = {PAGE: base_files()[PAGE].replace("![A small coloured block](images/block.png)", "")}
SYMLINKS = [
    # (what is linked out, diagnostic's file, line, code[, other changes])
    (PAGE, PAGE, 1, "CP003"),
    (QUIZ_PATH, QUIZ_PATH, 1, "CP003"),
    (ESSAY_PATH, ESSAY_PATH, 1, "CP003"),
    (BANK, BANK, 1, "CP003"),
    (SHARED, SHARED, 1, "CP003"),
    (COURSE, COURSE, 1, "CP003"),
    (RUBRIC_PATH, RUBRIC_PATH, 1, "CP003"),
    (FRAMEWORK_PATH, FRAMEWORK_PATH, 1, "CP003"),
    (SOURCES, SOURCES, 1, "CP003"),
    (UNIT, COURSE, UNITS_LINE, "CP003"),                      # reported where course.yaml lists the unit
    (UNIT_FILE, COURSE, UNITS_LINE + 1, "CP003"),
    (SVG, SVG_PAGE, 7, "CP003"),                              # reported where the page shows the image
    ("courses/demo/units/first", COURSE, UNITS_LINE, "CP003"),  # folders
    ("courses/demo/units/first/images", SVG_PAGE, 7, "CP003", NO_BLOCK),   # the one image in that folder
    ("courses/demo/questions", "courses/demo/questions", None, "CP003"),
    ("rubrics", RUBRIC_PATH, 1, "CP003"),
    ("frameworks", FRAMEWORK_PATH, 1, "CP003"),
    ("questions", "questions", None, "CP003"),
]
SYMLINKS = [s if len(s) == 5 else (*s, {}) for s in SYMLINKS]


@pytest.mark.parametrize("linked, path, line, code, changes", SYMLINKS, ids=[s[0] for s in SYMLINKS])
def test_symbolic_links_out_of_the_course(tmp_path, linked, path, line, code, changes):
    root = make(tmp_path, changes)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    _link_out(root, linked, outside)
    expect(root, code, path, line, "symbolic link" if linked != SVG and "images" not in linked else "leaves")


def test_symbolic_link_loop_and_dangling_link(tmp_path):
    root = make(tmp_path)
    loop = root / "courses/demo/units/first/05-loop.md"
    os.symlink(loop.name, loop)
    expect(root, "CP008", "courses/demo/units/first/05-loop.md", 1, "loop")
    loop.unlink()
    os.symlink(tmp_path / "nowhere.md", loop)
    expect(root, "CP003", "courses/demo/units/first/05-loop.md", 1, "leads outside the course folder")


def test_symbolic_link_to_another_course_and_a_linked_course_folder(tmp_path):
    root = make(tmp_path, {"courses/other/course.yaml": COURSE_YAML.replace("DEMO", "OTHER"),
                           "courses/other/units/first/unit.md": UNIT_FIRST,
                           "courses/other/units/first/01-hello.md": "# Other\n\nOther text.\n",
                           "courses/other/units/second.md": UNIT_SECOND})
    page = root / "courses/demo/units/first/05-borrowed.md"
    os.symlink("../../../other/units/first/01-hello.md", page)
    expect(root, "CP003", "courses/demo/units/first/05-borrowed.md", 1, "leads outside the course folder")
    page.unlink()
    os.symlink(root / "courses/other", root / "courses/alias")
    expect(root, "CP003", "courses/alias", None, "symbolic link")


def test_image_path_through_a_link_loop_to_a_link_out(tmp_path):
    """``loop/../out/x.svg``: Python's resolve() stops at the loop and leaves 'out' (a link out of the
    course) unresolved, so the path looked inside. Every link on the way must be followed."""
    root = make(tmp_path)
    first = root / "courses/demo/units/first"
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    shutil.copy2(root / SVG, outside / "away.svg")
    os.symlink("loop", first / "loop")
    os.symlink(outside, first / "out")
    page = root / SVG_PAGE
    page.write_text(page.read_text() + "\n![Another diagram](loop/../out/away.svg)\n")
    expect(root, "CP003", SVG_PAGE, SVG_PAGE_NEXT, "leaves")


def test_symbolic_links_that_stay_inside_are_fine(tmp_path):
    root = make(tmp_path)
    os.symlink("images/hope.svg", root / "courses/demo/units/first/hope-link.svg")
    page = root / SVG_PAGE
    page.write_text(page.read_text() + "\n![The same diagram](hope-link.svg)\n")
    diags = Diagnostics(root=root)
    res = build(root, tmp_path / "out", diags)
    assert not diags.items, [d.format_text() for d in diags.items]
    assert len(res.outputs) == 8


# -- XML external entities, billion laughs and their YAML counterpart -----------------------------------------

LOLZ = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)).replace("&lol0;", "&lol;")


def billion_laughs(root_element: str) -> str:
    return f'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">{LOLZ}]>{root_element}'


@pytest.fixture
def secret(tmp_path) -> Path:
    """A real file outside the repository that a SYSTEM entity points at."""
    p = tmp_path / "secret.txt"
    p.write_text("TOP-SECRET-7d1e2c")
    return p


def xxe_svg(secret: Path) -> str:
    return (f'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY xxe SYSTEM "file://{secret}">]>'
            '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"><text>&xxe;</text></svg>')


@pytest.mark.parametrize("name", ["xxe", "billion-laughs", "after-a-long-comment", "utf-7", "utf-16",
                                  "xinclude"])
def test_svg_entities_and_encodings(tmp_path, secret, name):
    svg = {
        "xxe": xxe_svg(secret),
        "billion-laughs": billion_laughs('<svg xmlns="http://www.w3.org/2000/svg"><text>&lol9;</text></svg>'),
        # the declaration far into the file, after a comment that mentions <svg early enough to be sniffed
        "after-a-long-comment": "<!-- <svg> -->" + "<!--" + "x" * 70000 + "-->" + xxe_svg(secret)[21:],
        "utf-7": '<?xml version="1.0" encoding="UTF-7"?>+ADw-!DOCTYPE svg +AFs-+ADw-!ENTITY xxe SYSTEM +ACI-file://'
                 + str(secret) + '+ACI-+AD4-+AF0-+AD4-<svg xmlns="http://www.w3.org/2000/svg">&xxe;</svg>',
        "utf-16": '<?xml version="1.0" encoding="UTF-16"?><svg xmlns="http://www.w3.org/2000/svg"/>',
        "xinclude": '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xi="http://www.w3.org/2001/XInclude">'
                    f'<xi:include href="file://{secret}" parse="text"/></svg>',
    }[name]
    code, words = {"utf-7": ("CP001", "UTF-7"), "utf-16": ("CP001", "UTF-16"),
                   "xinclude": ("CP208", "external resource")}.get(name, ("CP208", "DOCTYPE"))
    got = expect(make(tmp_path, {SVG: svg}), code, SVG_PAGE, 7, words, seconds=20.0)
    assert not any("TOP-SECRET" in d.message for d in got)


@pytest.mark.parametrize("kind", ("page", "unit-file", "essay", "quiz", "bank", "shared", "course", "unit"))
@pytest.mark.parametrize("bomb", ["xxe", "billion-laughs"])
def test_doctype_and_entities_in_markdown(tmp_path, secret, kind, bomb):
    snippet = {"xxe": f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file://{secret}">]>\n\n&xxe;',
               "billion-laughs": f'<!DOCTYPE lolz [<!ENTITY lol "lol">{LOLZ}]>\n\n&lol9;'}[bomb]
    path, text, line = place(kind, snippet)
    got = expect(make(tmp_path, {path: text}), "CP205", path, line, "DOCTYPE", seconds=20.0)
    assert not any("TOP-SECRET" in d.message for d in got)


DEEP = [(k, q) for k in ("page", "unit-file", "essay") for q in ("", "> ")] + \
       [(k, "> ") for k in ("quiz", "bank", "shared")]     # a bare list in a question is its answers


@pytest.mark.parametrize("kind, quoted", DEEP, ids=[f"{k}{'-quoted' if q else ''}" for k, q in DEEP])
def test_markdown_nested_hundreds_of_levels_is_refused_at_once(tmp_path, kind, quoted):
    """Python-Markdown's time grows with the square of list nesting (400 levels: seconds, then a
    RecursionError); past 32 levels the text is refused before it is parsed, at the first such line."""
    snippet = "".join(quoted + "    " * i + "- item\n" for i in range(600))
    path, text, line = place(kind, snippet)
    expect(make(tmp_path, {path: text}), "CP213", path, line + 32, "nested over 32 levels", seconds=20.0)


QUOTES = ("page", "unit-file", "essay", "quiz", "quiz-feedback", "bank", "shared", "course", "unit")


@pytest.mark.parametrize("kind", QUOTES)
@pytest.mark.parametrize("shape", ["one-line", "indented"])
def test_quotes_nested_hundreds_of_levels_on_one_line_are_refused_at_once(tmp_path, kind, shape):
    """One line of 400 quote markers: the nesting check itself once backtracked on it for minutes (found by
    bench/probe.py). 33 levels are refused; 32 are fine."""
    deep = {"one-line": "> " * 400 + "x", "indented": "   >" * 20 + "\t" * 13 + "x"}[shape]
    path, text, line = place(kind, deep)
    expect(make(tmp_path, {path: text}), "CP213", path, line, "nested over 32 levels", seconds=20.0)
    path, text, _ = place(kind, "> " * 32 + "x")
    diags = Diagnostics(root=make(tmp_path / "fine", {path: text}))
    build(tmp_path / "fine" / "repo", tmp_path / "fine" / "out", diags)
    assert not any(d.code.id == "CP213" for d in diags.items), [d.format_text() for d in diags.items]


@pytest.mark.parametrize("kind", ("quiz", "bank"))
def test_a_question_with_thousands_of_answers_is_checked_at_once(tmp_path, kind):
    """Rendering had compared each answer with every other (50,000 answers: a minute; found by
    bench/probe.py)."""
    path, text, _ = place(kind, "".join(f"- [ ] Answer {i}\n" for i in range(50000)))
    root = make(tmp_path, {path: text})
    t0 = time.perf_counter()
    diags = Diagnostics(root=root)
    build(root, tmp_path / "out", diags, formats=("scorm12",))
    assert time.perf_counter() - t0 < 20.0       # a hang guard, not a speed test
    assert "Traceback" not in " ".join(d.message for d in diags.items)
    assert not any(d.code.id == "CP999" for d in diags.items)


MANY = 60000
MANY_PARTS = {       # one question with MANY of something, each with its own line and column to report
    "gaps": "## Many gaps {#many}\ntype: gapselect\n\n" + "Fill [[w|2]] in.\n" * MANY + "\n- [ ] x|2\n",
    "cloze": "## Many cloze {#many}\ntype: cloze\n\n" + "Part {1:NOPE:=a}.\n" * MANY,
    "matching": "## Many pairs {#many}\n\nMatch them.\n\n" + "".join(f"- S{i} => A{i}\n" for i in range(MANY)),
}


@pytest.mark.parametrize("shape", MANY_PARTS)
def test_a_question_with_thousands_of_parts_is_built_at_once(tmp_path, shape):
    """Each gap's or embedded answer's line was counted from the top of the question, and each matching
    stem was compared with every other to tell the inline texts: time growing with the square of the parts
    (60,000: 30 to 90 s before; under 2 s now)."""
    quiz = base_files()[QUIZ_PATH] + "\n" + MANY_PARTS[shape]
    root = make(tmp_path, {QUIZ_PATH: quiz})
    t0 = time.perf_counter()
    diags = Diagnostics(root=root)
    build(root, tmp_path / "out", diags, formats=("moodle",))
    assert time.perf_counter() - t0 < 20.0       # a hang guard, not a speed test
    assert not any(d.code.id == "CP999" for d in diags.items)
    if shape == "cloze":                           # every bad part reported at its own line
        lines = sorted(d.line for d in diags.items if d.path == QUIZ_PATH)
        first = line_of(quiz, "Part {1:NOPE")
        assert lines[:3] == [first, first + 1, first + 2] and len(lines) == MANY


SLOW_MARKDOWN = {
    "brackets": "[" * 20000,                       # 90 s unchecked
    "links-without-ends": "[a](" * 5000,
    "images-without-ends": "![x" * 5000,
    "tags-without-ends": "<a " * 10000,
    "abbreviations": "".join(f"*[A{i}]: b\n" for i in range(3000)) + "A1 " * 5000,
    "definition-list": "a\n: b\n" * 10000,         # a RecursionError after seconds
}


@pytest.mark.parametrize("shape", SLOW_MARKDOWN)
def test_markdown_that_renders_for_minutes_is_stopped(tmp_path, monkeypatch, shape):
    """Shapes of text that Python-Markdown parses in time growing with the square of their length are
    stopped after MARKDOWN_SECONDS (10 s; 1 s here) and reported; the build goes on to report the rest."""
    from builder.render import html
    monkeypatch.setattr(html, "MARKDOWN_SECONDS", 1.0)
    path, text, _ = place("page", SLOW_MARKDOWN[shape])
    got = expect(make(tmp_path, {path: text}), "CP213", path, None, "still being rendered after 1 seconds",
                 seconds=20.0)
    assert len(got) == 1
    diags = Diagnostics(root=tmp_path / "repo")
    checked = build(tmp_path / "repo", tmp_path / "again", diags, formats=("scorm12",))
    assert [d.code.id for d in diags.items] == ["CP213"] and not checked.outputs   # the parser starts afresh


@pytest.mark.parametrize("kind", PLAIN_KINDS)
def test_doctype_in_plain_texts(tmp_path, secret, kind):
    path, text, line = place(kind, f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file://{secret}">]> &xxe;')
    expect(make(tmp_path, {path: text}), "CP205", path, line, "<!DOCTYPE")


ALIAS_BOMB = "lol0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"lol{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 9))


def yaml_bomb(kind: str) -> tuple[str, str, int]:
    """YAML's billion laughs (nine levels of ten aliases) in each kind of YAML source."""
    f = base_files()
    front = {"unit": UNIT, "page-front-matter": PAGE, "quiz-front-matter": QUIZ_PATH}
    if kind in front:                          # before the closing --- of the front matter
        path = front[kind]
        head, sep, rest = f[path][4:].partition("\n---\n")
        text = "---\n" + head + "\n" + ALIAS_BOMB.rstrip("\n") + sep + rest
    else:
        path = {"course": COURSE, "rubric": RUBRIC_PATH, "framework": FRAMEWORK_PATH, "sources": SOURCES}[kind]
        text = f[path] + ALIAS_BOMB
    return path, text, line_of(text, "&a0")      # reported at the anchor the aliases point to


@pytest.mark.parametrize("kind", ["course", "unit", "page-front-matter", "quiz-front-matter", "rubric",
                                  "framework", "sources"])
def test_yaml_alias_bombs_are_refused_at_once(tmp_path, kind):
    path, text, line = yaml_bomb(kind)
    expect(make(tmp_path, {path: text}), "CP101", path, line, "anchors and aliases", seconds=20.0)


def test_yaml_nested_without_end(tmp_path):
    text = COURSE_YAML + "deep: " + "[" * 5000 + "]" * 5000 + "\n"
    expect(make(tmp_path, {COURSE: text}), "CP101", COURSE, line_of(text, "deep:"), "nested")


# -- unsafe SVG content ------------------------------------------------------------------------------------------

SVG_HEAD = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="9" height="9">'
UNSAFE_SVG = {
    "script": ("<script>alert(1)</script>", "<script>"),
    "onload": ('<rect width="9" height="9" onload="alert(1)"/>', "onload"),
    "javascript": ('<a xlink:href="javascript:alert(1)"><rect width="9" height="9"/></a>', "javascript:"),
    "set-href": ('<a><set attributeName="href" to="javascript:alert(1)"/><rect width="9" height="9"/></a>',
                 "href"),
    "animate-onclick": ('<animate attributeName="onclick" values="alert(1)"/>', "onclick"),
    "data-svg": ('<image href="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+"/>', "data:"),
    "foreign-object": ("<foreignObject><iframe src='https://example.org/'/></foreignObject>", "foreignObject"),
    "external-style": ("<style>@import url(https://example.org/x.css);</style>", "external"),
}


@pytest.mark.parametrize("name", UNSAFE_SVG)
def test_unsafe_svg(tmp_path, name):
    body, words = UNSAFE_SVG[name]
    expect(make(tmp_path, {SVG: SVG_HEAD + body + "</svg>"}), "CP208", SVG_PAGE, 7, words)


# -- size limits, invalid UTF-8 -------------------------------------------------------------------------------------

def _pad(path: str, text: str, n: int) -> str:
    if path.endswith(".yaml"):
        return text + "# " + "x" * n + "\n"
    return text + "\n<!-- " + "x" * n + " -->\n"


# where a read problem of a file is reported: the file itself, at line 1
@pytest.mark.parametrize("kind", TEXT_FILES)
def test_text_file_over_the_size_limit(tmp_path, monkeypatch, kind):
    path = TEXT_FILES[kind]
    largest = max(len(v.encode()) if isinstance(v, str) else len(v) for v in base_files().values())
    monkeypatch.setattr(files_mod, "MAX_TEXT_BYTES", largest + 100)      # every other file is within it
    text = _pad(path, base_files()[path], largest + 200 - len(base_files()[path].encode()))
    expect(make(tmp_path, {path: text}), "CP002", path, 1, "the limit is")


def test_image_over_the_size_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(files_mod, "MAX_ASSET_BYTES", 1000)
    svg = GOOD_SVG.replace("</svg>", "<!--" + "x" * 1000 + "--></svg>")
    expect(make(tmp_path, {SVG: svg}), "CP002", SVG_PAGE, 7, "the limit is")


# an anchor in each file: the bad byte goes right after it
UTF8_ANCHORS = {"course": "title: Demo", "unit": "title: First", "unit-file": "Text of page", "page": "Some text",
                "quiz": "Is mutuality", "essay": "Write about", "bank": "Which value", "shared": "Is listening",
                "rubric": "name: Demo", "framework": "publisher: Test", "sources": "title: A source"}


@pytest.mark.parametrize("kind", TEXT_FILES)
def test_invalid_utf8(tmp_path, kind):
    path, anchor = TEXT_FILES[kind], UTF8_ANCHORS[kind]
    text = base_files()[path]
    i = text.index(anchor) + len(anchor)
    raw = text[:i].encode() + b"\xff" + text[i:].encode()
    got = expect(make(tmp_path, {path: raw}), "CP001", path, line_of(text, anchor), "0xff")
    assert got[0].col == len(text[:i].rsplit("\n", 1)[-1].encode()) + 1


def test_invalid_utf8_in_an_svg(tmp_path):
    expect(make(tmp_path, {SVG: GOOD_SVG.encode().replace(b"#eee", b"#e\xffe")}), "CP001", SVG_PAGE, 7, "0xff")


# -- accepted: a byte-order mark, CRLF and CR line endings --------------------------------------------------------

@pytest.fixture(scope="module")
def plain_outputs(tmp_path_factory) -> list[bytes]:
    root = write_tree(tmp_path_factory.mktemp("plain") / "repo", base_files())
    diags = Diagnostics(root=root)
    res = build(root, root.parent / "out", diags)
    assert not diags.items
    return [o.data for o in res.outputs]


@pytest.mark.parametrize("variant", ["bom", "crlf", "cr", "bom+crlf"])
def test_bom_and_line_endings_build_the_same_bytes(tmp_path, plain_outputs, variant):
    """Every text file of every kind at once (an SVG is copied as it is, so it keeps its own bytes)."""
    changes = {}
    for path in TEXT_FILES.values():
        data = base_files()[path].encode()
        if "crlf" in variant:
            data = data.replace(b"\n", b"\r\n")
        elif variant == "cr":
            data = data.replace(b"\n", b"\r")
        if "bom" in variant:
            data = b"\xef\xbb\xbf" + data
        changes[path] = data
    root = make(tmp_path, changes)
    diags = Diagnostics(root=root)
    res = build(root, tmp_path / "out", diags)
    got = sorted((d.code.id, d.path, d.line) for d in diags.items)
    expected = sorted(("CP005", p, 1) for p in TEXT_FILES.values()) if "bom" in variant else []
    assert got == expected
    assert [o.data for o in res.outputs] == plain_outputs


# -- Windows reserved and non-portable names ----------------------------------------------------------------------

def _image_case(ref: str, where: str) -> dict:
    return {SVG_PAGE: base_files()[SVG_PAGE] + f"\n![Another diagram]({ref})\n",
            f"courses/demo/units/first/{where}": GOOD_SVG}


SVG_PAGE_NEXT = line_of(base_files()[SVG_PAGE] + "\n![Another", "![Another")
RESERVED = [
    ("page-con.md", {"courses/demo/units/first/con.md": "# Con\n\nText.\n"}, "courses/demo/units/first/con.md", None),
    ("image-aux.svg", _image_case("images/aux.svg", "images/aux.svg"), SVG_PAGE, SVG_PAGE_NEXT),
    ("image-in-nul-folder", _image_case("nul/hope.svg", "nul/hope.svg"), SVG_PAGE, SVG_PAGE_NEXT),
    ("image-trailing-dot", _image_case("images/hope.svg.", "images/hope.svg."), SVG_PAGE, SVG_PAGE_NEXT),
    ("folder-trailing-space", _image_case("<pics /hope.svg>", "pics /hope.svg"), SVG_PAGE, SVG_PAGE_NEXT),
    ("image-colon", _image_case("images/a%3Ab.svg", "images/a:b.svg"), SVG_PAGE, SVG_PAGE_NEXT),
    ("pdf-com1", {SVG_PAGE: base_files()[SVG_PAGE] + "\n[Handout](com1.pdf)\n",
                  "courses/demo/units/first/com1.pdf": b"%PDF-1.4\n"}, SVG_PAGE,
     line_of(base_files()[SVG_PAGE] + "\n[Handout]", "[Handout]")),
    ("unit-nul", {COURSE: base_files()[COURSE] + "  - nul\n", "courses/demo/units/nul.md": UNIT_SECOND}, COURSE,
     line_of(base_files()[COURSE] + "  - nul\n", "  - nul")),
    ("course-aux", {"courses/aux/course.yaml": COURSE_YAML.replace("DEMO", "AUX")}, "courses/aux", None),
    ("question-file-com1", {"courses/demo/questions/com1.md": BANK_MD.replace("bank-one", "b2")},
     "courses/demo/questions/com1.md", None),
    ("shared-question-file-prn", {"questions/prn.md": SHARED_MD.replace("shared-one", "s2")}, "questions/prn.md",
     None),
    ("rubric-prn", {"rubrics/prn.yaml": "name: x\n"}, "rubrics/prn.yaml", None),
    ("framework-lpt1", {"frameworks/lpt1.yaml": "id: lpt1\n"}, "frameworks/lpt1.yaml", None),
]


@pytest.mark.parametrize("name, changes, path, line", RESERVED, ids=[r[0] for r in RESERVED])
def test_windows_reserved_and_non_portable_names(tmp_path, name, changes, path, line):
    words = "dot or a space" if "trailing" in name else "':'" if "colon" in name else "reserved"
    expect(make(tmp_path, changes), "CP007", path, line, words)


# -- ids that must be unique across courses ------------------------------------------------------------------------

def other_course(course_yaml: str) -> dict:
    return {"courses/other/course.yaml": course_yaml,
            "courses/other/units/first/unit.md": UNIT_FIRST,
            "courses/other/units/first/01-hello.md": "# Other\n\nOther text.\n",
            "courses/other/units/second.md": UNIT_SECOND}


def test_duplicate_shortname_across_courses(tmp_path):
    expect(make(tmp_path, other_course(COURSE_YAML)), "CP113", "courses/other/course.yaml",
           line_of(COURSE_YAML, "shortname:"), "also used by course 'demo'")


def test_duplicate_idnumber_across_courses(tmp_path):
    with_id = base_files()[COURSE] + "idnumber: PSW-101\n"
    other = COURSE_YAML.replace("DEMO", "OTHER") + "idnumber: PSW-101\n"
    expect(make(tmp_path, {COURSE: with_id, **other_course(other)}), "CP109", "courses/other/course.yaml",
           line_of(other, "idnumber:"), "ID number 'PSW-101' is also used by course 'demo'")


def test_duplicate_framework_idnumber(tmp_path):
    # another framework file whose items have their own ids, but which repeats the idnumber DEMO-FW
    other = base_files()[FRAMEWORK_PATH].replace("id: demo-fw", "id: other-fw").replace("DEMO-FW.", "OTHER-FW.")
    expect(make(tmp_path, {"frameworks/other-fw.yaml": other}), "CP406", "frameworks/other-fw.yaml",
           line_of(other, "idnumber:"), "used twice")


def test_a_course_question_may_not_reuse_a_shared_id(tmp_path):
    expect(make(tmp_path, {BANK: BANK_MD.replace("bank-one", "shared-one")}), "CP305", BANK, 1, "shared-one")


def test_unit_and_question_ids_are_per_course(tmp_path):
    """Two courses may both have a unit 'first' and a question 'bank-one': those ids are per course."""
    root = make(tmp_path, {**other_course(COURSE_YAML.replace("DEMO", "OTHER")),
                           "courses/other/questions/bank.md": BANK_MD})
    diags = Diagnostics(root=root)
    res = build(root, tmp_path / "out", diags)
    assert not diags.items, [d.format_text() for d in diags.items]
    assert {o.course for o in res.outputs} >= {"demo", "other"}


# -- through the CLI: one representative of each item ------------------------------------------------------------

def _cli_cases(secret: Path) -> list[tuple[str, dict, str, str, int | None]]:
    p, t, line = place("quiz", "<script>alert(1)</script>")
    q, u, qline = place("page", "[x](../../../../outside.md)")
    return [
        ("xxe-svg", {SVG: xxe_svg(secret)}, "CP208", SVG_PAGE, 7),
        ("script-in-question", {p: t}, "CP205", p, line),
        ("escaping-link", {q: u}, "CP203", q, qline),
        ("non-utf8-rubric", {RUBRIC_PATH: b"name: \xff\n"}, "CP001", RUBRIC_PATH, 1),
        ("reserved-name", {"courses/demo/units/first/aux.md": "# Aux\n\nText.\n"}, "CP007",
         "courses/demo/units/first/aux.md", None),
        ("alias-bomb", {yaml_bomb("course")[0]: yaml_bomb("course")[1]}, "CP101", COURSE, yaml_bomb("course")[2]),
    ]


def test_cli_reports_each_kind_of_hostile_input(tmp_path, secret):
    for i, (name, changes, code, path, line) in enumerate(_cli_cases(secret)):
        root = make(tmp_path / str(i), changes)
        diags = cli_check(root)
        assert [(d["code"], d["path"]) for d in diags] == [(code, path)], (name, diags)
        if line is not None:
            assert diags[0]["line"] == line, (name, diags)
        res = CliRunner().invoke(main, ["--root", str(root), "build", "--diagnostics-format", "json",
                                        "--out", str(root / "out")])
        assert res.exit_code == 1 and "Traceback" not in res.output
        assert [d["code"] for d in json.loads(res.stdout)["diagnostics"]] == [code], name
        assert not (root / "out").exists(), f"{name}: a failed build writes nothing"


def test_cli_symbolic_link_out_of_the_course(tmp_path):
    root = make(tmp_path)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    _link_out(root, PAGE, outside)
    diags = cli_check(root)
    assert [(d["code"], d["path"], d["line"]) for d in diags] == [("CP003", PAGE, 1)]
    assert str(outside) in diags[0]["message"]


def test_the_markdown_budget_keeps_an_embedding_programs_own_alarm():
    """A program that runs coursepack with its own SIGALRM timer set keeps its handler and its timer."""
    import signal
    from builder.render import html
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *a: fired.append(time.monotonic()))
    try:
        start = time.monotonic()
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        html.clear_markdown_cache()
        assert "<em>x</em>" in html.markdown_to_html("Some *x* here.\n\n- a\n- b\n")
        assert signal.getsignal(signal.SIGALRM) is not html._on_alarm
        left, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 0 < left <= 0.3
        while not fired and time.monotonic() - start < 5:
            time.sleep(0.01)
        assert fired and fired[0] - start >= 0.25
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_cloze_answers_never_closed_are_read_at_once():
    """Each unclosed embedded answer used to be matched to the end of the text (quadratic: a 2 MB
    question file would take hours); each is still reported, and a later close still counts."""
    from builder.quiz import cloze
    start = time.perf_counter()
    parts, problems = cloze.parse("{1:SHORTANSWER:=a" * 20_000)
    assert time.perf_counter() - start < 5.0      # a hang guard
    assert parts == [] and len(problems) == 20_000 and all("never closed" in p.message for p in problems)
    parts, problems = cloze.parse("Say {1:SHORTANSWER:=hope#Yes~*#No} and {1:SHORTANSWER:=b")
    assert len(parts) == 1 and [p.message for p in problems][0].startswith("embedded answer '{1:SHORTANSWER:=b")
