"""The course-by-course pipeline behind ``coursepack build`` and ``coursepack check``.

Each course goes through the same stages on its own (load -> competency links -> render -> language ->
package) and gives a :class:`CourseResult`: its diagnostics, its outputs and its coverage facts. That
shape is what makes the two speed-ups possible:

* the build cache (:mod:`builder.cache`) keeps a result per course under a key hashed from its
  sources, so a course whose sources did not change is not loaded again;
* courses that must be built run in a pool of worker processes (forked, so the shared part of the
  project is loaded once), largest first, when there is more than one CPU and enough work.

What belongs to no single course runs once in the parent: sources, frameworks, rubrics and shared
question files (loaded before the courses), then the checks across courses (short names, unused
shared units), the framework CSVs and the coverage report (from every course's coverage facts).
The diagnostics are the same as :func:`builder.build.check_project` gives for the same sources
(tests/test_pipeline.py holds them equal).
"""

from __future__ import annotations

import multiprocessing
import os
import re
import threading
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from . import codes
from .cache import CACHE_DIR, BuildCache, compiler_fingerprint
from .competency import coverage as cov
from .competency.load import Resolver
from .diagnostics import Diagnostic, Diagnostics
from .load.project import CourseIds, course_folders, finish_project, load_common, load_course, resolve_course_competencies
from .model.course import Project
from .render import html

MIN_PARALLEL_BYTES = 400_000   # below this much course source, forking costs more than it saves


@dataclass
class Options:
    formats: tuple[str, ...]
    moodle: str
    strict: bool
    package: bool                 # build (package every course without errors) or check

    def text(self) -> str:
        return f"{'build' if self.package else 'check'} formats={','.join(self.formats)} moodle={self.moodle} " \
               f"strict={self.strict}"


@dataclass
class CourseResult:
    id: str
    key: str
    diagnostics: list[Diagnostic]
    outputs: list = field(default_factory=list)            # builder.build.Output
    coverage: cov.CoverageFacts | None = None              # builds only: check reports no coverage
    loaded: bool = False
    ids: CourseIds | None = None                            # what must be unique across courses
    shared_units: list[str] = field(default_factory=list)
    pages: int = 0
    questions: int = 0
    steps_done: int = 0                                     # progress steps reported while packaging
    markdown: dict[bytes, str] = field(default_factory=dict)   # texts the Markdown parser made (for the cache)
    compiler: bytes = b""                                   # the compiler fingerprint they were made with


class _Counted:
    """Passes progress on (if any) and counts the steps."""

    def __init__(self, progress):
        self.progress, self.n = progress, 0

    def advance(self, label: str) -> None:
        self.n += 1
        if self.progress is not None:
            self.progress.advance(label)


@dataclass
class Run:
    project: Project
    results: list[CourseResult]
    cache: BuildCache | None
    workers: int = 1
    fresh: list[CourseResult] = field(default_factory=list)   # built in this run, not from the cache
    project_outputs: list | None = None                       # framework CSVs and coverage, if made in this run
    common_entry: bytes | None = None                         # the common part as loaded, if loaded in this run

    def save_cache(self) -> None:
        """Keep this run's new results for the next one (a build calls it once its outputs are written)."""
        if self.cache is not None:
            if self.common_entry is not None:
                self.cache.put_common(self.common_entry)
            for r in self.fresh:
                self.cache.put(r)


def run(root: Path, diags: Diagnostics, only: list[str] | None, opts: Options, out: Path | None,
        use_cache: bool = True, jobs: int | None = None, progress=None, while_waiting=None) -> Run:
    """Every course through :func:`run_course` (in worker processes when they pay). ``while_waiting``:
    work of the caller's own (such as compiling the report template) done while the workers run."""
    from .build import QUIET, check_shared_categories, package_steps
    from .lint import language
    progress = progress or QUIET
    cache = BuildCache(root, out / CACHE_DIR, opts.text()) if (use_cache and out is not None) else None
    common = cache.get_common() if cache else None
    common_entry = None
    if common is not None:
        project, found, wordlist = common
        diags.merge(found)
    else:
        mark = len(diags.items)
        project = load_common(root, diags)
        check_shared_categories(project, diags)
        wordlist = language.check_common(project, diags)
        if cache:
            common_entry = cache.common_entry(project, diags.items[mark:], wordlist)
    cdirs = course_folders(root, only, diags)
    keys = {c.name: cache.key(c) if cache else "" for c in cdirs}        # hashing every source only for the cache
    sizes = {c.name: _work_estimate(root, c) for c in cdirs}
    steps = 1 + (len(package_steps(opts.formats)) if opts.package else 0)
    progress.start(len(cdirs) * steps)
    results: dict[str, CourseResult] = {}
    for cdir in cdirs:
        hit = cache.get(cdir.name, keys[cdir.name], out) if cache else None
        if hit is not None:
            results[cdir.name] = hit
            for _ in range(steps):
                progress.advance(f"{cdir.name}: unchanged")
    todo = [c for c in cdirs if c.name not in results]
    if cache:
        html.seed(cache.seeds)      # a changed course re-renders only its changed texts
    workers = _workers(jobs, todo, sizes)
    if opts.package and diags.has_errors(opts.strict):
        # a broken framework, rubric or shared file fails the build whatever the courses hold: check only
        opts = Options(opts.formats, opts.moodle, opts.strict, package=False)
    job = (project, opts, wordlist)
    if workers > 1:
        try:
            results.update(_parallel(job, todo, keys, workers, sizes, progress, steps, while_waiting))
        except BrokenProcessPool:        # a worker died (out of memory, killed): finish in this process
            workers = 1
    for cdir in todo:
        if cdir.name not in results:
            progress.advance(f"checking {cdir.name}")
            results[cdir.name] = r = run_course(job, cdir, keys[cdir.name], progress)
            for _ in range(steps - 1 - r.steps_done):      # packaging skipped (errors): the bar still ends full
                progress.advance(f"{cdir.name}: not packaged")
    ordered = [results[c.name] for c in cdirs]
    for r in ordered:
        diags.merge(r.diagnostics)
        project.shared_units_used.update(r.shared_units)
    finish_project(project, diags, only, [r.ids for r in ordered if r.ids is not None])
    return Run(project, ordered, cache, workers, [results[c.name] for c in todo], common_entry=common_entry)


