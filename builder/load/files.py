"""Reading authored files safely.

Every read goes through here so that the same rules hold everywhere:
size limits, strict UTF-8 (with the position of the first bad byte), a
byte-order mark is reported and dropped, CRLF and CR line endings are
accepted and normalised, control characters are reported with their
position, and no path may leave the folder it belongs to.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from .. import codes
from ..diagnostics import Diagnostics

MAX_TEXT_BYTES = 2 * 1024 * 1024
MAX_ASSET_BYTES = 10 * 1024 * 1024

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_WIN_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$", re.IGNORECASE)
_BAD_CHARS = set('<>:"\\|?*')


def line_col(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    start = text.rfind("\n", 0, index) + 1
    return line, index - start + 1


class Positions:
    """1-based (line, column) of many offsets into one text: :func:`line_col` counts from the start every
    time, which for thousands of offsets into a long text takes time growing with the square of it. Offsets
    that come in order cost only the distance between them (one that goes back starts over)."""

    def __init__(self, text: str):
        self.text = text
        self.pos, self.line, self.start = 0, 1, 0

    def __call__(self, index: int) -> tuple[int, int]:
        if index < self.pos:
            self.pos, self.line, self.start = 0, 1, 0
        newlines = self.text.count("\n", self.pos, index)
        if newlines:
            self.line += newlines
            self.start = self.text.rfind("\n", self.pos, index) + 1
        self.pos = index
        return self.line, index - self.start + 1


def size_text(n: int) -> str:
    """A size in plain words: '2 MB', '1.5 MB', '700 KB', '12 bytes'."""
    if n >= 1048576:
        return f"{n / 1048576:.1f}".removesuffix(".0") + " MB"
    if n >= 1024:
        return f"{n / 1024:.1f}".removesuffix(".0") + " KB"
    return f"{n} bytes"


def over_limit(size: int, limit: int) -> str:
    """'3 MB; the limit is 2 MB' (in bytes when rounding would make the two look equal)."""
    a, b = size_text(size), size_text(limit)
    if a == b:
        a, b = f"{size:,} bytes", f"{limit:,} bytes"
    return f"{a}; the limit is {b}"


def read_text(path: Path, diags: Diagnostics, limit: int | None = None) -> str | None:
    """Read an authored text file, or report why it cannot be used and return None.

    The file must really be inside the repository (``diags.root``): a symbolic link
    that leads elsewhere is refused, never read (loaders check the tighter course
    boundary themselves). ``limit`` defaults to MAX_TEXT_BYTES, read at call time.
    """
    limit = MAX_TEXT_BYTES if limit is None else limit
    if diags.root is not None and report_escape(path, diags.root, diags, "the repository"):
        return None
    try:
        size = path.stat().st_size
        if size > limit:
            diags.add(codes.FILE_TOO_LARGE, f"file is {over_limit(size, limit)} for text files", path, 1, 1)
            return None
        raw = path.read_bytes()
    except FileNotFoundError:
        diags.add(codes.FILE_NOT_FOUND, f"'{path.name}' does not exist", path)
        return None
    except OSError as exc:
        diags.add(codes.UNREADABLE, f"cannot read '{path.name}': {exc.strerror or exc}", path)
        return None
    return decode_text(raw, path, diags)


def decode_text(raw: bytes, path: Path | str, diags: Diagnostics) -> str | None:
    if raw.startswith(b"\xef\xbb\xbf"):
        diags.add(codes.BOM, "file starts with a UTF-8 byte-order mark", path, 1, 1)
        raw = raw[3:]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        diags.add(codes.NOT_UTF8, "file is UTF-16 encoded", path, 1, 1,
                  hint="Save the file as UTF-8.")
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = raw[: exc.start].decode("utf-8", errors="replace")
        line, col = line_col(good, len(good))
        diags.add(codes.NOT_UTF8,
                  f"byte 0x{raw[exc.start]:02x} at this position is not valid UTF-8", path, line, col)
        return None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    m = _CONTROL.search(text)
    if m:
        line, col = line_col(text, m.start())
        diags.add(codes.CONTROL_CHARS,
                  f"invisible control character U+{ord(m.group()):04X} in the text", path, line, col)
        return None
    return text


def portable_name_problem(name: str) -> str | None:
    """Why a file name cannot be used on every platform, or None."""
    if _WIN_RESERVED.match(name):
        return f"'{name}' is a reserved device name on Windows"
    if name.endswith((".", " ")):
        return f"'{name}' ends with a dot or a space"
    bad = sorted(c for c in set(name) if c in _BAD_CHARS or ord(c) < 32)
    if bad:
        return f"'{name}' contains {' '.join(repr(c) for c in bad)}"
    return None


_FOLDERS_SEEN: set[str] | None = None    # during a loading pass: folders found not to be symbolic links


@contextlib.contextmanager
def loading_pass():
    """Within it, a folder found not to be a symbolic link is not asked again (every page of a unit
    lies in the same few folders). Only for one pass: folders may change between builds."""
    global _FOLDERS_SEEN
    if _FOLDERS_SEEN is not None:     # already in one (load_project -> load_common)
        yield
        return
    _FOLDERS_SEEN = set()
    try:
        yield
    finally:
        _FOLDERS_SEEN = None


def escape_problem(path: Path, boundary: Path) -> str | None:
    """Why ``path``, found inside the folder ``boundary``, may not be used: 'loop', 'outside' or None.

    Symbolic links are followed: a link (or a linked folder on the way) that leads
    out of ``boundary`` makes the path 'outside'.
    """
    try:
        parts = path.relative_to(boundary).parts
    except ValueError:
        parts = ("..",)
    if ".." not in parts:             # the usual case, cheaply: no symbolic link below the boundary at all
        cur = os.fspath(boundary)
        last = len(parts) - 1
        seen = _FOLDERS_SEEN
        for i, part in enumerate(parts):
            cur = os.path.join(cur, part)
            if i < last and seen is not None and cur in seen:
                continue              # a folder already found not to be a link in this loading pass
            if os.path.islink(cur):
                break
            if i < last and seen is not None:
                seen.add(cur)
        else:
            return None
    try:
        real = path.resolve()
        bound = boundary.resolve()
    except (OSError, RuntimeError):   # a symbolic link loop (RuntimeError before Python 3.13)
        return "loop"
    return None if _is_within(real, bound) else "outside"


def report_escape(path: Path, boundary: Path, diags: Diagnostics, where: str, at: tuple | None = None) -> bool:
    """Report (CP003, or CP008 for a loop) a file or folder that is not really inside ``boundary``.

    ``where`` names the boundary in the message ('the course folder'); ``at`` is
    (file, line, col) to report at instead of the path itself. True when reported.
    """
    problem = escape_problem(path, boundary)
    if problem is None:
        return False
    file, line, col = at if at is not None else (path, 1, 1)
    link = _first_link(path, boundary)
    name = diags.rel(link) if diags.root is not None else link.name
    if problem == "loop":
        diags.add(codes.UNREADABLE, f"'{name}' is a symbolic link that leads back to itself (a loop)", file,
                  line, col, hint="Remove the symbolic link and put the real file here.")
    else:
        diags.add(codes.PATH_ESCAPES, f"'{name}' is a symbolic link that leads outside {where} "
                  f"(to {link.resolve()})", file, line, col,
                  hint="Put the real file or folder here instead of a symbolic link; coursepack only reads files "
                       f"inside {where}.")
    return True


def _first_link(path: Path, boundary: Path) -> Path:
    """The first symbolic link on the way from ``boundary`` down to ``path`` (``path`` if none is found)."""
    try:
        parts = path.relative_to(boundary).parts
    except ValueError:
        return path
    cur = boundary
    for part in parts:
        cur = cur / part
        if cur.is_symlink():
            return cur
    return path


def source_keys(path: Path) -> set[Path]:
    """How a source that failed to load is remembered (``Project.skipped_files``): its resolved path and,
    for a symbolic link that could not be followed or was refused, the path as found."""
    keys = {Path(os.path.normpath(path.absolute()))}
    try:
        keys.add(path.resolve())
    except (OSError, RuntimeError):
        pass
    return keys


@dataclass(frozen=True)
class Resolved:
    path: Path | None
    problem: str | None = None  # 'escapes', 'missing', 'absolute'


def resolve_inside(base_dir: Path, ref: str, boundary: Path, real=Path.resolve) -> Resolved:
    """Resolve a relative reference from ``base_dir``; it must stay inside ``boundary``.

    Symbolic links are followed before the check, so a link that points
    outside the course is caught too. ``real`` resolves a path (a caller that resolves many
    references in one pass can pass a memoised one).
    """
    if not ref or ref.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:[\\/]", ref) or "\\" in ref:
        return Resolved(None, "absolute")
    candidate = base_dir / ref
    bound = real(boundary)
    try:
        # normpath first: a path such as images/../../x must be caught even if it doesn't exist
        lexical = Path(os.path.normpath(candidate.absolute()))
        if not _is_within(lexical, bound) and not _is_within(lexical, boundary.absolute()):
            return Resolved(None, "escapes")
        resolved = real(candidate)
    except (OSError, RuntimeError):
        return Resolved(None, "missing")
    if not _is_within(resolved, bound):
        return Resolved(None, "escapes")
    if not resolved.exists():
        return Resolved(lexical, "missing")
    return Resolved(resolved)


class RealPaths:
    """``Path.resolve()`` for many paths in one pass, remembered: a path's real form is its folder's
    real form plus its name, unless the name is itself a symbolic link (then it is resolved in full).
    One ``lstat`` per new path instead of one per component. Only for the length of one pass (a course's
    rendering): files may change between builds."""

    def __init__(self):
        self._memo: dict[Path, Path] = {}
        self._real: dict[str, str] = {}       # the same, as strings (pathlib is slow on the way)

    def __call__(self, path: Path) -> Path:
        real = self._memo.get(path)
        if real is None:
            real = self._memo[path] = Path(self._resolve(os.fspath(path)))
        return real

    def _resolve(self, path: str) -> str:
        real = self._real.get(path)
        if real is not None:
            return real
        folder, name = os.path.split(path)
        if not os.path.isabs(path) or name in ("", ".", "..") or not folder or folder == path:
            real = str(Path(path).resolve())
        else:
            real = os.path.join(self._resolve(folder), name)
            try:
                if stat.S_ISLNK(os.lstat(real).st_mode):
                    real = str(Path(real).resolve())
            except (OSError, ValueError):      # missing (resolve() keeps the name as it is), or not a path at all
                pass
        self._real[path] = real
        return real


def _is_within(p: Path, root: Path) -> bool:
    """``p.relative_to(root)`` succeeds (lexically), without the exception's cost."""
    inner, outer = os.fspath(p), os.fspath(root)
    if outer == ".":                  # Path(".") has no parts: every relative path is below it
        return not os.path.isabs(inner)
    return inner == outer or inner.startswith(outer if outer.endswith(os.sep) else outer + os.sep)


