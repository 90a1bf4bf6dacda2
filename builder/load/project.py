"""Load and validate the sources of a repository into the compiled model.

Layout (see README.md, "Authoring format"):

    sources.yaml                       bibliography: the documents units cite
    frameworks/<framework-id>.yaml     competency frameworks
    courses/<course-id>/course.yaml    course metadata and the ordered unit ids
    courses/<course-id>/units/<unit-id>.md            a unit in one file, or
    courses/<course-id>/units/<unit-id>/unit.md       a unit folder with
    courses/<course-id>/units/<unit-id>/*.md          one page per file

Everything found wrong is reported into the Diagnostics; loading goes on so
that one run reports every problem.
"""

from __future__ import annotations

from datetime import date
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from .. import codes
from ..competency import load as competency_load
from ..diagnostics import Diagnostics
from ..model import schema
from ..model.base import validate
from ..model.course import BibEntry, Citation, Course, Essay, Page, Project, Unit
from ..render import mdscan
from ..quiz import load as quiz_load
from .files import (RealPaths, loading_pass, open_markdown, portable_name_problem, read_text, report_escape,
                    source_keys, split_front_matter)
from .yamlpos import YamlDoc, load_yaml

UNIT_FILE = "unit.md"


def find_root(start: Path) -> Path | None:
    """The repository root: the nearest folder (from ``start`` up) that has courses/."""
    p = start.resolve()
    if p.is_file():
        p = p.parent
    for cand in (p, *p.parents):
        if (cand / "courses").is_dir():
            return cand
    return None


slugify = mdscan.slugify


def load_project(root: Path, diags: Diagnostics, only: list[str] | None = None) -> Project:
    project = load_common(root, diags)
    for cdir in course_folders(root, only, diags):
        course = load_course(cdir, project, diags)
        if course is not None:
            project.courses.append(course)
    finish_project(project, diags, only)
    resolve_competencies(project, diags)
    return project


def load_common(root: Path, diags: Diagnostics) -> Project:
    """What every course may use: sources, frameworks, rubrics and shared question files."""
    with loading_pass():
        return _load_common(root, diags)


def _load_common(root: Path, diags: Diagnostics) -> Project:
    project = Project(root=root)
    before = diags.error_count()
    project.bibliography = load_bibliography(root, diags)
    if diags.error_count() > before:   # reported; citations of its sources are not reported again
        project.skipped_files.add(root / "sources.yaml")
    project.frameworks = competency_load.load_frameworks(root, diags, project.broken_frameworks)
    project.rubrics = competency_load.load_rubrics(root, diags, project.frameworks, project.broken_frameworks)
    project.shared_categories = quiz_load.load_question_files(
        root / "questions", quiz_load.SHARED, quiz_load.SHARED, diags, _source_checker(project, diags),
        project.skipped_files)
    return project


def course_folders(root: Path, only: list[str] | None, diags: Diagnostics) -> list[Path]:
    """The course folders to load (those named by ``only``, or all), in id order."""
    courses_dir = root / "courses"
    if not courses_dir.is_dir():
        diags.add(codes.NO_COURSES, f"no courses/ folder in {root}", None)
        return []
    wanted = set(only or [])
    found: list[Path] = []
    for cdir in sorted(courses_dir.iterdir(), key=lambda p: p.name):
        if not cdir.is_dir() or cdir.name.startswith((".", "_")):
            continue
        if wanted and cdir.name not in wanted:
            continue
        found.append(cdir)
    for missing in sorted(wanted - {c.name for c in found}):
        diags.add(codes.FILE_NOT_FOUND, f"no course '{missing}' in courses/", None,
                  hint="Pass the id of a folder in courses/ (see `coursepack build --help`).")
    if not wanted and not found:
        diags.add(codes.NO_COURSES, "courses/ holds no course folder", courses_dir)
    return found


def finish_project(project: Project, diags: Diagnostics, only: list[str] | None,
                   courses: "list[CourseIds] | None" = None) -> None:
    """The checks across courses, once every course is loaded. ``courses`` (in course order) stands in for
    ``project.courses`` when courses come from the build cache or worker processes."""
    if courses is None:
        courses = [CourseIds.of(c) for c in project.courses]
    check_across_courses(courses, diags)
    if not only:
        _check_shared_orphans(project.root / "units", project.shared_units_used, diags)


