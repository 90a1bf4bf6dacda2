"""The build cache: what each course gave last time, keyed by a hash of everything it was made from.

A course's key is a SHA-256 over

* the compiler itself (every file of the ``builder`` package, the versions of the libraries that shape
  its output, the Python version),
* the files every course may use (``sources.yaml``, ``language.yaml``, ``frameworks/``, ``rubrics/``,
  ``units/``, ``questions/``): names and bytes,
* the course's own folder: names and bytes (symbolic links by their target too),
* the options that change the result (formats, Moodle targets, --strict, check or build).

Editing one unit changes one course's key, so only that course is loaded, checked and packaged again;
the others replay their diagnostics and keep their outputs. Editing a shared file (a framework, a
rubric, a shared unit) changes every key: a full build, which is the safe answer.

What every course uses (sources, frameworks, rubrics, shared questions: :func:`builder.load.project.
load_common`, with its checks and the word list of the language check) is kept too, in
``common-<mode>.bin``, under the hash of those files, the compiler, the options and the project's own
folder (the loaded objects name files by their full path): a build after an edit to a course does not
parse the frameworks and rubrics again.

An entry lives in ``<out>/.cache/<course>-<mode>.bin``: a magic line, the SHA-256 of the payload, the
payload (a pickle of :class:`~builder.pipeline.CourseResult` with its outputs replaced by their
hashes). The outputs themselves are read back from the output folder and must hash to what the entry
says. Anything that does not add up (bad magic, checksum, format version, key, an output missing or
edited) makes the entry a miss, counted in :attr:`BuildCache.corrupt` or :attr:`BuildCache.stale`, and
the course is built again: a cache entry is never trusted beyond what it can prove.

The cache is written without fsync (a torn write fails its checksum next time) and never makes a
build fail: if it cannot be read or written, the build goes on without it.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import pickle
import sys
from importlib import metadata
from pathlib import Path

from .util.atomic import sweep_temporaries, write_unsynced

FORMAT = 1
MAGIC = b"coursepack build cache %d\n" % FORMAT
COMMON_FILES = ("sources.yaml", "language.yaml")
COMMON_DIRS = ("frameworks", "rubrics", "units", "questions")
LIBRARIES = ("markdown", "nh3", "lxml", "PyYAML", "pydantic", "jinja2")
CACHE_DIR = ".cache"


@functools.lru_cache(maxsize=1)
def compiler_fingerprint() -> bytes:
    h = hashlib.sha256()
    pkg = Path(__file__).resolve().parent
    _tree(h, pkg, skip_dirs={"__pycache__"})
    for lib in LIBRARIES:
        try:
            h.update(f"{lib}={metadata.version(lib)}\n".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{lib}=none\n".encode())
    h.update(sys.version.encode())
    return h.digest()


def _tree(h, folder: Path, skip_dirs: set[str] = frozenset()) -> int:
    """Hash every file below ``folder`` (relative names and bytes, sorted); returns the bytes read."""
    total = 0
    if not folder.is_dir():
        h.update(b"-\0")
        return 0
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d not in skip_dirs)
        base = Path(dirpath)
        for name in sorted(filenames):
            total += _file(h, base / name, (base / name).relative_to(folder).as_posix())
        for d in dirnames:                     # a symlinked folder is not walked into: its target is hashed
            p = base / d
            if p.is_symlink():
                h.update(b"L" + (base / d).relative_to(folder).as_posix().encode() + b"\0"
                         + os.readlink(p).encode() + b"\0")
    return total


def _file(h, path: Path, rel: str) -> int:
    h.update(b"F" + rel.encode("utf-8", "surrogateescape") + b"\0")
    try:
        if path.is_symlink():
            h.update(b"L" + os.readlink(path).encode("utf-8", "surrogateescape") + b"\0")
        data = path.read_bytes()
    except OSError as exc:
        h.update(f"unreadable {exc.errno}\0".encode())
        return 0
    h.update(b"%d\0" % len(data))
    h.update(data)
    return len(data)


class BuildCache:
    def __init__(self, root: Path, folder: Path | None, options: str):
        self.root = root
        self.folder = folder
        self.options = options
        self.hits: list[str] = []
        self.stale: list[str] = []      # a different key: the sources changed
        self.corrupt: list[str] = []    # an entry that does not add up
        self.seeds: dict[bytes, str] = {}   # Markdown renders from stale entries of this same compiler
        h = hashlib.sha256(compiler_fingerprint())
        h.update(options.encode() + b"\0")
        for name in COMMON_FILES:
            _file(h, root / name, name)
        for name in COMMON_DIRS:
            h.update(b"D" + name.encode() + b"\0")
            _tree(h, root / name)
        self._common = h.digest()
        if folder is not None:
            sweep_temporaries({folder})        # what a killed run left while writing an entry

    def key(self, cdir: Path) -> str:
        h = hashlib.sha256(self._common)
        h.update(cdir.name.encode() + b"\0")
        _tree(h, cdir)
        return h.hexdigest()

    @property
    def _mode(self) -> str:
        """'build' or 'check': each keeps its own entries."""
        return "build" if "build" in self.options else "check"

    def _path(self, course_id: str) -> Path | None:
        if self.folder is None:
            return None
        return self.folder / f"{course_id}-{self._mode}.bin"

    def get(self, course_id: str, key: str, out: Path | None):
        """The cached result for this course and key, with its outputs read back; None on a miss."""
        path = self._path(course_id)
        if path is None or not path.is_file():
            return None
        try:
            result = _load(path)
            fresh = result.key == key and _read_back(result.outputs, out)
        except _DAMAGE:
            self.corrupt.append(course_id)
            return None
        if not fresh:
            self.stale.append(course_id)
            if result.compiler == compiler_fingerprint():
                self.seeds.update(result.markdown)
            return None
        self.hits.append(course_id)
        return result

    def put(self, result) -> None:
        """Store a course's result (its outputs by hash); a cache that cannot be written is skipped."""
        path = self._path(result.id)
        if path is not None:
            from .pipeline import CourseResult
            self._write(path, CourseResult(**{**result.__dict__, "outputs": _by_hash(result.outputs)}))

    # -- what every course uses (loaded before the courses) -----------------------------------------
    def _common_key(self) -> str:
        return hashlib.sha256(self._common + os.fsencode(self.root.absolute())).hexdigest()

    def _common_path(self) -> Path | None:
        if self.folder is None:
            return None
        return self.folder / f"common-{self._mode}.bin"

    def get_common(self):
        """(project, diagnostics, word list) as the common part of the project was loaded last time with
        these same shared files; None on a miss."""
        path = self._common_path()
        if path is None or not path.is_file():
            return None
        try:
            entry = _load(path)
            if not isinstance(entry, dict) or entry.get("key") != self._common_key():
                return None
            return entry["project"], entry["diagnostics"], entry["wordlist"]
        except _DAMAGE:
            self.corrupt.append("(shared files)")
            return None

    def common_entry(self, project, diagnostics: list, wordlist) -> bytes:
        """The pickled entry, taken at once (the project is added to as courses load); see put_common."""
        return pickle.dumps({"key": self._common_key(), "project": project, "diagnostics": diagnostics,
                             "wordlist": wordlist}, protocol=pickle.HIGHEST_PROTOCOL)

    def put_common(self, payload: bytes) -> None:
        path = self._common_path()
        if path is not None:
            self._write_payload(path, payload)

    # -- what no course owns (framework CSVs, coverage report) --------------------------------------
    def project_key(self, results) -> str:
        """A key over the shared inputs and every course's coverage facts: the coverage report stays as it
        is while no course's evidence (what it assesses, where) changes."""
        h = hashlib.sha256(self._common)
        # repr, not pickle: a pickle depends on which equal strings happen to be one object
        h.update(repr([(r.id, r.loaded, r.coverage) for r in results]).encode("utf-8", "surrogatepass"))
        return h.hexdigest()

    def get_outputs(self, key: str, out: Path) -> list | None:
        """The project-level outputs kept under ``key``, read back and verified; None on a miss."""
        if self.folder is None:
            return None
        try:
            entry = _load(self.folder / "project.bin")
            if not isinstance(entry, dict) or entry.get("key") != key or not _read_back(entry["outputs"], out):
                return None
            return entry["outputs"]
        except _DAMAGE:
            return None

    def put_outputs(self, key: str, outputs: list) -> None:
        if self.folder is not None:
            self._write(self.folder / "project.bin", {"key": key, "outputs": _by_hash(outputs)})

    def _write(self, path: Path, obj) -> None:
        self._write_payload(path, pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))

    def _write_payload(self, path: Path, payload: bytes) -> None:
        try:
            write_unsynced(path, MAGIC + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)
        except OSError:
            pass                                 # a cache that cannot be written is skipped


