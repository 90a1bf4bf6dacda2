"""Markdown -> sanitised HTML, with images and links resolved and checked.

One renderer serves every output format. It produces HTML in which
references are neutral (``cp-asset:<relpath>``, ``cp-page:<key>``); each
packager rewrites them into its own form (``@@PLUGINFILE@@/…`` for Moodle,
relative paths for SCORM).

Authored HTML is treated as untrusted. Anything outside the allowlist
below is reported (CP205/CP206) *and* removed by nh3, so nothing unsafe can
reach a package even if a check were missed.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import os
import re
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import quote, unquote, urlsplit

import markdown as md_lib
import nh3
from lxml import etree
from lxml import html as lxml_html

from .. import codes
from ..diagnostics import Diagnostics
from ..load import files as files_lib
from ..load.files import RealPaths, portable_name_problem, resolve_inside
from ..model.course import Asset, Course, Page, Rendered
from . import assets as asset_lib
from . import fastinline, mdscan
from ..quiz.render import render_category

MD_EXTENSIONS = [
    "tables", "fenced_code", "attr_list", "footnotes", "admonition", "sane_lists", "def_list", "abbr", "toc",
]
MD_CONFIG = {"toc": {"permalink": False}, "footnotes": {"BACKLINK_TITLE": "Back to reference %d"}}

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd", "del", "div", "dl",
    "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li",
    "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot",
    "th", "thead", "tr", "u", "ul",
}
GLOBAL_ATTRS = {"class", "id", "title", "lang", "dir", "role", "aria-label", "aria-hidden", "aria-describedby"}
TAG_ATTRS = {
    "a": {"href"},
    "img": {"src", "alt", "width", "height", "loading"},
    "td": {"colspan", "rowspan", "style", "align"},
    "th": {"colspan", "rowspan", "scope", "style", "align"},
    "ol": {"start", "type", "reversed"},
    "li": {"value"},
    "col": {"span"},
    "colgroup": {"span"},
    "abbr": {"title"},
}
URL_SCHEMES = {"http", "https", "mailto", "cp-asset", "cp-page"}
_DECLARATION = re.compile(r"<!(DOCTYPE|ENTITY|ELEMENT|ATTLIST)\b", re.IGNORECASE)
_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")   # C:\x or C:/x: a Windows path, not an address with the scheme 'c'
_TEXT_ALIGN = re.compile(r"^\s*text-align:\s*(left|right|center)\s*;?\s*$")
_HEADING_TAG = re.compile(r"<(/?)h([1-6])(?=[\s>])")
MAX_LEVELS = 32       # nesting: each quote marker '>' and each four columns of indentation is a level
_DEEP_CANDIDATE = re.compile(r"^[ \t>]{%d,}" % MAX_LEVELS, re.MULTILINE)   # a line that could be that deep


def _nesting(line: str) -> tuple[int, int]:
    """(quote markers, columns of indentation after them) at the start of ``line``, the way Markdown reads
    them: a marker is up to three spaces, '>' and an optional space; a tab runs to the next multiple of 4."""
    i, n, quotes = 0, len(line), 0
    while True:
        j = i
        while j < n and j - i < 3 and line[j] == " ":
            j += 1
        if j < n and line[j] == ">":
            quotes += 1
            i = j + 1
            if i < n and line[i] == " ":
                i += 1
            continue
        break
    cols = 0
    for c in line[i:]:
        if c == " ":
            cols += 1
        elif c == "\t":
            cols += 4 - cols % 4
        else:
            break
    return quotes, cols


def too_deep(text: str) -> int | None:
    """Offset of the first line nested over MAX_LEVELS levels (quote markers plus four-column steps of
    indentation), or None. Time linear in the text (a regular expression for this had backtracked for
    minutes on one line of 200 '> ')."""
    for m in _DEEP_CANDIDATE.finditer(text):
        end = text.find("\n", m.start())
        quotes, cols = _nesting(text[m.start():end if end >= 0 else len(text)])
        if quotes + cols // 4 > MAX_LEVELS or cols >= 4 * MAX_LEVELS:
            return m.start()
    return None


def _nh3_attributes() -> dict[str, set[str]]:
    attrs = {tag: set(GLOBAL_ATTRS) | TAG_ATTRS.get(tag, set()) for tag in ALLOWED_TAGS}
    attrs["a"].discard("rel")
    return attrs


_NH3_ATTRS = _nh3_attributes()


def sanitize(html: str) -> str:
    """The last line of defence: whatever got here, only the allowlist leaves."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=_NH3_ATTRS,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
        filter_style_properties={"text-align"},
    )


