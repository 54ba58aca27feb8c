"""The translation rules (`translations.entry_problems`) and every place that
enforces them: check, build, review, spreadsheet import and the CLI; the
review hash; the spreadsheet's formula neutralizing. A wrong phone number is
worse than no card: a number the English does not print never passes, in
any script, whatever invisible characters sit between its digits."""

from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
from pathlib import Path

import pytest
from babel.messages.catalog import Message
from hypothesis import given, settings, strategies as st

from pamphlet_builder import checks, printed, spreadsheet, text, translations as tr
from pamphlet_builder.cli import main
from pamphlet_builder.content import load_project
from pamphlet_builder.errors import ContentError

from .conftest import CARD_TEXT, ROOT
from .pdfcheck import page_texts
from .test_translations import SPANISH, fill

ARABIC_JOINERS = frozenset("\u200c\u200d")
CALL = "Call {line.phone} now."


def problems_starting(english: str, translation: str, start: str,
                      joiners: frozenset[str] = frozenset()) -> list[str]:
    return [p for p in tr.entry_problems(english, translation, joiners) if p.startswith(start)]


def listed_digits(problems: list[str]) -> list[str]:
    """The digit groups named by the 'digits that are not in the English' problem."""
    [problem] = [p for p in problems if p.startswith("digits that are not in the English: ")]
    return problem.removeprefix("digits that are not in the English: ").split(";")[0].split(", ")


# --- 1. entry_problems, rule by rule -----------------------------------------

@pytest.mark.parametrize("english, translation", [
    ("Give another dose if they do not wake up in 2 to 3 minutes.",
     "Da otra dosis si no despiertan en 2 a 3 minutos."),
    ("24/7", "24/7"),
    ("Open 24/7.", "Abierto 24/7."),
    ("Naloxone wears off in 30-90 minutes.", "ナロキソンの効果は30～90分で切れます。"),
    (CALL, "Llama al {line.phone} ahora."),
    ("Call 911 if they do not wake up.", "Llama al 911 si no despiertan."),
    ("Call {line.phone} or visit {site.url}.", "Visita {site.url} o llama al {line.phone}."),
    ("Write to help@example.org.", "Escribe a help@example.org."),
    ("See [the guide](https://example.org/guide).", "Mira [la guía](https://example.org/guide)."),
    ("QR code: call %(number)s", "Código QR: llama al %(number)s"),
    ("%(count)s doses, 100%% sure", "%(count)s dosis, 100%% seguro"),
    ("About half of people", "Cerca del 50% de las personas"),
    ("**Do not** use alone.", "**No** lo uses a solas."),
])
def test_sound_entries_pass(english, translation):
    assert tr.entry_problems(english, translation) == []
    assert tr.entry_problems(english, translation, ARABIC_JOINERS) == []


def test_arabic_zero_width_non_joiner_passes_only_with_the_arabic_joiners():
    arabic = "لا تستخدم\u200cوحدك."
    assert tr.entry_problems("Do not use alone.", arabic, ARABIC_JOINERS) == []
    assert tr.entry_problems("Do not use alone.", arabic) == [
        "invisible or control characters: U+200C ZERO WIDTH NON-JOINER; delete them "
        "(retype the text around them)"]
    # The joiners a script declares come from languages.yaml.
    languages = load_project(ROOT).languages
    assert languages["ar"].joiners == ARABIC_JOINERS
    assert languages["es"].joiners == frozenset()


