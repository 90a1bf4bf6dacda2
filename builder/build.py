"""The build driver: load -> validate -> render -> package -> write.

``check`` runs every stage that can find a problem in the sources (it is a
build that stops before packaging). ``build`` packages only when check found
no error; every output is produced in memory first and written afterwards in
two phases (all staged, then renamed: builder/util/atomic.py), so a failed
build writes nothing. Both go course by course through :mod:`builder.pipeline`
(build cache, worker processes); :func:`check_project` keeps the whole
project in memory for the API, the coverage command and the preview.
"""

from __future__ import annotations

import os
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from . import codes, pipeline
from .diagnostics import Diagnostics
from .formats.moodle import qxml
from .formats.moodle.backup import build_mbz_targets
from .formats.scorm import package as scorm
from .formats.scorm.data import STATE_LIMITS, state_budget
from .formats.moodle.framework_csv import framework_csv
from .formats.moodle.targets import DEFAULT_TARGET, TARGETS
from .lint import language
from .load.project import load_project
from .model.course import Project
from .quiz.render import render_category
from .render.html import Renderer
from .report import coverage as coverage_report
from .util.atomic import OutputError, write_outputs

FORMATS = ("moodle", "scorm12", "scorm2004", "coverage")


class Progress:
    """What a long build reports as it goes (the CLI draws a bar on a terminal); does nothing by default."""

    def start(self, total: int) -> None:
        pass

    def advance(self, label: str) -> None:
        pass


QUIET = Progress()


def check_project(root: Path, diags: Diagnostics, only: list[str] | None = None,
                  formats: tuple[str, ...] = FORMATS, progress: Progress = QUIET) -> Project:
    """Every check, with the whole project kept in memory (for the API, the coverage command and the
    preview); ``coursepack check`` and ``build`` go course by course through :mod:`builder.pipeline`."""
    project = load_project(root, diags, only)
    check_shared_categories(project, diags)
    wordlist = language.check_common(project, diags)
    progress.start(len(project.courses) * (1 + len(package_steps(formats))))
    for course in project.courses:
        progress.advance(f"checking {course.id}")
        check_course(project, course, formats, wordlist, diags)
    return project


def check_course(project: Project, course, formats: tuple[str, ...], wordlist, diags: Diagnostics,
                 output: bool = True) -> None:
    """The checks of one loaded, linked course: rendering (links, images, HTML), the SCORM progress budget
    and the language list. check_project and the pipeline's workers both run exactly this. ``output=False``
    when nothing will be packaged: the same problems are found, but no HTML is kept."""
    Renderer(course, diags, project.skipped_files, output=output).render_course()
    _check_scorm_state(course, formats, diags)
    language.check_course(project, course, wordlist, diags)


def check_shared_categories(project: Project, diags: Diagnostics) -> None:
    shared = Renderer(None, diags, project.skipped_files, boundary=project.root / "questions")
    for cat in project.shared_categories:
        render_category(cat, shared)


def _check_scorm_state(course, formats: tuple[str, ...], diags: Diagnostics) -> None:
    """The player's saved progress must fit the smallest limit of the SCORM versions being built."""
    versions = [v for v in scorm.VERSIONS if v in formats]
    if not versions:
        return
    limit = min(STATE_LIMITS[v] for v in versions)
    need = state_budget(course)
    if need > limit:
        which = "SCORM 1.2" if limit == STATE_LIMITS["scorm12"] else "SCORM 2004"
        diags.add(codes.SCORM_STATE_TOO_LARGE,
                  f"a learner's saved progress in this course can reach {need:,} characters, more than the "
                  f"{limit:,} that {which} keeps (cmi.suspend_data); the LMS would cut it and lose their place",
                  course.file, 1, 1)


@dataclass
class Output:
    path: Path          # relative to the output folder
    data: bytes
    course: str
    kind: str


@dataclass
class BuildResult:
    project: Project | None
    outputs: list[Output] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    run: "pipeline.Run | None" = None


def moodle_targets(choice: str) -> list[str]:
    return list(TARGETS) if choice == "all" else [choice]


def moodle_path(course_id: str, target_key: str) -> Path:
    if target_key == DEFAULT_TARGET:
        return Path("moodle") / f"{course_id}.mbz"
    return Path("moodle") / target_key / f"{course_id}.mbz"


def package_steps(formats: tuple[str, ...]) -> list[str]:
    """The per-course packaging steps of a build (one progress step each)."""
    return [f for f in ("moodle", *scorm.VERSIONS) if f in formats]


