"""Print production on throwaway projects, read back from the PDFs: a
printer's nudge, print-shop boxes and colors, fold marks, PDF/X-1a and a
reproducible modification date (the default content's sheets and tri-fold:
tests/acceptance/test_impose.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from pamphlet_builder.formats import PT_PER_MM
from pamphlet_builder.impose import PRESETS

from ..conftest import CARD_META

GS_CMYK = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")


def test_printer_nudge_moves_the_cards(scratch):
    scratch.material()
    scratch.write("printers.yaml", """\
        printers:
          office:
            front: {x: 1.5, y: -2}
            back: {x: -0.5, y: 0}
        """)
    report = scratch.build(printer="office", sheets=True)
    assert report.exit_code == 0
    entry = next(r.entry for r in report.results if r.path == "en/sheets/test-card.avery-5371.pdf")
    preset = PRESETS["avery-5371"]
    first_front = next(c for c in entry["cells"] if c["page"] == 1 and c["cell"] == 1)
    first_back = next(c for c in entry["cells"] if c["page"] == 2 and c["cell"] == 1)
    assert (first_front["x"], first_front["y"]) == pytest.approx(
        (preset.cell(0)[0] + 1.5 * PT_PER_MM, preset.cell(0)[1] - 2 * PT_PER_MM))
    assert first_back["x"] == pytest.approx(preset.cell(0, back=True)[0] - 0.5 * PT_PER_MM, abs=0.001)
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
    again = scratch.build(target="shop")
    assert again.results[0].entry["sha256"] == entry["sha256"]


def test_print_shop_colors_are_cmyk(scratch):
    scratch.material()
    scratch.build(target="shop", )
    reader = PdfReader(scratch.root / "output/en/test-card.shop.pdf")
    content = reader.pages[0].get_contents().get_data()
    assert b" k\n" in content or b" scn" in content or b" k " in content


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
    first = PdfReader(scratch.root / "output/en/fold.pdf").pages[0].get_contents().get_data()
    second = PdfReader(scratch.root / "marked/en/fold.pdf").pages[0].get_contents().get_data()
    assert second.count(b" l") >= first.count(b" l") + 4 or len(second) > len(first)


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
