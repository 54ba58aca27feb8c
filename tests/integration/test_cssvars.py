"""Theme variables written into the stylesheets (cssvars.py) lay out and
draw exactly what WeasyPrint's own var() does, and only where they must."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import ImageChops

from pamphlet_builder import cssvars
from pamphlet_builder.pdf import render_document, to_pdf
from pamphlet_builder.variants import FLYER, LARGE_PRINT, SHOP_FILE, STANDARD

from ..conftest import ROOT
from .test_recolor import html_of, loaded, pages  # noqa: F401  (loaded: the fixture)


def drawn(html: str, substitute: bool, monkeypatch) -> list:
    with monkeypatch.context() as patch:
        if not substitute:
            patch.setattr(cssvars, "document_values", lambda html, root: {})
        return pages(to_pdf(render_document(html, ROOT)).data)


@pytest.mark.parametrize("lang", ["en", "ar", "zh-Hant"])
def test_every_material_draws_the_same_pixels_with_its_variables_written_in(loaded, lang,
                                                                             monkeypatch):
    """Every material in the office print below full size (so --fit is in
    play), and a handout in large print, as a flyer and as a print-shop file
    (CMYK variables that refer to others)."""
    project = loaded.project
    language = project.languages[lang]
    cases = [(m, STANDARD, 0.92) for m in project.materials.values()]
    handout = project.materials["safer-use-handout"]
    cases += [(handout, LARGE_PRINT, 1.0), (handout, FLYER, 0.96), (handout, SHOP_FILE, 0.96)]
    for material, variant, scale in cases:
        html = html_of(loaded, material, language, variant, scale)
        values = cssvars.document_values(html, ROOT)
        assert "--fit" in values and "--font-stack" in values, material.id
        ours, theirs = drawn(html, True, monkeypatch), drawn(html, False, monkeypatch)
        assert len(ours) == len(theirs), (material.id, variant.name)
        for number, ((image, text), (their_image, their_text)) in enumerate(zip(ours, theirs), 1):
            assert text == their_text, (material.id, variant.name, number)
            assert ImageChops.difference(image, their_image).getbbox() is None, \
                (material.id, variant.name, number)


def test_the_stylesheets_reach_weasyprint_without_the_themes_var(loaded):
    project = loaded.project
    html = html_of(loaded, project.materials["safer-use-handout"], project.languages["en"],
                   STANDARD, 0.92)
    values = cssvars.document_values(html, ROOT)
    served = {}
    for name in ("handout.css", "common.css"):
        path = ROOT / "styles" / name
        served[name] = cssvars.substituted(path, cssvars.key(path, values), path.as_uri()).decode()
        assert "var(" in path.read_text() and "var(" not in served[name], name
    assert "calc(11pt*0.92)" in squeezed(served["handout.css"])   # html's font-size: --handout-text at --fit


def document(tmp_path: Path, css: str, body: str = "<p class=a>x</p>",
             root_style: str = "--fit: 0.9") -> tuple[str, Path]:
    (tmp_path / "styles").mkdir(exist_ok=True)
    (tmp_path / "styles" / "a.css").write_text(css)
    return (f'<html style="{root_style}"><head><link rel="stylesheet" href="styles/a.css">'
            f"</head><body>{body}</body></html>", tmp_path)


def squeezed(css: str) -> str:
    return re.sub(r"\s+", "", css)


def served(html: str, root: Path) -> str:
    """The stylesheet as WeasyPrint is given it, white space left out."""
    path = root / "styles" / "a.css"
    values = cssvars.document_values(html, root)
    return squeezed(cssvars.substituted(path, cssvars.key(path, values), path.as_uri()).decode())


def test_a_variable_set_only_on_the_root_is_written_in(tmp_path):
    html, root = document(tmp_path, ":root { --ink: #123; --size: calc(2pt * var(--fit)) }\n"
                                    ".a { color: var(--ink); font-size: var(--size) }")
    assert ".a{color:#123;font-size:calc(2pt*0.9);}" in served(html, root)


@pytest.mark.parametrize("css, body, why", [
    (":root { --ink: #123 } .b { --ink: #456 } .a { color: var(--ink) }", "", "another selector"),
    (":root { --ink: #123 } .a { .b { --ink: #456 } color: var(--ink) }", "", "a nested rule"),
    (":root { --ink: #123 } @media print { .b { --ink: #456 } } .a { color: var(--ink) }", "",
     "an at-rule"),
    (":root { --ink: #123 !important } .a { color: var(--ink) }", "", "!important"),
    (":root { --ink: #123 } .a { color: var(--ink) }", '<p style="--ink: #456">y</p>',
     "another element's style attribute"),
    (":root { --ink: #123 } .a { color: var(--ink) }", "<style>.b { --ink: #456 }</style>",
     "a <style> element"),
    (":root { --ink: var(--ink) } .a { color: var(--ink) }", "", "itself"),
    (":root { --ink: var(--nowhere) } .a { color: var(--ink) }", "", "a name set nowhere"),
    (":root { --ink: 12pt } .a { color: var(--ink) }", "", "an invalid value once written in"),
    ("@import 'b.css'; :root { --ink: #123 } .a { color: var(--ink) }", "",
     "an @import (not read here)"),
])
def test_a_variable_that_may_differ_between_elements_is_left_to_weasyprint(tmp_path, css, body,
                                                                            why):
    html, root = document(tmp_path, css, "<p class=a>x</p>" + body)
    assert "color:var(--ink)" in served(html, root), why


def test_a_variable_in_an_at_rule_is_left_as_written(tmp_path):
    html, root = document(tmp_path, ":root { --m: 1in } @page { margin: var(--m) } "
                                    ".a { margin: var(--m) }")
    text = served(html, root)
    assert "@page{margin:var(--m)}" in text and ".a{margin:1in;}" in text


def test_a_stylesheet_for_some_media_only_writes_nothing_in(tmp_path):
    html, root = document(tmp_path, ":root { --ink: #123 } .a { color: var(--ink) }")
    assert cssvars.document_values(html.replace('rel="stylesheet"',
                                                'rel="stylesheet" media="screen"'), root) == {}
