"""Every default material in every language, read back from its PDF."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

import pytest
import yaml

from pamphlet_builder.content import load_project

from ..conftest import ROOT
from ..paper import CARD, LETTER, LETTER_LANDSCAPE
from ..pdfcheck import (colored_pixels, font_sizes, line_edges, notdef_glyphs, page_sizes,
                       page_texts, qr_codes, text_under_proof_strips,
                       unembedded_fonts)

PROJECT = load_project(ROOT)


def documents(manifest: dict) -> list[dict]:
    return [e for e in manifest["outputs"] if e["kind"] == "document"]


# The default content, written out: the languages of pamphlets/languages.yaml
# (each has a folder in translations/) and the materials of pamphlets/.
LANGUAGES = ["en", "es", "zh-Hant", "vi", "so", "am", "ko", "tl", "ti", "om", "ja", "ru", "ar"]
MATERIALS = ["never-use-alone-card", "help-lines-card", "safer-use-handout", "moud-trifold",
             "for-providers-handout", "overdose-response-card", "good-samaritan-card", "hep-c-handout"]


def test_every_material_in_every_language_was_built(default_build):
    _, manifest = default_build
    built = {(e["material"], e["lang"]) for e in documents(manifest)}
    assert built == {(m, lang) for m in MATERIALS for lang in LANGUAGES}


# (format, variant): the page every PDF must have, on the default Letter paper,
# and how many pages (a flyer is two half-letter pages side by side on a
# Letter sheet, landscape).
PAGES = {
    ("wallet-card", "standard"): (CARD, (2, 2)), ("wallet-card", "photocopy"): (CARD, (2, 2)),
    ("handout", "standard"): (LETTER, (1, 2)), ("handout", "photocopy"): (LETTER, (1, 2)),
    ("handout", "large-print"): (LETTER, (1, 8)), ("handout", "flyer"): (LETTER_LANDSCAPE, (1, 2)),
    ("trifold", "standard"): (LETTER_LANDSCAPE, (2, 2)),
    ("trifold", "photocopy"): (LETTER_LANDSCAPE, (2, 2)),
}


def test_page_count_and_exact_page_size(default_build):
    out, manifest = default_build
    assert {(e["format"], e["variant"]) for e in documents(manifest)} == set(PAGES)
    for entry in documents(manifest):
        want, (fewest, most) = PAGES[entry["format"], entry["variant"]]
        sizes = page_sizes(out / entry["path"])
        assert fewest <= len(sizes) <= most, entry["path"]
        assert len(sizes) == entry["pages"]
        for size in sizes:
            assert size == pytest.approx(want, abs=0.01), entry["path"]
        assert entry["page_size_pt"] == pytest.approx(list(want), abs=0.01)


def test_every_variant_that_applies_was_built(default_build):
    _, manifest = default_build
    built = {(e["material"], e["lang"], e["variant"]) for e in documents(manifest)}
    for material in PROJECT.materials.values():
        want = {"standard", "photocopy"}
        if material.format.name == "handout":
            want.add("large-print")
        if material.flyer:
            want.add("flyer")
        assert {v for m, lang, v in built if m == material.id and lang == "en"} == want


def test_wallet_cards_are_business_card_size(default_build):
    out, manifest = default_build
    cards = [e for e in documents(manifest) if e["format"] == "wallet-card"]
    assert {e["variant"] for e in cards} == {"standard", "photocopy"}
    assert cards
    for entry in cards:
        assert page_sizes(out / entry["path"]) == [(252.0, 144.0), (252.0, 144.0)]


def test_wallet_cards_are_small_in_every_script(default_build):
    """150 KB or less, whatever the script (CJK fonts are re-subset)."""
    out, manifest = default_build
    sizes = {e["path"]: (out / e["path"]).stat().st_size
             for e in documents(manifest) if e["format"] == "wallet-card"}
    assert len(sizes) >= 26
    assert {path: size for path, size in sizes.items() if size > 150_000} == {}
    cjk = [size for path, size in sizes.items() if path.split("/")[0] in ("ko", "ja", "zh-Hant")]
    assert cjk and max(cjk) <= 60_000, cjk


def test_all_fonts_are_embedded(default_build):
    out, manifest = default_build
    for entry in documents(manifest):
        assert unembedded_fonts(out / entry["path"]) == [], entry["path"]


def test_phone_numbers_extract_as_text(default_build):
    out, manifest = default_build
    checked = 0
    for entry in documents(manifest):
        text = "\n".join(page_texts(out / entry["path"]))
        material = PROJECT.materials[entry["material"]]
        for cid in material.contact_ids():
            contact = PROJECT.contacts[cid]
            if contact.phone and (any(q.contact == cid for p in material.parts.values() for q in p.qr)
                                  or any(cid in p.contacts for p in material.parts.values())):
                assert contact.phone.display in text, (entry["path"], cid)
                checked += 1
    assert checked > len(documents(manifest))       # every document prints a number or more


def test_every_qr_code_decodes_to_the_registry_target(default_build):
    out, manifest = default_build
    for entry in documents(manifest):
        decoded = qr_codes(out / entry["path"], dpi=150)
        copies = 2 if entry["variant"] == "flyer" else 1     # a flyer is printed 2-up
        for page in range(1, entry["pages"] + 1):
            want = Counter(q["target"] for q in entry["qr"] if q["page"] == page for _ in range(copies))
            assert Counter(decoded[page - 1]) == want, (entry["path"], page)


def registry_targets() -> dict[tuple[str, str], str]:
    """(contact, action) -> what its QR code must hold, from contacts.yaml
    as written (not through contacts.parse_phone): tel:+1 and the digits of
    a ten- or eleven-digit number, tel: and a short code, the https address."""
    raw = yaml.safe_load((ROOT / "pamphlets/contacts.yaml").read_text("utf-8"))["contacts"]
    targets = {}
    for cid, contact in raw.items():
        if contact.get("phone"):
            digits = re.sub(r"\D", "", str(contact["phone"]))
            targets[cid, "call"] = "tel:" + (digits if len(digits) <= 6 else
                                             "+1" + digits[-10:])
        if contact.get("url"):
            targets[cid, "open"] = contact["url"]
    return targets


def test_qr_targets_come_from_the_registry(default_build):
    """Each QR block of a material (material.yaml, read as written) holds
    its contact's number or address as contacts.yaml spells it; the
    decoding test above holds the printed codes to these targets."""
    _, manifest = default_build
    registry = registry_targets()
    assert registry["never-use-alone", "call"] == "tel:+18004843731"    # one spelled out
    for entry in documents(manifest):
        meta = yaml.safe_load((ROOT / "pamphlets" / entry["material"] / "material.yaml")
                              .read_text("utf-8"))
        blocks = [(q["contact"], q["action"]) for part in meta["parts"].values()
                  for q in (part or {}).get("qr", [])]
        assert sorted((q["contact"], q["target"]) for q in entry["qr"]) == sorted(
            (cid, registry[cid, action]) for cid, action in blocks), entry["path"]
    assert sum(len(e["qr"]) for e in documents(manifest)) > 100


def test_manifest_records_unverified_contacts_and_drafts(default_build):
    out, manifest = default_build
    for entry in documents(manifest):
        material = PROJECT.materials[entry["material"]]
        unverified = [c for c in material.contact_ids() if PROJECT.contacts[c].verified is None]
        assert entry["unverified"] == unverified
        assert entry["draft"] is (entry["lang"] != "en")  # every translation is a machine draft
        assert len(entry["sha256"]) == 64
        assert (out / entry["path"]).is_file()


def test_proofs_say_so_on_the_page(default_build):
    out, manifest = default_build
    proofs = [e for e in documents(manifest) if e["unverified"] or e["draft"]]
    assert sum(bool(e["unverified"]) for e in proofs) > 50 and sum(e["draft"] for e in proofs) > 100
    for entry in proofs:
        text = " ".join(page_texts(out / entry["path"])).upper()
        if entry["unverified"]:
            assert "NOT FOR DISTRIBUTION" in text, entry["path"]
        if entry["draft"]:
            # Extractors order the words of an English phrase inside a
            # right-to-left page as they like; the words must share a line.
            lines = " ".join(page_texts(out / entry["path"])).splitlines()
            assert any({"DRAFT", "TRANSLATION", "NOT", "REVIEWED"} <= set(line.split())
                       for line in lines), entry["path"]


def test_proof_strips_never_cover_text(default_build):
    """Two strips (draft translation, unverified contact) at large-print size
    once covered the first line of page 2."""
    out, manifest = default_build
    covered = {e["path"]: text_under_proof_strips(out / e["path"])
               for e in documents(manifest) if e["draft"] or e["unverified"]}
    assert len(covered) > 100
    assert {path: found for path, found in covered.items() if found} == {}


def test_footer_names_material_language_and_revision(default_build):
    out, manifest = default_build
    for entry in documents(manifest):
        lines = " ".join(page_texts(out / entry["path"])).splitlines()
        if entry["lang"] != "ar":
            assert any(f"{entry['material']} · {entry['lang']}" in line for line in lines), entry["path"]
        else:   # extractors reorder left-to-right runs in right-to-left lines: compare words
            words = set(re.split(r"[-· ]+", f"{entry['material']} · {entry['lang']}"))
            assert any(words <= set(re.split(r"[-· ]+", line)) for line in lines), entry["path"]


def test_no_missing_glyph_boxes(default_build):
    out, manifest = default_build
    for entry in documents(manifest):
        assert notdef_glyphs(out / entry["path"]) == 0, entry["path"]


def test_translation_text_is_in_the_pdf(default_build):
    """The extracted text holds the translated title of every translated document."""
    from pamphlet_builder.translations import catalog_path, read_catalog
    out, manifest = default_build
    for entry in documents(manifest):
        if entry["lang"] == "en":
            continue
        catalog = read_catalog(catalog_path(PROJECT, entry["lang"], entry["material"]), entry["lang"])
        material = PROJECT.materials[entry["material"]]
        part = next(iter(material.parts.values()))
        first_unit = part.source.splitlines()[0].lstrip("# ")
        translated = catalog.get(first_unit, context=part.name).string
        text = " ".join(page_texts(out / entry["path"]))
        assert squeeze(translated) in squeeze(text), entry["path"]


def squeeze(text: str) -> str:
    """Text without spaces, Markdown stars or combining marks: pdfium gives
    an Arabic shadda or fatha back at the start of its line, not on its letter."""
    return "".join(c for c in "".join(text.split()).replace("*", "")
                   if unicodedata.category(c) != "Mn")


def test_arabic_text_is_right_aligned(default_build):
    """On the back of the card, Arabic lines end at one right edge (up to
    list indents) and start wherever they run out; English is the mirror."""
    from statistics import pstdev
    out, _ = default_build
    for lang, aligned in (("ar", "right"), ("en", "left")):
        # margin: leave out the proof strips and the footer at the edges
        lines = line_edges(out / lang / "never-use-alone-card.pdf", page_index=1, margin=16)
        assert len(lines) >= 6, lang
        lefts, rights = pstdev(a for a, _ in lines), pstdev(b for _, b in lines)
        flush, ragged = (rights, lefts) if aligned == "right" else (lefts, rights)
        assert flush < 8 and 3 * flush < ragged, (lang, lines)


def test_pdf_metadata_has_language_and_translated_title(default_build):
    from pypdf import PdfReader
    out, manifest = default_build
    for entry in documents(manifest):
        reader = PdfReader(out / entry["path"])
        assert reader.trailer["/Root"]["/Lang"] == entry["lang"], entry["path"]
        assert reader.metadata.title == entry["title"] and entry["title"], entry["path"]
        assert entry["material"] in reader.metadata.subject


def test_handouts_are_tagged_for_screen_readers(default_build):
    from pypdf import PdfReader
    out, manifest = default_build
    handouts = [e for e in documents(manifest) if e["format"] == "handout" and e["variant"] != "flyer"]
    assert handouts
    for entry in handouts:
        root = PdfReader(out / entry["path"]).trailer["/Root"]
        assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"], entry["path"]


def test_large_print_body_text_is_18pt_or_more(default_build):
    out, manifest = default_build
    large = [e for e in documents(manifest) if e["variant"] == "large-print"]
    assert len(large) == 3 * len(LANGUAGES)                  # the three handouts
    for entry in large:
        sizes = font_sizes(out / entry["path"])
        body = Counter(sizes).most_common(1)[0][0]
        assert body >= 18, (entry["path"], Counter(sizes).most_common(4))
        assert entry["fit_scale"] == 1.0


def test_photocopy_variant_has_no_color(default_build):
    out, manifest = default_build
    copies = [e for e in documents(manifest) if e["variant"] == "photocopy" and e["lang"] in ("en", "ar")]
    assert len(copies) == 2 * len(MATERIALS)
    for entry in copies:
        assert colored_pixels(out / entry["path"]) < 0.001, entry["path"]
    # The control: the office print of the same card is in colour.
    assert colored_pixels(out / "en/never-use-alone-card.pdf") > 0.01


def test_each_document_names_its_language_in_its_own_script(default_build):
    out, manifest = default_build
    for entry in documents(manifest):
        text = " ".join(page_texts(out / entry["path"]))
        assert PROJECT.languages[entry["lang"]].name in text, entry["path"]


def test_rebuilding_gives_identical_bytes(default_build, tmp_path):
    from pamphlet_builder.build import BuildOptions, build
    out, manifest = default_build
    report = build(PROJECT, BuildOptions(out=tmp_path, materials=["never-use-alone-card"],
                                         langs=["en", "ko"], sheets=False))
    for result in report.results:
        first = next(e for e in manifest["outputs"] if e["path"] == result.path)
        assert result.entry["sha256"] == first["sha256"], result.path
