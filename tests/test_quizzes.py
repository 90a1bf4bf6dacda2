"""Quizzes and question banks: what Moodle reads from the backup and from the Moodle XML export."""

from __future__ import annotations

import json

import pytest
from lxml import etree

from builder.formats.moodle.qxml import read_questions
from builder.formats.moodle.verify import open_backup, verify_mbz
from conftest import run_build
from quizdata import quiz_files


@pytest.fixture
def built(make_repo):
    root = make_repo(quiz_files())
    diags, res = run_build(root, moodle="all")
    assert not diags.errors(), [d.format_text() for d in diags.sorted()]
    return {o.kind: o for o in res.outputs}


def _questions(b) -> dict[str, etree._Element]:
    """idnumber -> <question> of every bank entry that has an idnumber."""
    qx = etree.fromstring(b.entries["questions.xml"])
    out = {}
    for e in qx.iter("question_bank_entry"):
        idn = e.findtext("idnumber")
        if idn and idn != "$@NULL@$":
            out[idn] = e.find(".//questions/question")
    return out


def _answers(q) -> list[tuple[str, float, str]]:
    return [(a.findtext("answertext"), float(a.findtext("fraction")), a.findtext("feedback"))
            for a in q.iter("answer") if a.get("id")]


def _quiz(b) -> tuple[str, etree._Element]:
    d = next(n.rsplit("/", 1)[0] for n in b.entries if n.startswith("activities/quiz_") and n.endswith("quiz.xml"))
    return d, etree.fromstring(b.entries[f"{d}/quiz.xml"]).find("quiz")


@pytest.mark.parametrize("kind", ["moodle-5.0", "moodle-4.5", "moodle-4.1"])
def test_backup_verifies(built, kind):
    assert verify_mbz(built[kind].data) == []


def test_question_types_as_written(built):
    qs = _questions(open_backup(built["moodle-5.0"].data))
    assert {k: q.findtext("qtype") for k, q in qs.items()} == {
        "mc-single": "multichoice", "mc-multi": "multichoice", "tf": "truefalse", "sa": "shortanswer",
        "num": "numerical", "match": "match", "essay": "essay", "cloze": "multianswer", "dd": "ddwtos",
        "gs": "gapselect", "desc": "description", "extra-one": "multichoice", "extra-two": "multichoice",
        "extra-three": "truefalse", "common-one": "multichoice"}
    mc = qs["mc-single"]
    assert "<strong>learning from each other</strong>" in mc.findtext("questiontext")
    assert mc.findtext("defaultmark") == "2.0000000"
    assert _answers(mc) == [("Mutuality", 1.0, "<p>Yes: both people learn.</p>"),
                            ("Safety", 0.0, "<p>Not this one.</p>"), ("Reciprocity", 0.5, "<p>Close.</p>")]
    assert mc.findtext(".//multichoice/single") == "1"
    assert mc.findtext("generalfeedback") == "<p>Mutuality is one of the values.</p>"
    assert [h.findtext("hint") for h in mc.iter("question_hint")] == ["<p>Think of <em>mutual</em>.</p>"]
    assert [t.findtext("rawname") for t in mc.iter("tag")] == ["values", "Mutuality"]
    multi = qs["mc-multi"]
    assert multi.findtext(".//multichoice/single") == "0"
    assert [a[1] for a in _answers(multi)] == [0.5, 0.5, -0.5]
    tf = qs["tf"]
    answers = {a.get("id"): (a.findtext("answertext"), float(a.findtext("fraction"))) for a in tf.iter("answer")}
    assert answers[tf.findtext(".//trueanswer")] == ("True", 1.0)
    assert answers[tf.findtext(".//falseanswer")] == ("False", 0.0)
    assert tf.findtext("penalty") == "1.0000000"
    sa = qs["sa"]
    assert [a[:2] for a in _answers(sa)] == [("experiential", 1.0), ("lived*", 0.8), ("*", 0.0)]
    assert sa.findtext(".//usecase") == "1"
    num = qs["num"]
    assert [a[:2] for a in _answers(num)] == [("2", 1.0), ("*", 0.0)]
    assert [r.findtext("tolerance") for r in num.iter("numerical_record")] == ["0.5", "0"]
    assert [(u.findtext("unit"), u.findtext("multiplier")) for u in num.iter("numerical_unit")] == [("h", "1"), ("min", "60")]
    match = qs["match"]
    assert [(m.findtext("questiontext"), m.findtext("answertext")) for m in match.iter("match")] == [
        ("Mutuality", "learning both ways"), ("Hope", "believing change is possible"), ("", "being told what to do")]
    essay = qs["essay"]
    assert essay.findtext(".//minwordlimit") == "50" and essay.findtext(".//maxwordlimit") == "300"
    assert essay.findtext(".//responsefieldlines") == "10"
    assert essay.findtext(".//responsetemplate") == "<p>I remember when…</p>"
    assert "shared experience" in essay.findtext(".//graderinfo")
    assert qs["desc"].findtext("length") == "0" and qs["desc"].findtext("defaultmark") == "0.0000000"


