"""The translator workflow: catalogs, staleness, review, the spreadsheet
round trip, the build policy and font coverage."""

from __future__ import annotations

import csv
import io

import pytest

from pamphlet_builder import spreadsheet, translations as tr
from pamphlet_builder.errors import ContentError

from ..conftest import CARD_TEXT
from ..pdfcheck import page_texts
from ..translating import SPANISH, fill


def test_new_language_scaffolds_a_catalog_per_domain(spanish):
    files = sorted(p.name for p in (spanish.root / "translations/es").iterdir())
    assert files == ["contacts.po", "test-card.po", "ui.po"]
    counts = tr.status(spanish.project(), "es")
    assert counts["test-card"]["missing"] == counts["test-card"]["total"] == 5


def test_missing_translation_fails_that_language_with_a_list(spanish):
    report = spanish.build()
    failed = {r.lang: r.error for r in report.failed}
    assert set(failed) == {"es"} and report.exit_code == 1
    assert "have no es translation" in failed["es"].message
    assert "[front] Call this line: {line.phone}." in failed["es"].message
    assert (spanish.root / "output/en/test-card.pdf").is_file()


def test_allow_fallback_prints_english_and_lists_it(spanish):
    report = spanish.build(allow_fallback=True)
    assert report.exit_code == 0
    entry = next(r.entry for r in report.results if r.lang == "es")
    assert entry["draft"] is True and len(entry["fallback"]) > 5


def test_translated_build_prints_the_translation_as_a_draft(spanish):
    result, _ = fill(spanish)
    assert len(result.changed) > 5 and not result.errors
    report = spanish.build()
    assert report.exit_code == 0
    entry = next(r.entry for r in report.results if r.lang == "es")
    assert entry["draft"] is True and entry["fallback"] == []
    text = " ".join(page_texts(spanish.root / "output/es/test-card.pdf"))
    assert "Llama a esta línea: 1-800-484-3731." in text
    assert "DRAFT TRANSLATION - NOT REVIEWED" in text and "ES Draft translation - not reviewed" in text


def test_final_refuses_unreviewed_then_accepts_reviewed(spanish):
    fill(spanish)
    spanish.sign_off()
    final = spanish.build(final=True, langs=["es"])
    assert final.exit_code == 1 and "unreviewed" in final.failed[0].error.message
    assert tr.review(spanish.project(), "es", "Ana Reviewer").recorded > 0
    assert spanish.build(final=True, langs=["es"]).exit_code == 0
    po = (spanish.root / "translations/es/test-card.po").read_text()
    assert "# reviewed: Ana Reviewer, " in po and f"# {tr.MACHINE_DRAFT}\n#:" not in po


def test_english_edit_makes_the_translation_stale(spanish):
    fill(spanish, reviewer="Ana Reviewer")
    spanish.sign_off()
    assert spanish.build(final=True, langs=["es"]).exit_code == 0
    spanish.material(text=CARD_TEXT.replace("One short point.", "One short point, edited."))
    counts = tr.status(spanish.project(), "es")["test-card"]
    assert counts["stale"] == 1 and counts["reviewed"] == 4
    report = spanish.build(langs=["es"])
    entry = report.results[0].entry
    assert entry["draft"] is True and entry["stale"] == ["test-card: [back] One short point, edited."]
    assert spanish.build(final=True, langs=["es"]).exit_code == 1
    tr.update(spanish.project())
    po = (spanish.root / "translations/es/test-card.po").read_text()
    assert '#, fuzzy\n#| msgid "One short point."' in po


def test_spreadsheet_round_trip_preserves_every_entry(spanish):
    fill(spanish)
    project = spanish.project()
    exported = spreadsheet.export_csv(project, "es")
    rows = list(csv.DictReader(io.StringIO(exported.lstrip("\ufeff"))))
    total = sum(c["total"] for c in tr.status(project, "es").values())
    assert len(rows) == total and all(r["translation"] for r in rows)
    path = spanish.root / "again.csv"
    path.write_text(exported, encoding="utf-8")
    report = spreadsheet.import_csv(project, "es", path)
    assert report.changed == [] and report.errors == []
    assert spreadsheet.export_csv(spanish.project(), "es") == exported


def test_spreadsheet_import_refuses_broken_rows_and_writes_nothing(spanish):
    _, path = fill(spanish)
    before = (spanish.root / "translations/es/test-card.po").read_text()
    text = path.read_text(encoding="utf-8")
    text = text.replace("Llama a esta línea: {line.phone}.", "Llama a esta línea.")
    text = text.replace("On the back,", "Not in the English,")
    text = text.replace("Un punto corto.", "")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        spreadsheet.import_csv(spanish.project(), "es", path)
    message = caught.value.message
    assert "placeholders differ from the English" in message
    assert "no such entry" in message
    assert (spanish.root / "translations/es/test-card.po").read_text() == before


def test_a_language_without_a_covering_font_is_reported(spanish):
    fill(spanish, words={**SPANISH, "One short point.": "አጭር ነጥብ።"})
    languages = spanish.root / "pamphlets/languages.yaml"
    report = spanish.build(langs=["es"])
    assert report.exit_code == 1
    message = report.failed[0].error.format()
    assert "[es] no font in the latin stack (Noto Sans) has " in message
    assert "'ነ' U+1290" in message and "'ር' U+122D" in message
    assert "fonts-noto-core" in message and languages.is_file()
    assert not (spanish.root / "output/es/test-card.pdf").exists()
