"""The language check (CP601-CP605): the repository's word list run over course text."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from builder.cli import main
from builder.diagnostics import Diagnostics
from builder.lint import language
from builder.load.project import load_bibliography
from conftest import COURSE_YAML, REPO, SOURCES_YAML, UNIT_FIRST, UNIT_SECOND, run_check

LANG = (REPO / "language.yaml").read_text(encoding="utf-8")
SOURCES = (REPO / "sources.yaml").read_text(encoding="utf-8") + "\n" + SOURCES_YAML   # real ids + the tests' doc-a

C = "courses/demo/course.yaml"
U1 = "courses/demo/units/first/unit.md"
P1 = "courses/demo/units/first/01-hello.md"
P2 = "courses/demo/units/first/02-table.md"
U2 = "courses/demo/units/second.md"
QUIZ = "courses/demo/units/first/03-quiz.md"
RUBRIC = "rubrics/demo.yaml"


def real_list():
    d = Diagnostics(root=REPO)
    wl = language.load_list(REPO, load_bibliography(REPO, d), d)
    assert wl is not None and not d.items, [x.format_text() for x in d.items]
    return wl


@pytest.fixture
def repo(make_repo):
    """make_repo with the real word list and bibliography."""
    def _make(overrides: dict | None = None):
        return make_repo({"language.yaml": LANG, "sources.yaml": SOURCES, **(overrides or {})})
    return _make


def lang(root, only=None) -> list:
    return [d for d in run_check(root, only).sorted() if d.code.id.startswith("CP6")]


def others(root) -> list:
    return [d.format_text() for d in run_check(root).sorted() if not d.code.id.startswith("CP6")]


def page(*paragraphs: str, title: str = "Hello page") -> str:
    return f"# {title}\n\n" + "\n\n".join(paragraphs) + "\n"


def pos(text: str, line_no: int, needle: str) -> tuple[int, int]:
    """(line, column) of ``needle`` on 1-based line ``line_no`` of ``text``."""
    line = text.split("\n")[line_no - 1]
    assert needle in line, (needle, line)
    return line_no, line.index(needle) + 1


# --------------------------------------------------------------------------
# the real list

SAMPLES = {  # entry id -> (a sentence using it as the seeds advise against, the term as flagged)
    "patient": ("The patients on the ward were offered a group.", "patients"),
    "diagnosis-as-identity": ("He was described as a schizophrenic by the team.", "a schizophrenic"),
    "fixing": ("Our job is to fix people who are struggling.", "fix people"),
    "just-a-psw": ("She felt she was just a peer support worker in meetings.", "just a peer support worker"),
    "cheap-alternative": ("Some saw the role as a cheap alternative to nurses.", "cheap alternative"),
    "too-fragile": ("Managers worried that peers were too fragile for the job.", "too fragile"),
    "directive": ("You should try going for a walk every day.", "You should"),
    "expert": ("The old model treated people as non-experts.", "non-experts"),
    "buddy": ("Think of your peer worker as a buddy.", "buddy"),
    "recovered": ("Once someone has recovered, support ends.", "recovered"),
    "compliance": ("The aim of the visits was medication adherence.", "medication adherence"),
    "symptoms": ("The review focused on her symptoms.", "symptoms"),
    "aggressive": ("Staff described him as aggressive.", "aggressive"),
    "us-and-them": ("There was a feeling of us and them on the ward.", "us and them"),
    "anti-psychiatry": ("Some feared peers would be anti-psychiatry.", "anti-psychiatry"),
    "symptom-free": ("Applicants had to be symptom-free for a year.", "symptom-free"),
    "mental-illness": ("People living with mental illness face stigma.", "mental illness"),
}


def test_the_list_loads_cleanly_into_one_pattern():
    wl = real_list()
    assert len(wl.entries) == len(SAMPLES) == 17
    assert isinstance(wl.pattern.pattern, str)          # one regular expression for the whole list
    for e in wl.entries:
        assert e.prefer and e.reason and e.sources and e.cite
        assert e.cite.split(",")[0] in (REPO / "sources.yaml").read_text()


def test_every_entry_is_flagged_with_its_preferred_phrasing(repo):
    wl = real_list()
    assert set(SAMPLES) == {e.id for e in wl.entries}, "give each entry of language.yaml a sample sentence"
    text = page(*(s for s, _ in SAMPLES.values()))
    got = lang(repo({P1: text}))
    assert len(got) == len(SAMPLES), "\n".join(d.format_text() for d in got)
    by_id = {e.id: e for e in wl.entries}
    for d, (eid, (sentence, term)) in zip(got, SAMPLES.items()):
        entry = by_id[eid]
        line = text.split("\n").index(sentence) + 1
        assert (d.path, d.line, d.col) == (P1, line, sentence.index(term) + 1), d.format_text()
        assert d.code.id == ("CP601" if entry.severity.value == "warning" else "CP602")
        assert d.message.startswith(f'"{term}": ')
        for p in entry.prefer:
            assert f'"{p}"' in d.message
        assert f"({entry.cite})" in d.message
        assert entry.reason in d.hint and entry.id in d.hint


def test_every_form_of_the_list_is_found(repo):
    wl = real_list()
    literals = sorted(wl.literal)
    text = page(*(f"Notes from the meeting: {lit} was mentioned." for lit in literals))
    got = lang(repo({P1: text}))
    assert [d.line for d in got] == [3 + 2 * i for i in range(len(literals))], \
        "\n".join(d.format_text() for d in got)
    assert all(d.col == len("Notes from the meeting: ") + 1 for d in got)


def test_word_boundaries_and_false_positives(repo):
    text = page(
        "The fixture list is on the prefix page, and the fixer-upper needs a fix.",
        "Please be patient with yourself; being patient matters. She is very patient.",
        "We listened with patient attention. Impatient people patiently wait.",
        "Rethink Mental Illness published a review of its work.",
        "Each person is the expert in their own life, and experts by experience lead.",
        "They described a depressive episode and a psychotic experience.",
        "Peer workers are not a cheap alternative to professional staff.",
        "She is more than just a peer support worker, and not just a peer worker either.",
        "Please fix the printer. The presentation of the report was clear.",
        "Rather than fixing people, we learn together. Peers are not too fragile to work.",
        "The recovery journey is not linear; a patiently built relationship helps.",
    )
    assert lang(repo({P1: text})) == []


def test_quotes_blockquotes_code_urls_and_markup_are_exempt(repo):
    text = page(
        'He said "the patients are waiting" and left.',
        "She wrote \u201cpatients first\u201d on the board; ImROC writes \u2018patient\u2019 in quotes.",
        'A quote may run over a line: "the ward had many\npatients that week" she said.',
        "> Patients were seen quickly,\nand the patients said so (a lazy blockquote line).",
        "Use `patients` as the variable, or ``the `patients` list``.",
        "```\npatients in fenced code\n```",
        "See https://example.org/patients and [the review](https://example.org/patients \"patients\").",
        '<span title="patients">Hover</span> <abbr title="the patients">PTS</abbr>',
        "A heading id is not text either. {#patients-first}",
    )
    root = repo({P1: text})
    assert others(root) == []
    assert lang(root) == []


def test_an_unbalanced_quote_exempts_nothing(repo):
    text = page('He said "hello. The patients waited.')
    got = lang(repo({P1: text}))
    assert [(d.line, d.col) for d in got] == [pos(text, 3, "patients")]


def test_admonition_titles_are_checked(repo):
    text = page('!!! note "Patients first"\n    The patients come first.')
    got = lang(repo({P1: text}))
    assert [(d.line, d.col) for d in got] == [pos(text, 3, "Patients"), pos(text, 4, "patients")]


# --------------------------------------------------------------------------
# exact positions

def test_exact_position_in_a_page_with_front_matter(repo):
    text = "---\ntitle: A table page\ndescription: Notes on our patients\n---\nPlain text.\n\nThe list of patients is long.\n"
    got = lang(repo({P2: text}))
    assert [(d.path, d.line, d.col) for d in got] == [(P2, *pos(text, 3, "patients")), (P2, *pos(text, 7, "patients"))]
    assert got[0].message.startswith('"patients": prefer "person", "people using services" or "the people we support"')


def test_exact_position_in_course_and_unit_metadata(repo):
    course = COURSE_YAML.replace("  A small course for tests.\n", "  A small course for tests,\n  written for patients.\n")
    unit = UNIT_FIRST.replace("title: First unit", "title: First unit for patients").replace(
        "  - Describe the first thing", "  - Describe the first thing\n  - Explain what a buddy is")
    got = lang(repo({C: course, U1: unit}))
    assert [(d.path, d.line, d.col, d.code.id) for d in got] == [
        (C, *pos(course, 5, "patients"), "CP601"),
        (U1, *pos(unit, 2, "patients"), "CP601"),
        (U1, *pos(unit, 7, "buddy"), "CP602"),
    ]


QUIZ_TEXT = """\
---
type: quiz
title: Check your understanding
---
An introduction.

