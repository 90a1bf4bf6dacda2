"""Write the coverage report: index.html (self-contained), coverage.json and coverage.csv.

The three hold the same data. Nothing in them depends on the clock or the
machine, so the same sources give byte-identical files.
"""

from __future__ import annotations

import csv
import functools
import io
import json
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from ..competency.coverage import Coverage, Evidence, Report

SCHEMA_VERSION = 1
TEMPLATES = Path(__file__).parent / "templates"


@dataclass
class Change:
    """What a change did to one coverage scope, against an earlier revision."""

    scope: str
    framework: str
    before: float | None
    after: float
    gained: list[str]       # competency ids newly assessed
    lost: list[str]         # competency ids no longer assessed

    def to_json(self) -> dict:
        return {"scope": self.scope, "framework": self.framework, "percent_before": self.before,
                "percent_after": self.after, "gained": self.gained, "lost": self.lost}


def _ev(e: Evidence) -> dict:
    return {"kind": e.kind, "id": e.id, "label": e.label, "activity": e.activity, "file": e.file, "line": e.line}


def _scope_json(c: Coverage) -> dict:
    return {
        "scope": c.scope,
        "title": c.title,
        "framework": c.framework.key,
        "courses": c.courses,
        "in_scope": len(c.in_scope()),
        "assessed": len(c.assessed()),
        "percent": c.percent,
        "summary": c.summary(),
        "gaps": [r.node.id for r in c.gaps()],
        "addressed_only": [r.node.id for r in c.gaps() if r.addressed_by],
        "domains": c.domains(),
        "activities": [{"key": a.key, "title": a.title, "kind": a.kind, "unit": a.unit} for a in c.activities],
        "competencies": [
            {"id": r.node.id, "number": r.node.number, "name": r.node.name, "domain": r.node.domain.id,
             "status": r.status, "provisional": r.node.provisional,
             "assessed_by": [_ev(e) for e in r.assessed_by], "addressed_by": [_ev(e) for e in r.addressed_by],
             **({"assessed_in_courses": r.courses} if c.scope == "curriculum" else {})}
            for r in c.rows.values()
        ],
    }


def to_json(report: Report, changes: list[Change] | None = None, since: str | None = None) -> bytes:
    data = {
        "generator": "coursepack",
        "schema_version": SCHEMA_VERSION,
        "curriculum": [_scope_json(c) for c in report.curriculum],
        "courses": [_scope_json(c) for c in report.courses],
        "courses_without_framework": report.without_framework,
    }
    if changes is not None:
        data["since"] = {"revision": since, "changes": [ch.to_json() for ch in changes]}
    return (_dumps(data) + "\n").encode("utf-8")


def _dumps(value) -> str:
    """``json.dumps(value, indent=2, ensure_ascii=False)``, the same characters, twice as fast: with an
    indent the standard library encodes in pure Python through generators (tests/test_competencies.py
    holds the two equal on random documents)."""
    parts: list[str] = []
    _encode(value, 0, parts)
    return "".join(parts)


def _encode(o, level: int, parts: list[str]) -> None:
    if isinstance(o, str):
        parts.append(_string(o))
    elif o is None:
        parts.append("null")
    elif o is True:
        parts.append("true")
    elif o is False:
        parts.append("false")
    elif isinstance(o, int):
        parts.append(int.__repr__(o))
    elif isinstance(o, float):
        parts.append(json.dumps(o))   # NaN, Infinity and the shortest repr, as json writes them
    elif isinstance(o, dict) and all(isinstance(k, str) for k in o):
        if not o:
            parts.append("{}")
            return
        inner = "\n" + "  " * (level + 1)
        sep = "{" + inner
        for k, v in o.items():
            parts.append(sep)
            parts.append(_string(k))
            parts.append(": ")
            _encode(v, level + 1, parts)
            sep = "," + inner
        parts.append("\n" + "  " * level + "}")
    elif isinstance(o, (list, tuple)):
        if not o:
            parts.append("[]")
            return
        inner = "\n" + "  " * (level + 1)
        sep = "[" + inner
        for v in o:
            parts.append(sep)
            _encode(v, level + 1, parts)
            sep = "," + inner
        parts.append("\n" + "  " * level + "]")
    else:                             # anything else (keys that are not text …): as json writes it
        parts.append(json.dumps(o, indent=2, ensure_ascii=False).replace("\n", "\n" + "  " * level))


