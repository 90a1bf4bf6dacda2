"""Markdown rendering and sanitising, as the packages see it."""

from __future__ import annotations

from lxml import html as lxml_html

from builder.render.html import sanitize, shift_headings
from conftest import PAGE_HELLO, png_bytes, run_check

P1 = "courses/demo/units/first/01-hello.md"


def page(root, unit_id, page_id):
    from builder.diagnostics import Diagnostics
    from builder.build import check_project

    d = Diagnostics(root=root)
    project = check_project(root, d)
    for c in project.courses:
        for u in c.units:
            for p in u.pages:
                if u.id == unit_id and p.id == page_id:
                    return p, d
    raise AssertionError("page not found")


def test_markdown_features_survive_sanitising(make_repo):
    body = PAGE_HELLO + """
Term
:   Its definition.

A footnote reference[^n].

[^n]: The footnote text.

!!! tip "Try this"
    An admonition with **bold** text.

```python
print("code")
```

A paragraph with a class.
{: .lead }

*[PSW]: peer support worker

Every PSW brings experience.
"""
    root = make_repo({P1: body})
    p, d = page(root, "first", "01-hello")
    assert not d.items, [x.format_text() for x in d.items]
    doc = lxml_html.fragment_fromstring(p.rendered.html, create_parent="div")
    assert doc.xpath("//table[contains(@class,'generaltable')]//td")
    assert doc.xpath("//dl/dt") and doc.xpath("//dl/dd")
    assert doc.xpath("//sup/a[@href='#fn:n']")
    tip = doc.xpath("//div[contains(@class,'admonition') and contains(@class,'tip')]")[0]
    assert "alert alert-success" in tip.get("class"), "admonitions are styled as the theme's alerts"
    assert tip.xpath("p[contains(@class,'admonition-title') and contains(@class,'alert-heading')]")
    assert doc.xpath("//pre/code[contains(@class,'language-python')]")
    assert doc.xpath("//p[@class='lead']")
    assert doc.xpath("//abbr[@title='peer support worker']")
    img = doc.xpath("//img")[0]
    assert img.get("src") == "cp-asset:units/first/images/block.png"
    assert (img.get("width"), img.get("height")) == ("4", "3")
    assert "img-fluid" in img.get("class")
    assert p.rendered.assets[0].mimetype == "image/png"


def test_links_between_pages_and_units(make_repo):
    body = PAGE_HELLO + "\nSee [unit two](../second.md), [its label](../second.md#take-a-break) " \
                        "and [a section](02-table.md#top) and [the top](#a-section).\n"
    root = make_repo({P1: body})
    p, d = page(root, "first", "01-hello")
    assert not d.items
    hrefs = lxml_html.fragment_fromstring(p.rendered.html, create_parent="div").xpath("//a/@href")
    assert "cp-page:demo/first/02-table" in hrefs
    assert "cp-page:demo/second/page-one" in hrefs
    assert "cp-page:demo/second/take-a-break" in hrefs
    assert "cp-page:demo/first/02-table#top" in hrefs
    assert "#a-section" in hrefs


def test_pdf_links_become_assets(make_repo):
    root = make_repo({P1: PAGE_HELLO + "\n[Handout](handout.pdf)\n",
                      "courses/demo/units/first/handout.pdf": b"%PDF-1.4\n%test\n"})
    p, d = page(root, "first", "01-hello")
    assert not d.items
    assert any(a.mimetype == "application/pdf" for a in p.rendered.assets)


def test_sanitiser_is_the_last_line_of_defence():
    dirty = ('<p onclick="x()">Hi<script>alert(1)</script></p><iframe src="https://e.org"></iframe>'
             '<a href="javascript:alert(1)">x</a><img src="data:image/png;base64,AAAA" alt="a">'
             '<p style="color:red">red</p><form><input></form>')
    clean = sanitize(dirty)
    for bad in ("onclick", "<script", "alert(1)</", "<iframe", "javascript:", "data:", "color:red", "<form",
                "<input"):
        assert bad not in clean, bad


def test_allowed_svg_is_kept_with_its_size(make_repo):
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" viewBox="0 0 120 40">'
           '<rect width="120" height="40" fill="#eee"/><text x="10" y="25">Hope</text></svg>')
    root = make_repo({P1: PAGE_HELLO.replace("images/block.png", "images/hope.svg"),
                      "courses/demo/units/first/images/hope.svg": svg})
    p, d = page(root, "first", "01-hello")
    assert not d.items
    a = p.rendered.assets[0]
    assert (a.mimetype, a.width, a.height) == ("image/svg+xml", 120, 40)


def test_heading_shift():
    assert shift_headings('<h2 id="x">A</h2><h6>B</h6><hr>', 1) == '<h3 id="x">A</h3><h6>B</h6><hr>'


def test_same_image_twice_is_one_asset(make_repo):
    root = make_repo({P1: PAGE_HELLO + "\n![Again the block](images/block.png)\n"})
    p, d = page(root, "first", "01-hello")
    assert len(p.rendered.assets) == 1


def test_two_images_with_one_name_get_distinct_moodle_names(make_repo, tmp_path):
    from builder.formats.moodle.verify import open_backup, verify_mbz
    from conftest import run_build

    root = make_repo({P1: PAGE_HELLO + "\n![Another block](other/block.png)\n",
                      "courses/demo/units/first/other/block.png": png_bytes(8, 8)})
    d, res = run_build(root, tmp_path / "o")
    assert not d.items
    data = res.outputs[0].data
    assert verify_mbz(data) == []
    files = open_backup(data).entries["files.xml"].decode()
    assert files.count("block.png</filename>") == 2
    assert "-block.png</filename>" in files


def test_summaries_may_not_hold_images(make_repo):
    from conftest import COURSE_YAML

    root = make_repo({"courses/demo/course.yaml": COURSE_YAML.replace("A small course for tests.",
                                                                      "![x](units/first/images/block.png)")})
    got = run_check(root).sorted()
    assert [g.code.id for g in got] == ["CP205"]
    assert got[0].path == "courses/demo/course.yaml" and got[0].line == 3


def test_plain_lines_skip_the_parser_with_the_same_html():
    """The fast path for one-line plain prose gives exactly what Python-Markdown gives, on every text of
    the curriculum and on edge cases that must go to the parser."""
    from pathlib import Path

    from builder.build import check_project
    from builder.diagnostics import Diagnostics
    from builder.render import html as R
    from conftest import REPO
    seen: list[str] = []
    real = R.Renderer._render

    def spy(self, ctx):
        seen.append(ctx.source)
        return real(self, ctx)

    R.Renderer._render = spy
    try:
        check_project(Path(REPO), Diagnostics(root=REPO))
    finally:
        R.Renderer._render = real
    fast = [t for t in seen if R._plain_paragraph(t) is not None]
    assert len(fast) > 1000
    import markdown
    ref = markdown.Markdown(extensions=R.MD_EXTENSIONS, extension_configs=R.MD_CONFIG, output_format="html")
    for t in sorted(set(fast) | {"Right. It's 5% & more (see A/B).", "“Quoted” — yes"}):
        ref.reset()
        raw = ref.convert(t)
        assert R._plain_paragraph(t) == raw == R.sanitize(raw), t      # what the parser and sanitiser give
    for t in ["1. A list", "- item", "# Heading", "> quote", "!!! note", "two  spaces", "a\nb", "*em*", "`code`",
              "[link](x)", "a_b_c", "{: .x}", "a < b"]:
        assert R._plain_paragraph(t) is None, t
    md = R.markdown_to_html
    assert md("Not quite.") == "<p>Not quite.</p>"
