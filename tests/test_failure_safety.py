"""Failure safety: a build that dies, is stopped or cannot write never leaves a half-written output.

A real build runs in a subprocess (``python -m builder … build``) over the outputs of a previous build,
and is killed at every kind of moment by the test-only hook of ``write_outputs``
(``COURSEPACK_TEST_KILL_AFTER=N``: the process signals itself after N staged-then-renamed files):
while staging the new files, between staging and renaming, and in the middle of the renames. Whatever
the moment, every output is exactly its previous or exactly its new version, none is missing, and the
next build leaves no temporary file behind. SIGTERM and SIGINT are handled: no temporary file at all.

A read-only output folder, a full disk and a file-size limit each give CP901 with a plain message
through the CLI, no traceback, and the previous outputs intact. Where a condition cannot be produced
for real (the tests may run as root, for whom permissions do not apply), it is produced honestly
in another way (a read-only or tiny file system in a user namespace, RLIMIT_FSIZE), and also by
making the system call fail in-process; the honest variants skip when the system does not allow them.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

if os.name != "posix":
    pytest.skip("these tests use fork, POSIX signals and RLIMIT_FSIZE", allow_module_level=True)
import resource  # noqa: E402 - POSIX only
from click.testing import CliRunner

from builder.cli import main
from builder.util import atomic
from compdata import FRAMEWORK, FRAMEWORK_PATH, comp_files
from conftest import REPO, minimal_files, run_build, write_tree

TEMP = re.compile(r"^\..+\.\d+\.[a-z0-9_]{8}\.tmp$")       # write_outputs' temporary files
ENV = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONDONTWRITEBYTECODE": "1"}
ENV.pop("COURSEPACK_TEST_KILL_AFTER", None)
ENV.pop("COURSEPACK_TEST_KILL_SIGNAL", None)


def files_of(folder: Path) -> dict[str, bytes]:
    """Every output file (temporary files and the build cache apart), by path relative to the folder."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not TEMP.match(p.name) and ".cache" not in p.relative_to(folder).parts}


def temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if TEMP.match(p.name)]


def cli(root: Path, out: Path, *extra: str, env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "builder", "--root", str(root), "build", "--out", str(out),
                           "--diagnostics-format", "json", *extra], env=env or ENV, capture_output=True,
                          text=True, timeout=120, **kw)


@pytest.fixture(scope="module")
def versions(tmp_path_factory):
    """A repository built once (the previous outputs), then changed: (root, previous, new outputs)."""
    tmp = tmp_path_factory.mktemp("versions")
    root = write_tree(tmp / "repo", minimal_files() | comp_files())
    d, _ = run_build(root, tmp / "previous")
    assert not d.has_errors(), [x.format_text() for x in d]
    course = root / "courses/demo/course.yaml"
    course.write_text(course.read_text().replace("title: Demo course", "title: Demo course, second edition"))
    (root / FRAMEWORK_PATH).write_text(FRAMEWORK.replace("A small framework for tests.", "Revised for tests."))
    d, _ = run_build(root, tmp / "new")
    assert not d.has_errors()
    previous, new = files_of(tmp / "previous"), files_of(tmp / "new")
    assert previous.keys() == new.keys()
    changed = [k for k in new if new[k] != previous[k]]
    assert 3 <= len(changed) < len(new), "the change must touch several outputs but not all"
    return root, tmp / "previous", previous, new, changed


def fresh_copy(previous_dir: Path, dest: Path) -> Path:
    shutil.copytree(previous_dir, dest)
    return dest


