"""Atomic output: a file is either the complete new version or untouched.

Each output is written to a temporary file in its destination folder
(``.<name>.<pid>.<random>.tmp``), flushed to disk, then renamed over the
target (``os.replace`` is atomic on POSIX and Windows). A build first
produces every output in memory and writes only when nothing failed, so a
failed build leaves the previous outputs as they were and no temporary file
behind.

:func:`write_outputs` writes a whole build: it stages every changed file
first and renames them into place only when all of them are on disk, so
previous and new outputs can only be mixed if the process dies (SIGKILL,
power loss) during the renames themselves. SIGTERM and SIGINT are held off
during the renames and, while staging, stop the build after removing its
temporary files; the signal is then passed on as usual. Temporary files of
an earlier run that was killed are swept at the start.
"""

from __future__ import annotations

import errno
import os
import re
import signal
import tempfile
import threading
from pathlib import Path


class OutputError(Exception):
    """The output cannot be written; the message says why in plain words."""


def _explain(exc: OSError, path: Path) -> str:
    if exc.errno == errno.EROFS:
        return f"cannot write to {path.parent}: the folder is on a read-only file system"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"cannot write to {path.parent}: the folder is read-only or not yours"
    if exc.errno == errno.ENOSPC:
        return f"cannot write {path.name}: the disk is full"
    if exc.errno == errno.EDQUOT:
        return f"cannot write {path.name}: disk quota exceeded"
    if exc.errno == errno.EFBIG:
        return (f"cannot write {path.name}: the file is too large for the disk or for the file-size limit "
                "of this process (ulimit -f)")
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        return f"cannot write {path}: a part of the path is a file, not a folder"
    if exc.errno == errno.EISDIR:
        return f"cannot write {path}: a folder of that name is in the way"
    return f"cannot write {path}: {exc.strerror or exc}"


# Our temporary files: '.' + target name + '.' + pid + '.' + mkstemp's 8 random characters + '.tmp'
_TEMP = re.compile(r"^\..+\.(?P<pid>\d+)\.[a-z0-9_]{8}\.tmp$")


def _temp_file(path: Path) -> tuple[int, str]:
    return tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        return path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def _fill(fd: int, tmp_name: str, data: bytes) -> None:
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(tmp_name, 0o644)


def _remove(name: str) -> None:
    try:
        os.unlink(name)
    except OSError:
        pass


def write_outputs(out: Path, outputs: list[tuple[Path, bytes]]) -> tuple[list[Path], list[Path]]:
    """Write a build's outputs (paths relative to ``out``): (written, unchanged) target paths.

    Every changed file is staged as a temporary file in its destination folder (written and
    fsynced); only when all are staged are they renamed into place. On any error, and on
    SIGTERM/SIGINT, the temporary files are removed; an error raises OutputError with a plain
    message (read-only folder, disk full, …) and leaves every previous output as it was.

    Test hook (tests/test_failure_safety.py, never set otherwise): COURSEPACK_TEST_KILL_AFTER=N
    makes the process send itself SIGKILL (or the signal named by COURSEPACK_TEST_KILL_SIGNAL,
    e.g. TERM) after N steps, a step being one staged file, then one renamed file (N=0: before
    the first); N = the number of changed files falls between staging and renaming.
    """
    targets = [(out / rel, data) for rel, data in outputs]
    sweep_temporaries({t.parent for t, _ in targets})
    unchanged: list[Path] = []
    todo: list[tuple[Path, bytes]] = []
    for t, data in targets:
        if _same_bytes(t, data):
            unchanged.append(t)
        else:
            todo.append((t, data))
    written: list[Path] = []
    if not todo:
        return written, unchanged
    hook = _TestKill.from_env()
    guard = _SignalGuard()
    staged: list[tuple[str, Path]] = []      # (temporary file, target) still to be renamed
    stopped = False
    try:
        guard.install()
        hook.step()
        for target, data in todo:
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp_name = _temp_file(target)
                staged.append((tmp_name, target))
                _fill(fd, tmp_name, data)
            except OSError as exc:
                raise OutputError(_explain(exc, target)) from exc
            hook.step()
            guard.check()                     # a signal while staging: stop here, nothing was replaced
        guard.hold = True                     # from here on a signal waits until every file is renamed
        while staged:
            tmp_name, target = staged[0]
            try:
                os.replace(tmp_name, target)
            except OSError as exc:
                raise OutputError(_explain(exc, target)) from exc
            staged.pop(0)
            written.append(target)
            hook.step()
        _sync_folders({t.parent for t in written})
    except _Stop:
        stopped = True                        # the temporary files are removed below; nothing was replaced
    finally:
        for tmp_name, _ in staged:
            _remove(tmp_name)
        guard.restore()
    guard.pass_on()                           # the signal's usual effect: ends the process, or raises
    if stopped:                               # a handler of the caller's that chose to carry on
        raise OutputError("the build was interrupted before any output was replaced; the previous outputs "
                          "are as they were")
    return written, unchanged


