"""`coursepack preview`: the courses as a local website that follows your edits.

Serves, on 127.0.0.1 only, each course's SCORM player (pages, quizzes you can try, each essay's
rubric) and the coverage report, built in memory from the sources. A watcher rebuilds when a source
changes; pages ask for the build's version every second and reload when it moves. When the sources
have errors, every address shows them (file, line, column, fix) until they are fixed.
Nothing is written to disk.
"""

from __future__ import annotations

import html
import http.server
import mimetypes
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

from . import codes
from .build import check_project
from .competency.coverage import build_report
from .diagnostics import Diagnostics
from .formats.scorm.package import package_entries
from .report import coverage as coverage_report

WATCHED = ("courses", "units", "rubrics", "frameworks", "questions", "sources.yaml", "language.yaml")
RELOAD_JS = b"""(function () {
  var seen = null;
  function poll() {
    fetch("/__coursepack/version", {cache: "no-store"}).then(function (r) { return r.text(); }).then(function (v) {
      if (seen === null) seen = v; else if (v !== seen) location.reload();
    }).catch(function () {}).then(function () { setTimeout(poll, 700); });
  }
  poll();
})();
"""
_STYLE = ("body{font:1rem/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d2430}"
          "li{margin:.5rem 0}code{background:#f3f5f8;padding:0 .2rem}.e{color:#b3261e}.w{color:#8a5a00}"
          ".hint{color:#5a6473;margin-left:1rem}")


class Site:
    """The current build, replaced whole on every rebuild (readers never see half of one)."""

    def __init__(self, root: Path, only: list[str] | None = None):
        self.root = root
        self.only = only
        self.version = 0
        self.files: dict[str, bytes] = {}
        self.problems: list = []
        self.lock = threading.Lock()

    def rebuild(self) -> None:
        diags = Diagnostics(root=self.root)
        files: dict[str, bytes] = {}
        try:
            project = check_project(self.root, diags, self.only)
            if not diags.has_errors():
                for course in project.courses:
                    for name, data in package_entries(course, "scorm2004").items():
                        files[f"{course.id}/{name}"] = data
                if project.frameworks:
                    for name, data in coverage_report.outputs(build_report(project)).items():
                        files[f"coverage/{name}"] = data
                files["index.html"] = _index(project)
        except Exception as exc:  # keep serving: the page says what happened
            diags.add(codes.INTERNAL_ERROR, f"preview build failed: {type(exc).__name__}: {exc}")
        with self.lock:
            self.problems = diags.sorted() if diags.has_errors() else []
            self.files = files
            self.version += 1

    def get(self, path: str) -> tuple[int, str, bytes]:
        with self.lock:
            if path == "/__coursepack/version":
                return 200, "text/plain", str(self.version).encode()
            if path == "/__coursepack/reload.js":
                return 200, "text/javascript", RELOAD_JS
            if self.problems:
                return 200, "text/html; charset=utf-8", _problems_page(self.problems)
            key = path.lstrip("/") or "index.html"
            if key.endswith("/"):
                key += "index.html"
            data = self.files.get(key)
        if data is None:
            return 404, "text/html; charset=utf-8", _page("Not found", f"<p>No page at <code>{html.escape(path)}"
                                                                       "</code>. <a href='/'>All courses</a></p>")
        kind = mimetypes.guess_type(key)[0] or "application/octet-stream"
        if kind == "text/html":
            data = data.replace(b"</body>", b'<script src="/__coursepack/reload.js"></script></body>', 1)
            kind += "; charset=utf-8"
        return 200, kind, data


def _page(title: str, body: str) -> bytes:
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><meta name='viewport' "
            f"content='width=device-width, initial-scale=1'><title>{html.escape(title)}</title>"
            f"<style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>{body}"
            f"<script src='/__coursepack/reload.js'></script></body></html>").encode("utf-8")


def _index(project) -> bytes:
    items = "".join(f"<li><a href='/{c.id}/index.html'>{html.escape(c.title)}</a> ({c.hours:g} h, "
                    f"{len(c.units)} units)</li>" for c in project.courses)
    cov = "<p><a href='/coverage/index.html'>Competency coverage report</a></p>" if project.frameworks else ""
    return _page("Course preview", f"<p>Each course as learners will see it in the SCORM player: pages, quizzes "
                                   f"you can try, and how each essay is marked. This page follows your edits.</p>"
                                   f"<ul>{items}</ul>{cov}")


def _problems_page(problems) -> bytes:
    rows = []
    for d in problems:
        where = d.path + (f":{d.line}" if d.line else "") + (f":{d.col}" if d.col else "")
        cls = "e" if d.severity.value == "error" else "w"
        rows.append(f"<li><code>{html.escape(where)}</code> <strong class='{cls}'>{d.code.id}</strong> "
                    f"{html.escape(d.message)}<div class='hint'>{html.escape(d.hint or '')}</div></li>")
    n = sum(1 for d in problems if d.severity.value == "error")
    return _page("The sources have problems", f"<p>{n} error{'s' if n != 1 else ''} to fix before the preview can "
                                              f"show the courses. This page reloads when you save a fix.</p>"
                                              f"<ol id='problems'>{''.join(rows)}</ol>")


def _handler(site: Site):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            status, kind, data = site.get(unquote(urlsplit(self.path).path))
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:
            pass

    return Handler


def watch(site: Site, stop: threading.Event, on_change=None) -> None:
    """Rebuild after every change to a source (a burst of saves gives one rebuild)."""
    import watchfiles
    paths = [str(site.root / p) for p in WATCHED if (site.root / p).exists()]
    for _changes in watchfiles.watch(*paths, stop_event=stop, debounce=300, step=100, raise_interrupt=False):
        site.rebuild()
        if on_change:
            on_change(site)


def serve(root: Path, only: list[str] | None, port: int, on_ready=None, on_change=None) -> None:
    site = Site(root, only)
    t0 = time.perf_counter()
    site.rebuild()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), _handler(site))
    stop = threading.Event()
    watcher = threading.Thread(target=watch, args=(site, stop, on_change), daemon=True)
    watcher.start()
    if on_ready:
        on_ready(site, f"http://127.0.0.1:{server.server_address[1]}/", time.perf_counter() - t0)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.server_close()
