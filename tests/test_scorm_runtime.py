"""The SCORM packages in a real SCORM runtime (npm scorm-again) in headless Chromium.

For each version, the Introduction course's package is opened the way an LMS opens it (a frame
inside a page that offers the API): the learner pages through, answers a quiz wrong and then right,
leaves, comes back to the same place, finishes every page and quiz, and the values the runtime
received are checked: completion, success, score, location, suspend data and interactions.
Screenshots go to build/test-artifacts/ (phone and desktop).
"""

from __future__ import annotations

import json

import pytest

from conftest import REPO, artifacts, run_build
from scormhost import ANSWER_JS, Host

pytestmark = pytest.mark.browser

VERSIONS = ["scorm12", "scorm2004"]


@pytest.fixture(scope="module")
def packages(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    diags, res = run_build(REPO, out, formats=("scorm12", "scorm2004"), only=["intro-to-peer-support"])
    assert not diags.has_errors(), [d.format_text() for d in diags.sorted()]
    return {v: (out / v / "intro-to-peer-support.zip").read_bytes() for v in VERSIONS}


def _values(page) -> dict[str, str]:
    """The last value the package set for each element."""
    return {k: v for k, v in page.evaluate("window.LOG")}


def _frame(page):
    frame = page.frame_locator("#sco")
    frame.locator("h1#cp-title").wait_for()
    return frame, page.frames[1]


def _go(frame_obj, n: int) -> None:
    frame_obj.evaluate(f"window.coursepackPlayer.show({n})")


@pytest.mark.parametrize("version", VERSIONS)
def test_learner_journey_in_a_real_runtime(browser, scorm_again, packages, tmp_path, version):
    host = Host(tmp_path / "lms", packages[version], version, scorm_again)
    v12 = version == "scorm12"
    status_key = "cmi.core.lesson_status" if v12 else "cmi.completion_status"
    loc_key = "cmi.core.lesson_location" if v12 else "cmi.location"
    raw_key = "cmi.core.score.raw" if v12 else "cmi.score.raw"
    try:
        ctx = browser.new_context(viewport={"width": 1280, "height": 900})
        page = ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(e.stack or str(e)))
        page.goto(host.url)
        frame, fobj = _frame(page)
        course = fobj.evaluate("window.coursepackPlayer.course")
        assert frame.locator("h1").inner_text() == "About this course"
        assert "Preview" not in frame.locator("body").inner_text()       # it found the LMS's API
        values = _values(page)
        assert values[status_key] == "incomplete"

        # page through with the Next link, as a learner does
        frame.locator("a.cp-next").click()
        first = course["pages"][1]["title"]
        assert frame.locator("h1").inner_text() == first
        assert _values(page)[loc_key] == "1"
        frame.locator("a.cp-next").click()
        assert frame.locator("h1").inner_text() == course["pages"][2]["title"]
        # images arrive (served from the package) and have their alt text
        pages_with_img = [i for i, p in enumerate(course["pages"]) if "<img" in (p.get("html") or "")]
        assert pages_with_img
        _go(fobj, pages_with_img[0])
        img = frame.locator(".cp-content img").first
        img.wait_for()
        # loaded or failed, not still on its way (a broken image is complete too, with no width)
        fobj.wait_for_function("document.querySelector('.cp-content img').complete", timeout=15000)
        assert fobj.evaluate("document.querySelector('.cp-content img').naturalWidth") > 0
        assert img.get_attribute("alt")

        # the first quiz: wrong, then right
        qpage = course["quizzes"][0]["page"]
        _go(fobj, qpage)
        n = fobj.evaluate(ANSWER_JS, False)
        frame.locator("button[type=submit]").click()
        result = frame.locator(".cp-result")
        assert "You scored 0%" in result.inner_text()
        assert frame.locator(".cp-feedback.cp-wrong").count() == n
        log = page.evaluate("window.LOG")
        results = [v for k, v in log if k.endswith(".result")]
        assert len(results) == n and set(results) == {"wrong" if v12 else "incorrect"}
        assert _values(page)[raw_key] == "0"
        frame.locator("button.cp-again").click()
        fobj.evaluate(ANSWER_JS, True)
        frame.locator("button[type=submit]").click()
        assert "You scored 100%" in result.inner_text()
        assert frame.locator(".cp-feedback.cp-right").count() == n
        values = _values(page)
        weight = sum(q["weight"] for q in course["quizzes"])
        expected = round(100 * course["quizzes"][0]["weight"] / weight, 2)
        assert float(values[raw_key]) == pytest.approx(expected, abs=0.01)
        assert values[status_key] == "incomplete"          # other pages and quizzes are still to do
        if not v12:
            assert values["cmi.success_status"] == "unknown"
            assert float(values["cmi.score.scaled"]) == pytest.approx(expected / 100, abs=1e-4)
        suspend = values["cmi.suspend_data"]
        assert len(suspend) <= course["budget"] <= (4096 if v12 else 64000)
        page.screenshot(path=str(artifacts() / f"scorm-{version}-quiz.png"), full_page=True)

        # leave (the frame unloads: the package commits and finishes) and come back
        _go(fobj, qpage + 1)
        left_at = str(qpage + 1)
        page.evaluate("document.getElementById('sco').src = 'about:blank'")
        page.wait_for_function("window.FINISHED === true")
        cmi = page.evaluate("window.cmi()")
        values = _values(page)
        assert values["cmi.core.exit" if v12 else "cmi.exit"] == "suspend"
        assert values["cmi.core.session_time" if v12 else "cmi.session_time"]
        resume = ({"core": {"lesson_location": left_at, "lesson_status": "incomplete", "entry": "resume"},
                   "suspend_data": cmi["suspend_data"]} if v12 else
                  {"location": left_at, "suspend_data": cmi["suspend_data"], "completion_status": "incomplete",
                   "entry": "resume"})
        page.evaluate(f"sessionStorage.setItem('resume', {json.dumps(json.dumps(resume))})")
        page.reload()
        frame, fobj = _frame(page)
        assert frame.locator("h1").inner_text() == course["pages"][qpage + 1]["title"]     # same place
        state = fobj.evaluate("window.coursepackPlayer.state")
        assert state["quiz"][0]["attempts"] == 2 and state["quiz"][0]["best"] == 100
        assert all(state["seen"][i] for i in (0, 1, 2, qpage))
        _go(fobj, qpage)                                   # the last attempt is shown, with its result
        assert "You scored 100%" in frame.locator(".cp-result").inner_text()

        # finish the course: every page, every quiz right
        for i in range(len(course["pages"])):
            _go(fobj, i)
            if course["pages"][i]["kind"] == "quiz" and frame.locator("button.cp-again").count() == 0:
                fobj.evaluate(ANSWER_JS, True)
                frame.locator("button[type=submit]").click()
                assert "You scored 100%" in frame.locator(".cp-result").inner_text()
        values = _values(page)
        assert float(values[raw_key]) == 100
        if v12:
            assert values["cmi.core.lesson_status"] == "passed"             # mastery_score 70 in course.yaml
        else:
            assert values["cmi.completion_status"] == "completed"
            assert values["cmi.success_status"] == "passed"
            assert float(values["cmi.progress_measure"]) == 1
        assert "Completed." in frame.locator(".cp-status").inner_text()
        assert not errors, errors
        assert fobj.evaluate("window.coursepackPlayer.errors") == []

        # on a phone: contents behind a button, nothing wider than the screen
        phone = ctx.new_page()
        phone.set_viewport_size({"width": 375, "height": 740})
        phone.goto(host.url.replace("host.html", "pkg/index.html#p3"))
        phone.locator("h1#cp-title").wait_for()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375
        toggle = phone.locator("button.cp-toggle")
        assert toggle.is_visible() and not phone.locator("#cp-nav").is_visible()
        toggle.click()
        assert phone.locator("#cp-nav").is_visible()
        assert "Preview" in phone.locator(".cp-notice").inner_text()       # no LMS: says so, still works
        phone.screenshot(path=str(artifacts() / f"scorm-{version}-phone.png"), full_page=True)
        ctx.close()
    finally:
        host.close()


def test_keyboard_only(browser, scorm_again, packages, tmp_path):
    """Skip link, contents links and the pager work from the keyboard; focus lands on the new page's title."""
    host = Host(tmp_path / "lms", packages["scorm2004"], "scorm2004", scorm_again)
    try:
        page = browser.new_page()
        page.goto(host.url.replace("host.html", "pkg/index.html"))
        page.locator("h1#cp-title").wait_for()
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "cp-skip"
        nxt = page.locator("a.cp-next")
        nxt.focus()
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "cp-title"
        assert page.locator("#cp-nav a[aria-current=page]").count() == 1
        page.close()
    finally:
        host.close()