_string = json.encoder.encode_basestring      # the C encoder when present (ensure_ascii=False)


CSV_HEADER = ["scope", "framework", "domain", "competency", "number", "name", "status", "assessed_by_count",
              "addressed_by_count", "assessed_by", "addressed_by"]


def to_csv(report: Report) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_HEADER)
    for c in [*report.curriculum, *report.courses]:
        scope = c.scope if c.scope != "curriculum" else f"curriculum:{c.framework.key}"
        for r in c.rows.values():
            w.writerow([scope, c.framework.key, r.node.domain.id, r.node.id, r.node.number or "", r.node.name,
                        r.status, len(r.assessed_by), len(r.addressed_by),
                        "; ".join(f"{e.kind}:{e.id}" for e in r.assessed_by),
                        "; ".join(f"{e.kind}:{e.id}" for e in r.addressed_by)])
    return out.getvalue().encode("utf-8")


def prepare() -> None:
    """Load and compile the report's template ahead (a build does it while its workers run)."""
    _env().get_template("coverage.html.j2")


@functools.lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "j2"]),
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["pct"] = lambda v: "–" if v is None else f"{v:g}%"
    return env


def heat(n: int) -> str:
    """Heatmap class for a cell: how many items link the competency."""
    return "h0" if n == 0 else "h1" if n == 1 else "h2" if n <= 3 else "h3"


def columns(c: Coverage) -> list:
    """Matrix columns: the course's activities (labels only decorate the course page)."""
    return [a for a in c.activities if a.kind != "label"]


def matrix(c: Coverage) -> list[dict]:
    """Rows of the course matrix: per competency, its cells (per activity, the number of linking items),
    written here rather than in the template: a curriculum of fifty courses has ~70,000 cells."""
    cols = columns(c)
    out = []
    for r in c.rows.values():
        ass_by: dict[str, list] = {}
        adr_by: dict[str, list] = {}
        for e in r.assessed_by:
            ass_by.setdefault(e.activity, []).append(e)
        for e in r.addressed_by:
            adr_by.setdefault(e.activity, []).append(e)
        cells = []
        for a in cols:
            ass = ass_by.get(a.key, [])
            adr = adr_by.get(a.key, [])
            n = len(ass)
            title = "; ".join(e.label for e in ass + adr)
            cls = heat(n) if n else ("ad" if adr else "h0")
            attr = f' title="{escape(title)}"' if title else ""
            text = n if n else ("•" if adr else "")
            cells.append(f'<td class="c {cls}"{attr}>{text}</td>')
        out.append({"row": r, "cells": Markup("".join(cells))})
    return out


def to_html(report: Report, changes: list[Change] | None = None, since: str | None = None) -> bytes:
    tmpl = _env().get_template("coverage.html.j2")
    css = (TEMPLATES / "coverage.css").read_text(encoding="utf-8")
    js = (TEMPLATES / "coverage.js").read_text(encoding="utf-8")
    html = tmpl.render(report=report, changes=changes, since=since, css=css, js=js, matrix=matrix, heat=heat,
                       columns=columns)
    return html.encode("utf-8")


def outputs(report: Report, changes: list[Change] | None = None, since: str | None = None) -> dict[str, bytes]:
    return {"index.html": to_html(report, changes, since), "coverage.json": to_json(report, changes, since),
            "coverage.csv": to_csv(report)}


def compare(now: Report, before: Report | None) -> list[Change]:
    old = {(c.scope, c.framework.key): c for c in ([*before.curriculum, *before.courses] if before else [])}
    out = []
    for c in [*now.curriculum, *now.courses]:
        prev = old.get((c.scope, c.framework.key))
        now_ids = {r.node.id for r in c.assessed()}
        was_ids = {r.node.id for r in prev.assessed()} if prev else set()
        out.append(Change(c.scope, c.framework.key, prev.percent if prev else None, c.percent,
                          sorted(now_ids - was_ids), sorted(was_ids - now_ids)))
    return out
