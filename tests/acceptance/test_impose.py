"""Print production of the default content, read back from the PDFs: card
sheets that line up, backs behind fronts, every cell scans, mixed-language
sheets, and tri-fold panels in fold order."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp

from pamphlet_builder.formats import PT_PER_IN

from ..paper import CARD, LETTER, SHEETS, card_backs, card_fronts
from ..pdfcheck import page_sizes, placed_forms


def sheets(manifest: dict) -> list[dict]:
    return [e for e in manifest["outputs"] if e["kind"] == "sheet"]


PRESETS = ("avery-5371", "letter-10up", "a4-10up")   # what staff print cards on (README)


def test_every_card_has_a_sheet_in_every_preset(default_build):
    _, manifest = default_build
    cards = {(e["material"], e["lang"]) for e in manifest["outputs"]
             if e["kind"] == "document" and e["format"] == "wallet-card" and e["variant"] == "standard"}
    assert {m for m, _ in cards} == {"never-use-alone-card", "help-lines-card",
                                     "overdose-response-card", "good-samaritan-card"}
    built = {(e["material"], e["lang"], e["preset"]) for e in sheets(manifest)}
    assert {(m, lang, p) for m, lang in cards for p in PRESETS} <= built
    assert {("alignment", "", p) for p in PRESETS} <= built
    assert {e["preset"] for e in sheets(manifest)} == set(PRESETS)


def flat(points) -> list[float]:
    return [v for point in points for v in point]


def test_sheet_geometry_is_the_stocks(default_build):
    """Every sheet, read from its PDF: the paper size, and the ten cards as
    the content stream places them (the `cm` before each `Do`) at the
    stock's cells, 3.5 x 2 in each; the backs where a long-edge flip puts
    them. The manifest (the catalog, the alignment notes) says the same."""
    out, manifest = default_build
    assert len(sheets(manifest)) > 80
    for entry in sheets(manifest):
        paper, _, _ = SHEETS[entry["preset"]]
        path = out / entry["path"]
        assert page_sizes(path) == [pytest.approx(paper, abs=0.01)] * 2, entry["path"]
        fronts, backs = placed_forms(path)
        assert flat((x, y) for x, y, _ in fronts) == pytest.approx(flat(card_fronts(entry["preset"])),
                                                                   abs=0.01), entry["path"]
        assert flat((x, y) for x, y, _ in backs) == pytest.approx(flat(card_backs(entry["preset"])),
                                                                  abs=0.01), entry["path"]
        assert {tuple(box) for _, _, box in fronts + backs} == {(0.0, 0.0, *CARD)}, entry["path"]
        cells = {(c["page"], c["cell"]): c for c in entry["cells"]}
        assert set(cells) == {(page, n) for page in (1, 2) for n in range(1, 11)}
        for page, placed in ((1, fronts), (2, backs)):
            for number, (x, y, _) in enumerate(placed, start=1):
                cell = cells[(page, number)]
                assert (cell["x"], cell["y"], cell["width"], cell["height"]) == pytest.approx(
                    (x, y, *CARD), abs=0.001), (entry["path"], page, number)


def test_the_avery_grid_is_the_one_on_the_box():
    """The expectations above, spelled out for Avery 5371 on Letter: card 1
    at 0.75 in from the left, 0.5 in from the top; card 10 at the bottom
    right; card 1's back at the right after the flip."""
    assert card_fronts("avery-5371")[0] == (54.0, 612.0)
    assert card_fronts("avery-5371")[9] == (306.0, 36.0)
    assert card_backs("avery-5371")[0] == (306.0, 612.0)
    assert LETTER[0] - card_fronts("avery-5371")[1][0] - CARD[0] == 54.0      # 0.75 in on the right


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
        (1, "How the medicines help"): 0, (1, "Naltrexone warning"): 1, (1, "Start at the STEP Clinic"): 2,
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
