"""SCORM 1.2 and SCORM 2004 4th edition packages: one self-contained player per course.

The package is one SCO (``index.html``) that holds the whole course: the LMS gets one
completion status and one score for the course, which every LMS records the same way (a
SCO per unit would leave the roll-up of completion and score to each LMS, and SCORM 1.2 has
none). Units are the player's chapters: its navigation lists them with their pages.

Files: imsmanifest.xml, index.html (the course as JSON inside it), player.js, player.css and
media/<hash>-<name> for every image or file a page uses. Every file is listed in the
manifest's resource; entries are sorted with fixed timestamps, so the bytes are reproducible.
"""

from __future__ import annotations

import json
import re
from html import escape
from importlib import resources
from pathlib import PurePosixPath
from urllib.parse import unquote

from lxml import etree

from ...competency.links import quiz_questions
from ...model.course import Course
from ...quiz.model import Question
from ...util.archive import zip_bytes
from .data import STATE_LIMITS, matching_options, quiz_slots, state_budget

VERSIONS = ("scorm12", "scorm2004")
LABELS = {"scorm12": "SCORM 1.2", "scorm2004": "SCORM 2004"}
_TOKEN = re.compile(r"(src|href)=\"cp-(asset|page):([^\"#]+)(#[^\"]*)?\"")
_SLOT = re.compile(r"cpslot(\d+)x")
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")

NS12 = {
    None: "http://www.imsproject.org/xsd/imscp_rootv1p1p2",
    "adlcp": "http://www.adlnet.org/xsd/adlcp_rootv1p2",
}
NS2004 = {
    None: "http://www.imsglobal.org/xsd/imscp_v1p1",
    "adlcp": "http://www.adlnet.org/xsd/adlcp_v1p3",
    "adlseq": "http://www.adlnet.org/xsd/adlseq_v1p3",
    "adlnav": "http://www.adlnet.org/xsd/adlnav_v1p3",
    "imsss": "http://www.imsglobal.org/xsd/imsss",
}


def _static(name: str) -> bytes:
    return resources.files(__package__).joinpath("static", name).read_bytes()


def media_name(asset) -> str:
    base = _SAFE.sub("-", PurePosixPath(asset.relpath).name).strip("-") or "file"
    return f"media/{asset.sha1[:10]}-{base}"


class _Pages:
    """Rewrites a page's neutral references for the player: files to media/, page links to #p<n>."""

    def __init__(self, course: Course):
        self.index = {p.key: i for i, p in enumerate(course.pages(), start=1)}   # 0 is the welcome page
        self.files: dict[str, bytes] = {}

    def html(self, rendered) -> str:
        if rendered is None:
            return ""
        assets = {a.relpath: a for a in rendered.assets}

        def repl(m: re.Match) -> str:
            attr, kind, ref = m.group(1), m.group(2), m.group(3)    # a #fragment inside a page is dropped
            if kind == "asset":
                asset = assets[unquote(ref)]      # the renderer percent-encodes asset paths (asset_token)
                name = media_name(asset)
                if name not in self.files:
                    self.files[name] = asset.path.read_bytes()
                return f'{attr}="{name}"' + (' target="_blank" rel="noopener"' if attr == "href" else "")
            n = self.index.get(ref)
            return f'{attr}="#p{n}" data-page="{n}"' if n is not None else f'{attr}="#"'

        return _TOKEN.sub(repl, rendered.html)


def _md(m) -> str:
    return m.html if m is not None else ""


