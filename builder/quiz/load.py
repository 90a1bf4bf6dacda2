"""Load question files and quiz pages, and resolve what each quiz uses.

    questions/<category-id>.md                     shared categories (any course may use them)
    courses/<course-id>/questions/<category-id>.md a course's own categories
    courses/<course-id>/units/<unit>/<page>.md     with ``type: quiz``: a quiz and its own questions

A course's question bank is: one category per quiz (its own questions), the
course's question files, and every shared category one of its quizzes uses.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from .. import codes
from ..diagnostics import Diagnostics
from ..load.files import open_markdown, report_escape, source_keys
from ..load.yamlpos import YamlDoc
from ..model import schema
from ..model.base import load_validated
from .model import REVIEW_DEFAULTS, REVIEW_TIMES, Category, Md, Quiz, Slot
from .parse import parse_questions

SHARED = "shared"


def load_question_files(folder: Path, scope: str, owner: str, diags: Diagnostics, check_sources,
                        skipped: set[Path]) -> list[Category]:
    if not folder.is_dir():
        return []
    # questions/ of a course stays inside the course folder (shared ones inside the repository)
    where = "the course folder" if scope == "course" else "the repository"
    if report_escape(folder, folder.parent, diags, where):
        return []
    out: list[Category] = []
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if path.name.startswith((".", "_")):
            continue
        if path.is_dir() or path.suffix != ".md":
            diags.add(codes.ORPHAN_UNIT, f"'{path.name}' in {folder.name}/ is not a question file (.md)", path,
                      hint="Question files are Markdown files directly in questions/; move or delete this.")
            continue
        cat = load_question_file(path, scope, owner, diags, check_sources, folder.parent, where)
        if cat is None:
            skipped.update(source_keys(path))
        else:
            out.append(cat)
    return out


def load_question_file(path: Path, scope: str, owner: str, diags: Diagnostics, check_sources,
                       boundary: Path | None = None, where: str = "the course folder") -> Category | None:
    opened = open_markdown(path, diags, "question", "category id", "values-bank.md", boundary, where)
    if opened is None:
        return None
    cid, fm = opened
    meta = schema.QuestionFileMeta()
    if fm.yaml_text is not None:
        got = load_validated(fm.yaml_text, diags.rel(path), diags, schema.QuestionFileMeta,
                             "question file front matter", fm.yaml_line_offset)
        if got is None:
            return None
        meta = got[1]
    cat = Category(id=cid, name=meta.name or cid, scope=scope, file=path, key=f"{owner}/{cid}",
                   info=Md(meta.info, path, 1, exact=False) if meta.info else None)
    intro_line = fm.body_line_offset + 1
    intro, questions, written = parse_questions(fm.body, intro_line, path, cat, diags, check_sources)
    if intro.strip():
        idx = next(i for i, l in enumerate(intro.split("\n")) if l.strip())
        diags.add(codes.TEXT_BEFORE_PAGE, "text before the first question of a question file", path,
                  intro_line + idx, 1, hint="Start each question with '## Question name'; describe the category "
                                             "in 'info:' of the front matter.")
    cat.questions = questions
    if not written:
        diags.add(codes.EMPTY_QUIZ, f"question file '{path.name}' holds no questions", path, 1, 1)
    return cat


def build_quiz(meta: schema.QuizMeta, doc: YamlDoc, body: str, body_line: int, file: Path, key: str, title: str,
               diags: Diagnostics, check_sources) -> Quiz:
    cat = Category(id=key.split("/", 1)[1].replace("/", "-"), name=title, scope="quiz", file=file, key=key)
    intro, questions, written = parse_questions(body, body_line, file, cat, diags, check_sources)
    cat.questions = questions
    quiz = Quiz(category=cat)
    quiz.written = written
    lead = intro.split("\n")
    k = 0
    while k < len(lead) and not lead[k].strip():
        k += 1
    if intro.strip():
        quiz.intro = Md("\n".join(lead[k:]).strip(), file, body_line + k)
    quiz.grade = meta.grade
    quiz.pass_spec = meta.pass_
    quiz.pass_pos = doc.pos(("pass",))
    quiz.attempts = meta.attempts
    quiz.grade_method = meta.grade_method
    quiz.time_limit = int(round(meta.time_limit * 60))
    quiz.behaviour = meta.behaviour
    quiz.per_page = meta.per_page
    quiz.navigation = meta.navigation
    quiz.shuffle_questions = meta.shuffle_questions
    quiz.shuffle_answers = meta.shuffle_answers
    review = dict(REVIEW_DEFAULTS)
    if meta.review is not None:
        for item, times in meta.review.model_dump(exclude_none=True).items():
            review[item] = sum(REVIEW_TIMES[t] for t in set(times))
    quiz.review = review
    quiz.completion = meta.completion or ("pass" if meta.pass_ is not None else "grade")
    if quiz.completion == "pass" and meta.pass_ is None:
        line, col = doc.pos(("completion",))
        diags.add(codes.MISSING_KEY, "'completion: pass' needs a grade to pass: add 'pass:' (e.g. 'pass: 70%')",
                  file, line, col)
    for q in questions:
        quiz.slots.append(Slot(question=q, mark=q.mark, line=q.line))
    for i, ref in enumerate(meta.questions):
        qid, mark = (ref, None) if isinstance(ref, str) else (ref.id, ref.mark)
        line, col = doc.pos(("questions", i) if isinstance(ref, str) else ("questions", i, "id"))
        quiz.refs.append((qid, mark, line, col))
    for i, d in enumerate(meta.random):
        line, col = doc.pos(("random", i, "category"))
        quiz.draws.append((d.category, d.count, d.mark, line, col))
    return quiz


def resolve_course(course, shared: list[Category], diags: Diagnostics) -> None:
    """Resolve quiz references, check ids across the bank, and set ``course.categories``."""
    quizzes = [p for p in course.pages() if p.kind == "quiz" and p.quiz is not None]
    own_cats = [p.quiz.category for p in quizzes] + list(course.question_files)
    by_id: dict[str, object] = {}
    for cat in own_cats:
        for q in cat.questions:
            other = by_id.get(q.id)
            if other is not None:
                diags.add(codes.DUPLICATE_QUESTION, f"question id '{q.id}' is also used in "
                          f"{diags.rel(other.file)} line {other.line}", q.file, q.line, 1)
            else:
                by_id[q.id] = q
    shared_by_id = {q.id: q for cat in shared for q in cat.questions}
    for qid, q in by_id.items():
        s = shared_by_id.get(qid)
        if s is not None:
            diags.add(codes.DUPLICATE_QUESTION, f"question id '{qid}' is also a shared question "
                      f"({diags.rel(s.file)} line {s.line})", q.file, q.line, 1,
                      hint="Quizzes refer to questions by id, so a course question cannot reuse a shared id.")
    cat_by_id = {c.id: c for c in course.question_files}
    shared_cat = {c.id: c for c in shared}
    used_shared: list[Category] = []

    def use_shared(c: Category) -> None:
        if c not in used_shared:
            used_shared.append(c)

    for page in quizzes:
        quiz = page.quiz
        used: dict[str, int] = {s.question.id: s.line for s in quiz.slots if s.question is not None}
        for qid, mark, line, col in quiz.refs:
            q = by_id.get(qid) or shared_by_id.get(qid)
            if q is None:
                sugg = difflib.get_close_matches(qid, list(by_id) + list(shared_by_id), n=1, cutoff=0.7)
                diags.add(codes.UNKNOWN_QUESTION, f"no question with id '{qid}'"
                          + (f"; did you mean '{sugg[0]}'?" if sugg else ""), page.file, line, col)
                continue
            if qid in used:
                diags.add(codes.QUESTION_USED_TWICE, f"question '{qid}' is already in this quiz", page.file, line, col)
                continue
            used[qid] = line
            if q.category.scope == SHARED:
                use_shared(q.category)
            quiz.slots.append(Slot(question=q, mark=q.mark if mark is None else mark, line=line))
        drawn: dict[str, int] = {}
        for cid, count, mark, line, col in quiz.draws:
            cat = cat_by_id.get(cid) or shared_cat.get(cid)
            if cat is None:
                known = ", ".join(sorted(set(cat_by_id) | set(shared_cat))) or "none: add files to questions/"
                diags.add(codes.UNKNOWN_CATEGORY, f"no question category '{cid}' (known: {known})", page.file, line, col)
                continue
            if cat.scope == SHARED:
                use_shared(cat)
            pool = [q for q in cat.questions if q.usable_by_random and q.id not in used]
            drawn[cid] = drawn.get(cid, 0) + count
            if drawn[cid] > len(pool):
                diags.add(codes.RANDOM_TOO_LARGE, f"the quiz draws {drawn[cid]} random question"
                          f"{'s' if drawn[cid] != 1 else ''} from '{cid}', which has {len(pool)} that can be drawn",
                          page.file, line, col)
                continue
            for _ in range(count):
                quiz.slots.append(Slot(question=None, category=cat, mark=mark, line=line))
        if not quiz.written and not quiz.refs and not quiz.draws:
            diags.add(codes.EMPTY_QUIZ, f"quiz '{page.title}' has no questions", page.file, page.body_line, 1)
        _resolve_pass(page, quiz, diags)
    course.categories = own_cats + used_shared


_PCT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")


def _resolve_pass(page, quiz: Quiz, diags: Diagnostics) -> None:
    spec = quiz.pass_spec
    if spec is None:
        return
    top = quiz.max_grade
    if isinstance(spec, str):
        m = _PCT.match(spec)
        quiz.pass_grade = round(top * float(m.group(1)) / 100, 5) if m else None
    else:
        quiz.pass_grade = float(spec)
        if quiz.slots and spec > top + 1e-9:
            diags.add(codes.BAD_PASS_GRADE, f"the grade to pass ({spec:g}) is above the maximum grade ({top:g})",
                      page.file, *quiz.pass_pos)
    if quiz.slots and top <= 0:
        diags.add(codes.BAD_PASS_GRADE, "the quiz has a grade to pass but its questions carry no marks",
                  page.file, *quiz.pass_pos)
