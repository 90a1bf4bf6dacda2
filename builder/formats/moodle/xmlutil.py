"""Small helpers to build Moodle backup XML with lxml (never by string concatenation)."""

from __future__ import annotations

from typing import Any, Iterable

from lxml import etree

NULL = "$@NULL@$"  # Moodle's marker for SQL NULL in element text
DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'  # byte-exact: Moodle's format detection needs it


def text(value: Any) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return f"{value:.5f}"
    return str(value)


def sub(parent: etree._Element, tag: str, value: Any = "", **attrs: Any) -> etree._Element:
    el = etree.SubElement(parent, tag, {k: str(v) for k, v in attrs.items()})
    if value != "":
        el.text = text(value)
    return el


def fields(parent: etree._Element, items: Iterable[tuple[str, Any]]) -> etree._Element:
    for tag, value in items:
        if isinstance(value, etree._Element):
            parent.append(value)
        else:
            sub(parent, tag, value)
    return parent


def root(tag: str, **attrs: Any) -> etree._Element:
    return etree.Element(tag, {k: str(v) for k, v in attrs.items()})


def container(parent: etree._Element, tag: str) -> etree._Element:
    """An element that holds a list (may stay empty, written as <tag></tag> like Moodle does)."""
    el = etree.SubElement(parent, tag)
    el.text = "\n"
    return el


def to_bytes(el: etree._Element) -> bytes:
    """Serialise with the exact declaration Moodle expects (double quotes)."""
    etree.indent(el, space="  ")
    _keep_open(el)
    return DECLARATION + etree.tostring(el, encoding="UTF-8") + b"\n"


def _keep_open(el: etree._Element) -> None:
    # Moodle writes empty list elements as <x>\n</x>; lxml would write <x/>. Both parse
    # the same, but matching the reference keeps diffs against it readable.
    for e in el.iter():
        if len(e) == 0 and e.text is not None and not e.text.strip() and e.text != "":
            e.text = "\n" + "  " * (_depth(e))


def _depth(e: etree._Element) -> int:
    d = 0
    p = e.getparent()
    while p is not None:
        d += 1
        p = p.getparent()
    return d


def f7(x: float) -> str:
    return f"{x:.7f}"


def f5(x: float) -> str:
    return f"{x:.5f}"