_SHARED_ENTRY = re.compile(rb"^[ \t]*-[ \t]*shared:[ \t]*['\"]?([A-Za-z0-9_.-]+)", re.MULTILINE)
_TEXT_SOURCES = (".md", ".yaml", ".yml")


def _text_bytes(folder: Path) -> int:
    """Bytes of the Markdown and YAML below ``folder``, from the file system alone (images cost little)."""
    total = 0
    for dirpath, _, filenames in os.walk(folder):
        for name in filenames:
            if name.endswith(_TEXT_SOURCES):
                try:
                    total += os.stat(os.path.join(dirpath, name)).st_size
                except OSError:
                    pass
    return total


def _work_estimate(root: Path, cdir: Path) -> int:
    """How much a course costs to build, in bytes of text: its own Markdown and YAML and that of the shared
    units its course.yaml lists (rendered for it too). Only for scheduling the largest first and deciding
    whether workers pay, so a rough reading of course.yaml is enough."""
    total = _text_bytes(cdir)
    try:
        listed = _SHARED_ENTRY.findall((cdir / "course.yaml").read_bytes()[:1_000_000])
    except OSError:
        return total
    for unit in sorted(set(listed)):
        name = unit.decode("ascii")
        if name not in (".", ".."):
            total += _text_bytes(root / "units" / name)
    return total


def _workers(jobs: int | None, todo: list[Path], sizes: dict[str, int]) -> int:
    if jobs is None:
        env = os.environ.get("COURSEPACK_JOBS", "")
        jobs = int(env) if env.isdigit() and int(env) > 0 else (os.cpu_count() or 1)
        if sum(sizes.get(c.name, 0) for c in todo) < MIN_PARALLEL_BYTES:
            return 1
    if jobs <= 1 or len(todo) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if threading.active_count() > 1:   # forking a process with other threads running is not safe
        return 1
    return min(jobs, len(todo))


_JOB = None   # set in the parent just before the pool forks; the workers inherit it


def _job_in_worker(cdir: str, key: str) -> CourseResult:
    assert _JOB is not None
    return run_course(_JOB, Path(cdir), key)


def _parallel(job, todo: list[Path], keys: dict[str, str], workers: int, sizes: dict[str, int], progress,
              steps: int, while_waiting=None) -> dict[str, CourseResult]:
    global _JOB
    _JOB = job
    out: dict[str, CourseResult] = {}
    try:
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            largest_first = sorted(todo, key=lambda c: (-sizes.get(c.name, 0), c.name))
            futures = {pool.submit(_job_in_worker, str(c), keys[c.name]): c.name for c in largest_first}
            if while_waiting is not None:      # this process is idle until the first course comes back
                while_waiting()
            for f in as_completed(futures):
                out[futures[f]] = f.result()
                for _ in range(steps):
                    progress.advance(f"{futures[f]}: done")
    finally:
        _JOB = None
    return out


def run_course(job, cdir: Path, key: str, progress=None) -> CourseResult:
    """Every stage of one course; an unexpected exception becomes CP999 for this course only."""
    from .build import _last_frame, check_course, package_course
    project, opts, wordlist = job
    d = Diagnostics(root=project.root)
    res = CourseResult(cdir.name, key, [], compiler=compiler_fingerprint())
    html.RECORD = res.markdown
    try:
        course = load_course(cdir, project, d)
        if course is not None:
            res.loaded, res.ids = True, CourseIds.of(course)
            res.shared_units = sorted(u.id for u in course.units if u.shared)
            resolve_course_competencies(project, course, Resolver(project.frameworks, d, project.broken_frameworks),
                                        d)
            check_course(project, course, opts.formats, wordlist, d, output=opts.package)
            if opts.package:                # only a build reports coverage
                c = cov.course_coverage(project, course)
                res.coverage = cov.to_facts(c) if c is not None else None
            res.pages = len(course.pages())
            res.questions = sum(len(cat.questions) for cat in course.categories)
            if opts.package and not d.has_errors(opts.strict):
                counted = _Counted(progress)
                res.outputs = package_course(project, course, opts.formats, opts.moodle, counted)
                res.steps_done = counted.n
    except Exception as exc:  # a bug must not take the other courses down with it
        res.markdown = {}
        if os.environ.get("COURSEPACK_DEBUG"):
            raise
        d.add(codes.INTERNAL_ERROR, f"course '{cdir.name}' failed: {exc!r}", cdir,
              hint=codes.INTERNAL_ERROR.fix + " " + _last_frame(exc))
        res.outputs = []
        if os.environ.get("COURSEPACK_TRACEBACK"):
            traceback.print_exc()
    finally:
        html.RECORD = None
    res.diagnostics = d.items
    return res


def coverage_report(project: Project, results: list[CourseResult]) -> cov.Report:
    """The coverage report from each course's facts, against the frameworks loaded now."""
    items: list = []
    for r in results:
        if not r.loaded:
            continue
        fw = project.frameworks.get(r.coverage.framework) if r.coverage is not None else None
        items.append(cov.from_facts(r.coverage, fw) if fw is not None else r.id)
    return cov.report_from(items)