# what a damaged or foreign entry can raise while it is read
_DAMAGE = (OSError, ValueError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, IndexError,
           KeyError)


def _load(path: Path):
    """An entry's object, after its magic line and checksum are checked (raises one of _DAMAGE if not)."""
    blob = path.read_bytes()
    if not blob.startswith(MAGIC):
        raise ValueError("not a cache entry of this format")
    digest, _, payload = blob[len(MAGIC):].partition(b"\n")
    if hashlib.sha256(payload).hexdigest().encode() != digest:
        raise ValueError("checksum mismatch")
    return _Unpickler(io.BytesIO(payload)).load()


def _by_hash(outputs: list) -> list:
    """Outputs with their bytes replaced by their SHA-256 (the bytes stay in the output folder)."""
    return [type(o)(o.path, hashlib.sha256(o.data).hexdigest().encode(), o.course, o.kind) for o in outputs]


def _read_back(outputs: list, out: Path | None) -> bool:
    """Fill in each output's bytes from the output folder; False if one is missing or no longer what was built."""
    for o in outputs:
        try:
            data = (out / o.path).read_bytes() if out is not None else None
        except OSError:
            data = None                        # deleted since: build it again
        if data is None or hashlib.sha256(data).hexdigest() != o.data.decode():
            return False
        o.data = data
    return True


class _Unpickler(pickle.Unpickler):
    """Only the classes a cache entry is made of: an entry that names anything else is corrupt."""

    def find_class(self, module: str, name: str):
        if module.startswith("builder.") or (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not part of a cache entry")


_ALLOWED = {("pathlib", "PosixPath"), ("pathlib", "WindowsPath"), ("pathlib", "Path"), ("builtins", "set"),
            ("builtins", "frozenset"), ("copyreg", "_reconstructor"), ("builtins", "object"),
            ("re", "_compile")}               # the language check's word list holds its pattern
