"""Read questions written in Markdown (see README, "Quizzes and questions").

    ## Question name {#stable-id}
    type: multichoice            <- settings: YAML lines right under the heading
    mark: 2

    Question text in Markdown.

    - [x] a right answer
      > its feedback
    - [ ] a wrong answer

    ### Feedback
    General feedback.

Every problem becomes a diagnostic with the file and line; one bad question
never hides the problems of the next.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

from .. import codes
from ..diagnostics import Diagnostics
from ..load.files import Positions
from ..model import schema
from ..model.base import load_validated
from ..render import mdscan
from . import cloze as cloze_lib
from .model import (QTYPE_ALIASES, QTYPES, Answer, Category, Choice, MatchPair, Md, NumUnit, Question,
                    canonical_fraction, slot_token)

_META_LINE = re.compile(r"^[A-Za-z_][\w-]*\s*:(\s|$)")
_ITEM = re.compile(r"^([-*+])\s+(.*)$")
_MARKER = re.compile(r"^\[\s*(x|X|\s?|[+-]?\d+(?:\.\d+)?\s*%)\s*\](?:\s+|$)(.*)$")
_GAP = re.compile(r"\[\[([^\[\]\n]*?)\]\]")
_NUM_ANSWER = re.compile(r"^\s*(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*(?:(?:±|\+-|\+/-)\s*(\d+(?:\.\d+)?(?:[eE][-+]?\d+)?))?\s*$")

SECTIONS = {
    "feedback": "general", "general feedback": "general",
    "if correct": "correct", "correct feedback": "correct",
    "if partially correct": "partial", "partially correct feedback": "partial",
    "if incorrect": "incorrect", "incorrect feedback": "incorrect",
    "hint": "hint",
    "response template": "template",
    "grader information": "grader", "information for graders": "grader",
}
MAX_GROUPS = {"ddwtos": 8, "gapselect": 20}


@dataclass
class RawItem:
    marker: str | None        # text inside [...] or None
    text: str
    feedback: str
    line: int                 # file line of the item
    col: int
    feedback_line: int = 0


@dataclass
class RawQuestion:
    title: str
    qid: str
    line: int                 # heading line (file)
    text: str = ""
    text_line: int = 0
    items: list[RawItem] = field(default_factory=list)
    items_line: int = 0
    sections: list[tuple[str, str, int, int]] = field(default_factory=list)  # (kind, text, line, heading line)


def split_questions(body: str, line0: int, file: Path,
                    diags: Diagnostics) -> tuple[str, list[tuple[str, str, int, list[str]]]]:
    """Split a body at level-2 headings: (text before, [(title, attrs, heading line, lines after it)])."""
    lines = body.split("\n")
    heads = mdscan.headings(lines)
    h2 = [h for h in heads if h.level == 2]
    for h in heads:
        if h.level == 1 and (not h2 or h.line > h2[0].line):
            diags.add(codes.HEADING_SKIP,
                      "a level-1 heading among the questions; each question starts with '## '",
                      file, line0 + h.line, 1)
    first = h2[0].line if h2 else len(lines)
    out = []
    for n, h in enumerate(h2):
        start = h.line + (2 if h.setext else 1)
        end = h2[n + 1].line if n + 1 < len(h2) else len(lines)
        out.append((h.text, h.attrs, line0 + h.line, lines[start:end]))
    return "\n".join(lines[:first]), out


def parse_questions(body: str, line0: int, file: Path, category: Category, diags: Diagnostics,
                    check_sources) -> tuple[str, list[Question], int]:
    """Parse the questions of a quiz or question file body.

    ``line0`` is the file line of the body's first line (and so of the text
    before the first question, the quiz introduction). Returns that text, the
    questions that could be read, and how many were written (read or not).
    """
    intro, chunks = split_questions(body, line0, file, diags)
    questions: list[Question] = []
    for title, attrs, hline, lines in chunks:
        q = parse_one(title, attrs, hline, lines, file, diags, check_sources)
        if q is not None:
            q.category = category
            questions.append(q)
    return intro, questions, len(chunks)


def parse_one(title: str, attrs: str, hline: int, lines: list[str], file: Path, diags: Diagnostics,
              check_sources) -> Question | None:
    if not title:
        diags.add(codes.MISSING_KEY, "question heading has no name", file, hline, 1)
        return None
    if len(title) > 255:
        diags.add(codes.TEXT_TOO_LONG, f"question name is {len(title)} characters; Moodle allows 255", file, hline, 1)
    qid = mdscan.attr_id(attrs) or mdscan.slugify(title)
    if not schema.ID_RE.match(qid) or len(qid) > 100:
        diags.add(codes.BAD_ID, f"question id '{qid}' is not valid (lowercase letters, digits and hyphens, "
                                "at most 100 characters)", file, hline, 1)
        return None
    # settings: the YAML lines right under the heading
    i = 0
    while i < len(lines) and lines[i].strip() and (_META_LINE.match(lines[i]) or (i > 0 and lines[i][:1] in " \t-")):
        i += 1
    meta = schema.QuestionMeta()
    doc = None
    if i:
        got = load_validated("\n".join(lines[:i]) + "\n", diags.rel(file), diags, schema.QuestionMeta,
                             "question settings", hline)
        if got is None:
            return None
        doc, meta = got
    raw = _split_body(lines, i, hline + 1, title, qid, hline)
    # question type
    qtype = None
    if meta.type is not None:
        t = meta.type.strip().lower()
        qtype = QTYPE_ALIASES.get(t, t)
        if qtype not in QTYPES:
            line, col = doc.pos(("type",)) if doc else (hline, 1)
            sugg = difflib.get_close_matches(t, list(QTYPES) + list(QTYPE_ALIASES), n=1, cutoff=0.6)
            diags.add(codes.UNKNOWN_QTYPE, f"unknown question type '{meta.type}'"
                      + (f"; did you mean '{QTYPE_ALIASES.get(sugg[0], sugg[0])}'?" if sugg else ""),
                      file, line, col)
            return None
    else:
        qtype = _infer_type(raw)
        if qtype is None:
            diags.add(codes.BAD_ANSWERS, f"question '{title}' has no answers",
                      file, hline, 1,
                      hint="End the question with answers such as '- [x] right' and '- [ ] wrong', or set "
                           "'type:' (essay, cloze, ddwtos, gapselect, description, …).")
            return None
    # settings that do not apply to this type
    if doc is not None:
        for key, types in schema.QUESTION_SETTING_TYPES.items():
            if getattr(meta, key) is not None and qtype not in types:
                line, col = doc.key_pos((key,))
                diags.add(codes.SETTING_NOT_FOR_TYPE,
                          f"'{key}' applies to {', '.join(sorted(types))} questions, not {qtype}", file, line, col)
    if not raw.text.strip() and qtype != "description" or (qtype == "description" and not raw.text.strip()):
        diags.add(codes.EMPTY_QUESTION, f"question '{title}' has no text", file, hline, 1)
        return None
    q = Question(id=qid, name=title, qtype=qtype, text=Md(raw.text, file, raw.text_line), file=file, line=hline)
    q.tags = list(meta.tags)
    q.status = meta.status
    q.competencies = [doc.text(("competencies", n), c) if doc else _comp_id(c)
                      for n, c in enumerate(meta.competencies)]
    q.competency_pos = [doc.pos(("competencies", n)) for n in range(len(meta.competencies))] if doc else []
    if meta.sources and check_sources is not None and doc is not None:
        q.sources = check_sources(meta, doc, file)
    # sections
    for kind, text, line, head_line in raw.sections:
        if kind.startswith("?"):
            name = kind[1:]
            sugg = difflib.get_close_matches(name.lower(), list(SECTIONS), n=1, cutoff=0.6)
            diags.add(codes.UNKNOWN_SECTION, f"unknown section '### {name}' in question '{title}'"
                      + (f"; did you mean '{sugg[0].capitalize()}'?" if sugg else ""), file, head_line, 1)
            continue
        md = Md(text, file, line)
        if kind == "general":
            q.general_feedback = md
        elif kind == "correct":
            q.correct_feedback = md
        elif kind == "partial":
            q.partial_feedback = md
        elif kind == "incorrect":
            q.incorrect_feedback = md
        elif kind == "hint":
            q.hints.append(md)
        elif kind in ("template", "grader"):
            if qtype != "essay":
                diags.add(codes.SETTING_NOT_FOR_TYPE, f"a '{'Response template' if kind == 'template' else 'Grader information'}' "
                          f"section applies to essay questions, not {qtype}", file, head_line, 1)
            elif kind == "template":
                q.response_template = md
            else:
                q.grader_info = md
    if q.correct_feedback or q.partial_feedback or q.incorrect_feedback:
        if qtype not in ("multichoice", "matching", "ddwtos", "gapselect"):
            diags.add(codes.SETTING_NOT_FOR_TYPE, f"'If correct/partially correct/incorrect' feedback applies to "
                      f"multichoice, matching, ddwtos and gapselect questions, not {qtype}", file, hline, 1)
    # defaults by type
    q.mark = meta.mark if meta.mark is not None else (0.0 if qtype == "description" else 1.0)
    q.penalty = meta.penalty if meta.penalty is not None else (
        1.0 if qtype == "truefalse" else 0.0 if qtype in ("essay", "description") else 0.3333333)
    if qtype == "description" and q.mark:
        diags.add(codes.SETTING_NOT_FOR_TYPE, "a description has no mark; remove 'mark:'", file, hline, 1)
    ok = _BUILDERS[qtype](q, raw, meta, doc, diags)
    return q if ok else None


def _comp_id(c) -> str:
    if isinstance(c, float) and c.is_integer():
        return str(int(c))
    return str(c)


def _split_body(lines: list[str], start: int, first_line: int, title: str, qid: str, hline: int) -> RawQuestion:
    """Text, trailing answer list and ### sections of one question."""
    raw = RawQuestion(title, qid, hline)
    rest = lines[start:]
    base = first_line + start           # file line of rest[0]
    secs = mdscan.sections(rest, 3)
    main_end = secs[0].heading.line if secs else len(rest)
    for sec in secs:
        h = sec.heading
        kind = SECTIONS.get(h.text.strip().lower().rstrip(":"), "?" + h.text)
        raw.sections.append((kind, "\n".join(sec.body).strip("\n"), base + sec.lead, base + h.line))
    main = rest[:main_end]
    # the trailing list: walk back over blank lines, items and indented continuations
    end = len(main)
    while end > 0 and not main[end - 1].strip():
        end -= 1
    k = end
    list_start = None
    while k > 0:
        line = main[k - 1]
        if not line.strip() or line[:1] in (" ", "\t"):
            k -= 1
            continue
        if _ITEM.match(line):
            list_start = k - 1
            k -= 1
            continue
        break
    if list_start is not None:
        # the block must start with an item line
        while list_start < end and not _ITEM.match(main[list_start]):
            list_start += 1
        items = _read_items(main[list_start:end], base + list_start)
        if items and (any(it.marker is not None for it in items) or all("=>" in it.text for it in items)):
            raw.items = items
            raw.items_line = base + list_start
            main = main[:list_start]
    lead = 0
    while lead < len(main) and not main[lead].strip():
        lead += 1
    raw.text = "\n".join(main[lead:]).rstrip()
    raw.text_line = base + lead
    return raw


