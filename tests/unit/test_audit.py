"""How the audit reads a finished PDF's text: every way a number or an
address can be printed is read as what a phone would dial or a browser
open, and ordinary text is not (the PDFs themselves: tests/integration/)."""

from __future__ import annotations

import pytest

from pamphlet_builder import audit
from pamphlet_builder.contacts import parse_phone


def test_audit_reads_numbers_in_any_digit_script():
    allowed = audit.allowed_for([])
    text = "اتصل ١-٨٠٠-٥٥٥-٠١٩٩ or １８００５５５０１９９ or 1\u200b800\u200b555\u200b0199"
    found = {n.dial for n in audit.printed.phone_numbers(text, allowed.short_codes)}
    assert found == {"+18005550199"}
    assert parse_phone("1-800-555-0199").tel_uri == "tel:+18005550199"


@pytest.mark.parametrize("printed_text, dial", [
    ("Call 1-866-789-15119", "186678915119"),          # a stylesheet's ::after { content: "9" }
    ("Text HOME to 741741", "741741"),                  # an SMS short code
    ("使用前先打電話：一八〇〇五五五〇一九九。", "+18005550199"),   # Chinese numerals
    ("Llama al 9-1-1.", "911"),
])
def test_the_audit_reads_every_way_a_number_is_printed(printed_text, dial):
    assert dial in {n.dial for n in audit.printed.phone_numbers(printed_text)}


@pytest.mark.parametrize("printed_text, host", [
    ("Сайт: помощь.рф", "помощь.рф"),                   # an internationalized TLD
    ('=HYPERLINK("http://x")', "x"),                    # a scheme without a dot
    ("Visit hep。org", "hep.org"),                       # an ideographic full stop
])
def test_the_audit_reads_every_way_an_address_is_printed(printed_text, host):
    assert host in audit.printed.domains(printed_text)


@pytest.mark.parametrize("ordinary", ["RCW 69.50.315", "Revised 2026-12-01", "8-12 weeks, 95%",
                                      "30-90 minutes", "第三十一條", "です。HEP", "ኤች.ኣይ.ቪን"])
def test_ordinary_text_is_not_read_as_a_number_or_address(ordinary):
    assert audit.printed.phone_numbers(ordinary) == [] and audit.printed.domains(ordinary) == []


@pytest.mark.parametrize("raw, why", [("1-800-FLOWERS", "letters"), ("1-866-789-1511 ext. 5", "letters"),
                                      ("+44 20 7946 0958", "not a US number")])
def test_the_registry_refuses_numbers_that_cannot_be_dialed_as_printed(raw, why):
    with pytest.raises(ValueError, match=why):
        parse_phone(raw)
