"""Shared fixtures.

``../shared`` (the reference Moodle backups, schemas, seeds) sits beside the
checkout in CI; COURSEPACK_SHARED points elsewhere. Tests that need it skip
with a clear reason when it is absent.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import textwrap
import zlib
from pathlib import Path

import pytest

from builder.build import build, check_project
from builder.diagnostics import Diagnostics

REPO = Path(__file__).resolve().parents[1]


def shared_dir() -> Path | None:
    env = os.environ.get("COURSEPACK_SHARED")
    p = Path(env) if env else REPO.parent / "shared"
    return p if (p / "reference").is_dir() else None


@pytest.fixture(scope="session")
def shared() -> Path:
    p = shared_dir()
    if p is None:
        pytest.skip("../shared (reference backups, schemas, seeds) is not beside the checkout; "
                    "set COURSEPACK_SHARED to its path to run this test")
    return p


def png_bytes(w: int = 4, h: int = 3) -> bytes:
    raw = b"".join(b"\x00" + b"\x10\x80\xc0" * w for _ in range(h))

    def chunk(t: bytes, d: bytes) -> bytes:
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


SOURCES_YAML = """\
doc-a:
  title: A source document
  publisher: Somebody
  year: 2020
  seed: 000_b233357f37d4781b.txt
  lines: 1-500
"""

COURSE_YAML = """\
title: Demo course
shortname: DEMO
summary: |
  A small course for tests.
hours: 1
audience: Test writers
units:
  - first
  - second
"""

UNIT_FIRST = """\
---
title: First unit
hours: 0.5
summary: The first unit.
outcomes:
  - Describe the first thing
sources:
  - doc-a
---
"""

PAGE_HELLO = """\
# Hello page

Some text with a [link to the table](02-table.md) and an image:

![A small coloured block](images/block.png)

## A section

| Word | Meaning |
|:-----|--------:|
| peer | equal   |
"""

PAGE_TABLE = """\
---
title: A table page
---
Plain text.
"""

UNIT_SECOND = """\
---
title: Second unit
hours: 0.5
summary: The second unit.
outcomes: [Explain the second thing]
sources:
  - ref: doc-a
    lines: 10-20
---
# Page one

Text of page one.

# Take a break {.label}

A short pause.
"""


def minimal_files() -> dict[str, str | bytes]:
    return {
        "sources.yaml": SOURCES_YAML,
        "courses/demo/course.yaml": COURSE_YAML,
        "courses/demo/units/first/unit.md": UNIT_FIRST,
        "courses/demo/units/first/01-hello.md": PAGE_HELLO,
        "courses/demo/units/first/02-table.md": PAGE_TABLE,
        "courses/demo/units/first/images/block.png": png_bytes(),
        "courses/demo/units/second.md": UNIT_SECOND,
    }


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(textwrap.dedent(content) if content.startswith("\n") else content, encoding="utf-8")
    return root


@pytest.fixture
def make_repo(tmp_path):
    """make_repo(overrides) -> repo root; overrides map paths to content (None deletes)."""

    def _make(overrides: dict[str, str | bytes | None] | None = None, base: bool = True) -> Path:
        files: dict = minimal_files() if base else {}
        for k, v in (overrides or {}).items():
            if v is None:
                files.pop(k, None)
            else:
                files[k] = v
        root = tmp_path / "repo"
        root.mkdir(exist_ok=True)
        return write_tree(root, files)

    return _make


def run_check(root: Path, only=None) -> Diagnostics:
    d = Diagnostics(root=root)
    check_project(root, d, only)
    return d


def checked(root: Path, only=None):
    """The whole project in memory after check (course objects, rendered pages)."""
    return check_project(root, Diagnostics(root=root), only)


def run_build(root: Path, out: Path | None = None, **kw):
    d = Diagnostics(root=root)
    res = build(root, out or root / "build", d, **kw)
    return d, res


def assert_one_diagnostic(root: Path, code: str, path: str, line: int | None, words: str) -> None:
    """A broken-input case: exactly one diagnostic, with its code, file, line, words and a fix."""
    got = run_check(root).sorted()
    assert len(got) == 1, "\n".join(d.format_text() for d in got)
    d = got[0]
    assert d.code.id == code, d.format_text()
    assert d.path == path
    if line:
        assert d.line == line, d.format_text()
    assert words.lower() in d.message.lower(), d.message
    assert d.hint, "every diagnostic carries a plain-English fix"


def assert_cli_build_fails_cleanly(root: Path, code: str, *options: str) -> None:
    """The CLI build reports just that code as JSON, with no traceback, and writes nothing."""
    import json
    from click.testing import CliRunner
    from builder.cli import main
    res = CliRunner().invoke(main, ["--root", str(root), "build", *options, "--diagnostics-format", "json",
                                    "--out", str(root / "out")])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.output
    assert "Traceback" not in res.output
    assert [d["code"] for d in json.loads(res.output)["diagnostics"]] == [code]
    assert not (root / "out").exists()  # a failed build writes nothing


# -- a real browser (Debian chromium driven by Playwright) and a real SCORM runtime ---------------

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]


def _chromium() -> str | None:
    for cand in (os.environ.get("COURSEPACK_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                 shutil.which("chromium-browser"), shutil.which("google-chrome")):
        if cand and Path(cand).exists():
            return cand
    return None


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install -e '.[test]')")
    exe = _chromium()
    if exe is None:
        pytest.skip("no Chromium binary (apt-get install chromium, or set COURSEPACK_CHROMIUM)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()


def artifacts() -> Path:
    d = Path(os.environ.get("COURSEPACK_ARTIFACTS", REPO / "build" / "test-artifacts"))
    d.mkdir(parents=True, exist_ok=True)
    return d



SCORM_AGAIN = "scorm-again@3.4.3"     # the SCORM 1.2/2004 runtime the packages are tested in


@pytest.fixture(scope="session")
def scorm_again() -> Path:
    """scorm-again's browser bundles, installed from npm once into build/test-cache/ (COURSEPACK_NPM_CACHE)."""
    cache = Path(os.environ.get("COURSEPACK_NPM_CACHE", REPO / "build" / "test-cache" / "npm"))
    dist = cache / "node_modules" / "scorm-again" / "dist"
    if not (dist / "scorm12.js").is_file():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed (apt-get install npm), so the scorm-again runtime cannot be installed")
        cache.mkdir(parents=True, exist_ok=True)
        res = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--prefix", str(cache), SCORM_AGAIN],
                             capture_output=True, text=True, timeout=300)
        if res.returncode != 0 or not (dist / "scorm12.js").is_file():
            pytest.skip(f"could not install {SCORM_AGAIN} from npm: {res.stderr.strip()[-300:]}")
    return dist
