"""The translation rules where a project's workflow enforces them: a broken
PO entry fails that language's material by name (and check names the same
line) while the other languages build; a tampered review comment never
passes --final; review, the spreadsheet import (and its formula
neutralizing) and the CLI refuse broken entries (the rules themselves:
tests/unit/test_translation_rules.py)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from pamphlet_builder import checks, spreadsheet, translations as tr
from pamphlet_builder.cli import main
from pamphlet_builder.errors import ContentError

from ..conftest import CARD_TEXT
from ..pdfcheck import page_texts
from ..translating import SPANISH, fill, po_path, points_at_entry, set_msgstr, states, write_po


# --- 1. build and check, through a scratch project ---------------------------

BROKEN = [  # (domain, msgid, context as the error names it, msgstr with a number)
    ("test-card", "One short point.", "back", "Un punto corto: 555-1234."),
    ("contacts", "A line for tests.", "line.does", "Una línea; o llama al 988."),
    ("ui", "Scan to call", "None", "Escanea o marca 211"),
]


@pytest.mark.parametrize("domain, msgid, context, msgstr", BROKEN, ids=[b[0] for b in BROKEN])
def test_a_number_in_a_po_entry_fails_that_language_only(filled, domain, msgid, context, msgstr):
    msgstr_line = set_msgstr(filled, domain, msgid, msgstr)
    report = filled.build()
    by_lang = {r.lang: r for r in report.results}
    assert sorted(by_lang) == ["en", "es"] and report.exit_code == 1
    assert by_lang["en"].error is None and by_lang["en"].entry is not None
    error = by_lang["es"].error
    assert isinstance(error, ContentError)
    assert error.path == po_path(filled, domain)
    assert points_at_entry(error.line, msgstr_line), (error.line, msgstr_line)
    assert error.message.startswith(f"entry [{context}] {msgid!r}: digits that are not in the English")
    assert not (filled.root / "output/es/test-card.pdf").exists()

    found = [f for f in checks.run_checks(filled.project()) if f.check == "translation rules"]
    assert [(f.level, f.lang, f.group, f.where) for f in found] == [
        ("error", "es", domain, f"translations/es/{domain}.po:{error.line}")]
    assert found[0].message == error.message


def test_several_broken_entries_are_each_named_and_other_languages_build(filled):
    tr.new_language(filled.language("vi"), "vi")
    assert fill(filled, "vi")[0].errors == []
    lines = {d: set_msgstr(filled, d, m, s) for d, m, _, s in BROKEN}
    set_msgstr(filled, "contacts", "Not confirmed.", "Sin confirmar: 1-866-789-1511.")  # not on the card
    report = filled.build()
    by_lang = {r.lang: r for r in report.results}
    assert sorted(by_lang) == ["en", "es", "vi"]
    assert by_lang["en"].error is None and by_lang["vi"].error is None
    assert (filled.root / "output/vi/test-card.pdf").is_file()
    message = by_lang["es"].error.message
    assert message.startswith("3 es entries break the translation rules:")
    for domain, msgid, context, _ in BROKEN:
        named = re.search(rf"translations/es/{domain}\.po:(\d+): "
                          rf"entry \[{re.escape(context)}\] {re.escape(repr(msgid))}: digits", message)
        assert named and points_at_entry(int(named.group(1)), lines[domain]), message
    assert "Not confirmed." not in message
    wheres = sorted(f.where.split(":")[0] for f in checks.run_checks(filled.project())
                    if f.check == "translation rules")
    assert wheres == ["translations/es/contacts.po", "translations/es/contacts.po",
                      "translations/es/test-card.po", "translations/es/ui.po"]


def test_an_escaped_short_code_in_a_po_entry_does_not_print(filled):
    # Bug (see test_markup_cannot_hide_...): `9\\-1\\-1` in the PO file is the
    # Markdown `9\-1\-1`, which prints "9-1-1"; check, the build's rules and
    # the PDF audit all let it through, and the card tells people to dial 911.
    msgstr_line = set_msgstr(filled, "test-card", "One short point.", r"Un punto corto; llama al 9\\-1\\-1.")
    path = po_path(filled, "test-card")
    assert tr.read_catalog(path, "es").get("One short point.", context="back").string == \
        r"Un punto corto; llama al 9\-1\-1."
    found = [f.where for f in checks.run_checks(filled.project()) if f.check == "translation rules"]
    report = filled.build(langs=["es"])
    pdf = filled.root / "output/es/test-card.pdf"
    assert not pdf.exists(), "the es card was built; it prints: " + " ".join(page_texts(pdf))
    assert report.exit_code == 1
    assert len(found) == 1 and found[0].startswith("translations/es/test-card.po:")
    assert points_at_entry(int(found[0].rsplit(":", 1)[1]), msgstr_line)


def test_the_cli_build_reports_a_broken_entry_without_a_traceback(filled, capsys):
    set_msgstr(filled, "test-card", "One short point.", "Un punto corto: 555-1234.")
    code = main(["--root", str(filled.root), "build", "--no-catalog", "--no-sheets",
                 "--variant", "standard", "--jobs", "1"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in out + err
    assert "failed es/test-card.pdf" in err and "translations/es/test-card.po:" in err


# --- 2. a review comment that was tampered with never passes --final -----------

def replace_review_comment(scratch, msgid: str, comment: str | None) -> None:
    """Replace the `# reviewed:` line of the entry with that msgid."""
    path = po_path(scratch, "test-card")
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    [at] = [i for i, b in enumerate(blocks) if f'\nmsgid "{msgid}"' in b]
    new = re.sub(r"^# reviewed: .*\n", "" if comment is None else f"# {comment}\n", blocks[at],
                 flags=re.M)
    assert new != blocks[at]
    blocks[at] = new
    write_po(path, "\n\n".join(blocks))


def review_line(scratch, msgid: str) -> str:
    text = po_path(scratch, "test-card").read_text(encoding="utf-8")
    block = next(b for b in text.split("\n\n") if f'\nmsgid "{msgid}"' in b)
    return re.search(r"^# (reviewed: .*)$", block, re.M).group(1)


def test_editing_a_reviewed_translation_makes_it_a_draft_and_final_refuses(reviewed):
    set_msgstr(reviewed, "test-card", "One short point.", "Un punto muy corto.")
    assert states(reviewed, "test-card")["One short point."] == "draft"
    assert "# reviewed: Ana Reviewer, " in po_path(reviewed, "test-card").read_text()  # still there
    final = reviewed.build(final=True, langs=["es"])
    assert final.exit_code == 1
    assert "its es translation has 1 unreviewed entries" in final.failed[0].error.message


@pytest.mark.parametrize("comment", [
    "reviewed: Someone, 2026-11-30",
    "reviewed: Someone, 2026-11-30, sha256:0123456789abcdef",
    "reviewed: Someone, 2026-11-30, sha256:",
    "Reviewed by Someone",
    None,   # copied below from another entry
])
def test_a_hand_written_review_comment_counts_for_nothing(reviewed, comment):
    if comment is None:   # a genuine comment, pasted onto another entry
        comment = review_line(reviewed, "On the back")
    replace_review_comment(reviewed, "One short point.", comment)
    assert states(reviewed, "test-card")["One short point."] == "draft"
    assert states(reviewed, "test-card")["On the back"] == "reviewed"
    final = reviewed.build(final=True, langs=["es"])
    assert final.exit_code == 1
    assert "its es translation has 1 unreviewed entries" in final.failed[0].error.message


def test_an_intact_review_comment_passes_final(reviewed):
    # The control for the tests above: the same build, nothing tampered with.
    assert reviewed.build(final=True, langs=["es"]).exit_code == 0


def test_editing_the_english_makes_a_reviewed_translation_stale(reviewed):
    reviewed.material(text=CARD_TEXT.replace("One short point.", "One short point, edited."))
    assert states(reviewed, "test-card")["One short point, edited."] == "stale"
    assert tr.status(reviewed.project(), "es")["test-card"]["reviewed"] == 4


# --- 3. review refuses broken entries ----------------------------------------


def test_review_refuses_a_broken_entry_and_records_the_others(filled):
    set_msgstr(filled, "test-card", "One short point.", "Un punto corto: ٩١١.")
    report = tr.review(filled.project(), "es", "Ana")
    assert report.recorded == 21
    assert [(e.path, e.message.split(":")[0]) for e in report.refused] == [
        (po_path(filled, "test-card"), "entry [back] 'One short point.'")]
    assert "digits that are not in the English: 911" in report.refused[0].message
    assert states(filled, "test-card") == {
        "Test Card": "reviewed", "Test card": "reviewed", "Call this line: {line.phone}.": "reviewed",
        "On the back": "reviewed", "One short point.": "draft"}
    assert set(states(filled, "contacts").values()) == set(states(filled, "ui").values()) == {"reviewed"}


# --- 4. the spreadsheet ------------------------------------------------------


def exported_rows(scratch, lang: str = "es") -> list[dict[str, str]]:
    text = spreadsheet.export_csv(scratch.project(), lang)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def write_rows(scratch, rows: list[dict[str, str]], name: str = "sheet.csv") -> Path:
    path = scratch.root / name
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=spreadsheet.COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def po_bytes(scratch) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((scratch.root / "translations/es").iterdir())}


def row_of(rows: list[dict[str, str]], english: str) -> dict[str, str]:
    [row] = [r for r in rows if r["english"] == english]
    return row


@pytest.mark.parametrize("cell, value, says", [
    ("translation", "Un punto corto; llama al 988.", "digits that are not in the English: 988"),
    ("translation", "Un punto corto; llama al ٩٨٨.", "digits that are not in the English: 988"),
    ("translation", "Un punto corto en evil.com.", "a web or e-mail address that is not in the English"),
    ("translation", "Un punto\u200b corto.", "invisible or control characters: U+200B"),
    ("translation", "#NAME?", "hold a formula error or a NUL character"),
    ("translation", "#VALUE!", "hold a formula error or a NUL character"),
    ("translation", "#REF!", "hold a formula error or a NUL character"),
    ("reviewed_by", "#N/A", "hold a formula error or a NUL character"),
    ("translation", "Un punto\x00 corto.", "hold a formula error or a NUL character"),
])
def test_import_refuses_the_whole_file_for_one_bad_cell(filled, cell, value, says):
    rows = exported_rows(filled)
    row_of(rows, "Test card")["translation"] = "Una tarjeta de prueba"    # a sound change
    row_of(rows, "One short point.")[cell] = value
    path = write_rows(filled, rows)
    before = po_bytes(filled)
    with pytest.raises(ContentError) as caught:
        spreadsheet.import_csv(filled.project(), "es", path)
    assert "1 row(s) cannot be imported; nothing was written" in caught.value.message
    assert "[test-card/back] 'One short point.'" in caught.value.message
    assert says in caught.value.message and caught.value.path == path
    assert po_bytes(filled) == before


def test_import_refuses_two_rows_of_one_entry_that_disagree(filled):
    rows = exported_rows(filled)
    row = row_of(rows, "One short point.")
    rows.append({**row, "translation": "Otro punto corto."})
    path = write_rows(filled, rows)
    before = po_bytes(filled)
    with pytest.raises(ContentError) as caught:
        spreadsheet.import_csv(filled.project(), "es", path)
    line = rows.index(row) + 2
    assert f"the same entry as line {line}, with another translation" in caught.value.message
    assert po_bytes(filled) == before
    # Two rows that agree are one entry.
    rows[-1] = dict(row)
    report = spreadsheet.import_csv(filled.project(), "es", write_rows(filled, rows))
    assert report.errors == [] and report.changed == []


def test_an_unchanged_row_leaves_a_stale_entry_stale_until_reviewed_by_is_filled(filled):
    filled.material(text=CARD_TEXT.replace("One short point.", "One short point, edited."))
    assert states(filled, "test-card")["One short point, edited."] == "stale"
    rows = exported_rows(filled)
    row = row_of(rows, "One short point, edited.")
    assert (row["translation"], row["status"], row["reviewed_by"]) == ("Un punto corto.", "stale", "")
    report = spreadsheet.import_csv(filled.project(), "es", write_rows(filled, rows))
    assert report.changed == [] and report.reviewed == []
    assert states(filled, "test-card")["One short point, edited."] == "stale"
    row["reviewed_by"] = "Ana"
    report = spreadsheet.import_csv(filled.project(), "es", write_rows(filled, rows))
    assert report.changed == [] and len(report.reviewed) == 1
    assert states(filled, "test-card")["One short point, edited."] == "reviewed"
    assert row_of(exported_rows(filled), "One short point, edited.")["reviewed_by"] == "Ana"


@pytest.mark.parametrize("value", ["=Un punto corto", "+Un punto corto", "-Un punto corto",
                                   "@Un punto corto"])
def test_a_translation_that_looks_like_a_formula_round_trips(filled, value):
    assert fill(filled, words={**SPANISH, "One short point.": value})[0].errors == []
    text = spreadsheet.export_csv(filled.project(), "es")
    assert f"back,One short point.,'{value}," in text
    assert row_of(exported_rows(filled), "One short point.")["translation"] == "'" + value
    path = filled.root / "exported.csv"
    path.write_text(text, encoding="utf-8")
    report = spreadsheet.import_csv(filled.project(), "es", path)
    assert report.errors == [] and report.changed == []
    assert f'msgstr "{value}"' in po_path(filled, "test-card").read_text(encoding="utf-8")
    # A volunteer's new text, neutralized by the spreadsheet, comes in without the apostrophe.
    rows = exported_rows(filled)
    row_of(rows, "One short point.")["translation"] = "'" + value + " y otro"
    report = spreadsheet.import_csv(filled.project(), "es", write_rows(filled, rows))
    assert len(report.changed) == 1
    assert f'msgstr "{value} y otro"' in po_path(filled, "test-card").read_text(encoding="utf-8")


# --- 5. the command line -------------------------------------------------------


def test_cli_review_returns_1_when_an_entry_is_refused(filled, capsys):
    set_msgstr(filled, "contacts", "A line for tests.", "Una línea; o llama al 988.")
    code = main(["--root", str(filled.root), "translations", "review", "es", "--by", "Ana"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in out + err
    assert "recorded Ana's review of 21 es entries" in out
    assert "not recorded:" in err and "contacts.po:" in err and "[line.does]" in err
    assert "1 entries break the translation rules" in err
    assert states(filled, "contacts")["A line for tests."] == "draft"


def test_cli_review_returns_0_when_nothing_is_refused(filled, capsys):
    code = main(["--root", str(filled.root), "translations", "review", "es", "--by", "Ana"])
    out, err = capsys.readouterr()
    assert code == 0 and "recorded Ana's review of 22 es entries" in out and err == ""


def test_cli_import_of_a_bad_sheet_returns_2_and_names_the_file(filled, capsys):
    rows = exported_rows(filled)
    row_of(rows, "One short point.")["translation"] = "Un punto corto; llama al 988."
    path = write_rows(filled, rows, "bad.csv")
    before = po_bytes(filled)
    code = main(["--root", str(filled.root), "translations", "import", "es", str(path)])
    out, err = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in out + err
    assert "bad.csv" in err and "nothing was written" in err and "988" in err
    assert po_bytes(filled) == before


def test_a_rule_broken_after_a_clean_preflight_is_found(filled, monkeypatch):
    """The preflight remembers each catalog's rule findings by what they read
    (.cache/checked.json): a catalog edited since is checked again, and so
    is a catalog whose English changed; the others are not."""
    assert not [f for f in checks.run_checks(filled.project(), remember=True)
                if f.check == "translation rules"]
    domain, msgid, _, msgstr = BROKEN[0]
    set_msgstr(filled, domain, msgid, msgstr)
    found = [f for f in checks.run_checks(filled.project(), remember=True)
             if f.check == "translation rules"]
    assert [(f.lang, f.group) for f in found] == [("es", domain)]
    checked = []
    rules = checks._rules_findings
    monkeypatch.setattr(checks, "_rules_findings",
                        lambda project, lang, domain, catalog: checked.append((lang, domain))
                        or rules(project, lang, domain, catalog))
    text = filled.root / "pamphlets/test-card/en.md"
    text.write_text(text.read_text().replace("- One short point.", "- One short point, again."))
    checks.run_checks(filled.project(), remember=True)
    assert checked == [("es", "test-card")]
