"""The whole curriculum as the repository ships it: six courses, studied, assessed and mapped.

What a training lead and a commissioner rely on: every course is there with its published hours,
every unit can be studied and is assessed (quiz; reflective essay with a rubric in the 20- and
40-hour courses), every question can be answered right, and the coverage numbers hold.
"""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from builder.build import check_project
from builder.cli import main
from builder.competency.coverage import build_report
from builder.diagnostics import Diagnostics
from builder.formats.scorm.data import SCORED
from builder.model.schema import parse_lines
from conftest import REPO

PROGRAMME = {  # id: (title, hours, framework)
    "intro-to-peer-support": ("Introduction to Peer Support", 2, "hee-psw-2020"),
    "foundation": ("Foundation in Peer Support", 20, "hee-psw-2020"),
    "theory-and-practice-mh": ("Peer Support Theory and Practice (mental health)", 40, "hee-psw-2020"),
    "theory-and-practice-autism": ("Peer Support Theory and Practice (autism)", 40,
                                   "hee-autism-core-capabilities-2019"),
    "peer-informed-supervision": ("Peer-informed Supervision", 15, "hee-psw-2020"),
    "management-skills": ("Management skills as a Peer Support Worker", 15, "hee-psw-2020"),
}
WORDS_PER_HOUR = 1200       # 40 words a minute for half the study time; the rest is activities, quiz and essay


@pytest.fixture(scope="module")
def project():
    d = Diagnostics(root=REPO)
    p = check_project(REPO, d)
    assert not d.has_errors(strict=True), "\n".join(x.format_text() for x in d.sorted())   # clean with --strict
    return p


@pytest.fixture(scope="module")
def courses(project):
    return {c.id: c for c in project.courses}


def test_the_programme_is_all_there(courses):
    assert sorted(courses) == sorted(PROGRAMME)
    for cid, (title, hours, framework) in PROGRAMME.items():
        c = courses[cid]
        assert (c.title, c.hours, c.framework) == (title, hours, framework), cid
        assert sum(u.hours for u in c.units) == pytest.approx(hours), cid
        assert c.mastery_score is not None, cid


@pytest.mark.parametrize("cid", list(PROGRAMME))
def test_every_unit_can_be_studied_and_is_assessed(courses, cid):
    c = courses[cid]
    types = set()
    for u in c.units:
        pages = [p for p in u.pages if p.kind in ("page", "label")]
        assert len(pages) >= 1, u.id
        assert len(u.sources) >= 1, f"{u.id} cites no source"
        assert len(u.outcomes) >= 2, u.id
        words = sum(len(re.findall(r"\w+", p.markdown)) for p in pages)
        assert words >= WORDS_PER_HOUR * u.hours, f"{cid}/{u.id}: {words} words for {u.hours:g} h"
        prompts = sum(1 for p in u.pages if re.search(r'!!! example "(Activity|Discussion|Practi[cs]e|Scenario)'
                                                      r'|^#+ (Activity|Discussion)', p.markdown, re.M))
        assert prompts >= 1, f"{u.id} has no activity or discussion prompt"
        quizzes = [p for p in u.pages if p.kind == "quiz"]
        assert len(quizzes) >= 1, f"{u.id} has no quiz"
        questions = [s.question for q in quizzes for s in q.quiz.slots if s.question is not None]
        scored = sum(1 for q in questions if q.qtype in SCORED)      # (counts: a failing assert shows no objects)
        assert scored >= 6, f"{u.id}: {scored} questions, fewer than 6"
        types |= {q.qtype for q in questions}
        uncited = [q.id for q in questions if not q.sources]
        assert uncited == [], f"questions cite no source: {uncited}"
        if c.hours >= 20:
            essays = sum(1 for p in u.pages if p.kind == "essay")
            assert essays >= 1, f"{cid}/{u.id} has no reflective essay"
    assert len(types & set(SCORED)) >= 4, f"{cid} uses only {sorted(types)}"


def _right_answers_problem(q) -> str | None:
    """What a question lacks to be answerable right, or None."""
    t = q.qtype
    full = [a for a in q.answers if a.fraction >= 1 - 1e-9]
    if t == "multichoice":
        if q.single:
            return None if len(full) == 1 else f"{len(full)} fully right answers (needs exactly 1)"
        pos = [a.fraction for a in q.answers if a.fraction > 0]
        if len(pos) < 2 or abs(sum(pos) - 1) > 1e-6:
            return f"right answers' fractions {pos} (needs 2 or more adding up to 100%)"
        return None
    if t == "truefalse":
        return None if len(q.answers) == 2 and len(full) == 1 else "needs one right of True/False"
    if t in ("shortanswer", "numerical"):
        return None if full else "no answer is fully right"
    if t == "matching":
        stems = [p for p in q.pairs if p.question is not None]
        return None if len(stems) >= 2 and len({p.answer for p in q.pairs}) >= 3 else "needs 2 questions, 3 answers"
    if t in ("ddwtos", "gapselect"):
        ok = q.gaps and all(1 <= g <= len(q.choices) for g in q.gaps)
        return None if ok else "a gap has no choice"
    if t == "cloze":
        bad = [p.index for p in q.cloze if not any(a.fraction >= 1 - 1e-9 for a in p.answers)]
        return None if q.cloze and not bad else f"gaps {bad} have no fully right answer"
    return None