def _read_items(lines: list[str], line0: int) -> list[RawItem]:
    items: list[RawItem] = []
    for n, line in enumerate(lines):
        m = _ITEM.match(line)
        if m and line[:1] not in (" ", "\t"):
            content = m.group(2)
            mm = _MARKER.match(content)
            marker = None
            if mm:
                marker = mm.group(1).strip()
                content = mm.group(2)
            items.append(RawItem(marker, content.strip(), "", line0 + n, len(m.group(1)) + 2))
            continue
        if not items:
            continue
        s = line.strip()
        if not s:
            continue
        it = items[-1]
        if s.startswith(">"):
            if not it.feedback:
                it.feedback_line = line0 + n
            it.feedback += ("\n" if it.feedback else "") + s[1:].lstrip()
        else:
            it.text += "\n" + s
    return items


def _infer_type(raw: RawQuestion) -> str | None:
    if not raw.items:
        return None
    if all(it.marker is None and "=>" in it.text for it in raw.items):
        return "matching"
    texts = sorted(it.text.strip().lower() for it in raw.items)
    if texts == ["false", "true"]:
        return "truefalse"
    return "multichoice"


def _marker_fraction(it: RawItem, q: Question, diags: Diagnostics, allow_negative: bool = True) -> float | None:
    """[x] -> 1, [ ] -> 0, [50%] -> 0.5 (checked against Moodle's list); None when invalid."""
    m = it.marker
    if m is None:
        diags.add(codes.BAD_ANSWERS, f"answer '{_short(it.text)}' has no [x], [ ] or [50%] mark", q.file, it.line, 1)
        return None
    if m.lower() == "x":
        return 1.0
    if m == "":
        return 0.0
    value = float(m.rstrip("%").strip()) / 100
    c = canonical_fraction(value)
    if c is None:
        diags.add(codes.INVALID_FRACTION, f"{m} is not a percentage Moodle accepts", q.file, it.line, it.col + 1)
        return None
    if c < 0 and not allow_negative:
        diags.add(codes.INVALID_FRACTION, f"{m}: {q.qtype} answers cannot be negative", q.file, it.line, it.col + 1)
        return None
    return c


