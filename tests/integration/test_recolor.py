"""The photocopy drawn from the office print's layout (recolor.py) is the
photocopy laid out on its own: the same pixels, the same text."""

from __future__ import annotations

import pytest
import pypdfium2 as pdfium
from PIL import ImageChops

from pamphlet_builder import policy, recolor
from pamphlet_builder.content import load_project
from pamphlet_builder.model import BuildOptions
from pamphlet_builder.pdf import recoloured, render_document, to_pdf
from pamphlet_builder.render import document_view, render_html
from pamphlet_builder.schedule import load
from pamphlet_builder.variants import PHOTOCOPY, STANDARD

from ..conftest import ROOT


@pytest.fixture(scope="module")
def loaded():
    return load(load_project(ROOT))


def html_of(loaded, material, lang, variant, scale) -> str:
    project = loaded.project
    options = BuildOptions(out=ROOT / "output")
    translate = policy.prepare_translation(project, material, lang, options, loaded.templates)
    view = document_view(project, material, lang, translate, options.paper, variant)
    view.draft, view.fit_scale = translate.draft, scale
    return render_html(loaded.env, material.template, view, translate)


def pages(data: bytes) -> list:
    document = pdfium.PdfDocument(data)
    try:
        return [(page.render(scale=100 / 72).to_pil().convert("RGB"),
                 page.get_textpage().get_text_bounded()) for page in document]
    finally:
        document.close()


@pytest.mark.parametrize("lang", ["en", "ar", "ja"])
def test_a_recoloured_photocopy_draws_what_a_laid_out_one_draws(loaded, lang):
    """Every material: a card, the handouts, the tri-fold, at a size below
    full (so the scale carries over too)."""
    project = loaded.project
    assert recolor.colour_only(ROOT / "styles" / PHOTOCOPY.stylesheet)
    for material in project.materials.values():
        language = project.languages[lang]
        office = render_document(html_of(loaded, material, language, STANDARD, 0.92), ROOT)
        photocopy_html = html_of(loaded, material, language, PHOTOCOPY, 0.92)
        drawn = to_pdf(recoloured(office, photocopy_html, ROOT), pdf_variant="pdf/ua-1").data
        laid_out = to_pdf(render_document(photocopy_html, ROOT), pdf_variant="pdf/ua-1").data
        ours, theirs = pages(drawn), pages(laid_out)
        assert len(ours) == len(theirs), material.id
        for number, ((image, text), (their_image, their_text)) in enumerate(zip(ours, theirs), 1):
            assert text == their_text, (material.id, number)
            assert ImageChops.difference(image, their_image).getbbox() is None, (material.id, number)
            # and it is the photocopy: no colour left (QR codes, text and rules are black)
            saturation = image.convert("HSV").getextrema()[1][1]
            assert saturation < 16, (material.id, number, saturation)


def test_only_a_stylesheet_of_colours_is_drawn_from_the_office_layout(tmp_path):
    sheet = tmp_path / "variant.css"
    sheet.write_text(":root { --color-ink: #000 } .band { background: #fff; outline: 1pt solid; }")
    assert recolor.colour_only(sheet)
    for moves in (".band { border-bottom: 1pt solid }", ".band { padding: 0 }",
                  ":root { --gap: 2pt }", "@page { margin: 0 }", ".a { font-weight: bold }"):
        sheet.write_text(moves)
        assert not recolor.colour_only(sheet), moves
