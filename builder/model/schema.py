"""Schemas of the authored metadata (course.yaml, unit and page front matter, sources.yaml).

These are the *input* models: what a writer may type. Unknown keys are
errors. The compiled model the packagers use lives in :mod:`builder.model.course`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal, Union

from pydantic import AfterValidator, Discriminator, Field, Tag, field_validator

from .base import Strict

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
LINES_RE = re.compile(r"^\s*\d+(\s*-\s*\d+)?(\s*,\s*\d+(\s*-\s*\d+)?)*\s*$")


def _valid_id(v: str) -> str:
    if not ID_RE.match(v):
        raise ValueError(f"'{v}' is not a valid id (lowercase letters, digits and hyphens)")
    return v


Id = Annotated[str, AfterValidator(_valid_id)]


def parse_lines(spec: str | int | None) -> list[tuple[int, int]]:
    """'700-706, 710' -> [(700, 706), (710, 710)]"""
    if spec is None:
        return []
    out = []
    for part in str(spec).split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            a, b = (int(x) for x in part.split("-", 1))
        else:
            a = b = int(part)
        out.append((a, b))
    return out


def _check_lines(v):
    if v is None:
        return v
    if isinstance(v, bool) or not isinstance(v, (int, str)):
        raise ValueError("lines must look like '700-706' or '12, 40-44'")
    if not LINES_RE.match(str(v)):
        raise ValueError(f"lines must look like '700-706' or '12, 40-44', got '{v}'")
    for a, b in parse_lines(v):
        if a < 1 or b < a:
            raise ValueError(f"line range '{a}-{b}' is empty or starts before line 1")
    return str(v)


def _check_pass(v):
    """A pass grade: grade points (a number) or a percentage such as '70%'."""
    if v is None:
        return v
    if isinstance(v, bool):
        raise ValueError("pass must be a number of grade points or a percentage such as '70%'")
    if isinstance(v, (int, float)):
        if v <= 0:
            raise ValueError("pass must be more than 0")
        return float(v)
    m = re.match(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$", v)
    if not m or not 0 < float(m.group(1)) <= 100:
        raise ValueError(f"pass must be a number or a percentage between 1% and 100%, not '{v}'")
    return v.strip()


class SourceCite(Strict):
    """A citation in a unit's ``sources:`` list."""

    ref: str = Field(min_length=1)
    lines: Union[str, int, None] = None
    note: str | None = None

    _v_lines = field_validator("lines")(classmethod(lambda cls, v: _check_lines(v)))


def _check_mastery(v):
    """A percentage: 80 or '80%'."""
    if v is None:
        return v
    text = str(v).strip()
    num = text[:-1].strip() if text.endswith("%") else text
    try:
        pct = float(num)
    except ValueError:
        raise ValueError(f"mastery_score must be a percentage such as 80 or '80%', not '{v}'") from None
    if not 0 < pct <= 100:
        raise ValueError(f"mastery_score must be between 1 and 100 (per cent), not {pct:g}")
    return pct



class SharedUnitRef(Strict):
    """``- shared: <id>`` in course.yaml: a unit kept once in units/<id>/ and used by several courses."""

    shared: Id


def _unit_entry_kind(v) -> str:
    return "shared" if isinstance(v, (dict, SharedUnitRef)) else "own"


# a course's own unit id, or `shared: <id>`; only the matching form's error is reported
UnitEntry = Annotated[Union[Annotated[Id, Tag("own")], Annotated[SharedUnitRef, Tag("shared")]],
                      Discriminator(_unit_entry_kind)]


class CourseMeta(Strict):
    """courses/<id>/course.yaml"""

    title: str = Field(min_length=1, max_length=254)
    shortname: str = Field(min_length=1, max_length=100)
    summary: str = Field(min_length=1)
    hours: float = Field(gt=0, le=1000)
    audience: str = Field(min_length=1)
    framework: str | None = None
    start_date: date | None = None
    competency_outcome: Literal["none", "evidence", "recommend", "complete"] = "evidence"
    mastery_score: Union[float, str, None] = None     # SCORM: the course score (%) that counts as passed
    language: str = Field(default="en", pattern=r"^[a-z]{2}(_[a-z]{2})?$")
    idnumber: str | None = Field(default=None, max_length=100)
    units: list[UnitEntry] = Field(default_factory=list)
    allow_terms: list[str] = Field(default_factory=list)      # language check: terms allowed here (CP6xx)

    _v_mastery = field_validator("mastery_score")(classmethod(lambda cls, v: _check_mastery(v)))


