"""A suite of broken quizzes: each gets one clear diagnostic with file and line, never a traceback."""

from __future__ import annotations

import pytest

from conftest import assert_cli_build_fails_cleanly, assert_one_diagnostic, run_check

Q = "courses/demo/units/first/03-quiz.md"
BANK = "courses/demo/questions/bank.md"

HEAD = "---\ntype: quiz\npass: 70%\n{extra}---\n# Quiz\n\n"   # the first question heading is on line 7
GOOD = "## Q1 {#q1}\n\nPick one.\n\n- [x] A\n- [ ] B\n"       # lines 7-12; answers start on line 11
BANK_OK = "## B1 {#b1}\n\nOne.\n\n- [x] A\n- [ ] B\n\n## B2 {#b2}\n\nTwo.\n\n- [x] A\n- [ ] B\n"


def quiz(body: str = GOOD, extra: str = "") -> str:
    return HEAD.format(extra=extra) + body


# (id, files, code, file, line, words in the message)
CASES = [
    ("no-right-answer", {Q: quiz("## Q1\n\nPick.\n\n- [ ] A\n- [ ] B\n")}, "CP302", Q, 11, "no right answer"),
    ("no-full-marks", {Q: quiz("## Q1\n\nPick.\n\n- [50%] A\n- [ ] B\n")}, "CP303", Q, 11, "full marks"),
    ("multi-not-100", {Q: quiz("## Q1\nsingle: false\n\nPick.\n\n- [50%] A\n- [25%] B\n- [ ] C\n")},
     "CP303", Q, 12, "75%"),
    ("bad-fraction", {Q: quiz("## Q1\n\nPick.\n\n- [x] A\n- [45%] B\n")}, "CP304", Q, 12, "45%"),
    ("unknown-type", {Q: quiz("## Q1\ntype: multichoise\n\nPick.\n\n- [x] A\n- [ ] B\n")}, "CP301", Q, 8,
     "did you mean 'multichoice'"),
    ("duplicate-id", {Q: quiz(GOOD + "\n## Again {#q1}\n\nPick.\n\n- [x] A\n- [ ] B\n")}, "CP305", Q, 14, "q1"),
    ("cloze-empty", {Q: quiz("## C\ntype: cloze\n\nThe answer is {1:SHORTANSWER:}.\n")}, "CP306", Q, 10,
     "no answers"),
    ("cloze-unknown-type", {Q: quiz("## C\ntype: cloze\n\nSay {1:SHORTANWSER:=hope}.\n")}, "CP306", Q, 10,
     "SHORTANWSER"),
    ("cloze-unclosed", {Q: quiz("## C\ntype: cloze\n\nSay\n{1:SHORTANSWER:=hope\n")}, "CP306", Q, 11, "never closed"),
    ("cloze-no-right", {Q: quiz("## C\ntype: cloze\n\nSay {1:MULTICHOICE:a~b}.\n")}, "CP302", Q, 10,
     "no right answer"),
    ("matching-one-pair", {Q: quiz("## M\ntype: matching\n\nMatch.\n\n- A => a\n- => b\n")}, "CP307", Q, 12,
     "1 pair"),
    ("random-too-large", {Q: quiz(GOOD, "random: [{category: bank, count: 3}]\n"), BANK: BANK_OK}, "CP308", Q, 4,
     "3 random questions"),
    ("unknown-question", {Q: quiz(GOOD, "questions: [b11]\n"), BANK: BANK_OK}, "CP309", Q, 4, "did you mean 'b1'"),
    ("unknown-category", {Q: quiz(GOOD, "random: [{category: banks}]\n"), BANK: BANK_OK}, "CP310", Q, 4, "banks"),
    ("no-answers", {Q: quiz("## Q1\n\nJust text.\n")}, "CP311", Q, 7, "no answers"),
    ("truefalse-both-right", {Q: quiz("## T\n\nSay.\n\n- [x] True\n- [x] False\n")}, "CP311", Q, 11, "exactly one"),
    ("no-gaps", {Q: quiz("## D\ntype: ddwtos\n\nNo gaps here.\n\n- [ ] x\n")}, "CP312", Q, 10, "no gaps"),
    ("bad-group", {Q: quiz("## D\ntype: ddwtos\n\nA [[gap|9]].\n")}, "CP312", Q, 10, "1 to 8"),
    ("empty-quiz", {Q: quiz("")}, "CP313", Q, None, "no questions"),
    ("bad-number", {Q: quiz("## N\ntype: numerical\n\nHow many?\n\n- [x] 4,730\n")}, "CP314", Q, 12, "4,730"),
    ("setting-wrong-type", {Q: quiz("## Q1\ncase_sensitive: true\n\nPick.\n\n- [x] A\n- [ ] B\n")}, "CP315", Q, 8,
     "shortanswer"),
    ("pass-above-max", {Q: quiz(GOOD).replace("pass: 70%", "pass: 5")}, "CP316", Q, 3, "above the maximum"),
    ("empty-question", {Q: quiz("## Q1\ntype: essay\n")}, "CP317", Q, 7, "no text"),
    ("used-twice", {Q: quiz(GOOD, "questions: [q1]\n")}, "CP318", Q, 4, "already in this quiz"),
    ("unknown-section", {Q: quiz(GOOD + "\n### Feedbak\nWell done.\n")}, "CP319", Q, 14, "did you mean 'Feedback'"),
    ("image", {Q: quiz("## Q1\n\nLook ![a block](images/block.png).\n\n- [x] A\n- [ ] B\n")}, "CP320", Q, 9,
     "images"),
    ("script", {Q: quiz("## Q1\n\nPick <script>x()</script> one.\n\n- [x] A\n- [ ] B\n")}, "CP205", Q, 9, "script"),
    ("quiz-typo", {Q: quiz(GOOD, "behavior: interactive\n")}, "CP102", Q, 4, "did you mean 'behaviour'"),
    ("completion-pass-without-pass", {Q: quiz(GOOD).replace("pass: 70%\n", "completion: pass\n")}, "CP103", Q, 3,
     "pass"),
    ("question-source", {Q: quiz("## Q1\nsources: [nope]\n\nPick.\n\n- [x] A\n- [ ] B\n")}, "CP111", Q, 8, "nope"),
    ("bank-text-first", {Q: quiz(GOOD), BANK: "Some text.\n\n" + BANK_OK}, "CP211", BANK, 1, "before the first"),
]


@pytest.fixture(params=CASES, ids=[c[0] for c in CASES])
def case(request):
    return request.param


def test_one_clear_diagnostic(make_repo, case):
    _id, files, code, path, line, words = case
    assert_one_diagnostic(make_repo(files), code, path, line, words)


def test_cli_reports_it_without_traceback(make_repo, case):
    _id, files, code, *_ = case
    assert_cli_build_fails_cleanly(make_repo(files), code, "--format", "moodle")


def test_every_quiz_problem_in_one_run(make_repo):
    body = ("## A\n\nPick.\n\n- [ ] A\n- [ ] B\n\n## B\ntype: cloze\n\nSay {1:SA:}.\n\n"
            "## C\ntype: matching\n\nMatch.\n\n- A => a\n\n## D\ntype: numerical\n\nN?\n\n- [x] four\n")
    got = run_check(make_repo({Q: quiz(body, "questions: [zzz]\n")})).sorted()
    assert [d.code.id for d in got] == ["CP309", "CP302", "CP306", "CP307", "CP314"]
