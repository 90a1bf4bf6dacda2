"""Shared units: written once in units/<id>/ at the repository root, included by several courses.

What authors rely on: the unit appears in every course that lists it (pages, images, quiz,
competency links for that course's framework), its problems are reported once, and it stays
inside its own folder like a course's unit stays inside the course.
"""

from __future__ import annotations

from lxml import etree

from compdata import FRAMEWORK, FRAMEWORK_PATH
from conftest import COURSE_YAML, checked, png_bytes, run_build, run_check
from builder.pipeline import coverage_report
from builder.formats.moodle.verify import open_backup

SHARED_UNIT = """\
---
title: Boundaries together
hours: 0.5
summary: A unit two courses share.
outcomes: [Explain a boundary]
sources: [doc-a]
---
"""

SHARED_PAGE = """\
---
competencies: [DEMO-FW.2.1, OTHER-FW.1.1]
---
# Why boundaries help

Boundaries keep both people safe. See [the quiz](02-check.md).

![A small coloured block](images/block.png)
"""

SHARED_QUIZ = """\
---
type: quiz
title: Check boundaries
---
## Shared boundary {#sh-boundary}
competencies: [DEMO-FW.1.1, OTHER-FW.1.2]

Is a boundary a way of keeping both people safe?

- [x] True
- [ ] False
"""

OTHER_FRAMEWORK = (FRAMEWORK.replace("DEMO-FW", "OTHER-FW").replace("id: demo-fw", "id: other-fw")
                   .replace("Demo framework", "Other framework"))


def shared_files(**over):
    files = {
        FRAMEWORK_PATH: FRAMEWORK,
        "frameworks/other-fw.yaml": OTHER_FRAMEWORK,
        "courses/demo/course.yaml": COURSE_YAML.replace("hours: 1", "hours: 1.5").replace(
            "units:", "framework: demo-fw\nunits:") + "  - shared: boundaries\n",
        "courses/other/course.yaml": COURSE_YAML.replace("DEMO", "OTHER").replace("hours: 1", "hours: 0.5").replace(
            "units:\n  - first\n  - second\n", "framework: other-fw\nunits:\n  - shared: boundaries\n"),
        "units/boundaries/unit.md": SHARED_UNIT,
        "units/boundaries/01-why.md": SHARED_PAGE,
        "units/boundaries/02-check.md": SHARED_QUIZ,
        "units/boundaries/images/block.png": png_bytes(6, 5),
    }
    files.update(over)
    return files


def _members(mbz: bytes) -> dict[str, bytes]:
    return open_backup(mbz).entries


def test_a_shared_unit_is_built_into_every_course_that_lists_it(make_repo, tmp_path):
    root = make_repo(shared_files())
    diags, res = run_build(root, tmp_path / "out")
    assert not diags.sorted(), "\n".join(d.format_text() for d in diags.sorted())
    by_course = {c.id: c for c in checked(root).courses}
    assert [u.id for u in by_course["demo"].units] == ["first", "second", "boundaries"]
    assert [u.id for u in by_course["other"].units] == ["boundaries"]
    ids: dict[str, str] = {}
    for cid in ("demo", "other"):
        files = _members((tmp_path / "out" / "moodle" / f"{cid}.mbz").read_bytes())
        pages = {n: etree.fromstring(b) for n, b in files.items() if n.endswith("/page.xml")}
        shared_page = [x for x in pages.values() if x.findtext("page/name") == "Why boundaries help"]
        assert len(shared_page) == 1, cid
        content = shared_page[0].findtext("page/content")
        assert "@@PLUGINFILE@@/block.png" in content
        assert "Boundaries keep both people safe" in content
        # the link to the quiz of the same shared unit resolves to that quiz in this course
        quiz_cmid = next(etree.fromstring(b).get("id") for n, b in files.items()
                         if n.endswith("/module.xml") and etree.fromstring(b).findtext("modulename") == "quiz")
        assert f"$@QUIZVIEWBYID*{quiz_cmid}@$" in content
        listed = etree.fromstring(files["files.xml"])
        assert "block.png" in [f.findtext("filename") for f in listed.iter("file")]
        ids[cid] = quiz_cmid
    assert ids["demo"] != ids["other"]     # ids come from the course's own source keys


