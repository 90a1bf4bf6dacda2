"""SCORM packages without a browser: manifests valid against the official schemas (offline), the
package rules the schemas do not check, reproducible bytes, and broken sources caught before build."""

from __future__ import annotations

import io
import re
import warnings
import zipfile

import pytest
from lxml import etree

from conftest import REPO, assert_cli_build_fails_cleanly, checked, minimal_files, run_build, run_check, write_tree
from quizdata import QUIZ_PATH, quiz_files
from builder.formats.scorm.data import STATE_LIMITS, state_budget
from builder.formats.scorm.verify import verify_package

VERSIONS = ("scorm12", "scorm2004")


@pytest.fixture(scope="module")
def schemas(shared):
    xmlschema = pytest.importorskip("xmlschema")
    warnings.simplefilter("error", xmlschema.XMLSchemaImportWarning)
    warnings.simplefilter("error", xmlschema.XMLSchemaIncludeWarning)
    s = shared / "schemas"
    return {"scorm12": xmlschema.XMLSchema10(str(s / "scorm12" / "scorm12_all.xsd"), allow="local"),
            "scorm2004": xmlschema.XMLSchema10(str(s / "scorm2004_4th" / "scorm2004_all.xsd"), allow="local")}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Every course of the repository, both versions."""
    out = tmp_path_factory.mktemp("out")
    diags, res = run_build(REPO, out, formats=VERSIONS)
    assert not diags.has_errors(), [d.format_text() for d in diags.sorted()]
    return {(v, c.id): (out / v / f"{c.id}.zip").read_bytes() for v in VERSIONS for c in res.run.results}


def _manifest(data: bytes) -> bytes:
    return zipfile.ZipFile(io.BytesIO(data)).read("imsmanifest.xml")


def test_every_manifest_validates_against_the_schemas(built, schemas, tmp_path):
    for (version, cid), data in built.items():
        path = tmp_path / f"{version}-{cid}.xml"
        path.write_bytes(_manifest(data))
        errors = [str(e).splitlines()[0] for e in schemas[version].iter_errors(str(path), use_location_hints=False)]
        assert errors == [], (version, cid, errors)


def test_the_schemas_do_catch_a_broken_manifest(built, schemas, tmp_path):
    """The validation is real: a manifest with a bad scormType fails it."""
    for version in VERSIONS:
        data = next(d for (v, _), d in built.items() if v == version)
        bad = _manifest(data).replace(b'="sco"', b'="lesson"')
        path = tmp_path / f"{version}-bad.xml"
        path.write_bytes(bad)
        assert list(schemas[version].iter_errors(str(path), use_location_hints=False))


def test_every_package_keeps_the_rules_the_schemas_do_not_check(built):
    for key, data in built.items():
        assert verify_package(data) == [], key


def test_manifest_says_what_an_lms_needs(built):
    data = built[("scorm12", "intro-to-peer-support")]
    m = etree.fromstring(_manifest(data))
    ns = {"c": "http://www.imsproject.org/xsd/imscp_rootv1p1p2", "a": "http://www.adlnet.org/xsd/adlcp_rootv1p2"}
    assert m.findtext("c:metadata/c:schemaversion", namespaces=ns) == "1.2"
    assert m.findtext(".//c:item/a:masteryscore", namespaces=ns) == "70"      # from course.yaml
    assert _manifest(data).startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    m4 = etree.fromstring(_manifest(built[("scorm2004", "intro-to-peer-support")]))
    ns4 = {"c": "http://www.imsglobal.org/xsd/imscp_v1p1", "s": "http://www.imsglobal.org/xsd/imsss"}
    assert m4.findtext("c:metadata/c:schemaversion", namespaces=ns4) == "2004 4th Edition"
    prim = m4.find(".//s:primaryObjective", ns4)
    assert prim.get("satisfiedByMeasure") == "true" and prim.findtext("s:minNormalizedMeasure", namespaces=ns4) == "0.7"


def test_pages_images_and_links_survive_packaging(built):
    z = zipfile.ZipFile(io.BytesIO(built[("scorm2004", "intro-to-peer-support")]))
    index = z.read("index.html").decode()
    data = etree.fromstring(index.encode(), etree.HTMLParser()).xpath("//script[@id='cp-course']")[0].text
    assert "</script" not in data
    media = [n for n in z.namelist() if n.startswith("media/")]
    assert media and all(re.fullmatch(r"media/[0-9a-f]{10}-[A-Za-z0-9._-]+", n) for n in media)
    for name in media:
        assert f'src=\\"{name}\\"' in index or f'src="{name}"' in index, name
    assert "cp-asset:" not in index and "cp-page:" not in index
    assert 'data-page=' in index                         # links between pages become player links
    assert "https://" not in z.read("player.js").decode()  # nothing fetched from elsewhere


def test_builds_are_byte_identical(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    run_build(REPO, a, formats=VERSIONS, only=["intro-to-peer-support"])
    run_build(REPO, b, formats=VERSIONS, only=["intro-to-peer-support"])
    for v in VERSIONS:
        assert (a / v / "intro-to-peer-support.zip").read_bytes() == (b / v / "intro-to-peer-support.zip").read_bytes()


VERIFY_TRAPS = {
    "manifest in a folder": lambda e: {f"course/{k}": v for k, v in e.items()},
    "file missing from the zip": lambda e: {k: v for k, v in e.items() if k != "player.css"},
    "file not in the manifest": lambda e: {**e, "extra.txt": b"x"},
    "absolute href": lambda e: {**e, "imsmanifest.xml": e["imsmanifest.xml"].replace(b'href="player.js"',
                                                                                    b'href="/player.js"')},
    "dangling identifierref": lambda e: {**e, "imsmanifest.xml": e["imsmanifest.xml"].replace(
        b'identifierref="SCO"', b'identifierref="NOPE"')},
    "no scormtype": lambda e: {**e, "imsmanifest.xml": re.sub(rb' adlcp:scorm[tT]ype="sco"', b"",
                                                              e["imsmanifest.xml"])},
    "duplicate identifier": lambda e: {**e, "imsmanifest.xml": e["imsmanifest.xml"].replace(
        b'identifier="ITEM"', b'identifier="ORG"')},
    "wrong schemaversion": lambda e: {**e, "imsmanifest.xml": e["imsmanifest.xml"].replace(
        b"<schemaversion>", b"<schemaversion>CAM ")},
}


@pytest.mark.parametrize("trap", list(VERIFY_TRAPS))
def test_package_checks_catch_each_trap(built, trap):
    from builder.util.archive import zip_bytes
    for version in VERSIONS:
        z = zipfile.ZipFile(io.BytesIO(built[(version, "intro-to-peer-support")]))
        entries = {n: z.read(n) for n in z.namelist()}
        assert verify_package(zip_bytes(VERIFY_TRAPS[trap](entries))), (version, trap)


# -- broken sources ---------------------------------------------------------------------

def _quiz_with(n: int) -> str:
    head = "---\ntype: quiz\ntitle: Long quiz\n---\n"
    body = "".join(f"## Free text {i} {{#free-{i}}}\ntype: shortanswer\n\nWhat word?\n\n- [x] word\n\n"
                   for i in range(n))
    return head + body


def test_progress_too_large_for_scorm12_is_reported_before_building(make_repo):
    # 70 free-text answers of up to 60 characters cannot fit SCORM 1.2's 4,096 characters
    root = make_repo({QUIZ_PATH: _quiz_with(70)})
    got = run_check(root).sorted()
    assert [d.code.id for d in got] == ["CP501"], [d.format_text() for d in got]
    d = got[0]
    assert d.path == "courses/demo/course.yaml" and "4,096" in d.message and "SCORM 1.2" in d.message
    assert d.hint and "scorm2004" in d.hint
    assert_cli_build_fails_cleanly(root, "CP501")
    # SCORM 2004 keeps 64,000 characters: building only that version works
    diags, res = run_build(root, root / "out", formats=("scorm2004",))
    assert not diags.sorted() and (root / "out" / "scorm2004" / "demo.zip").is_file()


def test_progress_budget_at_the_limit(make_repo):
    """The budget is exact at the boundary: the largest course that fits builds, one more answer does not."""
    from builder.build import check_project
    from builder.diagnostics import Diagnostics

    def budget(n):
        root = make_repo({QUIZ_PATH: _quiz_with(n)})
        d = Diagnostics(root=root)
        return state_budget(check_project(root, d, formats=()).courses[0])

    base, one = budget(1), budget(2)
    per = one - base                                  # 60 characters and a separator
    assert per == 61
    n = (STATE_LIMITS["scorm12"] - base) // per + 1   # the most answers that fit
    assert budget(n) <= STATE_LIMITS["scorm12"] < budget(n + 1)
    root = make_repo({QUIZ_PATH: _quiz_with(n)})
    assert not [d for d in run_check(root).sorted() if d.code.id == "CP501"]


def test_missing_image_stops_the_scorm_build_with_its_location(make_repo):
    root = make_repo({"courses/demo/units/first/images/block.png": None})
    got = run_check(root).sorted()
    assert [(d.code.id, d.path) for d in got] == [("CP201", "courses/demo/units/first/01-hello.md")]
    assert_cli_build_fails_cleanly(root, "CP201", "--format", "scorm12")


def test_quiz_data_keeps_what_the_player_scores(tmp_path):
    """Every question type the player can score reaches it with its answers; essays are left out and said so."""
    from builder.formats.scorm.package import _Pages, course_data
    root = write_tree(tmp_path / "r", minimal_files() | quiz_files())
    diags, res = run_build(root, tmp_path / "out", formats=("scorm2004",))
    assert not diags.has_errors(), [d.format_text() for d in diags.sorted()]
    course = checked(root).courses[0]
    data = course_data(course, "scorm2004", _Pages(course))
    quiz = data["quizzes"][0]
    types = {q["type"] for s in quiz["slots"] for q in s["pool"]}
    assert types and types <= {"multichoice", "truefalse", "shortanswer", "numerical", "matching", "ddwtos",
                                "gapselect", "cloze"}
    written = {q.qtype for q in course.quizzes()[0].quiz.category.questions}
    assert quiz["essays"] == (1 if "essay" in written else 0)
    for slot in quiz["slots"]:
        for q in slot["pool"]:
            if q["type"] == "multichoice" and not q["single"]:
                assert sum(a["f"] for a in q["answers"] if a["f"] > 0) == pytest.approx(1), q["id"]
            elif q["type"] in ("multichoice", "truefalse", "shortanswer", "numerical"):
                assert max(a["f"] for a in q["answers"]) == 1, q["id"]


def test_learners_see_how_each_essay_is_marked(built):
    """Essay pages carry their rubric (criteria and levels) into the player, as in the Moodle assignment."""
    import json
    index = zipfile.ZipFile(io.BytesIO(built[("scorm12", "intro-to-peer-support")])).read("index.html").decode()
    data = json.loads(re.search(r'<script id="cp-course" type="application/json">(.*?)</script>', index, re.S)
                      .group(1).replace("<\\/", "</"))
    essays = [p for p in data["pages"] if p["kind"] == "essay"]
    assert len(essays) == 4
    for p in essays:
        crit = p["rubric"]["criteria"]
        assert len(crit) == 4 and all([lv["score"] for lv in c["levels"]] == [0, 1, 2, 3] for c in crit)
        assert p["words"] == 300
