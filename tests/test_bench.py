"""The benchmark's synthetic curriculum is a valid repository with the sizes it claims."""

from __future__ import annotations

import sys

from conftest import REPO, checked, run_build

sys.path.insert(0, str(REPO / "bench"))
from gen import generate  # noqa: E402


def test_a_generated_curriculum_is_valid_and_as_large_as_asked(tmp_path):
    counts = generate(tmp_path / "syn", courses=2, units=2, pages=3, questions=12, images=2)
    assert counts == {"courses": 2, "pages": 2 * 2 * (3 + 2), "questions": 2 * 2 * 12, "images": 8}
    diags, res = run_build(tmp_path / "syn", tmp_path / "out")
    assert not diags.has_errors(strict=True), [d.format_text() for d in diags.sorted()][:5]
    c = checked(tmp_path / "syn").courses[0]
    types = {q.qtype for cat in c.categories for q in cat.questions}
    assert types >= {"multichoice", "truefalse", "shortanswer", "numerical", "matching", "ddwtos", "gapselect",
                     "cloze", "essay", "description"}
    assert sum(len(p.rendered.assets) for p in c.pages() if p.rendered) >= 2
    assert (tmp_path / "out/scorm2004/course-0001.zip").is_file()
    again = generate(tmp_path / "syn2", courses=2, units=2, pages=3, questions=12, images=2)
    assert again == counts and (tmp_path / "syn/courses/course-0002/units/unit-02/02-page-2.md").read_bytes() == \
        (tmp_path / "syn2/courses/course-0002/units/unit-02/02-page-2.md").read_bytes()      # deterministic
