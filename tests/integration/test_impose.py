"""Print production on throwaway projects, read back from the PDFs: a
printer's nudge, print-shop boxes and colors, fold marks, PDF/X-1a and a
reproducible modification date (the default content's sheets and tri-fold:
tests/acceptance/test_impose.py)."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageChops
from pypdf import PdfReader
from pypdf.generic import ContentStream

from ..conftest import CARD_META
from ..paper import MM, PT, card_backs, card_fronts
from ..pdfcheck import placed_forms

GS_CMYK = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")


def test_printer_nudge_moves_the_cards(scratch):
    """A printer that prints 1.5 mm right and 2 mm low on the front, 0.5 mm
    left on the back: every card is drawn that much the other way, read
    from the sheet's content stream, from the stock's cells."""
    scratch.material()
    scratch.write("printers.yaml", """\
        printers:
          office:
            front: {x: 1.5, y: -2}
            back: {x: -0.5, y: 0}
        """)
    report = scratch.build(printer="office", sheets=True)
    assert report.exit_code == 0
    rel = "en/sheets/test-card.avery-5371.pdf"
    fronts, backs = placed_forms(scratch.root / "output" / rel)
    want_fronts = [(x + 1.5 * MM, y - 2 * MM) for x, y in card_fronts("avery-5371")]
    want_backs = [(x - 0.5 * MM, y) for x, y in card_backs("avery-5371")]
    assert [v for x, y, _ in fronts for v in (x, y)] == pytest.approx(
        [v for point in want_fronts for v in point], abs=0.01)
    assert [v for x, y, _ in backs for v in (x, y)] == pytest.approx(
        [v for point in want_backs for v in point], abs=0.01)
    assert fronts[0][:2] == pytest.approx((54 + 4.252, 612 - 5.669), abs=0.01)   # spelled out
    entry = next(r.entry for r in report.results if r.path == rel)
    first_front = next(c for c in entry["cells"] if c["page"] == 1 and c["cell"] == 1)
    first_back = next(c for c in entry["cells"] if c["page"] == 2 and c["cell"] == 1)
    assert (first_front["x"], first_front["y"]) == pytest.approx(want_fronts[0], abs=0.001)
    assert (first_back["x"], first_back["y"]) == pytest.approx(want_backs[0], abs=0.001)
    unknown = scratch.build(printer="nope", sheets=True)
    assert any("unknown printer 'nope'" in r.error.message for r in unknown.failed)


def test_print_shop_file_has_bleed_trim_and_marks(scratch):
    scratch.material()
    if GS_CMYK.exists():
        shutil.copy(GS_CMYK, scratch.root / "styles/print-shop.icc")
    report = scratch.build(target="shop")
    assert report.exit_code == 0
    [result] = report.results
    entry = result.entry
    assert entry["path"] == "en/test-card.shop.pdf" and entry["bleed_pt"] == 9.0
    assert entry["trim_size_pt"] == [252.0, 144.0]
    reader = PdfReader(scratch.root / "output" / entry["path"])
    for page in reader.pages:
        assert [float(v) for v in page.trimbox] == [0, 0, 252, 144]
        assert [float(v) for v in page.bleedbox] == [-9, -9, 261, 153]
        assert [float(v) for v in page.mediabox] == [-27, -27, 279, 171]
    assert reader.pdf_header == "%PDF-1.6"
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b"<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>" in xmp
    if GS_CMYK.exists():
        assert entry["output_intent"] == "styles/print-shop.icc"
        assert reader.trailer["/Root"]["/OutputIntents"][0]["/S"] == "/GTS_PDFX"
    # Rendered again from scratch (not reused as up to date): the same bytes.
    data = (scratch.root / "output" / entry["path"]).read_bytes()
    again = scratch.build(target="shop", force=True)
    assert not again.results[0].reused
    assert (scratch.root / "output" / entry["path"]).read_bytes() == data
    assert again.results[0].entry["sha256"] == entry["sha256"]


def color_operators(path: Path, page: int = 0) -> Counter:
    """How often each colour operator appears on a page, with the colour
    space named by each cs/CS (rg/RG: RGB; k/K: CMYK; g/G: grey)."""
    reader = PdfReader(path)
    found = Counter()
    for operands, operator in ContentStream(reader.pages[page].get_contents(), reader).operations:
        if operator in (b"cs", b"CS"):
            found[f"{operator.decode()} {operands[0]}"] += 1
        elif operator in (b"rg", b"RG", b"k", b"K", b"g", b"G", b"sc", b"scn", b"SC", b"SCN"):
            found[f"{operator.decode()}/{len(operands)}"] += 1
    return found


def test_print_shop_colors_are_cmyk(scratch):
    """The shop file sets every colour in CMYK (four components, DeviceCMYK);
    the office print of the same card uses RGB, so the check can tell."""
    scratch.material()
    assert scratch.build(target="shop").exit_code == 0
    shop = color_operators(scratch.root / "output/en/test-card.shop.pdf")
    assert not {op for op in shop if op.split("/")[0] in ("rg", "RG", "sc", "SC")}, shop
    assert {op for op in shop if op.startswith(("cs ", "CS "))} <= {"cs /DeviceCMYK", "CS /DeviceCMYK"}
    assert shop["cs /DeviceCMYK"] and shop["scn/4"] + shop["k/4"] > 0, shop
    assert set(op for op in shop if "/" in op and not op.startswith(("cs", "CS"))) <= {
        "scn/4", "SCN/4", "k/4", "K/4"}, shop
    assert scratch.build(variants=["standard"], out=scratch.root / "office").exit_code == 0
    office = color_operators(scratch.root / "office/en/test-card.pdf")
    assert office["rg/3"] > 0 and not office["scn/4"] and not office["k/4"], office


def pages_as_pictures(path: Path, scale: float) -> list[Image.Image]:
    document = pdfium.PdfDocument(path)
    try:
        return [page.render(scale=scale).to_pil().convert("RGB") for page in document]
    finally:
        document.close()


def _runs(columns: list[int]) -> list[tuple[int, int]]:
    """Consecutive numbers grouped: [3, 4, 5, 9] -> [(3, 5), (9, 9)]."""
    runs: list[tuple[int, int]] = []
    for x in columns:
        if runs and x == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], x)
        else:
            runs.append((x, x))
    return runs


def test_fold_marks_are_optional(scratch):
    scratch.write("pamphlets/fold/material.yaml", CARD_META.replace("wallet-card", "trifold")
                  .replace("  front:\n    qr:\n      - {contact: line, action: call}\n  back:\n    contacts: [site]\n",
                           "".join(f"  {p}: {{}}\n" for p in ("flap", "back", "cover", "inside-left",
                                                               "inside-middle", "inside-right"))))
    scratch.write("pamphlets/fold/en.md", "".join(f"<!-- part: {p} -->\nText {p}.\n\n" for p in (
        "flap", "back", "cover", "inside-left", "inside-middle", "inside-right")))
    plain = scratch.build(variants=["standard"])
    marked = scratch.build(variants=["standard"], fold_marks=True, out=scratch.root / "marked")
    assert plain.exit_code == marked.exit_code == 0
    # The pages as printed: the marks are short ticks at the top and bottom
    # of both folds of the outside page, and nothing else changes.
    scale = 2
    before = pages_as_pictures(scratch.root / "output/en/fold.pdf", scale)
    after = pages_as_pictures(scratch.root / "marked/en/fold.pdf", scale)
    assert ImageChops.difference(before[1], after[1]).getbbox() is None     # inside: unchanged
    red, green, blue = ImageChops.difference(before[0], after[0]).split()
    difference = ImageChops.lighter(ImageChops.lighter(red, green), blue).point(
        lambda v: 255 if v > 30 else 0)           # the mark is grey, on white or on the cover's colour
    width, height = difference.size
    band = 0.4 * PT * scale
    top = difference.crop((0, 0, width, round(band)))
    bottom = difference.crop((0, height - round(band), width, height))
    assert difference.crop((0, round(band), width, height - round(band))).getbbox() is None
    for strip in (top, bottom):
        columns = [x for x in range(width) if strip.crop((x, 0, x + 1, strip.height)).getbbox()]
        ticks = _runs(columns)
        assert len(ticks) == 2, ticks                      # one tick at each fold
        for (first, last), fold in zip(ticks, (11 / 3, 22 / 3)):
            assert abs((first + last) / 2 / scale / PT - fold) < 0.2, (first, last)


def test_print_shop_x1a_for_older_workflows(scratch):
    scratch.material()
    report = scratch.build(target="shop", pdfx="x-1a")
    assert report.exit_code == 0 and report.results[0].entry["pdf_variant"] == "PDF/X-1A"
    reader = PdfReader(scratch.root / "output/en/test-card.shop.pdf")
    assert reader.pdf_header == "%PDF-1.4"
    assert reader.metadata["/GTS_PDFXVersion"] == "PDF/X-1a:2003"


def test_source_date_epoch_sets_the_modification_date(scratch, monkeypatch):
    scratch.material()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")      # 2026-01-01 00:00 UTC
    scratch.build()
    reader = PdfReader(scratch.root / "output/en/test-card.pdf")
    assert reader.metadata["/ModDate"].startswith("D:20260101000000")
    assert reader.metadata["/CreationDate"].startswith("D:20261127")   # the revision


def test_a_print_shop_file_without_any_cmyk_profile_is_refused(scratch):
    """PDF/X-4 without an output intent is a file no preflight accepts: with
    neither the shop's profile nor the default one, the build says so."""
    scratch.material()
    for profile in (scratch.root / "styles").rglob("*.icc"):
        profile.unlink()
    report = scratch.build(target="shop")
    assert report.exit_code == 1
    [failed] = report.failed
    assert "no CMYK profile for the print-shop file" in failed.error.message
    assert not (scratch.root / "output/en/test-card.shop.pdf").exists()


def test_the_shops_own_profile_wins_over_the_default(scratch):
    scratch.material()
    default = scratch.root / "styles/profiles/GRACoL2006_Coated_TR006.icc"
    shutil.copy(default, scratch.root / "styles/print-shop.icc")
    report = scratch.build(target="shop")
    assert report.exit_code == 0 and report.results[0].entry["output_intent"] == "styles/print-shop.icc"
