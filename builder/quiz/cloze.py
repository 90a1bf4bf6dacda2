"""Moodle's cloze (embedded answers) syntax: ``{1:SHORTANSWER:=right#feedback~%50%half~*#other}``.

A port of the regular expressions in Moodle's question/type/multianswer/questiontype.php
(qtype_multianswer_extract_question), so that what passes here is what Moodle reads.
Problems are returned as messages with their offset instead of being silently skipped.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from .model import Answer, ClozePart, canonical_fraction

# type name -> (kind, usecase, single, shuffle, layout)
_TYPES: dict[str, tuple[str, bool, bool, bool, int]] = {}


def _t(names: str, kind: str, usecase=False, single=True, shuffle=False, layout=0):
    for n in names.split("|"):
        _TYPES[n] = (kind, usecase, single, shuffle, layout)


_t("NUMERICAL|NM", "numerical")
_t("SHORTANSWER|SA|MW", "shortanswer")
_t("SHORTANSWER_C|SAC|MWC", "shortanswer", usecase=True)
_t("MULTICHOICE|MC", "multichoice", layout=0)
_t("MULTICHOICE_V|MCV", "multichoice", layout=1)
_t("MULTICHOICE_H|MCH", "multichoice", layout=2)
_t("MULTICHOICE_S|MCS", "multichoice", shuffle=True, layout=0)
_t("MULTICHOICE_VS|MCVS", "multichoice", shuffle=True, layout=1)
_t("MULTICHOICE_HS|MCHS", "multichoice", shuffle=True, layout=2)
_t("MULTIRESPONSE|MR", "multichoice", single=False, layout=1)
_t("MULTIRESPONSE_H|MRH", "multichoice", single=False, layout=2)
_t("MULTIRESPONSE_S|MRS", "multichoice", single=False, shuffle=True, layout=1)
_t("MULTIRESPONSE_HS|MRHS", "multichoice", single=False, shuffle=True, layout=2)

_FRACTION = r"=|%(-?[0-9]+(?:[.,][0-9]*)?)%"
_ANSWER = r".+?(?<!\\)(?<!&)(?<!&amp;)(?=[~#}]|$)"
_FEEDBACK = r".*?(?<!\\)(?=[~}]|$)"
_ALT = f"({_FRACTION})?({_ANSWER})(#({_FEEDBACK}))?"
_TYPE_NAMES = "|".join(sorted(_TYPES, key=len, reverse=True))
_START = re.compile(r"\{([0-9]*):([A-Za-z_]+):")
_FULL = re.compile(r"\{([0-9]*):(" + _TYPE_NAMES + r"):(" + _ALT + r"(?:~" + _ALT + r")*)\}", re.S)
_ALT_RE = re.compile(r"~?" + _ALT, re.S)
_NUMBER = r"-?(?:(?:[0-9]+[.,]?[0-9]*|[.,][0-9]+)(?:[eE][-+]?[0-9]+)?)"
_NUMERICAL = re.compile(r"^(" + _NUMBER + r")(?::(" + _NUMBER + r"))?$", re.S)


@dataclass
class ClozeProblem:
    offset: int
    message: str
    fraction_problem: bool = False   # not a syntax error: a grading problem (own code)


def _unescape(s: str) -> str:
    s = html.unescape(s)
    return s.replace("\\}", "}").replace("\\#", "#").replace("\\~", "~").replace("\\/", "/")


def parse(text: str) -> tuple[list[tuple[int, int, ClozePart]], list[ClozeProblem]]:
    """Find every embedded answer: [(start, end, part)], problems."""
    parts: list[tuple[int, int, ClozePart]] = []
    problems: list[ClozeProblem] = []
    pos = 0
    last_close = text.rfind("}")      # no answer opened after it can close: not searched to the end again
    while True:
        m = _START.search(text, pos)
        if m is None:
            break
        start = m.start()
        tname = m.group(2)
        if tname not in _TYPES:
            known = ", ".join(sorted(n for n in _TYPES if len(n) > 3))
            problems.append(ClozeProblem(start, f"unknown embedded answer type '{tname}' (known: {known})"))
            pos = m.end()
            continue
        full = _FULL.match(text, start, last_close + 1) if start < last_close else None
        if full is None or full.group(2) != tname:
            close = text.find("}", m.end()) if start < last_close else -1
            if close < 0:
                msg = f"embedded answer '{text[start:start + 30]}…' is never closed with '}}'"
            elif close == m.end():
                msg = "embedded answer has no answers after the type"
            else:
                msg = (f"embedded answer '{text[start:close + 1]}' could not be read; write answers as "
                       "=right#feedback~wrong#feedback (escape a literal } # or ~ with a backslash)")
            problems.append(ClozeProblem(start, msg))
            pos = m.end()
            continue
        kind, usecase, single, shuffle, layout = _TYPES[tname]
        weight = int(full.group(1)) if full.group(1) else 1
        part = ClozePart(index=len(parts) + 1, source=full.group(0), weight=weight, kind=kind, usecase=usecase,
                         single=single, shuffle=shuffle, layout=layout)
        alts = full.group(3)
        apos = 0
        while True:
            a = _ALT_RE.match(alts, apos)
            if a is None or a.end() == apos:
                break
            frac_tok, pct, ans, fb = a.group(1), a.group(2), a.group(3), a.group(5)
            if frac_tok == "=":
                frac = 1.0
            elif pct is not None:
                raw = float(pct.replace(",", ".")) / 100
                c = canonical_fraction(raw)
                if c is None:
                    problems.append(ClozeProblem(start, f"{pct}% in '{full.group(0)}' is not a percentage "
                                                        "Moodle accepts", fraction_problem=True))
                    c = raw
                frac = c
            else:
                frac = 0.0
            tol = 0.0
            if kind == "numerical":
                n = _NUMERICAL.match(ans)
                if n is None and ans.strip() != "*":
                    problems.append(ClozeProblem(start + full.start(3) - full.start(0) + a.start(),
                                                 f"numerical answer '{ans}' is not a number (write 4730 or 3.14:0.01)"))
                elif n is not None:
                    ans = n.group(1).replace(",", ".")
                    tol = float(n.group(2).replace(",", ".")) if n.group(2) else 0.0
            part.answers.append(Answer(text=_unescape(ans), fraction=frac, feedback=None, line=0,
                                       tolerance=tol, feedback_text=_unescape(fb) if fb else ""))
            apos = a.end()
        _check_part(part, start, problems)
        parts.append((start, full.end(), part))
        pos = full.end()
    return parts, problems


def _check_part(part: ClozePart, start: int, problems: list[ClozeProblem]) -> None:
    fr = [a.fraction for a in part.answers]
    if not any(f > 0 for f in fr):
        problems.append(ClozeProblem(start, f"embedded answer '{part.source}' has no right answer "
                                            "(mark one with = or a positive %…%)", fraction_problem=True))
        return
    if part.kind == "multichoice" and not part.single:
        total = sum(f for f in fr if f > 0)
        if abs(total - 1) > 1e-6:
            problems.append(ClozeProblem(start, f"the right answers of '{part.source}' add up to "
                                                f"{total * 100:g}%, not 100%", fraction_problem=True))
    elif max(fr) < 1 - 1e-6:
        problems.append(ClozeProblem(start, f"no answer of '{part.source}' gives full marks "
                                            f"(the best gives {max(fr) * 100:g}%)", fraction_problem=True))
    if part.kind == "multichoice" and len(part.answers) < 2:
        problems.append(ClozeProblem(start, f"'{part.source}' offers only one choice"))
