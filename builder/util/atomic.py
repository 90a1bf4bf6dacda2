"""Atomic output: a file is either the complete new version or untouched.

Each output is written to a temporary file in the destination folder,
flushed to disk, then renamed over the target (``os.replace`` is atomic on
POSIX and Windows). A build first produces every output in memory and
writes only when nothing failed, so a failed build leaves the previous
outputs as they were and no temporary file behind.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path


class OutputError(Exception):
    """The output cannot be written; the message says why in plain words."""


def _explain(exc: OSError, path: Path) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"cannot write to {path.parent}: the folder is read-only or not yours"
    if exc.errno == errno.ENOSPC:
        return f"cannot write {path.name}: the disk is full"
    if exc.errno == errno.EDQUOT:
        return f"cannot write {path.name}: disk quota exceeded"
    if exc.errno == errno.ENOTDIR:
        return f"cannot write {path}: a part of the path is a file, not a folder"
    return f"cannot write {path}: {exc.strerror or exc}"


def write_atomic(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` atomically. Returns False if the file already had these bytes."""
    try:
        if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except OSError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(_explain(exc, path)) from exc
    tmp_name = None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)
        tmp_name = None
    except OSError as exc:
        raise OutputError(_explain(exc, path)) from exc
    finally:
        if tmp_name is not None:
            try:
                os.unlink(tmp_name)
            except OSError:
                pass
    return True