@pytest.mark.parametrize("english, translation, start", [
    # placeholders, %(name)s variables, link targets: the same as the English
    (CALL, "Llama ahora.",
     "placeholders differ from the English: expected {line.phone}, found none"),
    (CALL, "Llama al {line.phone} o al {line.phone}.",
     "placeholders differ from the English: expected {line.phone}, found {line.phone}, {line.phone}"),
    (CALL, "Llama al {unsure.phone}.",
     "placeholders differ from the English: expected {line.phone}, found {unsure.phone}"),
    ("QR code: call %(number)s", "Código QR: llama",
     "variables differ from the English: expected %(number)s, found none"),
    ("QR code: call %(number)s", "Código QR: llama al %(numero)s",
     "variables differ from the English: expected %(number)s, found %(numero)s"),
    ("See [the guide](https://example.org/guide).", "Mira [la guía](https://example.org/otra).",
     "link targets differ from the English: expected ](https://example.org/guide), "
     "found ](https://example.org/otra)"),
    ("See [the guide](https://example.org/guide).", "Mira la guía.",
     "link targets differ from the English"),
    # a lone % next to %(name)s variables
    ("%(count)s doses left", "quedan %(count)s dosis, 50% seguro",
     "a lone % in an entry with %(name)s variables"),
    ("%(count)s doses left", "quedan %(count)d dosis", "a lone % in an entry"),
    ("%(count)s doses left", "quedan %%(count)s dosis", "a lone % in an entry"),
    # digits the English does not have, in any script, hidden or reversed
    (CALL, "Llama al {line.phone} o al 911.", "digits that are not in the English: 911;"),
    (CALL, "Llama al {line.phone} o al 555-1234.",
     "digits that are not in the English: 1234, 555, 5551234;"),
    (CALL, "Llama al {line.phone} o al 9 1 1.", "digits that are not in the English: 911;"),
    (CALL, "Llama al {line.phone} o al ٩١١.", "digits that are not in the English: 911;"),
    (CALL, "Llama al {line.phone} o al ۹۸۸.", "digits that are not in the English: 988;"),
    (CALL, "Llama al {line.phone} o al ९११.", "digits that are not in the English: 911;"),
    (CALL, "Llama al {line.phone} o al ９１１.", "digits that are not in the English: 911;"),
    (CALL, "Llama al {line.phone} o al ৯১১.", "digits that are not in the English: 911;"),
    (CALL, "Llama al {line.phone} o al ๙๑๑.", "digits that are not in the English: 911;"),
    (CALL, "Llama al {line.phone} o al 9\u200b1\u20601\ufeff.",
     "digits that are not in the English: 911;"),
    (CALL, "Llama al {line.phone} o al \u202e119\u202c.", "digits that are not in the English: 119;"),
    (CALL, "Llama al {line.phone} o al \u202e1373-484-008-1\u202c.",
     "digits that are not in the English: 008, 1373, 13734840081, 484;"),
    ("Call 1-800-484-3731.", "Llama al 1-800-484-3732.",
     "digits that are not in the English: 18004843732, 3732;"),
    ("Call 1-800-484-3731.", "Llama al 1-800-3731-484.",
     "digits that are not in the English: 18003731484;"),
    # web and e-mail addresses the English does not have
    (CALL, "Llama al {line.phone} o visita evil.com.",
     "a web or e-mail address that is not in the English: evil.com;"),
    (CALL, "Llama al {line.phone} o visita https://www.evil.com/ayuda.",
     "a web or e-mail address that is not in the English: evil.com;"),
    (CALL, "Llama al {line.phone} o escribe a ayuda@evil.com.",
     "a web or e-mail address that is not in the English: evil.com;"),
    (CALL, "Llama al {line.phone} o visita ＥＶＩＬ．ＣＯＭ.",
     "a web or e-mail address that is not in the English: evil.com;"),
    (CALL, "Llama al {line.phone} o visita evil。com.",
     "a web or e-mail address that is not in the English: evil.com;"),
    (CALL, "Llama al {line.phone} o visita ev\u200bil.com.",
     "a web or e-mail address that is not in the English: evil.com;"),
    ("Visit example.org.", "Visita example.org.evil.com.",
     "a web or e-mail address that is not in the English: example.org.evil.com;"),
    # control and invisible format characters (Cc, Cf)
    (CALL, "Llama al\u200b {line.phone}.", "invisible or control characters: U+200B ZERO WIDTH SPACE;"),
    (CALL, "Llama al\u2060 {line.phone}.", "invisible or control characters: U+2060 WORD JOINER;"),
    (CALL, "\ufeffLlama al {line.phone}.",
     "invisible or control characters: U+FEFF ZERO WIDTH NO-BREAK SPACE;"),
    (CALL, "Llama al \u202e{line.phone}.",
     "invisible or control characters: U+202E RIGHT-TO-LEFT OVERRIDE;"),
    (CALL, "Llama al \u2066{line.phone}\u2069.",
     "invisible or control characters: U+2066 LEFT-TO-RIGHT ISOLATE, U+2069 POP DIRECTIONAL ISOLATE;"),
    (CALL, "Llama al {line.phone}\u200e.", "invisible or control characters: U+200E LEFT-TO-RIGHT MARK;"),
    (CALL, "Llama al {line.phone}\u061c.", "invisible or control characters: U+061C ARABIC LETTER MARK;"),
    (CALL, "Lla\u00adma al {line.phone}.", "invisible or control characters: U+00AD SOFT HYPHEN;"),
    (CALL, "Llama al\x00 {line.phone}.", "invisible or control characters: U+0000 control character;"),
    (CALL, "Llama al\t{line.phone}.", "invisible or control characters: U+0009 control character;"),
    (CALL, "Llama al {line.phone}\U000e0041.", "invisible or control characters: U+E0041 TAG LATIN CAPITAL LETTER A;"),
    (CALL, "Llama al\u200c {line.phone}.", "invisible or control characters: U+200C ZERO WIDTH NON-JOINER;"),
    # HTML, images, template syntax
    (CALL, "Llama al <b>{line.phone}</b>.", "raw HTML is not allowed in content"),
    (CALL, "Llama al {line.phone}.<br>", "raw HTML is not allowed in content"),
    (CALL, "Llama al {line.phone}. <!-- nota -->", "raw HTML is not allowed in content"),
    (CALL, "Llama al {line.phone} ![logo](https://example.org/logo.png)",
     "images are not allowed in content (found 'https://example.org/logo.png')"),
    ("See [the guide](http://example.org).", "Mira [la guía](http://example.org).",
     "link 'http://example.org' is not an https:// address"),
    (CALL, "Llama al {line.phone} {{ config }}.", "template syntax ({{ }}, {% %} or {# #})"),
    (CALL, "Llama al {line.phone} {% if x %}.", "template syntax"),
    (CALL, "Llama al {line.phone} {# nota #}.", "template syntax"),
    (CALL, "   ", "the translation is empty"),
])
def test_each_rule_refuses_what_it_is_about(english, translation, start):
    assert problems_starting(english, translation, start), tr.entry_problems(english, translation)
    # The same rule, whatever joiners the language declares (only ZWNJ then passes).
    if "U+200C" not in start:
        assert problems_starting(english, translation, start, ARABIC_JOINERS)


