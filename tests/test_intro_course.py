"""The Introduction to Peer Support course, as the repository ships it."""

from __future__ import annotations

import re

import pytest
from lxml import etree
from lxml import html as lxml_html

from builder.build import build, check_project
from builder.diagnostics import Diagnostics
from builder.formats.moodle.verify import open_backup, verify_mbz
from builder.model.schema import parse_lines
from conftest import REPO

COURSE = "intro-to-peer-support"


@pytest.fixture(scope="module")
def project():
    d = Diagnostics(root=REPO)
    p = check_project(REPO, d, [COURSE])
    assert not d.items, "\n".join(x.format_text() for x in d.sorted())
    return p


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    d = Diagnostics(root=REPO)
    res = build(REPO, tmp_path_factory.mktemp("intro"), d, [COURSE], moodle="all")
    assert not d.items
    return {o.kind: o.data for o in res.outputs}


def test_course_metadata(project):
    c = project.courses[0]
    assert (c.id, c.title, c.hours) == (COURSE, "Introduction to Peer Support", 2)
    assert [u.id for u in c.units] == ["what-is-peer-support", "values", "what-peer-workers-do", "pathways"]
    assert [u.hours for u in c.units] == [0.5, 0.75, 0.5, 0.25]


def test_every_unit_is_studyable_and_cited(project):
    c = project.courses[0]
    for u in c.units:
        assert len(u.outcomes) >= 2, u.id
        assert u.sources, u.id
        words = sum(len(re.findall(r"\w+", p.markdown)) for p in u.pages if p.kind == "page")
        # roughly 40 words a minute of study time is the floor for a unit a learner can study from
        assert words >= 40 * 60 * u.hours * 0.5, (u.id, words)
        assert any("Pause and reflect" in p.markdown for p in u.pages), f"{u.id} has no reflection prompt"
        assert any(re.search(r'!!! example "(Activity|Discussion)', p.markdown) for p in u.pages), \
            f"{u.id} has no activity or discussion prompt"


def test_content_uses_the_features_it_claims(project):
    pages = project.courses[0].pages()
    html = "".join(p.rendered.html for p in pages)
    doc = lxml_html.fragment_fromstring(html, create_parent="div")
    assert len(doc.xpath("//table")) >= 3
    assert len({a.relpath for p in pages for a in p.rendered.assets if a.mimetype.startswith("image/")}) >= 2
    assert all(img.get("alt") and len(img.get("alt")) > 20 for img in doc.xpath("//img"))
    assert any(p.kind == "label" for p in pages)
    assert doc.xpath("//div[contains(@class,'admonition')]")


def test_citations_point_at_real_seed_lines(project, shared):
    """Every cited line range exists in the seed file its document lives in."""
    lengths = {}
    for entry in project.bibliography.values():
        assert entry.seed, entry.id
        path = shared / "seeds" / entry.seed
        assert path.is_file(), entry.seed
        lengths[entry.id] = path.read_text(encoding="utf-8").count("\n") + 1
        for a, b in parse_lines(entry.lines):
            assert b <= lengths[entry.id], (entry.id, entry.lines)
    for u in project.courses[0].units:
        for cite in u.sources:
            for a, b in parse_lines(cite.lines):
                assert b <= lengths[cite.ref], (u.id, cite.ref, cite.lines)


def test_quoted_phrases_come_from_the_seeds(project, shared):
    """Short quotations in the pages are word for word in a seed (made-up dialogue is in tables/examples)."""
    seeds = " ".join(p.read_text(encoding="utf-8") for p in (shared / "seeds").glob("*.txt"))
    seeds = re.sub(r"\s+", " ", seeds.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"'))
    checked = 0
    for p in project.courses[0].pages():
        for line in p.markdown.split("\n"):
            if line.lstrip().startswith(("|", "1.", "2.", "3.", "4.")) or "made-up" in line.lower():
                continue
            quoted = line.split('"')[1::2]
            for q in (q for q in quoted if len(q) >= 12):
                if "in ImROC's words" in line or "said" in line or "puts it" in line or "described" in line \
                        or "guidance" in line or "warns" in line or "calls" in line or "found" in line:
                    assert q.strip(" .,") in seeds, q
                    checked += 1
    assert checked >= 5


@pytest.mark.parametrize("kind", ["moodle-5.0", "moodle-4.5", "moodle-4.1"])
def test_backups_verify_clean(outputs, kind):
    assert verify_mbz(outputs[kind]) == []


def test_backup_holds_the_course_as_written(outputs, project):
    b = open_backup(outputs["moodle-5.0"])
    info = etree.fromstring(b.entries["moodle_backup.xml"]).find("information")
    assert info.findtext("original_course_fullname") == "Introduction to Peer Support"
    sections = [s.findtext("title") for s in info.findall("contents/sections/section")]
    assert sections == ["0"] + [u.title for u in project.courses[0].units]
    titles = [a.findtext("title") for a in info.findall("contents/activities/activity")]
    # the 5.x question bank activity sits in section 0, before the units' activities
    assert titles == ["Introduction to Peer Support question bank"] + [p.title for p in project.courses[0].pages()]
    # both diagrams are in the pool and linked from their pages
    svgs = [n for n in b.entries if n.startswith("files/")]
    assert len(svgs) == 2
    contents = b"".join(v for k, v in b.entries.items() if k.endswith("/page.xml")).decode()
    assert contents.count("@@PLUGINFILE@@/values.svg") == 1
    assert contents.count("@@PLUGINFILE@@/pathway.svg") == 1
    assert "cp-asset:" not in contents and "cp-page:" not in contents