## Who decides? {#who}
tags: [patients]

Who decides what helps?

- [x] The person
  > Yes.
- [ ] Staff, for their patients
  > Not quite: the patients decide,
    and "patients" here is quoted.

### Hint
Think of the patients themselves.
"""


def test_exact_position_in_quiz_answers_feedback_and_hints(repo):
    got = lang(repo({QUIZ: QUIZ_TEXT}))
    assert [(d.path, d.line, d.col) for d in got] == [
        (QUIZ, *pos(QUIZ_TEXT, 14, "patients")),      # the answer
        (QUIZ, *pos(QUIZ_TEXT, 15, "patients")),      # its feedback (an indented '>' is feedback, not a quote)
        (QUIZ, *pos(QUIZ_TEXT, 19, "patients")),      # the hint; the settings line 'tags:' is not text
    ]


RUBRIC_TEXT = """\
name: Demo rubric
description: For markers.
criteria:
  - id: patients-first
    description: Treats people as more than patients.
    levels:
      - score: 0
        definition: "Not yet: speaks of \\"patients\\" in quotes only, then of patients."
      - score: 1
        definition: >-
          Clear: no labels,
          and no talk of the mentally ill.
"""


def test_exact_position_in_a_rubric(repo):
    got = lang(repo({RUBRIC: RUBRIC_TEXT}))
    assert others(repo({RUBRIC: RUBRIC_TEXT})) == []
    assert [(d.path, d.line, d.col) for d in got] == [
        (RUBRIC, *pos(RUBRIC_TEXT, 5, "patients")),
        (RUBRIC, 8, RUBRIC_TEXT.split("\n")[7].rindex("patients") + 1),
        (RUBRIC, *pos(RUBRIC_TEXT, 12, "the mentally ill")),
    ]
    assert "# coursepack: allow" in got[0].hint


# --------------------------------------------------------------------------
# allow lists

def test_course_allow_list_covers_the_whole_course(repo):
    root = repo({C: COURSE_YAML + "allow_terms: [patient]\n",
                 P1: page("The patients come first."), U2: UNIT_SECOND + "\nA patient spoke.\n"})
    assert lang(root) == []


def test_unit_allow_list_covers_its_pages_only(repo):
    unit = UNIT_FIRST.replace("---\n", "---\nallow_terms: [patients]\n", 1)
    root = repo({U1: unit, P1: page("The patients come first."), U2: UNIT_SECOND + "\nA patient spoke.\n"})
    assert [(d.path, d.code.id) for d in lang(root)] == [(U2, "CP601")]


def test_page_allow_list_covers_that_page_only(repo):
    p2 = "---\ntitle: A table page\nallow_terms: [patient, buddy]\n---\nThe patients and a buddy.\n"
    root = repo({P2: p2, P1: page("The patients come first.")})
    assert [(d.path, d.code.id) for d in lang(root)] == [(P1, "CP601")]


def test_inline_marker_covers_the_next_paragraph_only(repo):
    text = page("<!-- coursepack: allow patients (quoting a survey answer) -->\nThe patients said so.\nAll patients.",
                "Then the patients again.",
                "Same line: patients. <!-- coursepack: allow patient, buddy -->\nA buddy too.",
                "A buddy here.")
    got = lang(repo({P1: text}))
    assert [(d.line, d.col, d.code.id) for d in got] == [(*pos(text, 7, "patients"), "CP601"),
                                                         (*pos(text, 12, "buddy"), "CP602")]


def test_yaml_marker_covers_the_next_value(repo):
    rubric = RUBRIC_TEXT.replace("      - score: 0\n", "      - score: 0\n        # coursepack: allow patient\n")
    rubric = rubric.replace("        definition: >-\n", "        # coursepack: allow the mentally ill (as the seeds quote it)\n"
                            "        definition: >-\n")
    got = lang(repo({RUBRIC: rubric}))
    assert [(d.line, d.code.id) for d in got] == [(5, "CP601")]


def test_quiz_allow_marker_before_the_answers_leaves_the_question_intact(repo):
    quiz = QUIZ_TEXT.replace("- [x] The person", "<!-- coursepack: allow patients -->\n- [x] The person")
    root = repo({QUIZ: quiz})
    assert others(root) == []
    assert [d.line for d in lang(root)] == [20]                   # the hint, after the paragraph of answers


def test_stale_and_unknown_allow_entries(repo):
    course = COURSE_YAML + "allow_terms: [buddy, patinet]\n"
    text = page("<!-- coursepack: allow recovered -->\nNothing to allow here.", 'A "patient" in quotes.')
    root = repo({C: course, P1: text})
    got = lang(root)
    assert [(d.path, d.line, d.col, d.code.id) for d in got] == [
        (C, *pos(course, 10, "buddy"), "CP603"),
        (C, *pos(course, 10, "patinet"), "CP604"),
        (P1, 3, 1, "CP603"),
    ]
    assert "did you mean 'patient'" in got[1].message
    assert all(d.hint for d in got)


def test_allow_terms_is_a_known_key_everywhere(repo):
    quiz = QUIZ_TEXT.replace("type: quiz\n", "type: quiz\nallow_terms: [patient]\n")
    root = repo({C: COURSE_YAML + "allow_terms: [patient]\n", QUIZ: quiz,
                 "courses/demo/questions/bank.md": "---\nname: Bank\nallow_terms: [patient]\n---\n## Q {#q}\n\n"
                                                   "The patients?\n\n- [x] Yes\n- [ ] No\n"})
    assert others(root) == []
    assert lang(root) == []


# --------------------------------------------------------------------------
# severities and output formats

def _cli(root, *args):
    res = CliRunner().invoke(main, ["--root", str(root), "check", *args])
    assert "Traceback" not in res.output
    return res


def test_warnings_fail_strict_notes_never_do(repo):
    info_only = repo({P1: page("Think of your peer worker as a buddy.")})
    assert _cli(info_only, "--strict").exit_code == 0
    res = _cli(info_only, "--format", "json", "--strict")
    data = json.loads(res.output)
    assert data["notes"] == 1 and data["warnings"] == 0 and data["diagnostics"][0]["severity"] == "info"
    assert "::notice file=courses/demo/units/first/01-hello.md,line=3,col=32," in _cli(info_only, "--format", "github").output

    warned = repo({P1: page("The patients come first.")})
    assert _cli(warned).exit_code == 0
    res = _cli(warned, "--strict")
    assert res.exit_code == 1
    assert f"{P1}:3:5: CP601 error: \"patients\": prefer" in res.output


def test_no_list_no_check(make_repo):
    root = make_repo({P1: page("The patients come first.")})
    assert lang(root) == []


# --------------------------------------------------------------------------
# a malformed list

@pytest.mark.parametrize("broken, code, line, words", [
    ("terms:\n  - id: x\n    forms: [a\n", "CP101", 4, "yaml"),
    ("- just a list\n", "CP605", 1, "'terms:'"),
    ("terms: []\nextra: 1\n", "CP102", 2, "extra"),
    ("terms:\n  - id: x\n    forms: [zorblat]\n    prefer: [y]\n    reason: r\n    severity: warning\n",
     "CP103", 2, "sources"),
    ("terms:\n  - id: x\n    forms: [zorblat]\n    prefer: [y]\n    reason: r\n    severity: loud\n"
     "    sources: [imroc-values]\n", "CP104", 6, "severity"),
    ("terms:\n  - id: x\n    forms: [zorblat]\n    prefer: [y]\n    reason: r\n    severity: info\n"
     "    sources: [{ref: nowhere, lines: 3}]\n", "CP111", 7, "nowhere"),
    ("terms:\n  - id: x\n    forms: [zorblat]\n    prefer: [y]\n    reason: r\n    severity: info\n"
     "    sources:\n      - {ref: imroc-values, lines: 100-120}\n", "CP114", 8, "outside"),
    ("terms:\n  - id: x\n    forms: [zorblat, \"bad{a,b\"]\n    prefer: [y]\n    reason: r\n    severity: info\n"
     "    sources: [imroc-values]\n", "CP605", 3, "braces"),
    ("terms:\n  - id: x\n    forms: [zorblat]\n    prefer: [y]\n    reason: r\n    severity: info\n"
     "    sources: [imroc-values]\n  - id: z\n    forms:\n      - other\n      - Zorblat\n    prefer: [y]\n"
     "    reason: r\n    severity: info\n    sources: [imroc-values]\n", "CP605", 11, "already a form of 'x'"),
    ("terms:\n  - id: x\n    forms:\n      - {form: zorblat, unless_preceded_by: [\"a.b\"]}\n    prefer: [y]\n"
     "    reason: r\n    severity: info\n    sources: [imroc-values]\n", "CP605", 4, "context word"),
])
def test_a_malformed_list_is_a_diagnostic_with_file_and_line(repo, broken, code, line, words):
    root = repo({"language.yaml": broken})
    got = [d for d in run_check(root).sorted()]
    assert [(d.code.id, d.path, d.line) for d in got] == [(code, "language.yaml", line)], \
        "\n".join(d.format_text() for d in got)
    assert words.lower() in got[0].message.lower() and got[0].hint
    res = _cli(root)
    assert res.exit_code == 1 and code in res.output


def test_a_broken_entry_leaves_the_others_working(repo):
    broken = LANG.replace("      - {ref: imroc-values, lines: \"235\"}", "      - {ref: imroc-values, lines: \"2350\"}")
    got = run_check(repo({"language.yaml": broken, P1: page("The patients and a buddy.")})).sorted()
    assert [(d.path, d.code.id) for d in got] == [(P1, "CP601"), ("language.yaml", "CP114")]   # no note for 'buddy'


# --------------------------------------------------------------------------
# the repository itself

def test_the_repository_passes_strict_with_no_language_findings():
    d = run_check(REPO)
    assert [x.format_text() for x in d.sorted() if x.code.id.startswith("CP6")] == []
    res = CliRunner().invoke(main, ["--root", str(REPO), "check", "--strict", str(REPO / "courses" / "intro-to-peer-support")])
    assert res.exit_code == 0, res.output


def test_columns_stay_exact_after_special_characters(repo):
    text = page("İstanbul’s “ward” — and then patients.\tTabs and patients\u2019 rights.")
    got = lang(repo({P1: text}))
    assert [(d.line, d.col) for d in got] == [pos(text, 3, "patients"), (3, text.split("\n")[2].rindex("patients") + 1)]


def test_text_built_to_be_slow_is_checked_at_once(repo):
    """Unclosed comments and brace runs used to be searched again from every opener (a 2 MB page would
    have taken hours); the list is still applied around them."""
    import time
    text = page("<!--x " * 20_000, "a={" * 20_000, "The patients were waiting.")
    root = repo({P1: text})
    start = time.perf_counter()
    found = lang(root)
    assert time.perf_counter() - start < 20.0     # a hang guard, not a speed test
    assert [d.code.id for d in found] == ["CP601"] and "patients" in found[0].message