# --------------------------------------------------------------------------
# bibliography

def load_bibliography(root: Path, diags: Diagnostics) -> dict[str, BibEntry]:
    path = root / "sources.yaml"
    if not path.exists():
        return {}
    text = read_text(path, diags)
    if text is None:
        return {}
    doc = load_yaml(text, diags.rel(path), diags, what="sources.yaml")
    if doc is None or doc.data is None:
        return {}
    if not isinstance(doc.data, dict):
        diags.add(codes.INVALID_VALUE, "sources.yaml must map source ids to their details", path, 1, 1)
        return {}
    out: dict[str, BibEntry] = {}
    for key, value in doc.data.items():
        line, col = doc.key_pos((key,))
        if not schema.ID_RE.match(key):
            diags.add(codes.BAD_ID, f"source id '{key}' is not valid", path, line, col)
            continue
        sub = YamlDoc(data=value, file=doc.file, line_offset=doc.line_offset,
                      values={k[1:]: v for k, v in doc.values.items() if k[:1] == (key,)},
                      keys={k[1:]: v for k, v in doc.keys.items() if k[:1] == (key,)})
        entry = validate(schema.BibEntry, sub, diags, f"source '{key}'")
        if entry is None:
            continue
        out[key] = BibEntry(id=key, **entry.model_dump())
    return out


# --------------------------------------------------------------------------
# courses

def load_course(cdir: Path, project: Project, diags: Diagnostics) -> Course | None:
    with loading_pass():
        return _load_course(cdir, project, diags)


def _load_course(cdir: Path, project: Project, diags: Diagnostics) -> Course | None:
    cfile = cdir / "course.yaml"
    problem = portable_name_problem(cdir.name)
    if problem:
        diags.add(codes.RESERVED_NAME, f"course folder {problem}", cdir)
        return None
    if cdir.is_symlink():
        diags.add(codes.PATH_ESCAPES, f"course folder '{cdir.name}' is a symbolic link (to {cdir.resolve()})", cdir,
                  hint="Put the course's real folder in courses/; coursepack only reads files inside it.")
        return None
    if not schema.ID_RE.match(cdir.name):
        diags.add(codes.BAD_ID, f"course folder name '{cdir.name}' is not a valid course id", cdir)
    if not cfile.is_file():
        diags.add(codes.FILE_NOT_FOUND, f"course folder '{cdir.name}' has no course.yaml", cdir,
                  hint="Every folder in courses/ is a course and needs a course.yaml "
                       "(folders starting with '_' are ignored).")
        return None
    text = read_text(cfile, diags)
    if text is None:
        return None
    rel = diags.rel(cfile)
    doc = load_yaml(text, rel, diags, what="course.yaml")
    if doc is None:
        return None
    meta = validate(schema.CourseMeta, doc, diags, "course.yaml")
    valid = meta is not None
    if meta is None:
        # Keep going with what can be salvaged, so that the units' own problems
        # are reported in the same run (the build stops anyway: there are errors).
        meta = _salvage_course_meta(doc.data, cdir.name)
        if meta is None:
            return None
    fw_file = project.root / "frameworks" / f"{meta.framework}.yaml"
    if meta.framework is not None and meta.framework not in project.frameworks and not fw_file.is_file():
        line, col = doc.pos(("framework",))
        known = ", ".join(sorted(project.frameworks)) or "none yet"
        diags.add(codes.FRAMEWORK_UNKNOWN, f"framework '{meta.framework}' is not in frameworks/ (known: {known})",
                  cfile, line, col)
    if not meta.units:
        line, col = doc.key_pos(("units",))
        diags.add(codes.EMPTY_COURSE, f"course '{cdir.name}' lists no units", cfile, line, col)
    question_files = quiz_load.load_question_files(cdir / "questions", "course", cdir.name, diags,
                                                   _source_checker(project, diags), project.skipped_files)
    units: list[Unit] = []
    seen: dict[str, tuple[int, bool]] = {}
    for i, entry in enumerate(meta.units):
        shared = not isinstance(entry, str)
        uid = entry.shared if shared else entry
        line, col = doc.pos(("units", i, "shared") if shared else ("units", i))
        if uid in seen:
            first, was_shared = seen[uid]
            mixed = was_shared != shared
            diags.add(codes.DUPLICATE_ID, f"unit '{uid}' is listed twice (first as item {first + 1}"
                      + (", as a shared unit)" if was_shared and mixed else ", as a course unit)" if mixed else ")"),
                      cfile, line, col,
                      hint="A course's own unit and a shared unit need different ids: rename one." if mixed else None)
            continue
        seen[uid] = (i, shared)
        if shared:
            project.shared_units_used.add(uid)
        unit = load_unit(project.root / "units" if shared else cdir / "units", cdir.name, uid, diags,
                         (rel, line, col), project, shared=shared)
        if unit is not None:
            units.append(unit)
    raw_units = doc.data.get("units") if isinstance(doc.data, dict) else None
    listed = ({u for u in raw_units if isinstance(u, str)} if isinstance(raw_units, list)
              else {u for u in meta.units if isinstance(u, str)})
    _check_orphans(cdir, listed, diags)
    course = Course(
        id=cdir.name, folder=cdir, file=cfile, title=meta.title, shortname=meta.shortname,
        summary_md=meta.summary, hours=meta.hours, audience=meta.audience, framework=meta.framework,
        language=meta.language, idnumber=meta.idnumber, units=units, summary_line=doc.pos(("summary",))[0],
        question_files=question_files, start_date=getattr(meta, "start_date", None),
        competency_outcome=getattr(meta, "competency_outcome", "evidence"), framework_pos=doc.pos(("framework",)),
        mastery_score=getattr(meta, "mastery_score", None),
        shortname_pos=doc.pos(("shortname",)), idnumber_pos=doc.pos(("idnumber",)),
    )
    quiz_load.resolve_course(course, project.shared_categories, diags)
    if valid and units and len(units) == len(meta.units):
        total = round(sum(u.hours for u in units), 4)
        if abs(total - meta.hours) > 1e-6:
            line, col = doc.pos(("hours",))
            parts = " + ".join(f"{u.hours:g}" for u in units)
            diags.add(codes.HOURS_MISMATCH,
                      f"the units add up to {total:g} hours ({parts}) but the course says {meta.hours:g}",
                      cfile, line, col)
    return course


