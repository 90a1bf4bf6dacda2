"""Small helpers to build Moodle backup XML: a tree of elements, serialised with escaping (never by
concatenating authored text into markup).

A backup holds about ten thousand small XML files made of fixed fields, so the tree is a minimal
element class of our own rather than lxml's: building and serialising it costs a fraction of lxml's
per-element overhead. Its output is exactly what lxml writes for the same tree after
``etree.indent(space="  ")`` (tests/test_moodle_xmlutil.py holds the two equal), with Moodle's habits
on top: the byte-exact declaration and empty list elements written open (``<x>\\n</x>``).
"""

from __future__ import annotations

import re
from typing import Any, Iterable

NULL = "$@NULL@$"  # Moodle's marker for SQL NULL in element text
DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'  # byte-exact: Moodle's format detection needs it

# characters XML 1.0 cannot carry at all (lxml refuses them too)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ATTR_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                               "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def _esc(t: str) -> str:
    """Text content escaped as libxml2 does (most texts need nothing: test before replacing)."""
    if "&" in t:
        t = t.replace("&", "&amp;")
    if "<" in t:
        t = t.replace("<", "&lt;")
    if ">" in t:
        t = t.replace(">", "&gt;")
    if "\r" in t:
        t = t.replace("\r", "&#13;")
    return t


class Element:
    """An XML element: a tag, attributes in order, text and children (no tails, no mixed content).
    A child may also be a string: a leaf field already serialised by :func:`fields`."""

    __slots__ = ("tag", "attrib", "text", "children")

    def __init__(self, tag: str, attrib: dict[str, str] | None = None) -> None:
        self.tag = tag
        self.attrib = attrib or {}
        self.text: str | None = None
        self.children: list[Element | str] = []

    def __len__(self) -> int:
        return len(self.children)

    def __iter__(self):
        return iter(self.children)

    def append(self, child: "Element") -> None:
        self.children.append(child)


def text(value: Any) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return f"{value:.5f}"
    return str(value)


def sub(parent: Element, tag: str, value: Any = "", **attrs: Any) -> Element:
    el = Element(tag, {k: str(v) for k, v in attrs.items()} if attrs else None)
    if value != "":
        el.text = text(value)
    parent.children.append(el)
    return el


def fields(parent: Element, items: Iterable[tuple[str, Any]]) -> Element:
    """Leaf fields in order; each is serialised at once (a leaf has no indentation of its own)."""
    append = parent.children.append
    for tag, value in items:
        if isinstance(value, Element):
            append(value)
        elif value is None:
            append(f"<{tag}>{NULL}</{tag}>")
        elif value == "":
            append(f"<{tag}/>")
        else:
            t = value if isinstance(value, str) else text(value)
            if t.strip():
                append(f"<{tag}>{_esc(t)}</{tag}>")
            else:                              # whitespace only: the depth-dependent open form
                el = Element(tag)
                el.text = t
                append(el)
    return parent


def root(tag: str, **attrs: Any) -> Element:
    return Element(tag, {k: str(v) for k, v in attrs.items()} if attrs else None)


def container(parent: Element, tag: str) -> Element:
    """An element that holds a list (may stay empty, written as <tag></tag> like Moodle does)."""
    el = sub(parent, tag)
    el.text = "\n"
    return el


def to_bytes(el: Element) -> bytes:
    """Serialise indented by two spaces, with the exact declaration Moodle expects (double quotes)."""
    out: list[str] = []
    _write(el, 0, out)
    body = "".join(out)
    if _NOT_XML.search(body):
        raise ValueError("All strings must be XML compatible: Unicode or ASCII, no NULL bytes or control characters")
    return DECLARATION + body.encode("utf-8") + b"\n"


def _write(el: Element, depth: int, out: list[str]) -> None:
    head = "<" + el.tag
    if el.attrib:
        head += "".join(f' {k}="{v.translate(_ATTR_ESCAPES)}"' for k, v in el.attrib.items())
    t = el.text
    if el.children:
        pad = "\n" + "  " * (depth + 1)
        out.append(head + ">" + (_esc(t) if t and t.strip() else pad))
        last = len(el.children) - 1
        for i, child in enumerate(el.children):
            if child.__class__ is str:
                out.append(child)
            else:
                _write(child, depth + 1, out)
            out.append(pad if i < last else pad[:-2])
        out.append("</" + el.tag + ">")
    elif t is None:
        out.append(head + "/>")
    elif t != "" and not t.strip():
        # Moodle writes empty list elements as <x>\n</x> (indented to their depth); lxml would write <x/>
        out.append(head + ">\n" + "  " * depth + "</" + el.tag + ">")
    else:
        out.append(head + ">" + _esc(t) + "</" + el.tag + ">")


def f7(x: float) -> str:
    return f"{x:.7f}"


def f5(x: float) -> str:
    return f"{x:.5f}"
