"""Synthetic curricula of any size, for the benchmark (and for anyone load-testing coursepack).

    .venv/bin/python bench/gen.py OUT --courses 50 [--units 5 --pages 8 --questions 20 --images 2]

Each course gets `units` units; each unit `pages` content pages (headings, lists, a table, an
admonition, bold text, links to the next page, `images` PNG/SVG images per unit), a quiz of
`questions` questions cycling through every type (multichoice single and multiple, truefalse,
shortanswer, numerical, matching, ddwtos, gapselect, cloze, essay, description) and a reflective essay
graded by the course's rubric; pages, questions and rubric criteria link competencies of a synthetic
framework. The text is deterministic (seeded), so the same arguments give the same tree. The result
passes `coursepack check --strict`.

Sizes used by `make bench`: small is the repository's own curriculum; medium is
--courses 50 (2,500 pages counting quizzes and essays, 5,000 questions, 500 images); large is
--courses 500.
"""

from __future__ import annotations

import argparse
import random
import struct
import sys
import zlib
from pathlib import Path

WORDS = ("peer support recovery hope listening experience relationship values mutual choice community "
         "strengths reflection safety boundaries team learning together journey wellbeing trust practice "
         "conversation respect equality service people purpose sharing connection growth support role").split()
SIZES = {"medium": 50, "large": 500}


def png(w: int, h: int, seed: int) -> bytes:
    raw = b"".join(b"\x00" + bytes([(seed * 37 + x) % 256, (y * 11) % 256, 128]) * 1 * w for y in range(h)
                   for x in [0])

    def chunk(t: bytes, d: bytes) -> bytes:
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def svg(seed: int) -> bytes:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="320" height="120" viewBox="0 0 320 120">'
            f'<rect width="320" height="120" fill="#e3eefa"/><circle cx="{40 + seed % 240}" cy="60" r="30" '
            f'fill="#0f6cbf"/><text x="10" y="110" font-size="14">Figure {seed}</text></svg>').encode()


class Text:
    def __init__(self, seed: int):
        self.r = random.Random(seed)

    def sentence(self, n: int = 12) -> str:
        words = [self.r.choice(WORDS) for _ in range(n)]
        return words[0].capitalize() + " " + " ".join(words[1:]) + "."

    def paragraph(self, n: int = 5) -> str:
        return " ".join(self.sentence(self.r.randint(8, 16)) for _ in range(n))


FRAMEWORK = """\
id: synth-fw
idnumber: SYNTH-FW
shortname: Synthetic framework
name: A synthetic competency framework for benchmarks
description: Generated for load tests.
publisher: coursepack benchmark
year: 2026
provenance:
  source: bench/gen.py
  url: https://example.org/synthetic
scale:
  values: [Not yet competent, Competent]
  default: Competent
  proficient: [Competent]
taxonomies: [domain, competency, indicator]
domains:
{domains}"""


def framework(n_domains: int = 4, per: int = 5) -> str:
    out = []
    for d in range(1, n_domains + 1):
        out.append(f"  - id: SYNTH-FW.D{d}\n    number: \"{d}\"\n    name: Domain {d}\n    competencies:")
        for c in range(1, per + 1):
            out.append(f"      - id: SYNTH-FW.{d}.{c}\n        number: \"{d}.{c}\"\n        name: Competency {d}.{c}")
    return FRAMEWORK.format(domains="\n".join(out) + "\n")


def rubric(cid: str) -> str:
    crit = []
    for i in range(1, 4):
        crit.append(f"""  - id: criterion-{i}
    description: Criterion {i} of the {cid} reflection.
    competencies: [SYNTH-FW.{i}.{i}]
    levels:
      - {{score: 0, definition: Not yet shown}}
      - {{score: 1, definition: Beginning}}
      - {{score: 2, definition: Clear}}
      - {{score: 3, definition: Thoughtful and well linked}}""")
    return f"name: Reflection rubric for {cid}\ndescription: Generated.\ncriteria:\n" + "\n".join(crit) + "\n"


