"""Broken frameworks, rubrics, essays and competency links: each gets one clear diagnostic, never a traceback."""

from __future__ import annotations

import pytest

from compdata import ESSAY, ESSAY_PATH, FRAMEWORK, FRAMEWORK_PATH, QUIZ, QUIZ_PATH, RUBRIC, RUBRIC_PATH, comp_files
from conftest import COURSE_YAML, assert_cli_build_fails_cleanly, assert_one_diagnostic, run_check

PAGE = "courses/demo/units/first/01-hello.md"
COURSE = "courses/demo/course.yaml"
OTHER_FW = FRAMEWORK.replace("id: demo-fw", "id: other-fw").replace("DEMO-FW", "OTHER-FW")


def sub(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


# (id, overrides, code, file, line, words in the message)
CASES = [
    ("unknown-in-question", {QUIZ_PATH: sub(QUIZ, '["2.1"]', '["2.11"]')}, "CP401", QUIZ_PATH, 15,
     "unknown competency '2.11': it is not in 'demo-fw' or any other framework; did you mean '2.1'?"),
    ("unknown-in-page", {PAGE: '---\ncompetencies: ["1.9"]\n---\n# Hello page\n\nText.\n'}, "CP401", PAGE, 2,
     "'1.9'"),
    ("unknown-in-rubric", {RUBRIC_PATH: sub(RUBRIC, "[DEMO-FW.1.2]", "[DEMO-FW.1.20]")}, "CP401", RUBRIC_PATH, 6,
     "did you mean 'DEMO-FW.1.2'"),
    ("unknown-full-id-in-essay", {ESSAY_PATH: sub(ESSAY, "pass: 50%", "pass: 50%\ncompetencies: [DEMO-FW.9.9]")},
     "CP401", ESSAY_PATH, 10, "DEMO-FW.9.9"),
    ("domain-link", {QUIZ_PATH: sub(QUIZ, "[DEMO-FW.1.1]", "[DEMO-FW.D1]")}, "CP402", QUIZ_PATH, 7, "domain"),
    ("out-of-scope-link", {QUIZ_PATH: sub(QUIZ, "[DEMO-FW.1.1]", "[DEMO-FW.3.1]")}, "CP402", QUIZ_PATH, 7,
     "assessed: false"),
    ("levels-out-of-order", {RUBRIC_PATH: sub(RUBRIC, "{score: 4, definition: Clear and well linked}",
                                              "{score: 1, definition: Clear and well linked}")},
     "CP403", RUBRIC_PATH, 10, "level 3 scores 1"),
    ("levels-equal", {RUBRIC_PATH: sub(RUBRIC, "{score: 3, definition: Shares with care}",
                                       "{score: 0, definition: Shares with care}")},
     "CP403", RUBRIC_PATH, 16, "criterion 'safe'"),
    ("duplicate-criterion-id", {RUBRIC_PATH: sub(RUBRIC, "id: safe", "id: listen")}, "CP404", RUBRIC_PATH, 11,
     "same id as criterion 1"),
    ("duplicate-criterion-text", {RUBRIC_PATH: sub(RUBRIC, "Shares safely.", "shows how listening helped.")},
     "CP404", RUBRIC_PATH, 12, "same description"),
    ("missing-rubric", {ESSAY_PATH: sub(ESSAY, "rubric: demo-rubric", "rubric: demo-rubrik")}, "CP405", ESSAY_PATH,
     5, "known: demo-rubric"),
    ("due-without-start", {COURSE: COURSE_YAML.replace("units:", "framework: demo-fw\nunits:")}, "CP407",
     ESSAY_PATH, 8, "no start_date"),
    ("framework-id-mismatch", {FRAMEWORK_PATH: sub(FRAMEWORK, "id: demo-fw", "id: demo-framework")}, "CP406",
     FRAMEWORK_PATH, 1, "does not match the file name"),
    ("numeric-competency-id", {FRAMEWORK_PATH: sub(FRAMEWORK, "id: DEMO-FW.2.1\n", "id: \"2.1\"\n"),
                               QUIZ_PATH: sub(QUIZ, '["2.1"]', "[DEMO-FW.1.1]").replace(
                                   "competencies: [DEMO-FW.1.1]\n\nIs", "competencies: []\n\nIs")},
     "CP406", FRAMEWORK_PATH, 32, "looks like a number"),
    ("duplicate-competency-id", {FRAMEWORK_PATH: sub(FRAMEWORK, "id: DEMO-FW.2.3.b", "id: DEMO-FW.2.3.a")},
     "CP406", FRAMEWORK_PATH, 43, "used twice"),
    ("name-too-long", {FRAMEWORK_PATH: sub(FRAMEWORK, "name: Listens well", "name: " + "Listens " * 14)},
     "CP406", FRAMEWORK_PATH, 34, "100"),
    ("framework-unknown-key", {FRAMEWORK_PATH: sub(FRAMEWORK, "year: 2024", "yaer: 2024")},
     "CP102", FRAMEWORK_PATH, 7, "did you mean 'year'"),
    ("out-of-scope-without-reason", {FRAMEWORK_PATH: sub(FRAMEWORK, "    reason: These apply to employers, "
                                                                    "not learners.\n", "")},
     "CP104", FRAMEWORK_PATH, 44, "reason"),
    ("scale-default-unknown", {FRAMEWORK_PATH: sub(FRAMEWORK, "default: Competent", "default: Proficient")},
     "CP104", FRAMEWORK_PATH, 12, "default 'Proficient'"),
    ("rubric-one-level", {RUBRIC_PATH: sub(RUBRIC, "      - {score: 3, definition: Shares with care}\n", "")},
     "CP104", RUBRIC_PATH, 15, "at least 2"),
    ("essay-unknown-key", {ESSAY_PATH: sub(ESSAY, "word_limit: 300", "wordlimit: 300")}, "CP102", ESSAY_PATH, 6,
     "did you mean 'word_limit'"),
    ("essay-bad-due", {ESSAY_PATH: sub(ESSAY, "due: 2 weeks", "due: a fortnight")}, "CP104", ESSAY_PATH, 8,
     "'7 days'"),
    ("essay-pass-above-top", {ESSAY_PATH: sub(ESSAY, "pass: 50%", "pass: 9")}, "CP316", ESSAY_PATH, 9,
     "above the rubric's top score 7"),
    ("other-framework", {"frameworks/other-fw.yaml": OTHER_FW,
                         QUIZ_PATH: sub(QUIZ, "[DEMO-FW.1.1]", "[OTHER-FW.1.1]")}, "CP409", QUIZ_PATH, 7,
     "not the course's 'demo-fw'"),
    ("duplicate-link", {QUIZ_PATH: sub(QUIZ, "[DEMO-FW.1.1]", '[DEMO-FW.1.1, "1.1"]')}, "CP410", QUIZ_PATH, 7,
     "listed twice"),
]


@pytest.fixture(params=CASES, ids=[c[0] for c in CASES])
def case(request):
    return request.param


def test_one_clear_diagnostic(make_repo, case):
    _id, over, code, path, line, words = case
    assert_one_diagnostic(make_repo(comp_files() | over), code, path, line, words)


def test_cli_reports_it_without_traceback(make_repo, case):
    _id, over, code, *_ = case
    assert_cli_build_fails_cleanly(make_repo(comp_files() | over), code, "--strict")


def test_every_problem_in_one_run(make_repo):
    over = {
        QUIZ_PATH: sub(sub(QUIZ, '["2.1"]', '["2.11"]'), "[DEMO-FW.1.1]", "[DEMO-FW.D1]"),
        RUBRIC_PATH: sub(sub(RUBRIC, "id: safe", "id: listen"), "{score: 4, definition: Clear and well linked}",
                         "{score: 1, definition: Clear and well linked}"),
        ESSAY_PATH: sub(ESSAY, "due: 2 weeks\n", ""),
        "courses/demo/units/first/05-essay.md": sub(ESSAY, "rubric: demo-rubric", "rubric: nope"),
    }
    got = run_check(make_repo(comp_files() | over)).sorted()
    assert [(d.code.id, d.path.rsplit("/", 1)[-1], d.line) for d in got] == [
        ("CP402", "03-quiz.md", 7), ("CP401", "03-quiz.md", 15), ("CP405", "05-essay.md", 5),
        ("CP403", "demo-rubric.yaml", 10), ("CP404", "demo-rubric.yaml", 11)]


def test_a_broken_framework_does_not_cascade(make_repo):
    """A framework that fails to load is reported once; links to it are not also 'unknown'."""
    root = make_repo(comp_files() | {FRAMEWORK_PATH: sub(FRAMEWORK, "publisher: Test publisher\n", "")})
    got = run_check(root).sorted()
    assert [(d.code.id, d.path) for d in got] == [("CP103", FRAMEWORK_PATH)]
