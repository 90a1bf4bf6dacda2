"""Benchmark: how long a build takes, against a baseline measured in the same run.

    make bench            (or: .venv/bin/python bench/run.py [--repeat N])

For the repository's own curriculum it measures

* check: load, validate and render every course;
* build: check plus packaging into every Moodle target, in memory;
* baseline: writing the very same output bytes into the same archives with no
  compiling at all (the floor a build cannot go below).

and prints wall times (best of N), peak memory, and each figure as a ratio to
the baseline, because ratios survive a change of machine and absolute seconds
do not.
"""

from __future__ import annotations

import argparse
import platform
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from builder.build import check_project, produce  # noqa: E402
from builder.render.html import markdown_to_html  # noqa: E402
from builder.diagnostics import Diagnostics  # noqa: E402
from builder.formats.moodle.verify import open_backup  # noqa: E402
from builder.util.archive import tar_gz  # noqa: E402


def best(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        markdown_to_html.cache_clear()          # every run is cold: no rendering carried over
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--root", type=Path, default=ROOT)
    args = ap.parse_args()

    def do_check():
        d = Diagnostics(root=args.root)
        p = check_project(args.root, d)
        if d.has_errors():
            raise SystemExit("the sources have errors; run `coursepack check`")
        return p

    def do_build():
        return produce(do_check(), ("moodle",), "all")

    t_check, project = best(do_check, args.repeat)
    t_build, outputs = best(do_build, args.repeat)
    entries = [open_backup(o.data).entries for o in outputs if o.path.suffix == ".mbz"]

    def baseline():
        return [tar_gz(e) for e in entries]

    t_base, _ = best(baseline, args.repeat)
    pages = sum(len(c.pages()) for c in project.courses)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size = sum(len(o.data) for o in outputs)
    print(f"machine: {platform.machine()}, {platform.system()} {platform.release()}, "
          f"Python {platform.python_version()}")
    print(f"input: {len(project.courses)} course(s), {pages} pages; output: {len(outputs)} files "
          f"({len(entries)} backups), {size:,} bytes")
    print()
    print(f"{'step':<10} {'best of ' + str(args.repeat):>12} {'x baseline':>11} {'per page':>10}")
    for name, t in (("baseline", t_base), ("check", t_check), ("build", t_build)):
        print(f"{name:<10} {t * 1000:>10.1f} ms {t / t_base:>10.1f}x {t / max(pages, 1) * 1000:>8.2f} ms")
    print(f"\npeak memory (RSS): {peak_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