def user_namespace_works() -> bool:
    if not shutil.which("unshare"):
        return False
    try:
        r = subprocess.run(["unshare", "-Urm", "true"], capture_output=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return False
    return r.returncode == 0


USERNS = user_namespace_works()
BUILD = '"$PY" -m builder --root "$ROOT" build --out "$OUT" --diagnostics-format json'


@dataclass
class Run:
    out: Path
    returncode: int = 0
    stdout: str = ""
    stderr: str = ""


def forked_build(root: Path, out: Path, env: dict, prepare=None) -> int:
    """The CLI's build (``coursepack --root R build --out O``) in a forked child of this process: the same
    entry point ``python -m builder`` runs, without its second of start-up imports. Returns the child's pid;
    its stdout and stderr go to O.stdout and O.stderr beside the output folder."""
    pid = os.fork()
    if pid:
        return pid
    code = 70
    try:                                              # the child: never returns into pytest
        for fd, suffix in ((1, ".stdout"), (2, ".stderr")):
            os.dup2(os.open(str(out) + suffix, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), fd)
        sys.stdout, sys.stderr = open(1, "w", closefd=False), open(2, "w", closefd=False)
        os.environ.update(env)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        if prepare:
            prepare()
        try:
            main(["--root", str(root), "build", "--out", str(out), "--diagnostics-format", "json"])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:                             # noqa: BLE001 - reported through the exit code
        import traceback
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


@pytest.fixture(scope="module")
def runs(versions, tmp_path_factory):
    """Every build in another process that this file needs, all started together: name -> Run.

    One kill moment runs exactly as a user would (``python -m builder …``), and so do the builds that need a
    namespace; the others run the same CLI entry point in a forked child (see forked_build)."""
    root, previous_dir, previous, new, changed = versions
    tmp = tmp_path_factory.mktemp("runs")
    s = len(changed)                                  # steps 1..s stage a file, s+1..2s rename one
    execs: dict[str, tuple[list[str], dict, Path]] = {}
    forks: dict[str, tuple[dict, object, Path]] = {}
    command = [sys.executable, "-m", "builder", "--root", str(root), "build", "--diagnostics-format", "json",
               "--out"]

    def job(name: str, env: dict | None = None, prepare=None, script: str | None = None, real: bool = False,
            **paths: Path):
        out = tmp / name
        if script is None or "PREVIOUS" not in script:
            fresh_copy(previous_dir, out)
        out.mkdir(exist_ok=True)
        if script is not None:    # in a new user and mount namespace (it may mount); $PY builds into $OUT
            e = {**ENV, "PY": sys.executable, "ROOT": str(root), "OUT": str(out),
                 **{k.upper(): str(v) for k, v in paths.items()}}
            execs[name] = (["unshare", "-Urm", "sh", "-ec", script], e, out)
        elif real:
            execs[name] = (command + [str(out)], {**ENV, **(env or {})}, out)
        else:
            forks[name] = (env or {}, prepare, out)

    for n in sorted({1, s // 2, s, s + 1, s + s // 2, 2 * s - 1}):
        job(f"kill-{n}", {"COURSEPACK_TEST_KILL_AFTER": str(n)}, real=(n == s + 1))
    for sig, n in (("TERM", 1), ("TERM", s + 1), ("INT", 2), ("INT", s + 1)):
        job(f"{sig}-{n}", {"COURSEPACK_TEST_KILL_AFTER": str(n), "COURSEPACK_TEST_KILL_SIGNAL": sig})
    limit = max(len(new[k]) for k in changed) - 1     # the largest changed file cannot be written

    def limited():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    job("fsize", prepare=limited)
    if USERNS:
        job("read-only-fs", script='mount --bind "$OUT" "$OUT"; mount -o remount,bind,ro "$OUT"; ' + BUILD)
        after = tmp / "tiny-fs-after"
        after.mkdir()
        # room for the previous outputs and their build cache (copied too), not for the new outputs
        pages = sum(-(-p.stat().st_size // 4096) for p in previous_dir.rglob("*") if p.is_file())
        job("tiny-fs", script=f'mount -t tmpfs -o size={(pages + 2) * 4}k none "$OUT"; cp -a "$PREVIOUS"/. "$OUT"/; '
                              f'{BUILD} || echo "build exit $?" >&2; cp -a "$OUT"/. "$AFTER"/',
            previous=previous_dir, after=after)
    procs = {name: subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for name, (cmd, env, _) in execs.items()}
    pids = {name: forked_build(root, out, env, prepare) for name, (env, prepare, out) in forks.items()}
    results: dict[str, Run] = {}
    for name, pid in pids.items():
        _, status = os.waitpid(pid, 0)
        out = forks[name][2]
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        results[name] = Run(out, code, Path(f"{out}.stdout").read_text(), Path(f"{out}.stderr").read_text())
    for name, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=120)
        results[name] = Run(execs[name][2], proc.returncode, stdout, stderr)
    return results


def test_killed_at_any_moment_every_output_is_old_or_new(versions, runs):
    root, previous_dir, previous, new, changed = versions
    s = len(changed)
    kills = {int(k.split("-")[1]): r for k, r in runs.items() if k.startswith("kill-")}
    assert {1, s, s + 1, 2 * s - 1} <= set(kills), "staging, between staging and renames, and the renames"
    for n, r in sorted(kills.items()):
        assert r.returncode == -signal.SIGKILL, (n, r.returncode, r.stderr)
        got = files_of(r.out)
        assert got.keys() == previous.keys(), f"killed after step {n}: an output is missing"
        for name, data in got.items():
            assert data in (previous[name], new[name]), f"killed after step {n}: {name} is neither version"
        renamed = [k for k in changed if got[k] == new[k]]
        assert len(renamed) == max(0, n - s), f"killed after step {n}: {len(renamed)} files replaced"
        temps = temp_files(r.out)
        assert len(temps) == (n if n <= s else 2 * s - n), f"killed after step {n}: {temps}"
        for t in temps:                               # staged beside its target, named after it
            assert any(t.name.startswith(f".{Path(k).name}.") and t.parent == r.out / Path(k).parent
                       for k in changed), t
    # the next normal build sweeps what the killed ones left and brings every output up to date
    for n, r in kills.items():
        d, res = run_build(root, r.out)
        assert not d.items, [x.format_text() for x in d]
        assert temp_files(r.out) == [], f"after the kill at step {n} and a new build"
        assert files_of(r.out) == new


def test_sweep_leaves_other_files_and_live_builds_alone(versions, tmp_path):
    root, previous_dir, previous, new, changed = versions
    out = fresh_copy(previous_dir, tmp_path / "out")
    keep = [out / "moodle" / "notes.tmp", out / "moodle" / ".demo.mbz.tmp", out / "moodle" / ".keep",
            # a build still running elsewhere (a live process that is not this one): its file is its own
            out / "moodle" / f".demo.mbz.{os.getppid()}.abcd1234.tmp"]
    stale = out / "scorm12" / ".demo.zip.999999999.zz99_x0a.tmp"       # no such process
    for p in [*keep, stale]:
        p.write_bytes(b"x")
    d, res = run_build(root, out)
    assert not d.items
    assert all(p.exists() for p in keep)
    assert not stale.exists()


def test_sigterm_and_sigint_leave_no_temporary_file(versions, runs):
    """Stopped while staging: nothing replaced. Stopped while renaming: the renames finish first."""
    root, previous_dir, previous, new, changed = versions
    s = len(changed)
    for name in ("TERM-1", f"TERM-{s + 1}", "INT-2", f"INT-{s + 1}"):
        r = runs[name]
        sig, n = name.split("-")[0], int(name.split("-")[1])
        assert temp_files(r.out) == [], name
        assert "Traceback" not in r.stderr, r.stderr
        assert files_of(r.out) == (previous if n <= s else new), name
        if sig == "TERM":
            assert r.returncode == -signal.SIGTERM, (name, r.returncode, r.stderr)
        else:
            assert r.returncode == 130, (name, r.returncode, r.stderr)
            words = "no output was changed" if n <= s else "every output had been written"
            assert f"interrupted; {words}" in r.stderr


# -- the output folder cannot be written -----------------------------------------------------------------

def cp901(res) -> str:
    """The CLI's one diagnostic, which must be CP901: its message."""
    assert "Traceback" not in res.stdout + res.stderr
    assert res.returncode == 1, (res.returncode, res.stdout, res.stderr)
    diags = json.loads(res.stdout)["diagnostics"]
    assert [x["code"] for x in diags] == ["CP901"], diags
    return diags[0]["message"]


def test_read_only_folder_by_permissions(versions, tmp_path):
    if os.geteuid() == 0:
        pytest.skip("running as root: folder permissions do not stop root (the tests below cover it otherwise)")
    root, previous_dir, previous, new, changed = versions
    out = fresh_copy(previous_dir, tmp_path / "out")
    folders = [p for p in out.rglob("*") if p.is_dir()] + [out]
    for f in folders:
        f.chmod(0o555)
    try:
        message = cp901(cli(root, out))
    finally:
        for f in folders:
            f.chmod(0o755)
    assert "read-only" in message
    assert files_of(out) == previous and temp_files(out) == []


def test_read_only_file_system(versions, runs):
    """A real read-only mount of the output folder (EROFS), which stops root too."""
    root, previous_dir, previous, new, changed = versions
    if "read-only-fs" not in runs:
        pytest.skip("user namespaces are not available here (unshare -Urm fails)")
    r = runs["read-only-fs"]
    if r.returncode != 1 and "mount" in r.stderr:
        pytest.skip(f"cannot mount in a user namespace here: {r.stderr.strip()[:200]}")
    assert "read-only" in cp901(r)
    assert files_of(r.out) == previous and temp_files(r.out) == []


def test_disk_full_on_a_tiny_file_system(versions, runs):
    """A file system just large enough for the previous outputs: ENOSPC when staging the new ones."""
    root, previous_dir, previous, new, changed = versions
    if "tiny-fs" not in runs:
        pytest.skip("user namespaces are not available here (unshare -Urm fails)")
    r = runs["tiny-fs"]
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs in a user namespace here: {r.stderr.strip()[:200]}")
    assert "build exit 1" in r.stderr
    assert "the disk is full" in cp901(Run(r.out, 1, r.stdout))
    after = r.out.parent / "tiny-fs-after"
    assert files_of(after) == previous and temp_files(after) == []


def test_file_size_limit(versions, runs):
    """RLIMIT_FSIZE (ulimit -f) with SIGXFSZ ignored: writing past it fails with EFBIG, even for root."""
    root, previous_dir, previous, new, changed = versions
    r = runs["fsize"]
    assert "too large for the disk or for the file-size limit" in cp901(r)
    assert files_of(r.out) == previous and temp_files(r.out) == []


# In-process, through the CLI, with the failing system call simulated: runs everywhere, as root too.

@pytest.mark.parametrize("err, words, where", [
    (errno.EROFS, "read-only", "mkstemp"),
    (errno.EACCES, "read-only or not yours", "mkstemp"),
    (errno.ENOSPC, "the disk is full", "fsync"),        # delayed allocation: the disk fills when flushing
    (errno.EDQUOT, "disk quota exceeded", "fsync"),
    (errno.ENOSPC, "the disk is full", "replace"),      # a failure half-way through the renames
])
def test_simulated_failures_through_the_cli(versions, tmp_path, monkeypatch, err, words, where):
    root, previous_dir, previous, new, changed = versions
    out = fresh_copy(previous_dir, tmp_path / "out")
    calls = []
    real = {"mkstemp": atomic.tempfile.mkstemp, "fsync": os.fsync, "replace": os.replace}[where]

    def failing(*a, **kw):
        calls.append(a)
        if len(calls) == 2:                              # the second file fails, after one has gone through
            raise OSError(err, os.strerror(err))
        return real(*a, **kw)

    if where == "mkstemp":
        monkeypatch.setattr(atomic.tempfile, "mkstemp", failing)
    else:
        monkeypatch.setattr(atomic.os, where, failing)
    res = CliRunner().invoke(main, ["--root", str(root), "build", "--out", str(out), "--diagnostics-format", "json"])
    monkeypatch.undo()
    assert res.exception is None or isinstance(res.exception, SystemExit), res.output
    message = cp901(subprocess.CompletedProcess([], res.exit_code, res.stdout, ""))
    assert words in message
    assert temp_files(out) == []
    got = files_of(out)
    if where == "replace":           # one file was renamed before the failure: each is old or new, none broken
        assert got.keys() == previous.keys()
        assert sum(got[k] == new[k] for k in changed) == 1
        assert all(got[k] in (previous[k], new[k]) for k in got)
    else:
        assert got == previous