def question(i: int, uid: str, t: Text) -> str:
    kinds = ("mc", "multi", "tf", "sa", "num", "match", "dd", "gs", "cloze", "mc2", "essay", "desc")
    k = kinds[i % len(kinds)]
    qid = f"{uid}-q{i}"
    comp = f"SYNTH-FW.{i % 4 + 1}.{i % 5 + 1}"
    head = f"## Question {i} {{#{qid}}}\n"
    links = f"competencies: [{comp}]\n"
    if k in ("mc", "mc2"):
        return (head + "type: multichoice\n" + links + f"\n{t.sentence()} Which is right?\n\n"
                "- [x] The right answer\n  > Yes.\n- [ ] A wrong answer\n  > Not quite.\n- [ ] Another wrong answer\n"
                "  > Not quite.\n\n### Hint\nThink again.\n\n### Feedback\n" + t.sentence() + "\n\n")
    if k == "multi":
        return (head + "type: multichoice\n" + links + f"\n{t.sentence()} Choose two.\n\n"
                "- [x] First right\n- [x] Second right\n- [ ] Wrong\n- [ ] Also wrong\n\n")
    if k == "tf":
        return head + "type: truefalse\n" + links + f"\n{t.sentence()}\n\n- [x] True\n- [ ] False\n\n"
    if k == "sa":
        return head + "type: shortanswer\n" + links + "\nWhich word names the value?\n\n- [x] mutuality\n- [ ] *\n\n"
    if k == "num":
        return head + "type: numerical\n" + links + "\nHow many values are there?\n\n- [x] 8\n- [ ] *\n\n"
    if k == "match":
        return (head + "type: matching\n" + links + "\nMatch each word.\n\n- Hope => Things can get better\n"
                "- Control => Choices stay with the person\n- Opportunity => A life beyond services\n\n")
    if k == "dd":
        return (head + "type: ddwtos\n" + links + "\nPeer support is [[hope]] and [[choice]].\n\n"
                "- hope\n- choice\n- fixing\n\n")
    if k == "gs":
        return (head + "type: gapselect\n" + links + "\nPeer support is [[mutual]] and [[equal]].\n\n"
                "- mutual\n- equal\n- one-way\n\n")
    if k == "cloze":
        return (head + "type: cloze\n" + links + "\nRecovery is about {1:MULTICHOICE:=hope#Yes~fear#No} and "
                "{1:SHORTANSWER:=control#Yes~*#No}.\n\n")
    if k == "essay":
        return head + "type: essay\n" + links + f"\n{t.sentence()} Write a short answer.\n\n"
    return head + "type: description\n\n" + t.paragraph(2) + "\n\n"


