"""The build cache and the course-by-course pipeline.

What a user relies on: a rebuild reuses exactly the courses whose sources did not change and gives the
same bytes as a build from nothing; a damaged or doctored cache is noticed and never trusted; the
pipeline (cache, worker processes) reports the same diagnostics as the in-memory check.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from builder.build import build, check
from builder.cache import MAGIC
from builder.diagnostics import Diagnostics
from conftest import REPO, run_check

sys.path.insert(0, str(REPO / "bench"))
from gen import generate  # noqa: E402

A, B = "course-0001", "course-0002"


def _files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and ".cache" not in p.relative_to(out).parts}


def _build(root: Path, out: Path, **kw):
    d = Diagnostics(root=root)
    res = build(root, out, d, moodle="all", **kw)
    assert not d.has_errors(), [x.format_text() for x in d.sorted()][:5]
    return res


@pytest.fixture
def repo(tmp_path):
    root = tmp_path / "repo"
    generate(root, courses=2, units=2, pages=3, questions=12, images=2)
    return root


def _edit_page(root: Path, course: str, text: str = "\nA sentence added by the test.\n") -> Path:
    page = root / "courses" / course / "units/unit-02/02-page-2.md"
    page.write_text(page.read_text(encoding="utf-8") + text, encoding="utf-8")
    return page


def test_unchanged_sources_come_from_the_cache_with_nothing_written(repo, tmp_path):
    out = tmp_path / "out"
    first = _build(repo, out)
    assert first.run.cache.hits == [] and sorted(p.name for p in (out / ".cache").iterdir()) == \
        ["common-build.bin", f"{A}-build.bin", f"{B}-build.bin", "project.bin"]
    before = _files(out)
    again = _build(repo, out)
    assert again.run.cache.hits == [A, B] and again.run.fresh == []
    assert again.written == [] and len(again.unchanged) == len(before)
    assert _files(out) == before


def test_editing_one_course_rebuilds_only_it_and_matches_a_build_from_nothing(repo, tmp_path):
    out = tmp_path / "out"
    _build(repo, out)
    old = _files(out)
    _edit_page(repo, A, "\nA new paragraph with a [link](03-page-3.md).\n")
    res = _build(repo, out)
    assert res.run.cache.hits == [B] and res.run.cache.stale == [A] and [r.id for r in res.run.fresh] == [A]
    changed = {k for k, v in _files(out).items() if old.get(k) != v}
    assert changed and all(A in k or k.startswith("coverage/") for k in changed), changed
    assert not any(B in k for k in changed)
    cold = tmp_path / "cold"
    _build(repo, cold, cache=False)
    assert not (cold / ".cache").exists()
    assert _files(out) == _files(cold)          # byte for byte, coverage report included


def test_a_shared_file_rebuilds_every_course(repo, tmp_path):
    out = tmp_path / "out"
    _build(repo, out)
    rubric = repo / "rubrics" / f"{A}.yaml"
    rubric.write_text(rubric.read_text(encoding="utf-8").replace("description:", "description: Edited.", 1),
                      encoding="utf-8")
    res = _build(repo, out)
    assert res.run.cache.hits == [] and sorted(res.run.cache.stale) == [A, B]


def test_options_are_part_of_the_key(repo, tmp_path):
    out = tmp_path / "out"
    _build(repo, out)
    d = Diagnostics(root=repo)
    res = build(repo, out, d, moodle="4.1")
    assert res.run.cache.hits == [] and sorted(res.run.cache.stale) == [A, B]


@pytest.fixture
def loads(monkeypatch):
    """How many times the shared files (frameworks, rubrics, shared questions) were loaded."""
    import builder.pipeline as P
    calls: list[Path] = []
    real = P.load_common

    def spy(root, diags):
        calls.append(root)
        return real(root, diags)

    monkeypatch.setattr(P, "load_common", spy)
    return calls


def test_the_shared_files_are_not_loaded_again_for_an_edit_to_a_course(repo, tmp_path, loads):
    out = tmp_path / "out"
    _build(repo, out)
    assert len(loads) == 1
    _edit_page(repo, A, "\nA new paragraph with a [link](03-page-3.md).\n")
    res = _build(repo, out)
    assert len(loads) == 1 and [r.id for r in res.run.fresh] == [A]
    assert sorted(res.run.project.frameworks) and sorted(res.run.project.rubrics)   # as loaded the first time
    cold = tmp_path / "cold"
    _build(repo, cold, cache=False)
    assert _files(out) == _files(cold)
    rubric = repo / "rubrics" / f"{A}.yaml"                 # a shared file changed: loaded again
    rubric.write_text(rubric.read_text(encoding="utf-8").replace("description:", "description: Edited.", 1),
                      encoding="utf-8")
    _build(repo, out)
    assert len(loads) == 3                                   # the cold build above, then this one


def test_what_the_shared_files_report_is_replayed(repo, tmp_path, loads):
    rubric = repo / "rubrics" / f"{B}.yaml"
    rubric.write_text("bogus_key: 1\n" + rubric.read_text(encoding="utf-8"), encoding="utf-8")
    (repo / "sources.yaml").write_text("Not An Id!: {}\n", encoding="utf-8")
    first, second = Diagnostics(root=repo), Diagnostics(root=repo)
    check(repo, first, cache_dir=tmp_path / "c")
    run = check(repo, second, cache_dir=tmp_path / "c")
    assert len(loads) == 1 and run.cache.hits == [A, B]
    assert _texts(first) == _texts(second)
    assert {d.path for d in second.sorted()} >= {f"rubrics/{B}.yaml", "sources.yaml"}


def test_a_moved_project_loads_its_shared_files_again(repo, tmp_path, loads):
    """The loaded objects name files by their full path: a copy elsewhere must not take them."""
    out = tmp_path / "out"
    _build(repo, out)
    moved = tmp_path / "moved"
    shutil.copytree(repo, moved)
    res = _build(moved, out)
    assert loads == [repo, moved]
    assert res.run.project.root == moved
    files = [r.file for r in res.run.project.rubrics.values()]
    assert files and all(f.is_relative_to(moved) for f in files)


def test_a_damaged_shared_entry_is_detected_and_replaced(repo, tmp_path, loads):
    out = tmp_path / "out"
    _build(repo, out)
    good = _files(out)
    _damage_flipped(out / ".cache" / "common-build.bin")
    res = _build(repo, out)
    assert res.run.cache.corrupt == ["(shared files)"] and len(loads) == 2
    assert _files(out) == good
    _build(repo, out)
    assert len(loads) == 2                                   # replaced by a sound entry


def _damage_truncated(p: Path) -> None:
    p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2])


def _damage_flipped(p: Path) -> None:
    b = bytearray(p.read_bytes())
    b[-10] ^= 0x55
    p.write_bytes(bytes(b))


def _damage_other_format(p: Path) -> None:
    p.write_bytes(b"coursepack build cache 0\n" + p.read_bytes()[len(MAGIC):])


def _damage_empty(p: Path) -> None:
    p.write_bytes(b"")


class _Evil:
    def __reduce__(self):
        return (os.system, ("touch /tmp/coursepack-cache-was-trusted",))


def _damage_forged(p: Path) -> None:
    """A well-formed entry (right magic and checksum) whose pickle would run a command."""
    payload = pickle.dumps(_Evil())
    p.write_bytes(MAGIC + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)


@pytest.mark.parametrize("damage", [_damage_truncated, _damage_flipped, _damage_other_format, _damage_empty,
                                    _damage_forged], ids=lambda f: f.__name__[8:])
def test_a_damaged_entry_is_detected_rebuilt_and_replaced(repo, tmp_path, damage):
    out = tmp_path / "out"
    _build(repo, out)
    good = _files(out)
    entry = out / ".cache" / f"{A}-build.bin"
    damage(entry)
    Path("/tmp/coursepack-cache-was-trusted").unlink(missing_ok=True)
    res = _build(repo, out)
    assert res.run.cache.corrupt == [A] and res.run.cache.hits == [B]
    assert not Path("/tmp/coursepack-cache-was-trusted").exists()
    assert _files(out) == good
    assert _build(repo, out).run.cache.hits == [A, B]      # the entry was replaced by a sound one


def test_an_output_changed_by_hand_is_rebuilt(repo, tmp_path):
    out = tmp_path / "out"
    _build(repo, out)
    good = _files(out)
    (out / "scorm12" / f"{A}.zip").write_bytes(b"edited")
    (out / "moodle" / f"{B}.mbz").unlink()
    res = _build(repo, out)
    assert sorted(res.run.cache.stale) == [A, B] and res.run.cache.hits == []
    assert _files(out) == good


def test_diagnostics_are_replayed_from_the_cache(repo, tmp_path):
    unit = repo / "courses" / A / "units/unit-01/unit.md"
    unit.write_text(unit.read_text(encoding="utf-8").replace("---\n", "---\nbogus_key: 1\n", 1), encoding="utf-8")
    first, second = Diagnostics(root=repo), Diagnostics(root=repo)
    check(repo, first, cache_dir=tmp_path / "c")
    run = check(repo, second, cache_dir=tmp_path / "c")
    assert run.cache.hits == [A, B]
    assert [d.format_text() for d in first.sorted()] == [d.format_text() for d in second.sorted()]
    assert [d.code.id for d in second.sorted()] == ["CP102"]


def _texts(d: Diagnostics) -> list[str]:
    return [x.format_text() for x in d.sorted()]


@pytest.mark.parametrize("edit", [
    {},                                                                            # clean
    {"courses/course-0001/units/unit-01/unit.md": "---\ntitle: [broken\n---\n"},  # YAML error
    {"courses/course-0002/course.yaml": None},                                    # no course.yaml
    {"rubrics/course-0001.yaml": "name: x\n"},                                    # a broken shared file
    {"courses/course-0002/units/unit-01/01-page-1.md": "# Hi\n\n[gone](nowhere.md) ![x](../../../../x.png)\n"},
], ids=["clean", "yaml", "no-course-yaml", "rubric", "links"])
def test_the_pipeline_reports_what_the_in_memory_check_reports(repo, tmp_path, edit):
    for rel, text in edit.items():
        p = repo / rel
        p.unlink() if text is None else p.write_text(text, encoding="utf-8")
    piped = Diagnostics(root=repo)
    check(repo, piped)
    assert _texts(piped) == _texts(run_check(repo))


def test_the_real_curriculum_reports_the_same_through_the_pipeline():
    piped = Diagnostics(root=REPO)
    check(REPO, piped)
    assert _texts(piped) == _texts(run_check(REPO))


def test_worker_processes_give_the_same_bytes(repo, tmp_path):
    """Two worker processes (forked, in a fresh interpreter so no test thread is around) against one."""
    outs = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}"
        r = subprocess.run([sys.executable, "-m", "builder", "--root", str(repo), "build", "--out", str(out),
                            "--moodle", "all", "--jobs", jobs, "--no-cache"], capture_output=True, text=True,
                           cwd=REPO)
        assert r.returncode == 0, r.stdout + r.stderr
        assert ("2 processes" in r.stdout) == (jobs == "2"), r.stdout
        outs[jobs] = _files(out)
    assert outs["1"] == outs["2"] and len(outs["1"]) > 10


def test_check_cli_uses_the_cache_unless_told_not_to(repo):
    from click.testing import CliRunner
    from builder.cli import main
    first = CliRunner().invoke(main, ["--root", str(repo), "check"])
    assert first.exit_code == 0, first.output
    assert sorted(p.name for p in (repo / "build" / ".cache").iterdir()) == ["common-check.bin", f"{A}-check.bin",
                                                                          f"{B}-check.bin"]
    shutil.rmtree(repo / "build")
    assert CliRunner().invoke(main, ["--root", str(repo), "check", "--no-cache"]).exit_code == 0
    assert not (repo / "build").exists()


def test_a_changed_course_parses_only_its_changed_texts_again(repo, tmp_path, monkeypatch):
    from builder.render import html
    out = tmp_path / "out"
    parsed: list[str] = []
    real = html._convert
    monkeypatch.setattr(html, "_convert", lambda text: parsed.append(text) or real(text))
    html.clear_markdown_cache()
    _build(repo, out)
    cold = len(parsed)
    _edit_page(repo, A, "\nA *new* paragraph.\n")
    html.clear_markdown_cache()              # as in a new process: only the cache can help
    parsed.clear()
    _build(repo, out)
    assert cold >= 10 and len(parsed) == 1 and "A *new* paragraph." in parsed[0]
    cold_out = tmp_path / "cold"
    html.clear_markdown_cache()
    _build(repo, cold_out, cache=False)
    assert _files(out) == _files(cold_out)


def test_the_coverage_report_is_remade_only_when_some_evidence_changes(repo, tmp_path):
    out = tmp_path / "out"
    assert _build(repo, out).run.project_outputs is not None          # made
    _edit_page(repo, A, "\nMore prose at the end of a page.\n")        # the same evidence, the same lines
    assert _build(repo, out).run.project_outputs is None               # kept
    quiz = next((repo / "courses" / B).rglob("04-quiz.md"))
    head, sep, body = quiz.read_text(encoding="utf-8").partition("\n---\n")
    quiz.write_text(head + sep + "\n\n" + body, encoding="utf-8")      # every question moves 2 lines
    res = _build(repo, out)
    assert res.run.project_outputs is not None
    cold = tmp_path / "cold"
    _build(repo, cold, cache=False)
    assert _files(out) == _files(cold)
    (out / "coverage" / "coverage.json").write_text("{}")              # edited by hand: remade
    assert _build(repo, out).run.project_outputs is not None and _files(out) == _files(cold)


def test_a_killed_runs_half_written_entry_is_swept(repo, tmp_path):
    out = tmp_path / "out"
    _build(repo, out)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()             # a pid that no longer runs
    left = out / ".cache" / f".{A}-build.bin.{dead}.abcd1234.tmp"
    left.write_bytes(MAGIC + b"half")
    assert _build(repo, out).run.cache.hits == [A, B]          # nothing to write, and still swept
    assert not left.exists()


def test_check_only_renders_never_reach_a_package(repo, tmp_path, monkeypatch):
    """check renders Markdown without heading ids or block newlines (nothing is packaged); those renders
    are remembered and cached apart, so a build in the same process after checks, seeded from the
    check's cache entries, still makes every file exactly as a cold build does."""
    from builder.render import html
    html.clear_markdown_cache()
    cold = tmp_path / "cold"
    _build(repo, cold, cache=False)
    pages = [v for k, v in _files(cold).items() if k.startswith("scorm2004/")]
    assert pages and all(b"<h2 id=" in _zip_member(z, "index.html") for z in pages)

    html.clear_markdown_cache()
    checks = tmp_path / "checks"
    assert not _check(repo, checks).has_errors()      # check entries, lean renders
    _edit_page(repo, A, "\n## A heading the check saw first\n\nMore text.\n")
    monkeypatch.setattr(html, "_convert", lambda text: pytest.fail(f"a full render while checking: {text[:40]}"))
    assert not _check(repo, checks).has_errors()      # seeded from the stale check entry
    monkeypatch.undo()
    out = tmp_path / "out"
    _build(repo, out)
    _edit_page(repo, A, "")
    html.clear_markdown_cache()
    fresh = tmp_path / "fresh"
    _build(repo, fresh, cache=False)
    assert _files(out) == _files(fresh)
    assert any(b"a-heading-the-check-saw-first" in _zip_member(z, "index.html")
               for k, z in _files(out).items() if k.startswith("scorm2004/"))


def _check(root: Path, cache_dir: Path) -> Diagnostics:
    d = Diagnostics(root=root)
    check(root, d, cache_dir=cache_dir, jobs=1)
    return d


def _zip_member(data: bytes, name: str) -> bytes:
    import io
    import zipfile
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.read(name)
