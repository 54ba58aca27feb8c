"""Embedded CJK fonts are re-subset to the glyphs used: much smaller files
that draw the same pixels and give the same text."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pypdfium2 as pdfium
import weasyprint
from PIL import Image, ImageChops, ImageStat
from pypdf import PdfReader

from pamphlet_builder import pdf

from ..pdfcheck import page_texts

ROOT = Path(__file__).resolve().parents[2]

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


def test_weasyprint_loads_its_libraries_without_lookups(tmp_path):
    """A fresh process imports the renderer without one find_library call
    (each ran ldconfig, gcc and ld: 22 of them at every start), loads
    Pango, HarfBuzz and fontconfig by their sonames, puts find_library
    back, and renders text."""
    script = """
import ctypes.util, sys
from pathlib import Path
calls = []
original = ctypes.util.find_library
ctypes.util.find_library = lambda name: calls.append(name) or original(name)
wrapped = ctypes.util.find_library
from pamphlet_builder import pdf
assert ctypes.util.find_library is wrapped, "find_library was not put back"
maps = Path("/proc/self/maps").read_text()
loaded = sorted(lib for lib in ("libpango-1.0.so.0", "libpangoft2-1.0.so.0", "libharfbuzz.so.0",
                                "libharfbuzz-subset.so.0", "libfontconfig.so.1", "libgobject-2.0.so.0")
                if lib in maps)
html = '<html lang="en"><body style="font-family: Noto Sans">Call 988</body></html>'
data = pdf.render_document(html, Path(sys.argv[1])).write_pdf()
import io, pypdf
print(len(calls), len(loaded), pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text().strip())
"""
    done = subprocess.run([sys.executable, "-c", script, str(ROOT)], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    calls, loaded, text = done.stdout.split(maxsplit=2)
    assert (int(calls), int(loaded), text.strip()) == (0, 6, "Call 988")
