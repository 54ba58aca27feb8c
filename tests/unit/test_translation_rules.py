"""The translation rules (`translations.entry_problems`), rule by rule, and
the audit reads the same way; the review hash. A wrong phone number is
worse than no card: a number the English does not print never passes, in
any script, whatever invisible characters sit between its digits. (Check,
build, review, spreadsheet import and the CLI enforcing them:
tests/integration/test_translation_rules.py.)"""

from __future__ import annotations

import re
import unicodedata

import pytest
from babel.messages.catalog import Message
from hypothesis import given, settings, strategies as st

from pamphlet_builder import printed, text, translations as tr
from pamphlet_builder.content import load_project

from ..conftest import ROOT

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
    ("**Warning:** stay.", "**注意**：そばにいてください。"),
    ("**Warning:** stay.", "**Aviso:** quédate."),
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
    # bold marks that would print as stars (closing ** after CJK punctuation)
    ("**Warning:** stay.", "**注意：**そばにいてください。", "** would print as written, not as bold"),
    ("**Warning:** stay.", "**Aviso:**quédate.", "** would print as written, not as bold"),
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


# --- 3. the review hash --------------------------------------------------------

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
