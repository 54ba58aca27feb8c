"""The layout's floors, measured on the built PDFs the way a reader (or a
phone) meets them: type sizes, QR symbol sizes, numbers kept with their
hours, Korean words whole, CJK paragraphs without a lone last character,
handouts in the English page count, and the catalog's print note."""

from __future__ import annotations

import ctypes
import math
import re
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as raw
import pytest
import zxingcpp
from pypdf import PdfReader

from pamphlet_builder.checks import run_checks
from pamphlet_builder.formats import FORMATS, SMALL_PRINT_PT, STRIPS_PT_UNSHRUNK
from pamphlet_builder.pdf import covered_text, overflows, render_document, scales_below, unbreakable_spans
from pamphlet_builder.qr import MIN_SYMBOL_IN, printed_width_for, symbol_width

from ..conftest import ROOT

STRIP_WORDS = ("NOT FOR DISTRIBUTION", "DRAFT TRANSLATION")


def documents(manifest: dict) -> list[dict]:
    return [e for e in manifest["outputs"] if e["kind"] == "document"]


def text_lines(path: Path) -> list[list[tuple[str, float, float]]]:
    """Per page, the lines of its text layer: (text, smallest size in pt,
    y of the line's baseline in pt from the bottom)."""
    pages = []
    document = pdfium.PdfDocument(path)
    try:
        for page in document:
            textpage = page.get_textpage()
            lines, text, sizes, ys = [], [], [], []
            for i in range(textpage.count_chars()):
                char = textpage.get_text_range(i, 1)
                if char in "\r\n":
                    if text:
                        lines.append(("".join(text), min(sizes or [99.0]), min(ys or [0.0])))
                    text, sizes, ys = [], [], []
                    continue
                text.append(char)
                if not char.isspace():
                    matrix = raw.FS_MATRIX()
                    raw.FPDFText_GetMatrix(textpage.raw, i, ctypes.byref(matrix))
                    scale = math.sqrt(abs(matrix.a * matrix.d - matrix.b * matrix.c))
                    sizes.append(raw.FPDFText_GetFontSize(textpage.raw, i) * scale)
                    ys.append(matrix.f)
            if text:
                lines.append(("".join(text), min(sizes or [99.0]), min(ys or [0.0])))
            pages.append(lines)
    finally:
        document.close()
    return pages


def test_nothing_on_a_card_is_under_its_floor(default_build):
    out, manifest = default_build
    floor = FORMATS["wallet-card"].floor_pt
    small = []
    for entry in documents(manifest):
        if entry["format"] == "wallet-card":
            for number, lines in enumerate(text_lines(out / entry["path"]), start=1):
                small += [(entry["path"], number, text, round(size, 2))
                          for text, size, _ in lines if size < floor - 0.05]
    assert small == []


def test_nothing_anywhere_is_under_the_small_print_floor(default_build):
    out, manifest = default_build
    small = []
    for entry in documents(manifest):
        for number, lines in enumerate(text_lines(out / entry["path"]), start=1):
            small += [(entry["path"], number, text, round(size, 2))
                      for text, size, _ in lines if size < SMALL_PRINT_PT - 0.05]
    assert small == []


def test_large_print_is_18pt_except_footer_and_strips(default_build):
    """Everything a reader needs at 18 pt or more (contact descriptions, QR
    captions, "Call ... · 24/7", "(unverified)"); the footer and the proof
    strips (in the margins: the top 1.3 in, the bottom 0.7 in) at 14 pt."""
    out, manifest = default_build
    small = []
    for entry in documents(manifest):
        if entry["variant"] != "large-print":
            continue
        height = entry["page_size_pt"][1]
        for number, lines in enumerate(text_lines(out / entry["path"]), start=1):
            for text, size, y in lines:
                margin = y > height - 1.3 * 72 or y < 0.7 * 72
                floor = STRIPS_PT_UNSHRUNK if margin else 18.0
                if size < floor - 0.05:
                    small.append((entry["path"], number, text, round(size, 2)))
    assert small == []


