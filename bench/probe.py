"""Probe: does any shape of hostile text make `coursepack check` take time growing faster than its length?

    make probe                    (.venv/bin/python bench/probe.py [--jobs N] [--kinds page quiz ...])

Regular expressions and parsers can take time growing with the square of their input, or worse, on text
made of one piece repeated (unclosed brackets, openers without closers, long runs of spaces). A few such
pages in a large curriculum could hold a build for hours. This script writes each piece repeated n and
4n times into each kind of source file of a small repository (tests/test_hostile_input.py's, one file of
every kind), checks it (worker processes, one case at a time each), and compares: a linear cost gives
4x the extra time, a quadratic one 16x. It prints every case whose extra time at 4n is over half a second and grew by more
than 8x, or that ran past the time limit, and exits 1 if there is one.

Markdown parsing is stopped after 10 s anyway (CP213), so a slow shape in Markdown shows here as
"stopped": still worth knowing, because each such text costs a build those 10 s. Everything else (YAML,
front matter, the question parser, the language check, the heading scan) has no such limit, and is what
this probe is for. A script, not a test: it takes minutes and its verdicts are about time, which a test
suite on a shared machine cannot hold steadily.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from test_hostile_input import make, place  # noqa: E402

# one piece each: openers without closers, markers of every syntax coursepack or Python-Markdown reads
PIECES = [
    "[", "](", "![", "[^", "[x]", "- [ ] ", "<", "<a ", "</", "<!--", "-->", "<?", "<![CDATA[", "&", "&#", "`",
    "``", "*", "**a", "_", "__a", "\\", "{", "{:", "{#", "{: .", "}", "{1:", "{1:MC:", "~", "=", "|", "| a ",
    "> ", ">", "- ", "* ", "1. ", "#", "# ", "## ", "!!! ", "*[", "]:", ":", ": ", "---", "~~~", "```", "$$",
    "'", '"', "“", "%", "@", "http://", "a@b", "\t", " ", "  ", "\u00a0", "\u200b", "é",
]
# how a piece is repeated: on one line, one a line, and with words between
SHAPES = {
    "run": lambda p, n: p * n,
    "lines": lambda p, n: (p + "\n") * n,
    "words": lambda p, n: (p + "a b ") * n,
}
KINDS = ["page", "quiz", "quiz-feedback", "bank-feedback", "course", "unit", "rubric-criterion", "framework"]
LIMIT = 60.0          # seconds for one check; past it the case is reported as such


class _Limit(BaseException):
    pass


def _on_alarm(signum, frame):
    raise _Limit()


def check_seconds(root: Path) -> tuple[float | None, bool]:
    """Seconds `coursepack check --no-cache` takes on ``root`` (in this process; None past LIMIT), and
    whether the Markdown time limit stopped a text (CP213)."""
    from builder.build import check
    from builder.diagnostics import Diagnostics
    from builder.render.html import clear_markdown_cache
    clear_markdown_cache()
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, LIMIT)
    t0 = time.perf_counter()
    diags = Diagnostics(root=root)
    try:
        check(root, diags, jobs=1)
    except _Limit:
        return None, False
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return time.perf_counter() - t0, any("still being rendered" in d.message for d in diags.items)


def case(args) -> tuple[float | None, float | None, bool]:
    """(seconds at n, seconds at 4n, stopped by the Markdown limit) for one kind, shape and piece."""
    tmp, kind, shape, piece, n = args
    times, stopped = [], False
    for reps in (n, 4 * n):
        folder = Path(tempfile.mkdtemp(dir=tmp))
        try:
            path, text, _ = place(kind, SHAPES[shape](piece, reps))
            seconds, cut = check_seconds(make(folder, {path: text}))
            times.append(seconds)
            stopped = stopped or cut
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return times[0], times[1], stopped


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kinds", nargs="+", choices=KINDS, default=KINDS)
    ap.add_argument("--shapes", nargs="+", choices=list(SHAPES), default=list(SHAPES))
    ap.add_argument("--pieces", nargs="+", default=PIECES)
    ap.add_argument("-n", type=int, default=2500, help="repetitions of the smaller size (the larger is 4x)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="coursepack-probe-"))
    started = time.perf_counter()
    try:
        clean = make(Path(tempfile.mkdtemp(dir=tmp)), {})
        base = min(check_seconds(clean)[0] or LIMIT for _ in range(3))
        cases = [(k, s, p) for k in args.kinds for s in args.shapes for p in args.pieces]
        bad = []
        with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
            results = pool.imap(case, [(tmp, k, s, p, args.n) for k, s, p in cases])
            for i, ((k, s, p), (small, large, stopped)) in enumerate(zip(cases, results), 1):
                if i % 100 == 0:
                    print(f"{i} of {len(cases)} cases, {time.perf_counter() - started:.0f} s", file=sys.stderr,
                          flush=True)
                if small is None or large is None:
                    size = args.n if small is None else 4 * args.n
                    bad.append(f"{k:16} {s:6} {p!r:14} over {LIMIT:.0f} s at n={size}")
                    continue
                extra_small, extra_large = max(small - base, 1e-3), large - base
                growth = extra_large / extra_small
                if extra_large > 0.5 and growth > 8:
                    bad.append(f"{k:16} {s:6} {p!r:14} {extra_small:6.2f} s -> {extra_large:6.2f} s "
                               f"({growth:.0f}x for 4x the text)"
                               + ("; stopped by the Markdown time limit (CP213)" if stopped else ""))
        print(f"{len(cases)} cases ({len(args.kinds)} kinds x {len(args.shapes)} shapes x {len(args.pieces)} "
              f"pieces) at n={args.n} and {4 * args.n}, in {time.perf_counter() - started:.0f} s; "
              f"a check of the repository alone: {base:.2f} s")
        print("\n".join(bad) if bad else "no case grew faster than its text")
        return 1 if bad else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