def _salvage_course_meta(data, cid: str):
    if not isinstance(data, dict):
        return None
    raw_units = data.get("units")
    units = []
    for u in raw_units if isinstance(raw_units, list) else []:
        if isinstance(u, str) and schema.ID_RE.match(u):
            units.append(u)
        elif isinstance(u, dict) and list(u) == ["shared"] and isinstance(u["shared"], str) \
                and schema.ID_RE.match(u["shared"]):
            units.append(schema.SharedUnitRef(shared=u["shared"]))
    if not units:
        return None
    hours = data.get("hours")

    def text(key: str, default: str) -> str:
        v = data.get(key)
        return v if isinstance(v, str) and v.strip() else default

    framework = data.get("framework")
    start = data.get("start_date")
    # the framework and start date are kept when they look right, so that pages, quizzes and essays are not
    # reported again for what is only a consequence of the course.yaml error
    return SimpleNamespace(title=text("title", cid), shortname=text("shortname", cid), summary=text("summary", ""),
                           hours=hours if isinstance(hours, (int, float)) and not isinstance(hours, bool) else 0,
                           audience=text("audience", ""), language="en", idnumber=None, units=units,
                           framework=framework if isinstance(framework, str) and schema.ID_RE.match(framework) else None,
                           start_date=start if isinstance(start, date) else None)


def _unit_ids(udir: Path):
    """(id, path) of each unit in a units/ folder: <id>/ or <id>.md, skipping hidden and _ names."""
    if not udir.is_dir():
        return
    for p in sorted(udir.iterdir()):
        if p.name.startswith((".", "_")):
            continue
        uid = p.stem if p.is_file() and p.suffix == ".md" else p.name if p.is_dir() else None
        if uid:
            yield uid, p


