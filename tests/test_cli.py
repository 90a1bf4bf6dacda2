"""The command line: version, help, codes reference, build outputs."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from builder import __version__, codes
from builder.cli import main
from conftest import REPO


def test_version():
    res = CliRunner().invoke(main, ["--version"])
    assert res.exit_code == 0 and __version__ in res.output


def test_every_command_has_help():
    for cmd in ([], ["check"], ["build"], ["codes"]):
        res = CliRunner().invoke(main, [*cmd, "--help"])
        assert res.exit_code == 0 and "Usage:" in res.output
    build_help = CliRunner().invoke(main, ["build", "--help"]).output
    for target in ("4.1", "4.5", "5.0"):
        assert target in build_help


def test_docs_list_every_code_and_stay_in_sync():
    """docs/diagnostics.md is generated from builder/codes.py: regenerate with `make docs`."""
    doc = (REPO / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    assert doc == codes.catalogue_markdown()
    for c in codes.CATALOGUE.values():
        assert f"| {c.id} |" in doc


def test_codes_are_stable_and_well_formed():
    ids = sorted(codes.CATALOGUE)
    assert all(len(i) == 5 and i.startswith("CP") and i[2:].isdigit() for i in ids)
    slugs = [c.slug for c in codes.CATALOGUE.values()]
    assert len(slugs) == len(set(slugs))
    assert all(c.fix.strip() for c in codes.CATALOGUE.values())


def test_codes_json():
    res = CliRunner().invoke(main, ["codes", "--format", "json"])
    data = json.loads(res.output)
    assert {d["code"] for d in data} == set(codes.CATALOGUE)


def test_build_writes_the_documented_paths(make_repo, tmp_path):
    root = make_repo()
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["--root", str(root), "build", "--out", str(out), "--moodle", "all"])
    assert res.exit_code == 0, res.output
    assert (out / "moodle" / "demo.mbz").is_file()
    assert (out / "moodle" / "4.5" / "demo.mbz").is_file()
    assert (out / "moodle" / "4.1" / "demo.mbz").is_file()
    assert (out / "scorm12" / "demo.zip").is_file()
    assert (out / "scorm2004" / "demo.zip").is_file()
    assert not list(out.rglob("*.tmp")), "no temporary files left behind"
    again = CliRunner().invoke(main, ["--root", str(root), "build", "--out", str(out), "--moodle", "all"])
    assert "0 written, 5 unchanged" in again.output
    only = CliRunner().invoke(main, ["--root", str(root), "build", "--out", str(tmp_path / "o2"), "--format", "scorm12"])
    assert only.exit_code == 0 and [p.relative_to(tmp_path / "o2").as_posix()
                                     for p in (tmp_path / "o2").rglob("*") if p.is_file()
                                     and ".cache" not in p.parts] == ["scorm12/demo.zip"]
    assert sorted(p.name for p in (tmp_path / "o2" / ".cache").iterdir()) == ["common-build.bin", "demo-build.bin",
                                                                           "project.bin"]


def test_unknown_course_is_a_diagnostic(make_repo, tmp_path):
    root = make_repo()
    res = CliRunner().invoke(main, ["--root", str(root), "build", "nope", "--out", str(tmp_path / "o")])
    assert res.exit_code == 1
    assert "CP004" in res.output and "nope" in res.output


def test_console_script_runs_as_a_module(make_repo):
    root = make_repo()
    proc = subprocess.run([sys.executable, "-m", "builder", "--root", str(root), "check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "0 errors" in proc.stdout


def test_a_reader_that_leaves_early_is_not_a_bug(make_repo, tmp_path):
    """`coursepack build | head -1`: the pipe closes; no CP999, no traceback."""
    import subprocess
    import sys
    root = make_repo()
    cmd = f"{sys.executable} -m builder --root {root} build --out {tmp_path / 'o'} --moodle all | head -1"
    r = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], capture_output=True, text=True, cwd=REPO)
    assert "CP999" not in r.stderr + r.stdout and "Traceback" not in r.stderr, r.stderr
    assert r.stdout.count("\n") == 1 and r.returncode in (0, 141)
