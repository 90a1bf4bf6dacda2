"""A tiny LMS for the browser tests: a page that hosts scorm-again and opens a package in a frame.

The package is served over http://127.0.0.1 (a frame on file:// cannot reach its parent's API).
Every value the package sets is logged; the runtime's data can be saved and loaded again, which
is what an LMS does between a learner leaving and coming back.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
import zipfile
from pathlib import Path

HOST_HTML = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Test LMS</title>
<script src="runtime/{bundle}"></script>
<script>
  window.LOG = [];
  var settings = {{autocommit: false, logLevel: 5, lmsCommitUrl: false}};
  var resume = sessionStorage.getItem("resume");   // what the LMS kept from the last session
  var api = new {klass}(settings);
  if (resume) {{ api.loadFromJSON(JSON.parse(resume)); }}
  api.on("{set}.cmi.*", function (k, v) {{ window.LOG.push([k, String(v)]); }});
  api.on("{finish}", function () {{ window.FINISHED = true; }});
  window.{apiname} = api;
  window.cmi = function () {{ return JSON.parse(JSON.stringify(api.cmi)); }};
</script></head>
<body><iframe id="sco" title="course" src="pkg/index.html" style="width:1200px;height:900px;border:0"></iframe></body></html>
"""

RUNTIMES = {
    "scorm12": dict(bundle="scorm12.js", klass="Scorm12API", apiname="API", set="LMSSetValue", finish="LMSFinish"),
    "scorm2004": dict(bundle="scorm2004.js", klass="Scorm2004API", apiname="API_1484_11", set="SetValue",
                      finish="Terminate"),
}


class Host:
    def __init__(self, folder: Path, package: bytes, version: str, runtime_dist: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(__import__("io").BytesIO(package)) as zf:
            zf.extractall(folder / "pkg")
        (folder / "runtime").mkdir(exist_ok=True)
        shutil.copy(runtime_dist / RUNTIMES[version]["bundle"], folder / "runtime")
        (folder / "host.html").write_text(HOST_HTML.format(**RUNTIMES[version]), encoding="utf-8")
        handler = functools.partial(_Quiet, directory=str(folder))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/host.html"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep test output clean
        pass


# JavaScript run inside the package's frame: answer the quiz on screen right (or wrong), from the
# course data the player holds. It fills the form the way a learner would (clicks and typing).
ANSWER_JS = """(right) => {
  const P = window.coursepackPlayer, C = P.course;
  const page = C.pages[P.current()];
  const qi = page.quiz, quiz = C.quizzes[qi];
  const attempt = Math.min(P.state.quiz[qi].attempts, 34);
  const picks = P.drawn(qi, attempt);
  const best = (list) => list.reduce((b, a, i) => (a.f > list[b].f ? i : b), 0);
  const worst = (list) => list.reduce((b, a, i) => (a.f < list[b].f ? i : b), 0);
  const textOf = (a) => String(a.t).replace(/\\*/g, "x");
  const set = (el, v) => { el.value = v; el.dispatchEvent(new Event("input", {bubbles: true})); el.dispatchEvent(new Event("change", {bubbles: true})); };
  quiz.slots.forEach((slot, si) => {
    const q = slot.pool[picks[si]], fs = document.getElementById("cp-q" + si);
    if (q.type === "multichoice" || q.type === "truefalse") {
      const inputs = fs.querySelectorAll(".cp-options input");
      if (q.type === "multichoice" && !q.single) {
        q.answers.forEach((a, i) => { if ((a.f > 0) === right) inputs[i].click(); });
      } else {
        inputs[right ? best(q.answers) : worst(q.answers)].click();
      }
    } else if (q.type === "shortanswer" || q.type === "numerical") {
      const a = q.answers.find((x) => x.f >= 1 && x.t !== "*") || q.answers[0];
      set(fs.querySelector(".cp-field input"), right ? textOf(a) : "zzz-not-it");
    } else if (q.type === "matching") {
      fs.querySelectorAll(".cp-match select").forEach((s, i) => set(s, String(right ? q.right[i] : (q.right[i] + 1) % q.options.length)));
    } else if (q.type === "ddwtos" || q.type === "gapselect") {
      fs.querySelectorAll(".cp-qtext select").forEach((s, i) => {
        const want = q.gaps[i] - 1;
        const other = [...s.options].map((o) => o.value).find((v) => v !== "" && Number(v) !== want);
        set(s, String(right ? want : other));
      });
    } else if (q.type === "cloze") {
      fs.querySelectorAll(".cp-qtext [data-gap]").forEach((span) => {
        const part = q.parts[Number(span.getAttribute("data-gap")) - 1], el = span.querySelector("select, input");
        if (part.kind === "multichoice") set(el, String(right ? best(part.answers) : worst(part.answers)));
        else set(el, right ? textOf(part.answers.find((x) => x.f >= 1) || part.answers[0]) : "zzz");
      });
    }
  });
  return quiz.slots.length;
}"""