def test_cloze_subquestions(built):
    b = open_backup(built["moodle-5.0"].data)
    qx = etree.fromstring(b.entries["questions.xml"])
    cloze = _questions(b)["cloze"]
    assert cloze.findtext("defaultmark") == "4.0000000"  # weights 2 + 1 + 1
    assert "{#1}" in cloze.findtext("questiontext") and "{#3}" in cloze.findtext("questiontext")
    seq = cloze.findtext(".//multianswer/sequence").split(",")
    by_id = {q.get("id"): q for q in qx.iter("question") if q.get("id")}
    subs = [by_id[i] for i in seq]
    assert [s.findtext("qtype") for s in subs] == ["numerical", "shortanswer", "multichoice"]
    assert all(s.findtext("parent") == cloze.get("id") for s in subs)
    assert [a[:2] for a in _answers(subs[1])] == [("experiential", 1.0), ("lived", 0.5), ("*", 0.0)]
    assert subs[0].findtext("defaultmark") == "2.0000000"


def test_gaps(built):
    qs = _questions(open_backup(built["moodle-5.0"].data))
    dd = qs["dd"]
    assert "[[1]]" in dd.findtext("questiontext") and "[[2]]" in dd.findtext("questiontext")
    choices = [(a.findtext("answertext"), a.findtext("feedback")) for a in dd.iter("answer")]
    assert [c[0] for c in choices] == ["hope", "trust", "fear", "doubt"]
    assert 's:9:"draggroup";s:1:"2"' in choices[1][1] and 's:9:"draggroup";s:1:"1"' in choices[2][1]
    gs = qs["gs"]
    assert [(a.findtext("answertext"), a.findtext("feedback")) for a in gs.iter("answer")] == [
        ("equals", "1"), ("experts", "1")]


@pytest.mark.parametrize("kind, level", [("moodle-5.0", "70"), ("moodle-4.5", "50"), ("moodle-4.1", "50")])
def test_slots_point_into_the_course_bank(built, kind, level):
    b = open_backup(built[kind].data)
    qx = etree.fromstring(b.entries["questions.xml"])
    entries = {e.get("id"): e.findtext("questioncategoryid") for e in qx.iter("question_bank_entry")}
    cats = {c.get("id"): c for c in qx.iter("question_category")}
    d, quiz = _quiz(b)
    inforef = etree.fromstring(b.entries[f"{d}/inforef.xml"])
    listed = {i.text for i in inforef.iter("id")}
    refs = [r.findtext("questionbankentryid") for r in quiz.iter("question_reference")]
    assert len(refs) == 11 + 2  # own questions, then questions: [extra-two, common-one]
    for e in refs:
        cat = cats[entries[e]]           # a bank entry of this backup (trap 5)
        assert cat.findtext("parent") != "0"  # never the top category (trap 15)
        assert cat.findtext("contextlevel") == level
        assert cat.get("id") in listed and cat.findtext("parent") in listed  # traps 4 and 16
    sets = list(quiz.iter("question_set_reference"))
    assert len(sets) == 1
    cond = json.loads(sets[0].findtext("filtercondition"))
    cid = str(cond["questioncategoryid"]) if kind == "moodle-4.1" else str(cond["filter"]["category"]["values"][0])
    assert cats[cid].findtext("name") == "Extra questions"  # trap 6: the category is in the backup
    marks = [float(m.text) for m in quiz.iter("maxmark")]
    assert quiz.findtext("sumgrades") == f"{sum(marks):.5f}"  # trap 7
    assert marks[:2] == [2.0, 1.0] and marks[-1] == 2.0
    assert [int(p.text) for p in quiz.iter("page")][:4] == [1, 1, 2, 2]


def test_grade_and_pass_completion(built):
    b = open_backup(built["moodle-5.0"].data)
    d, quiz = _quiz(b)
    assert quiz.findtext("grade") == "10.00000" and quiz.findtext("attempts_number") == "2"
    assert quiz.findtext("preferredbehaviour") == "interactive"
    gi = etree.fromstring(b.entries[f"{d}/grades.xml"]).find(".//grade_item")
    assert gi.findtext("grademax") == "10.00000" and gi.findtext("gradepass") == "6.00000"
    mod = etree.fromstring(b.entries[f"{d}/module.xml"])
    assert (mod.findtext("completion"), mod.findtext("completiongradeitemnumber"),
            mod.findtext("completionpassgrade")) == ("2", "0", "1")
    assert "An introduction to the quiz." in quiz.findtext("intro")


def test_shared_category_travels_with_the_course(built):
    b = open_backup(built["moodle-5.0"].data)
    names = [c.findtext("name") for c in etree.fromstring(b.entries["questions.xml"]).iter("question_category")]
    assert "Shared questions" in names and "Extra questions" in names
    assert names.count("top") == 2  # the qbank's and the quiz's own (5.x gives every quiz a private bank)


