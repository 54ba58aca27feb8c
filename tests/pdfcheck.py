"""Reading PDFs back the way a person or a printer would: pages, sizes,
fonts, text, and QR codes decoded from rendered pictures."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import zxingcpp
from pypdf import PdfReader


def page_sizes(path: Path) -> list[tuple[float, float]]:
    reader = PdfReader(path)
    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]


def unembedded_fonts(path: Path) -> list[str]:
    """Names of fonts used without their font program inside the PDF."""
    missing = []
    for page in PdfReader(path).pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for font in fonts.values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            if not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                missing.append(str(font.get("/BaseFont")))
    return missing


def page_texts(path: Path) -> list[str]:
    document = pdfium.PdfDocument(path)
    try:
        return [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()


def qr_codes(path: Path, dpi: int = 150) -> list[list[str]]:
    """The QR codes decoded from each page rendered at `dpi`."""
    document = pdfium.PdfDocument(path)
    try:
        found = []
        for page in document:
            image = page.render(scale=dpi / 72).to_pil()
            found.append([r.text for r in zxingcpp.read_barcodes(image)
                          if r.format == zxingcpp.BarcodeFormat.QRCode])
        return found
    finally:
        document.close()


def notdef_glyphs(path: Path) -> int:
    """How many times any page draws glyph 0 (.notdef, the empty box)."""
    from pypdf.generic import ContentStream

    reader = PdfReader(path)
    count = 0
    for page in reader.pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        content = ContentStream(page.get_contents(), reader)
        width = 1
        for operands, operator in content.operations:
            if operator == b"Tf":
                font = fonts[operands[0]].get_object()
                width = 2 if font.get("/Subtype") == "/Type0" else 1
            elif operator in (b"Tj", b"TJ", b"'", b'"'):
                strings = operands[0] if operator == b"TJ" else operands[-1:]
                for item in strings:
                    if hasattr(item, "original_bytes"):
                        data = item.original_bytes
                        codes = [int.from_bytes(data[i:i + width], "big")
                                 for i in range(0, len(data), width)]
                        count += codes.count(0)
    return count


def line_edges(path: Path, page_index: int = 0, margin: float = 0.0) -> list[tuple[int, int]]:
    """(left, right) x in points of each line of text on a page, leaving out
    lines within `margin` points of the top or bottom edge."""
    document = pdfium.PdfDocument(path)
    try:
        page = document[page_index]
        height = page.get_height()
        textpage = page.get_textpage()
        rects = sorted((textpage.get_rect(i) for i in range(textpage.count_rects())),
                       key=lambda r: -(r[1] + r[3]))
        lines: list[list[float]] = []     # [left, bottom, right, top]
        for left, bottom, right, top in rects:
            if top > height - margin or bottom < margin:
                continue
            middle = (bottom + top) / 2
            line = next((ln for ln in lines if ln[1] < middle < ln[3]
                         or bottom < (ln[1] + ln[3]) / 2 < top), None)
            if line is None:
                lines.append([left, bottom, right, top])
            else:
                line[:] = [min(line[0], left), min(line[1], bottom),
                           max(line[2], right), max(line[3], top)]
        return [(round(ln[0]), round(ln[2])) for ln in lines]
    finally:
        document.close()


def font_sizes(path: Path) -> list[float]:
    """The font size, in points, of every character on every page."""
    import pypdfium2.raw as raw
    document = pdfium.PdfDocument(path)
    try:
        sizes = []
        for page in document:
            textpage = page.get_textpage()
            for i in range(textpage.count_chars()):
                if not textpage.get_text_range(i, 1).isspace():
                    sizes.append(round(raw.FPDFText_GetFontSize(textpage, i), 1))
        return sizes
    finally:
        document.close()


def colored_pixels(path: Path, dpi: int = 40) -> float:
    """The share of pixels, over all pages, that are not grey (R, G, B apart)."""
    document = pdfium.PdfDocument(path)
    try:
        colored = total = 0
        for page in document:
            image = page.render(scale=dpi / 72).to_pil().convert("RGB")
            for r, g, b in image.get_flattened_data():
                total += 1
                colored += max(r, g, b) - min(r, g, b) > 40
        return colored / total
    finally:
        document.close()


PROOF_STRIPS = ("NOT FOR DISTRIBUTION", "DRAFT TRANSLATION")


def text_under_proof_strips(path: Path) -> list[tuple[int, str]]:
    """(page, text) of any text drawn where a proof strip is: a strip must
    never cover the words of the page."""
    document = pdfium.PdfDocument(path)
    found = []
    try:
        for number, page in enumerate(document, start=1):
            textpage = page.get_textpage()
            segments = []
            for i in range(textpage.count_rects()):
                rect = textpage.get_rect(i)
                segments.append((rect, textpage.get_text_bounded(*rect).strip()))
            strips = [r for r, text in segments if any(s in text for s in PROOF_STRIPS)]
            for rect, text in segments:
                if not text or any(s in text for s in PROOF_STRIPS) or rect in strips:
                    continue
                left, bottom, right, top = rect
                for s_left, s_bottom, s_right, s_top in strips:
                    overlap = min(top, s_top) - max(bottom, s_bottom)
                    if overlap > 1.0 and min(right, s_right) > max(left, s_left):
                        found.append((number, text))
                        break
    finally:
        document.close()
    return found


def placed_forms(path: Path) -> list[list[tuple[float, float, list[float]]]]:
    """For each page, every form XObject it draws: (x, y) of the translation
    set by the `cm` before its `Do`, and the form's /BBox; read from the
    content stream, the way a printer's RIP places the cards of a sheet."""
    from pypdf.generic import ContentStream

    reader = PdfReader(path)
    pages = []
    for page in reader.pages:
        xobjects = page.get("/Resources", {}).get("/XObject", {})
        placed, matrix, saved = [], (1.0, 0.0, 0.0, 1.0, 0.0, 0.0), []
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"q":
                saved.append(matrix)
            elif operator == b"Q":
                matrix = saved.pop()
            elif operator == b"cm":
                a, b, c, d, e, f = (float(v) for v in operands)
                A, B, C, D, E, F = matrix
                matrix = (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D,
                          e * A + f * C + E, e * B + f * D + F)
            elif operator == b"Do":
                form = xobjects[operands[0]].get_object()
                assert matrix[:4] == (1.0, 0.0, 0.0, 1.0), f"a form drawn scaled or turned: {matrix}"
                placed.append((matrix[4], matrix[5], [float(v) for v in form["/BBox"]]))
        pages.append(placed)
    return pages