class UnitMeta(Strict):
    """Front matter of units/<id>/unit.md or units/<id>.md"""

    title: str = Field(min_length=1, max_length=255)
    hours: float = Field(gt=0, le=1000)
    summary: str = Field(min_length=1)
    outcomes: list[str] = Field(min_length=1)
    sources: list[Union[str, SourceCite]] = Field(min_length=1)
    pages: list[str] | None = None
    allow_terms: list[str] = Field(default_factory=list)      # language check: terms allowed here (CP6xx)

    @field_validator("outcomes")
    @classmethod
    def _outcomes(cls, v):
        for o in v:
            if not isinstance(o, str) or not o.strip():
                raise ValueError("each outcome must be a non-empty sentence")
        return v


class PageMeta(Strict):
    """Front matter of a page file (optional)."""

    title: str | None = Field(default=None, min_length=1, max_length=255)
    type: Literal["page", "label"] = "page"
    description: str | None = None
    completion: Literal["view", "manual", "none"] | None = None
    competencies: list[Union[str, int, float]] = Field(default_factory=list)
    allow_terms: list[str] = Field(default_factory=list)      # language check: terms allowed here (CP6xx)


DUE_RE = re.compile(r"^\s*(\d+)\s*(day|days|week|weeks)\s*$")


class EssayMeta(Strict):
    """Front matter of a reflective essay (a page file with ``type: essay``): a Moodle assignment."""

    type: Literal["essay"]
    title: str | None = Field(default=None, min_length=1, max_length=255)
    description: str | None = None
    rubric: str = Field(min_length=1)
    word_limit: int | None = Field(default=None, ge=1, le=100000)
    submission: list[Literal["online_text", "file"]] = Field(default_factory=lambda: ["online_text"], min_length=1)
    max_files: int = Field(default=1, ge=1, le=20)
    due: str | None = None
    pass_: Union[float, str, None] = Field(default=None, alias="pass")
    completion: Literal["submit", "grade", "view", "manual", "none"] = "submit"
    competency_outcome: Literal["none", "evidence", "recommend", "complete"] | None = None
    competencies: list[Union[str, int, float]] = Field(default_factory=list)
    allow_terms: list[str] = Field(default_factory=list)      # language check: terms allowed here (CP6xx)

    model_config = Strict.model_config | {"populate_by_name": True}
    _v_pass = field_validator("pass_")(classmethod(lambda cls, v: _check_pass(v)))

    @field_validator("due")
    @classmethod
    def _due(cls, v):
        if v is not None and not DUE_RE.match(str(v)):
            raise ValueError(f"due must look like '7 days' or '2 weeks' (after the course start), not '{v}'")
        return v

    @field_validator("submission")
    @classmethod
    def _submission(cls, v):
        if len(set(v)) != len(v):
            raise ValueError("each submission type once")
        return v

    @property
    def due_days(self) -> int | None:
        if self.due is None:
            return None
        m = DUE_RE.match(self.due)
        assert m is not None
        return int(m.group(1)) * (7 if m.group(2).startswith("week") else 1)


class BibEntry(Strict):
    """One document of sources.yaml."""

    title: str = Field(min_length=1)
    author: str | None = None
    publisher: str | None = None
    year: int | None = Field(default=None, ge=1900, le=2100)
    url: str | None = None
    seed: str | None = None
    lines: Union[str, int, None] = None
    note: str | None = None

    _v_lines = field_validator("lines")(classmethod(lambda cls, v: _check_lines(v)))

    @field_validator("url")
    @classmethod
    def _url(cls, v):
        if v is not None and not re.match(r"^https://", v):
            raise ValueError("url must start with https://")
        return v


# --------------------------------------------------------------------------
# quizzes and questions

class QuizQuestionRef(Strict):
    id: str = Field(min_length=1)
    mark: float | None = Field(default=None, ge=0, le=1000)


class RandomDraw(Strict):
    category: str = Field(min_length=1)
    count: int = Field(default=1, ge=1, le=500)
    mark: float = Field(default=1, ge=0, le=1000)


ReviewTime = Literal["during", "immediately", "open", "closed"]


class QuizReview(Strict):
    attempt: list[ReviewTime] | None = None
    correctness: list[ReviewTime] | None = None
    max_marks: list[ReviewTime] | None = None
    marks: list[ReviewTime] | None = None
    specific_feedback: list[ReviewTime] | None = None
    general_feedback: list[ReviewTime] | None = None
    right_answer: list[ReviewTime] | None = None
    overall_feedback: list[ReviewTime] | None = None