# Plain-text fields (rubric and framework texts) reach Moodle in fields it reads as HTML.
_PLAIN_MARKUP = re.compile(r"<\s*[/!?]?\s*[A-Za-z][^<>]*>?|<!--|<!\[CDATA\[")
_PLAIN_UNSAFE = re.compile(r"(?i)\b(?:java|vb)script\s*:[^\s]*|\bdata:[a-z]+/[^\s]*")


def plain_text_problem(text: str, what: str):
    """(code, message, the offending text) when a plain-text field holds HTML or a script address, else None."""
    m = _PLAIN_MARKUP.search(text)
    if m:
        found = m.group() if len(m.group()) <= 80 else m.group()[:79] + "…"
        return codes.HTML_NOT_ALLOWED, f"'{found}' looks like HTML, but {what} are plain text", found
    m = _PLAIN_UNSAFE.search(text)
    if m:
        found = m.group() if len(m.group()) <= 80 else m.group()[:79] + "…"
        return codes.UNSAFE_URL, f"'{found}' is a script or data address, not allowed in {what}", found
    return None


def asset_token(asset: Asset) -> str:
    """The neutral reference to a file: ``cp-asset:`` and its path, percent-encoded (packagers unquote it).

    Encoded here, not by the HTML serialiser (which escapes spaces and accents in its own way), so that
    the packagers always find the asset again.
    """
    return "cp-asset:" + quote(asset.relpath, safe="/")


def shift_headings(html: str, by: int) -> str:
    """Move every heading ``by`` levels down (h2 -> h3), capped at h6."""
    if by == 0:
        return html
    return _HEADING_TAG.sub(lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + by)}", html)


# One line of plain prose (most answers, feedback and titles): Python-Markdown would only wrap it in <p>.
_PLAIN_LINE = re.compile(r"[A-Za-z0-9 ,.;:?!'\"()\-–—’‘“”/%&+=@$£€]*\Z")
_BLOCK_START = re.compile(r"([-+*#>!]|\d+[.)])")


def _plain_paragraph(text: str) -> str | None:
    s = text.strip()
    if not s or "\n" in s or "  " in s or not _PLAIN_LINE.match(s) or _BLOCK_START.match(s):
        return None
    return "<p>" + html_lib.escape(s, quote=False) + "</p>"


_MEMO: dict[str, tuple[str, bytes | None]] = {}   # text -> (html, key if it went through the parser)
_MEMO_LEAN: dict[str, tuple[str, bytes | None]] = {}   # the same for check-only renders (see markdown_to_html)
_MEMO_MAX = 16384
_LEAN = b"lean\0"                  # check-only renders are kept under their own keys
_SEED: dict[bytes, str] = {}      # from the build cache: SHA-1 of a text -> what this same compiler made of it
RECORD: dict[bytes, str] | None = None   # when a dict, every parsed text is recorded in it (for the build cache)


def markdown_to_html(text: str, lean: bool = False) -> str:
    """Markdown -> HTML (unchecked). Memoised in the process: shared units render once for every course
    that uses them, and short texts (feedback such as "Not quite.") repeat. A line of plain prose skips
    the parser (the same output; tests/test_render.py holds them equal on the whole curriculum). Texts
    the parser made last time come from :func:`seed` (the build cache) when the compiler is the same.

    ``lean``: for checking only, when the HTML is walked for problems and thrown away. Heading ids (toc)
    and the newlines between blocks (prettify) are left out: neither changes an element, a link or an
    attribute that is checked. Lean renders are kept apart, so they never reach a package."""
    hit = _MEMO.get(text)
    if hit is None and lean:
        hit = _MEMO_LEAN.get(text)
    if hit is None:
        plain = _plain_paragraph(text)
        if plain is not None:
            hit = (plain, None)
        else:
            key = hashlib.sha1((_LEAN if lean else b"") + text.encode("utf-8", "surrogatepass")).digest()
            html = _SEED.get(key)
            hit = (html if html is not None else _convert_lean(text) if lean else _convert(text), key)
        memo = _MEMO_LEAN if lean and hit[1] is not None else _MEMO
        if len(memo) >= _MEMO_MAX:
            memo.clear()
        memo[text] = hit
    if hit[1] is not None and RECORD is not None:
        RECORD[hit[1]] = hit[0]
    return hit[0]