def _short(s: str, n: int = 40) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"


def _feedback(it: RawItem, q: Question) -> Md | None:
    return Md(it.feedback, q.file, it.feedback_line or it.line) if it.feedback else None


def _no_items(q: Question, raw: RawQuestion, diags: Diagnostics, what: str) -> bool:
    if raw.items:
        diags.add(codes.BAD_ANSWERS, f"{what} questions take no answer list; remove it or change 'type:'",
                  q.file, raw.items_line, 1)
        return False
    return True


# -- builders per type -------------------------------------------------------------

def _multichoice(q: Question, raw: RawQuestion, meta, doc, diags: Diagnostics) -> bool:
    items = raw.items
    if len(items) < 2:
        diags.add(codes.BAD_ANSWERS, "a multiple-choice question needs at least two answers",
                  q.file, raw.items_line or q.line, 1)
        return False
    ok = True
    checked = [it for it in items if it.marker is not None and it.marker.lower() == "x"]
    explicit: list[float | None] = []
    for it in items:
        if it.marker is not None and it.marker.lower() not in ("x", ""):
            explicit.append(_marker_fraction(it, q, diags))
            ok = ok and explicit[-1] is not None
        else:
            if it.marker is None:
                _marker_fraction(it, q, diags)
                ok = False
            explicit.append(None)
    if not ok:
        return False
    single = meta.single if meta.single is not None else len(checked) <= 1
    fractions: list[float] = []
    if single:
        fractions = [1.0 if (it.marker or "").lower() == "x" else e if e is not None else 0.0
                     for it, e in zip(items, explicit)]
    else:
        partial = sum(e for e in explicit if e is not None and e > 0)
        share = (1.0 - partial) / len(checked) if checked else 0.0
        cshare = canonical_fraction(share) if checked else 0.0
        if checked and (cshare is None or cshare <= 0):
            diags.add(codes.INVALID_FRACTION, f"{len(checked)} right answers share {share * 100:.4g}% each, which "
                      "Moodle does not accept; write a percentage for each answer", q.file, checked[0].line, 1)
            return False
        for it, e in zip(items, explicit):
            if (it.marker or "").lower() == "x":
                fractions.append(cshare)
            elif e is not None:
                fractions.append(e)
            else:
                fractions.append(-(cshare or 0.0) if checked else 0.0)
    for it, f in zip(items, fractions):
        q.answers.append(Answer(text=it.text, fraction=f, feedback=_feedback(it, q), line=it.line, col=it.col,
                                md=Md(it.text, q.file, it.line, exact=False)))
    q.single = single
    if not any(f > 0 for f in fractions):
        diags.add(codes.NO_RIGHT_ANSWER, f"question '{q.name}' has no right answer", q.file, raw.items_line, 1)
        return False
    if single and max(fractions) < 1 - 1e-6:
        diags.add(codes.CANNOT_REACH_FULL_MARKS, f"no answer of '{q.name}' gives full marks (the best gives "
                  f"{max(fractions) * 100:g}%)", q.file, raw.items_line, 1,
                  hint="Mark the best answer [x], or set 'single: false' if several answers together give full marks.")
        return False
    if not single:
        total = sum(f for f in fractions if f > 0)
        if abs(total - 1) > 1e-5:
            diags.add(codes.CANNOT_REACH_FULL_MARKS, f"the right answers of '{q.name}' add up to {total * 100:.5g}%, "
                      "not 100%", q.file, raw.items_line, 1)
            return False
    q.shuffle = True if meta.shuffle is None else meta.shuffle
    q.numbering = meta.numbering or "abc"
    q.show_instruction = bool(meta.show_instruction) if meta.show_instruction is not None else not single
    return True