class QuizMeta(Strict):
    """Front matter of a quiz file (a page file with ``type: quiz``)."""

    model_config = Strict.model_config | {"populate_by_name": True}

    type: Literal["quiz"]
    title: str | None = Field(default=None, min_length=1, max_length=255)
    description: str | None = None
    pass_: Union[float, str, None] = Field(default=None, alias="pass")
    grade: float | None = Field(default=None, gt=0, le=10000)
    attempts: int = Field(default=0, ge=0, le=100)
    grade_method: Literal["highest", "average", "first", "last"] = "highest"
    time_limit: float = Field(default=0, ge=0, le=10000)
    behaviour: Literal["deferredfeedback", "adaptive", "adaptivenopenalty", "interactive",
                       "immediatefeedback", "deferredcbm", "immediatecbm"] = "deferredfeedback"
    per_page: int = Field(default=1, ge=0, le=100)
    navigation: Literal["free", "sequential"] = "free"
    shuffle_questions: bool = False
    shuffle_answers: bool = True
    review: QuizReview | None = None
    completion: Literal["pass", "grade", "view", "manual", "none"] | None = None
    competency_outcome: Literal["none", "evidence", "recommend", "complete"] | None = None
    competencies: list[Union[str, int, float]] = Field(default_factory=list)
    questions: list[Union[str, QuizQuestionRef]] = Field(default_factory=list)
    random: list[RandomDraw] = Field(default_factory=list)
    allow_terms: list[str] = Field(default_factory=list)      # language check: terms allowed here (CP6xx)

    _v_pass = field_validator("pass_")(classmethod(lambda cls, v: _check_pass(v)))


class NumericalUnit(Strict):
    unit: str = Field(min_length=1, max_length=50)
    multiplier: float = Field(gt=0)


class QuestionMeta(Strict):
    """The settings lines under a question heading."""

    type: str | None = None
    mark: float | None = Field(default=None, ge=0, le=1000)
    penalty: float | None = Field(default=None, ge=0, le=1)
    tags: list[str] = Field(default_factory=list)
    competencies: list[Union[str, int, float]] = Field(default_factory=list)
    sources: list[Union[str, SourceCite]] = Field(default_factory=list)
    status: Literal["ready", "draft"] = "ready"
    # multichoice
    single: bool | None = None
    numbering: Literal["abc", "ABCD", "123", "iii", "IIII", "none"] | None = None
    show_instruction: bool | None = None
    # multichoice, matching, ddwtos, gapselect
    shuffle: bool | None = None
    # shortanswer
    case_sensitive: bool | None = None
    # numerical
    units: list[NumericalUnit] | None = None
    unit_penalty: float | None = Field(default=None, ge=0, le=1)
    unit_required: bool | None = None
    # ddwtos
    infinite: bool | None = None
    # essay
    response: Literal["editor", "editorfilepicker", "plain", "monospaced", "noinline"] | None = None
    lines: int | None = Field(default=None, ge=5, le=40)
    min_words: int | None = Field(default=None, ge=0)
    max_words: int | None = Field(default=None, ge=0)
    attachments: int | None = Field(default=None, ge=-1, le=3)
    attachments_required: int | None = Field(default=None, ge=0, le=3)
    required: bool | None = None

    @field_validator("tags")
    @classmethod
    def _tags(cls, v):
        for t in v:
            if not t.strip() or len(t) > 50:
                raise ValueError("each tag must be 1 to 50 characters")
        return v


# which type-specific settings apply to which question types
QUESTION_SETTING_TYPES = {
    "single": {"multichoice"}, "numbering": {"multichoice"}, "show_instruction": {"multichoice"},
    "shuffle": {"multichoice", "matching", "ddwtos", "gapselect"},
    "case_sensitive": {"shortanswer"},
    "units": {"numerical"}, "unit_penalty": {"numerical"}, "unit_required": {"numerical"},
    "infinite": {"ddwtos"},
    "response": {"essay"}, "lines": {"essay"}, "min_words": {"essay"}, "max_words": {"essay"},
    "attachments": {"essay"}, "attachments_required": {"essay"}, "required": {"essay"},
}


class QuestionFileMeta(Strict):
    """Front matter of a question file (a category of a question bank)."""

    name: str | None = Field(default=None, min_length=1, max_length=255)
    info: str | None = None
    allow_terms: list[str] = Field(default_factory=list)      # language check: terms allowed here (CP6xx)
