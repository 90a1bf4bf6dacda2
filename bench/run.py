"""Benchmark: how long a build takes, against a baseline measured in the same run.

    make bench                        small (this repository's curriculum) and medium
    .venv/bin/python bench/run.py --size small medium large [--repeat N] [--markdown]

For each size it measures, cold (no build cache, the process's Markdown memo cleared before every run):

* check: `coursepack check` (every course loaded, validated, rendered and language-checked);
* default build: `coursepack build --no-cache` as it comes: every format, the backup for Moodle 5.x,
  with its own baseline;
* build: `coursepack build --moodle all --no-cache`: check plus packaging into every format (Moodle
  4.1/4.5/5.0, question XML, framework CSV, SCORM 1.2 and 2004, coverage report), written to disk,
  with the default worker processes; "1 process" is the same with --jobs 1;
* one unit edited: a paragraph appended to one page, then the build again with its cache (the
  repository's own sources are edited in a temporary copy);
* baseline: writing the very same output bytes into the same archives (tar.gz, zip) with no
  compiling at all: the floor a build cannot go below;

and prints wall times (best of N), each as a ratio to that baseline (ratios survive a change of
machine, seconds do not), time per page and per question, and the whole command as a user runs it
(`python -m builder build`, one run) with its peak memory: the largest process of it, the command or
one of its workers, measured before the benchmark itself holds any outputs. Synthetic sizes come from
bench/gen.py into build/bench/.
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from builder.build import build, check  # noqa: E402
from builder.diagnostics import Diagnostics  # noqa: E402
from builder.formats.moodle.verify import open_backup  # noqa: E402
from builder.render.html import clear_markdown_cache  # noqa: E402
from builder.util.archive import tar_gz, zip_bytes  # noqa: E402

SIZES = {"small": None, "medium": 50, "large": 500}


def best(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        clear_markdown_cache()                  # every run is cold: no rendering carried over
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def _entries(data: bytes, suffix: str):
    if suffix == ".mbz":
        return "tar", open_backup(data).entries
    if suffix == ".zip":
        z = zipfile.ZipFile(io.BytesIO(data))
        return "zip", {n: z.read(n) for n in z.namelist()}
    return "raw", data


def _edit_one_unit(root: Path) -> tuple[Path, str]:
    """Append a paragraph to the first page of the middle course's first unit; returns (file, old text)."""
    courses = sorted(p for p in (root / "courses").iterdir() if p.is_dir())
    units = sorted(p for p in (courses[len(courses) // 2] / "units").iterdir() if p.is_dir())
    page = sorted(p for p in units[0].glob("0*.md"))[0]
    old = page.read_text(encoding="utf-8")
    page.write_text(old + "\nA paragraph added by the benchmark, with *emphasis* and a [link](https://example.org).\n",
                    encoding="utf-8")
    return page, old


def measure(root: Path, repeat: int) -> dict:
    t_cli, rss_cli = cli_cold(root)      # first: the command's own peak memory, before this process holds anything
    tmp = Path(tempfile.mkdtemp(prefix="coursepack-bench-"))
    if root == ROOT:             # the repository's own sources are edited in a copy, never in place
        for name in ("courses", "units", "rubrics", "frameworks", "questions", "sources.yaml", "language.yaml"):
            src = ROOT / name
            if src.is_dir():
                shutil.copytree(src, tmp / "src" / name)
            elif src.is_file():
                (tmp / "src").mkdir(exist_ok=True)
                shutil.copy2(src, tmp / "src" / name)
        root = tmp / "src"

    def do_check():
        d = Diagnostics(root=root)
        run = check(root, d)
        if d.has_errors():
            raise SystemExit(f"the sources in {root} have errors; run `coursepack check`")
        return run

    def do_build(jobs=None, cache=False, out=None, moodle="all"):
        out = out or tmp / "out"
        if not cache:
            shutil.rmtree(out, ignore_errors=True)
        d = Diagnostics(root=root)
        res = build(root, out, d, moodle=moodle, cache=cache, jobs=jobs)
        if d.has_errors():
            raise SystemExit(f"the build of {root} failed")
        return res

    t_check, run = best(do_check, repeat)
    t_build, res = best(do_build, repeat)
    t_serial, _ = best(lambda: do_build(jobs=1), repeat)
    outputs = res.outputs
    parts = [_entries(o.data, o.path.suffix) for o in outputs]

    def baseline():
        return [tar_gz(e) if k == "tar" else zip_bytes(e) if k == "zip" else bytes(e) for k, e in parts]

    t_base, _ = best(baseline, repeat)
    # the default build: every format, the backup for Moodle 5.x only (what `coursepack build` makes)
    t_default, res_default = best(lambda: do_build(moodle="5.0"), repeat)
    parts_default = [_entries(o.data, o.path.suffix) for o in res_default.outputs]
    t_base_default, _ = best(lambda: [tar_gz(e) if k == "tar" else zip_bytes(e) if k == "zip" else bytes(e)
                                      for k, e in parts_default], repeat)

    # one unit edited: a cached build first (not timed), then the edit, then the rebuild (timed)
    cached = tmp / "cached"
    do_build(cache=True, out=cached)
    rebuilds = []
    for i in range(repeat):
        page, old = _edit_one_unit(root)
        try:
            clear_markdown_cache()              # as in a new process: only the build cache can help
            t0 = time.perf_counter()
            again = do_build(cache=True, out=cached)
            rebuilds.append(time.perf_counter() - t0)
            assert len(again.run.fresh) == 1, "one course rebuilt"
        finally:
            page.write_text(old, encoding="utf-8")
        do_build(cache=True, out=cached)        # back to the unedited state for the next round
    rechecks = []
    check(root, Diagnostics(root=root), cache_dir=tmp / "checkcache")      # fills check's cache (not timed)
    for i in range(repeat):
        page, old = _edit_one_unit(root)
        try:
            clear_markdown_cache()
            t0 = time.perf_counter()
            run = check(root, Diagnostics(root=root), cache_dir=tmp / "checkcache")
            rechecks.append(time.perf_counter() - t0)
            assert len(run.fresh) == 1, "one course checked again"
        finally:
            page.write_text(old, encoding="utf-8")
        check(root, Diagnostics(root=root), cache_dir=tmp / "checkcache")
    shutil.rmtree(tmp, ignore_errors=True)
    pages = sum(r.pages for r in res.run.results)
    questions = sum(r.questions for r in res.run.results)
    return {"courses": len(res.run.results), "pages": pages, "questions": questions, "files": len(outputs),
            "bytes": sum(len(o.data) for o in outputs), "baseline": t_base, "check": t_check, "build": t_build,
            "serial": t_serial, "default": t_default, "baseline_default": t_base_default, "rebuild": min(rebuilds), "recheck": min(rechecks), "workers": res.run.workers, "rss_mb": rss_cli, "cli": t_cli}


def cli_cold(root: Path) -> tuple[float, float]:
    """The whole command as a user runs it (interpreter start and imports included, no cache): wall time and
    the peak RSS of the largest process of it (the command or one of its workers), in MB."""
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "builder", "--root", str(root), "build", "--out", out, "--moodle",
                        "all", "--no-cache", "-q"], check=True, cwd=ROOT)
        wall = time.perf_counter() - t0
    return wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def prepare(size: str) -> Path:
    if SIZES[size] is None:
        return ROOT
    from gen import generate
    root = ROOT / "build" / "bench" / size
    stamp = root / ".complete"
    if not stamp.is_file():
        import shutil
        shutil.rmtree(root, ignore_errors=True)
        t0 = time.perf_counter()
        counts = generate(root, SIZES[size])
        stamp.write_text(json.dumps(counts))
        print(f"generated {size}: {counts} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return root


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", nargs="+", choices=list(SIZES), default=["small", "medium"])
    ap.add_argument("--repeat", type=int, default=None, help="runs per step (default: 5 small, 2 medium, 1 large)")
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown (for bench/RESULTS.md)")
    ap.add_argument("--child", type=Path, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child is not None:
        print(json.dumps(measure(args.child, args.repeat or 1)))
        return 0
    sys.path.insert(0, str(Path(__file__).parent))
    rows = {}
    for size in args.size:
        root = prepare(size)
        repeat = args.repeat or {"small": 5, "medium": 2, "large": 1}[size]
        out = subprocess.run([sys.executable, __file__, "--child", str(root), "--repeat", str(repeat)],
                             capture_output=True, text=True)
        if out.returncode != 0:
            print(out.stderr, file=sys.stderr)
            return 1
        rows[size] = json.loads(out.stdout.strip().splitlines()[-1]) | {"repeat": repeat}
    print(f"machine: {platform.machine()}, {platform.system()} {platform.release()}, Python "
          f"{platform.python_version()}, {__import__('os').cpu_count()} CPUs")
    head = ["size", "courses", "pages", "questions", "check", "default build", "x", "build (all formats)",
            "1 process", "baseline", "check x", "build x", "build, one unit edited", "of cold", "check, one unit edited", "per page",
            "per question", "whole command", "peak RSS"]
    lines = []
    for size, r in rows.items():
        lines.append([size, str(r["courses"]), f"{r['pages']:,}", f"{r['questions']:,}", f"{r['check']:.2f} s",
                      f"{r['default']:.2f} s", f"{r['default'] / r['baseline_default']:.1f}x",
                      f"{r['build']:.2f} s ({r['workers']} proc)", f"{r['serial']:.2f} s", f"{r['baseline']:.2f} s",
                      f"{r['check'] / r['baseline']:.1f}x", f"{r['build'] / r['baseline']:.1f}x",
                      f"{r['rebuild']:.2f} s", f"{r['rebuild'] / r['build']:.0%}", f"{r['recheck']:.2f} s",
                      f"{r['build'] / max(r['pages'], 1) * 1000:.2f} ms",
                      f"{r['build'] / max(r['questions'], 1) * 1000:.2f} ms", f"{r['cli']:.2f} s",
                      f"{r['rss_mb']:.0f} MB"])
    if "medium" in rows and "large" in rows:
        print(f"large / medium build time: {rows['large']['build'] / rows['medium']['build']:.1f}x "
              f"for {rows['large']['pages'] / rows['medium']['pages']:.0f}x the pages")
    if args.markdown:
        print("| " + " | ".join(head) + " |\n|" + "---|" * len(head))
        for ln in lines:
            print("| " + " | ".join(ln) + " |")
    else:
        widths = [max(len(h), *(len(ln[i]) for ln in lines)) for i, h in enumerate(head)]
        print("  ".join(h.rjust(w) for h, w in zip(head, widths)))
        for ln in lines:
            print("  ".join(c.rjust(w) for c, w in zip(ln, widths)))
    print("default build = coursepack build --no-cache (every format, the Moodle 5.x backup), x = to its own "
          "baseline; build (all formats) = --moodle all (backups for 4.1, 4.5 and 5.x)")
    print("best of N cold runs (N: " + ", ".join(f"{s} {r['repeat']}" for s, r in rows.items()) + "); "
          "x = ratio to the baseline of the same size in the same run; per page/question = build time divided; "
          "one unit edited = rebuild with the build cache after appending a paragraph to one page")
    print("whole command = python -m builder build --moodle all --no-cache, interpreter start and imports "
          "included (one run); peak RSS = its largest process (the command or a worker)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