def _truefalse(q: Question, raw: RawQuestion, meta, doc, diags: Diagnostics) -> bool:
    items = raw.items
    texts = sorted(it.text.strip().lower() for it in items)
    if texts != ["false", "true"]:
        diags.add(codes.BAD_ANSWERS, "a true/false question needs exactly two answers, 'True' and 'False'",
                  q.file, raw.items_line or q.line, 1)
        return False
    right = [it for it in items if (it.marker or "").lower() == "x"]
    if any(it.marker not in ("x", "X", "") for it in items) or len(right) != 1:
        diags.add(codes.NO_RIGHT_ANSWER if not right else codes.BAD_ANSWERS,
                  "mark exactly one of True and False with [x] and the other with [ ]", q.file, raw.items_line, 1)
        return False
    by = {it.text.strip().lower(): it for it in items}
    for name in ("true", "false"):
        it = by[name]
        q.answers.append(Answer(text=name.capitalize(), fraction=1.0 if it in right else 0.0,
                                feedback=_feedback(it, q), line=it.line, col=it.col))
    return True


def _graded_items(q: Question, raw: RawQuestion, diags: Diagnostics, example: str):
    """(item, fraction) of each answer whose mark reads; None when there are no answers at all."""
    if not raw.items:
        diags.add(codes.BAD_ANSWERS, f"a {q.qtype} question needs answers such as '{example}'", q.file, q.line, 1)
        return None
    return [(it, _marker_fraction(it, q, diags, allow_negative=False)) for it in raw.items]


