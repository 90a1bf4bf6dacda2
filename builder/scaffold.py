"""`coursepack new course|unit`: write valid starting sources, with a comment on every field.

The files pass `coursepack check --strict` as written, so an author starts from green and
changes one thing at a time. Nothing is overwritten: an existing folder is an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .diagnostics import Diagnostics
from .load.project import load_bibliography
from .model.schema import ID_RE


class ScaffoldError(Exception):
    """A problem the author can fix (the message says how)."""


@dataclass
class Written:
    files: list[Path]
    notes: list[str]


COURSE_YAML = """\
# {title}: the course's settings. Every key is explained in README.md, "Authoring format".
title: {title}                 # the course's full name in Moodle and the SCORM player (max 254 characters)
shortname: {shortname}         # Moodle's short name: unique across the courses of this repository
summary: |                     # Markdown, no images: what the course is and who it is for
  Replace this with two or three sentences on what the course offers and who it is for.
hours: {hours:g}               # study time in hours: must equal the sum of the units' hours
audience: Replace this with who the course is for.
# framework: hee-psw-2020      # optional: the competency framework (a file in frameworks/) coverage is measured against
# start_date: 2027-01-04       # optional: needed when an essay has a due date
mastery_score: 70%             # SCORM: the average quiz score that counts as passed
language: en                   # the course's language (en, cy, ...)
units:                         # in teaching order: units/<id>/ in this folder, or `- shared: <id>` (units/ at the root)
  - {unit}
"""

UNIT_MD = """\
---
# The unit's settings; its pages are the other .md files in this folder, in file-name order.
title: {title}                 # shown as the section name
hours: {hours:g}               # study time in hours (the course's hours add these up)
summary: >-                    # one or two sentences shown under the section name (Markdown, no images)
  Replace this with what the unit covers.
outcomes:                      # "By the end of this unit you will be able to:" (two or more)
  - Replace this with the first thing a learner will be able to do.
  - Replace this with the second thing a learner will be able to do.
sources:                       # where the facts come from: ids from sources.yaml, with line ranges
  - ref: {source}
    lines: "{lines}"           # lines inside the document's range in sources.yaml
    note: replace with what the unit takes from this source
---
"""

PAGE_MD = """\
---
# A page. Its title is the heading below; front matter is optional (competencies: [...] links what it teaches).
---
# {title}

Replace this text with the page's teaching, in your own words. Use `##` headings for its sections,
short paragraphs, lists and tables.

## A section

!!! example "Activity: try it out"
    Replace this with a short activity or discussion prompt for the learner.
"""

QUIZ_MD = """\
---
type: quiz                     # this page is a quiz (README, "Quizzes and questions")
title: "Check your understanding: {title}"
pass: 70%                      # grade to pass
completion: pass               # the quiz counts as complete when passed
behaviour: interactive         # feedback after each question, with hints
attempts: 0                    # 0 = unlimited
---
A short quiz to check your understanding. Replace the questions below with your own.

## A first question {{#{prefix}-first}}
type: multichoice
sources: [{{ref: {source}, lines: "{lines}"}}]

Replace this with the question. Which answer is right?

- [x] The right answer
  > Feedback for this answer.
- [ ] A wrong answer
  > Feedback for this answer.

### Hint
A hint shown after a wrong try.

### Feedback
General feedback shown after the question is answered.

## A second question {{#{prefix}-second}}
type: truefalse
sources: [{{ref: {source}, lines: "{lines}"}}]

Replace this with a statement that is true.