def _check_orphans(cdir: Path, listed: set[str], diags: Diagnostics) -> None:
    for uid, p in _unit_ids(cdir / "units"):
        if uid not in listed:
            diags.add(codes.ORPHAN_UNIT, f"'{p.name}' is in units/ but not listed in course.yaml", p)


def _check_shared_orphans(udir: Path, used: set[str], diags: Diagnostics) -> None:
    for uid, p in _unit_ids(udir):
        if uid not in used:
            diags.add(codes.ORPHAN_UNIT, f"shared unit '{p.name}' is in units/ but no course lists it", p,
                      hint=f"List it in a course.yaml as '- shared: {uid}', or move it out of units/.")


def _unit_path(units_dir: Path, uid: str, shared: bool) -> tuple[Path | None, Path | None, str | None]:
    """(unit file, unit folder, problem); ``units_dir`` is a course's units/ or the repository's."""
    folder = units_dir / uid
    single = units_dir / f"{uid}.md"
    has_folder = folder.is_dir()
    has_single = single.is_file()
    at = " at the repository root" if shared else ""
    if has_folder and has_single:
        return None, None, f"both units/{uid}/ and units/{uid}.md exist{at}; keep one"
    if has_folder:
        f = folder / UNIT_FILE
        if not f.is_file():
            return None, None, f"units/{uid}/{at} has no {UNIT_FILE}"
        return f, folder, None
    if has_single:
        return single, single.parent, None
    kind = "shared unit" if shared else "unit"
    return None, None, f"{kind} '{uid}' not found: expected units/{uid}.md or units/{uid}/{UNIT_FILE}{at}"


def load_unit(units_dir: Path, course_id: str, uid: str, diags: Diagnostics,
              listed_at: tuple[str, int, int], project: Project, shared: bool = False) -> Unit | None:
    reserved = portable_name_problem(uid)
    if reserved:
        diags.add(codes.RESERVED_NAME, f"unit id {reserved}, so its file or folder cannot exist on Windows",
                  listed_at[0], listed_at[1], listed_at[2])
        return None
    ufile, folder, problem = _unit_path(units_dir, uid, shared)
    if problem:
        diags.add(codes.FILE_NOT_FOUND, problem, listed_at[0], listed_at[1], listed_at[2],
                  hint="Shared units live in units/<id>/ at the repository root." if shared else None)
        return None
    assert ufile is not None and folder is not None
    # a course's unit stays inside the course folder; a shared unit inside its own folder
    unit = _load_unit(units_dir if shared else units_dir.parent, course_id, uid, ufile, folder, diags,
                      listed_at, project, "units/ at the repository root" if shared else "the course folder")
    if unit is not None and shared:
        unit.shared = True
        unit.boundary = folder if ufile.name == UNIT_FILE else units_dir
    if unit is None:
        project.skipped_files.update(source_keys(ufile))
        if ufile.name == UNIT_FILE:
            for p in folder.glob("*.md"):
                project.skipped_files.update(source_keys(p))
    return unit


