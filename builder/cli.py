"""The ``coursepack`` command line."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from pathlib import Path

import click

from . import __version__, codes
from .build import FORMATS, build, check_project
from .build import check as check_run
from .diagnostics import Diagnostics, render_github, render_json, render_text
from .formats.moodle.targets import DEFAULT_TARGET, TARGETS
from .load.project import find_root

MOODLE_CHOICES = [*TARGETS, "all"]


def _root(path: Path | None) -> Path:
    start = path or Path.cwd()
    root = find_root(start)
    if root is None:
        raise click.UsageError(f"no courses/ folder found in {start.resolve()} or above; "
                               "run coursepack inside a coursepack repository (or pass --root)")
    return root


def _guard(fn):
    """Turn any unexpected exception into a CP999 diagnostic instead of a traceback."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit):
            raise
        except KeyboardInterrupt as exc:    # write_outputs says whether it had finished writing
            click.echo(f"interrupted; {str(exc) or 'no output was changed'}", err=True)
            sys.exit(130)
        except BrokenPipeError:      # `coursepack check | head`: the reader left; not a bug, nothing to say
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(141)
        except Exception as exc:  # pragma: no cover - last resort
            if os.environ.get("COURSEPACK_DEBUG"):
                raise
            d = Diagnostics()
            d.add(codes.INTERNAL_ERROR, f"{type(exc).__name__}: {exc}", None)
            click.echo(render_text(d), err=True, nl=False)
            sys.exit(1)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="coursepack")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Repository root (the folder that holds courses/). Default: found from the current folder.")
@click.pass_context
def main(ctx: click.Context, root: Path | None) -> None:
    """Check and compile Markdown courses into packages an LMS imports as they are.

    \b
    Typical use:
      coursepack check              report every problem in every course
      coursepack build              build every course into build/
      coursepack codes              list the diagnostic codes
    """
    ctx.obj = {"root": root.absolute() if root is not None else None}   # absolute: no cwd lookups per path


def _emit(diags: Diagnostics, fmt: str, strict: bool, quiet: bool = False) -> None:
    if fmt == "json":
        click.echo(render_json(diags, strict), nl=False)
    elif fmt == "github":
        click.echo(render_github(diags, strict), nl=False)
    else:
        if quiet and not diags.items:
            return
        text = render_text(diags, strict)
        click.echo(text, nl=False, err=False)


@main.command()
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text", show_default=True,
              help="text: 'path:line:col: CODE severity: message' lines; json: for tools; "
                   "github: GitHub Actions annotations.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--no-cache", is_flag=True, help="Check every course again, ignoring build/.cache.")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None,
              help="Worker processes (default: the number of CPUs; COURSEPACK_JOBS too).")
@click.pass_context
@_guard
def check(ctx: click.Context, path: Path | None, fmt: str, strict: bool, no_cache: bool, jobs: int | None) -> None:
    """Check courses and report every problem in one run.

    PATH may be the repository, a course folder or a file inside a course;
    by default every course of the repository is checked. Exits 1 when there
    are errors (or warnings with --strict), 0 otherwise.
    """
    root = ctx.obj["root"] or _root(path)
    diags = Diagnostics(root=root)
    only = _course_of(root, path)
    check_run(root, diags, only, cache_dir=None if no_cache else root / "build", jobs=jobs)
    _emit(diags, fmt, strict)
    sys.exit(1 if diags.has_errors(strict) else 0)


def _course_of(root: Path, path: Path | None) -> list[str] | None:
    if path is None:
        return None
    try:
        rel = path.resolve().relative_to((root / "courses").resolve())
    except ValueError:
        return None
    return [rel.parts[0]] if rel.parts else None


@main.command(name="build")
@click.argument("courses", nargs=-1)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder. Default: build/ in the repository.")
@click.option("--format", "formats", type=click.Choice([*FORMATS, "all"]), multiple=True, default=("all",),
              show_default=True, help="Which packages to build (repeatable).")