def generate(out: Path, courses: int, units: int = 5, pages: int = 8, questions: int = 20, images: int = 2,
             seed: int = 1) -> dict[str, int]:
    out.mkdir(parents=True, exist_ok=True)
    (out / "sources.yaml").write_text("synthetic:\n  title: A synthetic source\n  publisher: coursepack\n"
                                      "  seed: 000_b233357f37d4781b.txt\n  lines: 1-9999\n", encoding="utf-8")
    (out / "frameworks").mkdir(exist_ok=True)
    (out / "frameworks" / "synth-fw.yaml").write_text(framework(), encoding="utf-8")
    (out / "rubrics").mkdir(exist_ok=True)
    counts = {"courses": courses, "pages": 0, "questions": 0, "images": 0}
    for c in range(1, courses + 1):
        cid = f"course-{c:04d}"
        cdir = out / "courses" / cid
        (out / "rubrics" / f"{cid}.yaml").write_text(rubric(cid), encoding="utf-8")
        uids = [f"unit-{u:02d}" for u in range(1, units + 1)]
        (cdir / "units").mkdir(parents=True, exist_ok=True)
        (cdir / "course.yaml").write_text(
            f"title: Synthetic course {c}\nshortname: SYN-{c:04d}\nsummary: |\n  A generated course.\n"
            f"hours: {units}\naudience: Benchmarks\nframework: synth-fw\nstart_date: 2027-01-04\n"
            f"mastery_score: 70%\nunits:\n" + "".join(f"  - {u}\n" for u in uids), encoding="utf-8")
        for ui, uid in enumerate(uids):
            t = Text(seed * 1_000_003 + c * 1009 + ui)
            udir = cdir / "units" / uid
            (udir / "images").mkdir(parents=True, exist_ok=True)
            (udir / "unit.md").write_text(
                f"---\ntitle: Unit {ui + 1} of course {c}\nhours: 1\nsummary: {t.sentence()}\noutcomes:\n"
                f"  - {t.sentence(8)}\n  - {t.sentence(8)}\nsources:\n  - ref: synthetic\n    lines: \"1-20\"\n---\n",
                encoding="utf-8")
            for im in range(images):
                name = f"figure-{im}.png" if im % 2 == 0 else f"figure-{im}.svg"
                data = png(16 + im, 12, c + ui + im) if name.endswith(".png") else svg(c + ui + im)
                (udir / "images" / name).write_bytes(data)
                counts["images"] += 1
            for p in range(1, pages + 1):
                img = (f"\n![Figure {p} of unit {ui + 1}, a small diagram](images/figure-{(p - 1) % images}."
                       f"{'png' if ((p - 1) % images) % 2 == 0 else 'svg'})\n" if images and p <= images else "")
                nxt = f" Continue with [the next page]({p + 1:02d}-page-{p + 1}.md)." if p < pages else ""
                body = (f"---\ncompetencies: [SYNTH-FW.{p % 4 + 1}.{p % 5 + 1}]\n---\n# Page {p} of unit {ui + 1}\n\n"
                        f"{t.paragraph()}{nxt}\n\n## What to notice\n\n- {t.sentence(6)}\n- {t.sentence(6)}\n"
                        f"- **{t.r.choice(WORDS)}** {t.sentence(5)}\n{img}\n| Idea | Example |\n|:--|:--|\n"
                        f"| {t.r.choice(WORDS)} | {t.sentence(6)} |\n| {t.r.choice(WORDS)} | {t.sentence(6)} |\n\n"
                        f"!!! example \"Activity\"\n    {t.sentence()}\n\n{t.paragraph(4)}\n")
                (udir / f"{p:02d}-page-{p}.md").write_text(body, encoding="utf-8")
                counts["pages"] += 1
            quiz = ("---\ntype: quiz\ntitle: Check unit " + str(ui + 1) + "\npass: 70%\ncompletion: pass\n---\n"
                    + "".join(question(i, f"c{c}-{uid}", t) for i in range(questions)))
            (udir / f"{pages + 1:02d}-quiz.md").write_text(quiz, encoding="utf-8")
            (udir / f"{pages + 2:02d}-essay.md").write_text(
                f"---\ntype: essay\ntitle: Reflection on unit {ui + 1}\nrubric: {cid}\nword_limit: 400\n"
                f"due: {7 * (ui + 1)} days\n---\n{t.paragraph(2)}\n", encoding="utf-8")
            counts["pages"] += 2
            counts["questions"] += questions
    return counts


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--courses", type=int, default=SIZES["medium"])
    ap.add_argument("--units", type=int, default=5)
    ap.add_argument("--pages", type=int, default=8)
    ap.add_argument("--questions", type=int, default=20)
    ap.add_argument("--images", type=int, default=2)
    args = ap.parse_args()
    if args.out.exists() and any(args.out.iterdir()):
        sys.exit(f"{args.out} is not empty")
    print(generate(args.out, args.courses, args.units, args.pages, args.questions, args.images))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
