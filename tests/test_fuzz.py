"""Property-based robustness: random and mutated sources give a clean build or diagnostics, never a crash.

Hypothesis mutates the files of a small but complete course (course.yaml, a unit, pages, a quiz with
several question types, a framework, a rubric, an essay): inserting, deleting, duplicating and replacing
text, including control characters, odd Unicode, YAML and Markdown syntax. For each mutation `check` and
`build` (all formats) must finish; a traceback or an internal-error diagnostic (CP999) fails the test.
Cases that once failed are kept in tests/fuzz_corpus/ and replayed every run.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis", reason="hypothesis is not installed (pip install -e '.[test]')")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from compdata import comp_files  # noqa: E402
from conftest import minimal_files, write_tree  # noqa: E402
from builder.build import build  # noqa: E402
from builder.diagnostics import Diagnostics  # noqa: E402

CORPUS = Path(__file__).parent / "fuzz_corpus"
FILES = {k: v for k, v in (minimal_files() | comp_files()).items() if isinstance(v, str) and v is not None}
NAMES = sorted(FILES)

SNIPPETS = ["\n", "---\n", ": ", "- ", "[x] ", "{", "}", "[[1]]", "{1:SHORTANSWER:=a}", "#", "## ", "![x](", ")",
            "<script>", "&amp;", "\x00", "\x1b", "\ufeff", "\u202e", "é", "𝔘", "  ", "\t", "*", "`", "```\n",
            "!!! note\n", "=> ", "type: cloze\n", "type: matching\n", "competencies: [", "lines: \"9-1\"", "'",
            '"', "&x;", "<!DOCTYPE x [<!ENTITY a \"b\">]>", "../../", "javascript:", "99999999999999999999"]

mutation = st.tuples(
    st.sampled_from(NAMES),
    st.sampled_from(["insert", "delete", "duplicate", "replace", "truncate"]),
    st.floats(0, 1),
    st.floats(0, 1),
    st.one_of(st.sampled_from(SNIPPETS), st.text(max_size=12)),
)


def apply(files: dict[str, str], muts) -> dict[str, str]:
    files = dict(files)
    for name, op, a, b, text in muts:
        s = files[name]
        i = int(a * len(s))
        j = min(len(s), i + 1 + int(b * 40))
        if op == "insert":
            s = s[:i] + text + s[i:]
        elif op == "delete":
            s = s[:i] + s[j:]
        elif op == "duplicate":
            s = s[:j] + s[i:j] + s[j:]
        elif op == "replace":
            s = s[:i] + text + s[j:]
        else:
            s = s[:i]
        files[name] = s
    return files


def run_case(tmp: Path, muts) -> None:
    files = apply(FILES, muts)
    root = write_tree(tmp, {**{k: v for k, v in minimal_files().items() if not isinstance(v, str)}, **files})
    diags = Diagnostics(root=root)
    try:
        build(root, tmp / "out", diags)
    except Exception as exc:    # the property: never a crash
        _keep(muts)
        raise AssertionError(f"crash on {muts!r}: {exc!r}") from exc
    internal = [d.format_text() for d in diags.sorted() if d.code.id == "CP999"]
    if internal:
        _keep(muts)
    assert not internal, internal


def _keep(muts) -> None:
    CORPUS.mkdir(exist_ok=True)
    text = json.dumps([list(m) for m in muts], ensure_ascii=False)
    (CORPUS / f"case-{abs(hash(text)) % 10**10:010d}.json").write_text(text + "\n", encoding="utf-8")


# CI runs a fixed set (quick, reproducible); COURSEPACK_FUZZ=N runs N fresh random cases for a longer hunt.
_HUNT = int(os.environ.get("COURSEPACK_FUZZ", "0"))


@settings(max_examples=_HUNT or 60, deadline=None, derandomize=not _HUNT, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(mutation, min_size=1, max_size=4))
def test_mutated_sources_never_crash(tmp_path_factory, muts):
    run_case(tmp_path_factory.mktemp("fuzz"), muts)


@pytest.mark.parametrize("case", sorted(CORPUS.glob("*.json")) if CORPUS.is_dir() else [], ids=lambda p: p.stem)
def test_corpus_cases_stay_fixed(tmp_path, case):
    run_case(tmp_path, [tuple(m) for m in json.loads(case.read_text(encoding="utf-8"))])