def test_each_course_counts_only_its_own_framework_links(make_repo, tmp_path):
    root = make_repo(shared_files())
    diags, res = run_build(root, tmp_path / "out")
    assert not [d for d in diags.sorted() if d.code.id == "CP409"]  # no "other framework" warning
    report = coverage_report(res.project, res.run.results)   # from the per-course facts
    cov = {c.scope: c for c in report.courses}
    assessed = {cid: sorted(r.node.id for r in c.rows.values() if r.status == "assessed")
                for cid, c in cov.items()}
    assert assessed["other"] == ["OTHER-FW.1.2"]
    assert "DEMO-FW.1.1" in assessed["demo"] and not any(a.startswith("OTHER") for a in assessed["demo"])
    files = _members((tmp_path / "out" / "moodle" / "other.mbz").read_bytes())
    linked = {e.findtext("idnumber") for n, b in files.items() if n.endswith("competencies.xml")
              for e in etree.fromstring(b).iter("competency")}
    assert linked == {"OTHER-FW.1.1", "OTHER-FW.1.2"}


def test_a_problem_in_a_shared_unit_is_reported_once(make_repo):
    root = make_repo(shared_files(**{"units/boundaries/01-why.md": SHARED_PAGE.replace(
        "images/block.png", "images/missing.png")}))
    got = run_check(root).sorted()
    assert [(d.code.id, d.path, d.line) for d in got] == [("CP201", "units/boundaries/01-why.md", 8)], \
        "\n".join(d.format_text() for d in got)


def test_a_shared_unit_cannot_reach_outside_its_folder(make_repo):
    root = make_repo(shared_files(**{"units/boundaries/01-why.md": SHARED_PAGE.replace(
        "images/block.png", "../../courses/demo/units/first/images/block.png")}))
    got = run_check(root).sorted()
    assert [d.code.id for d in got] == ["CP003"], "\n".join(d.format_text() for d in got)
    assert "leaves its shared unit folder" in got[0].message


def test_missing_duplicate_and_unused_shared_units(make_repo):
    files = shared_files()
    files["courses/demo/course.yaml"] = files["courses/demo/course.yaml"].replace(
        "- shared: boundaries", "- shared: boundary")
    files["units/orphan/unit.md"] = SHARED_UNIT
    files["courses/other/course.yaml"] += "  - shared: boundaries\n"
    root = make_repo(files)
    got = {(d.code.id, d.path, d.line): d for d in run_check(root).sorted()}
    missing = got.pop(("CP004", "courses/demo/course.yaml", 11))
    assert "shared unit 'boundary' not found" in missing.message and "units/boundary/unit.md at the repository root" in missing.message
    dup = got.pop(("CP109", "courses/other/course.yaml", 10))
    assert "listed twice (first as item 1)" in dup.message
    orphan = got.pop(("CP112", "units/orphan", 0))
    assert "no course lists it" in orphan.message and "- shared: orphan" in orphan.hint
    # and the hours: demo lists 1.5 h but the missing unit means only two units load (no hours check)
    assert not [d for d in got.values() if d.severity.name == "ERROR"], [d.format_text() for d in got.values()]


def test_a_course_unit_and_a_shared_unit_need_different_ids(make_repo):
    files = shared_files(**{"units/first/unit.md": SHARED_UNIT})
    files["courses/demo/course.yaml"] = files["courses/demo/course.yaml"].replace(
        "- shared: boundaries", "- shared: first")
    root = make_repo(files)
    got = [d for d in run_check(root).sorted() if d.path == "courses/demo/course.yaml"]
    assert [d.code.id for d in got] == ["CP109"] and "different ids" in got[0].hint


def test_a_bad_entry_gets_one_clear_error(make_repo):
    files = shared_files()
    files["courses/demo/course.yaml"] = files["courses/demo/course.yaml"].replace(
        "- shared: boundaries", "- shared: Boundaries")
    root = make_repo(files)
    got = [d for d in run_check(root).sorted() if d.path == "courses/demo/course.yaml"]
    assert len(got) == 1 and got[0].code.id == "CP104" and "not a valid id" in got[0].message, \
        [d.format_text() for d in got]
