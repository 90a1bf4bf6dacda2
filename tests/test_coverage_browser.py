"""The coverage report in a real headless browser (Debian chromium driven by Playwright).

Skips with a reason when Playwright or a Chromium binary is missing (.ci/run installs both).
The screenshots are kept as test artefacts in build/test-artifacts/ (COURSEPACK_ARTIFACTS overrides).
"""

from __future__ import annotations

import pytest

from compdata import comp_files
from conftest import artifacts, run_build

pytestmark = pytest.mark.browser

@pytest.fixture(scope="module")
def report(tmp_path_factory):
    from conftest import minimal_files, write_tree
    root = write_tree(tmp_path_factory.mktemp("repo"), minimal_files() | comp_files())
    d, res = run_build(root, formats=("coverage",))
    assert not d.has_errors()
    return root / "build" / "coverage" / "index.html"


def test_report_lists_the_gaps_sorts_and_stays_offline(browser, report):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(report.as_uri())
    page.wait_for_load_state("load")
    # the gaps are listed, by id, in the curriculum and the course sections
    gaps = page.eval_on_selector_all("[data-gap]", "els => els.map(e => e.getAttribute('data-gap'))")
    assert gaps == ["DEMO-FW.2.2", "DEMO-FW.2.2"]
    assert "taught, not assessed" in page.inner_text("#course-demo ul.gaps")
    assert "4 of 5 competencies assessed (80%)" in page.inner_text("#summary-demo-fw")
    # the heatmap: columns hello, table, quiz, essay, page one; 1.1 is taught on hello and assessed by the quiz
    cells = page.eval_on_selector_all("#course-demo table.matrix tbody tr",
                                      "rows => rows.map(r => Array.from(r.cells).slice(1).map(c => c.textContent))")
    assert cells[0] == ["•", "", "1", "", ""] and cells[4] == ["", "", "", "1", ""]
    # sortable: clicking "Coverage" twice puts the highest domain first
    table = "#course-demo table.domains"
    head = page.locator(f"{table} thead th", has_text="Coverage")
    head.click()
    head.click()
    first = page.inner_text(f"{table} tbody tr:first-child td:first-child")
    assert first.startswith("Values") and head.get_attribute("aria-sort") == "descending"
    page.screenshot(path=str(artifacts() / "coverage-desktop.png"), full_page=True)
    # nothing but the file itself was requested: no CDN, no fonts, no scripts from the network
    assert requests == [report.as_uri()], requests
    assert errors == []
    page.close()


def test_report_reads_on_a_phone_and_prints(browser, report):
    page = browser.new_page(viewport={"width": 375, "height": 740}, device_scale_factor=2, is_mobile=True)
    page.goto(report.as_uri())
    # the page itself never scrolls sideways; wide tables scroll inside their own box
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, overflow
    size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert size >= 14
    page.screenshot(path=str(artifacts() / "coverage-phone.png"))
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.querySelector('nav')).display") == "none"
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000
    page.close()