def _load_unit(cdir: Path, course_id: str, uid: str, ufile: Path, folder: Path, diags: Diagnostics,
               listed_at: tuple[str, int, int], project: Project, where: str = "the course folder") -> Unit | None:
    if report_escape(ufile, cdir, diags, where, listed_at):
        return None
    text = read_text(ufile, diags)
    if text is None:
        return None
    fm = split_front_matter(text)
    if fm is None or fm.yaml_text is None:
        diags.add(codes.FRONT_MATTER,
                  "unit file has no YAML front matter" if fm else "front matter is opened with '---' but never closed",
                  ufile, 1, 1)
        return None
    doc = load_yaml(fm.yaml_text, diags.rel(ufile), diags, line_offset=fm.yaml_line_offset,
                    what="unit front matter")
    if doc is None:
        return None
    meta = validate(schema.UnitMeta, doc, diags, "unit front matter")
    if meta is None:
        return None
    citations = _citations(meta, doc, project, ufile, diags)
    pages: list[Page] = []
    # pages written inline in the unit file, split at level-1 headings
    pages += _inline_pages(course_id, uid, fm.body, fm.body_line_offset, ufile, diags)
    # pages in their own files (unit folders only)
    if ufile.name == UNIT_FILE:
        files = _page_files(folder, meta, doc, ufile, diags)
        for pf in files:
            page = _load_page_file(course_id, uid, pf, diags, project, cdir, where)
            if page is not None:
                pages.append(page)
            else:
                project.skipped_files.update(source_keys(pf))
    seen: dict[str, Page] = {}
    for p in pages:
        if p.id in seen:
            diags.add(codes.DUPLICATE_ID,
                      f"two pages of unit '{uid}' have the id '{p.id}' "
                      f"({diags.rel(seen[p.id].file)} and {diags.rel(p.file)})",
                      p.file, p.body_line, 1,
                      hint="Rename one of the files, or change one of the page titles.")
        else:
            seen[p.id] = p
    if not pages:
        diags.add(codes.EMPTY_UNIT, f"unit '{uid}' has no pages", ufile, fm.body_line_offset + 1, 1)
    return Unit(course_id=course_id, id=uid, title=meta.title, hours=meta.hours, summary_md=meta.summary,
                outcomes=list(meta.outcomes), sources=citations, pages=pages, file=ufile, folder=folder,
                summary_line=doc.pos(("summary",))[0])


def _source_checker(project: Project, diags: Diagnostics):
    """Check a question's ``sources:`` like a unit's."""
    def check(meta, doc: YamlDoc, file: Path) -> list[Citation]:
        return _citations(meta, doc, project, file, diags)
    return check


def _citations(meta, doc: YamlDoc, project: Project, ufile: Path,
               diags: Diagnostics) -> list[Citation]:
    out = []
    for i, s in enumerate(meta.sources):
        cite = Citation(ref=s) if isinstance(s, str) else Citation(ref=s.ref, lines=s.lines and str(s.lines),
                                                                   note=s.note)
        path = ("sources", i) if isinstance(s, str) else ("sources", i, "ref")
        line, col = doc.pos(path)
        entry = project.bibliography.get(cite.ref)
        if entry is None and project.root / "sources.yaml" in project.skipped_files:
            pass              # sources.yaml itself is broken: that error is the one to fix first
        elif entry is None:
            known = ", ".join(sorted(project.bibliography)) or "none: sources.yaml is missing or empty"
            diags.add(codes.UNKNOWN_SOURCE, f"source '{cite.ref}' is not in sources.yaml (known: {known})",
                      ufile, line, col)
        elif cite.lines and entry.lines:
            allowed = schema.parse_lines(entry.lines)
            for a, b in schema.parse_lines(cite.lines):
                if not any(lo <= a and b <= hi for lo, hi in allowed):
                    lline, lcol = doc.pos(("sources", i, "lines"))
                    diags.add(codes.SOURCE_LINES,
                              f"lines {a}-{b} are outside '{cite.ref}' (lines {entry.lines} of {entry.seed or 'its file'})",
                              ufile, lline, lcol)
        out.append(cite)
    return out


def _page_files(folder: Path, meta: schema.UnitMeta, doc: YamlDoc, ufile: Path,
                diags: Diagnostics) -> list[Path]:
    if meta.pages is not None:
        out = []
        for i, name in enumerate(meta.pages):
            line, col = doc.pos(("pages", i))
            if "/" in name or "\\" in name or name.startswith("."):
                diags.add(codes.PATH_ESCAPES, f"page '{name}' must be a file name in the unit folder", ufile, line, col)
                continue
            p = folder / name
            if not p.is_file():
                diags.add(codes.FILE_NOT_FOUND, f"page file '{name}' does not exist in {folder.name}/", ufile, line, col)
                continue
            out.append(p)
        listed = {p.name for p in out}
        for p in sorted(folder.glob("*.md")):
            if p.name != UNIT_FILE and p.name not in listed:
                diags.add(codes.ORPHAN_UNIT, f"page file '{p.name}' is not listed in 'pages:' of unit.md", p, 1, 1,
                          hint="Add it to 'pages:' or delete it.")
        return out
    return [p for p in sorted(folder.glob("*.md"), key=lambda p: p.name) if p.name != UNIT_FILE]


