"""Diagnostics: the one channel through which every stage reports problems.

A :class:`Diagnostic` carries a stable code from the catalogue in
:mod:`builder.codes`, a severity, a location (file, line, column; 1-based,
0 when unknown), a message and a plain-English hint on how to fix it.

Stages never raise at the user: they call :meth:`Diagnostics.add` and carry
on, so that one ``coursepack check`` run reports every problem it can find.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Iterator


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]


@dataclass(frozen=True)
class Code:
    """One entry of the diagnostics catalogue (see :mod:`builder.codes`)."""

    id: str
    slug: str
    severity: Severity
    title: str
    fix: str
    explanation: str = ""


@dataclass(frozen=True, order=False)
class Diagnostic:
    code: Code
    message: str
    path: str = ""
    line: int = 0
    col: int = 0
    hint: str = ""
    severity: Severity = Severity.ERROR

    @property
    def sort_key(self):
        return (self.path, self.line, self.col, self.code.id, self.message)

    def location_text(self) -> str:
        if not self.path:
            return "coursepack"
        return f"{self.path}:{max(self.line, 1)}:{max(self.col, 1)}"

    def format_text(self, strict: bool = False) -> str:
        sev = self.effective_severity(strict).value
        head = f"{self.location_text()}: {self.code.id} {sev}: {self.message}"
        if self.hint:
            head += f"\n    hint: {self.hint}"
        return head

    def effective_severity(self, strict: bool = False) -> Severity:
        if strict and self.severity is Severity.WARNING:
            return Severity.ERROR
        return self.severity

    def to_json(self, strict: bool = False) -> dict:
        return {
            "code": self.code.id,
            "slug": self.code.slug,
            "severity": self.effective_severity(strict).value,
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "message": self.message,
            "hint": self.hint,
        }


@dataclass
class Diagnostics:
    """A collector that every stage reports into."""

    root: Path | None = None
    items: list[Diagnostic] = field(default_factory=list)
    _seen: dict[tuple, Diagnostic] = field(default_factory=dict, repr=False)
    _rels: dict = field(default_factory=dict, repr=False)    # path -> rel(path): a file is named many times

    def rel(self, path: Path | str | None) -> str:
        if path is None or path == "":
            return ""
        known = self._rels.get(path)
        if known is None:
            known = self._rels[path] = self._rel(path)
        return known

    def _rel(self, path: Path | str) -> str:
        p = Path(path)
        if self.root is not None and p.is_absolute():
            # the path as found (a symbolic link is named as itself, not as what it points to) ...
            try:
                return Path(os.path.normpath(p)).relative_to(os.path.normpath(self.root.absolute())).as_posix()
            except ValueError:
                pass
            # ... else as resolved (the root was given through a symbolic link)
            try:
                return p.resolve().relative_to(self.root.resolve()).as_posix()
            except (ValueError, OSError, RuntimeError):   # outside the root, or a symbolic link loop
                return p.as_posix()
        return p.as_posix()

    def add(
        self,
        code: Code,
        message: str,
        path: Path | str | None = None,
        line: int = 0,
        col: int = 0,
        hint: str | None = None,
        severity: Severity | None = None,
    ) -> Diagnostic:
        d = Diagnostic(
            code=code,
            message=message,
            path=self.rel(path),
            line=int(line or 0),
            col=int(col or 0),
            hint=code.fix if hint is None else hint,
            severity=severity or code.severity,
        )
        key = (d.code.id, d.path, d.line, d.col, d.message)
        if key in self._seen:       # a shared unit or question file is read once per course using it
            return self._seen[key]
        self._seen[key] = d
        self.items.append(d)
        return d

    def merge(self, items: list[Diagnostic]) -> None:
        """Add diagnostics found elsewhere (another process, the build cache), with the same deduplication."""
        for d in items:
            key = (d.code.id, d.path, d.line, d.col, d.message)
            if key not in self._seen:
                self._seen[key] = d
                self.items.append(d)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.sorted())

    def __len__(self) -> int:
        return len(self.items)

    def sorted(self) -> list[Diagnostic]:
        seen = set()
        out = []
        for d in sorted(self.items, key=lambda d: d.sort_key):
            key = (d.sort_key, d.severity)
            if key in seen:
                continue
            seen.add(key)
            out.append(d)
        return out

    def errors(self, strict: bool = False) -> list[Diagnostic]:
        return [d for d in self.sorted() if d.effective_severity(strict) is Severity.ERROR]

    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.sorted() if d.severity is Severity.WARNING]

    def has_errors(self, strict: bool = False) -> bool:
        return any(d.effective_severity(strict) is Severity.ERROR for d in self.items)

    def error_count(self) -> int:
        return sum(1 for d in self.items if d.severity is Severity.ERROR)



def summary_line(diags: Diagnostics, strict: bool = False) -> str:
    ds = diags.sorted()
    e = sum(1 for d in ds if d.effective_severity(strict) is Severity.ERROR)
    w = sum(1 for d in ds if d.effective_severity(strict) is Severity.WARNING)
    i = sum(1 for d in ds if d.effective_severity(strict) is Severity.INFO)

    def n(k: int, word: str) -> str:
        return f"{k} {word}{'' if k == 1 else 's'}"

    return f"{n(e, 'error')}, {n(w, 'warning')}, {n(i, 'note')}"


def render_text(diags: Diagnostics, strict: bool = False) -> str:
    lines = [d.format_text(strict) for d in diags.sorted()]
    lines.append(summary_line(diags, strict))
    return "\n".join(lines) + "\n"


def render_json(diags: Diagnostics, strict: bool = False) -> str:
    ds = diags.sorted()
    payload = {
        "diagnostics": [d.to_json(strict) for d in ds],
        "errors": sum(1 for d in ds if d.effective_severity(strict) is Severity.ERROR),
        "warnings": sum(1 for d in ds if d.effective_severity(strict) is Severity.WARNING),
        "notes": sum(1 for d in ds if d.effective_severity(strict) is Severity.INFO),
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def _gh_escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_escape_prop(s: str) -> str:
    return _gh_escape_data(s).replace(":", "%3A").replace(",", "%2C")


def render_github(diags: Diagnostics, strict: bool = False) -> str:
    """GitHub Actions workflow commands (``::error file=…,line=…::msg``)."""
    out = []
    kinds = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
    for d in diags.sorted():
        props = []
        if d.path:
            props.append(f"file={_gh_escape_prop(d.path)}")
            if d.line:
                props.append(f"line={d.line}")
            if d.col:
                props.append(f"col={d.col}")
        props.append(f"title={_gh_escape_prop(d.code.id + ' ' + d.code.title)}")
        msg = d.message + (f"\n{d.hint}" if d.hint else "")
        out.append(f"::{kinds[d.effective_severity(strict)]} {','.join(props)}::{_gh_escape_data(msg)}")
    return "\n".join(out) + ("\n" if out else "")