def _answers_from_items(q: Question, raw: RawQuestion, diags: Diagnostics, example: str, answer_of) -> bool:
    """Each graded item through ``answer_of(item, fraction)`` (an Answer, or None after reporting why) into
    q.answers; False if any item was wrong."""
    graded = _graded_items(q, raw, diags, example)
    if graded is None:
        return False
    ok = True
    for it, f in graded:
        a = answer_of(it, f) if f is not None else None
        if a is None:
            ok = False
        else:
            q.answers.append(a)
    return ok


def _shortanswer(q: Question, raw: RawQuestion, meta, doc, diags: Diagnostics) -> bool:
    def answer_of(it, f):
        if "\n" in it.text or not it.text.strip():
            diags.add(codes.BAD_ANSWERS, "a short answer must be a single line of text", q.file, it.line, it.col)
            return None
        return Answer(text=it.text.strip(), fraction=f, feedback=_feedback(it, q), line=it.line, col=it.col)

    if not _answers_from_items(q, raw, diags, "- [x] answer", answer_of):
        return False
    q.case_sensitive = bool(meta.case_sensitive)
    return _best_is_full(q, raw, diags)


def _best_is_full(q: Question, raw: RawQuestion, diags: Diagnostics) -> bool:
    fr = [a.fraction for a in q.answers]
    if not any(f > 0 for f in fr):
        diags.add(codes.NO_RIGHT_ANSWER, f"question '{q.name}' has no right answer", q.file, raw.items_line, 1)
        return False
    if max(fr) < 1 - 1e-6:
        diags.add(codes.CANNOT_REACH_FULL_MARKS, f"no answer of '{q.name}' gives full marks (the best gives "
                  f"{max(fr) * 100:g}%)", q.file, raw.items_line, 1)
        return False
    return True


