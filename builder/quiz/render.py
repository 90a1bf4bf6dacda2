"""Render every Markdown field of questions into sanitised HTML (checks included)."""

from __future__ import annotations

from .model import Category


def render_category(cat: Category, renderer) -> None:
    if cat.info is not None:
        renderer.render_question_text(cat.info)
    for q in cat.questions:
        # answers and matching items render inline; by identity, once per question (a question with
        # thousands of answers had taken time growing with the square of their number)
        inline = {id(a.md) for a in q.answers} | {id(p.question) for p in q.pairs}
        for md in q.md_fields():
            renderer.render_question_text(md, inline=id(md) in inline)
