"""Print production of the default content, read back from the PDFs: card
sheets that line up, backs behind fronts, every cell scans, mixed-language
sheets, and tri-fold panels in fold order."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp
from pypdf import PdfReader

from pamphlet_builder.formats import PT_PER_IN
from pamphlet_builder.impose import CARD_PT, PRESETS


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