def test_qr_symbols_are_at_least_the_floor_as_a_phone_sees_them(default_build):
    """The symbol (corners as zxing finds them on a 300 dpi picture), not
    the printed box with its quiet zone, is 0.8 in or more; the manifest
    states the same size."""
    out, manifest = default_build
    dpi = 300
    for entry in documents(manifest):
        if entry["lang"] not in ("en", "es", "ar", "ko") or not entry["qr"]:
            continue
        for code in entry["qr"]:
            assert code["symbol_in"] >= MIN_SYMBOL_IN, (entry["path"], code)
            assert code["symbol_in"] == pytest.approx(
                symbol_width(code["printed_in"], code["modules"]), abs=0.002)
        document = pdfium.PdfDocument(out / entry["path"])
        try:
            found = []
            for page in document:
                image = page.render(scale=dpi / 72).to_pil()
                for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode):
                    p = r.position
                    found.append((r.text, math.dist((p.top_left.x, p.top_left.y),
                                                    (p.top_right.x, p.top_right.y)) / dpi))
        finally:
            document.close()
        assert {text for text, _ in found} == {c["target"] for c in entry["qr"]}, entry["path"]
        assert all(width >= MIN_SYMBOL_IN - 0.01 for _, width in found), (entry["path"], found)


def test_check_measures_the_symbol_not_the_box(scratch):
    """0.8 in of box holds a 0.61 in symbol for a phone number (25 modules
    and the quiet zone): an error that says how wide the box must be."""
    scratch.material()
    theme = scratch.root / "styles/theme.css"
    text = theme.read_text()
    theme.write_text(re.sub(r"--qr-m: [0-9.]+in;", "--qr-m: 0.8in;", text))
    errors = [f.message for f in run_checks(scratch.project()) if f.level == "error"]
    assert any(m.startswith("--qr-m is 0.8in: the symbol of tel:+18004843731") and "0.61 in" in m
               and "1.06in or more" in m for m in errors), errors
    theme.write_text(text)
    assert not [f for f in run_checks(scratch.project()) if f.check == "QR size"]
    assert printed_width_for(0.8, 33) == pytest.approx(1.056, abs=0.001)


def test_a_number_keeps_its_hours(default_build):
    """No line ends in "988 ·" or starts with "· 24/7" (cards, handouts)."""
    out, manifest = default_build
    split = []
    for entry in documents(manifest):
        if entry["format"] == "trifold":
            continue    # its cover's "Project · hep.org" is content text (pamphlets/), not a unit
        for number, lines in enumerate(text_lines(out / entry["path"]), start=1):
            texts = [t.strip() for t, _, _ in lines]
            split += [(entry["path"], number, t) for t in texts
                      if t.endswith("·") or t.startswith("·")]
    assert split == []


def korean_lines(html_body: str, width: str, lang: str = "ko", font: str = "Noto Sans CJK KR") -> list[str]:
    html = (f'<html lang="{lang}"><head><link rel="stylesheet" href="styles/common.css"><style>'
            f'@page {{ size: 4in 6in; margin: 0 }} p {{ width: {width}; font: 8pt "{font}" }}'
            f'</style></head><body><p>{html_body}</p></body></html>')
    document = render_document(html, ROOT)
    def text_of(box) -> str:
        return getattr(box, "text", "") + "".join(text_of(c) for c in getattr(box, "children", []))
    return [text_of(line)
            for line in document.pages[0]._page_box.children[0].children[0].children[0].children]


@pytest.mark.parametrize("width", ["0.9in", "1.3in", "1.7in"])
def test_korean_breaks_between_words_only(width):
    text = ("사용하는 동안 음성 통화로 지원자와 연결해 줘요. "
            "대답이 없으면 본인이 정한 계획에 따라 도움을 받게 해 줘요.")
    lines = korean_lines(text, width)
    assert len(lines) > 1
    words = text.split()
    assert [w for line in lines for w in line.split()] == words     # every line ends at a space


def test_cjk_keeps_its_last_characters_with_the_full_stop():
    assert unbreakable_spans("危機の中にいる、すべての人を支えます。", False, "ja") == [(15, 19)]
    assert unbreakable_spans("為任何陷入危機的人提供支援。", False, "zh-Hant") == [(10, 14)]
    assert unbreakable_spans("Call before you use.", False, "ja") == []
    assert unbreakable_spans("주사기 서비스", True, "ko") == [(0, 3), (4, 7)]


@pytest.mark.parametrize("width", ["0.6in", "0.75in", "0.9in", "1.1in"])
def test_a_number_hyphenated_to_a_word_stays_on_one_line(width):
    lines = korean_lines("Khatarta ugu weyn waa toddobaadka 2-da iyo 100-kii qof", width, "so", "Noto Sans")
    assert len(lines) > 2
    assert not any(line.rstrip().endswith(("2-", "100-")) for line in lines), lines


