"""Render every Markdown field of questions into sanitised HTML (checks included)."""

from __future__ import annotations

from .model import Category


def render_category(cat: Category, renderer) -> None:
    if cat.info is not None:
        renderer.render_question_text(cat.info)
    for q in cat.questions:
        for md in q.md_fields():
            inline = any(md is a.md for a in q.answers) or any(md is p.question for p in q.pairs)
            renderer.render_question_text(md, inline=inline)