# -- Moodle XML ------------------------------------------------------------------------

def _paths(el, prefix="") -> set[str]:
    out = set()
    for ch in el:
        if not isinstance(ch.tag, str):
            continue
        p = f"{prefix}/{ch.tag}"
        out.add(p)
        out |= _paths(ch, p)
    return out


def test_xml_has_the_structure_of_moodles_export(built, shared):
    ref = etree.parse(str(shared / "reference" / "questions-5.1.xml")).getroot()
    ref_paths: dict[str, set[str]] = {}
    for q in ref.findall("question"):
        ref_paths.setdefault(q.get("type"), set()).update(_paths(q))
    ours = etree.fromstring(built["questions-5.0"].data)
    seen = set()
    for q in ours.findall("question"):
        t = q.get("type")
        seen.add(t)
        paths = _paths(q) - {"/tags", "/tags/tag", "/tags/tag/text", "/units", "/units/unit",
                             "/units/unit/multiplier", "/units/unit/unit_name", "/hint", "/hint/text"}
        assert paths <= ref_paths[t], (t, paths - ref_paths[t])
        if t != "category":
            missing = {p for p in ref_paths[t] if p.count("/") == 1} - _paths(q) - {"/hint"}
            assert not missing, (t, missing)
    assert seen == set(ref_paths)  # every type of the reference is exported
    assert built["questions-5.0"].data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<quiz>')
    assert b"$module$/top/Extra questions" in built["questions-5.0"].data
    assert b"$course$/top/Extra questions" in built["questions-4.5"].data


def test_xml_round_trips(built, make_repo):
    got = {q["idnumber"]: q for q in read_questions(built["questions-5.0"].data)}
    assert len(got) == 15
    mc = got["mc-single"]
    assert mc["category"] == "$module$/top/Check your understanding"
    assert mc["defaultgrade"] == 2.0 and mc["single"] == "true"
    assert mc["answers"] == [("Mutuality", 100.0, "<p>Yes: both people learn.</p>", None),
                             ("Safety", 0.0, "<p>Not this one.</p>", None), ("Reciprocity", 50.0, "<p>Close.</p>", None)]
    assert mc["tags"] == ["values", "Mutuality"] and mc["hints"] == ["<p>Think of <em>mutual</em>.</p>"]
    assert [a[:2] for a in got["mc-multi"]["answers"]] == [("<p>Mutuality</p>"[3:-4], 50.0), ("Hope", 50.0), ("Fear", -50.0)]
    assert [a[:2] for a in got["tf"]["answers"]] == [("true", 100.0), ("false", 0.0)]
    assert got["num"]["answers"][0] == ("2", 100.0, "<p>Right.</p>", 0.5)
    assert got["num"]["units"] == [("h", 1.0), ("min", 60.0)]
    assert got["match"]["subquestions"][2] == ("", "being told what to do")
    assert "{2:NUMERICAL:=2009:0#Right~*#No}" in got["cloze"]["questiontext"]
    assert got["cloze"]["defaultgrade"] is None  # Moodle computes it from the weights
    assert got["dd"]["choices"] == [("hope", 1), ("trust", 2), ("fear", 1), ("doubt", 2)]
    assert got["essay"]["minwordlimit"] == "50"
    assert got["common-one"]["category"] == "$module$/top/Shared questions"


def test_xml_export_does_not_resolve_entities(built):
    evil = b'<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY x SYSTEM "file:///etc/passwd">]><quiz><question type="essay">' \
           b'<name><text>&x;</text></name><questiontext><text/></questiontext><penalty>0</penalty></question></quiz>'
    q = read_questions(evil)[0]
    assert "root:" not in (q["name"] or "")


def test_readme_examples_compile(make_repo):
    """The README's example of each question type is valid, and gives the types it says."""
    from pathlib import Path
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split("One example of each type", 1)[1].split("````markdown\n", 1)[1].split("````", 1)[0]
    sources = (Path(__file__).parent.parent / "sources.yaml").read_text(encoding="utf-8")
    from conftest import SOURCES_YAML
    from compdata import FRAMEWORK, FRAMEWORK_PATH
    from conftest import COURSE_YAML
    root = make_repo({"sources.yaml": sources + "\n" + SOURCES_YAML, "courses/demo/questions/examples.md": block,
                      FRAMEWORK_PATH: FRAMEWORK,
                      "courses/demo/course.yaml": COURSE_YAML.replace("units:", "framework: demo-fw\nunits:")})
    from builder.diagnostics import Diagnostics
    from builder.build import check_project
    d = Diagnostics(root=root)
    project = check_project(root, d)
    assert [x.format_text() for x in d.sorted()] == []
    cat = project.courses[0].question_files[0]
    assert [q.qtype for q in cat.questions] == [
        "multichoice", "multichoice", "truefalse", "shortanswer", "numerical", "matching", "essay", "cloze",
        "ddwtos", "gapselect", "description"]
