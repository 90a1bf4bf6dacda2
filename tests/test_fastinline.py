"""The inline step that skips patterns which cannot match (builder/render/fastinline.py) gives exactly the
HTML of Python-Markdown's own, and what it assumes of each pattern holds."""

from __future__ import annotations

from pathlib import Path

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builder.render import fastinline
from builder.render import html as R
from conftest import REPO


def parser(fast: bool) -> markdown.Markdown:
    md = markdown.Markdown(extensions=R.MD_EXTENSIONS, extension_configs=R.MD_CONFIG, output_format="html")
    if fast:
        fastinline.install(md)
    return md


STOCK, FAST = parser(False), parser(True)


def both(text: str) -> tuple[str, str]:
    STOCK.reset()
    FAST.reset()
    return STOCK.convert(text), FAST.convert(text)


def test_every_pattern_of_ours_is_known():
    """A new Python-Markdown that changes a pattern would still give the right HTML (an unknown pattern is
    always tried) but would lose the speed: this says which pattern to look at again."""
    unknown = [(type(p).__name__, p.compiled_re.pattern) for p in FAST.inlinePatterns if fastinline.needs(p) is None]
    assert unknown == []
    assert type(FAST.treeprocessors["inline"]) is fastinline.InlineProcessor


def test_the_renderer_uses_it():
    R.clear_markdown_cache()
    R.markdown_to_html("A *page* with [a link](https://example.org) and `code`.\n\nTwo paragraphs.")
    assert any(type(md.treeprocessors["inline"]) is fastinline.InlineProcessor for md in R._PARSERS.values())


# pieces that make every inline pattern match, half-match or nearly match
PIECES = ["a", "b c", " ", "  \n", "\n", "\n\n", "*", "**", "_", "__", "`", "``", "\\", "\\*", "\\`", "[", "]", "(",
          ")", "[x]", "[x](y)", "![i](p.png)", "[^1]", "[^1]: note", "[r]: https://e.org", "<", ">", "<b>", "</b>",
          "<!-- c -->", "<?x?>", "<![CDATA[x]]>", "<https://e.org>", "<a@b.org>", "&", "&amp;", "&#39;", "&x",
          "!", "{: .c}", "*[HTML]: Hyper", "HTML", "- ", "1. ", "> ", "# ", "    ", "| a | b |", "|---|---|",
          "~~~", "!!! note", "Term\n:   Def", "klzzwxh:0", "\x02", "\x03"]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40))
def test_same_html_as_python_markdown_on_random_markdown(pieces):
    text = "".join(pieces)
    stock, fast = both(text)
    assert fast == stock


def test_same_html_as_python_markdown_on_the_curriculum():
    texts = [p.read_text(encoding="utf-8") for folder in ("courses", "units", "questions")
             for p in sorted((Path(REPO) / folder).rglob("*.md"))]
    assert len(texts) > 300
    for text in texts:
        stock, fast = both(text)
        assert fast == stock


@pytest.mark.parametrize("key", sorted(fastinline.NEEDS, key=repr), ids=lambda k: k[0])
def test_what_each_pattern_needs_is_true(key):
    """No text without one of the strings a pattern is said to need can hold a match of it."""
    import re
    regex = re.compile(key[1])
    wanted = fastinline.NEEDS[key]

    @settings(max_examples=400, deadline=None)
    @given(st.lists(st.sampled_from(PIECES), max_size=30))
    def check(pieces):
        text = "".join(pieces)
        if regex.search(text) is not None:
            assert any(s in text for s in wanted), (text, wanted)

    check()