def write_unsynced(path: Path, data: bytes) -> None:
    """Replace ``path`` atomically without fsync, for data that proves itself when read (the build cache's
    entries carry a checksum). Our temporary name, so a killed run's leftover is swept like any other."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sweep_temporaries({path.parent})
    fd, tmp = _temp_file(path)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
        tmp = None
    finally:
        if tmp is not None:
            _remove(tmp)


def sweep_temporaries(folders: set[Path]) -> None:
    """Remove temporary files of ours that a killed run left in these folders (never another live run's)."""
    for folder in folders:
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            m = _TEMP.match(name)
            if m and not _alive(int(m.group("pid"))):
                _remove(os.path.join(folder, name))


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False                          # ours, from an earlier call that failed to clean up
    if os.name != "posix":
        return False                          # no cheap check; builds into one folder at once are not supported
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True                           # exists, but belongs to someone else
    return True


def _sync_folders(folders: set[Path]) -> None:
    """Make the renames durable (best effort: not every system can fsync a folder)."""
    for folder in folders:
        try:
            fd = os.open(folder, os.O_RDONLY)
        except OSError:
            continue
        try:
            os.fsync(fd)
        except OSError:
            pass
        finally:
            os.close(fd)


class _Stop(BaseException):
    """A signal arrived while staging: unwind (running every ``finally``), then pass the signal on."""


class _SignalGuard:
    """SIGTERM and SIGINT are caught for the duration of write_outputs and handed on afterwards."""

    SIGNALS = tuple(s for s in (getattr(signal, "SIGTERM", None), signal.SIGINT) if s is not None)

    def __init__(self):
        self.previous: dict[int, object] = {}
        self.pending: int | None = None
        self.hold = False

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return                            # only the main thread may handle signals
        for s in self.SIGNALS:
            if signal.getsignal(s) is not signal.SIG_IGN:     # an ignored signal stays ignored
                self.previous[s] = signal.signal(s, self._handler)

    def _handler(self, signum, frame) -> None:
        if self.pending is None:
            self.pending = signum             # acted on at the next safe point: check() or pass_on()

    def check(self) -> None:
        if self.pending is not None and not self.hold:
            raise _Stop()

    def restore(self) -> None:
        for s, h in self.previous.items():
            signal.signal(s, signal.SIG_DFL if h is None else h)     # None: set outside Python
        self.previous.clear()

    def pass_on(self) -> None:
        """After restoring the previous handlers: deliver the signal that arrived, as if it came now."""
        if self.pending is not None:
            signum, self.pending = self.pending, None
            if signum == signal.SIGINT and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
                raise KeyboardInterrupt("every output had been written" if self.hold else "no output was changed")
            signal.raise_signal(signum)


class _TestKill:
    """The test-only hook of write_outputs (see its docstring). Inert unless the variable is set."""

    def __init__(self, after: int | None, signum: int):
        self.after = after
        self.signum = signum
        self.steps = -1

    @classmethod
    def from_env(cls) -> "_TestKill":
        raw = os.environ.get("COURSEPACK_TEST_KILL_AFTER")
        name = os.environ.get("COURSEPACK_TEST_KILL_SIGNAL", "KILL")
        return cls(int(raw) if raw else None, getattr(signal, f"SIG{name}", getattr(signal, "SIGTERM")))

    def step(self) -> None:
        self.steps += 1
        if self.after is not None and self.steps == self.after:
            os.kill(os.getpid(), self.signum)
