"""YAML loading that keeps the line and column of every value.

PyYAML's composer gives a node tree with marks; we build plain Python data
from it ourselves so that we can

* remember where each key and value sits (for diagnostics on any field),
* report duplicate keys (PyYAML silently keeps the last one),
* refuse aliases and merge keys (no "billion laughs", nothing surprising),
* keep only the safe scalar types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from .. import codes
from ..diagnostics import Diagnostics

try:  # the C composer is much faster when libyaml is present
    _Loader = yaml.CSafeLoader  # type: ignore[attr-defined]
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader

_constructor = yaml.constructor.SafeConstructor()
_STR = "tag:yaml.org,2002:str"

Path_ = tuple  # a path into the data: keys and list indices
MAX_DEPTH = 64  # no schema nests nearly this deep; deeper input is refused, not recursed into


@dataclass
class YamlDoc:
    data: Any
    file: str
    line_offset: int = 0
    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    raw: dict[Path_, str] = field(default_factory=dict)   # source text of number scalars ('1.10')

    def text(self, path: Path_, value: Any) -> str:
        """A scalar as written: ``1.10`` stays '1.10' although YAML reads the float 1.1."""
        if isinstance(value, str):
            return value
        return self.raw.get(path, str(value))

    def pos(self, path: Path_, prefer_key: bool = False) -> tuple[int, int]:
        """Line and column (1-based, in the file) for a path; falls back to the parent."""
        p = tuple(path)
        while True:
            if prefer_key and p in self.keys:
                return self.keys[p]
            if p in self.values:
                return self.values[p]
            if p in self.keys:
                return self.keys[p]
            if not p:
                return (self.line_offset + 1, 1)
            p = p[:-1]

    def key_pos(self, path: Path_) -> tuple[int, int]:
        return self.pos(path, prefer_key=True)


class _Refused(Exception):
    def __init__(self, message: str, mark):
        super().__init__(message)
        self.message = message
        self.mark = mark


def load_yaml(text: str, file: str, diags: Diagnostics, line_offset: int = 0,
              what: str = "YAML") -> YamlDoc | None:
    """Parse ``text``; on failure report CP101/CP105 and return None.

    ``line_offset`` is the number of file lines before ``text`` (front matter
    starts after the opening ``---``), so positions point into the real file.
    """
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 + line_offset) if mark else line_offset + 1
        col = (mark.column + 1) if mark else 1
        problem = exc.problem or str(exc)
        if exc.context:
            problem = f"{problem} ({exc.context})"
        diags.add(codes.YAML_SYNTAX, f"{what}: {problem}", file, line, col)
        return None
    except yaml.YAMLError as exc:  # reader errors (e.g. unprintable characters)
        mark = getattr(exc, "position", None)
        diags.add(codes.YAML_SYNTAX, f"{what}: {exc}", file, line_offset + 1, 1)
        return None
    except RecursionError:
        diags.add(codes.YAML_SYNTAX, f"{what}: lists or mappings are nested too deeply", file, line_offset + 1, 1)
        return None
    doc = YamlDoc(data=None, file=file, line_offset=line_offset)
    if node is None:
        doc.data = None
        return doc

    def where(mark) -> tuple[int, int]:
        return (mark.line + 1 + line_offset, mark.column + 1)

    seen: set[int] = set()

    def build(n, path: tuple):
        if len(path) > MAX_DEPTH:
            raise _Refused(f"lists or mappings are nested more than {MAX_DEPTH} deep", n.start_mark)
        if id(n) in seen:
            # The composer shares one node between an anchor and its aliases.
            # Expanding them could grow exponentially ("billion laughs").
            raise _Refused("anchors and aliases (&name, *name) are not supported; write the value out",
                           n.start_mark)           # at the anchor: the composer keeps no mark of the alias
        if not isinstance(n, yaml.ScalarNode):
            seen.add(id(n))
        doc.values[path] = where(n.start_mark)
        if isinstance(n, yaml.MappingNode):
            out: dict = {}
            for knode, vnode in n.value:
                if knode.tag == "tag:yaml.org,2002:merge":
                    raise _Refused("merge keys (<<) are not supported; write the fields out", knode.start_mark)
                if not isinstance(knode, yaml.ScalarNode):
                    raise _Refused("keys must be plain text", knode.start_mark)
                if knode.tag == _STR:
                    key = knode.value
                else:
                    key = _constructor.construct_object(knode, deep=True)
                    key = "" if key is None else str(key) if not isinstance(key, str) else key
                if key in out:
                    first = doc.keys.get(path + (key,), ("?", "?"))
                    line, col = where(knode.start_mark)
                    diags.add(codes.DUPLICATE_KEY,
                              f"key '{key}' appears twice (first on line {first[0]})",
                              file, line, col)
                    continue
                doc.keys[path + (key,)] = where(knode.start_mark)
                out[key] = build(vnode, path + (key,))
            return out
        if isinstance(n, yaml.SequenceNode):
            return [build(v, path + (i,)) for i, v in enumerate(n.value)]
        # scalar
        if n.tag == _STR:             # most values: the text as written (what construct_yaml_str gives)
            return n.value
        value = _constructor.construct_object(n, deep=True)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            doc.raw[path] = n.value
        return value

    try:
        doc.data = build(node, ())
    except _Refused as exc:
        line, col = where(exc.mark) if exc.mark is not None else (line_offset + 1, 1)
        diags.add(codes.YAML_SYNTAX, f"{what}: {exc.message}", file, line, col)
        return None
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        line, col = where(mark) if mark else (line_offset + 1, 1)
        diags.add(codes.YAML_SYNTAX, f"{what}: {exc.problem}", file, line, col)
        return None
    except (ValueError, OverflowError) as exc:
        diags.add(codes.YAML_SYNTAX, f"{what}: {exc}", file, line_offset + 1, 1)
        return None
    except RecursionError:
        diags.add(codes.YAML_SYNTAX, f"{what}: lists or mappings are nested too deeply", file, line_offset + 1, 1)
        return None
    finally:
        # the constructor remembers every node it made a value of (for anchors); nothing here needs that
        # beyond one document, and keeping them would hold every file's nodes for the whole build
        _constructor.constructed_objects.clear()
        _constructor.recursive_objects.clear()
    return doc