def test_every_question_has_exactly_the_right_answers_its_type_needs(project):
    problems = []
    for c in project.courses:
        for cat in c.categories:
            for q in cat.questions:
                why = _right_answers_problem(q)
                if why:
                    problems.append(f"{q.file.relative_to(REPO)}:{q.line} {q.id}: {why}")
    assert not problems, "\n".join(sorted(set(problems)))


def test_every_essay_has_a_rubric_whose_criteria_map_to_competencies(project):
    for c in project.courses:
        for p in c.pages():
            if p.kind != "essay":
                continue
            rubric = p.essay.rubric
            assert rubric is not None, f"{p.key} has no rubric"
            for crit in rubric.criteria:
                own = sum(1 for n in crit.competencies() if n.framework.key == c.framework)
                assert own >= 1, f"{rubric.key}#{crit.id} maps to no competency of {c.framework} (used in {c.id})"


def test_coverage_holds(project):
    report = build_report(project)
    cov = {r.scope: r for r in report.courses}
    for cid, r in cov.items():
        taught_only = [row.node.id for row in r.in_scope() if row.status == "addressed"]
        assert not taught_only, f"{cid} teaches but never assesses {taught_only}"
    mh = cov["theory-and-practice-mh"]
    numbered = [row for row in mh.in_scope()
                if re.fullmatch(r"HEE-PSW-2020\.[1-4]\.\d+", row.node.id)]
    assert len(numbered) == 17
    assert [row.node.id for row in numbered if row.status != "assessed"] == []
    autism = cov["theory-and-practice-autism"]
    assert (len(autism.in_scope()), autism.percent) == (19, 100)


def test_the_coverage_command_holds_the_numbers(tmp_path):
    runner = CliRunner()
    res = runner.invoke(main, ["--root", str(REPO), "coverage", "theory-and-practice-autism", "theory-and-practice-mh",
                               "--fail-under", "100", "--out", str(tmp_path / "a")])
    assert res.exit_code == 0, res.output
    res = runner.invoke(main, ["--root", str(REPO), "coverage", "--fail-under", "80", "--out", str(tmp_path / "b")])
    assert res.exit_code == 0, res.output


def test_citations_point_at_real_seed_lines(project, shared):
    lengths = {e.id: (shared / "seeds" / e.seed).read_text(encoding="utf-8").count("\n") + 1
               for e in project.bibliography.values()}
    for c in project.courses:
        for u in c.units:
            for cite in u.sources:
                for a, b in parse_lines(cite.lines):
                    assert b <= lengths[cite.ref], (c.id, u.id, cite.ref, cite.lines)


def _plain(text: str) -> str:
    """Letters, digits and apostrophes only: a quotation may fix punctuation but not words."""
    text = text.replace("’", "'").replace("‘", "'").lower()
    text = re.sub(r"(?<![a-z])'|'(?![a-z])", " ", text)          # quote marks, not apostrophes
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9' ]+", " ", text)).strip()


def test_quoted_phrases_come_from_the_seeds(project, shared):
    """Quotations attributed in running text are word for word in a seed, allowing for elisions (… or
    [...]), editorial insertions in brackets and punctuation. Example dialogue sits in tables, lists,
    admonition titles or lines marked made-up."""
    raw = " ".join(p.read_text(encoding="utf-8") for p in (shared / "seeds").glob("*.txt"))
    seeds = _plain(re.sub(r"\[[^\]]*\]|\. \. \.", " ", raw))
    cues = ("in ImROC's words", "said", "puts it", "described", "guidance", "warns", "calls", "found")
    bad = []
    for c in project.courses:
        for p in c.pages():
            for line in p.markdown.split("\n"):
                head = line.lstrip()
                if head.startswith(("|", "- ", "* ", "!!!", "1.", "2.", "3.", "4.")) or "made-up" in line.lower():
                    continue
                if not any(cue in line for cue in cues):
                    continue
                norm = line.replace("“", '"').replace("”", '"')
                for q in norm.split('"')[1::2]:
                    for frag in re.split(r"…|\.\.\.|\. \. \.|\[[^\]]*\]", q):
                        frag = _plain(frag)
                        if len(frag) >= 20 and frag not in seeds:
                            bad.append(f"{p.file.relative_to(REPO)}: {frag}")
    assert not bad, "\n".join(sorted(set(bad)))
