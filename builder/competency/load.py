"""Load frameworks/*.yaml and rubrics/*.yaml, and resolve competency references.

A reference is written in a course (page, quiz, question, essay) or a rubric
criterion. It may be a full competency id (``HEE-PSW-2020.1.2``) or, inside
a course that names a ``framework:``, the part after the framework's ID number
(``"1.2"``). Every reference is checked here, with its file and position, so
``coursepack check`` reports unknown ids before anything is built.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from .. import codes
from ..diagnostics import Diagnostics
from ..load.files import portable_name_problem, read_text
from ..load.yamlpos import YamlDoc
from ..model.base import load_validated
from .model import Criterion, Framework, Link, Node, Rubric, RubricLevel
from .schema import FrameworkIn, RubricIn

ID_OK = re.compile(r"^[\x21-\x7e]+$")          # printable ASCII, no spaces


def _numeric(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def load_frameworks(root: Path, diags: Diagnostics, broken: set[str] | None = None) -> dict[str, Framework]:
    """Every frameworks/*.yaml that loads; the stems of those that do not go into ``broken``."""
    out: dict[str, Framework] = {}
    folder = root / "frameworks"
    if not folder.is_dir():
        return out
    owner: dict[str, Framework] = {}
    for path in sorted(folder.glob("*.yaml")):
        before = diags.error_count()
        fw = _load_framework(path, diags, owner) if _portable(path, diags) else None
        if fw is not None:
            out[fw.key] = fw
        if broken is not None and diags.error_count() > before:
            broken.add(path.stem)
    return out


def _portable(path: Path, diags: Diagnostics) -> bool:
    problem = portable_name_problem(path.name)
    if problem:
        diags.add(codes.RESERVED_NAME, problem, path)
    return problem is None


def _read(path: Path, model, what: str, diags: Diagnostics):
    """(doc, validated model) of a YAML file, or None when it cannot be read (already reported).

    Every text of a framework or rubric is plain text: Moodle shows rubric criteria and levels as
    HTML, so markup or a script address in any of them is reported (the file is then not used).
    """
    from ..render.html import plain_text_problem
    text = read_text(path, diags)
    got = None if text is None else load_validated(text, diags.rel(path), diags, model, what)
    if got is None:
        return None
    doc = got[0]
    clean = True
    for loc, value in _strings(doc.data, ()):
        problem = plain_text_problem(value, f"{what} texts")
        if problem:
            code, message, _found = problem
            diags.add(code, message, path, *doc.pos(loc),
                      hint=f"Write the text without HTML; {what} texts are shown as they are written.")
            clean = False
    return got if clean else None


def _strings(data, loc: tuple):
    """(location, text) of every string in YAML data."""
    if isinstance(data, str):
        yield loc, data
    elif isinstance(data, dict):
        for k, v in data.items():
            yield from _strings(v, loc + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _strings(v, loc + (i,))


def _load_framework(path: Path, diags: Diagnostics, owner: dict[str, Framework]) -> Framework | None:
    got = _read(path, FrameworkIn, "framework", diags)
    if got is None:
        return None
    doc, meta = got

    def bad(msg: str, loc: tuple) -> None:
        line, col = doc.pos(loc)
        diags.add(codes.FRAMEWORK_INVALID, msg, path, line, col)

    if meta.id != path.stem:
        bad(f"id '{meta.id}' does not match the file name '{path.name}'", ("id",))
    for key, limit in (("idnumber", 100), ("shortname", 100)):
        value = getattr(meta, key)
        if len(value) > limit:
            bad(f"{key} is {len(value)} characters; Moodle keeps {limit}", (key,))
    if not ID_OK.match(meta.idnumber) or "," in meta.idnumber:
        bad(f"idnumber '{meta.idnumber}' must be printable ASCII without spaces or commas", ("idnumber",))
    p = meta.provenance
    fw = Framework(key=path.stem, idnumber=meta.idnumber, shortname=meta.shortname, name=meta.name,
                   description=meta.description, publisher=meta.publisher, year=meta.year,
                   provenance=p.model_dump(), scale_values=list(meta.scale.values),
                   scale_default=meta.scale.default, scale_proficient=list(meta.scale.proficient),
                   taxonomies=list(meta.taxonomies), file=path)

    def add(node: Node, loc: tuple) -> bool:
        if not ID_OK.match(node.id) or "," in node.id or len(node.id) > 100:
            bad(f"id '{node.id}' must be printable ASCII without spaces or commas, at most 100 characters",
                loc + ("id",))
            return False
        if _numeric(node.id):
            bad(f"id '{node.id}' looks like a number; Moodle's importer compares such ids as numbers "
                f"('1.1' equals '1.10'), so give it a prefix such as '{meta.idnumber}.{node.id}'", loc + ("id",))
            return False
        if len(node.name) > 100:
            bad(f"name of '{node.id}' is {len(node.name)} characters; Moodle shortens short names over 100",
                loc + ("name",))
        prev = owner.get(node.id)
        if prev is not None:
            where = "this file" if prev is fw else prev.file.name
            bad(f"id '{node.id}' is used twice (also in {where})", loc + ("id",))
            return False
        owner[node.id] = fw
        fw.nodes[node.id] = node
        fw.order[node.id] = len(fw.order)
        return True

    if meta.idnumber in owner:
        bad(f"idnumber '{meta.idnumber}' is used twice (also in {owner[meta.idnumber].file.name})", ("idnumber",))
    owner[meta.idnumber] = fw
    for di, d in enumerate(meta.domains):
        dloc = ("domains", di)
        dom = Node(d.id, d.name, "domain", fw, d.number, d.description, assessed=d.assessed,
                   reason=d.reason or "", line=doc.pos(dloc)[0])
        if not add(dom, dloc):
            continue
        fw.domains.append(dom)
        for ci, c in enumerate(d.competencies):
            cloc = dloc + ("competencies", ci)
            comp = Node(c.id, c.name, "competency", fw, c.number, c.description, parent=dom,
                        provisional=c.provisional, line=doc.pos(cloc)[0])
            if not add(comp, cloc):
                continue
            dom.children.append(comp)
            for ii, ind in enumerate(c.indicators):
                iloc = cloc + ("indicators", ii)
                node = Node(ind.id, ind.name, "indicator", fw, ind.number, parent=comp, tier=ind.tier,
                            line=doc.pos(iloc)[0])
                if add(node, iloc):
                    comp.children.append(node)
    return fw


# --------------------------------------------------------------------------
# rubrics

def load_rubrics(root: Path, diags: Diagnostics, frameworks: dict[str, Framework],
                 broken: set[str] | None = None) -> dict[str, Rubric]:
    out: dict[str, Rubric] = {}
    folder = root / "rubrics"
    if not folder.is_dir():
        return out
    resolver = Resolver(frameworks, diags, broken)
    for path in sorted(folder.glob("*.yaml")):
        rub = _load_rubric(path, diags, resolver) if _portable(path, diags) else None
        if rub is not None:
            out[rub.key] = rub
    return out


def _load_rubric(path: Path, diags: Diagnostics, resolver: "Resolver") -> Rubric | None:
    got = _read(path, RubricIn, "rubric", diags)
    if got is None:
        return None
    doc, meta = got
    criteria: list[Criterion] = []
    seen_id: dict[str, int] = {}
    seen_desc: dict[str, int] = {}
    for ci, c in enumerate(meta.criteria):
        cloc = ("criteria", ci)
        line, col = doc.pos(cloc + ("id",))
        for table, key, what in ((seen_id, c.id, "id"), (seen_desc, c.description.strip().lower(), "description")):
            if key in table:
                dline, dcol = doc.pos(cloc + (what,))
                diags.add(codes.DUPLICATE_CRITERION,
                          f"criterion {ci + 1} has the same {what} as criterion {table[key] + 1}"
                          + (f" ('{c.id}')" if what == "id" else ""), path, dline, dcol)
            else:
                table[key] = ci
        scores = [lv.score for lv in c.levels]
        for li in range(1, len(scores)):
            if scores[li] <= scores[li - 1]:
                lline, lcol = doc.pos(cloc + ("levels", li, "score"))
                diags.add(codes.RUBRIC_LEVELS_ORDER,
                          f"criterion '{c.id}': level {li + 1} scores {scores[li]:g}, not more than level {li} "
                          f"({scores[li - 1]:g})", path, lline, lcol)
                break
        links = resolver.links(c.competencies, doc, cloc + ("competencies",), path, None)
        criteria.append(Criterion(c.id, c.description, [RubricLevel(lv.score, lv.definition) for lv in c.levels],
                                  links, line))
    return Rubric(path.stem, meta.name, meta.description, criteria, path)


# --------------------------------------------------------------------------
# references

class Resolver:
    """Turns written references into framework nodes, reporting what it cannot."""

    def __init__(self, frameworks: dict[str, Framework], diags: Diagnostics, broken: set[str] | None = None):
        self.frameworks = frameworks
        self.diags = diags
        self.broken = broken or set()     # frameworks that failed to load: an unknown id may be theirs
        self.by_id: dict[str, Node] = {}
        for fw in frameworks.values():
            for n in fw.walk():
                self.by_id.setdefault(n.id, n)
        self._reported: set[tuple] = set()

    def links(self, refs: list, doc: YamlDoc | None, loc: tuple, file: Path, framework: Framework | None,
              positions: list[tuple[int, int]] | None = None, any_framework: bool = False) -> list[Link]:
        out: list[Link] = []
        for i, raw in enumerate(refs):
            text = doc.text(loc + (i,), raw) if doc is not None else _plain(raw)
            line, col = positions[i] if positions else doc.pos(loc + (i,)) if doc is not None else (1, 1)
            out.append(Link(text.strip(), file, line, col))
        self.resolve(out, framework, any_framework)
        return out

    def resolve(self, links: list[Link], framework: Framework | None, any_framework: bool = False) -> None:
        """``any_framework``: links to other frameworks are expected (shared units serve several courses)."""
        seen: set[str] = set()
        for link in links:
            node = self.lookup(link.ref, framework)
            if node is None:
                if not self.broken:       # else the framework's own error is the one to fix first
                    self._report(link, codes.UNKNOWN_COMPETENCY, self._unknown_message(link.ref, framework))
                continue
            if node.level == "domain":
                self._report(link, codes.COMPETENCY_NOT_LINKABLE,
                             f"'{link.ref}' is a domain ('{node.name}'); link one of its competencies")
                continue
            if not node.in_scope:
                self._report(link, codes.COMPETENCY_NOT_LINKABLE,
                             f"'{link.ref}' is in domain '{node.domain.name}', which its framework marks "
                             f"'assessed: false' ({node.domain.reason.rstrip('.')})")
                continue
            if node.id in seen:
                self._report(link, codes.DUPLICATE_COMPETENCY_LINK, f"'{link.ref}' is listed twice")
                continue
            seen.add(node.id)
            if framework is not None and node.framework is not framework and not any_framework:
                self._report(link, codes.OTHER_FRAMEWORK,
                             f"'{link.ref}' is in framework '{node.framework.key}', not the course's "
                             f"'{framework.key}'")
            link.node = node

    def lookup(self, ref: str, framework: Framework | None) -> Node | None:
        node = self.by_id.get(ref)
        if node is None and framework is not None:
            node = framework.nodes.get(f"{framework.idnumber}.{ref}")
        return node

    def _unknown_message(self, ref: str, framework: Framework | None) -> str:
        pool = list(self.by_id)
        if framework is not None:
            prefix = framework.idnumber + "."
            pool += [i[len(prefix):] for i in framework.nodes if i.startswith(prefix)]
        close = difflib.get_close_matches(ref, pool, n=1, cutoff=0.75)
        if framework is None and not self.frameworks:
            where = "frameworks/ holds no framework"
        elif framework is None:
            where = "no framework has it (short ids like '1.2' need `framework:` in course.yaml)"
        else:
            where = f"it is not in '{framework.key}' or any other framework"
        msg = f"unknown competency '{ref}': {where}"
        return msg + (f"; did you mean '{close[0]}'?" if close else "")

    def _report(self, link: Link, code, message: str) -> None:
        key = (str(link.file), link.line, link.col, code.id)
        if key in self._reported:   # a shared question file is checked once per course that uses it
            return
        self._reported.add(key)
        self.diags.add(code, message, link.file, link.line, link.col)


def _plain(raw) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw)