def _inline_pages(course_id: str, uid: str, body: str, offset: int, file: Path,
                  diags: Diagnostics) -> list[Page]:
    lines = body.split("\n")
    h1s = [h for h in mdscan.headings(lines) if h.level == 1]
    first = h1s[0].line if h1s else len(lines)
    before = "\n".join(lines[:first]).strip()
    if before:
        idx = next(i for i, l in enumerate(lines) if l.strip())
        diags.add(codes.TEXT_BEFORE_PAGE, "text before the first page heading of the unit file",
                  file, offset + idx + 1, 1)
    pages = []
    for sec in mdscan.sections(lines, 1, h1s):
        h = sec.heading
        text = "\n".join(sec.body).rstrip("\n")
        kind = "label" if mdscan.has_class(h.attrs, "label") else "page"
        if not h.text:
            diags.add(codes.MISSING_KEY, "page heading has no title", file, offset + h.line + 1, 1)
            continue
        _check_name(h.text, file, offset + h.line + 1, diags)
        pid = mdscan.attr_id(h.attrs) or slugify(h.text)
        if not schema.ID_RE.match(pid):
            diags.add(codes.BAD_ID, f"page id '{pid}' is not valid", file, offset + h.line + 1, 1)
            continue
        pages.append(Page(course_id=course_id, unit_id=uid, id=pid, title=h.text, kind=kind,
                          markdown=text, file=file, body_line=offset + sec.lead + 1,
                          completion="none" if kind == "label" else "view"))
    return pages


def _check_name(title: str, file: Path, line: int, diags: Diagnostics) -> None:
    if len(title) > 255:
        diags.add(codes.TEXT_TOO_LONG, f"page title is {len(title)} characters; Moodle allows 255", file, line, 1)


def _load_page_file(course_id: str, uid: str, pf: Path, diags: Diagnostics, project: Project,
                    boundary: Path | None = None, where: str = "the course folder") -> Page | None:
    opened = open_markdown(pf, diags, "page", "id", "02-the-values.md", boundary, where)
    if opened is None:
        return None
    pid, fm = opened
    meta = schema.PageMeta()
    if fm.yaml_text is not None:
        doc = load_yaml(fm.yaml_text, diags.rel(pf), diags, line_offset=fm.yaml_line_offset, what="page front matter")
        if doc is None:
            return None
        if isinstance(doc.data, dict) and doc.data.get("type") == "quiz":
            return _load_quiz_file(course_id, uid, pid, pf, fm, doc, diags, project)
        if isinstance(doc.data, dict) and doc.data.get("type") == "essay":
            return _load_essay_file(course_id, uid, pid, pf, fm, doc, diags)
        m = validate(schema.PageMeta, doc, diags, "page front matter")
        if m is None:
            return None
        meta = m
    lines = fm.body.split("\n")
    title = meta.title
    body_start = 0
    heads = mdscan.headings(lines)
    first_content = next((i for i, l in enumerate(lines) if l.strip()), None)
    if heads and heads[0].level == 1 and heads[0].line == first_content:
        h = heads[0]
        if title is None:
            title = h.text
        body_start = h.line + (2 if h.setext else 1)
        if mdscan.has_class(h.attrs, "label") and meta.type == "page":
            meta = meta.model_copy(update={"type": "label"})
    if not title:
        diags.add(codes.MISSING_KEY, "page has no title: add 'title:' to the front matter or start with '# Title'",
                  pf, 1, 1)
        return None
    _check_name(title, pf, 1, diags)
    body_lines = lines[body_start:]
    if any(l.strip() for l in body_lines):
        while not body_lines[0].strip():
            body_lines.pop(0)
            body_start += 1
    completion = meta.completion or ("none" if meta.type == "label" else "view")
    return Page(course_id=course_id, unit_id=uid, id=pid, title=title, kind=meta.type,
                markdown="\n".join(body_lines).rstrip("\n"), file=pf, body_line=fm.body_line_offset + body_start + 1,
                description=meta.description, completion=completion,
                competency_refs=_refs(meta.competencies, doc) if fm.yaml_text is not None else [])


def _refs(values: list, doc: YamlDoc) -> list[tuple[str, int, int]]:
    """Competency references as written, with their positions."""
    return [(doc.text(("competencies", i), v), *doc.pos(("competencies", i))) for i, v in enumerate(values)]