def _convert(text: str) -> str:
    return _parse(text, lean=False)


def _convert_lean(text: str) -> str:
    return _parse(text, lean=True)


_PARSERS: dict[bool, md_lib.Markdown] = {}    # lean -> its Python-Markdown instance, made on first use


def _parse(text: str, lean: bool) -> str:
    md = _PARSERS.get(lean)
    if md is None:
        skip = {"toc"} if lean else set()
        md = _PARSERS[lean] = md_lib.Markdown(extensions=[e for e in MD_EXTENSIONS if e not in skip],
                                              extension_configs={k: v for k, v in MD_CONFIG.items() if k not in skip},
                                              output_format="html")
        if lean:
            md.treeprocessors.deregister("prettify")
        fastinline.install(md)
    md.reset()
    try:
        return _within_budget(md.convert, text)
    except TooSlow:
        del _PARSERS[lean]            # stopped half-way: start the next text with a fresh parser
        raise


# Python-Markdown takes time that grows with the square (or worse) of some shapes of text: thousands of
# unclosed '[' or '<a ' in one paragraph (20,000 '[' took 90 s), hundreds of abbreviations, long runs of
# definition lists. Real pages take milliseconds; a text still being parsed after this many seconds is
# stopped and reported (CP213), so that no page can hold a build for hours.
MARKDOWN_SECONDS = 10.0


class TooSlow(BaseException):
    """Not an Exception: Python-Markdown's own ``except Exception`` must not swallow it."""


def _on_alarm(signum, frame):
    raise TooSlow()