def test_a_number_keeps_the_word_it_is_hyphenated_to():
    assert unbreakable_spans("toddobaadka 2-da ugu horreysa", False, "so") == [(12, 16)]
    assert unbreakable_spans("100-kii qof", False, "so") == [(0, 7)]
    assert unbreakable_spans("Call 988 now.", False, "en") == []


def test_fit_steps_end_at_the_floor():
    assert scales_below(1.0, 0.8125) == [0.96, 0.92, 0.88, 0.84, 0.8125]
    assert scales_below(0.88, 0.8182) == [0.84, 0.8182]
    assert scales_below(1.0, 1.0) == []


def test_handouts_take_the_english_page_count(default_build):
    """Each translated handout (that may shrink) takes no more pages than its
    English, where the floor allows it: one that takes more did not fit in
    them at any size down to the floor (the build summary names it): that
    is the exception. Each with more than one page records the English page
    count it was fitted to (a one-page handout cannot take more)."""
    _, manifest = default_build
    handouts = [e for e in documents(manifest) if e["format"] == "handout"
                and e["variant"] in ("standard", "photocopy", "flyer")]
    english = {(e["material"], e["variant"]): e["pages"] for e in handouts if e["lang"] == "en"}
    assert all("english_pages" in e for e in handouts if e["pages"] > 1 or e["lang"] == "en")
    longer = []
    for entry in handouts:
        assert entry["pages"] == 1 or \
            entry["english_pages"] == english[(entry["material"], entry["variant"])]
        if entry["pages"] > english[(entry["material"], entry["variant"])]:
            longer.append(entry["path"])
    assert len(longer) < len(handouts) // 10, longer          # the exception, not the rule


def test_a_mostly_empty_last_page_is_saved_by_slightly_smaller_type(default_build):
    """The English provider guide fits one page at 88% type rather than
    leaving its help box alone on a second page."""
    out, manifest = default_build
    [entry] = [e for e in documents(manifest) if e["path"] == "en/for-providers-handout.pdf"]
    assert entry["pages"] == 1 and 0.88 <= entry["fit_scale"] < 1.0
    assert len(PdfReader(out / entry["path"]).pages) == 1


def test_print_note_matches_the_page_count(default_build):
    out, manifest = default_build
    html = (out / "index.html").read_text("utf-8")
    for article in re.findall(r"<article.*?</article>", html, re.S):
        pages = int(re.search(r"(\d+) pages?", article).group(1))
        note = re.search(r"How to print:</strong> ([^<]*)", article).group(1)
        if "double-sided" in note or "both sides" in note:
            assert pages > 1, note
        if "one side" in note:
            assert pages == 1, note


def test_ui_phrases_put_the_number_where_the_language_does():
    """'Call or text 988' is one entry with the number in it; Amharic,
    Oromo and Tigrinya put the verb after the number."""
    from babel.messages.pofile import read_po
    for lang, before_verb in (("am", "ወደ %(number)s ይደውሉ"), ("om", "%(number)s bilbili"),
                              ("ti", "ናብ %(number)s ደውሉ")):
        with (ROOT / "translations" / lang / "ui.po").open("rb") as handle:
            catalog = read_po(handle)
        message = catalog["Call %(number)s"]
        assert message.string == before_verb
        assert "machine draft, not reviewed" in message.user_comments
        assert not message.fuzzy


def test_check_holds_the_theme_to_the_small_print_floor(scratch):
    scratch.material()
    theme = scratch.root / "styles/theme.css"
    theme.write_text(theme.read_text().replace("--card-small: 6.5pt;", "--card-small: 6pt;"))
    errors = [f.message for f in run_checks(scratch.project()) if f.level == "error"]
    assert "--card-small is 6 pt; nothing prints below 6.5 pt" in errors


def test_text_smaller_than_the_floor_fails_the_card(scratch):
    """A stylesheet that sets small print under the floor fails the file
    by name, measured on the laid-out page."""
    scratch.material()
    sheet = scratch.root / "styles/wallet-card.css"
    sheet.write_text(sheet.read_text() + "\n.contact-does { font-size: 5pt; }\n")
    report = scratch.build()
    assert report.exit_code == 1
    message = report.failed[0].error.message
    assert "type smaller than its floor" in message and "'A site for tests.' is 5.00 pt" in message