def _title_and_body(fm, meta_title: str | None, pf: Path, what: str, diags: Diagnostics):
    """The title (front matter, else a leading '# heading') and the body after it: (title, body, body line)."""
    lines = fm.body.split("\n")
    heads = mdscan.headings(lines)
    first_content = next((i for i, l in enumerate(lines) if l.strip()), None)
    title = meta_title
    start = 0
    if heads and heads[0].level == 1 and heads[0].line == first_content:
        title = title or heads[0].text
        start = heads[0].line + (2 if heads[0].setext else 1)
    if not title:
        diags.add(codes.MISSING_KEY, f"{what} has no title: add 'title:' to the front matter or start with '# Title'",
                  pf, 1, 1)
        return None
    _check_name(title, pf, 1, diags)
    return title, "\n".join(lines[start:]), fm.body_line_offset + start + 1


def _activity_front(model, what: str, fm, doc: YamlDoc, pf: Path, diags: Diagnostics):
    """A quiz's or essay's front matter validated, and its title and body: (meta, title, body, line) or None."""
    meta = validate(model, doc, diags, f"{what} front matter")
    if meta is None:
        return None
    tb = _title_and_body(fm, meta.title, pf, what, diags)
    return None if tb is None else (meta, *tb)


def _load_essay_file(course_id: str, uid: str, pid: str, pf: Path, fm, doc: YamlDoc,
                     diags: Diagnostics) -> Page | None:
    got = _activity_front(schema.EssayMeta, "essay", fm, doc, pf, diags)
    if got is None:
        return None
    meta, title, body, body_line = got
    blines = body.split("\n")
    while blines and not blines[0].strip():
        blines.pop(0)
        body_line += 1
    essay = Essay(rubric_key=meta.rubric, rubric_pos=doc.pos(("rubric",)), word_limit=meta.word_limit,
                  submission=list(meta.submission), max_files=meta.max_files, due_days=meta.due_days,
                  due_pos=doc.pos(("due",)), pass_=meta.pass_, pass_pos=doc.pos(("pass",)),
                  completion=meta.completion, competency_outcome=meta.competency_outcome)
    return Page(course_id=course_id, unit_id=uid, id=pid, title=title, kind="essay",
                markdown="\n".join(blines).rstrip("\n"), file=pf, body_line=body_line,
                description=meta.description, completion=meta.completion, essay=essay,
                competency_refs=_refs(meta.competencies, doc), competency_outcome=meta.competency_outcome)


def _load_quiz_file(course_id: str, uid: str, pid: str, pf: Path, fm, doc: YamlDoc, diags: Diagnostics,
                    project: Project) -> Page | None:
    got = _activity_front(schema.QuizMeta, "quiz", fm, doc, pf, diags)
    if got is None:
        return None
    meta, title, body, body_line = got
    key = f"{course_id}/{uid}/{pid}"
    quiz = quiz_load.build_quiz(meta, doc, body, body_line, pf, key, title, diags, _source_checker(project, diags))
    return Page(course_id=course_id, unit_id=uid, id=pid, title=title, kind="quiz", markdown=quiz.intro.text
                if quiz.intro else "", file=pf, body_line=quiz.intro.line if quiz.intro else body_line,
                description=meta.description, completion=quiz.completion, quiz=quiz,
                competency_refs=_refs(meta.competencies, doc), competency_outcome=meta.competency_outcome)


@dataclass
class CourseIds:
    """What must be unique across the courses of a repository (as on a Moodle site), with where it is set."""

    id: str
    file: Path
    shortname: str
    shortname_pos: tuple[int, int]
    idnumber: str | None
    idnumber_pos: tuple[int, int]

    @classmethod
    def of(cls, c: Course) -> "CourseIds":
        return cls(c.id, c.file, c.shortname, c.shortname_pos, c.idnumber, c.idnumber_pos)


