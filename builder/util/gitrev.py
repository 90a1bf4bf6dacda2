"""A read-only copy of the repository at an earlier git revision (for ``coverage --since``)."""

from __future__ import annotations

import contextlib
import io
import subprocess
import tarfile
import tempfile
from pathlib import Path


class GitError(Exception):
    pass


@contextlib.contextmanager
def checkout_revision(root: Path, rev: str):
    """Yield a temporary folder holding the tree of ``rev`` (via ``git archive``; the work tree is untouched)."""
    if rev.startswith("-"):
        raise GitError(f"'{rev}' is not a revision")
    try:
        top = subprocess.run(["git", "-C", str(root), "rev-parse", "--show-toplevel"], capture_output=True,
                             text=True, check=True).stdout.strip()
        data = subprocess.run(["git", "-C", top, "archive", "--format=tar", rev], capture_output=True,
                              check=True).stdout
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    except subprocess.CalledProcessError as exc:
        msg = exc.stderr.decode("utf-8", "replace").strip() if isinstance(exc.stderr, bytes) else exc.stderr
        raise GitError(f"cannot read revision '{rev}': {msg or 'not a git repository'}") from None
    sub = Path(root).resolve().relative_to(Path(top).resolve())
    with tempfile.TemporaryDirectory(prefix="coursepack-since-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            tar.extractall(tmp, filter="data")
        yield Path(tmp) / sub