def _numerical(q: Question, raw: RawQuestion, meta, doc, diags: Diagnostics) -> bool:
    def answer_of(it, f):
        text = it.text.strip()
        if text == "*":
            return Answer("*", f, _feedback(it, q), it.line, it.col)
        m = _NUM_ANSWER.match(text)
        if m is None:
            diags.add(codes.BAD_NUMBER, f"'{_short(text)}' is not a number", q.file, it.line, it.col + 4)
            return None
        return Answer(m.group(1), f, _feedback(it, q), it.line, it.col,
                      tolerance=float(m.group(2)) if m.group(2) else 0.0)

    if not _answers_from_items(q, raw, diags, "- [x] 4730", answer_of):
        return False
    if meta.units:
        if abs(meta.units[0].multiplier - 1) > 1e-12:
            line, col = doc.pos(("units", 0, "multiplier"))
            diags.add(codes.INVALID_VALUE, "the first unit is the base unit: its multiplier must be 1",
                      q.file, line, col)
            return False
        q.units = [NumUnit(u.unit, u.multiplier) for u in meta.units]
    q.unit_penalty = meta.unit_penalty if meta.unit_penalty is not None else 0.1
    q.unit_required = bool(meta.unit_required)
    return _best_is_full(q, raw, diags)


def _matching(q: Question, raw: RawQuestion, meta, doc, diags: Diagnostics) -> bool:
    ok = True
    for it in raw.items:
        if it.marker is not None or "=>" not in it.text:
            diags.add(codes.BAD_ANSWERS, "write each matching pair as '- item => its match' (no [x])",
                      q.file, it.line, it.col)
            ok = False
            continue
        left, right = it.text.split("=>", 1)
        left, right = left.strip(), " ".join(right.split())
        if not right:
            diags.add(codes.BAD_ANSWERS, "a matching pair needs an answer after '=>'", q.file, it.line, it.col)
            ok = False
            continue
        q.pairs.append(MatchPair(Md(left, q.file, it.line, exact=False) if left else None, right))
    if not ok:
        return False
    n_pairs = sum(1 for p in q.pairs if p.question is not None)
    if n_pairs < 2 or len(q.pairs) < 3:
        diags.add(codes.TOO_FEW_PAIRS, f"matching question '{q.name}' has {n_pairs} pair{'s' if n_pairs != 1 else ''} "
                  f"and {len(q.pairs)} answer{'s' if len(q.pairs) != 1 else ''}; Moodle needs at least 2 pairs and "
                  "3 answers", q.file, raw.items_line or q.line, 1)
        return False
    q.shuffle = True if meta.shuffle is None else meta.shuffle
    return True


def _essay(q: Question, raw: RawQuestion, meta, doc, diags: Diagnostics) -> bool:
    if not _no_items(q, raw, diags, "essay"):
        return False
    q.response = meta.response or "editor"
    q.response_lines = meta.lines or 15
    q.min_words = meta.min_words or 0
    q.max_words = meta.max_words or 0
    q.attachments = meta.attachments or 0
    q.attachments_required = meta.attachments_required or 0
    q.response_required = True if meta.required is None else meta.required
    if q.max_words and q.min_words > q.max_words:
        line, col = doc.pos(("min_words",))
        diags.add(codes.INVALID_VALUE, f"min_words ({q.min_words}) is more than max_words ({q.max_words})",
                  q.file, line, col)
        return False
    if q.response == "noinline" and q.attachments == 0:
        line, col = doc.pos(("response",))
        diags.add(codes.INVALID_VALUE, "with 'response: noinline' learners can only attach files; set "
                  "'attachments:' to 1 or more", q.file, line, col)
        return False
    if q.attachments > 0 and q.attachments_required > q.attachments:
        line, col = doc.pos(("attachments_required",))
        diags.add(codes.INVALID_VALUE, "attachments_required is more than attachments", q.file, line, col)
        return False
    return True


def _description(q: Question, raw: RawQuestion, meta, doc, diags: Diagnostics) -> bool:
    return _no_items(q, raw, diags, "description")


