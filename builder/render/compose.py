"""HTML that every format shows around the authored content: course and unit introductions.

Built with lxml and sanitised like authored content.
"""

from __future__ import annotations

import html as std_html

from lxml import etree
from lxml import html as lxml_html

from ..model.course import BibEntry, Course, Unit
from .html import sanitize


def _hours(h: float) -> str:
    if h < 1:
        return f"about {round(h * 60)} minutes"
    if h == 1:
        return "1 hour"
    return f"{h:g} hours"


def _frag(html: str) -> list:
    if not html.strip():
        return []
    return list(lxml_html.fragments_fromstring(html))


def _serialize(parts: list) -> str:
    out = []
    for p in parts:
        if isinstance(p, str):
            out.append(std_html.escape(p))
        else:
            out.append(lxml_html.tostring(p, encoding="unicode", method="html"))
    return sanitize("".join(out))


def course_summary_html(course: Course) -> str:
    parts = _frag(course.summary.html if course.summary else "")
    meta = etree.Element("p")
    meta.set("class", "coursepack-meta")
    strong = etree.SubElement(meta, "strong")
    strong.text = "Length:"
    strong.tail = f" {_hours(course.hours)}. "
    who = etree.SubElement(meta, "strong")
    who.text = "For:"
    who.tail = f" {course.audience.strip()}"
    parts.append(meta)
    return _serialize(parts)


def unit_summary_html(unit: Unit, bibliography: dict[str, BibEntry]) -> str:
    parts = _frag(unit.summary.html if unit.summary else "")
    p = etree.Element("p")
    p.set("class", "coursepack-time")
    p.text = f"Time: {_hours(unit.hours)}."
    parts.append(p)
    if unit.outcomes:
        lead = etree.Element("p")
        lead.text = "By the end of this unit you will be able to:"
        parts.append(lead)
        ul = etree.Element("ul")
        ul.set("class", "coursepack-outcomes")
        for o in unit.outcomes:
            li = etree.SubElement(ul, "li")
            li.text = o.strip()
        parts.append(ul)
    cites = []
    seen = set()
    for c in unit.sources:
        entry = bibliography.get(c.ref)
        if entry is None or c.ref in seen:
            continue
        seen.add(c.ref)
        cites.append(entry.cite())
    if cites:
        src = etree.Element("p")
        src.set("class", "coursepack-sources small")
        text = "Sources: " + "; ".join(cites)
        src.text = text if text.endswith((".", "?", "!")) else text + "."
        parts.append(src)
    return _serialize(parts)
