"""The last line of defence: what each finished PDF prints is read back and
held to the registry, whichever way a number got in (template, stylesheet,
content); a failed output is never called ready, and no card sheet mixes
old and new cards."""

from __future__ import annotations

import json

import pytest

from pamphlet_builder.catalog import status_of

from ..conftest import CARD_META, CARD_TEXT
from ..pdfcheck import page_texts

INJECTED = "1-800-555-0199"


def manifest(scratch) -> dict[str, dict]:
    data = json.loads((scratch.root / "output/manifest.json").read_text("utf-8"))
    return {e["path"]: e for e in data["outputs"]}


def built_twice_with(scratch, change) -> tuple[object, bytes, bytes]:
    """Build two cards, apply `change` to the project, build again: the
    report and test-card's PDF before and after."""
    scratch.material("test-card")
    scratch.material("other-card")
    assert scratch.build().exit_code == 0
    before = (scratch.root / "output/en/test-card.pdf").read_bytes()
    change()
    report = scratch.build(catalog=True)
    return report, before, (scratch.root / "output/en/test-card.pdf").read_bytes()


def test_manifest_records_what_each_pdf_prints(scratch):
    scratch.material()
    assert scratch.build().exit_code == 0
    entry = manifest(scratch)["en/test-card.pdf"]
    assert entry["printed"] == {"phones": ["+18004843731"], "links": ["https://example.org"]}


def test_a_number_typed_into_a_template_fails_that_output_and_keeps_its_pdf(scratch):
    def change():
        path = scratch.root / "templates/wallet-card.html"
        path.write_text(path.read_text().replace(
            '<div class="back-body fit-content">',
            '<div class="back-body fit-content"><p>Or call ' + INJECTED + '</p>'))
    report, before, after = built_twice_with(scratch, change)
    failed = {r.path: r.error for r in report.failed}
    assert set(failed) == {"en/test-card.pdf", "en/other-card.pdf"}    # the template is shared
    error = failed["en/test-card.pdf"]
    assert str(error.path).endswith("output/en/test-card.pdf")
    assert f"page 2: the number '{INJECTED}' is not in the registry" in error.message
    assert after == before
    entry = manifest(scratch)["en/test-card.pdf"]
    assert entry["out_of_date"]["reason"].startswith("what the PDF prints does not match")
    assert ("final", "Ready to print") not in status_of(entry)
    assert "Out of date" in (scratch.root / "output/index.html").read_text("utf-8")


def test_a_number_in_a_stylesheet_content_rule_is_caught(scratch):
    def change():
        path = scratch.root / "styles/wallet-card.css"
        # A CSS escape, so that no search of the stylesheet for digits finds it.
        path.write_text(path.read_text() + '\n.face-back::after { content: "\\31 -800-555-0199"; }\n')
    report, before, after = built_twice_with(scratch, change)
    errors = [r.error.message for r in report.failed if r.path == "en/test-card.pdf"]
    assert errors and INJECTED in errors[0] and after == before


def test_an_address_typed_into_a_template_is_caught(scratch):
    def change():
        path = scratch.root / "templates/wallet-card.html"
        path.write_text(path.read_text().replace(
            '<div class="back-body fit-content">',
            '<div class="back-body fit-content"><p>See evil-example.net</p>'))
    report, _, _ = built_twice_with(scratch, change)
    [error] = [r.error.message for r in report.failed if r.path == "en/test-card.pdf"]
    assert "the address 'evil-example.net' is not in the registry" in error


def test_a_qr_code_without_its_number_in_plain_text_fails(scratch):
    def change():
        path = scratch.root / "templates/wallet-card.html"
        # Drop the big number beside the only QR code on the front.
        path.write_text(path.read_text().replace(
            '<p class="big-number">', '<p class="big-number" hidden>'))
        scratch.material("test-card", text=CARD_TEXT.replace("Call this line: {line.phone}.",
                                                             "Call this line."))
    report, _, _ = built_twice_with(scratch, change)
    [error] = [r.error.message for r in report.failed if r.path == "en/test-card.pdf"]
    assert "page 1: the QR code for tel:+18004843731 has no plain-text number" in error


def two_cards_on_a_mixed_sheet(scratch) -> None:
    scratch.material("test-card")
    scratch.material("other-card")
    scratch.write("pamphlets/sheets.yaml", """\
        sheets:
          both:
            cards: [test-card/en, other-card/en]
        """)
    assert scratch.build(sheets=True).exit_code == 0


