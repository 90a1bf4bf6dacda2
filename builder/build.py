"""The build driver: load -> validate -> render -> package -> write.

``check`` runs every stage that can find a problem in the sources (it is a
build that stops before packaging). ``build`` packages only when check found
no error; every output is produced in memory first and written atomically
afterwards, so a failed build writes nothing.
"""

from __future__ import annotations

import os
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from . import codes
from .diagnostics import Diagnostics
from .formats.moodle import qxml
from .competency.coverage import build_report
from .formats.moodle.backup import build_mbz
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
    project = load_project(root, diags, only)
    shared = Renderer(None, diags, project.skipped_files, boundary=root / "questions")
    for cat in project.shared_categories:
        render_category(cat, shared)
    progress.start(len(project.courses) * (1 + len(package_steps(formats))))
    for course in project.courses:
        progress.advance(f"checking {course.id}")
        Renderer(course, diags, project.skipped_files).render_course()
        _check_scorm_state(course, formats, diags)
    language.check_project(project, diags)
    return project


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


def moodle_targets(choice: str) -> list[str]:
    return list(TARGETS) if choice == "all" else [choice]


def moodle_path(course_id: str, target_key: str) -> Path:
    if target_key == DEFAULT_TARGET:
        return Path("moodle") / f"{course_id}.mbz"
    return Path("moodle") / target_key / f"{course_id}.mbz"


def package_steps(formats: tuple[str, ...]) -> list[str]:
    """The per-course packaging steps of a build (one progress step each)."""
    return [f for f in ("moodle", *scorm.VERSIONS) if f in formats]


def produce(project: Project, formats: tuple[str, ...], moodle: str, progress: Progress = QUIET) -> list[Output]:
    outputs: list[Output] = []
    if "moodle" in formats:
        for key, fw in sorted(project.frameworks.items()):
            outputs.append(Output(Path("moodle") / "frameworks" / f"{key}.csv", framework_csv(fw), "", "framework"))
    for course in project.courses:
        if "moodle" in formats:
            progress.advance(f"{course.id}: Moodle backup")
            for key in moodle_targets(moodle):
                target = TARGETS[key]
                data = build_mbz(course, project, target)
                outputs.append(Output(moodle_path(course.id, key), data, course.id, f"moodle-{key}"))
                if course.categories:
                    xml = qxml.export(course.categories, "module" if target.question_bank == "qbank" else "course")
                    path = moodle_path(course.id, key)
                    outputs.append(Output(path.with_name(f"{course.id}-questions.xml"), xml, course.id,
                                          f"questions-{key}"))
    for version in scorm.VERSIONS:
        if version in formats:
            for course in project.courses:
                progress.advance(f"{course.id}: {scorm.LABELS[version]}")
                outputs.append(Output(Path(version) / f"{course.id}.zip", scorm.build_scorm(course, version),
                                      course.id, version))
    if "coverage" in formats and project.frameworks:
        for name, data in coverage_report.outputs(build_report(project)).items():
            outputs.append(Output(Path("coverage") / name, data, "", "coverage"))
    return outputs


def build(root: Path, out: Path, diags: Diagnostics, only: list[str] | None = None,
          formats: tuple[str, ...] = FORMATS, moodle: str = DEFAULT_TARGET, strict: bool = False,
          progress: Progress = QUIET) -> BuildResult:
    project = check_project(root, diags, only, formats, progress)
    result = BuildResult(project)
    if diags.has_errors(strict):
        return result
    try:
        result.outputs = produce(project, formats, moodle, progress)
    except Exception as exc:  # a bug in a packager must not leave half a build behind
        if os.environ.get("COURSEPACK_DEBUG"):
            raise
        diags.add(codes.INTERNAL_ERROR, f"packaging failed: {exc!r}", None,
                  hint=codes.INTERNAL_ERROR.fix + " " + _last_frame(exc))
        result.outputs = []
        return result
    try:
        result.written, result.unchanged = write_outputs(out, [(o.path, o.data) for o in result.outputs])
    except OutputError as exc:
        diags.add(codes.OUTPUT_NOT_WRITABLE, str(exc), None)
    return result


def _last_frame(exc: BaseException) -> str:
    tb = traceback.extract_tb(exc.__traceback__)
    if not tb:
        return ""
    f = tb[-1]
    return f"(at {Path(f.filename).name}:{f.lineno})"