def test_a_changed_number_names_the_new_digits():
    problems = tr.entry_problems("Call 1-800-484-3731.", "Llama al 1-800-484-3732.")
    assert listed_digits(problems) == ["18004843732", "3732"]


# Markup between digits (emphasis, backslash escapes, code spans) and
# character references (&#57; is "9", &ZeroWidthSpace; is U+200B) print a
# number or an invisible character: the rules read the entry as printed too.
@pytest.mark.parametrize("translation, prints", [
    ("Llama al {line.phone} o al 9**1**1.", "9<strong>1</strong>1"),
    ("Llama al {line.phone} o al 9*8*8.", "9<em>8</em>8"),
    ("Llama al {line.phone} o al 9\\-1\\-1.", "9-1-1"),
    ("Llama al {line.phone} o al 9`1`1.", "9<code>1</code>1"),
    ("Llama al {line.phone} o al &#57;&#49;&#49;.", "911"),
    ("Llama al {line.phone} o al &#x39;&#x38;&#x38;.", "988"),
    ("Llama al {line.phone} o visita evil&#46;com.", "evil.com"),
    ("Llama al {line.phone}&ZeroWidthSpace; ahora.", "\u200b"),
    ("Llama al {line.phone}&rlm; ahora.", "\u200f"),
])
def test_markup_cannot_hide_a_number_an_address_or_an_invisible_character(translation, prints):
    rendered = text.render_markdown(translation, lambda unit: unit,
                                    lambda cid, fld: text.Markup("X")).html
    assert prints in rendered           # what the card would print
    assert tr.entry_problems(CALL, translation, ARABIC_JOINERS) != [], \
        f"{translation!r} prints {prints!r} and passes the translation rules"