def question_data(q: Question) -> dict:
    d: dict = {"id": q.id, "type": q.qtype, "text": _SLOT.sub(r'<span data-gap="\1"></span>', q.text.html),
               "general": _md(q.general_feedback), "hint": _md(q.hints[0]) if q.hints else ""}
    t = q.qtype
    if t == "multichoice":
        d["single"] = q.single
        d["answers"] = [{"html": _md(a.md) or escape(a.text), "f": a.fraction, "fb": _md(a.feedback)}
                        for a in q.answers]
    elif t == "truefalse":
        d["answers"] = [{"v": a.text.lower() == "true", "f": a.fraction, "fb": _md(a.feedback)} for a in q.answers]
    elif t in ("shortanswer", "numerical"):
        d["answers"] = [{"t": a.text, "tol": a.tolerance, "f": a.fraction, "fb": _md(a.feedback)} for a in q.answers]
        d["cs"] = q.case_sensitive
        if t == "numerical":
            d["units"] = [{"u": u.unit, "m": u.multiplier} for u in q.units]
    elif t == "matching":
        options = matching_options(q)
        stems = [p for p in q.pairs if p.question is not None]
        d["stems"] = [_md(p.question) for p in stems]
        d["options"] = options
        first = {o: i for i, o in reversed(list(enumerate(options)))}     # as options.index, in one pass
        d["right"] = [first[p.answer] for p in stems]
    elif t in ("ddwtos", "gapselect"):
        d["choices"] = [{"t": c.text, "g": c.group} for c in q.choices]
        d["gaps"] = list(q.gaps)
        d["infinite"] = q.infinite
    elif t == "cloze":
        d["parts"] = [{"kind": p.kind, "w": p.weight, "cs": p.usecase,
                       "answers": [{"t": a.text, "tol": a.tolerance, "f": a.fraction,
                                    "fb": a.feedback_text} for a in p.answers]} for p in q.cloze]
    return d


def course_data(course: Course, version: str, pages: _Pages) -> dict:
    units = []
    for unit in course.units:
        idx = [pages.index[p.key] for p in unit.pages]
        units.append({"title": unit.title, "hours": unit.hours, "summary": pages.html(unit.summary),
                      "outcomes": unit.outcomes, "pages": idx})
    out_pages = [{"title": "About this course", "kind": "home", "unit": None}]
    quizzes = []
    essays = 0
    for uidx, page in ((n, p) for n, u in enumerate(course.units) for p in u.pages):
        i = pages.index[page.key]
        entry = {"title": page.title, "kind": page.kind, "unit": uidx, "html": pages.html(page.rendered)}
        if page.kind == "quiz" and page.quiz is not None:
            quiz = page.quiz
            qs = [{"mark": mark, "pool": [question_data(q) for q in pool]} for mark, pool in quiz_slots(page)]
            skipped = sum(1 for q in quiz_questions(page) if q.qtype == "essay")
            total = sum(s["mark"] for s in qs) or 1
            pass_pct = (100.0 * quiz.pass_grade / (quiz.grade or total)) if quiz.pass_grade else None
            entry["quiz"] = len(quizzes)
            quizzes.append({"page": i, "slots": qs, "pass": pass_pct, "attempts": quiz.attempts,
                            "weight": quiz.grade or total, "intro": _md(quiz.intro), "essays": skipped})
        elif page.kind == "essay":
            essays += 1
            rubric = page.essay.rubric if page.essay else None
            if rubric is not None:        # learners see how their essay will be marked
                entry["rubric"] = {"name": rubric.name, "criteria": [
                    {"description": c.description, "levels": [{"score": lv.score, "definition": lv.definition}
                                                               for lv in c.levels]} for c in rubric.criteria]}
            if page.essay and page.essay.word_limit:
                entry["words"] = page.essay.word_limit
        out_pages.append(entry)
    return {
        "format": 1, "id": course.id, "title": course.title, "hours": course.hours,
        "summary": pages.html(course.summary), "audience": course.audience, "mastery": course.mastery_score,
        "units": units, "pages": out_pages, "quizzes": quizzes, "essays": essays,
        "budget": state_budget(course), "language": course.language, **_version_fields(version),
    }


def _version_fields(version: str) -> dict:
    """What the course data holds that differs between SCORM versions."""
    return {"version": version, "limit": STATE_LIMITS[version]}


