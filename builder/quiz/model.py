"""The compiled quiz and question model.

Text fields that hold Markdown are :class:`Md` (source text plus where it
came from); the renderer fills in ``html``. Gap and cloze placeholders are
kept as tokens (:func:`slot_token`) through Markdown rendering and put back
by each writer in its own form (``[[n]]``, ``{#n}``, the cloze source).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# Moodle accepts only these fractions for answers (question_bank::fraction_options_full),
# and refuses to import others. Negatives of each are allowed too.
FRACTIONS = (1.0, 0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4, 0.3333333, 0.3, 0.25, 0.2,
             0.1666667, 0.1428571, 0.125, 0.1111111, 0.1, 0.05, 0.0)

QTYPES = ("multichoice", "truefalse", "shortanswer", "numerical", "matching", "essay", "cloze", "ddwtos",
          "gapselect", "description")
QTYPE_ALIASES = {"match": "matching", "multianswer": "cloze", "drag-drop-text": "ddwtos",
                 "select-missing-words": "gapselect", "multiple-choice": "multichoice", "true-false": "truefalse",
                 "short-answer": "shortanswer"}
# Moodle's own qtype names
MOODLE_QTYPE = {"matching": "match", "cloze": "multianswer"}


def canonical_fraction(f: float) -> float | None:
    """The Moodle fraction nearest to ``f`` when within 0.01 percentage points, else None."""
    sign = -1.0 if f < 0 else 1.0
    for v in FRACTIONS:
        if abs(abs(f) - v) < 0.0001:
            return sign * v if v else 0.0
    return None


def slot_token(n: int) -> str:
    """A placeholder that survives Markdown and sanitising untouched."""
    return f"cpslot{n}x"


@dataclass
class Md:
    text: str
    file: Path
    line: int                 # 1-based file line of text's first line
    html: str = ""
    exact: bool = True        # positions inside text map to file lines


@dataclass
class Answer:
    text: str                 # plain text (shortanswer, numerical, truefalse) or Markdown (multichoice)
    fraction: float
    feedback: Md | None
    line: int
    col: int = 1
    tolerance: float = 0.0    # numerical
    md: Md | None = None      # multichoice: the answer as Markdown, rendered
    feedback_text: str = ""   # cloze: feedback as written inside the braces (HTML)


@dataclass
class Choice:
    """A ddwtos/gapselect choice."""
    text: str
    group: int


@dataclass
class MatchPair:
    question: Md | None       # None: an extra answer with no question
    answer: str


@dataclass
class NumUnit:
    unit: str
    multiplier: float


@dataclass
class ClozePart:
    """One embedded answer of a cloze question."""
    index: int                # position, 1-based
    source: str               # the {…} text as written
    weight: int
    kind: str                 # shortanswer | numerical | multichoice
    usecase: bool = False
    single: bool = True
    shuffle: bool = False
    layout: int = 0           # 0 dropdown, 1 vertical, 2 horizontal
    answers: list[Answer] = field(default_factory=list)


@dataclass
class Question:
    id: str                   # stable id (Moodle idnumber)
    name: str
    qtype: str                # one of QTYPES
    text: Md
    file: Path
    line: int                 # heading line
    category: "Category | None" = None
    mark: float = 1.0
    penalty: float = 0.3333333
    general_feedback: Md | None = None
    correct_feedback: Md | None = None
    partial_feedback: Md | None = None
    incorrect_feedback: Md | None = None
    hints: list[Md] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    competencies: list[str] = field(default_factory=list)
    competency_pos: list[tuple[int, int]] = field(default_factory=list)
    links: dict = field(default_factory=dict)     # framework key (or None) -> resolved competency links
    sources: list = field(default_factory=list)
    status: str = "ready"
    answers: list[Answer] = field(default_factory=list)
    # type options
    single: bool = True
    shuffle: bool = True
    numbering: str = "abc"
    show_instruction: bool = False
    case_sensitive: bool = False
    units: list[NumUnit] = field(default_factory=list)
    unit_penalty: float = 0.1
    unit_required: bool = False
    pairs: list[MatchPair] = field(default_factory=list)
    choices: list[Choice] = field(default_factory=list)
    gaps: list[int] = field(default_factory=list)          # choice number of each gap, in text order
    infinite: bool = False
    cloze: list[ClozePart] = field(default_factory=list)
    response: str = "editor"
    response_lines: int = 15
    min_words: int = 0
    max_words: int = 0
    attachments: int = 0
    attachments_required: int = 0
    response_required: bool = True
    response_template: Md | None = None
    grader_info: Md | None = None

    def __repr__(self) -> str:      # short: questions and categories refer to each other
        return f"Question({self.id!r}, {self.qtype})"

    @property
    def key(self) -> str:
        assert self.category is not None
        return f"{self.category.key}/{self.id}"

    @property
    def moodle_qtype(self) -> str:
        return MOODLE_QTYPE.get(self.qtype, self.qtype)

    @property
    def usable_by_random(self) -> bool:
        return self.qtype != "description"

    def md_fields(self) -> list[Md]:
        out = [self.text]
        for m in (self.general_feedback, self.correct_feedback, self.partial_feedback, self.incorrect_feedback,
                  self.response_template, self.grader_info):
            if m is not None:
                out.append(m)
        out += self.hints
        for a in self.answers:
            if a.md is not None:
                out.append(a.md)
            if a.feedback is not None:
                out.append(a.feedback)
        for p in self.pairs:
            if p.question is not None:
                out.append(p.question)
        return out


@dataclass
class Category:
    id: str                   # file stem, or the quiz's key for a quiz's own questions
    name: str
    scope: str                # quiz | course | shared
    file: Path
    key: str                  # unique within a build: "<course or shared>/<id>"
    info: Md | None = None
    questions: list[Question] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"Category({self.key!r}, {len(self.questions)} questions)"


@dataclass
class Slot:
    question: Question | None         # fixed slot
    category: Category | None = None  # random slot
    mark: float = 1.0
    line: int = 1

    @property
    def is_random(self) -> bool:
        return self.question is None


# quiz review options: Moodle's mod_quiz\question\display_options bit masks
REVIEW_TIMES = {"during": 0x10000, "immediately": 0x01000, "open": 0x00100, "closed": 0x00010}
REVIEW_ITEMS = ("attempt", "correctness", "max_marks", "marks", "specific_feedback", "general_feedback",
                "right_answer", "overall_feedback")
REVIEW_DEFAULTS = {  # Moodle's defaults for a new quiz
    "attempt": 0x11110, "correctness": 0x11110, "max_marks": 0x11110, "marks": 0x11110,
    "specific_feedback": 0x11110, "general_feedback": 0x11110, "right_answer": 0x11110,
    "overall_feedback": 0x01110,
}


@dataclass
class Quiz:
    category: Category        # the quiz's own questions
    slots: list[Slot] = field(default_factory=list)
    intro: Md | None = None
    grade: float | None = None        # None: the sum of the marks
    pass_grade: float | None = None   # in grade points, after resolving a percentage
    pass_spec: str | float | None = None
    pass_pos: tuple[int, int] = (1, 1)
    attempts: int = 0
    grade_method: str = "highest"
    time_limit: int = 0               # seconds
    behaviour: str = "deferredfeedback"
    per_page: int = 1
    navigation: str = "free"
    shuffle_questions: bool = False
    shuffle_answers: bool = True
    review: dict[str, int] = field(default_factory=lambda: dict(REVIEW_DEFAULTS))
    completion: str = "grade"
    written: int = 0                              # questions written in the quiz file (read or not)
    refs: list = field(default_factory=list)      # unresolved question ids: (id, mark|None, line, col)
    draws: list = field(default_factory=list)     # unresolved random draws: (category, count, mark, line, col)

    @property
    def sumgrades(self) -> float:
        return round(sum(s.mark for s in self.slots), 7)

    @property
    def max_grade(self) -> float:
        return self.grade if self.grade is not None else self.sumgrades
