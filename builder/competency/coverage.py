"""The coverage model: which competencies of a framework each course assesses.

Computed from the sources (the loaded project), never from built files, so
it is available to ``check`` and is the same whatever the output format.

Definitions (README, "Competency coverage"):

* A competency is **assessed** when a quiz question or a rubric criterion
  (or a quiz/essay's own ``competencies:``) links it or one of its indicators.
* It is **addressed** when only pages link it: taught, not assessed.
* It is a **gap** when it is in scope and not assessed (addressed-only
  competencies are gaps too; the report says they are taught).
* Competencies of domains marked ``assessed: false`` are **out of scope**:
  listed, never counted.

Percentages are assessed / in scope, per course and for the whole
curriculum (per framework: every course that names it).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

from ..model.course import Course, Page, Project
from .links import question_nodes, quiz_questions
from .model import Framework, Node, nodes_of


@dataclass
class Evidence:
    """One thing that links a competency: a question, a rubric criterion, a page, an activity."""

    kind: str            # question | criterion | page | quiz | essay
    id: str              # stable: question id, "<rubric>#<criterion>", page key
    label: str
    activity: str        # the activity (page key) it belongs to
    file: str
    line: int
    assesses: bool


@dataclass
class Activity:
    key: str
    title: str
    kind: str            # page | label | quiz | essay
    unit: str


@dataclass
class CompetencyCoverage:
    node: Node
    assessed_by: list[Evidence] = field(default_factory=list)
    addressed_by: list[Evidence] = field(default_factory=list)
    courses: list[str] = field(default_factory=list)       # curriculum view: courses that assess it

    @property
    def status(self) -> str:
        if not self.node.in_scope:
            return "out-of-scope"
        if self.assessed_by:
            return "assessed"
        return "addressed" if self.addressed_by else "gap"


@dataclass
class Coverage:
    """Coverage of one framework by one course, or by the whole curriculum."""

    scope: str                         # course id, or "curriculum"
    title: str
    framework: Framework
    rows: dict[str, CompetencyCoverage]
    activities: list[Activity] = field(default_factory=list)
    courses: list[str] = field(default_factory=list)

    def in_scope(self) -> list[CompetencyCoverage]:
        return [r for r in self.rows.values() if r.node.in_scope]

    def assessed(self) -> list[CompetencyCoverage]:
        return [r for r in self.in_scope() if r.assessed_by]

    def gaps(self) -> list[CompetencyCoverage]:
        return [r for r in self.in_scope() if not r.assessed_by]

    @property
    def percent(self) -> float:
        n = len(self.in_scope())
        return round(100 * len(self.assessed()) / n, 1) if n else 100.0

    def domains(self) -> list[dict]:
        out = []
        for d in self.framework.domains:
            rows = [self.rows[c.id] for c in d.children]
            assessed = sum(1 for r in rows if r.assessed_by)
            out.append({"id": d.id, "number": d.number, "name": d.name, "in_scope": d.assessed,
                        "reason": d.reason, "competencies": len(rows), "assessed": assessed,
                        "addressed": sum(1 for r in rows if not r.assessed_by and r.addressed_by),
                        "percent": round(100 * assessed / len(rows), 1) if rows and d.assessed else None})
        return out

    def summary(self, short: bool = False) -> str:
        """'37 of 41 competencies assessed (90.2%); 4 gaps: ...' (short: without the list)."""
        n, a, gaps = len(self.in_scope()), len(self.assessed()), self.gaps()
        text = f"{a} of {n} competencies assessed ({self.percent:g}%)"
        if gaps and short:
            text += f"; {len(gaps)} gap{'s' if len(gaps) != 1 else ''}"
        elif gaps:
            names = "; ".join(g.node.label for g in gaps)
            text += f"; {len(gaps)} gap{'s' if len(gaps) != 1 else ''}: {names}"
        else:
            text += "; no gaps"
        out = len(self.rows) - n
        if out:
            text += f". {out} out of scope by design"
        return text + "."


def _rel(project: Project, path) -> str:
    return _rel_path(project.root, path)


@functools.lru_cache(maxsize=4096)
def _rel_path(root: Path, path: Path) -> str:
    """A source file relative to the repository (resolving costs system calls: once per file)."""
    try:
        return path.resolve().relative_to(_resolved(root)).as_posix()
    except ValueError:
        return str(path)


@functools.lru_cache(maxsize=16)
def _resolved(root: Path) -> Path:
    return root.resolve()


def _empty_rows(fw: Framework) -> dict[str, CompetencyCoverage]:
    return {c.id: CompetencyCoverage(c) for c in fw.competencies()}


def _add(rows: dict[str, CompetencyCoverage], nodes: list[Node], ev: Evidence, fw: Framework) -> None:
    for n in nodes:
        comp = n.competency
        if comp is None or comp.framework is not fw or comp.id not in rows:
            continue
        row = rows[comp.id]
        bucket = row.assessed_by if ev.assesses else row.addressed_by
        if not any(e.id == ev.id and e.kind == ev.kind for e in bucket):
            bucket.append(ev)


def course_coverage(project: Project, course: Course) -> Coverage | None:
    fw = project.frameworks.get(course.framework) if course.framework else None
    if fw is None:
        return None
    rows = _empty_rows(fw)
    cov = Coverage(course.id, course.title, fw, rows, courses=[course.id])
    for unit in course.units:
        for page in unit.pages:
            cov.activities.append(Activity(page.key, page.title, page.kind, unit.title))
            _page_evidence(project, course, page, rows, fw)
    return cov


def _page_evidence(project: Project, course: Course, page: Page, rows, fw: Framework) -> None:
    file = _rel(project, page.file)
    own = nodes_of(page.links)
    if page.kind in ("page", "label"):
        _add(rows, own, Evidence("page", page.key, page.title, page.key, file, page.body_line, False), fw)
        return
    if own:
        _add(rows, own, Evidence(page.kind, page.key, page.title, page.key, file, 1, True), fw)
    if page.kind == "quiz":
        for q in quiz_questions(page):
            ev = Evidence("question", q.id, q.name or q.id, page.key, _rel(project, q.file), q.line, True)
            _add(rows, question_nodes(q, course), ev, fw)
    elif page.kind == "essay" and page.essay is not None and page.essay.rubric is not None:
        rubric = page.essay.rubric
        for c in rubric.criteria:
            ev = Evidence("criterion", f"{rubric.key}#{c.id}", c.description, page.key, _rel(project, rubric.file),
                          c.line, True)
            _add(rows, c.competencies(), ev, fw)


def curriculum_coverage(courses: list[Coverage]) -> list[Coverage]:
    """One coverage per framework over every course that names it."""
    by_fw: dict[str, list[Coverage]] = {}
    for c in courses:
        by_fw.setdefault(c.framework.key, []).append(c)
    out = []
    for key, group in sorted(by_fw.items()):
        fw = group[0].framework
        rows = _empty_rows(fw)
        for c in group:
            for cid, r in c.rows.items():
                row = rows[cid]
                row.assessed_by += r.assessed_by
                row.addressed_by += r.addressed_by
                if r.assessed_by and c.scope not in row.courses:
                    row.courses.append(c.scope)
        out.append(Coverage("curriculum", f"Whole curriculum: {fw.shortname}", fw, rows,
                            courses=[c.scope for c in group]))
    return out


@dataclass
class Report:
    courses: list[Coverage]
    curriculum: list[Coverage]
    without_framework: list[str]       # course ids with no framework: nothing to measure


@dataclass
class CoverageFacts:
    """A course's coverage without the framework objects: what the build cache keeps per course.
    Rows are competency ids; :func:`from_facts` rebuilds the :class:`Coverage` against the framework
    loaded now (the cache key covers frameworks/, so the ids still mean the same)."""

    scope: str
    title: str
    framework: str
    activities: list[Activity]
    evidence: dict[str, tuple[list[Evidence], list[Evidence]]]   # id -> (assessed by, addressed by)


def to_facts(cov: Coverage) -> CoverageFacts:
    return CoverageFacts(cov.scope, cov.title, cov.framework.key, list(cov.activities),
                         {cid: (list(r.assessed_by), list(r.addressed_by)) for cid, r in cov.rows.items()
                          if r.assessed_by or r.addressed_by})


def from_facts(facts: CoverageFacts, fw: Framework) -> Coverage:
    rows = _empty_rows(fw)
    for cid, (assessed, addressed) in facts.evidence.items():
        rows[cid].assessed_by = list(assessed)
        rows[cid].addressed_by = list(addressed)
    return Coverage(facts.scope, facts.title, fw, rows, activities=list(facts.activities), courses=[facts.scope])


def build_report(project: Project) -> Report:
    return report_from([course_coverage(project, c) or c.id for c in project.courses])


def report_from(courses: list[Coverage | str]) -> Report:
    """The report of courses in order: each a Coverage, or the id of a course with no framework."""
    covs = [c for c in courses if not isinstance(c, str)]
    return Report(covs, curriculum_coverage(covs), [c for c in courses if isinstance(c, str)])