@click.option("--moodle", "moodle", type=click.Choice(MOODLE_CHOICES), default=DEFAULT_TARGET, show_default=True,
              help="Moodle version the backup is written for: "
                   + "; ".join(f"{k} = {t.restores_on}" for k, t in TARGETS.items())
                   + "; all = every one of them.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but problems.")
@click.option("--diagnostics-format", "fmt", type=click.Choice(["text", "json", "github"]), default="text",
              help="How to print problems.")
@click.option("--no-cache", is_flag=True, help="Build every course again, ignoring the cache in <out>/.cache.")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None,
              help="Worker processes (default: the number of CPUs; COURSEPACK_JOBS too).")
@click.pass_context
@_guard
def build_cmd(ctx: click.Context, courses: tuple[str, ...], out: Path | None, formats: tuple[str, ...],
              moodle: str, strict: bool, quiet: bool, fmt: str, no_cache: bool, jobs: int | None) -> None:
    """Check and build courses (all of them, or the COURSES named) into the output folder.

    Nothing is written unless every course checks without errors; each file
    is replaced atomically, so a failed or interrupted build leaves the
    previous outputs intact.

    \b
    Outputs:
      build/moodle/<course>.mbz        Moodle 5.x course backup (default target)
      build/moodle/<4.5|4.1>/<course>.mbz   with --moodle 4.5 / 4.1 / all
      build/moodle/<course>-questions.xml   the course's question bank as Moodle XML
      build/moodle/frameworks/<id>.csv      each framework for Moodle's competency importer
      build/scorm12/<course>.zip, build/scorm2004/<course>.zip   SCORM packages
      build/coverage/index.html, coverage.json, coverage.csv   the coverage report

    On a terminal a progress bar shows what is being built (not with --quiet, in CI or when piped).
    """
    root = ctx.obj["root"] or _root(None)
    out = (out or root / "build")
    fmts = FORMATS if "all" in formats else tuple(formats)
    diags = Diagnostics(root=root)
    t0 = time.perf_counter()
    with _progress_bar(enabled=not quiet and fmt == "text") as bar:
        result = build(root, out, diags, list(courses) or None, fmts, moodle, strict, progress=bar,
                       cache=not no_cache, jobs=jobs)
    _emit(diags, fmt, strict, quiet)
    if diags.has_errors(strict):
        if fmt == "text":
            click.echo("build failed: nothing was written", err=True)
        sys.exit(1)
    if not quiet:
        dt = time.perf_counter() - t0
        run = result.run
        n = len(run.results) if run else 0
        reused = len(run.cache.hits) if run and run.cache else 0
        click.echo(f"built {n} course{'s' if n != 1 else ''} into {_show(out)}: {len(result.written)} written, "
                   f"{len(result.unchanged)} unchanged ({dt:.2f} s"
                   + (f"; {reused} of {n} from the cache" if reused else "")
                   + (f"; {run.workers} processes" if run and run.workers > 1 else "") + ")")
        if run and run.cache and run.cache.corrupt:
            click.echo(f"  the cache entry of {', '.join(run.cache.corrupt)} was damaged: rebuilt, and replaced")
        for o in result.outputs:
            click.echo(f"  {_show(out / o.path)}  ({len(o.data):,} bytes)")