def _json_for_html(data: dict) -> str:
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    # inside <script>: "</" and "<!--" must not appear
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def index_html(data: dict) -> bytes:
    lang = escape(data["language"].replace("_", "-"))
    title = escape(data["title"])
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'">
<title>{title}</title>
<link rel="stylesheet" href="player.css">
</head>
<body>
<a class="cp-skip" href="#cp-main">Skip to content</a>
<div id="cp-app" class="cp-app" data-loading="1"><p class="cp-loading">Loading {title}…</p></div>
<noscript><p>This course needs JavaScript, which is turned off in this browser.</p></noscript>
<script id="cp-course" type="application/json">{_json_for_html(data)}</script>
<script src="player.js"></script>
</body>
</html>
""".encode("utf-8")


def manifest(course: Course, version: str, files: list[str]) -> bytes:
    ident = "cp-" + _SAFE.sub("-", course.id)
    title = course.title[:200]
    if version == "scorm12":
        ns = NS12
        m = etree.Element(f"{{{ns[None]}}}manifest", nsmap=ns, identifier=ident, version="1")
        meta = etree.SubElement(m, "metadata")
        etree.SubElement(meta, "schema").text = "ADL SCORM"
        etree.SubElement(meta, "schemaversion").text = "1.2"
    else:
        ns = NS2004
        m = etree.Element(f"{{{ns[None]}}}manifest", nsmap=ns, identifier=ident, version="1")
        meta = etree.SubElement(m, f"{{{ns[None]}}}metadata")
        etree.SubElement(meta, f"{{{ns[None]}}}schema").text = "ADL SCORM"
        etree.SubElement(meta, f"{{{ns[None]}}}schemaversion").text = "2004 4th Edition"
    cp = ns[None]

    def el(parent, tag, text=None, **attrs):
        e = etree.SubElement(parent, f"{{{cp}}}{tag}", {k: str(v) for k, v in attrs.items()})
        if text is not None:
            e.text = text
        return e

    orgs = el(m, "organizations", default="ORG")
    org = el(orgs, "organization", identifier="ORG")
    if version == "scorm2004":
        org.set(f"{{{ns['adlseq']}}}objectivesGlobalToSystem", "false")
    el(org, "title", title)
    item = el(org, "item", identifier="ITEM", identifierref="SCO")
    if version == "scorm12":
        item.set("isvisible", "true")
    el(item, "title", title)
    if version == "scorm12":
        if course.mastery_score is not None:
            etree.SubElement(item, f"{{{ns['adlcp']}}}masteryscore").text = f"{course.mastery_score:g}"
    else:
        seq = etree.SubElement(item, f"{{{ns['imsss']}}}sequencing")
        if course.mastery_score is not None:
            objs = etree.SubElement(seq, f"{{{ns['imsss']}}}objectives")
            prim = etree.SubElement(objs, f"{{{ns['imsss']}}}primaryObjective", objectiveID="course-score",
                                    satisfiedByMeasure="true")
            etree.SubElement(prim, f"{{{ns['imsss']}}}minNormalizedMeasure").text = \
                f"{course.mastery_score / 100:.4f}".rstrip("0").rstrip(".")
        etree.SubElement(seq, f"{{{ns['imsss']}}}deliveryControls", completionSetByContent="true",
                         objectiveSetByContent="true")
        pres = etree.SubElement(item, f"{{{ns['adlnav']}}}presentation")
        nav = etree.SubElement(pres, f"{{{ns['adlnav']}}}navigationInterface")
        for hide in ("continue", "previous"):      # the player has its own previous/next buttons
            etree.SubElement(nav, f"{{{ns['adlnav']}}}hideLMSUI").text = hide
        oseq = etree.SubElement(org, f"{{{ns['imsss']}}}sequencing")
        etree.SubElement(oseq, f"{{{ns['imsss']}}}controlMode", choice="true", flow="true")
    res = el(m, "resources")
    r = el(res, "resource", identifier="SCO", type="webcontent", href="index.html")
    r.set(f"{{{ns['adlcp']}}}{'scormtype' if version == 'scorm12' else 'scormType'}", "sco")
    for f in files:
        el(r, "file", href=f)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(m, encoding="UTF-8", pretty_print=True)


def package_entries(course: Course, version: str) -> dict[str, bytes]:
    return versions_entries(course, [version])[version]


def versions_entries(course: Course, versions: list[str]) -> dict[str, dict[str, bytes]]:
    """The files of the course's package for each SCORM version. The course data is made once: only its
    version and the size of the saved state differ between versions."""
    pages = _Pages(course)
    data = course_data(course, versions[0], pages)
    player = {"player.js": _static("player.js"), "player.css": _static("player.css")}
    out = {}
    for version in versions:
        data.update(_version_fields(version))
        entries = {"index.html": index_html(data), **player, **pages.files}
        entries["imsmanifest.xml"] = manifest(course, version, sorted(entries))
        out[version] = entries
    return out


def build_scorm(course: Course, versions: list[str]) -> dict[str, bytes]:
    """Each version's package (a zip) of the course."""
    return {v: zip_bytes(entries) for v, entries in versions_entries(course, versions).items()}