def check_across_courses(courses: list[CourseIds], diags: Diagnostics) -> None:
    """Short names and ID numbers must be unique on a Moodle site (and so across the repository)."""
    by_short: dict[str, CourseIds] = {}
    by_idnumber: dict[str, CourseIds] = {}
    for c in courses:
        other = by_short.get(c.shortname.lower())
        if other is not None:
            diags.add(codes.DUPLICATE_SHORTNAME,
                      f"short name '{c.shortname}' is also used by course '{other.id}'", c.file, *c.shortname_pos)
        else:
            by_short[c.shortname.lower()] = c
        if not c.idnumber:
            continue
        other = by_idnumber.get(c.idnumber)
        if other is not None:
            diags.add(codes.DUPLICATE_ID, f"ID number '{c.idnumber}' is also used by course '{other.id}'", c.file,
                      *c.idnumber_pos, hint="Give each course its own `idnumber`: Moodle requires course ID numbers "
                                            "to be unique on a site, and a restore drops one that is already used.")
        else:
            by_idnumber[c.idnumber] = c


# --------------------------------------------------------------------------
# competency links

def resolve_competencies(project: Project, diags: Diagnostics) -> None:
    """Resolve every competency reference of every course, and attach rubrics to essays."""
    resolver = competency_load.Resolver(project.frameworks, diags, project.broken_frameworks)
    for course in project.courses:
        resolve_course_competencies(project, course, resolver, diags)


def resolve_course_competencies(project: Project, course: Course, resolver: "competency_load.Resolver",
                                diags: Diagnostics) -> None:
    fw = project.frameworks.get(course.framework) if course.framework else None
    if course.framework and fw is None:
        return            # the framework file itself is broken (reported) or unknown (CP116): no cascade
    if course.framework in project.broken_frameworks:
        return
    written = False
    real = RealPaths()
    shared = [real(u.folder) for u in course.units if u.shared]
    known: dict[Path, bool] = {}

    def in_shared(file: Path) -> bool:        # asked for every question of a file: answered once per file
        inside = known.get(file)
        if inside is None:
            inside = known[file] = any(real(file).is_relative_to(f) for f in shared)
        return inside

    for page in course.pages():
        written |= bool(page.competency_refs)
        page.links = resolver.links([r for r, _, _ in page.competency_refs], None, (), page.file, fw,
                                    positions=[(ln, col) for _, ln, col in page.competency_refs],
                                    any_framework=in_shared(page.file))
        if page.essay is not None:
            _attach_rubric(page, course, project, diags)
    for cat in course.categories:
        for q in cat.questions:
            written |= bool(q.competencies)
            q.links[course.framework] = resolver.links(q.competencies, None, (), q.file, fw,
                                                       positions=q.competency_pos,
                                                       any_framework=in_shared(q.file))
    if fw is None and (written or any(p.essay and p.essay.rubric and any(c.links for c in p.essay.rubric.criteria)
                                      for p in course.pages())):
        diags.add(codes.NO_FRAMEWORK, f"course '{course.id}' links competencies but names no framework",
                  course.file, 1, 1)


def _attach_rubric(page: Page, course: Course, project: Project, diags: Diagnostics) -> None:
    essay = page.essay
    assert essay is not None
    essay.rubric = project.rubrics.get(essay.rubric_key)
    if essay.rubric is None and (project.root / "rubrics" / f"{essay.rubric_key}.yaml").is_file():
        return            # the rubric file is there but broken: reported already
    if essay.rubric is None:
        known = ", ".join(sorted(project.rubrics)) or "none: rubrics/ is empty"
        diags.add(codes.UNKNOWN_RUBRIC, f"rubric '{essay.rubric_key}' is not in rubrics/ (known: {known})",
                  page.file, *essay.rubric_pos)
    if essay.due_days is not None and course.start_date is None:
        diags.add(codes.DUE_WITHOUT_START, f"essay '{page.title}' is due {essay.due_days} days after the course "
                  "start, but course.yaml has no start_date", page.file, *essay.due_pos)
    if essay.rubric is not None and essay.pass_ is not None:
        pts = essay.pass_points()
        if pts is not None and pts > essay.rubric.top_score:
            diags.add(codes.BAD_PASS_GRADE, f"pass {pts:g} is above the rubric's top score "
                      f"{essay.rubric.top_score:g}", page.file, *essay.pass_pos)
