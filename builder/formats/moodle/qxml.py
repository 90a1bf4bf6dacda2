"""Moodle XML question export, shaped like Moodle's own question/format/xml export
(compare shared/reference/questions-5.1.xml), and a reader for it.

The export holds the whole bank of a course: one ``<question type="category">``
per category, then its questions. For Moodle 5.x the category path starts with
``$module$`` (the question bank activity or quiz you import into); for 4.x with
``$course$`` (the course question bank).

:func:`read_questions` parses such a file back into plain dictionaries, so a
test can check that what was written is what Moodle will read.
"""

from __future__ import annotations

import html
import re

from lxml import etree

from ...quiz.model import Category, Md, Question
from .questions import STANDARD_FEEDBACK, gap_html

_NEEDS_CDATA = re.compile(r"[<>&]")


def pct(fraction: float) -> str:
    s = f"{fraction * 100:.5f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _text(parent, tag: str, value: str, fmt: str | None = "html", **attrs) -> etree._Element:
    el = etree.SubElement(parent, tag, ({"format": fmt} if fmt else {}) | attrs)
    t = etree.SubElement(el, "text")
    _set(t, value)
    return el


def _set(el, value: str) -> None:
    if value and _NEEDS_CDATA.search(value) and "]]>" not in value:
        el.text = etree.CDATA(value)
    else:
        el.text = value


def _sub(parent, tag: str, value: str | None = None) -> etree._Element:
    el = etree.SubElement(parent, tag)
    if value is not None:
        el.text = value
    return el


def _html(md: Md | None) -> str:
    return md.html if md is not None else ""


