"""Embedded CJK fonts are re-subset to the glyphs used: much smaller files
that draw the same pixels and give the same text."""

from __future__ import annotations

import io
import subprocess

import pypdfium2 as pdfium
import weasyprint
from PIL import Image, ImageChops, ImageStat
from pypdf import PdfReader

from pamphlet_builder import pdf

from ..pdfcheck import page_texts

KOREAN = """<!DOCTYPE html><html lang="ko"><head><style>
@page { size: 3.5in 2in; margin: 0.1in }
body { font-family: 'Noto Sans CJK KR'; font-size: 11pt }
b { font-weight: bold }
</style></head><body><p>사용하기 전에 전화하세요. 누군가 전화로 함께 있어 줘요.</p>
<p><b>반응이 없으면 구급차를 보내요.</b> 1-800-484-3731</p></body></html>"""


def font_files(data: bytes) -> list[tuple[str, int]]:
    """(FontFile3 subtype, decoded size) of each CFF font program."""
    found = []
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            for descendant in font.get_object().get("/DescendantFonts", []):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                if "/FontFile3" in descriptor:
                    stream = descriptor["/FontFile3"].get_object()
                    found.append((str(stream["/Subtype"]), len(stream.get_data())))
    return found


def pixels(data: bytes, path) -> list[Image.Image]:
    path.write_bytes(data)
    document = pdfium.PdfDocument(path)
    try:
        return [page.render(scale=4).to_pil().convert("L") for page in document]
    finally:
        document.close()


def test_compacted_cjk_font_draws_the_same_page(tmp_path, monkeypatch):
    compact = weasyprint.HTML(string=KOREAN).write_pdf()         # as the build writes it
    monkeypatch.setattr(weasyprint.pdf, "build_fonts_dictionary", pdf.WEASYPRINT_BUILD_FONTS_DICTIONARY)
    original = weasyprint.HTML(string=KOREAN).write_pdf()
    assert {subtype for subtype, _ in font_files(original)} == {"/OpenType"}
    assert {subtype for subtype, _ in font_files(compact)} == {"/CIDFontType0C"}
    assert len(compact) < len(original) / 5, (len(original), len(compact))
    # pdfium (the catalog's thumbnails, Chrome) draws the same glyphs in the
    # same places: only anti-aliasing may differ by a few levels.
    for before, after in zip(pixels(original, tmp_path / "a.pdf"), pixels(compact, tmp_path / "b.pdf")):
        difference = ImageChops.difference(before, after)
        assert max(difference.getextrema()) <= 48
        assert ImageStat.Stat(difference).mean[0] < 0.5
        assert ImageStat.Stat(ImageChops.invert(after)).mean[0] > 2     # there is ink at all
    assert page_texts(tmp_path / "b.pdf") == page_texts(tmp_path / "a.pdf")
    # poppler (Evince, print workflows) reads it as an embedded CID Type 0C
    # subset and extracts the same text.
    fonts = subprocess.run(["pdffonts", tmp_path / "b.pdf"], capture_output=True, text=True,
                           check=True).stdout
    assert "CID Type 0C" in fonts and "Noto-Sans-CJK-KR" in fonts
    text = lambda name: subprocess.run(["pdftotext", tmp_path / name, "-"], capture_output=True,
                                       text=True, check=True).stdout
    assert text("b.pdf") == text("a.pdf") and "전화하세요" in text("b.pdf")


def test_pdfs_without_cff_fonts_are_left_alone(monkeypatch):
    html = weasyprint.HTML(string="<p style='font-family: Noto Sans'>Call first.</p>")
    ours = html.write_pdf()
    monkeypatch.setattr(weasyprint.pdf, "build_fonts_dictionary", pdf.WEASYPRINT_BUILD_FONTS_DICTIONARY)
    assert font_files(ours) == [] and ours == html.write_pdf()
