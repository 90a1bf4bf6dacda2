"""The compiled model handed from validation to rendering and packaging.

Plain dataclasses: by the time something is one of these, it is valid.
Every item has a ``key``: a stable, human-readable path derived from the
source layout (``course/unit/page``). Ids in the built packages are derived
from these keys, never from counters or clocks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # pragma: no cover
    from ..competency.model import Framework, Link, Rubric
    from ..quiz.model import Category, Quiz


@dataclass(frozen=True)
class Asset:
    """A file referenced from content (an image, a PDF)."""

    path: Path            # absolute, resolved
    relpath: str          # posix path relative to the course folder
    sha1: str
    size: int
    mimetype: str
    width: int | None = None
    height: int | None = None

    @property
    def name(self) -> str:
        return self.relpath.rsplit("/", 1)[-1]

    def read(self) -> bytes:
        return self.path.read_bytes()


@dataclass
class Rendered:
    """Sanitised HTML with neutral references that each output format rewrites.

    Images and file links appear as ``cp-asset:<relpath>`` (percent-encoded); links to other
    pages of the course as ``cp-page:<page key>`` (optionally ``#fragment``).
    """

    html: str
    assets: list[Asset] = field(default_factory=list)
    page_links: list[str] = field(default_factory=list)


@dataclass
class Citation:
    ref: str
    lines: str | None = None
    note: str | None = None


@dataclass
class Essay:
    """A reflective essay: a Moodle assignment graded with a rubric."""

    rubric_key: str
    rubric_pos: tuple[int, int]
    word_limit: int | None
    submission: list[str]
    max_files: int
    due_days: int | None
    due_pos: tuple[int, int]
    pass_: float | str | None
    pass_pos: tuple[int, int]
    completion: str                       # submit | grade | view | manual | none
    competency_outcome: str | None
    rubric: "Rubric | None" = None

    def pass_points(self) -> float | None:
        if self.pass_ is None or self.rubric is None:
            return None
        top = self.rubric.top_score
        if isinstance(self.pass_, str):
            return round(top * float(self.pass_.rstrip("% ")) / 100, 5)
        return float(self.pass_)


@dataclass
class Page:
    course_id: str
    unit_id: str
    id: str
    title: str
    kind: Literal["page", "label", "quiz", "essay"]
    markdown: str
    file: Path
    body_line: int                    # 1-based file line where ``markdown`` starts
    description: str | None = None
    completion: str = "view"          # page/label: view | manual | none; quiz: pass | grade | view | manual | none
    rendered: Rendered | None = None
    quiz: "Quiz | None" = None
    essay: Essay | None = None
    competency_refs: list = field(default_factory=list)     # as written: (ref, line, col)
    links: list["Link"] = field(default_factory=list)        # resolved competency links of the page itself
    competency_outcome: str | None = None                    # quiz/essay: overrides the course's

    def __repr__(self) -> str:      # short: pages, units and courses refer to each other
        return f"Page({self.key!r}, {self.kind})"

    @property
    def key(self) -> str:
        return f"{self.course_id}/{self.unit_id}/{self.id}"


@dataclass
class Unit:
    course_id: str
    id: str
    title: str
    hours: float
    summary_md: str
    outcomes: list[str]
    sources: list[Citation]
    pages: list[Page]
    file: Path                        # the unit file (unit.md or <id>.md)
    folder: Path                      # folder holding the unit's files
    summary_line: int = 1             # line of 'summary:' in the unit file
    summary: Rendered | None = None
    shared: bool = False              # kept once in units/<id>/ at the repository root
    boundary: Path | None = None      # what its links may reach (shared units: their own folder)

    def __repr__(self) -> str:
        return f"Unit({self.key!r})"

    @property
    def key(self) -> str:
        return f"{self.course_id}/{self.id}"


@dataclass
class Course:
    id: str
    folder: Path
    file: Path
    title: str
    shortname: str
    summary_md: str
    hours: float
    audience: str
    framework: str | None
    language: str
    idnumber: str | None
    units: list[Unit]
    summary_line: int = 1             # line of 'summary:' in course.yaml
    summary: Rendered | None = None
    question_files: list["Category"] = field(default_factory=list)   # courses/<id>/questions/*.md
    categories: list["Category"] = field(default_factory=list)       # the whole bank, after resolving
    start_date: "date | None" = None
    competency_outcome: str = "evidence"
    framework_pos: tuple[int, int] = (1, 1)
    shortname_pos: tuple[int, int] = (1, 1)
    idnumber_pos: tuple[int, int] = (1, 1)
    mastery_score: float | None = None  # SCORM: course score (%) that counts as passed

    def __repr__(self) -> str:
        return f"Course({self.id!r})"

    @property
    def key(self) -> str:
        return self.id

    def quizzes(self) -> list[Page]:
        return [p for p in self.pages() if p.kind == "quiz" and p.quiz is not None]

    def pages(self) -> list[Page]:
        return [p for u in self.units for p in u.pages]


@dataclass
class BibEntry:
    id: str
    title: str
    author: str | None = None
    publisher: str | None = None
    year: int | None = None
    url: str | None = None
    seed: str | None = None
    lines: str | None = None
    note: str | None = None

    def cite(self) -> str:
        who = self.author or self.publisher
        bits = [b for b in (who, f"({self.year})" if self.year else None) if b]
        head = " ".join(bits)
        return f"{head}. {self.title}" if head else self.title


@dataclass
class Project:
    root: Path
    courses: list[Course] = field(default_factory=list)
    bibliography: dict[str, BibEntry] = field(default_factory=dict)
    frameworks: dict[str, "Framework"] = field(default_factory=dict)
    rubrics: dict[str, "Rubric"] = field(default_factory=dict)
    shared_categories: list["Category"] = field(default_factory=list)  # questions/*.md
    shared_units_used: set[str] = field(default_factory=set)           # units/<id> listed by a course
    skipped_files: set[Path] = field(default_factory=set)  # sources that failed to load (no cascades)
    broken_frameworks: set[str] = field(default_factory=set)  # frameworks/*.yaml stems with errors

    def __repr__(self) -> str:
        return f"Project({str(self.root)!r}, {len(self.courses)} courses)"