def package_course(project: Project, course, formats: tuple[str, ...], moodle: str,
                   progress: Progress = QUIET) -> list[Output]:
    """Every package of one course: the Moodle backups and question XML, then SCORM 1.2 and 2004."""
    outputs: list[Output] = []
    if "moodle" in formats:
        progress.advance(f"{course.id}: Moodle backup")
        keys = moodle_targets(moodle)
        backups = build_mbz_targets(course, project, [TARGETS[k] for k in keys])
        xml_by_context: dict[str, bytes] = {}       # 4.1 and 4.5 share the course-context export
        for key in keys:
            target = TARGETS[key]
            path = moodle_path(course.id, key)
            outputs.append(Output(path, backups[key], course.id, f"moodle-{key}"))
            if course.categories:
                context = "module" if target.question_bank == "qbank" else "course"
                if context not in xml_by_context:
                    xml_by_context[context] = qxml.export(course.categories, context)
                xml = xml_by_context[context]
                outputs.append(Output(path.with_name(f"{course.id}-questions.xml"), xml, course.id,
                                      f"questions-{key}"))
    versions = [v for v in scorm.VERSIONS if v in formats]
    packages = scorm.build_scorm(course, versions) if versions else {}
    for version in versions:
        progress.advance(f"{course.id}: {scorm.LABELS[version]}")
        outputs.append(Output(Path(version) / f"{course.id}.zip", packages[version], course.id, version))
    return outputs


def project_outputs(project: Project, formats: tuple[str, ...], report) -> list[Output]:
    """What belongs to no single course: the framework CSVs and the coverage report."""
    outputs: list[Output] = []
    if "moodle" in formats:
        for key, fw in sorted(project.frameworks.items()):
            outputs.append(Output(Path("moodle") / "frameworks" / f"{key}.csv", framework_csv(fw), "", "framework"))
    if "coverage" in formats and project.frameworks:
        for name, data in coverage_report.outputs(report()).items():
            outputs.append(Output(Path("coverage") / name, data, "", "coverage"))
    return outputs


def build(root: Path, out: Path, diags: Diagnostics, only: list[str] | None = None,
          formats: tuple[str, ...] = FORMATS, moodle: str = DEFAULT_TARGET, strict: bool = False,
          progress: Progress = QUIET, cache: bool = True, jobs: int | None = None) -> BuildResult:
    """Check and package every course (unchanged ones from the build cache in ``out/.cache``), then
    write the outputs only if nothing is wrong anywhere."""
    opts = pipeline.Options(formats, moodle, strict, package=True)
    run = pipeline.run(root, diags, only, opts, out, use_cache=cache, jobs=jobs, progress=progress,
                       while_waiting=coverage_report.prepare if "coverage" in formats else None)
    result = BuildResult(run.project, run=run)
    if diags.has_errors(strict):
        return result
    cache_key = run.cache.project_key(run.results) if run.cache is not None else ""
    try:
        outputs = run.cache.get_outputs(cache_key, out) if run.cache is not None else None
        if outputs is None:
            outputs = project_outputs(run.project, formats,
                                      lambda: pipeline.coverage_report(run.project, run.results))
            run.project_outputs = outputs
    except Exception as exc:  # a bug in a packager must not leave half a build behind
        if os.environ.get("COURSEPACK_DEBUG"):
            raise
        diags.add(codes.INTERNAL_ERROR, f"packaging failed: {exc!r}", None,
                  hint=codes.INTERNAL_ERROR.fix + " " + _last_frame(exc))
        return result
    result.outputs = outputs + [o for r in run.results for o in r.outputs]
    try:
        result.written, result.unchanged = write_outputs(out, [(o.path, o.data) for o in result.outputs])
    except OutputError as exc:
        diags.add(codes.OUTPUT_NOT_WRITABLE, str(exc), None)
        return result
    run.save_cache()
    if run.cache is not None and run.project_outputs is not None:
        run.cache.put_outputs(cache_key, run.project_outputs)
    return result


def check(root: Path, diags: Diagnostics, only: list[str] | None = None, formats: tuple[str, ...] = FORMATS,
          cache_dir: Path | None = None, jobs: int | None = None) -> pipeline.Run:
    """``coursepack check``: every diagnostic, course by course (cached in ``cache_dir``/.cache if given)."""
    opts = pipeline.Options(formats, "", False, package=False)
    run = pipeline.run(root, diags, only, opts, cache_dir, use_cache=cache_dir is not None, jobs=jobs)
    run.save_cache()
    return run


def _last_frame(exc: BaseException) -> str:
    tb = traceback.extract_tb(exc.__traceback__)
    if not tb:
        return ""
    f = tb[-1]
    return f"(at {Path(f.filename).name}:{f.lineno})"
