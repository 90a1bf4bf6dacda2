"""Frameworks, rubrics, essays, competency links and coverage (issue: competencies and coverage).

The small course of compdata.py has a coverage known by hand (see its docstring).
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import json
import os
import re
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from builder.build import check_project
from builder.competency.coverage import build_report
from builder.diagnostics import Diagnostics
from builder.formats.moodle.framework_csv import HEADER, framework_csv
from builder.formats.moodle.verify import open_backup, verify_mbz
from compdata import comp_files
from conftest import REPO, run_build

TAXONOMY = {"behaviour", "competency", "concept", "domain", "indicator", "level", "outcome", "practice",
            "proficiency", "skill", "value"}


@pytest.fixture
def repo(make_repo):
    return make_repo(comp_files())


@pytest.fixture
def built(repo):
    d, res = run_build(repo, moodle="all")
    assert not d.has_errors(), [x.format_text() for x in d.sorted()]
    return {o.path.as_posix(): o.data for o in res.outputs}


def x(b: bytes):
    return etree.fromstring(b)


# --------------------------------------------------------------------------
# coverage numbers against the course known by hand

def test_coverage_of_the_small_course_is_known_by_hand(repo):
    d = Diagnostics(root=repo)
    project = check_project(repo, d)
    assert not d.items, [i.format_text() for i in d.sorted()]
    report = build_report(project)
    (cov,) = report.courses
    assert len(cov.in_scope()) == 5
    assert sorted(r.node.id for r in cov.assessed()) == ["DEMO-FW.1.1", "DEMO-FW.1.2", "DEMO-FW.2.1", "DEMO-FW.2.3"]
    assert [r.node.id for r in cov.gaps()] == ["DEMO-FW.2.2"]
    assert cov.rows["DEMO-FW.2.2"].status == "addressed"                  # taught on a page only
    assert [e.id for e in cov.rows["DEMO-FW.2.2"].addressed_by] == ["demo/first/02-table"]
    assert cov.rows["DEMO-FW.3.1"].status == "out-of-scope"
    assert cov.percent == 80.0
    assert cov.summary() == ("4 of 5 competencies assessed (80%); 1 gap: 2.2 Shares experience with purpose. "
                             "1 out of scope by design.")
    # what assesses each competency: a question, a rubric criterion (indicator 2.3.a counts for 2.3)
    assert [(e.kind, e.id) for e in cov.rows["DEMO-FW.1.1"].assessed_by] == [("question", "q-one")]
    assert [(e.kind, e.id) for e in cov.rows["DEMO-FW.1.1"].addressed_by] == [("page", "demo/first/01-hello")]
    assert [(e.kind, e.id) for e in cov.rows["DEMO-FW.2.1"].assessed_by] == [("question", "q-two")]
    assert [(e.kind, e.id) for e in cov.rows["DEMO-FW.2.3"].assessed_by] == [("criterion", "demo-rubric#safe")]
    assert cov.rows["DEMO-FW.2.3"].assessed_by[0].file == "rubrics/demo-rubric.yaml"
    domains = {d["id"]: (d["competencies"], d["assessed"], d["percent"]) for d in cov.domains()}
    assert domains == {"DEMO-FW.D1": (2, 2, 100.0), "DEMO-FW.D2": (3, 2, 66.7), "DEMO-FW.D3": (1, 0, None)}
    (cur,) = report.curriculum
    assert cur.percent == 80.0 and cur.rows["DEMO-FW.1.2"].courses == ["demo"]


def test_coverage_outputs_hold_the_same_data_and_are_deterministic(built, repo):
    data = json.loads(built["coverage/coverage.json"])
    (course,) = data["courses"]
    assert (course["in_scope"], course["assessed"], course["percent"]) == (5, 4, 80.0)
    assert course["gaps"] == ["DEMO-FW.2.2"] and course["addressed_only"] == ["DEMO-FW.2.2"]
    assert data["curriculum"][0]["summary"].startswith("4 of 5 competencies assessed (80%); 1 gap: 2.2")
    rows = list(csv.DictReader(io.StringIO(built["coverage/coverage.csv"].decode("utf-8"))))
    demo = {r["competency"]: r for r in rows if r["scope"] == "demo"}
    assert {k: r["status"] for k, r in demo.items()} == {
        "DEMO-FW.1.1": "assessed", "DEMO-FW.1.2": "assessed", "DEMO-FW.2.1": "assessed",
        "DEMO-FW.2.2": "addressed", "DEMO-FW.2.3": "assessed", "DEMO-FW.3.1": "out-of-scope"}
    assert demo["DEMO-FW.2.3"]["assessed_by"] == "criterion:demo-rubric#safe"
    html = built["coverage/index.html"].decode("utf-8")
    assert 'data-gap="DEMO-FW.2.2"' in html and "4 of 5 competencies assessed" in html
    assert "http://" not in html and "https://" not in html and "<link" not in html   # self-contained
    style, script = html.split("<style>")[1].split("</style>")[0], html.split("<script>")[1].split("</script>")[0]
    assert "details>*" in style and "&gt;" not in style and "&amp;" not in script     # inlined, not escaped
    _, again = run_build(repo, moodle="all")
    assert {o.path.as_posix(): o.data for o in again.outputs} == built


# --------------------------------------------------------------------------
# the framework CSV, against tool_lpimportcsv's rules (shared/frameworks/MOODLE_COMPETENCY_CSV.md)

def importer_tree(data: bytes) -> dict:
    """Read a CSV the way framework_importer does; fail on what would stop or silently change an import."""
    assert not data.startswith(b"\xef\xbb\xbf") and b"\r" not in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    assert rows[0] == HEADER
    assert all(len(r) == 14 for r in rows), "csvweirdcolumns: every row needs 14 fields"
    frameworks = [r for r in rows[1:] if r[12] not in ("", "0")]
    assert len(frameworks) == 1, "exactly one framework row"
    fw = frameworks[0]
    values = fw[5].split(",")
    conf = json.loads(fw[6])
    assert "scaleid" in conf[0]
    flags = {c["id"]: c for c in conf[1:]}
    assert set(flags) <= set(range(1, len(values) + 1))
    assert any(c["scaledefault"] for c in conf[1:]) and any(c["proficient"] for c in conf[1:])
    assert all(t in TAXONOMY for t in fw[13].split(","))
    comps = [r for r in rows[1:] if r is not fw]
    ids = [r[1] for r in comps]
    assert len(ids) == len(set(ids)), "duplicate ID numbers replace earlier rows"
    for r in [fw, *comps]:
        assert r[1] and r[2], "rows without ID number or short name are dropped"
        assert len(r[1]) <= 100 and len(r[2]) <= 100 and "<" not in r[1] + r[2]
        assert r[1].isascii() and "," not in r[1]
        with pytest.raises(ValueError):
            float(r[1])                      # numeric ids compare loosely in PHP
        if r[3]:
            assert r[4] in ("0", "1", "2", "4")
    # build the tree from '' like add_children(): every row must be reached
    placed, frontier = {}, [""]
    while frontier:
        parent = frontier.pop()
        for r in comps:
            if r[0] == parent and r[1] not in placed:
                placed[r[1]] = parent
                frontier.append(r[1])
    assert set(placed) == set(ids), f"orphans: {sorted(set(ids) - set(placed))}"
    return {"framework": fw, "placed": placed, "values": values, "flags": flags}


def test_framework_csv_follows_the_importer_rules(built):
    t = importer_tree(built["moodle/frameworks/demo-fw.csv"])
    assert t["framework"][1] == "DEMO-FW" and t["framework"][13] == "domain,competency,indicator"
    assert t["values"] == ["Not yet competent", "Competent"]
    assert t["flags"][2] == {"id": 2, "scaledefault": 1, "proficient": 1}
    assert t["placed"]["DEMO-FW.D1"] == "" and t["placed"]["DEMO-FW.1.2"] == "DEMO-FW.D1"
    assert t["placed"]["DEMO-FW.2.3.b"] == "DEMO-FW.2.3"
    assert len(t["placed"]) == 3 + 6 + 2


@pytest.mark.parametrize("key, domains, competencies, indicators", [
    ("hee-psw-2020", 9, 24, 0),
    ("hee-autism-core-capabilities-2019", 5, 19, 236),
])
def test_the_repositorys_frameworks_export_whole(key, domains, competencies, indicators):
    d = Diagnostics(root=REPO)
    from builder.competency.load import load_frameworks
    fws = load_frameworks(REPO, d)
    assert not d.items, [i.format_text() for i in d.sorted()]
    fw = fws[key]
    assert (len(fw.domains), len(fw.competencies()), sum(len(c.children) for c in fw.competencies())) == (
        domains, competencies, indicators)
    t = importer_tree(framework_csv(fw))
    assert len(t["placed"]) == domains + competencies + indicators


def test_framework_ids_and_names_carry_over_from_the_shared_files(shared):
    """Ids, numbers and names are facts and carry over; descriptions are our own (never the same text)."""
    import yaml
    d = Diagnostics(root=REPO)
    from builder.competency.load import load_frameworks
    fws = load_frameworks(REPO, d)
    for key, src in (("hee-psw-2020", "hee-psw-2020.yaml"),
                     ("hee-autism-core-capabilities-2019", "hee-autism-core-capabilities-2019.yaml")):
        theirs = yaml.safe_load((shared / "frameworks" / src).read_text(encoding="utf-8"))
        flat = {}
        for dom in theirs["domains"]:
            flat[dom["id"]] = dom
            for c in dom.get("competencies", []):
                flat[c["id"]] = c
                for s in c.get("statements", []):
                    flat[s["id"]] = s
        ours = fws[key]
        assert ours.idnumber == theirs["framework"]["id"]
        assert set(ours.nodes) == set(flat)
        for nid, node in ours.nodes.items():
            assert node.name == flat[nid]["name"], nid
            their_text = flat[nid].get("description") or flat[nid].get("text") or ""
            assert not node.description or node.description.strip() != their_text.strip(), nid


# --------------------------------------------------------------------------
# the backup: grading.xml, assign.xml and competency XML against the reference backups

def paths(el, prefix="") -> set[str]:
    here = f"{prefix}/{el.tag}"
    out = {here}
    for child in el:
        if isinstance(child.tag, str):
            out |= paths(child, here)
    return out


@pytest.mark.parametrize("target, ref", [("moodle/demo.mbz", "unpacked"), ("moodle/4.5/demo.mbz", "unpacked-4.5")])
def test_assignment_rubric_and_competencies_have_the_reference_shape(built, shared, target, ref):
    b = open_backup(built[target])
    refdir = shared / "reference" / ref
    (assign_dir,) = [n.rsplit("/", 1)[0] for n in b.entries if n.startswith("activities/assign_")
                     and n.endswith("/assign.xml")]
    ref_assign = next((refdir / "activities").glob("assign_*"))
    # 5.1-only module fields the 5.0 target leaves out (MOODLE_LTS_DIFFERENCES.md §2.5)
    only_51 = {"/module/enableaitools", "/module/enabledaiactions"}
    for name in ("grading.xml", "assign.xml", "module.xml", "grades.xml", "competencies.xml"):
        ours = x(b.entries[f"{assign_dir}/{name}"])
        theirs = etree.parse(str(ref_assign / name)).getroot()
        assert paths(ours) == paths(theirs) - only_51, name
    assert paths(x(b.entries["course/competencies.xml"])) == paths(
        etree.parse(str(refdir / "course" / "competencies.xml")).getroot())
    # assign.xml field order as Moodle writes it (the reference's own order)
    ref_fields = [e.tag for e in etree.parse(str(ref_assign / "assign.xml")).getroot()[0]]
    ours_fields = [e.tag for e in x(b.entries[f"{assign_dir}/assign.xml"])[0]]
    assert ours_fields == ref_fields
    assert verify_mbz(built[target]) == []


def test_essay_is_an_assignment_graded_by_its_rubric(built):
    b = open_backup(built["moodle/demo.mbz"])
    (d,) = {n.rsplit("/", 1)[0] for n in b.entries if n.startswith("activities/assign_")}
    g = x(b.entries[f"{d}/grading.xml"])
    assert g.findtext("area/areaname") == "submissions" and g.findtext("area/activemethod") == "rubric"
    df = g.find("area/definitions/definition")
    assert (df.findtext("method"), df.findtext("name"), df.findtext("status")) == ("rubric",
                                                                                     "Demo reflection rubric", "20")
    crits = df.findall("plugin_gradingform_rubric_definition/criteria/criterion")
    assert [c.findtext("description") for c in crits] == ["Shows how listening helped.", "Shares safely."]
    assert [[lv.findtext("score") for lv in c.findall("levels/level")] for c in crits] == [
        ["0.00000", "2.00000", "4.00000"], ["0.00000", "3.00000"]]
    a = x(b.entries[f"{d}/assign.xml"]).find("assign")
    start = calendar.timegm(dt.date(2027, 1, 4).timetuple())
    assert a.findtext("grade") == "7"                                  # 4 + 3, the rubric's top score
    assert int(a.findtext("duedate")) == start + 14 * 86400            # due: 2 weeks after the course start
    assert a.findtext("completionsubmit") == "1"
    cfg = {(p.findtext("plugin"), p.findtext("subtype"), p.findtext("name")): p.findtext("value")
           for p in a.findall("plugin_configs/plugin_config")}
    assert cfg[("onlinetext", "assignsubmission", "enabled")] == "1"
    assert cfg[("onlinetext", "assignsubmission", "wordlimit")] == "300"
    assert cfg[("onlinetext", "assignsubmission", "wordlimitenabled")] == "1"
    assert cfg[("file", "assignsubmission", "enabled")] == "1"
    m = x(b.entries[f"{d}/module.xml"])
    assert (m.findtext("completion"), m.findtext("completiongradeitemnumber")) == ("2", "$@NULL@$")
    gi = x(b.entries[f"{d}/grades.xml"]).find("grade_items/grade_item")
    assert (gi.findtext("itemmodule"), gi.findtext("grademax"), gi.findtext("gradepass")) == ("assign", "7.00000",
                                                                                             "3.50000")
    course = x(b.entries["course/course.xml"])
    assert int(course.findtext("startdate")) == start
    assert int(x(b.entries["moodle_backup.xml"]).findtext("information/original_course_startdate")) == start


def test_course_and_activity_competency_links(built):
    b = open_backup(built["moodle/demo.mbz"])
    course = x(b.entries["course/competencies.xml"])
    links = [(c.findtext("idnumber"), c.findtext("ruleoutcome"), c.findtext("frameworkidnumber"))
             for c in course.findall("competencies/competency")]
    assert links == [(i, "1", "DEMO-FW") for i in
                     ["DEMO-FW.1.1", "DEMO-FW.1.2", "DEMO-FW.2.1", "DEMO-FW.2.2", "DEMO-FW.2.3.a"]]
    ids = [c.findtext("id") for c in course.findall("competencies/competency")]
    assert len(set(ids)) == len(ids) and all(c.findtext("frameworkid") for c in course.findall("competencies/"
                                                                                                "competency"))
    by_title = {}
    manifest = x(b.entries["moodle_backup.xml"])
    for a in manifest.findall("information/contents/activities/activity"):
        comp = x(b.entries[f"{a.findtext('directory')}/competencies.xml"])
        by_title[a.findtext("title")] = [(c.findtext("idnumber"), c.findtext("ruleoutcome"))
                                         for c in comp.findall("competencies/competency")]
    assert by_title["Hello page"] == [("DEMO-FW.1.1", "0")]          # a page addresses: no rule outcome
    assert by_title["Quick check"] == [("DEMO-FW.1.1", "1"), ("DEMO-FW.2.1", "1")]   # evidence on completion
    assert by_title["A short reflection"] == [("DEMO-FW.1.2", "1"), ("DEMO-FW.2.3.a", "1")]
    assert manifest.xpath("//setting[name='competencies']/value")[0].text == "1"


def test_rule_outcome_is_configurable(make_repo):
    files = comp_files()
    files["courses/demo/course.yaml"] = files["courses/demo/course.yaml"].replace(
        "framework: demo-fw", "framework: demo-fw\ncompetency_outcome: complete")
    files["courses/demo/units/first/04-essay.md"] = files["courses/demo/units/first/04-essay.md"].replace(
        "pass: 50%", "pass: 50%\ncompetency_outcome: recommend")
    root = make_repo(files)
    d, res = run_build(root, formats=("moodle",))
    assert not d.has_errors()
    b = open_backup(next(o.data for o in res.outputs if o.path.as_posix() == "moodle/demo.mbz"))
    outcomes = {}
    for n, data in b.entries.items():
        if n.endswith("/competencies.xml") and n.startswith("activities/"):
            for c in x(data).findall("competencies/competency"):
                outcomes.setdefault(n.split("/")[1].split("_")[0], set()).add(c.findtext("ruleoutcome"))
    assert outcomes == {"page": {"0"}, "quiz": {"3"}, "assign": {"2"}}


# --------------------------------------------------------------------------
# the coverage command: --fail-under, --since

def _git(root, *args):
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@t", "HOME": str(root), "PATH": "/usr/bin:/bin"})


def test_coverage_command_fail_under_and_since(make_repo):
    from click.testing import CliRunner
    from builder.cli import main
    files = comp_files()
    files["courses/demo/units/first/04-essay.md"] = None
    root = make_repo({k: v for k, v in files.items()})
    (root / "courses/demo/units/first/04-essay.md").unlink(missing_ok=True)
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "before the essay")
    from compdata import ESSAY, ESSAY_PATH
    (root / ESSAY_PATH).write_text(ESSAY, encoding="utf-8")
    runner = CliRunner()
    r = runner.invoke(main, ["--root", str(root), "coverage", "--since", "main", "--fail-under", "80"])
    assert r.exit_code == 0, r.output
    assert "curriculum (demo-fw): 4 of 5 competencies assessed (80%); 1 gap" in r.output
    assert "demo (demo-fw): 40% -> 80%; newly assessed: DEMO-FW.1.2, DEMO-FW.2.3" in r.output
    data = json.loads((root / "build/coverage/coverage.json").read_text(encoding="utf-8"))
    change = next(c for c in data["since"]["changes"] if c["scope"] == "demo")
    assert (change["percent_before"], change["gained"], change["lost"]) == (40.0, ["DEMO-FW.1.2", "DEMO-FW.2.3"],
                                                                             [])
    assert "Changes since main" in (root / "build/coverage/index.html").read_text(encoding="utf-8")
    r = runner.invoke(main, ["--root", str(root), "coverage", "--fail-under", "90"])
    assert r.exit_code == 1 and "CP411" in r.output and "80%, below --fail-under 90%" in r.output
    r = runner.invoke(main, ["--root", str(root), "coverage", "--since", "no-such-rev"])
    assert r.exit_code == 2 and "cannot read revision 'no-such-rev'" in r.output
    assert "Traceback" not in r.output


def _assign_dir(b) -> str:
    return next(n.rsplit("/", 1)[0] for n in sorted(b.entries) if n.startswith("activities/assign_"))


RUBRIC_TRAPS = {
    "active rubric without a definition": lambda b: ("grading.xml", lambda d: re.sub(
        rb"<definitions>.*</definitions>", b"<definitions>\n</definitions>", d, flags=re.S)),
    "activity link without frameworkidnumber": lambda b: ("competencies.xml", lambda d: re.sub(
        rb"<frameworkidnumber>[^<]*</frameworkidnumber>", b"", d, count=1)),
    "course link without ruleoutcome": lambda b: ("../../course/competencies.xml", lambda d: re.sub(
        rb"<ruleoutcome>[^<]*</ruleoutcome>", b"", d, count=1)),
}


@pytest.mark.parametrize("trap", list(RUBRIC_TRAPS))
def test_verifier_catches_rubric_and_competency_traps(built, trap):
    from test_moodle_backup import mutate, repack
    data = built["moodle/demo.mbz"]
    b = open_backup(data)
    assert verify_mbz(data) == []
    name, fn = RUBRIC_TRAPS[trap](b)
    path = "course/competencies.xml" if name.startswith("../") else f"{_assign_dir(b)}/{name}"
    assert verify_mbz(repack(b, mutate(b, path, fn))), f"verifier missed: {trap}"


def test_coverage_command_writes_its_three_files_all_or_none(make_repo, monkeypatch):
    """A full disk while writing the report: the previous index.html, coverage.json and coverage.csv stay
    together (never a new JSON beside an old HTML), no temporary file is left, and the error says why."""
    import errno
    from click.testing import CliRunner
    from builder.cli import main
    from builder.util import atomic
    from compdata import ESSAY_PATH
    root = make_repo(comp_files())
    runner = CliRunner()
    assert runner.invoke(main, ["--root", str(root), "coverage"]).exit_code == 0
    folder = root / "build/coverage"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    (root / ESSAY_PATH).unlink()                         # the evidence changes: all three files would change
    calls = []
    real = atomic._fill

    def full_on_second(fd, name, data):
        calls.append(name)
        if len(calls) == 2:
            os.close(fd)
            raise OSError(errno.ENOSPC, "No space left on device")
        real(fd, name, data)

    monkeypatch.setattr(atomic, "_fill", full_on_second)
    r = runner.invoke(main, ["--root", str(root), "coverage"])
    assert "CP901" in r.output and "disk is full" in r.output and "Traceback" not in r.output
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    monkeypatch.setattr(atomic, "_fill", real)
    assert runner.invoke(main, ["--root", str(root), "coverage"]).exit_code == 0
    after = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert sorted(after) == sorted(before) and all(after[k] != before[k] for k in after)


_JSON_LEAVES = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
                         st.text())
_JSON = st.recursive(_JSON_LEAVES, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4),
    st.dictionaries(st.integers(), inner, max_size=2)), max_leaves=30)


@settings(max_examples=400, deadline=None)
@given(_JSON)
def test_coverage_json_is_written_as_the_standard_library_writes_it(value):
    """coverage.json is encoded by our own indenting encoder (twice as fast); every character must be
    what json.dumps(indent=2, ensure_ascii=False) gives, or reviewers' diffs of the report would churn."""
    from builder.report.coverage import _dumps
    assert _dumps(value) == json.dumps(value, indent=2, ensure_ascii=False)
