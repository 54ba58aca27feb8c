"""What a text prints that someone could dial or open: phone numbers, short
codes, web addresses; and the invisible characters that could hide them.

One reading, used twice: on a translator's entry before anything is
rendered (`translations.entry_problems`), and on the text of every finished
PDF (`audit.audit_pdf`), the last line of defence. A number is a number in
any script: Arabic-Indic or full-width digits count, and zero-width or bidi
control characters between the digits do not hide it.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

import phonenumbers

REGION = "US"
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"), "-")
# Numeral characters that are not decimal digits but stand for 0-9 (CJK
# 〇一二三..., Ethiopic ፩..፱): three or more in a row are read as digits.
@functools.cache
def _numerals() -> re.Pattern:
    """Built on first use. `isnumeric` (in C) keeps the 1,200 of 200,000 code
    points that have a numeric value at all, so the slower lookups run on those only."""
    numeric = [c for c in map(chr, range(0x80, 0x30000)) if c.isnumeric() and not c.isdecimal()]
    chars = "".join(c for c in numeric if unicodedata.numeric(c, -1) in range(10)
                    and unicodedata.category(c) in ("Lo", "Nl", "No"))
    return re.compile(f"[{re.escape(chars)}]{{3,}}")
# The three-digit numbers a US phone dials: N11 services and 988.
SHORT_CODES = frozenset([f"{n}11" for n in range(2, 10)] + ["988"])
# Digits with the separators people write between them in a number.
_DIGIT_GROUP = re.compile(r"\+?\d+(?:[ \u00a0\u202f().\-/]{1,3}\d+)*")
# A phone number as North Americans write it, valid or not (123-456-7890 too).
_NANP = re.compile(r"(?<![\d])(?:\+?1[ .\-]?)?\(?\d{3}\)?[ .\-]?\d{3}[ .\-]\d{4}(?![\d])|"
                   r"(?<![\d.\-])\d{3}[ .\-]\d{4}(?![\d.\-])|"
                   r"(?<![\d.,])(?:1?\d{10}|\d{7})(?![\d.,]?\d)")
# A short code alone (911), or one digit at a time (9-1-1), but not the end of 69.50.315.
_SHORT = re.compile(r"(?<!\d)(?<!\d[.,/\-])(?:\d{3}|\d[ .\-]\d[ .\-]\d)(?![.,/\-]?\d)")
# A host name written alone (hep.org) is read in ASCII (or punycode): read
# in every script, a sentence that ends without a space (በ.ኣይ, ا.استخدم)
# would look like one. After `https://`, `www.` or `@`, a host in any script
# (пример.рф) is read too.
_DOMAIN = re.compile(r"(?<![a-z0-9\-_.])(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+"
                     r"(?:[a-z]{2,63}|xn--[a-z0-9\-]+)(?![a-z0-9\-])")
_LABEL = r"[^\W_](?:[^\W_]|-){0,62}"      # letters and digits of any script, and dashes
_ANY_SCRIPT_HOST = re.compile(rf"(?:[a-z][a-z0-9+.\-]*://|www\.|@)((?:{_LABEL}\.)+[^\W\d_]{{2,63}})"
                              r"(?![\w\-])")
# Whatever follows a scheme is an address, even without a dot (http://x).
_AFTER_SCHEME = re.compile(r"[a-z][a-z0-9+.\-]*://([^\s/?#\"'<>)]+)")
# Internationalized top-level domains of the regions our languages are read
# in (IANA): a bare host ending in one of these is read in any script.
IDN_TLDS = ("рф", "рус", "укр", "бел", "қаз", "срб", "мкд", "москва", "онлайн", "сайт", "орг",
            "中国", "中國", "台湾", "台灣", "香港", "澳門", "新加坡", "中文网", "公司", "网络", "在线",
            "한국", "닷컴", "닷넷", "コム", "みんな", "ไทย", "ລາວ", "ශ්‍රී", "مصر", "السعودية",
            "امارات", "الاردن", "المغرب", "تونس", "الجزائر", "عمان", "قطر", "فلسطين", "سورية",
            "عراق", "اليمن", "السودان", "موريتانيا", "شبكة", "بيتك", "موقع")
_IDN_HOST = re.compile(rf"(?<![\w\-.])((?:{_LABEL}\.)+(?:{'|'.join(IDN_TLDS)}))(?![\w\-])")
# SMS short codes (Text HOME to 741741): five or six digits alone.
_SMS = re.compile(r"(?<![\d.,/\-])\d{5,6}(?![.,/\-]?\d)")


def hidden_characters(text: str, allowed: frozenset[str] = frozenset()) -> list[str]:
    """Control and invisible format characters (Unicode Cc and Cf: bidi
    embeddings, overrides and isolates, zero-width space, word joiner, BOM,
    NUL), as `U+XXXX NAME`, except line breaks and the `allowed` joiners."""
    found = []
    for char in text:
        if char == "\n" or char in allowed:
            continue
        if unicodedata.category(char) in ("Cc", "Cf"):
            name = unicodedata.name(char, "control character")
            label = f"U+{ord(char):04X} {name}"
            if label not in found:
                found.append(label)
    return found


def normalize(text: str) -> str:
    """Text as a phone or browser reads it: invisible characters dropped,
    compatibility forms folded (full-width digits and letters), every
    decimal digit as 0-9 (and runs of three or more numeral characters, such
    as 一八〇〇 or ፩፱፻, as the digits they stand for), IDNA dots and dashes
    as ASCII, lower case."""
    text = "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cf") or c == "\n")
    text = unicodedata.normalize("NFKC", text)
    text = "".join(str(unicodedata.decimal(c)) if c.isdecimal() and not c.isascii() else c
                   for c in text)
    text = _numerals().sub(lambda m: "".join(str(int(unicodedata.numeric(c))) for c in m.group(0)),
                         text)
    # An ideographic full stop is a dot only inside a host name (hep。org),
    # not at the end of a Chinese or Japanese sentence.
    text = re.sub("(?<=[A-Za-z0-9])[\u3002\uff0e\uff61](?=[A-Za-z0-9])", ".", text).translate(_DASHES)
    return text.lower()


def digit_groups(text: str) -> set[str]:
    """Every run of three or more digits, and the runs written next to each
    other when together they could be dialed: seven digits or more, or a
    short code (1-800-484-3731 gives 18004843731, 800, 484, 3731; 9-1-1
    gives 911; 10-15 gives nothing). What a translation may print only if
    the English does."""
    found: set[str] = set()
    for match in _DIGIT_GROUP.finditer(normalize(text)):
        runs = re.findall(r"\d+", match.group(0))
        found.update(run for run in runs if len(run) >= 3)
        joined = "".join(runs)
        if len(joined) >= 7 or joined in SHORT_CODES:
            found.add(joined)
    return found


@dataclass(frozen=True)
class Number:
    raw: str           # as printed (normalized)
    dial: str          # E.164 (+18004843731) or the short code (988)


def phone_numbers(text: str, short_codes: frozenset[str] = SHORT_CODES) -> list[Number]:
    """Every phone number in a text: what libphonenumber finds, anything
    written like a North American number (valid or not), and short codes."""
    plain = normalize(text)
    found: dict[tuple[int, int], Number] = {}
    for valid in phonenumbers.PhoneNumberMatcher(plain, REGION, leniency=phonenumbers.Leniency.VALID):
        dial = phonenumbers.format_number(valid.number, phonenumbers.PhoneNumberFormat.E164)
        found[(valid.start, valid.end)] = Number(valid.raw_string, dial)
    for match in _NANP.finditer(plain):
        if any(s <= match.start() < e for s, e in found):
            continue
        digits = re.sub(r"\D", "", match.group(0))
        dial = "+" + digits if len(digits) == 11 and digits.startswith("1") else (
            "+1" + digits if len(digits) == 10 else digits)
        found[match.span()] = Number(match.group(0), dial)
    for match in _DIGIT_GROUP.finditer(plain):     # anything else with a phone's length
        digits = re.sub(r"\D", "", match.group(0))
        if len(digits) >= 10 and not any(s < match.end() and match.start() < e for s, e in found):
            found[match.span()] = Number(match.group(0), digits)
    for pattern, only in ((_SHORT, short_codes), (_SMS, None)):
        for match in pattern.finditer(plain):
            digits = re.sub(r"\D", "", match.group(0))
            if (only is None or digits in only) and not any(s <= match.start() < e for s, e in found):
                found[match.span()] = Number(match.group(0), digits)
    return [_whole(plain, span, found[span]) for span in sorted(found)]


def _whole(plain: str, span: tuple[int, int], number: Number) -> Number:
    """A number as printed: a digit glued before or after the match (a
    stylesheet's `::after { content: "9" }`) makes it another number."""
    start, end = span
    glued = plain[end:end + 1].isdigit() or (start > 0 and plain[start - 1].isdigit())
    if not glued:
        return number
    while start > 0 and (plain[start - 1].isdigit() or plain[start - 1] in "-. " and
                         plain[start - 2:start - 1].isdigit()):
        start -= 1
    while end < len(plain) and (plain[end].isdigit() or plain[end] in "-. " and
                                plain[end + 1:end + 2].isdigit()):
        end += 1
    raw = plain[start:end]
    return Number(raw, re.sub(r"\D", "", raw))


def domains(text: str) -> list[str]:
    """Every web address or e-mail domain in a text, as its host name
    without `www.` (hep.org), in order of appearance."""
    plain = normalize(text)
    found = [(m.start(), m.group(0)) for m in _DOMAIN.finditer(plain)]
    for pattern in (_ANY_SCRIPT_HOST, _AFTER_SCHEME, _IDN_HOST):
        found += [(m.start(1), m.group(1)) for m in pattern.finditer(plain)]
    hosts = [host.removeprefix("www.") for _, host in sorted(found)]
    return list(dict.fromkeys(hosts))


def host_of(url: str) -> str:
    """The host of an https:// address, without `www.`."""
    return normalize(url).removeprefix("https://").split("/")[0].removeprefix("www.")