def change_the_lines_number(scratch) -> None:
    contacts = scratch.root / "pamphlets/contacts.yaml"
    contacts.write_text(contacts.read_text().replace("1-800-484-3731", "1-800-222-1222"))


def test_a_number_change_with_a_failed_card_never_mixes_old_and_new_on_a_sheet(scratch):
    two_cards_on_a_mixed_sheet(scratch)
    sheet = "sheets/both.avery-5371.pdf"
    before = (scratch.root / "output" / sheet).read_bytes()
    # The line's number changes; other-card breaks at the same time.
    change_the_lines_number(scratch)
    scratch.material("other-card", meta=CARD_META.replace("contacts: [site]", "contacts: [nope]"))
    report = scratch.build(sheets=True)
    failed = {r.path: r.error.message for r in report.failed}
    assert "en/other-card.pdf" in failed and "en/test-card.pdf" not in failed
    assert sheet in failed and "en/other-card.pdf: it failed to rebuild" in failed[sheet]
    assert (scratch.root / "output" / sheet).read_bytes() == before
    assert manifest(scratch)[sheet]["out_of_date"]["since"]
    # The card that did rebuild has its own sheet with the new number only.
    own = page_texts(scratch.root / "output/en/sheets/test-card.avery-5371.pdf")[0]
    assert "1-800-222-1222" in own and "1-800-484-3731" not in own


def test_a_scoped_build_never_leaves_a_mixed_sheet_with_a_stale_card(scratch):
    two_cards_on_a_mixed_sheet(scratch)
    sheet = "sheets/both.letter-10up.pdf"
    before = (scratch.root / "output" / sheet).read_bytes()
    change_the_lines_number(scratch)
    report = scratch.build(sheets=True, materials=["test-card"])
    assert report.exit_code == 0              # nothing failed: the sheet waits for its cards
    stale = {r.path: r.stale for r in report.results if r.stale}
    assert "en/other-card.pdf: it is out of date (build it with --material other-card" in stale[sheet]
    assert "other-card" in manifest(scratch)[sheet]["out_of_date"]["reason"]
    assert (scratch.root / "output" / sheet).read_bytes() == before
    # Building the other card too brings the sheet up to date, with one number.
    assert scratch.build(sheets=True).exit_code == 0
    text = " ".join(page_texts(scratch.root / "output" / sheet))
    assert "1-800-222-1222" in text and "1-800-484-3731" not in text
    assert "out_of_date" not in manifest(scratch)[sheet]


def test_a_failed_output_is_rebuilt_when_its_input_is_put_back(scratch):
    scratch.material()
    assert scratch.build().exit_code == 0
    good = CARD_META
    scratch.material(meta=CARD_META.replace("contacts: [site]", "contacts: [nope]"))
    assert scratch.build().exit_code == 1
    scratch.material(meta=good)
    assert scratch.build().exit_code == 0
    assert "out_of_date" not in manifest(scratch)["en/test-card.pdf"]


def test_sheet_names_and_cards_cannot_become_paths_outside_output(scratch):
    scratch.material()
    scratch.write("pamphlets/sheets.yaml", """\
        sheets:
          ../../escape:
            cards: [test-card/en]
        """)
    report = scratch.build(sheets=True)
    [error] = [r.error for r in report.failed]
    assert "sheet name '../../escape' must be lowercase" in error.message and error.line == 2
    assert not (scratch.root.parent / "escape.avery-5371.pdf").exists()
    scratch.write("pamphlets/sheets.yaml", """\
        sheets:
          mine:
            cards: [test-card/../../x]
        """)
    [error] = [r.error for r in scratch.build(sheets=True).failed]
    assert "names an unknown language" in error.message


@pytest.mark.parametrize("css, why", [
    (".face-back .contact-line { width: 40pt; overflow: hidden; text-overflow: ellipsis; "
     "white-space: nowrap; }", "cut off by its box"),
    (".face-back bdi.url { color: transparent; }", "invisible"),
    (".face-back .contact { opacity: 0.2; }", "invisible"),
    (".face-back bdi.url { font-size: 4pt; }", "smaller than 6 pt"),
])
def test_a_stylesheet_that_hides_part_of_a_number_fails_that_output(scratch, css, why):
    def change():
        path = scratch.root / "styles/wallet-card.css"
        path.write_text(path.read_text() + "\n" + css + "\n")
    report, before, after = built_twice_with(scratch, change)
    [error] = [r.error.message for r in report.failed if r.path == "en/test-card.pdf"]
    assert "would not be readable on the page: page 2: 'example.org' is " + why in error
    assert after == before