- [x] True
- [ ] False
"""


def _title(ident: str) -> str:
    return ident.replace("-", " ").capitalize()


def _check_id(kind: str, ident: str) -> None:
    if not ID_RE.match(ident):
        raise ScaffoldError(f"'{ident}' is not a valid {kind} id: use lowercase letters, digits and hyphens, "
                            f"starting with a letter or digit (for example 'peer-values').")


def _first_source(root: Path) -> tuple[str, str]:
    """(id, first line) of the first valid document in sources.yaml, which the new unit cites."""
    bibliography = load_bibliography(root, Diagnostics(root=root))     # its problems are `check`'s to report
    if not bibliography:
        raise ScaffoldError("sources.yaml has no document to cite: add the source your course draws on first "
                            "(README, \"sources.yaml\"), then run this again.")
    entry = next(iter(bibliography.values()))
    first = re.match(r"\s*(\d+)", entry.lines or "")
    return entry.id, first.group(1) if first else "1"


def _unit_files(folder: Path, unit_id: str, hours: float, root: Path) -> dict[Path, str]:
    source, line = _first_source(root)
    title = _title(unit_id)
    prefix = "".join(w[0] for w in unit_id.split("-"))[:6] + "-" + unit_id[:20]
    return {
        folder / "unit.md": UNIT_MD.format(title=title, hours=hours, source=source, lines=line),
        folder / "01-introduction.md": PAGE_MD.format(title=f"Introducing {title.lower()}"),
        folder / "02-check-your-understanding.md": QUIZ_MD.format(title=title.lower(), prefix=prefix,
                                                                  source=source, lines=line),
    }


def _align(text: str, column: int = 32) -> str:
    """Line up the trailing comments of `key: value   # comment` lines."""
    out = []
    for line in text.split("\n"):
        m = re.match(r"^(\S[^#]*?\S)\s{2,}(#.*)$", line)
        out.append(f"{m.group(1):<{column - 1}} {m.group(2)}" if m and not line.startswith("#") else line)
    return "\n".join(out)


def _write(files: dict[Path, str]) -> list[Path]:
    for path, text in files.items():
        text = _align(text) if path.suffix == ".yaml" or path.name == "unit.md" else text
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8", newline="\n") as f:     # never overwrite
            f.write(text)
    return list(files)


def new_course(root: Path, course_id: str, title: str | None = None, hours: float = 1.0) -> Written:
    _check_id("course", course_id)
    cdir = root / "courses" / course_id
    if cdir.exists():
        raise ScaffoldError(f"courses/{course_id} already exists: choose another id, or add a unit to it with "
                            f"`coursepack new unit {course_id} <unit-id>`.")
    title = title or _title(course_id)
    shortname = course_id.upper()[:100]
    files = {cdir / "course.yaml": COURSE_YAML.format(title=_yaml_text(title), shortname=shortname, hours=hours,
                                                      unit="introduction")}
    files.update(_unit_files(cdir / "units" / "introduction", "introduction", hours, root))
    return Written(_write(files), [f"Next: edit courses/{course_id}/course.yaml and the unit's pages, then run "
                                   f"`coursepack check courses/{course_id}`."])


def new_unit(root: Path, course_id: str, unit_id: str, hours: float = 1.0) -> Written:
    _check_id("unit", unit_id)
    cdir = root / "courses" / course_id
    cfile = cdir / "course.yaml"
    if not cfile.is_file():
        raise ScaffoldError(f"no course '{course_id}' (courses/{course_id}/course.yaml); create it with "
                            f"`coursepack new course {course_id}`.")
    folder = cdir / "units" / unit_id
    if folder.exists() or (cdir / "units" / f"{unit_id}.md").exists():
        raise ScaffoldError(f"courses/{course_id}/units/{unit_id} already exists: choose another id.")
    text = cfile.read_text(encoding="utf-8")
    listing = re.search(r"^units:[^\n]*\n((?:[ \t]+-[^\n]*\n?|[ \t]*#[^\n]*\n?)*)", text, re.M)
    if listing is None:
        raise ScaffoldError(f"courses/{course_id}/course.yaml has no `units:` list to add the unit to.")
    written = _write(_unit_files(folder, unit_id, hours, root))
    block = listing.group(1)
    if block and not block.endswith("\n"):
        block += "\n"
    indent = re.match(r"[ \t]*", block.split("\n")[0]).group(0) if block.strip() else "  "
    new_text = text[:listing.start(1)] + block + f"{indent}- {unit_id}\n" + text[listing.end(1):]
    notes = [f"Added `- {unit_id}` to the units of courses/{course_id}/course.yaml."]
    hours_line = re.search(r"^hours:[ \t]*([0-9.]+)", new_text, re.M)
    if hours_line:
        total = float(hours_line.group(1)) + hours
        new_text = new_text[:hours_line.start(1)] + f"{total:g}" + new_text[hours_line.end(1):]
        notes.append(f"The course's hours are now {total:g} (the unit adds {hours:g}); adjust them as you plan.")
    cfile.write_text(new_text, encoding="utf-8")
    return Written(written + [cfile], notes)


def _yaml_text(text: str) -> str:
    """A one-line YAML scalar: quoted when plain would be misread."""
    return text if re.fullmatch(r"[A-Za-z][\w ,.()'&-]*", text) else '"' + text.replace('"', '\\"') + '"'
