"""The project's stylesheets keep the author origin: a designer's rule in a
template and a rule in styles/ meet in the cascade exactly as they do in a
browser (specificity, order, !important), although the builder parses the
stylesheets once per process. Checked against Chromium itself."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pamphlet_builder.pdf import render_document

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# styles/designer.css is linked first, then the template's own <style>.
STYLESHEET = """
body p.specific { color: rgb(200, 0, 0) }
.later { color: rgb(200, 0, 0) }
.important-sheet { color: rgb(200, 0, 0) !important }
.important-template { color: rgb(200, 0, 0) }
.both-important { color: rgb(200, 0, 0) !important }
"""
TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head>
<link rel="stylesheet" href="styles/designer.css">
<style>
.specific { color: rgb(0, 120, 0) }
.later { color: rgb(0, 120, 0) }
body p.important-sheet { color: rgb(0, 120, 0) }
.important-template { color: rgb(0, 120, 0) !important }
.both-important { color: rgb(0, 120, 0) !important }
</style></head><body>
<p id="specific" class="specific">x</p>
<p id="later" class="later">x</p>
<p id="important-sheet" class="important-sheet">x</p>
<p id="important-template" class="important-template">x</p>
<p id="both-important" class="both-important">x</p>
</body></html>
"""
RED, GREEN = (200, 0, 0), (0, 120, 0)
# What CSS says (and what a browser does): the more specific rule wins; at
# equal specificity the later one (the template's); !important beats normal;
# two !important rules of one origin: the later again.
EXPECTED = {"specific": RED, "later": GREEN, "important-sheet": RED,
            "important-template": GREEN, "both-important": GREEN}


def weasyprint_colors(root: Path) -> dict[str, tuple[int, ...]]:
    document = render_document(TEMPLATE, root)
    found = {}

    def walk(box):
        element = getattr(box, "element", None)
        if element is not None and element.get("id") in EXPECTED and element.get("id") not in found:
            color = box.style["color"].to("srgb")
            found[element.get("id")] = tuple(round(c * 255) for c in color.coordinates)
        for child in getattr(box, "children", []):
            walk(child)

    walk(document.pages[0]._page_box)
    return found


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "styles").mkdir()
    (tmp_path / "templates").mkdir()
    (tmp_path / "styles" / "designer.css").write_text(STYLESHEET, encoding="utf-8")
    return tmp_path


def test_a_template_rule_meets_the_stylesheets_as_in_css(project):
    assert weasyprint_colors(project) == EXPECTED
    assert weasyprint_colors(project) == EXPECTED        # again, from the parsed-once cache


def test_the_cascade_matches_chromium(project):
    from playwright.sync_api import sync_playwright
    assert Path(CHROMIUM).exists(), "install Debian's chromium (./run.sh test does)"
    (project / "templates" / "page.html").write_text(
        TEMPLATE.replace('href="styles/', 'href="../styles/'), encoding="utf-8")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"])
        try:
            page = browser.new_page()
            page.goto((project / "templates" / "page.html").as_uri())
            colors = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('p')]
                .map(p => [p.id, getComputedStyle(p).color.match(/\\d+/g).map(Number)]))""")
        finally:
            browser.close()
    assert {k: tuple(v) for k, v in colors.items()} == EXPECTED
    assert weasyprint_colors(project) == {k: tuple(v) for k, v in colors.items()}