@dataclass
class FrontMatter:
    yaml_text: str | None
    yaml_line_offset: int  # lines of the file before the YAML text
    body: str
    body_line_offset: int  # lines of the file before the body


def split_front_matter(text: str) -> FrontMatter | None:
    """Split ``---`` YAML front matter from a Markdown body.

    Returns FrontMatter with yaml_text None when the file has no front
    matter, and None when the front matter is opened but never closed.
    """
    if not (text.startswith("---\n") or text == "---"):
        return FrontMatter(None, 0, text, 0)
    lines = text.split("\n")
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            yaml_text = "\n".join(lines[1:i]) + "\n"
            body = "\n".join(lines[i + 1:])
            return FrontMatter(yaml_text, 1, body, i + 1)
    return None


def open_markdown(path: Path, diags: Diagnostics, kind: str, id_kind: str, example: str,
                  boundary: Path | None = None, where: str = "the course folder"):
    """A Markdown source whose file name is its id (a page, a question file): (id, front matter) or None.

    Checks the name is portable and a valid id, that the file is really inside ``boundary`` (a
    symbolic link may not lead out of it), reads the file as UTF-8 and splits the front matter;
    every problem is reported. ``kind`` is 'page' or 'question'; ``id_kind`` what the name is ('id').
    """
    from ..model.schema import ID_RE
    problem = portable_name_problem(path.name)
    if problem:
        diags.add(codes.RESERVED_NAME, problem, path)
        return None
    if not ID_RE.match(path.stem):
        diags.add(codes.BAD_ID, f"{kind} file name '{path.name}' is not a valid {id_kind}", path, 1, 1,
                  hint=f"Name {kind} files with lowercase letters, digits and hyphens, e.g. {example}.")
        return None
    if boundary is not None and report_escape(path, boundary, diags, where):
        return None
    text = read_text(path, diags)
    if text is None:
        return None
    fm = split_front_matter(text)
    if fm is None:
        diags.add(codes.FRONT_MATTER, "front matter is opened with '---' but never closed", path, 1, 1)
        return None
    return path.stem, fm