# US materials often write 9-1-1: the audit reads it as 911.
@pytest.mark.parametrize("written", ["9-1-1", "9 1 1", "9.8.8"])
def test_the_audit_reads_a_short_code_written_with_separators(written):
    assert [n.dial for n in printed.phone_numbers(f"Llama al {written}.")] == [written[::2]]


# An internationalized address is read after https://, www. or @ (a bare
# one in another script is not: a sentence ending without a space, such as
# Tigrinya's "ኤች.ኣይ.ቪን" or Arabic's "ا.استخدم", would look like one).
@pytest.mark.parametrize("translation", [
    "Visita https://пример.рф ahora.",
    "Escribe a ayuda@пример.рф.",
    "詳しくは https://例え.jp へ。",
    "زوروا www.موقع.مثال",
])
def test_an_internationalized_web_address_is_not_in_the_english(translation):
    assert printed.domains("Visit the site.") == []
    assert problems_starting("Visit the site.", translation,
                             "a web or e-mail address that is not in the English")


def test_punycode_address_is_refused():
    assert problems_starting("Visit the site.", "Visita https://xn--e1afmkfd.xn--p1ai",
                             "a web or e-mail address that is not in the English: "
                             "xn--e1afmkfd.xn--p1ai;")


# --- 2. Property: no phone-like number passes, in any script -----------------

ZEROS = [c for c in range(0x110000)
         if unicodedata.decimal(chr(c), None) == 0 and unicodedata.decimal(chr(c + 9), None) == 9]
# Groups as people write them, and what a phone dials (None: a local number,
# dialable but without an area code, which libphonenumber does not validate).
NUMBERS = [
    (["1", "800", "484", "3731"], "+18004843731"), (["800", "484", "3731"], "+18004843731"),
    (["1", "866", "789", "1511"], "+18667891511"), (["866", "789", "1511"], "+18667891511"),
    (["1", "800", "273", "8255"], "+18002738255"), (["877", "565", "8860"], "+18775658860"),
    (["212", "555", "1234"], "+12125551234"),
    (["484", "3731"], None), (["555", "1234"], None),
] + [([code], code) for code in sorted(printed.SHORT_CODES)]
SEPARATORS = [" ", "-", ".", "\u00a0", ""]
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"] + \
    [chr(c) for c in range(0x202A, 0x202F)] + [chr(c) for c in range(0x2066, 0x206A)]


def test_the_digit_scripts_include_the_ones_people_use():
    assert {0x30, 0x660, 0x6F0, 0x966, 0x9E6, 0xE50, 0xFF10} <= set(ZEROS) and len(ZEROS) > 50


@st.composite
def written_numbers(draw):
    groups, dial = draw(st.sampled_from(NUMBERS))
    zero = draw(st.sampled_from(ZEROS))
    written = ""
    for i, group in enumerate(groups):
        if i:
            written += draw(st.sampled_from(SEPARATORS))
        written += "".join(chr(zero + int(d)) for d in group)
    if draw(st.booleans()):   # invisible characters between the characters of the number
        written = written[0] + "".join(
            "".join(draw(st.lists(st.sampled_from(INVISIBLE), max_size=2))) + c for c in written[1:])
    return "".join(groups), dial, written


@settings(max_examples=200, deadline=None, database=None)
@given(written_numbers())
def test_no_phone_like_number_passes_in_any_script(case):
    ascii_digits, dial, number = case
    translation = f"Llama al {{line.phone}} o {number} ahora."
    problems = tr.entry_problems(CALL, translation, ARABIC_JOINERS)
    assert ascii_digits in listed_digits(problems)
    if set(number) - ARABIC_JOINERS & set(INVISIBLE):
        assert any(p.startswith("invisible or control characters: ") for p in problems)
    # The audit reads the same text the same way.
    assert re.sub(r"\D", "", printed.normalize(number)) == ascii_digits
    if dial is not None:
        assert [n.dial for n in printed.phone_numbers(translation)] == [dial]


# --- 3. build and check, through a scratch project ---------------------------

