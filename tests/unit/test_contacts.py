"""Phone numbers: parsed, validated, printed nationally, dialed as tel:+1."""

import pytest

from pamphlet_builder.contacts import parse_phone


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
