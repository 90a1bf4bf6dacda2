"""Which competencies each activity of a course addresses or assesses.

Used by both the Moodle writer (competency links) and the coverage report,
so the two always agree.
"""

from __future__ import annotations

from ..model.course import Course, Page
from .model import Node, nodes_of


def quiz_questions(page: Page):
    """The questions a quiz can put in front of a learner: fixed slots and the pools of random ones."""
    quiz = page.quiz
    if quiz is None:
        return []
    out = []
    for slot in quiz.slots:
        if slot.question is not None:
            out.append(slot.question)
        elif slot.category is not None:
            out += [q for q in slot.category.questions if q.qtype != "description"]
    seen: set[int] = set()
    return [q for q in out if not (id(q) in seen or seen.add(id(q)))]


def question_nodes(q, course: Course) -> list[Node]:
    return _own(nodes_of(q.links.get(course.framework, [])), course)


def _own(nodes: list[Node], course: Course) -> list[Node]:
    """A course with a framework counts only that framework's competencies: shared units and rubrics
    serve courses of several frameworks and link each of them."""
    if not course.framework:
        return nodes
    return [n for n in nodes if n.framework.key == course.framework]


def activity_nodes(page: Page, course: Course) -> tuple[bool, list[Node]]:
    """(assesses?, competencies) of one activity: quizzes and essays assess, pages address."""
    assesses, nodes = _activity_nodes(page, course)
    return assesses, _own(nodes, course)


def _activity_nodes(page: Page, course: Course) -> tuple[bool, list[Node]]:
    nodes = nodes_of(page.links)
    if page.kind == "quiz":
        for q in quiz_questions(page):
            nodes += [n for n in question_nodes(q, course) if n not in nodes]
        return True, nodes
    if page.kind == "essay":
        rubric = page.essay.rubric if page.essay else None
        if rubric is not None:
            for c in rubric.criteria:
                nodes += [n for n in c.competencies() if n not in nodes]
        return True, nodes
    return False, nodes
