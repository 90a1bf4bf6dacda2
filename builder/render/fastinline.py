"""Python-Markdown's inline step, without trying patterns that cannot match.

Python-Markdown runs every inline pattern (code, escapes, links, images, autolinks, line breaks, HTML,
entities, emphasis: fifteen with our extensions) over every piece of text, one regular-expression search
each, from Python. Most pieces of a page are prose with no ``[``, ``<``, ``&``, ``*`` or backtick, so
most of those searches find nothing: on the curriculum, 135,000 tries for 2,400 matches, and the largest
single share of the parser's time.

Every one of those patterns needs a certain character (or string) to match at all: a link needs ``[``,
an entity ``&``, a line break two spaces before a newline. :class:`InlineProcessor` skips a pattern when
the text holds none of the strings it needs. That is exactly what the stock processor would do with it:
a search that finds nothing returns the text unchanged and moves on to the next pattern from the start.
Placeholders put in for matches (``\\x02klzzwxh:N\\x03``) hold none of these strings, so skipping stays
correct as the text is rewritten.

The strings a pattern needs are read from its regular expression, which is matched exactly against
:data:`NEEDS`: a pattern not listed there (another extension, or a new release of Python-Markdown that
changed an expression) is always tried, as before. tests/test_fastinline.py holds the output equal to the
stock processor's on random Markdown and on every text of the curriculum.
"""

from __future__ import annotations

from markdown import treeprocessors, util

# Python-Markdown's inline HTML (tags, comments, processing instructions, CDATA): each branch starts with '<'
_HTML = (r'''(<(\/?+[a-zA-Z][^\s"'<>@]*+(?:\s+[^\s"'=<>]++(?:\s*+=\s*+(?:"[^"]*+"|'[^']*+'|[^\s"'=<>]++))?+)*+'''
         r'''\s*+/?|!--(?:(?!<!--|-->).)*--|[?](?:(?!<[?]|[?]>).)*[?]|!\[CDATA\[(?:(?!<!\[CDATA\[|\]\]>).)*\]\])>)''')

# (class name, regular expression) -> strings of which a match must contain at least one
NEEDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("BacktickInlineProcessor", r"(?:(?<!\\)((?:\\{2})+)(?=`+)|(?<!\\)`)"): ("`",),
    ("EscapeInlineProcessor", r"\\(.)"): ("\\",),
    ("FootnoteInlineProcessor", r"\[\^([^\]]*)\]"): ("[^",),
    ("ReferenceInlineProcessor", r"(?<!\!)\["): ("[",),
    ("LinkInlineProcessor", r"(?<!\!)\["): ("[",),
    ("ShortReferenceInlineProcessor", r"(?<!\!)\["): ("[",),
    ("ImageInlineProcessor", r"\!\["): ("![",),
    ("ImageReferenceInlineProcessor", r"\!\["): ("![",),
    ("ShortImageReferenceInlineProcessor", r"\!\["): ("![",),
    ("AutolinkInlineProcessor", r"<([A-Za-z][A-Za-z0-9+.-]*://[^<>]*)>"): ("<",),
    ("AutomailInlineProcessor", r"<([^<> !]+@[^@<> ]+)>"): ("<",),
    ("SubstituteTagInlineProcessor", r"  \n"): ("  \n",),
    ("HtmlInlineProcessor", r"(&(?:\#[0-9]+|\#x[0-9a-fA-F]+|[a-zA-Z0-9]+);)"): ("&",),
    ("HtmlInlineProcessor", _HTML): ("<",),
    ("DelimiterProcessor", r"\*|_"): ("*", "_"),
}


def needs(pattern) -> tuple[str, ...] | None:
    """The strings one of which a match of ``pattern`` must contain; None: unknown, always try it."""
    regex = getattr(pattern, "compiled_re", None)
    if regex is None:
        return None
    return NEEDS.get((type(pattern).__name__, regex.pattern))


class InlineProcessor(treeprocessors.InlineProcessor):
    """The stock inline processor, but a pattern is only tried on text that holds what it needs."""

    def __init__(self, md):
        super().__init__(md)
        self._for: list | None = None          # the patterns what follows was worked out for
        self._wants: list[tuple[str, ...] | None] = []
        self._needles: tuple[str, ...] = ()    # every string some pattern needs; bit i of a mask is the i-th
        self._plans: dict[tuple[int, int], tuple[int, ...]] = {}

    def run(self, tree, ancestors=None):
        patterns = list(self.inlinePatterns)
        if patterns != self._for:              # first use, or the registry changed since
            self._for, self._plans = patterns, {}
            self._wants = [needs(p) for p in patterns]
            self._needles = tuple(sorted({s for w in self._wants if w is not None for s in w}))
        return super().run(tree, ancestors)

    def _plan(self, present: int, first: int) -> tuple[int, ...]:
        """The patterns from ``first`` on that can match a text holding the needles in bit mask ``present``."""
        held = {s for i, s in enumerate(self._needles) if present >> i & 1}
        plan = tuple(i for i in range(first, len(self._wants))
                     if self._wants[i] is None or not held.isdisjoint(self._wants[i]))
        self._plans[present, first] = plan
        return plan

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        # the stock __handleInline (Python-Markdown 3.x) runs each pattern in turn, again and again from
        # where its last match ended, then the next from the start; this does the same for the patterns
        # that can match. Matches only ever replace text by placeholders, so what the text held when it
        # came in is a safe (if generous) account of what it holds later.
        if isinstance(data, util.AtomicString):
            return data
        present, bit = 0, 1
        for needle in self._needles:
            if needle in data:
                present |= bit
            bit <<= 1
        plan = self._plans.get((present, patternIndex))
        if plan is None:
            plan = self._plan(present, patternIndex)
        patterns, apply = self.inlinePatterns, self._InlineProcessor__applyPattern
        for i in plan:
            matched, startIndex = True, 0
            while matched:
                data, matched, startIndex = apply(patterns[i], data, i, startIndex)
        return data


def install(md) -> None:
    """Put :class:`InlineProcessor` in place of ``md``'s own, at the same priority."""
    old = md.treeprocessors["inline"]
    if type(old) is not treeprocessors.InlineProcessor:
        return                                   # someone else's processor: leave it
    priority = md.treeprocessors._priority[md.treeprocessors.get_index_for_name("inline")].priority
    md.treeprocessors.register(InlineProcessor(md), "inline", priority)