@pytest.fixture
def filled(scratch):
    """A card with every es entry translated (drafts)."""
    scratch.material()
    tr.new_language(scratch.language("es"), "es")
    result, _ = fill(scratch)
    assert result.errors == [] and len(result.changed) == 22
    return scratch


def po_path(scratch, domain: str, lang: str = "es") -> Path:
    return scratch.root / f"translations/{lang}/{domain}.po"


def write_po(path: Path, content: str) -> None:
    """Write a PO file as an editor would, with a new mtime even within one clock
    tick (catalogs are cached by mtime and size, and a pasted comment keeps the size)."""
    before = path.stat().st_mtime_ns
    path.write_text(content, encoding="utf-8")
    if path.stat().st_mtime_ns == before:
        os.utime(path, ns=(before + 1000, before + 1000))


def set_msgstr(scratch, domain: str, msgid: str, msgstr: str, lang: str = "es") -> int:
    """Edit one entry's msgstr in the PO text; return its msgstr line (1-based)."""
    path = po_path(scratch, domain, lang)
    lines = path.read_text(encoding="utf-8").split("\n")
    at = lines.index(f'msgid "{msgid}"')
    assert lines[at + 1].startswith("msgstr ")
    lines[at + 1] = f'msgstr "{msgstr}"'
    write_po(path, "\n".join(lines))
    return at + 2


def points_at_entry(line, msgstr_line: int) -> bool:
    """A line number at the entry's msgid (babel's) or just before it, not after."""
    return isinstance(line, int) and msgstr_line - 2 <= line < msgstr_line


def states(scratch, domain: str, lang: str = "es") -> dict[str, str]:
    project = scratch.project()
    template = tr.templates_by_domain(project)[domain]
    catalog = tr.merged_catalog(po_path(scratch, domain, lang), lang, template)
    return {m.id: tr.state_of(catalog.get(m.id, context=m.context)) for m in template if m.id}


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


# --- 4. review refuses broken entries ----------------------------------------

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


# --- 5. the review hash --------------------------------------------------------

def test_review_hash_covers_context_english_and_translation():
    base = Message("One short point.", "Un punto corto.", context="back")
    other = [Message("One short point.", "Un punto corto.", context="front"),
             Message("One short point!", "Un punto corto.", context="back"),
             Message("One short point.", "Un punto corto!", context="back")]
    assert all(tr.review_hash(m) != tr.review_hash(base) for m in other)
    assert re.fullmatch(r"[0-9a-f]{16}", tr.review_hash(base))
    tr.record_review(base, "Ana", "2026-11-30")
    assert base.user_comments == [f"reviewed: Ana, 2026-11-30, sha256:{tr.review_hash(base)}"]
    assert tr.reviewer_of(base) == "Ana" and tr.state_of(base) == "reviewed"
    base.string = "Un punto muy corto."
    assert tr.reviewer_of(base) is None and tr.state_of(base) == "draft"


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


@pytest.fixture
def reviewed(scratch):
    scratch.material()
    tr.new_language(scratch.language("es"), "es")
    assert fill(scratch, reviewer="Ana Reviewer")[0].errors == []
    scratch.sign_off()
    assert set(states(scratch, "test-card").values()) == {"reviewed"}
    return scratch


def test_editing_a_reviewed_translation_makes_it_a_draft_and_final_refuses(reviewed):
    set_msgstr(reviewed, "test-card", "One short point.", "Un punto muy corto.")
    assert states(reviewed, "test-card")["One short point."] == "draft"
    assert "# reviewed: Ana Reviewer, " in po_path(reviewed, "test-card").read_text()  # still there
    final = reviewed.build(final=True, langs=["es"])
    assert final.exit_code == 1
    assert "its es translation has 1 unreviewed entries" in final.failed[0].error.message


def test_editing_the_english_makes_a_reviewed_translation_stale(reviewed):
    reviewed.material(text=CARD_TEXT.replace("One short point.", "One short point, edited."))
    assert states(reviewed, "test-card")["One short point, edited."] == "stale"
    assert tr.status(reviewed.project(), "es")["test-card"]["reviewed"] == 4


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


# --- 6. the spreadsheet ------------------------------------------------------

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


# --- 7. the command line -------------------------------------------------------

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