def _cloze(q: Question, raw: RawQuestion, meta, doc, diags: Diagnostics) -> bool:
    if not _no_items(q, raw, diags, "cloze"):
        return False
    text = q.text.text
    parts, problems = cloze_lib.parse(text)
    at = Positions(text)
    for p in problems:
        line, col = at(p.offset)
        line += q.text.line - 1
        code = codes.CANNOT_REACH_FULL_MARKS if p.fraction_problem else codes.CLOZE_SYNTAX
        if p.fraction_problem and "no right answer" in p.message:
            code = codes.NO_RIGHT_ANSWER
        if p.fraction_problem and "not a percentage" in p.message:
            code = codes.INVALID_FRACTION
        diags.add(code, p.message, q.file, line, col)
    if problems:
        return False
    if not parts:
        diags.add(codes.CLOZE_SYNTAX, f"cloze question '{q.name}' has no embedded answers such as "
                  "{1:SHORTANSWER:=answer}", q.file, q.text.line, 1)
        return False
    if meta.mark is not None:
        line, col = doc.pos(("mark",))
        diags.add(codes.SETTING_NOT_FOR_TYPE, "a cloze question's mark is the sum of its embedded answers' "
                  "weights; remove 'mark:'", q.file, line, col)
        return False
    out, last = [], 0
    for n, (s, e, part) in enumerate(parts):
        out.append(text[last:s])
        out.append(slot_token(n + 1))
        last = e
    out.append(text[last:])
    q.text = Md("".join(out), q.file, q.text.line)
    q.cloze = [p for _, _, p in parts]
    q.mark = float(sum(p.weight for p in q.cloze))
    return True


def _gaps(q: Question, raw: RawQuestion, meta, doc, diags: Diagnostics) -> bool:
    text = q.text.text
    choices: list[Choice] = []
    index: dict[tuple[str, int], int] = {}
    gaps: list[int] = []
    ok = True
    out, last = [], 0
    at = Positions(text)
    for m in _GAP.finditer(text):
        inner = m.group(1)
        line, col = at(m.start())
        line += q.text.line - 1
        word, group = _choice(inner, q.qtype, diags, q.file, line, col)
        if word is None:
            ok = False
            continue
        key = (word, group)
        if key not in index:
            choices.append(Choice(word, group))
            index[key] = len(choices)
        elif not meta.infinite and q.qtype == "ddwtos":
            diags.add(codes.BAD_GAPS, f"'{word}' fills two gaps; set 'infinite: true' so a choice can be used "
                      "more than once", q.file, line, col)
            ok = False
        gaps.append(index[key])
        out.append(text[last:m.start()])
        out.append(slot_token(len(gaps)))
        last = m.end()
    out.append(text[last:])
    if not gaps and ok:
        diags.add(codes.BAD_GAPS, f"question '{q.name}' has no gaps: write each right answer in the text as "
                  "[[answer]]", q.file, q.text.line, 1)
        return False
    for it in raw.items:
        if it.marker != "":
            diags.add(codes.BAD_GAPS, "extra choices are wrong answers: write them as '- [ ] choice'",
                      q.file, it.line, it.col)
            ok = False
            continue
        word, group = _choice(it.text, q.qtype, diags, q.file, it.line, it.col)
        if word is None:
            ok = False
            continue
        if (word, group) in index:
            diags.add(codes.BAD_GAPS, f"extra choice '{word}' is already a right answer", q.file, it.line, it.col)
            ok = False
            continue
        choices.append(Choice(word, group))
        index[(word, group)] = len(choices)
    if not ok:
        return False
    q.text = Md("".join(out), q.file, q.text.line)
    q.choices = choices
    q.gaps = gaps
    q.shuffle = True if meta.shuffle is None else meta.shuffle
    q.infinite = bool(meta.infinite)
    return True


def _choice(inner: str, qtype: str, diags: Diagnostics, file: Path, line: int, col: int) -> tuple[str | None, int]:
    word, group = inner, 1
    if "|" in inner:
        word, g = inner.rsplit("|", 1)
        if not g.strip().isdigit() or not 1 <= int(g) <= MAX_GROUPS[qtype]:
            diags.add(codes.BAD_GAPS, f"group '{g.strip()}' must be a number from 1 to {MAX_GROUPS[qtype]}",
                      file, line, col)
            return None, 0
        group = int(g)
    word = " ".join(word.split())
    if not word:
        diags.add(codes.BAD_GAPS, "a gap or choice is empty", file, line, col)
        return None, 0
    if re.search(r"<[a-zA-Z/]", word):
        diags.add(codes.BAD_GAPS, f"choice '{word}' contains HTML; choices are plain text", file, line, col)
        return None, 0
    return word, group


_BUILDERS = {
    "multichoice": _multichoice, "truefalse": _truefalse, "shortanswer": _shortanswer, "numerical": _numerical,
    "matching": _matching, "essay": _essay, "description": _description, "cloze": _cloze, "ddwtos": _gaps,
    "gapselect": _gaps,
}
