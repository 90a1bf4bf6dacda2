/* coursepack SCORM player: shows the course, scores its quizzes and reports to the LMS.
 *
 * One SCO for the whole course. Works with SCORM 1.2 (window.API) and SCORM 2004
 * (window.API_1484_11), found by walking the parent windows and then the opener's.
 * Without an LMS (a local preview) progress is kept in this browser's localStorage.
 * The course arrives as JSON in <script id="cp-course">; nothing is fetched.
 * The state format and its size limit are documented in builder/formats/scorm/data.py.
 */
(function () {
  "use strict";

  var C = JSON.parse(document.getElementById("cp-course").textContent);
  var V12 = C.version === "scorm12";
  var B36 = "0123456789abcdefghijklmnopqrstuvwxyz";
  var B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  var TEXT_CAP = { shortanswer: 60, numerical: 30, cloze: 30 };
  var errors = [];
  var started = Date.now();

  // ------------------------------------------------------------------ LMS API
  function findIn(win, name) {
    for (var i = 0; win && i < 500; i++) {
      try {
        if (win[name]) return win[name];
      } catch (e) { return null; }            // another origin: stop here
      if (!win.parent || win.parent === win) break;
      win = win.parent;
    }
    return null;
  }

  function discover() {
    var name = V12 ? "API" : "API_1484_11";
    var api = findIn(window, name);
    if (!api) {
      try { if (window.opener) api = findIn(window.opener, name); } catch (e) { api = null; }
    }
    return api;
  }

  var api = discover();
  var lms = {
    on: false,
    init: function () {
      if (!api) return false;
      var ok = V12 ? api.LMSInitialize("") : api.Initialize("");
      this.on = ok === true || ok === "true";
      if (!this.on) this.error("initialise");
      return this.on;
    },
    get: function (k) {
      if (!this.on) return "";
      var v = V12 ? api.LMSGetValue(k) : api.GetValue(k);
      return v === null || v === undefined ? "" : String(v);
    },
    set: function (k, v) {
      if (!this.on) return false;
      var ok = V12 ? api.LMSSetValue(k, String(v)) : api.SetValue(k, String(v));
      ok = ok === true || ok === "true";
      if (!ok) this.error("set " + k + "=" + String(v).slice(0, 40));
      return ok;
    },
    commit: function () {
      if (!this.on) return;
      var ok = V12 ? api.LMSCommit("") : api.Commit("");
      if (!(ok === true || ok === "true")) this.error("commit");
    },
    finish: function () {
      if (!this.on) return;
      this.on = false;
      V12 ? api.LMSFinish("") : api.Terminate("");
    },
    error: function (what) {
      var code = "";
      try { code = String(V12 ? api.LMSGetLastError() : api.GetLastError()); } catch (e) { code = "?"; }
      errors.push(what + " (error " + code + ")");
      if (window.console) console.warn("coursepack SCORM: " + what + " failed, error " + code);
    }
  };

  var K = V12 ? {
    location: "cmi.core.lesson_location", suspend: "cmi.suspend_data", entry: "cmi.core.entry",
    exit: "cmi.core.exit", time: "cmi.core.session_time", raw: "cmi.core.score.raw",
    min: "cmi.core.score.min", max: "cmi.core.score.max", ia: "cmi.interactions."
  } : {
    location: "cmi.location", suspend: "cmi.suspend_data", entry: "cmi.entry", exit: "cmi.exit",
    time: "cmi.session_time", raw: "cmi.score.raw", min: "cmi.score.min", max: "cmi.score.max",
    ia: "cmi.interactions."
  };

  var storeKey = "coursepack:" + C.id + ":" + C.version;
  var local = {
    read: function () {
      try { return JSON.parse(window.localStorage.getItem(storeKey) || "{}"); } catch (e) { return {}; }
    },
    write: function (loc, data) {
      try { window.localStorage.setItem(storeKey, JSON.stringify({ location: loc, suspend: data })); } catch (e) { /* private mode */ }
    }
  };

  // ------------------------------------------------------------------ state
  function b36(n, width) {
    var s = "";
    do { s = B36.charAt(n % 36) + s; n = Math.floor(n / 36); } while (n > 0);
    while (width && s.length < width) s = "0" + s;
    return s;
  }
  function b36width(n) { return b36(Math.max(n - 1, 0)).length; }
  function capText(text, cap) {
    var out = "";
    for (var i = 0; i < text.length; i++) {
      var ch = text.charAt(i);
      if (/[\uD800-\uDBFF]/.test(ch) && i + 1 < text.length) { ch += text.charAt(++i); }
      var enc = encodeURIComponent(ch);
      if (out.length + enc.length > cap) break;
      out += enc;
    }
    return out;
  }
  function uncap(text) { try { return decodeURIComponent(text); } catch (e) { return ""; } }

  var state = { seen: [], quiz: [] };
  C.quizzes.forEach(function () { state.quiz.push({ attempts: 0, best: 0, last: null, lastPct: null }); });

  function encodeResponse(q, r) {
    var t = q.type;
    if (r === null || r === undefined) r = emptyResponse(q);
    if (t === "multichoice") {
      var mask = 0;
      r.forEach(function (on, i) { if (on) mask += Math.pow(2, i); });
      return mask ? b36(mask) : "";
    }
    if (t === "truefalse") return r === true ? "t" : r === false ? "f" : "";
    if (t === "shortanswer" || t === "numerical") return capText(r || "", TEXT_CAP[t]);
    if (t === "matching" || t === "ddwtos" || t === "gapselect") {
      var n = t === "matching" ? q.options.length : q.choices.length, w = b36width(n);
      return r.map(function (x) { return x === null || x < 0 ? new Array(w + 1).join("_") : b36(x, w); }).join("");
    }
    if (t === "cloze") {
      return q.parts.map(function (p, i) {
        var x = r[i];
        if (p.kind === "multichoice") {
          var w = b36width(p.answers.length);
          return x === null || x < 0 ? new Array(w + 1).join("_") : b36(x, w);
        }
        return capText(x || "", TEXT_CAP.cloze);
      }).join(":");
    }
    return "";
  }

  function decodeResponse(q, s) {
    var t = q.type;
    if (t === "multichoice") {
      var mask = s ? parseInt(s, 36) : 0;
      return q.answers.map(function (_, i) { return Math.floor(mask / Math.pow(2, i)) % 2 === 1; });
    }
    if (t === "truefalse") return s === "t" ? true : s === "f" ? false : null;
    if (t === "shortanswer" || t === "numerical") return uncap(s);
    if (t === "matching" || t === "ddwtos" || t === "gapselect") {
      var n = t === "matching" ? q.options.length : q.choices.length, w = b36width(n);
      var count = t === "matching" ? q.stems.length : q.gaps.length, out = [];
      for (var i = 0; i < count; i++) {
        var part = s.substr(i * w, w);
        out.push(!part || part.charAt(0) === "_" ? null : parseInt(part, 36));
      }
      return out;
    }
    if (t === "cloze") {
      var bits = s.split(":");
      return q.parts.map(function (p, i) {
        var b = bits[i] || "";
        if (p.kind === "multichoice") return !b || b.charAt(0) === "_" ? null : parseInt(b, 36);
        return uncap(b);
      });
    }
    return null;
  }

  function encodeState() {
    var seen = "";
    for (var i = 0; i < C.pages.length; i += 6) {
      var v = 0;
      for (var j = 0; j < 6; j++) if (state.seen[i + j]) v += 1 << j;
      seen += B64.charAt(v);
    }
    var quizzes = C.quizzes.map(function (quiz, qi) {
      var s = state.quiz[qi];
      var head = b36(Math.min(s.attempts, 35)) + b36(s.best, 2);
      if (!s.attempts || !s.last) return head;
      var picks = drawn(qi, s.attempts - 1);
      return head + quiz.slots.map(function (slot, si) {
        return encodeResponse(slot.pool[picks[si]], s.last[si]);
      }).join(",");
    });
    return "1|" + seen + "|" + quizzes.join(";");
  }

  function decodeState(text) {
    var parts = (text || "").split("|");
    if (parts[0] !== "1" || parts.length !== 3) return false;
    for (var i = 0; i < C.pages.length; i++) {
      var ch = B64.indexOf(parts[1].charAt(Math.floor(i / 6)));
      state.seen[i] = ch >= 0 && ((ch >> (i % 6)) & 1) === 1;
    }
    var qs = parts[2] ? parts[2].split(";") : [];
    C.quizzes.forEach(function (quiz, qi) {
      var s = qs[qi] || "";
      if (s.length < 3) return;
      var st = state.quiz[qi];
      st.attempts = parseInt(s.charAt(0), 36) || 0;
      st.best = Math.min(parseInt(s.substr(1, 2), 36) || 0, 100);
      if (st.attempts && s.length >= 3) {
        var picks = drawn(qi, st.attempts - 1), resp = s.substr(3).split(",");
        st.last = quiz.slots.map(function (slot, si) { return decodeResponse(slot.pool[picks[si]], resp[si] || ""); });
        st.lastPct = quizPercent(qi, st.attempts - 1, st.last).pct;
      }
    });
    return true;
  }

  // ------------------------------------------------------------------ scoring
  function hash(text) {
    var h = 2166136261;
    for (var i = 0; i < text.length; i++) { h ^= text.charCodeAt(i); h = Math.imul(h, 16777619) >>> 0; }
    return h;
  }

  // the question each slot shows in an attempt: fixed, or drawn from its pool (no repeats in an attempt)
  function drawn(qi, attempt) {
    var used = {};
    attempt = Math.min(attempt, 34);                 // the state keeps at most 35 attempts
    return C.quizzes[qi].slots.map(function (slot, si) {
      var n = slot.pool.length;
      if (n === 1) { used[slot.pool[0].id] = true; return 0; }
      var k = hash(C.id + "/" + qi + "/" + si + "/" + attempt) % n;
      for (var tries = 0; tries < n && used[slot.pool[k].id]; tries++) k = (k + 1) % n;
      used[slot.pool[k].id] = true;
      return k;
    });
  }

  function textMatches(pattern, given, cs) {
    if (pattern === "*") return true;
    var re = "^" + pattern.split("*").map(function (p) { return p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }).join(".*") + "$";
    return new RegExp(re, cs ? "" : "i").test(given.trim().replace(/\s+/g, " "));
  }

  function parseNumber(text, units) {
    var t = String(text || "").trim().replace(/\s+/g, "");
    if (/^[-+]?\d{1,3}(,\d{3})+(\.\d+)?/.test(t)) t = t.replace(/,/g, "");
    var m = /^([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)(.*)$/.exec(t);
    if (!m) return null;
    var value = parseFloat(m[1]), unit = m[2];
    if (!unit) return value;
    for (var i = 0; i < (units || []).length; i++) {
      if (units[i].u.replace(/\s+/g, "") === unit) return value / units[i].m;
    }
    return null;
  }

  function numberFraction(answers, text, units) {
    var x = parseNumber(text, units);
    for (var i = 0; i < answers.length; i++) {
      var a = answers[i];
      if (a.t === "*") { if (String(text || "").trim()) return { f: a.f, i: i }; continue; }
      if (x !== null && Math.abs(x - parseFloat(String(a.t).replace(/,/g, ""))) <= (a.tol || 0) + 1e-9) return { f: a.f, i: i };
    }
    return { f: 0, i: -1 };
  }

  function textFraction(answers, text, cs) {
    if (!String(text || "").trim()) return { f: 0, i: -1 };
    for (var i = 0; i < answers.length; i++) if (textMatches(answers[i].t, text, cs)) return { f: answers[i].f, i: i };
    return { f: 0, i: -1 };
  }

  function grade(q, r) {
    var t = q.type, f = 0, parts = null;
    if (t === "multichoice") {
      if (q.single) { var k = r.indexOf(true); f = k >= 0 ? q.answers[k].f : 0; }
      else { r.forEach(function (on, i) { if (on) f += q.answers[i].f; }); }
    } else if (t === "truefalse") {
      q.answers.forEach(function (a) { if (r !== null && a.v === r) f = a.f; });
    } else if (t === "shortanswer") {
      f = textFraction(q.answers, r, q.cs).f;
    } else if (t === "numerical") {
      f = numberFraction(q.answers, r, q.units).f;
    } else if (t === "matching") {
      parts = q.right.map(function (right, i) { return r[i] === right ? 1 : 0; });
      f = parts.reduce(function (a, b) { return a + b; }, 0) / Math.max(parts.length, 1);
    } else if (t === "ddwtos" || t === "gapselect") {
      parts = q.gaps.map(function (right, i) { return r[i] === right - 1 ? 1 : 0; });
      f = parts.reduce(function (a, b) { return a + b; }, 0) / Math.max(parts.length, 1);
    } else if (t === "cloze") {
      var total = 0, got = 0;
      parts = q.parts.map(function (p, i) {
        var res;
        if (p.kind === "multichoice") res = r[i] === null || r[i] === undefined ? { f: 0, i: -1 } : { f: p.answers[r[i]].f, i: r[i] };
        else if (p.kind === "numerical") res = numberFraction(p.answers, r[i], []);
        else res = textFraction(p.answers, r[i], p.cs);
        total += p.w; got += p.w * Math.max(res.f, 0);
        return res;
      });
      f = total ? got / total : 0;
    }
    return { f: Math.max(0, Math.min(1, f)), parts: parts };
  }

  function quizPercent(qi, attempt, responses) {
    var quiz = C.quizzes[qi], picks = drawn(qi, attempt), got = 0, total = 0, results = [];
    quiz.slots.forEach(function (slot, si) {
      var q = slot.pool[picks[si]], g = grade(q, responses[si] === null || responses[si] === undefined ? emptyResponse(q) : responses[si]);
      results.push(g);
      got += slot.mark * g.f; total += slot.mark;
    });
    return { pct: total ? Math.round(100 * got / total) : 0, results: results, picks: picks };
  }

  function emptyResponse(q) {
    var t = q.type;
    if (t === "multichoice") return q.answers.map(function () { return false; });
    if (t === "truefalse") return null;
    if (t === "matching") return q.stems.map(function () { return null; });
    if (t === "ddwtos" || t === "gapselect") return q.gaps.map(function () { return null; });
    if (t === "cloze") return q.parts.map(function (p) { return p.kind === "multichoice" ? null : ""; });
    return "";
  }

  // ------------------------------------------------------------------ progress and reporting
  function scoredQuizzes() { return C.quizzes.filter(function (q) { return q.slots.length > 0; }); }

  function progress() {
    var seen = 0;
    C.pages.forEach(function (_, i) { if (state.seen[i]) seen++; });
    var quizzes = scoredQuizzes(), taken = 0;
    C.quizzes.forEach(function (q, qi) { if (q.slots.length && state.quiz[qi].attempts > 0) taken++; });
    var weight = 0, points = 0;
    C.quizzes.forEach(function (q, qi) {
      if (!q.slots.length) return;
      weight += q.weight; points += q.weight * state.quiz[qi].best;
    });
    var score = weight ? Math.round(100 * points / weight) / 100 : null;
    var complete = seen === C.pages.length && taken === quizzes.length;
    var allTaken = taken === quizzes.length;
    var passed = null;
    if (C.mastery !== null && C.mastery !== undefined && allTaken && score !== null) passed = score >= C.mastery;
    return {
      seen: seen, pages: C.pages.length, taken: taken, quizzes: quizzes.length, score: score,
      complete: complete, passed: passed, anyTaken: taken > 0,
      measure: (seen + taken) / Math.max(C.pages.length + quizzes.length, 1)
    };
  }

  function reportStatus() {
    var p = progress();
    if (p.anyTaken && p.score !== null) {
      lms.set(K.min, "0"); lms.set(K.max, "100"); lms.set(K.raw, String(p.score));
      if (!V12) lms.set("cmi.score.scaled", String(Math.round(p.score * 100) / 10000));
    }
    if (V12) {
      var status = !p.complete ? "incomplete" : p.passed === null ? "completed" : p.passed ? "passed" : "failed";
      lms.set("cmi.core.lesson_status", status);
    } else {
      lms.set("cmi.completion_status", p.complete ? "completed" : "incomplete");
      lms.set("cmi.success_status", p.passed === null ? "unknown" : p.passed ? "passed" : "failed");
      lms.set("cmi.progress_measure", String(Math.round(p.measure * 1000) / 1000));
    }
    return p;
  }

  function save() {
    var data = encodeState();
    if (data.length > C.limit) {                  // cannot happen: the build checks the budget
      errors.push("suspend data " + data.length + " > " + C.limit);
      data = data.slice(0, 0);
    }
    if (lms.on) {
      lms.set(K.location, String(current));
      lms.set(K.suspend, data);
      lms.set(K.exit, "suspend");
    } else {
      local.write(String(current), data);
    }
    reportStatus();
    lms.commit();
  }

  function timespan(ms) {
    var s = Math.max(0, Math.round(ms / 10) / 100);
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    if (V12) {
      var hh = String(h); while (hh.length < 4) hh = "0" + hh;
      return hh + ":" + (m < 10 ? "0" : "") + m + ":" + (sec < 10 ? "0" : "") + sec.toFixed(2);
    }
    return "PT" + h + "H" + m + "M" + sec.toFixed(2).replace(/\.?0+$/, "") + "S";
  }

  var finished = false;
  function finish() {
    if (finished) return;
    finished = true;
    if (lms.on) {
      save();
      lms.set(K.time, timespan(Date.now() - started));
      lms.commit();
      lms.finish();
    } else {
      local.write(String(current), encodeState());
    }
  }

  var iaCount = 0;
  function plainText(html) {
    var d = document.createElement("div"); d.innerHTML = html; return (d.textContent || "").replace(/\s+/g, " ").trim();
  }
  function letters(list) { return list.map(function (i) { return B36.charAt(10 + (i % 26)); }); }
  function clean2004(text) { return String(text).replace(/[\[\]{}]/g, " ").slice(0, 250); }

  function recordInteractions(qi, attempt, responses, outcome) {
    if (!lms.on) return;
    C.quizzes[qi].slots.forEach(function (slot, si) {
      var q = slot.pool[outcome.picks[si]], r = responses[si], g = outcome.results[si];
      var n = iaCount++, pre = K.ia + n + ".", type, resp;
      var id = (C.id + "-q" + qi + "-" + q.id).replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, V12 ? 255 : 4000);
      if (q.type === "multichoice") {
        var chosen = []; r.forEach(function (on, i) { if (on) chosen.push(i); });
        type = "choice"; resp = letters(chosen).join(V12 ? "," : "[,]");
      } else if (q.type === "truefalse") {
        type = "true-false"; resp = r === null ? "" : V12 ? (r ? "t" : "f") : (r ? "true" : "false");
      } else if (q.type === "numerical") {
        type = "numeric"; var x = parseNumber(r, q.units); resp = x === null ? "" : String(x);
        if (resp === "" && r) { type = "fill-in"; resp = V12 ? String(r).slice(0, 255) : clean2004(r); }
      } else if (q.type === "matching") {
        type = "matching";
        resp = r.map(function (x, i) { return x === null ? null : (i + 1) + (V12 ? "." : "[.]") + letters([x])[0]; })
          .filter(function (x) { return x !== null; }).join(V12 ? "," : "[,]");
      } else if (q.type === "shortanswer") {
        type = "fill-in"; resp = V12 ? String(r || "").slice(0, 255) : clean2004(r || "");
      } else {
        type = "fill-in";
        var texts = q.type === "cloze" ? q.parts.map(function (p, i) {
          return p.kind === "multichoice" ? (r[i] === null ? "" : p.answers[r[i]].t) : (r[i] || "");
        }) : r.map(function (x) { return x === null ? "" : q.choices[x].t; });
        resp = V12 ? texts.join(",").slice(0, 255) : texts.map(clean2004).join("[,]");
      }
      lms.set(pre + "id", id);
      lms.set(pre + "type", type);
      if (V12) {
        if (resp) lms.set(pre + "student_response", resp);
        lms.set(pre + "result", g.f >= 1 ? "correct" : g.f <= 0 ? "wrong" : String(Math.round(g.f * 100) / 100));
      } else {
        lms.set(pre + "description", plainText(q.text).slice(0, 250) || q.id);
        if (resp) lms.set(pre + "learner_response", resp);
        lms.set(pre + "result", g.f >= 1 ? "correct" : g.f <= 0 ? "incorrect" : String(Math.round(g.f * 100) / 100));
        lms.set(pre + "timestamp", new Date().toISOString().slice(0, 19));
        lms.set(pre + "weighting", String(slot.mark));
      }
    });
  }

  // ------------------------------------------------------------------ view
  var app = document.getElementById("cp-app");
  var current = 0;

  function h(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") e.textContent = attrs[k];
      else if (k === "html") e.innerHTML = attrs[k];
      else if (k.slice(0, 2) === "on") e.addEventListener(k.slice(2), attrs[k]);
      else if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) e.setAttribute(k, attrs[k] === true ? "" : attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) e.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return e;
  }

  var els = {};
  function layout() {
    app.removeAttribute("data-loading");
    app.innerHTML = "";
    els.status = h("p", { "class": "cp-status", role: "status", "aria-live": "polite" });
    els.bar = h("div", { "class": "cp-bar", role: "progressbar", "aria-label": "Course progress", "aria-valuemin": "0", "aria-valuemax": "100" }, [h("span")]);
    els.toggle = h("button", { type: "button", "class": "cp-toggle", "aria-expanded": "false", "aria-controls": "cp-nav", onclick: function () {
      var open = els.toggle.getAttribute("aria-expanded") !== "true";
      els.toggle.setAttribute("aria-expanded", String(open));
      app.classList.toggle("cp-nav-open", open);
    } }, ["Contents"]);
    var header = h("header", { "class": "cp-header" }, [
      els.toggle, h("p", { "class": "cp-course", text: C.title }), els.bar, els.status]);
    els.nav = h("nav", { id: "cp-nav", "class": "cp-nav", "aria-label": "Course contents" });
    els.main = h("main", { id: "cp-main", "class": "cp-main", tabindex: "-1" });
    if (!lms.on) {
      app.appendChild(h("p", { "class": "cp-notice", role: "note",
        text: "Preview: no learning platform was found, so your progress is kept in this browser only." }));
    }
    app.appendChild(header);
    app.appendChild(h("div", { "class": "cp-body" }, [els.nav, els.main]));
    buildNav();
  }

  function buildNav() {
    var list = h("ol", { "class": "cp-units" });
    list.appendChild(h("li", { "class": "cp-home" }, [pageLink(0)]));
    C.units.forEach(function (u, ui) {
      var pages = h("ol", { "class": "cp-pages" });
      u.pages.forEach(function (pi) { pages.appendChild(h("li", {}, [pageLink(pi)])); });
      list.appendChild(h("li", { "class": "cp-unit" }, [
        h("p", { "class": "cp-unit-title", text: "Unit " + (ui + 1) + ": " + u.title }), pages]));
    });
    els.nav.appendChild(list);
  }

  function pageLink(i) {
    var p = C.pages[i];
    var kind = p.kind === "quiz" ? " (quiz)" : p.kind === "essay" ? " (reflective essay)" : "";
    return h("a", { href: "#p" + i, "data-page": String(i), "class": "cp-link" }, [
      h("span", { "class": "cp-tick", "aria-hidden": "true" }), p.title + kind,
      h("span", { "class": "cp-sr cp-seen-label" })]);
  }

  function refreshChrome() {
    var p = progress();
    var pct = Math.round(100 * p.measure);
    els.bar.firstChild.style.width = pct + "%";
    els.bar.setAttribute("aria-valuenow", String(pct));
    var text = p.seen + " of " + p.pages + " pages seen";
    if (p.quizzes) text += ", " + p.taken + " of " + p.quizzes + " quizzes taken";
    if (p.score !== null && p.anyTaken) text += ", score " + p.score + "%";
    if (p.complete) text += p.passed === false ? ". Completed (below the pass mark)." : ". Completed.";
    els.status.textContent = text;
    Array.prototype.forEach.call(els.nav.querySelectorAll("a[data-page]"), function (a) {
      var i = +a.getAttribute("data-page");
      if (i === current) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
      a.classList.toggle("cp-done", !!state.seen[i]);
      a.querySelector(".cp-seen-label").textContent = state.seen[i] ? " (seen)" : "";
    });
  }

  function show(i, focus) {
    if (!(i >= 0 && i < C.pages.length)) i = 0;
    current = i;
    state.seen[i] = true;
    var p = C.pages[i];
    var main = els.main;
    main.innerHTML = "";
    main.appendChild(h("h1", { id: "cp-title", tabindex: "-1", text: p.title }));
    if (p.kind === "home") renderHome(main);
    else {
      var unit = C.units[p.unit];
      main.insertBefore(h("p", { "class": "cp-crumb", text: "Unit " + (p.unit + 1) + ": " + unit.title }), main.firstChild);
      var body = h("div", { "class": "cp-content", html: p.html || "" });
      main.appendChild(body);
      if (p.kind === "essay") {
        main.appendChild(h("div", { "class": "cp-callout", role: "note" }, [h("p", {
          text: "This reflective essay is submitted and marked on your learning platform's course (Moodle), " +
            "with its rubric. It is not marked in this package: read the task here and write it there." +
            (p.words ? " Word limit: " + p.words + "." : "") })]));
        if (p.rubric) main.appendChild(rubricTable(p.rubric));
      }
      if (p.kind === "quiz" && p.quiz !== undefined) renderQuiz(main, p.quiz);
    }
    main.appendChild(pager(i));
    if (focus) { main.querySelector("h1").focus(); window.scrollTo(0, 0); }
    if (app.classList.contains("cp-nav-open")) { app.classList.remove("cp-nav-open"); els.toggle.setAttribute("aria-expanded", "false"); }
    refreshChrome();
    save();
  }

  function rubricTable(r) {
    var box = h("section", { "class": "cp-rubric", "aria-label": "How this essay is marked" }, [
      h("h2", { text: "How this essay is marked" })]);
    var table = h("table", { "class": "cp-rubric-table" });
    r.criteria.forEach(function (c) {
      var row = h("tr", {}, [h("th", { scope: "row", text: c.description })]);
      c.levels.forEach(function (lv) {
        row.appendChild(h("td", {}, [h("span", { "class": "cp-points", text: lv.score + (lv.score === 1 ? " point" : " points") }),
          h("span", { text: lv.definition })]));
      });
      table.appendChild(row);
    });
    box.appendChild(h("div", { "class": "cp-scroll" }, [table]));
    return box;
  }

  function pager(i) {
    var nav = h("nav", { "class": "cp-pager", "aria-label": "Previous and next page" });
    if (i > 0) nav.appendChild(h("a", { href: "#p" + (i - 1), "data-page": String(i - 1), "class": "cp-prev", rel: "prev" }, [
      h("span", { "class": "cp-dir", text: "Previous" }), C.pages[i - 1].title]));
    if (i < C.pages.length - 1) nav.appendChild(h("a", { href: "#p" + (i + 1), "data-page": String(i + 1), "class": "cp-next", rel: "next" }, [
      h("span", { "class": "cp-dir", text: "Next" }), C.pages[i + 1].title]));
    return nav;
  }

  function renderHome(main) {
    main.appendChild(h("div", { "class": "cp-content", html: C.summary }));
    var facts = h("ul", { "class": "cp-facts" }, [
      h("li", { text: "Study time: about " + C.hours + " hours" }),
      h("li", { text: "For: " + C.audience })]);
    if (C.mastery !== null && C.mastery !== undefined) {
      facts.appendChild(h("li", { text: "To pass: an average quiz score of at least " + C.mastery + "%" }));
    }
    facts.appendChild(h("li", { text: "To complete: see every page and take every quiz" }));
    main.appendChild(facts);
    if (C.essays) {
      main.appendChild(h("p", { "class": "cp-callout", text: "This course has " + C.essays + " reflective essay" +
        (C.essays > 1 ? "s" : "") + ". You can read each task here; essays are submitted and marked on your " +
        "learning platform's course (Moodle), not in this package." }));
    }
    main.appendChild(h("h2", { text: "Units" }));
    var list = h("ol", { "class": "cp-unit-list" });
    C.units.forEach(function (u) {
      var li = h("li", {}, [h("h3", { text: u.title + " (" + u.hours + " h)" }), h("div", { html: u.summary })]);
      if (u.outcomes.length) {
        li.appendChild(h("p", { text: "By the end of this unit you will be able to:" }));
        li.appendChild(h("ul", {}, u.outcomes.map(function (o) { return h("li", { text: o }); })));
      }
      list.appendChild(li);
    });
    main.appendChild(list);
  }

  // ------------------------------------------------------------------ quizzes
  function renderQuiz(main, qi) {
    var quiz = C.quizzes[qi], st = state.quiz[qi];
    if (!quiz.slots.length) return;
    var box = h("section", { "class": "cp-quiz", "aria-label": "Quiz" });
    main.appendChild(box);
    if (quiz.essays) {
      box.appendChild(h("p", { "class": "cp-callout", text: quiz.essays + " written-answer question" +
        (quiz.essays > 1 ? "s are" : " is") + " left out here: they are marked on your learning platform." }));
    }
    var review = st.attempts > 0 && st.last;
    var attempt = review ? st.attempts - 1 : st.attempts;
    drawQuiz(box, qi, attempt, review ? st.last : null);
  }

  function drawQuiz(box, qi, attempt, answered) {
    var quiz = C.quizzes[qi], st = state.quiz[qi], picks = drawn(qi, attempt);
    while (box.lastChild && box.lastChild.className !== "cp-callout") box.removeChild(box.lastChild);
    var form = h("form", { "class": "cp-form", novalidate: true });
    var summary = h("div", { "class": "cp-result", role: "status", "aria-live": "polite", tabindex: "-1" });
    var controls = [];
    quiz.slots.forEach(function (slot, si) {
      var q = slot.pool[picks[si]];
      var fs = h("fieldset", { "class": "cp-question", id: "cp-q" + si });
      fs.appendChild(h("legend", { text: "Question " + (si + 1) + " of " + quiz.slots.length }));
      var ctl = questionControls(q, si, fs);
      controls.push(ctl);
      if (q.hint) fs.appendChild(h("details", { "class": "cp-hint" }, [h("summary", { text: "Hint" }), h("div", { html: q.hint })]));
      fs.appendChild(h("div", { "class": "cp-feedback", id: "cp-fb" + si }));
      form.appendChild(fs);
    });
    var submit = h("button", { type: "submit", "class": "cp-button", text: "Submit answers" });
    form.appendChild(submit);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var responses = controls.map(function (c) { return c.read(); });
      st.attempts = Math.min(st.attempts + 1, 35);
      st.last = responses;
      var out = quizPercent(qi, attempt, responses);
      st.lastPct = out.pct;
      st.best = Math.max(st.best, out.pct);
      recordInteractions(qi, attempt, responses, out);
      showResults(qi, attempt, controls, out, summary, form);
      refreshChrome();
      save();
      summary.focus();
    });
    box.appendChild(form);
    box.appendChild(summary);
    if (answered) {
      controls.forEach(function (c, si) { c.write(answered[si]); });
      showResults(qi, attempt, controls, quizPercent(qi, attempt, answered), summary, form);
    }
  }

  function showResults(qi, attempt, controls, out, summary, form) {
    var quiz = C.quizzes[qi], st = state.quiz[qi];
    controls.forEach(function (c, si) {
      c.disable();
      var q = quiz.slots[si].pool[out.picks[si]], g = out.results[si];
      var fb = form.querySelector("#cp-fb" + si);
      fb.innerHTML = "";
      var verdict = g.f >= 1 ? "Correct" : g.f > 0 ? "Partly correct" : "Not correct yet";
      fb.className = "cp-feedback " + (g.f >= 1 ? "cp-right" : g.f > 0 ? "cp-partial" : "cp-wrong");
      fb.appendChild(h("p", { "class": "cp-verdict", text: verdict }));
      c.feedback(fb, g);
      if (q.general) fb.appendChild(h("div", { "class": "cp-general", html: q.general }));
    });
    form.querySelector("button[type=submit]").disabled = true;
    summary.innerHTML = "";
    var line = "You scored " + out.pct + "%";
    if (quiz.pass !== null && quiz.pass !== undefined) line += out.pct >= quiz.pass - 1e-9 ? " and passed this quiz." : ". The pass mark is " + Math.round(quiz.pass) + "%.";
    else line += ".";
    summary.appendChild(h("p", { text: line + (st.attempts > 1 ? " Your best score is " + st.best + "%." : "") }));
    var left = quiz.attempts ? quiz.attempts - st.attempts : Infinity;
    if (left > 0) {
      summary.appendChild(h("button", { type: "button", "class": "cp-button cp-again", text: "Try again", onclick: function () {
        var box = summary.parentNode;
        drawQuiz(box, qi, st.attempts, null);
        var first = box.querySelector("input, select");
        if (first) first.focus();
      } }));
    } else {
      summary.appendChild(h("p", { text: "You have used all your attempts at this quiz." }));
    }
  }

  function uid(si, k) { return "cp-" + si + "-" + k; }

  function questionControls(q, si, fs) {
    var t = q.type;
    var text = h("div", { "class": "cp-qtext", html: q.text });
    fs.appendChild(text);
    if (t === "multichoice" || t === "truefalse") {
      var opts = t === "truefalse" ? q.answers.map(function (a) { return { html: a.v ? "True" : "False" }; }) : q.answers;
      var list = h("div", { "class": "cp-options" });
      var inputs = opts.map(function (a, i) {
        var input = h("input", { type: (t === "truefalse" || q.single) ? "radio" : "checkbox", name: "cp-q" + si, id: uid(si, i), value: String(i) });
        list.appendChild(h("div", { "class": "cp-option" }, [input, h("label", { "for": uid(si, i), html: a.html })]));
        return input;
      });
      if (t === "multichoice" && !q.single) fs.appendChild(h("p", { "class": "cp-instr", text: "Choose all that apply." }));
      fs.appendChild(list);
      return {
        read: function () {
          if (t === "truefalse") { var k = inputs.findIndex(function (x) { return x.checked; }); return k < 0 ? null : q.answers[k].v; }
          return inputs.map(function (x) { return x.checked; });
        },
        write: function (r) {
          inputs.forEach(function (x, i) { x.checked = t === "truefalse" ? (r !== null && q.answers[i].v === r) : !!r[i]; });
        },
        disable: function () { inputs.forEach(function (x) { x.disabled = true; }); },
        feedback: function (box) {
          inputs.forEach(function (x, i) {
            if (x.checked && q.answers[i].fb) box.appendChild(h("div", { "class": "cp-answer-fb", html: q.answers[i].fb }));
          });
        }
      };
    }
    if (t === "shortanswer" || t === "numerical") {
      var input = h("input", { type: "text", id: uid(si, 0), autocomplete: "off", spellcheck: "false", inputmode: t === "numerical" ? "decimal" : null });
      fs.appendChild(h("div", { "class": "cp-field" }, [h("label", { "for": uid(si, 0), text: "Your answer" }), input]));
      return {
        read: function () { return input.value; },
        write: function (r) { input.value = r || ""; },
        disable: function () { input.disabled = true; },
        feedback: function (box) {
          var res = t === "numerical" ? numberFraction(q.answers, input.value, q.units) : textFraction(q.answers, input.value, q.cs);
          if (res.i >= 0 && q.answers[res.i].fb) box.appendChild(h("div", { "class": "cp-answer-fb", html: q.answers[res.i].fb }));
        }
      };
    }
    if (t === "matching") {
      var selects = q.stems.map(function (stem, i) {
        var sel = h("select", { id: uid(si, i) }, [h("option", { value: "", text: "Choose…" })].concat(
          q.options.map(function (o, k) { return h("option", { value: String(k), text: o }); })));
        fs.appendChild(h("div", { "class": "cp-match" }, [h("label", { "for": uid(si, i), html: stem }), sel]));
        return sel;
      });
      return selectControl(selects, function (box, res) {
        res.parts.forEach(function (ok, i) {
          if (!ok) box.appendChild(h("p", { "class": "cp-answer-fb", text: "Not yet: " + plainText(q.stems[i]) }));
        });
      });
    }
    // gaps in the text: ddwtos, gapselect, cloze
    var gapEls = text.querySelectorAll("span[data-gap]");
    var fields = [];
    Array.prototype.forEach.call(gapEls, function (span) {
      var n = +span.getAttribute("data-gap"), el;
      var label = "Gap " + n;
      if (t === "cloze") {
        var part = q.parts[n - 1];
        if (!part) return;
        if (part.kind === "multichoice") {
          el = h("select", { "aria-label": label }, [h("option", { value: "", text: "Choose…" })].concat(
            part.answers.map(function (a, k) { return h("option", { value: String(k), text: a.t }); })));
        } else {
          el = h("input", { type: "text", "aria-label": label, size: "12", autocomplete: "off", inputmode: part.kind === "numerical" ? "decimal" : null });
        }
      } else {
        var right = q.choices[q.gaps[n - 1] - 1];
        el = h("select", { "aria-label": label }, [h("option", { value: "", text: "Choose…" })]);
        q.choices.forEach(function (c, k) { if (c.g === right.g) el.appendChild(h("option", { value: String(k), text: c.t })); });
      }
      span.appendChild(el);
      fields[n - 1] = el;
    });
    return {
      read: function () {
        return fields.map(function (el, i) {
          if (el.tagName === "SELECT") return el.value === "" ? null : +el.value;
          return el.value;
        });
      },
      write: function (r) {
        fields.forEach(function (el, i) {
          var v = r ? r[i] : null;
          el.value = v === null || v === undefined ? "" : String(v);
        });
      },
      disable: function () { fields.forEach(function (el) { el.disabled = true; }); },
      feedback: function (box, res) {
        (res.parts || []).forEach(function (p, i) {
          var fb = t === "cloze" && p.i >= 0 ? q.parts[i].answers[p.i].fb : "";
          var ok = t === "cloze" ? p.f >= 1 : p === 1;
          if (fields[i]) fields[i].classList.toggle("cp-gap-wrong", !ok);
          if (fb) box.appendChild(h("p", { "class": "cp-answer-fb", html: "Gap " + (i + 1) + ": " + fb }));
          else if (!ok) box.appendChild(h("p", { "class": "cp-answer-fb", text: "Gap " + (i + 1) + " is not right yet." }));
        });
      }
    };
  }

  function selectControl(selects, feedback) {
    return {
      read: function () { return selects.map(function (s) { return s.value === "" ? null : +s.value; }); },
      write: function (r) { selects.forEach(function (s, i) { s.value = r && r[i] !== null && r[i] !== undefined ? String(r[i]) : ""; }); },
      disable: function () { selects.forEach(function (s) { s.disabled = true; }); },
      feedback: feedback
    };
  }

  // ------------------------------------------------------------------ start
  function start() {
    lms.init();
    var loc = 0, data = "";
    if (lms.on) {
      iaCount = parseInt(lms.get(K.ia + "_count"), 10) || 0;
      var entry = lms.get(K.entry);
      data = lms.get(K.suspend);
      loc = parseInt(lms.get(K.location), 10);
      if (entry === "ab-initio" && !data) loc = 0;
    } else {
      var saved = local.read();
      data = saved.suspend || "";
      loc = parseInt(saved.location, 10);
    }
    if (data) decodeState(data);
    layout();
    document.addEventListener("click", function (ev) {
      var a = ev.target.closest && ev.target.closest("a[data-page]");
      if (!a) return;
      ev.preventDefault();
      var n = +a.getAttribute("data-page");
      if (window.history && history.replaceState) history.replaceState(null, "", "#p" + n);
      show(n, true);
    });
    window.addEventListener("hashchange", function () {
      var m = /^#p(\d+)$/.exec(location.hash);
      if (m && +m[1] !== current) show(+m[1], true);
    });
    window.addEventListener("pagehide", finish);
    window.addEventListener("beforeunload", finish);
    var hm = /^#p(\d+)$/.exec(location.hash);
    show(hm ? +hm[1] : (loc >= 0 && loc < C.pages.length ? loc : 0), false);
  }

  window.coursepackPlayer = {
    course: C, state: state, errors: errors, encodeState: encodeState, progress: progress, finish: finish, drawn: drawn,
    show: function (i) { show(i, true); }, current: function () { return current; }, lms: lms
  };
  start();
})();