def export(categories: list[Category], context: str) -> bytes:
    """The bank as Moodle XML; ``context`` is ``module`` (5.x) or ``course`` (4.x)."""
    quiz = etree.Element("quiz")
    for cat in categories:
        quiz.append(etree.Comment(" question: 0  "))
        q = etree.SubElement(quiz, "question", type="category")
        c = etree.SubElement(q, "category")
        _set(etree.SubElement(c, "text"), f"${context}$/top/{cat.name.replace('/', '//')}")
        _text(q, "info", _html(cat.info))
        _sub(q, "idnumber", cat.id if cat.scope != "quiz" else "")
        for question in cat.questions:
            quiz.append(etree.Comment(f" question: {question.id}  "))
            quiz.append(_question(question))
    etree.indent(quiz, space="  ")
    body = etree.tostring(quiz, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8")


def question_text(q: Question) -> str:
    text = q.text.html
    if q.qtype == "cloze":
        return gap_html(text, len(q.cloze), lambda i: html.escape(q.cloze[i - 1].source, quote=False))
    if q.qtype in ("ddwtos", "gapselect"):
        return gap_html(text, len(q.gaps), lambda i: "[[%d]]" % q.gaps[i - 1])
    return text


def _question(q: Question) -> etree._Element:
    el = etree.Element("question", type=q.qtype)  # the export's names: matching, cloze (not match, multianswer)
    name = etree.SubElement(el, "name")
    _sub(name, "text", q.name)
    _text(el, "questiontext", question_text(q))
    _text(el, "generalfeedback", _html(q.general_feedback))
    if q.qtype != "cloze":
        _sub(el, "defaultgrade", f"{q.mark:.7f}")
    _sub(el, "penalty", f"{q.penalty:.7f}")
    _sub(el, "hidden", "0")
    _sub(el, "idnumber", q.id)
    getattr(_Types, q.qtype)(el, q)
    for h in q.hints:
        _text(el, "hint", h.html)
    if q.tags:
        tags = _sub(el, "tags")
        for t in q.tags:
            _sub(_sub(tags, "tag"), "text", t)
    return el


def _combined(el, q: Question) -> None:
    for tag, md, default in (("correctfeedback", q.correct_feedback, STANDARD_FEEDBACK[0]),
                             ("partiallycorrectfeedback", q.partial_feedback, STANDARD_FEEDBACK[1]),
                             ("incorrectfeedback", q.incorrect_feedback, STANDARD_FEEDBACK[2])):
        _text(el, tag, md.html if md is not None else default)
    _sub(el, "shownumcorrect")


def _answer(el, text: str, fraction: float, feedback: str, fmt: str, extra=()) -> etree._Element:
    a = etree.SubElement(el, "answer", fraction=pct(fraction), format=fmt)
    _set(_sub(a, "text"), text)
    fb = etree.SubElement(a, "feedback", format="html")
    _set(_sub(fb, "text"), feedback)
    for tag, value in extra:
        _sub(a, tag, value)
    return a


class _Types:
    @staticmethod
    def multichoice(el, q: Question) -> None:
        _sub(el, "single", "true" if q.single else "false")
        _sub(el, "shuffleanswers", "true" if q.shuffle else "false")
        _sub(el, "answernumbering", q.numbering)
        _sub(el, "showstandardinstruction", "1" if q.show_instruction else "0")
        _combined(el, q)
        for a in q.answers:
            _answer(el, a.md.html, a.fraction, _html(a.feedback), "html")

    @staticmethod
    def truefalse(el, q: Question) -> None:
        for a in q.answers:
            _answer(el, a.text.lower(), a.fraction, _html(a.feedback), "moodle_auto_format")

    @staticmethod
    def shortanswer(el, q: Question) -> None:
        _sub(el, "usecase", "1" if q.case_sensitive else "0")
        for a in q.answers:
            _answer(el, a.text, a.fraction, _html(a.feedback), "moodle_auto_format")

    @staticmethod
    def numerical(el, q: Question) -> None:
        for a in q.answers:
            _answer(el, a.text, a.fraction, _html(a.feedback), "moodle_auto_format",
                    extra=[("tolerance", f"{a.tolerance:g}")])
        if q.units:
            units = _sub(el, "units")
            for u in q.units:
                ue = _sub(units, "unit")
                _sub(ue, "multiplier", f"{u.multiplier:.10g}")
                _sub(ue, "unit_name", u.unit)
        _sub(el, "unitgradingtype", "1" if q.unit_required else "0")
        _sub(el, "unitpenalty", f"{q.unit_penalty:.7f}")
        _sub(el, "showunits", "0" if q.units else "3")
        _sub(el, "unitsleft", "0")

    @staticmethod
    def matching(el, q: Question) -> None:
        _sub(el, "shuffleanswers", "true" if q.shuffle else "false")
        _combined(el, q)
        for p in q.pairs:
            s = etree.SubElement(el, "subquestion", format="html")
            _set(_sub(s, "text"), p.question.html if p.question else "")
            _sub(_sub(s, "answer"), "text", p.answer)

    @staticmethod
    def essay(el, q: Question) -> None:
        for tag, value in (("responseformat", q.response), ("responserequired", "1" if q.response_required else "0"),
                           ("responsefieldlines", str(q.response_lines)), ("minwordlimit", str(q.min_words or "")),
                           ("maxwordlimit", str(q.max_words or "")), ("attachments", str(q.attachments)),
                           ("attachmentsrequired", str(q.attachments_required)), ("maxbytes", "0"),
                           ("filetypeslist", "")):
            _sub(el, tag, value)
        _text(el, "graderinfo", _html(q.grader_info))
        _text(el, "responsetemplate", _html(q.response_template))

    @staticmethod
    def cloze(el, q: Question) -> None:
        pass

    @staticmethod
    def description(el, q: Question) -> None:
        pass

    @staticmethod
    def ddwtos(el, q: Question) -> None:
        _gaps(el, q, "dragbox")

    @staticmethod
    def gapselect(el, q: Question) -> None:
        _gaps(el, q, "selectoption")


def _gaps(el, q: Question, tag: str) -> None:
    _sub(el, "shuffleanswers", "1" if q.shuffle else "0")
    _combined(el, q)
    for ch in q.choices:
        c = _sub(el, tag)
        _sub(c, "text", ch.text)
        _sub(c, "group", str(ch.group))
        if q.qtype == "ddwtos" and q.infinite:
            _sub(c, "infinite")


# -- reading back -----------------------------------------------------------------------

def read_questions(data: bytes) -> list[dict]:
    """Parse Moodle XML into [{'category': path, 'type', 'name', 'idnumber', 'questiontext', 'answers', …}]."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(data, parser)
    out: list[dict] = []
    category = None
    for q in root.findall("question"):
        qtype = q.get("type")
        if qtype == "category":
            category = q.findtext("category/text")
            continue
        d = {
            "category": category, "type": qtype, "name": q.findtext("name/text"),
            "idnumber": q.findtext("idnumber"), "questiontext": q.findtext("questiontext/text") or "",
            "generalfeedback": q.findtext("generalfeedback/text") or "",
            "defaultgrade": float(q.findtext("defaultgrade")) if q.find("defaultgrade") is not None else None,
            "penalty": float(q.findtext("penalty")),
            "answers": [(a.findtext("text"), float(a.get("fraction")), a.findtext("feedback/text") or "",
                         float(a.findtext("tolerance")) if a.find("tolerance") is not None else None)
                        for a in q.findall("answer")],
            "subquestions": [(s.findtext("text") or "", s.findtext("answer/text")) for s in q.findall("subquestion")],
            "choices": [(c.findtext("text"), int(c.findtext("group")))
                        for c in q.findall("dragbox") + q.findall("selectoption")],
            "hints": [h.findtext("text") for h in q.findall("hint")],
            "tags": [t.findtext("text") for t in q.findall("tags/tag")],
        }
        for tag in ("single", "shuffleanswers", "usecase", "answernumbering", "responseformat", "minwordlimit",
                    "maxwordlimit", "graderinfo/text", "responsetemplate/text", "unitgradingtype", "showunits"):
            if q.find(tag) is not None:
                d[tag.split("/")[0]] = q.findtext(tag) or ""
        d["units"] = [(u.findtext("unit_name"), float(u.findtext("multiplier"))) for u in q.findall("units/unit")]
        out.append(d)
    return out
