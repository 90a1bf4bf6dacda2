"""RealPaths (the renderer's remembered ``Path.resolve``) gives exactly what ``Path.resolve`` gives.

Links and images are resolved through it, so a difference would let a symbolic link out of the course
or call a real page missing. Checked on a tree with file and folder links, links out of the tree,
chains, loops, dangling links, ``..`` and missing components, for every path that can be spelt from
its names.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest

from builder.load.files import RealPaths


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "course"
    (root / "units" / "u1" / "images").mkdir(parents=True)
    (root / "units" / "u2").mkdir(parents=True)
    (root / "units" / "u1" / "p.md").write_text("x")
    (root / "units" / "u1" / "images" / "a.svg").write_text("x")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.md").write_text("x")
    os.symlink("u1", root / "units" / "alias")                       # a folder link inside
    os.symlink("../u1/p.md", root / "units" / "u2" / "p.md")          # a file link inside
    os.symlink("../../outside", root / "units" / "u2" / "out")        # a folder link out
    os.symlink(str(tmp_path / "outside" / "secret.md"), root / "units" / "u2" / "s.md")  # absolute, out
    os.symlink("chain2", root / "units" / "chain1")                   # a chain of links
    os.symlink("alias", root / "units" / "chain2")
    os.symlink("loop", root / "units" / "loop")                       # a loop
    os.symlink("missing.md", root / "units" / "u2" / "dangling.md")   # a dangling link
    return root


NAMES = ["units", "u1", "u2", "alias", "chain1", "loop", "out", "p.md", "s.md", "dangling.md", "images",
         "a.svg", "..", ".", "missing"]


def _resolve(path: Path):
    try:
        return path.resolve()
    except (OSError, RuntimeError) as exc:
        return type(exc)


def _real(real: RealPaths, path: Path):
    try:
        return real(path)
    except (OSError, RuntimeError) as exc:
        return type(exc)


def _has_link(path: Path) -> bool:
    return any(p.is_symlink() for p in [path, *path.parents])


def test_same_as_resolve_for_every_spelling(tree: Path):
    """Where Path.resolve gives a real path, RealPaths gives the same. Python's non-strict resolve stops
    at a symbolic link loop and keeps the rest unresolved (units/loop/../out/secret.md comes back with the
    link 'out' in it, pointing outside); RealPaths then still gives a path with no link in it, or fails."""
    real = RealPaths()
    checked = quirks = 0
    for depth in (1, 2, 3, 4):
        for names in itertools.product(NAMES, repeat=depth):
            if depth == 4 and names[0] != "units":
                continue
            path = tree.joinpath(*names)
            ours, theirs = _real(real, path), _resolve(path)
            checked += 1
            if isinstance(theirs, Path) and not _has_link(theirs):
                assert ours == theirs, path
                continue
            quirks += 1
            if isinstance(ours, Path):
                assert ours.is_absolute() and not _has_link(ours), (path, ours)
                if os.path.exists(path):
                    assert os.path.samefile(ours, path), (path, ours)
    assert checked > 5_000 and quirks > 0


def test_relative_paths_and_repeat_calls(tree: Path, monkeypatch):
    monkeypatch.chdir(tree)
    real = RealPaths()
    for p in [Path("units/alias/p.md"), Path("units/u2/out/secret.md"), Path("."), Path("units/../units/u1")]:
        assert real(p) == p.resolve()
        assert real(p) == p.resolve()      # remembered: the same answer again


def test_is_within_agrees_with_relative_to():
    from builder.load.files import _is_within

    def reference(p: Path, root: Path) -> bool:
        try:
            p.relative_to(root)
            return True
        except ValueError:
            return False

    paths = [Path(s) for s in ("/", "/a", "/a/b", "/a/bc", "/a/b/c", "/ab", "a", "a/b", "b", ".", "/a/b/../c")]
    for p in paths:
        for root in paths:
            assert _is_within(p, root) == reference(p, root), (p, root)