def _within_budget(convert, text: str) -> str:
    """``convert(text)``, stopped with TooSlow after MARKDOWN_SECONDS. A program that embeds coursepack
    and has its own alarm set keeps it: its handler and the time it had left are put back."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        return convert(text)          # signals reach the main thread only (the preview server's threads)
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    outer_delay, outer_interval = signal.setitimer(signal.ITIMER_REAL, MARKDOWN_SECONDS)
    started = time.monotonic()
    try:
        return convert(text)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)
        if outer_delay > 0:           # due now if it fell due meanwhile
            signal.setitimer(signal.ITIMER_REAL, max(outer_delay - (time.monotonic() - started), 1e-3),
                             outer_interval)


def seed(renders: dict[bytes, str]) -> None:
    """Texts rendered by an earlier build with this same compiler (keyed by SHA-1 of the text)."""
    _SEED.update(renders)


def clear_markdown_cache() -> None:
    _MEMO.clear()
    _MEMO_LEAN.clear()
    _SEED.clear()


@dataclass
class _Ctx:
    file: Path
    source: str
    line0: int           # 1-based file line of source's first line
    base_dir: Path
    allow_images: bool = True
    exact: bool = True   # False for YAML values: positions point at the field
    what: str = "pages"  # what is rendered, for messages: pages | summaries | questions
    assets: list[Asset] = field(default_factory=list)
    page_links: list[str] = field(default_factory=list)
    reported: set = field(default_factory=set)


class Renderer:
    """Renders the pages and summaries of one course."""

    def __init__(self, course: Course | None, diags: Diagnostics, skipped: set[Path] | None = None,
                 boundary: Path | None = None, output: bool = True):
        self.course = course
        self.output = output      # False: only the problems are wanted (coursepack check), not the HTML
        self.skipped = skipped or set()
        self.diags = diags
        self.boundary = boundary or course.folder
        self._asset_cache: dict[Path, Asset | None] = {}
        self._real = RealPaths()      # links and images resolve many paths in the same folders
        # shared units (units/<id>/ at the repository root) keep their links inside their own folder
        self._shared = [(u.boundary, self._real(u.boundary)) for u in (course.units if course else [])
                        if u.shared and u.boundary]
        self._page_by_file: dict[Path, list[Page]] = {}
        for unit in (course.units if course else []):
            for p in unit.pages:
                self._page_by_file.setdefault(self._real(p.file), []).append(p)
            self._page_by_file.setdefault(self._real(unit.file), [])
            if unit.pages:
                # a link to the unit file (or folder) leads to its first page
                lst = self._page_by_file[self._real(unit.file)]
                if unit.pages[0] not in lst:
                    lst.insert(0, unit.pages[0])

    # -- public API --------------------------------------------------------
    def render_course(self) -> None:
        c = self.course
        c.summary = self.render_fragment(c.summary_md, c.file, c.summary_line, c.folder)
        for unit in c.units:
            unit.summary = self.render_fragment(unit.summary_md, unit.file, unit.summary_line, unit.folder)
            for page in unit.pages:
                page.rendered = self.render_page(page)
                if page.quiz is not None:
                    render_category(page.quiz.category, self)
        for cat in c.question_files:
            render_category(cat, self)

    def render_page(self, page: Page) -> Rendered:
        if not page.markdown.strip() and page.kind != "quiz":
            self.diags.add(codes.EMPTY_PAGE, f"page '{page.title}' has no content", page.file, page.body_line, 1)
        self._check_headings(page)
        ctx = _Ctx(page.file, page.markdown, page.body_line, page.file.parent)
        return self._render(ctx)

    def render_fragment(self, text: str, file: Path, line: int, base_dir: Path) -> Rendered:
        """Summaries: Markdown without images (they would need their own file areas)."""
        ctx = _Ctx(file, text, line, base_dir, allow_images=False, exact=False, what="summaries")
        return self._render(ctx)

    def render_question_text(self, md, inline: bool = False) -> None:
        """Question texts, answers and feedback: Markdown without images or course links (fills ``md.html``)."""
        ctx = _Ctx(md.file, md.text, md.line, md.file.parent, allow_images=False, exact=md.exact, what="questions")
        html = self._render(ctx).html
        if inline and html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
            html = html[3:-4]
        md.html = html

    # -- internals -------------------------------------------------------------
    def _bounds(self, file: Path) -> tuple[Path, Path]:
        """(folder that links from ``file`` must stay in, folder asset paths are relative to)."""
        resolved = self._real(file) if self._shared else None
        for b, b_resolved in self._shared:
            if resolved.is_relative_to(b_resolved):
                # asset paths like a course's own: units/<id>/images/x.svg (ids are unique in a course)
                return b, b.parent if b.name == "units" else b.parent.parent
        return self.boundary, self.boundary

    def _where(self, ctx: _Ctx, needle: str, at: int | None = None) -> tuple[int, int]:
        if not ctx.exact:
            return ctx.line0, 1
        if at is not None:
            return ctx.line0 + ctx.source.count("\n", 0, at), at - (ctx.source.rfind("\n", 0, at) + 1) + 1
        pos = mdscan.find_in_source(ctx.source, needle) if needle else None
        if pos is None:
            return ctx.line0, 1
        return ctx.line0 + pos[0], pos[1] + 1

    def _report(self, ctx: _Ctx, code, message: str, needle: str = "", hint: str | None = None,
                at: int | None = None) -> None:
        """Report once per text; at ``needle``'s first place in the source, or at offset ``at``."""
        key = (code.id, message)
        if key in ctx.reported:
            return
        ctx.reported.add(key)
        line, col = self._where(ctx, needle, at)
        self.diags.add(code, message, ctx.file, line, col, hint=hint)

    def _render(self, ctx: _Ctx) -> Rendered:
        plain = _plain_paragraph(ctx.source)
        if plain is not None:         # escaped prose in a <p>: nothing to check, nothing to sanitise
            return Rendered(html=plain)
        deep = too_deep(ctx.source)
        if deep is not None:          # Python-Markdown's time grows with the square of the nesting
            self._report(ctx, codes.MARKDOWN_ERROR, f"a line is nested over {MAX_LEVELS} levels deep (lists, quotes "
                         f"or notes: each '>' and each four columns of indentation is a level); Markdown this deep "
                         "takes minutes to render", at=deep,
                         hint="Nest lists and notes less deeply; no page needs more than a few levels.")
            return Rendered(html="")
        try:
            raw = markdown_to_html(ctx.source, lean=not self.output)
        except TooSlow:
            self._report(ctx, codes.MARKDOWN_ERROR, f"the Markdown was still being rendered after "
                         f"{MARKDOWN_SECONDS:g} seconds (a page takes milliseconds)",
                         hint="Look for thousands of unclosed [ or < in one paragraph, hundreds of "
                              "abbreviations or a very long definition list, and split or simplify it.")
            return Rendered(html="")
        except Exception as exc:  # Python-Markdown extensions can fail on odd input
            self._report(ctx, codes.MARKDOWN_ERROR, f"Markdown could not be rendered: {exc}")
            return Rendered(html="")
        if not raw.strip():
            return Rendered(html="")
        m = _DECLARATION.search(raw)
        if m:
            self._report(ctx, codes.HTML_NOT_ALLOWED, f"{m.group(1).upper()} declarations ({m.group()}…) are not "
                         "allowed in course content", m.group(), hint="Remove the declaration (and any entity it "
                         "defines): pages are HTML fragments, and entities could pull in other files or expand "
                         "without end.")
        try:
            root = lxml_html.fragment_fromstring(raw, create_parent="div")
        except (etree.ParserError, ValueError) as exc:
            self._report(ctx, codes.MARKDOWN_ERROR, f"rendered HTML could not be parsed: {exc}")
            return Rendered(html="")
        self._walk(root, ctx)
        if not self.output:       # every problem is known once the tree is walked; nothing will be packaged
            return Rendered(html="", assets=ctx.assets, page_links=ctx.page_links)
        parts = [root.text or ""]
        for child in root:
            parts.append(lxml_html.tostring(child, encoding="unicode", method="html"))
        html = sanitize("".join(parts)).strip()
        return Rendered(html=html, assets=ctx.assets, page_links=ctx.page_links)

    def _walk(self, root, ctx: _Ctx) -> None:
        for el in list(root.iter()):
            if el is root:
                continue
            if not isinstance(el.tag, str):
                continue  # comments, processing instructions: removed by the sanitiser, harmless
            tag = el.tag.lower()
            if tag not in ALLOWED_TAGS:
                self._report(ctx, codes.HTML_NOT_ALLOWED, f"<{tag}> is not allowed in course content",
                             f"<{tag}")
                continue
            for attr, value in list(el.attrib.items()):
                a = attr.lower()
                if a.startswith("on"):
                    self._report(ctx, codes.HTML_NOT_ALLOWED, f"event handler '{a}' on <{tag}> is not allowed", a)
                elif a == "style":
                    if tag in ("td", "th") and _TEXT_ALIGN.match(value):
                        continue
                    self._report(ctx, codes.HTML_NOT_ALLOWED, f"style attribute on <{tag}> is not allowed",
                                 "style=", hint="Remove the inline style; the LMS theme styles content.")
                elif a not in GLOBAL_ATTRS and a not in TAG_ATTRS.get(tag, set()):
                    self._report(ctx, codes.HTML_NOT_ALLOWED, f"attribute '{a}' on <{tag}> is not allowed", a)
            if tag == "img":
                self._image(el, ctx)
            elif tag == "a" and el.get("href") is not None:
                self._link(el, ctx)
            elif tag == "table":
                el.set("class", _add_class(el.get("class"), "generaltable"))
            elif tag == "div" and "admonition" in (el.get("class") or "").split():
                _style_admonition(el)

    def _image(self, el, ctx: _Ctx) -> None:
        src = (el.get("src") or "").strip()
        alt = el.get("alt")
        if not ctx.allow_images:
            if ctx.what == "questions":
                self._report(ctx, codes.FILE_IN_QUESTION, "images are not supported in questions", src or "<img")
            else:
                self._report(ctx, codes.HTML_NOT_ALLOWED, f"images are not supported in {ctx.what}; put them on a page",
                             src or "<img")
            return
        if (alt is None or not alt.strip()) and el.get("role") != "presentation" and el.get("aria-hidden") != "true":
            self._report(ctx, codes.IMAGE_NO_ALT, f"image '{src}' has no alternative text", src or "![")
        kind, target = self._classify_url(src, ctx, is_image=True)
        if kind == "asset":
            asset = target
            if not asset.mimetype.startswith("image/"):
                self._report(ctx, codes.IMAGE_TYPE, f"'{src}' is not an image", src)
                return
            el.set("src", asset_token(asset))
            if asset.width and asset.height and not el.get("width") and not el.get("height"):
                el.set("width", str(asset.width))
                el.set("height", str(asset.height))
            el.set("class", _add_class(el.get("class"), "img-fluid"))
            if asset not in ctx.assets:
                ctx.assets.append(asset)
        elif kind == "external":
            el.set("class", _add_class(el.get("class"), "img-fluid"))
        else:
            el.attrib.pop("src", None)

    def _link(self, el, ctx: _Ctx) -> None:
        href = (el.get("href") or "").strip()
        kind, target = self._classify_url(href, ctx, is_image=False)
        if kind == "asset":
            el.set("href", asset_token(target))
            if target not in ctx.assets:
                ctx.assets.append(target)
        elif kind == "page":
            key, frag = target
            el.set("href", f"cp-page:{key}" + (f"#{frag}" if frag else ""))
            ctx.page_links.append(key)
        elif kind == "bad":
            el.attrib.pop("href", None)

    def _classify_url(self, url: str, ctx: _Ctx, is_image: bool):
        """('external'|'fragment'|'asset'|'page'|'bad', target)."""
        what = "image" if is_image else "link"
        if not url:
            self._report(ctx, codes.BROKEN_LINK, f"{what} has an empty address", "](")
            return "bad", None
        if _DRIVE.match(url):
            code = codes.PATH_ESCAPES if is_image else codes.LINK_ESCAPES
            self._report(ctx, code, f"{what} '{url}' is an absolute path that leaves the course folder", url)
            return "bad", None
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme in ("http", "https"):
            if scheme == "http":
                self._report(ctx, codes.PLAIN_HTTP, f"{what} '{url}' uses http://", url)
            return "external", None
        if scheme == "mailto" and not is_image:
            return "external", None
        if scheme or url.startswith("//"):
            self._report(ctx, codes.UNSAFE_URL, f"{what} address '{url[:60]}' is not allowed", url[:20])
            return "bad", None
        if not parts.path:
            return ("fragment", None) if not is_image else ("bad", None)
        if ctx.what == "questions":
            self._report(ctx, codes.FILE_IN_QUESTION, f"link '{url}' points into the course; links in questions "
                         "must be https:// addresses", url)
            return "bad", None
        ref = unquote(parts.path)
        if Path(os.path.normpath((ctx.base_dir / ref).absolute())) in self.skipped:
            return "bad", None        # a page that failed to load (a refused symbolic link …): reported already
        bound = self._bounds(ctx.file)[0]
        res = resolve_inside(ctx.base_dir, ref, bound, self._real)
        if res.problem in ("absolute", "escapes"):
            code = codes.PATH_ESCAPES if is_image else codes.LINK_ESCAPES
            where = "the course folder" if bound == self.boundary else "its shared unit folder"
            self._report(ctx, code, f"{what} '{url}' leaves {where}", url)
            return "bad", None
        if res.problem == "missing":
            code = codes.IMAGE_NOT_FOUND if is_image else codes.BROKEN_LINK
            self._report(ctx, code, f"{what} target '{url}' does not exist", url)
            return "bad", None
        path = res.path
        assert path is not None
        if path.is_dir():
            path = path / "unit.md"
        if not is_image and path.suffix == ".md":
            pages = self._page_by_file.get(self._real(path))
            if not pages and self._real(path) in self.skipped:
                return "bad", None  # the target itself failed to load and has been reported
            if not pages:
                self._report(ctx, codes.BROKEN_LINK, f"link '{url}' is not a page of this course", url)
                return "bad", None
            page = pages[0]
            frag = parts.fragment
            if frag and len(pages) > 1:
                # in a unit file with several inline pages, '#page-id' selects the page
                for p in pages:
                    if p.id == frag:
                        page, frag = p, ""
                        break
            return "page", (page.key, frag)
        # a file copied into the packages must have a name every system can extract (pages are checked on loading)
        for part in [*PurePosixPath(ref).parts, path.name]:
            problem = portable_name_problem(part) if part not in (".", "..") else None
            if problem:
                self._report(ctx, codes.RESERVED_NAME, f"{what} '{url}': {problem}", url)
                return "bad", None
        asset = self._asset(path, ctx, url, is_image)
        if asset is None:
            return "bad", None
        return "asset", asset

    def _asset(self, path: Path, ctx: _Ctx, url: str, is_image: bool) -> Asset | None:
        path = self._real(path)
        if path in self._asset_cache:
            return self._asset_cache[path]
        asset = None
        ext = path.suffix.lower()
        table = asset_lib.IMAGE_TYPES if is_image else asset_lib.LINKABLE_TYPES
        if ext not in table:
            code = codes.IMAGE_TYPE if is_image else codes.LINK_TO_NON_PAGE
            self._report(ctx, code, f"'{url}' has a file type that is not published ({ext or 'no extension'})", url)
            self._asset_cache[path] = None
            return None
        try:
            size = path.stat().st_size
            if size > files_lib.MAX_ASSET_BYTES:
                self._report(ctx, codes.FILE_TOO_LARGE,
                             f"'{url}' is {files_lib.over_limit(size, files_lib.MAX_ASSET_BYTES)} for images and "
                             "other files", url)
                self._asset_cache[path] = None
                return None
            sha1, size, data = asset_lib.sha1_of(path)
        except OSError as exc:
            self._report(ctx, codes.UNREADABLE, f"cannot read '{url}': {exc.strerror or exc}", url)
            self._asset_cache[path] = None
            return None
        expected = table[ext]
        actual = asset_lib.sniff(data)
        if actual != expected:
            self._report(ctx, codes.IMAGE_TYPE,
                         f"'{url}' is named {ext} but its content is {actual or 'not a recognised format'}", url)
            self._asset_cache[path] = None
            return None
        w = h = None
        if actual == "image/svg+xml":
            bad_encoding = asset_lib.svg_encoding_problem(data)
            if bad_encoding:
                self._report(ctx, codes.NOT_UTF8, f"SVG '{url}' {bad_encoding}", url,
                             hint="Save or export the SVG as UTF-8.")
                self._asset_cache[path] = None
                return None
            problem, (w, h) = asset_lib.check_svg(data)
            if problem:
                self._report(ctx, codes.UNSAFE_SVG, f"SVG '{url}' {problem}", url)
                self._asset_cache[path] = None
                return None
        else:
            w, h = asset_lib.dimensions(data, actual)
        rel = path.relative_to(self._real(self._bounds(ctx.file)[1])).as_posix()
        asset = Asset(path=path, relpath=rel, sha1=sha1, size=size, mimetype=actual, width=w, height=h)
        self._asset_cache[path] = asset
        return asset

    def _check_headings(self, page: Page) -> None:
        lines = page.markdown.split("\n")
        prev = 1  # the page title is the level-1 heading
        for h in mdscan.headings(lines):
            line = page.body_line + h.line
            if h.level == 1:
                self.diags.add(codes.HEADING_SKIP,
                               f"level-1 heading '{h.text}' inside page '{page.title}'; the page title is the only "
                               "level-1 heading", page.file, line, 1,
                               hint="Use '##' for the sections of a page.")
            elif h.level > prev + 1:
                self.diags.add(codes.HEADING_SKIP,
                               f"heading '{h.text}' jumps from level {prev} to level {h.level}",
                               page.file, line, 1)
            prev = h.level


# Admonitions become Bootstrap alerts, which Moodle's themes (and the SCORM player) style.
_ALERT = {"note": "info", "info": "info", "tip": "success", "hint": "success", "important": "primary",
          "example": "secondary", "warning": "warning", "caution": "warning", "attention": "warning",
          "danger": "danger", "error": "danger"}


def _style_admonition(el) -> None:
    kinds = [c for c in (el.get("class") or "").split() if c != "admonition"]
    alert = next((_ALERT[k] for k in kinds if k in _ALERT), "info")
    cls = _add_class(el.get("class"), "alert")
    el.set("class", _add_class(cls, f"alert-{alert}"))
    for child in el:
        if child.tag == "p" and "admonition-title" in (child.get("class") or "").split():
            child.set("class", _add_class(child.get("class"), "alert-heading"))


def _add_class(existing: str | None, cls: str) -> str:
    classes = (existing or "").split()
    if cls not in classes:
        classes.append(cls)
    return " ".join(classes)