class _Bar:
    """A progress bar on stderr (rich), only on a terminal and outside CI; NO_COLOR is honoured by rich."""

    def __init__(self):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
        self.p = Progress(TextColumn("{task.description:<40}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                          console=Console(stderr=True), transient=True)
        self.task = None

    def start(self, total: int) -> None:
        self.task = self.p.add_task("checking", total=total)

    def advance(self, label: str) -> None:
        if self.task is not None:
            self.p.update(self.task, description=label, advance=1)


@contextlib.contextmanager
def _progress_bar(enabled: bool):
    from .build import QUIET
    if not (enabled and sys.stderr.isatty() and not os.environ.get("CI")):
        yield QUIET
        return
    bar = _Bar()
    with bar.p:
        yield bar


def _show(p: Path) -> str:
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)


@main.command(name="coverage")
@click.argument("courses", nargs=-1)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder; the report goes to <out>/coverage/. Default: build/ in the repository.")
@click.option("--fail-under", type=click.FloatRange(0, 100), default=None, metavar="PERCENT",
              help="Exit 1 when coverage is below PERCENT: the whole curriculum's, per framework "
                   "(or each named course's).")
@click.option("--since", metavar="REV", default=None,
              help="Also show what changed against a git revision (a branch, tag or commit).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="What to print: a summary per scope, or the report's JSON.")
@click.pass_context
@_guard
def coverage_cmd(ctx: click.Context, courses: tuple[str, ...], out: Path | None, fail_under: float | None,
                 since: str | None, fmt: str) -> None:
    """Report which framework competencies the courses assess, and the gaps.

    Writes build/coverage/index.html (one self-contained page), coverage.json
    and coverage.csv. Coverage = competencies assessed by a quiz question or a
    rubric criterion / competencies in scope.
    """
    from .competency.coverage import build_report
    from .report import coverage as rc
    from .util.atomic import OutputError, write_outputs
    from .util.gitrev import GitError, checkout_revision

    root = ctx.obj["root"] or _root(None)
    out = (out or root / "build") / "coverage"
    diags = Diagnostics(root=root)
    project = check_project(root, diags, list(courses) or None)
    if diags.has_errors():
        _emit(diags, "text", False)
        click.echo("coverage not computed: fix the errors above first", err=True)
        sys.exit(1)
    report = build_report(project)
    changes = None
    if since:
        try:
            with checkout_revision(root, since) as old_root:
                old = check_project(old_root, Diagnostics(root=old_root), list(courses) or None)
                changes = rc.compare(report, build_report(old))
        except GitError as exc:
            raise click.UsageError(str(exc))
    files = rc.outputs(report, changes, since)
    try:
        write_outputs(out, [(Path(name), data) for name, data in files.items()])   # all three, or none
    except OutputError as exc:
        diags.add(codes.OUTPUT_NOT_WRITABLE, str(exc), None)
    scopes = report.courses if courses else report.curriculum
    for c in scopes:
        if fail_under is not None and c.percent < fail_under:
            label = c.scope if c.scope != "curriculum" else f"the curriculum ({c.framework.key})"
            diags.add(codes.COVERAGE_BELOW, f"coverage of {label} is {c.percent:g}%, below --fail-under "
                      f"{fail_under:g}%: {len(c.gaps())} gaps", None)
    if fmt == "json":
        click.echo(files["coverage.json"].decode("utf-8"), nl=False)
    else:
        for c in [*report.curriculum, *report.courses]:
            name = f"curriculum ({c.framework.key})" if c.scope == "curriculum" else c.scope
            click.echo(f"{name}: {c.summary()}")
        for cid in report.without_framework:
            click.echo(f"{cid}: no framework in course.yaml, nothing to measure")
        if changes is not None:
            click.echo(f"since {since}:")
            for ch in changes:
                before = "new" if ch.before is None else f"{ch.before:g}%"
                click.echo(f"  {ch.scope} ({ch.framework}): {before} -> {ch.after:g}%"
                           + (f"; newly assessed: {', '.join(ch.gained)}" if ch.gained else "")
                           + (f"; no longer assessed: {', '.join(ch.lost)}" if ch.lost else ""))
        click.echo(f"report: {_show(out / 'index.html')}")
    _emit(diags, "text", False, quiet=True)
    sys.exit(1 if diags.has_errors() else 0)


@main.command(name="codes")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True)
def codes_cmd(fmt: str) -> None:
    """List every diagnostic code with its meaning and fix."""
    if fmt == "markdown":
        click.echo(codes.catalogue_markdown(), nl=False)
    elif fmt == "json":
        click.echo(json.dumps([
            {"code": c.id, "slug": c.slug, "severity": c.severity.value, "title": c.title, "fix": c.fix,
             "explanation": c.explanation} for c in sorted(codes.CATALOGUE.values(), key=lambda c: c.id)
        ], indent=2))
    else:
        for c in sorted(codes.CATALOGUE.values(), key=lambda c: c.id):
            click.echo(f"{c.id}  {c.severity.value:<7}  {c.slug:<28} {c.title}")


@main.command(name="preview")
@click.argument("courses", nargs=-1)
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port on 127.0.0.1 (0: any free port).")
@click.option("--open/--no-open", "open_browser", default=True, show_default=True,
              help="Open the preview in the default web browser.")
@click.pass_context
@_guard
def preview_cmd(ctx: click.Context, courses: tuple[str, ...], port: int, open_browser: bool) -> None:
    """Serve the courses as a local website that rebuilds and reloads when a source changes.

    Pages, quizzes you can try, each essay's rubric and the coverage report, on 127.0.0.1 only.
    Problems in the sources show in the page with their file and line. Stop with Ctrl+C.
    """
    from .preview import serve
    root = ctx.obj["root"] or _root(None)

    def ready(site, url, seconds):
        state = f"{len(site.problems)} problem(s) to fix" if site.problems else "built"
        click.echo(f"preview: {url}  ({state} in {seconds:.1f} s; watching for changes, Ctrl+C to stop)")
        if open_browser:
            import webbrowser
            webbrowser.open(url)

    def changed(site):
        click.echo(f"rebuilt (version {site.version}): " + (f"{len(site.problems)} problem(s)" if site.problems
                                                            else "ok"))

    try:
        serve(root, list(courses) or None, port, ready, changed)
    except OSError as exc:
        raise click.ClickException(f"cannot serve on 127.0.0.1:{port}: {exc.strerror}; try --port 0") from None


@main.group(name="new")
def new_group() -> None:
    """Start a course or a unit from valid, commented sources."""


def _scaffolded(fn, *args) -> None:
    from .scaffold import ScaffoldError
    try:
        done = fn(*args)
    except ScaffoldError as exc:
        raise click.ClickException(str(exc)) from None
    root = args[0]
    for f in done.files:
        click.echo(f"wrote {f.relative_to(root).as_posix()}")
    for n in done.notes:
        click.echo(n)


@new_group.command(name="course")
@click.argument("course_id", metavar="ID")
@click.option("--title", default=None, help="The course's full name (default: from the id).")
@click.option("--hours", type=click.FloatRange(0.25, 1000), default=1.0, show_default=True,
              help="Study time of its first unit (and so of the course, to start with).")
@click.pass_context
@_guard
def new_course_cmd(ctx: click.Context, course_id: str, title: str | None, hours: float) -> None:
    """Create courses/ID/ with a course.yaml and a first unit (a page and a quiz)."""
    from .scaffold import new_course
    _scaffolded(new_course, ctx.obj["root"] or _root(None), course_id, title, hours)


@new_group.command(name="unit")
@click.argument("course_id", metavar="COURSE")
@click.argument("unit_id", metavar="ID")
@click.option("--hours", type=click.FloatRange(0.25, 1000), default=1.0, show_default=True,
              help="Study time of the unit (added to the course's hours).")
@click.pass_context
@_guard
def new_unit_cmd(ctx: click.Context, course_id: str, unit_id: str, hours: float) -> None:
    """Create courses/COURSE/units/ID/ (a page and a quiz) and list it in the course."""
    from .scaffold import new_unit
    _scaffolded(new_unit, ctx.obj["root"] or _root(None), course_id, unit_id, hours)


if __name__ == "__main__":  # pragma: no cover
    main()
