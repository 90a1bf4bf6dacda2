"""What the SCORM player needs to know about a course, as plain data (serialised to JSON).

The player (static/player.js) shows the pages, scores the quizzes in the browser and keeps
the learner's progress in ``suspend_data``. SCORM 1.2 guarantees only 4,096 characters of it
(2004: 64,000), so the state format is compact and its worst case is computed here, from the
same rules the player uses, before anything is built (``state_budget``).

State (the player writes exactly this):
    "1|" + seen + "|" + quiz states joined by ";"
    seen   = one character per 6 pages (a bit set in a 64-letter alphabet)
    quiz   = attempts (1 base-36 character, at most 35) + best score % (2 base-36 characters)
             + the last attempt's responses, one per slot, joined by ","
Responses:
    multichoice       base 36 of the bit mask of the chosen answers
    truefalse         "t" or "f"
    shortanswer       encodeURIComponent(text), cut to 60 characters (never inside a %XX)
    numerical         the same, cut to 30
    matching, gaps    one fixed-width base-36 index per item ("_" padded when unanswered)
    cloze             the parts joined by ":" (choices as one base-36 index; text as above, cut to 30)
"""

from __future__ import annotations

import math

from ...model.course import Course, Page
from ...quiz.model import Question

STATE_LIMITS = {"scorm12": 4096, "scorm2004": 64000}
TEXT_CAP = {"shortanswer": 60, "numerical": 30, "cloze": 30}
SCORED = ("multichoice", "truefalse", "shortanswer", "numerical", "matching", "ddwtos", "gapselect", "cloze")


def _b36_width(n: int) -> int:
    """Characters needed to write the numbers 0..n-1 in base 36 (at least 1)."""
    return len(_b36(max(n - 1, 0)))


def _mask_width(n: int) -> int:
    return len(_b36(2 ** n - 1)) if n else 0


def _b36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


def response_width(q: Question) -> int:
    """The longest response the player can store for this question."""
    t = q.qtype
    if t == "multichoice":
        return _mask_width(len(q.answers))
    if t == "truefalse":
        return 1
    if t in ("shortanswer", "numerical"):
        return TEXT_CAP[t]
    if t == "matching":
        return len([p for p in q.pairs if p.question is not None]) * _b36_width(len(matching_options(q)))
    if t in ("ddwtos", "gapselect"):
        return len(q.gaps) * _b36_width(len(q.choices))
    if t == "cloze":
        widths = [(_b36_width(len(p.answers)) if p.kind == "multichoice" else TEXT_CAP["cloze"]) for p in q.cloze]
        return sum(widths) + max(len(widths) - 1, 0)
    return 0


def matching_options(q: Question) -> list[str]:
    """The answers of a matching question, in a fixed order (sorted: the player shows them sorted)."""
    return sorted({p.answer for p in q.pairs}, key=lambda s: (s.lower(), s))


def scorable(q: Question) -> bool:
    return q.qtype in SCORED


def quiz_slots(page: Page) -> list[tuple[float, list[Question]]]:
    """(mark, candidate questions) of each slot the player can score: one question for a fixed slot,
    the pool of a random one. Essays and descriptions are left out (marked in the LMS, or nothing to mark)."""
    out = []
    for slot in page.quiz.slots:
        pool = [slot.question] if slot.question is not None else list(slot.category.questions)
        pool = [q for q in pool if scorable(q)]
        if pool:
            out.append((slot.mark, pool))
    return out


def state_budget(course: Course) -> int:
    """The longest suspend_data the player can write for this course."""
    pages = len(course.pages()) + 1          # the player's welcome page is page 0
    total = len("1|") + math.ceil(pages / 6) + len("|")
    quizzes = [p for p in course.pages() if p.kind == "quiz" and p.quiz is not None]
    for i, page in enumerate(quizzes):
        slots = quiz_slots(page)
        total += 3 + sum(max(response_width(q) for q in pool) for _, pool in slots) + max(len(slots) - 1, 0)
        total += 1 if i else 0
    return total
