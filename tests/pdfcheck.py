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
