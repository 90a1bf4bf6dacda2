"""`coursepack preview` in headless Chromium: the page renders, an edit shows up by itself, and a broken
file shows its diagnostic (file and line) in the page until it is fixed."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest

from conftest import artifacts, minimal_files, write_tree

pytestmark = pytest.mark.browser

PAGE = "courses/demo/units/first/01-hello.md"


@pytest.fixture
def preview(tmp_path):
    root = write_tree(tmp_path / "repo", minimal_files())
    proc = subprocess.Popen([sys.executable, "-m", "builder", "--root", str(root), "preview", "--port", "0",
                             "--no-open"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    line = proc.stdout.readline()
    m = re.search(r"http://127\.0\.0\.1:\d+/", line)
    if m is None:
        proc.kill()
        pytest.fail(f"preview did not start: {line}{proc.stdout.read()}")
    yield root, m.group(0)
    proc.terminate()
    proc.wait(timeout=10)


def _wait_text(page, text: str, timeout: float = 15) -> None:
    end = time.time() + timeout
    while time.time() < end:
        try:
            if text in page.locator("body").inner_text():
                return
        except Exception:       # the page is reloading
            pass
        page.wait_for_timeout(200)
    raise AssertionError(f"{text!r} did not appear; the page shows: {page.locator('body').inner_text()[:400]}")


def test_preview_follows_edits_and_shows_problems_in_the_page(browser, preview):
    root, url = preview
    page = browser.new_page()
    page.goto(url)
    assert "Demo course" in page.locator("body").inner_text()
    page.click("text=Demo course")
    page.locator("h1#cp-title").wait_for()
    page.evaluate("window.coursepackPlayer.show(1)")
    _wait_text(page, "Some text with a")

    src = root / PAGE
    src.write_text(src.read_text().replace("Some text with a", "Freshly edited text with a"))
    _wait_text(page, "Freshly edited text")                       # rebuilt and reloaded by itself

    src.write_text(src.read_text().replace("images/block.png", "images/missing.png"))
    _wait_text(page, "The sources have problems")
    problems = page.locator("#problems").inner_text()
    assert "courses/demo/units/first/01-hello.md:5:" in problems and "CP201" in problems
    page.screenshot(path=str(artifacts() / "preview-problems.png"), full_page=True)

    src.write_text(src.read_text().replace("images/missing.png", "images/block.png"))
    _wait_text(page, "About this course")                         # fixed: the course is back
    assert "The sources have problems" not in page.locator("body").inner_text()
    page.close()
