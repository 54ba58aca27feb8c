"""Phone numbers: parsed, validated, printed nationally, dialed as tel:+1;
for any valid US number written any usual way, the same dial, a round trip
through what is printed, and the audit finds it in running text."""

import phonenumbers
import pytest
from hypothesis import assume, given, settings, strategies as st

from pamphlet_builder import printed
from pamphlet_builder.contacts import Phone, parse_phone


@pytest.mark.parametrize("raw, display, uri", [
    ("1-800-484-3731", "1-800-484-3731", "tel:+18004843731"),
    ("(866) 789-1511", "1-866-789-1511", "tel:+18667891511"),
    ("+1 866 789 1511", "1-866-789-1511", "tel:+18667891511"),
    ("988", "988", "tel:988"),
    ("911", "911", "tel:911"),
])
def test_valid_numbers(raw, display, uri):
    phone = parse_phone(raw)
    assert (phone.display, phone.tel_uri) == (display, uri)


@pytest.mark.parametrize("raw", ["1-800-484-37", "555", "call us", "1-000-000-0000"])
def test_invalid_numbers(raw):
    with pytest.raises(ValueError):
        parse_phone(raw)


# --- Properties ----------------------------------------------------------------

# Toll-free prefixes and area codes of the region (and a few others).
AREA_CODES = ("800", "833", "844", "855", "866", "877", "888", "206", "253", "360", "425", "509",
              "564", "212", "312", "415", "617", "713", "305", "907")
SEPARATORS = ("", " ", "-", ".", "  ", " - ", "\u00a0")
SHORT_CODES = ("211", "311", "411", "511", "611", "711", "811", "911", "988")


@st.composite
def us_numbers(draw) -> tuple[str, str, str]:
    """(area code, exchange, line) of a number libphonenumber calls valid."""
    area = draw(st.sampled_from(AREA_CODES))
    exchange = str(draw(st.integers(200, 999)))
    line = f"{draw(st.integers(0, 9999)):04d}"
    assume(phonenumbers.is_valid_number(phonenumbers.parse(f"+1{area}{exchange}{line}")))
    return area, exchange, line


@st.composite
def written(draw, number: tuple[str, str, str]) -> str:
    """A number as people write it: with or without 1 or +1, the area code
    in parentheses or not, any of the usual separators between the groups."""
    area, exchange, line = number
    prefix = draw(st.sampled_from(["", "1", "+1"]))
    head = prefix + (draw(st.sampled_from(SEPARATORS)) if prefix else "")
    area = f"({area})" if draw(st.booleans()) else area
    return (head + area + draw(st.sampled_from(SEPARATORS)) + exchange
            + draw(st.sampled_from(SEPARATORS)) + line)


def canonical(number: tuple[str, str, str]) -> Phone:
    area, exchange, line = number
    return Phone(display=f"1-{area}-{exchange}-{line}", tel_uri=f"tel:+1{area}{exchange}{line}")


numbers_as_written = us_numbers().flatmap(lambda n: st.tuples(st.just(n), written(n)))


@settings(max_examples=100, deadline=None, database=None)
@given(numbers_as_written)
def test_any_way_of_writing_a_number_dials_the_same(case):
    number, raw = case
    assert parse_phone(raw) == canonical(number), raw


@settings(max_examples=60, deadline=None, database=None)
@given(us_numbers())
def test_what_is_printed_and_dialed_parses_back_to_the_same_number(number):
    phone = parse_phone("".join(number))
    assert parse_phone(phone.display) == phone
    assert parse_phone(phone.tel_uri.removeprefix("tel:")) == phone


@settings(max_examples=30, deadline=None, database=None)
@given(st.sampled_from(SHORT_CODES), st.sampled_from(["", " ", "-", "."]))
def test_a_short_code_dials_as_itself(code, separator):
    assert parse_phone(separator.join(code)) == Phone(display=code, tel_uri=f"tel:{code}")


# Words around a number in the scripts the materials are printed in, without
# digits or numeral characters of any script (一二三 or ፩ would be digits).
WORDS = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyzCALL ,;:!?()'\"" "اتصلبالرقم"
                                "Позвонитепономеру" "전화하세요" "ደውሉ" "Gọiđiệnthoại"),
                max_size=25)


@settings(max_examples=100, deadline=None, database=None)
@given(numbers_as_written, WORDS, WORDS)
def test_the_audit_finds_the_number_in_running_text(case, before, after):
    number, raw = case
    text = f"{before} {raw} {after}"
    assert [n.dial for n in printed.phone_numbers(text)] == [canonical(number).tel_uri[4:]], text


LETTERS = st.one_of(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"),
                    st.characters(categories=("Lu", "Ll", "Lo")))    # and letters of any script
EXTENSIONS = st.sampled_from([" ext. {}", " ext {}", " x{}", " x {}", "#{}", ";ext={}", ",{}",
                              " extension {}", " (ext. {})"])


@settings(max_examples=60, deadline=None, database=None)
@given(numbers_as_written, st.data())
def test_letters_anywhere_are_refused(case, data):
    """A vanity number (1-800-FLOWERS) or a typo cannot be dialed from a QR code."""
    _, raw = case
    at = data.draw(st.integers(0, len(raw)))
    spoiled = raw[:at] + data.draw(LETTERS) + raw[at:]
    with pytest.raises(ValueError, match="letters"):
        parse_phone(spoiled)


@settings(max_examples=60, deadline=None, database=None)
@given(numbers_as_written, EXTENSIONS, st.integers(1, 99999))
def test_an_extension_is_refused(case, extension, digits):
    """A phone dials a tel: code without the extension: refused, however written."""
    _, raw = case
    with pytest.raises(ValueError):
        parse_phone(raw + extension.format(digits))