def test_a_translation_is_fitted_to_the_english_page_count_when_the_floor_allows():
    """Text that takes two pages at full size takes one at a smaller size
    when the English has one page; with a floor too high for that, it keeps
    its larger type on two pages."""
    from pamphlet_builder.pdf import render_fitting

    def make_html(scale: float) -> str:
        return ('<style>@page { size: 4in 3in; margin: 0.2in } '
                f'p {{ font: {11 * scale}pt/1.3 "Noto Sans"; margin: 0 }}</style>'
                + "<p>" + "Some words that run on. " * 28 + "</p>")

    handout = FORMATS["handout"]
    asked = []

    def english() -> int:
        asked.append(1)
        return 1
    document, scale = render_fitting(make_html, handout, ROOT, 9 / 11, english)
    assert len(render_fitting(make_html, handout, ROOT, 1.0)[0].pages) == 2
    assert len(document.pages) == 1 and 9 / 11 <= scale < 1.0 and asked
    document, scale = render_fitting(make_html, handout, ROOT, 0.99, english)
    assert len(document.pages) == 2 and scale == 1.0
    # The same answer from a guess (the office print's size) in fewer renders.
    assert render_fitting(make_html, handout, ROOT, 9 / 11, english, guess=scale)[1] == \
        render_fitting(make_html, handout, ROOT, 9 / 11, english)[1]


def test_the_build_says_which_handouts_are_longer_than_their_english():
    from pamphlet_builder.build import _longer_than_english
    from pamphlet_builder.model import Result
    results = [Result("h", "es", "es/h.pdf", entry={"path": "es/h.pdf", "pages": 2, "english_pages": 1}),
               Result("h", "vi", "vi/h.pdf", entry={"path": "vi/h.pdf", "pages": 1, "english_pages": 1}),
               Result("c", "es", "es/c.pdf", entry={"path": "es/c.pdf", "pages": 2})]
    assert _longer_than_english(results) == [
        "1 handout(s) take more pages than their English even at the smallest type: "
        "es/h.pdf (2 pages, English 1)"]


@pytest.mark.parametrize("strip_top, covered", [("-0.3in", True), ("-0.45in", False)])
def test_a_proof_strip_over_text_is_found(strip_top, covered):
    """Two stacked strips in a margin too small for them (the flyer, before
    its strips were made tighter) lie over the first heading of a page."""
    html = ('<html lang="vi"><head><style>@page { size: 5.5in 8.5in; margin: 0.35in }'
            f'.proof-fixed {{ position: fixed; top: {strip_top}; left: 0; right: 0 }}'
            '.proof-mark { font: 6.5pt "Noto Sans"; line-height: 1.38; padding: 0.02in; margin: 0 0 0.02in;'
            ' background: yellow } body, h2 { margin: 0 } h2 { font: 11.5pt "Noto Sans" }</style></head><body>'
            '<div class="proof-fixed"><p class="proof-mark">DRAFT</p><p class="proof-mark">PROOF</p></div>'
            '<h2>Nếu ai đó bị quá liều</h2><p class="footer">footer</p></body></html>')
    found = covered_text(render_document(html, ROOT))
    assert bool(found) is covered, found
    if covered:
        assert "Nếu ai đó bị quá liều" in found[0]


@pytest.mark.parametrize("title, wide", [("употреблять\u00a0меньше", True), ("употреблять меньше", False)])
def test_a_line_wider_than_its_panel_does_not_fit(title, wide):
    """Words glued by a no-break space wider than the panel ran off the
    tri-fold's cover (ru, om) while the fit check looked only at the bottom."""
    html = ('<html lang="ru"><head><style>@page { size: 4in 4in; margin: 0 }'
            '.fit-box { width: 3.1in; height: 3in; overflow: hidden; position: relative }'
            '.fit-content { position: absolute; top: 0; left: 0; right: 0 }'
            'h1 { font: 30pt "Noto Sans"; margin: 0 }</style></head><body>'
            f'<section class="fit-box" id="part-cover"><div class="fit-content"><h1>{title}</h1>'
            '</div></section></body></html>')
    found = overflows(render_document(html, ROOT))
    assert ("part-cover" in found) is wide, found
