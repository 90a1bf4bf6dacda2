"""The backup writer's own XML element serialises exactly as lxml does after etree.indent, plus
Moodle's open empty lists; every text survives a round trip through a real XML parser."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st
from lxml import etree

from builder.formats.moodle import xmlutil
from builder.formats.moodle.xmlutil import DECLARATION, Element, container, fields, root, sub, to_bytes

XML_CHAR = st.characters(blacklist_categories=("Cs",), blacklist_characters="\ufffe\uffff") \
    .filter(lambda c: c in "\t\n\r" or ord(c) >= 0x20)
TEXTS = st.one_of(st.none(), st.just(""), st.just("\n"), st.just("  \n "), st.text(XML_CHAR, max_size=30),
                  st.sampled_from(["a & b", "<p>x</p>", "x > y", '"q" \'s\'', "line\r\nnext", "tab\there",
                                   "café ☕ 💡", "$@NULL@$", "]]>"]))
TAGS = st.sampled_from(["a", "b", "name", "grade_item", "x-y", "q1"])


def trees(depth=3):
    leaf = st.tuples(TAGS, st.dictionaries(TAGS, st.text(XML_CHAR, max_size=8), max_size=2), TEXTS, st.just([]))
    return st.recursive(leaf, lambda kids: st.tuples(TAGS, st.dictionaries(TAGS, st.text(XML_CHAR, max_size=8),
                                                                           max_size=2), TEXTS,
                                                     st.lists(kids, max_size=3)), max_leaves=12)


def _ours(node) -> Element:
    tag, attrs, text, kids = node
    el = Element(tag, dict(attrs))
    el.text = text
    for k in kids:
        el.append(_ours(k))
    return el


def _lxml(node) -> etree._Element:
    tag, attrs, text, kids = node
    el = etree.Element(tag, dict(attrs))
    if text is not None:
        el.text = text
    for k in kids:
        el.append(_lxml(k))
    return el


def _lxml_bytes(el: etree._Element) -> bytes:
    """What the writer produced with lxml before it had its own element (kept here as the reference)."""
    etree.indent(el, space="  ")
    for e in el.iter():
        if len(e) == 0 and e.text is not None and not e.text.strip() and e.text != "":
            depth = sum(1 for _ in e.iterancestors())
            e.text = "\n" + "  " * depth
    return DECLARATION + etree.tostring(el, encoding="UTF-8") + b"\n"


@settings(max_examples=300, derandomize=True, deadline=None)
@given(trees())
def test_same_bytes_as_lxml(node):
    assert to_bytes(_ours(node)) == _lxml_bytes(_lxml(node))


def test_texts_and_attributes_round_trip():
    el = root("activity", id=7, name='a "b" & <c>\n')
    fields(el, [("name", "Fish & chips <b>"), ("none", None), ("flag", True), ("grade", 2.5), ("empty", "")])
    container(el, "tags")
    sub(el, "crlf", "one\r\ntwo")
    parsed = etree.fromstring(to_bytes(el))
    assert parsed.get("name") == 'a "b" & <c>\n'
    assert [(c.tag, c.text) for c in parsed] == [
        ("name", "Fish & chips <b>"), ("none", xmlutil.NULL), ("flag", "1"), ("grade", "2.50000"), ("empty", None),
        ("tags", "\n  "), ("crlf", "one\r\ntwo")]
    assert b"<tags>\n  </tags>" in to_bytes(el)


@pytest.mark.parametrize("bad", ["\x00", "bell\x07", "\x1b[0m", "\ud800", "\uffff"])
def test_text_xml_cannot_carry_is_refused(bad):
    el = root("page")
    sub(el, "name", bad)
    with pytest.raises(ValueError):
        to_bytes(el)
