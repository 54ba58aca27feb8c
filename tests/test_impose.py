"""Print production read back from the PDFs: card sheets that line up,
backs behind fronts, print-shop boxes, and tri-fold panels in fold order."""

from __future__ import annotations

import shutil
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp
from pypdf import PdfReader

from pamphlet_builder.formats import PT_PER_IN, PT_PER_MM
from pamphlet_builder.impose import CARD_PT, PRESETS

from .conftest import CARD_META

GS_CMYK = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")


def sheets(manifest: dict) -> list[dict]:
    return [e for e in manifest["outputs"] if e["kind"] == "sheet"]


def test_every_card_has_a_sheet_in_every_preset(default_build):
    _, manifest = default_build
    cards = {(e["material"], e["lang"]) for e in manifest["outputs"]
             if e["kind"] == "document" and e["format"] == "wallet-card" and e["variant"] == "standard"}
    built = {(e["material"], e["lang"], e["preset"]) for e in sheets(manifest)}
    assert {(m, lang, p) for m, lang in cards for p in PRESETS} <= built
    assert {("alignment", "", p) for p in PRESETS} <= built


def test_sheet_geometry_matches_the_preset(default_build):
    out, manifest = default_build
    for entry in sheets(manifest):
        preset = PRESETS[entry["preset"]]
        reader = PdfReader(out / entry["path"])
        assert len(reader.pages) == 2
        for page in reader.pages:
            assert (float(page.mediabox.width), float(page.mediabox.height)) == \
                pytest.approx(preset.size, abs=0.01)
        for cell in entry["cells"]:
            x, y = preset.cell(cell["cell"] - 1, back=cell["page"] == 2)
            assert (cell["x"], cell["y"]) == pytest.approx((x, y), abs=0.5), entry["path"]
            assert (cell["width"], cell["height"]) == pytest.approx(CARD_PT, abs=0.01)
    avery = PRESETS["avery-5371"]
    assert avery.margins == pytest.approx((0.75 * PT_PER_IN, 0.5 * PT_PER_IN))
    assert avery.cell(0) == pytest.approx((0.75 * PT_PER_IN, 11 * PT_PER_IN - 0.5 * PT_PER_IN - 144))


def _positions(path: Path, page_index: int, needle: str) -> list[tuple[float, float]]:
    """Lower-left corners of every occurrence of `needle` on a page."""
    document = pdfium.PdfDocument(path)
    try:
        textpage = document[page_index].get_textpage()
        searcher = textpage.search(needle, match_case=True)
        found = []
        while (hit := searcher.get_next()) is not None:
            left, bottom, _, _ = textpage.get_charbox(hit[0])
            found.append((left, bottom))
        return found
    finally:
        document.close()


def test_cards_land_exactly_in_their_cells(default_build):
    """The number on the back of each card sits where the card puts it,
    moved by its cell's corner, within 0.5 pt."""
    out, manifest = default_build
    entry = next(e for e in sheets(manifest) if e["path"] == "en/sheets/never-use-alone-card.avery-5371.pdf")
    [(card_x, card_y)] = _positions(out / "en/never-use-alone-card.pdf", 1, "1-866-789-1511")
    on_sheet = sorted(_positions(out / entry["path"], 1, "1-866-789-1511"))
    expected = sorted((c["x"] + card_x, c["y"] + card_y) for c in entry["cells"] if c["page"] == 2)
    assert len(on_sheet) == 10
    for got, want in zip(on_sheet, expected):
        assert got == pytest.approx(want, abs=0.5)


def test_backs_land_behind_their_fronts_after_a_long_edge_flip(default_build):
    _, manifest = default_build
    for entry in sheets(manifest):
        width = entry["page_size_pt"][0]
        fronts = {c["cell"]: c for c in entry["cells"] if c["page"] == 1}
        backs = {c["cell"]: c for c in entry["cells"] if c["page"] == 2}
        assert set(fronts) == set(backs) == set(range(1, 11))
        for number, front in fronts.items():
            back = backs[number]
            flipped_x = width - back["x"] - back["width"]      # long edge: left and right swap
            assert (flipped_x, back["y"]) == pytest.approx((front["x"], front["y"]), abs=0.5)


def test_every_cell_of_a_sheet_scans(default_build):
    out, manifest = default_build
    for path in ("en/sheets/help-lines-card.letter-10up.pdf", "ar/sheets/never-use-alone-card.a4-10up.pdf"):
        entry = next(e for e in sheets(manifest) if e["path"] == path)
        card = next(e for e in manifest["outputs"] if e["path"] == entry["sources"][0])
        want = sorted(q["target"] for q in card["qr"] if q["page"] == 1)
        document = pdfium.PdfDocument(out / path)
        scale = 150 / 72
        image = document[0].render(scale=scale).to_pil()
        height = entry["page_size_pt"][1]
        for cell in (c for c in entry["cells"] if c["page"] == 1):
            box = (cell["x"] * scale, (height - cell["y"] - cell["height"]) * scale,
                   (cell["x"] + cell["width"]) * scale, (height - cell["y"]) * scale)
            found = sorted(r.text for r in zxingcpp.read_barcodes(image.crop(tuple(map(round, box)))))
            assert found == want, (path, cell["cell"])
        document.close()


def test_mixed_sheet_puts_each_language_in_its_cell(default_build):
    out, manifest = default_build
    entry = next(e for e in sheets(manifest)
                 if e["path"] == "sheets/never-use-alone-5-languages.avery-5371.pdf")
    document = pdfium.PdfDocument(out / entry["path"])
    textpage = document[1].get_textpage()
    for cell in (c for c in entry["cells"] if c["page"] == 2):
        lang = cell["source"].split("/")[0]
        text = textpage.get_text_bounded(cell["x"], cell["y"], cell["x"] + cell["width"],
                                         cell["y"] + cell["height"])
        assert f"never-use-alone-card · {lang}" in text, (cell, text[-80:])
    document.close()


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


def test_trifold_panels_are_in_roll_fold_order(default_build):
    """Outside: flap | back | cover (cover on the right); inside: left,
    middle, right. Arabic is mirrored."""
    out, _ = default_build
    width = 11 * PT_PER_IN
    checks = {  # (page, text): which third of the sheet, English
        (0, "Is this for me?"): 0, (0, "Talk to someone now"): 1, (0, "Go at your own pace."): 2,
        (1, "How the medicines help"): 0, (1, "Your options"): 1, (1, "Start at the STEP Clinic"): 2,
    }
    for (page, text), third in checks.items():
        [(x, _)] = _positions(out / "en/moud-trifold.pdf", page, text)
        assert third * width / 3 <= x < (third + 1) * width / 3, text
    [(x, _)] = _positions(out / "en/moud-trifold.pdf", 0, "Is this for me?")
    assert x < 3.625 * PT_PER_IN            # the fold-in panel is the narrow one
    document = pdfium.PdfDocument(out / "ar/moud-trifold.pdf")
    rects = document[0].get_textpage()
    cover_x = [rects.get_charbox(i)[0] for i in range(rects.count_chars())
               if rects.get_text_range(i, 1) == "h" and rects.get_text_range(i, 7) == "hep.org"]
    document.close()
    assert cover_x and all(x < width / 3 for x in cover_x)     # Arabic cover on the left


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
