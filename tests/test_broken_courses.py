"""A suite of broken courses: each gets one clear diagnostic, with the right file and line, never a traceback."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from builder.cli import main
from conftest import COURSE_YAML, PAGE_HELLO, assert_one_diagnostic, UNIT_FIRST, UNIT_SECOND, png_bytes, run_build, run_check

C = "courses/demo/course.yaml"
U1 = "courses/demo/units/first/unit.md"
P1 = "courses/demo/units/first/01-hello.md"
P2 = "courses/demo/units/first/02-table.md"
U2 = "courses/demo/units/second.md"


def replace(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


# (id, overrides, expected code, expected file, expected line, words expected in the message)
CASES = [
    ("bad-yaml", {C: replace(COURSE_YAML, "hours: 1\n", "hours: [1\n")}, "CP101", C, 6, "yaml"),
    ("unknown-key", {C: COURSE_YAML + "titel: Typo\n"}, "CP102", C, 10, "did you mean 'title'"),
    ("missing-key", {C: replace(COURSE_YAML, "audience: Test writers\n", "")}, "CP103", C, 1, "audience"),
    ("wrong-type", {C: replace(COURSE_YAML, "hours: 1\n", "hours: two\n")}, "CP104", C, 5, "number"),
    ("duplicate-key", {C: COURSE_YAML + "hours: 2\n"}, "CP105", C, 10, "twice"),
    ("yaml-alias", {C: replace(COURSE_YAML, "units:\n  - first\n  - second\n",
                               "units: &u\n  - first\n  - second\nx: *u\n")}, "CP101", C, 7, "alias"),
    ("top-level-list", {C: "- title\n- units\n"}, "CP104", C, 1, "mapping"),
    ("unknown-framework", {C: COURSE_YAML + "framework: nope\n"}, "CP116", C, 10, "nope"),
    ("empty-course", {C: replace(COURSE_YAML, "units:\n  - first\n  - second\n", "units: []\n"),
                      U1: None, P1: None, P2: None, U2: None,
                      "courses/demo/units/first/images/block.png": None}, "CP108", C, 7, "no units"),
    ("duplicate-unit", {C: COURSE_YAML + "  - first\n"}, "CP109", C, 10, "listed twice"),
    ("unit-not-found", {C: COURSE_YAML + "  - third\n"}, "CP004", C, 10, "third"),
    ("hours-mismatch", {C: replace(COURSE_YAML, "hours: 1\n", "hours: 2\n")}, "CP110", C, 5, "add up to 1"),
    ("missing-image", {P1: replace(PAGE_HELLO, "images/block.png", "images/missing.png")}, "CP201", P1, 5,
     "missing.png"),
    ("image-no-alt", {P1: replace(PAGE_HELLO, "![A small coloured block]", "![]")}, "CP202", P1, 5,
     "alternative text"),
    ("image-escapes", {P1: replace(PAGE_HELLO, "images/block.png", "../../../../outside.png")}, "CP003", P1, 5,
     "leaves the course"),
    ("link-escapes", {P1: replace(PAGE_HELLO, "02-table.md", "../../../other/units/x.md")}, "CP203", P1, 3,
     "leaves the course"),
    ("absolute-path", {P1: replace(PAGE_HELLO, "images/block.png", "/etc/hosts")}, "CP003", P1, 5,
     "leaves the course"),
    ("broken-link", {P1: replace(PAGE_HELLO, "02-table.md", "03-nothing.md")}, "CP209", P1, 3, "03-nothing.md"),
    ("script-tag", {P1: PAGE_HELLO + "\n<script>alert(1)</script>\n"}, "CP205", P1, 13, "<script>"),
    ("event-handler", {P1: PAGE_HELLO + '\n<p onclick="x()">Hi</p>\n'}, "CP205", P1, 13, "onclick"),
    ("style-attribute", {P1: PAGE_HELLO + '\n<p style="color:red">Hi</p>\n'}, "CP205", P1, 13, "style"),
    ("javascript-link", {P1: replace(PAGE_HELLO, "02-table.md", "javascript:alert(1)")}, "CP206", P1, 3,
     "not allowed"),
    ("heading-skip", {P1: replace(PAGE_HELLO, "## A section", "#### A section")}, "CP204", P1, 7,
     "level 1 to level 4"),
    ("non-utf8", {P2: b"---\ntitle: T\n---\nCaf\xe9 text\n"}, "CP001", P2, 4, "utf-8"),
    ("utf16", {P2: "# T\n\nText\n".encode("utf-16")}, "CP001", P2, 1, "utf-16"),
    ("control-char", {P2: "---\ntitle: T\n---\nText\x07 bell\n"}, "CP006", P2, 4, "U+0007"),
    ("unterminated-front-matter", {U1: UNIT_FIRST.rstrip("-\n") + "\n"}, "CP106", U1, 1, "never closed"),
    ("unknown-source", {U1: replace(UNIT_FIRST, "  - doc-a\n", "  - doc-b\n")}, "CP111", U1, 8, "doc-b"),
    ("source-lines", {U2: replace(UNIT_SECOND, "lines: 10-20", "lines: 400-600")}, "CP114", U2, 8, "outside"),
    ("text-before-page", {U2: replace(UNIT_SECOND, "---\n# Page one", "---\nStray words.\n\n# Page one")},
     "CP211", U2, 10, "before the first"),
    ("empty-page", {P2: "---\ntitle: Nothing here\n---\n\n"}, "CP210", P2, 4, "no content"),
    ("bad-unit-id", {C: COURSE_YAML + "  - Third_Unit\n"}, "CP104", C, 10, "not a valid id"),
    ("reserved-name", {"courses/demo/units/first/con.md": "# Con\n\ntext\n"}, "CP007", "courses/demo/units/first/con.md",
     0, "reserved"),
    ("svg-script", {P1: replace(PAGE_HELLO, "images/block.png", "images/evil.svg"),
                    "courses/demo/units/first/images/evil.svg":
                        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'},
     "CP208", P1, 5, "<script>"),
    ("svg-entity", {P1: replace(PAGE_HELLO, "images/block.png", "images/lol.svg"),
                    "courses/demo/units/first/images/lol.svg":
                        '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
                        '<svg xmlns="http://www.w3.org/2000/svg">&b;</svg>'},
     "CP208", P1, 5, "DOCTYPE"),
    ("image-wrong-type", {"courses/demo/units/first/images/block.png": b"this is not a png"}, "CP207", P1, 5,
     "content is"),
    ("http-link", {P1: replace(PAGE_HELLO, "02-table.md", "http://example.org/")}, "CP212", P1, 3, "http://"),
    ("orphan-unit", {"courses/demo/units/third.md": UNIT_SECOND}, "CP112", "courses/demo/units/third.md", 0,
     "not listed"),
    ("bom", {P2: b"\xef\xbb\xbf---\ntitle: T\n---\nText\n"}, "CP005", P2, 1, "byte-order mark"),
    ("empty-unit", {U2: UNIT_SECOND.split("# Page one")[0]}, "CP115", U2, 10, "no pages"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_one_clear_diagnostic(make_repo, case):
    _id, overrides, code, path, line, words = case
    root = make_repo(overrides)
    assert_one_diagnostic(root, code, path, line, words)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_cli_reports_it_without_traceback(make_repo, case):
    _id, overrides, code, path, line, _words = case
    root = make_repo(overrides)
    runner = CliRunner()
    res = runner.invoke(main, ["--root", str(root), "check", "--format", "json"])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.output
    assert "Traceback" not in res.output
    payload = json.loads(res.output)
    codes = [d["code"] for d in payload["diagnostics"]]
    assert codes == [code]
    severity = payload["diagnostics"][0]["severity"]
    assert res.exit_code == (1 if severity == "error" else 0)


def test_symlink_out_of_the_course_is_refused(make_repo, tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(png_bytes())
    root = make_repo({P1: replace(PAGE_HELLO, "images/block.png", "images/link.png")})
    os.symlink(secret, root / "courses/demo/units/first/images/link.png")
    got = run_check(root).sorted()
    assert [d.code.id for d in got] == ["CP003"]
    assert got[0].line == 5


def test_all_problems_reported_in_one_run(make_repo):
    """Authors fix everything at once: a run with many mistakes reports each of them."""
    root = make_repo({
        C: COURSE_YAML + "titel: x\n",
        P1: replace(replace(PAGE_HELLO, "images/block.png", "images/missing.png"), "02-table.md", "nope.md"),
        U2: replace(UNIT_SECOND, "lines: 10-20", "lines: 900"),
    })
    codes = sorted(d.code.id for d in run_check(root).sorted())
    assert codes == ["CP102", "CP114", "CP201", "CP209"]


def test_crlf_sources_are_accepted_and_build_identically(make_repo, tmp_path):
    root = make_repo()
    d1, r1 = run_build(root, tmp_path / "lf")
    assert not d1.items
    for p in (root / "courses").rglob("*"):
        if p.suffix in (".md", ".yaml"):
            p.write_bytes(p.read_bytes().replace(b"\n", b"\r\n"))
    d2, r2 = run_build(root, tmp_path / "crlf")
    assert not d2.items
    assert [o.data for o in r1.outputs] == [o.data for o in r2.outputs]


def test_failed_build_writes_nothing(make_repo, tmp_path):
    root = make_repo({P1: replace(PAGE_HELLO, "images/block.png", "images/missing.png")})
    out = tmp_path / "out"
    diags, res = run_build(root, out)
    assert diags.has_errors()
    assert not out.exists()
    assert res.outputs == []


def test_strict_turns_warnings_into_errors(make_repo):
    root = make_repo({P1: replace(PAGE_HELLO, "02-table.md", "http://example.org/")})
    runner = CliRunner()
    loose = runner.invoke(main, ["--root", str(root), "check"])
    strict = runner.invoke(main, ["--root", str(root), "check", "--strict"])
    assert loose.exit_code == 0 and "CP212 warning" in loose.output
    assert strict.exit_code == 1 and "CP212 error" in strict.output


def test_text_format_is_editor_friendly(make_repo):
    root = make_repo({P1: replace(PAGE_HELLO, "images/block.png", "images/missing.png")})
    res = CliRunner().invoke(main, ["--root", str(root), "check"])
    first = res.output.splitlines()[0]
    assert first.startswith(f"{P1}:5:27: CP201 error: ")
    assert res.output.splitlines()[1].strip().startswith("hint:")
    assert res.exit_code == 1


def test_check_path_limits_to_one_course(make_repo):
    root = make_repo({
        "courses/other/course.yaml": COURSE_YAML.replace("DEMO", "OTHER") + "titel: typo\n",
        "courses/other/units/first/unit.md": UNIT_FIRST,
        "courses/other/units/first/01-hello.md": "# Hi\n\nText.\n",
        "courses/other/units/second.md": UNIT_SECOND,
    })
    runner = CliRunner()
    everything = runner.invoke(main, ["--root", str(root), "check"])
    only_demo = runner.invoke(main, ["--root", str(root), "check", str(root / "courses/demo")])
    assert everything.exit_code == 1
    assert only_demo.exit_code == 0, only_demo.output


def test_duplicate_shortname_across_courses(make_repo):
    root = make_repo({
        "courses/other/course.yaml": COURSE_YAML,
        "courses/other/units/first/unit.md": UNIT_FIRST,
        "courses/other/units/first/01-hello.md": "# Hi\n\nText.\n",
        "courses/other/units/second.md": UNIT_SECOND,
    })
    got = run_check(root).sorted()
    assert [d.code.id for d in got] == ["CP113"]
    assert got[0].path == "courses/other/course.yaml"


def test_unreadable_output_folder_is_reported(make_repo, tmp_path):
    root = make_repo()
    blocker = tmp_path / "out"
    blocker.write_text("a file where the output folder should be")
    diags, res = run_build(root, blocker / "sub")
    assert [d.code.id for d in diags.sorted()] == ["CP901"]
    assert "not a folder" in diags.sorted()[0].message or "cannot write" in diags.sorted()[0].message
