"""`coursepack new course|unit`: what an author starts from passes `check --strict` and builds."""

from __future__ import annotations

from click.testing import CliRunner

from builder.cli import main
from conftest import SOURCES_YAML, checked, run_build, run_check, write_tree


def _cli(root, *args):
    return CliRunner().invoke(main, ["--root", str(root), *args])


def _repo(tmp_path):
    return write_tree(tmp_path / "repo", {"sources.yaml": SOURCES_YAML, "courses/.keep": ""})


def test_a_new_course_and_unit_pass_strict_and_build(tmp_path):
    root = _repo(tmp_path)
    res = _cli(root, "new", "course", "peer-values", "--title", "Peer values: a first look")
    assert res.exit_code == 0, res.output
    assert "wrote courses/peer-values/course.yaml" in res.output
    res = _cli(root, "new", "unit", "peer-values", "listening", "--hours", "0.5")
    assert res.exit_code == 0, res.output
    assert "now 1.5" in res.output
    course = (root / "courses/peer-values/course.yaml").read_text()
    assert "  - introduction\n  - listening\n" in course and "hours: 1.5" in course
    assert "title: Peer values: a first look" not in course          # a colon needs quotes in YAML
    d = run_check(root)
    assert not d.has_errors(strict=True), [x.format_text() for x in d.sorted()]
    diags, res = run_build(root, tmp_path / "out")
    assert not diags.has_errors()
    assert (tmp_path / "out/moodle/peer-values.mbz").is_file() and (tmp_path / "out/scorm12/peer-values.zip").is_file()
    c = checked(root).courses[0]
    assert c.title == "Peer values: a first look" and [u.id for u in c.units] == ["introduction", "listening"]
    assert [p.kind for p in c.units[1].pages] == ["page", "quiz"]


def test_every_field_is_explained(tmp_path):
    root = _repo(tmp_path)
    _cli(root, "new", "course", "demo")
    for rel in ("courses/demo/course.yaml", "courses/demo/units/introduction/unit.md"):
        lines = [ln for ln in (root / rel).read_text().splitlines()
                 if ln and ln[0].isalpha() and ":" in ln and not ln.startswith(("audience", "units"))]
        assert lines and all("#" in ln for ln in lines), [ln for ln in lines if "#" not in ln]


def test_mistakes_get_a_clear_message_and_nothing_is_overwritten(tmp_path):
    root = _repo(tmp_path)
    assert _cli(root, "new", "course", "demo").exit_code == 0
    before = (root / "courses/demo/course.yaml").read_text()
    for args, words in [(("new", "course", "demo"), "already exists"),
                        (("new", "course", "Bad_Id"), "not a valid course id"),
                        (("new", "unit", "nope", "x"), "no course 'nope'"),
                        (("new", "unit", "demo", "introduction"), "already exists")]:
        res = _cli(root, *args)
        assert res.exit_code != 0 and words in res.output and "Traceback" not in res.output, (args, res.output)
    assert (root / "courses/demo/course.yaml").read_text() == before
    (root / "sources.yaml").write_text("")
    res = _cli(root, "new", "course", "other")
    assert res.exit_code != 0 and "sources.yaml has no document" in res.output
    assert not (root / "courses/other").exists()


def test_the_pull_request_workflow_runs_real_commands():
    """Every coursepack command in the shipped workflow and hook parses with the CLI's own options."""
    import shlex

    import click
    import yaml

    from conftest import REPO
    flow = yaml.safe_load((REPO / ".github/workflows/coursepack.yml").read_text())
    hook = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text())
    lines = [ln.strip() for step in flow["jobs"]["check"]["steps"] for ln in str(step.get("run", "")).splitlines()]
    lines += [h["entry"].replace(".venv/bin/", "") for r in hook["repos"] for h in r["hooks"]]
    commands = [shlex.split(ln.split("${{")[0]) for ln in lines if ln.startswith("coursepack ")]
    assert len(commands) >= 4
    for argv in commands:
        ctx = main.make_context("coursepack", argv[1:2])
        sub = main.get_command(ctx, argv[1])
        assert isinstance(sub, click.Command), argv
        sub.make_context(argv[1], argv[2:], parent=ctx)        # raises on an unknown option


def test_github_annotations_follow_the_documented_syntax(tmp_path):
    """::error file={name},line={line},col={col},title={title}::{message}, with %, CR, LF (and , : in
    properties) escaped, as GitHub's workflow-commands documentation gives them."""
    root = _repo(tmp_path)
    _cli(root, "new", "course", "demo")
    page = root / "courses/demo/units/introduction/01-introduction.md"
    page.write_text(page.read_text() + "\n![](missing 50%.png)\n")
    res = _cli(root, "check", "--format", "github")
    assert res.exit_code == 1
    line = next(ln for ln in res.output.splitlines() if ln.startswith("::error "))
    assert line.startswith("::error file=courses/demo/units/introduction/01-introduction.md,line=")
    props, message = line[len("::error "):].split("::", 1)
    keys = [p.split("=", 1)[0] for p in props.split(",")]
    assert keys == ["file", "line", "col", "title"]
    assert "\n" not in message and "%0A" in message                # message and hint on two lines
    assert "50%25" in message                                        # a literal % is escaped


def test_progress_is_reported_step_by_step_and_silent_by_default(make_repo, tmp_path):
    """The build reports one step per course check and per package, totals first (the terminal bar's data);
    the CLI draws nothing when its output is not a terminal (CI logs stay clean)."""
    from builder.build import Progress, build
    from builder.diagnostics import Diagnostics

    class Record(Progress):
        def __init__(self):
            self.total, self.labels = None, []

        def start(self, total):
            self.total = total

        def advance(self, label):
            self.labels.append(label)

    root = make_repo()
    rec = Record()
    build(root, tmp_path / "out", Diagnostics(root=root), progress=rec)
    assert rec.total == len(rec.labels) == 4            # 1 course: check, Moodle, SCORM 1.2, SCORM 2004
    assert rec.labels == ["checking demo", "demo: Moodle backup", "demo: SCORM 1.2", "demo: SCORM 2004"]
    res = _cli(root, "build", "--out", str(tmp_path / "o2"))
    assert res.exit_code == 0 and "\x1b[" not in res.output and "SCORM" not in res.output.split("built")[0]
