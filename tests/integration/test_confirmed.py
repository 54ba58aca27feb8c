"""A law or statement in the registry prints the month it was confirmed,
and --final refuses it once that is too long ago, like a phone number."""

from __future__ import annotations

import datetime as dt

from babel import Locale

from pamphlet_builder.contacts import Contact
from pamphlet_builder.render import confirmed_month
from ..conftest import CONTACTS
from ..pdfcheck import page_texts

LAW = """\
  law:
    name: A Test Law
    does: Protects people who call for help.
    source: tests
    verified: {verified}
"""
CARD = """\
<!-- part: front -->
# Test card

Call this line: {line.phone}.

<!-- part: back -->
## The law

As checked in {law.confirmed}. Laws change.
"""


def law_project(scratch, verified: str):
    scratch.write("pamphlets/contacts.yaml", CONTACTS + LAW.format(verified=verified))
    scratch.material(text=CARD)
    scratch.sign_off()


def test_the_month_is_written_as_each_language_writes_it():
    law = Contact(id="law", name="Law", does="d", source="s", verified="2026-11")
    assert confirmed_month(law, Locale.parse("en")) == "November 2026"
    assert confirmed_month(law, Locale.parse("es")) == "noviembre de 2026"
    assert confirmed_month(law, Locale.parse("ko")) == "2026년 11월"
    unconfirmed = Contact(id="law", name="Law", does="d", source="s", verified=None)
    assert confirmed_month(unconfirmed, Locale.parse("en")) == "\u2014"


def test_the_card_prints_when_the_law_was_confirmed(scratch):
    law_project(scratch, "2026-11")
    report = scratch.build()
    assert not report.failed, [r.error.format() for r in report.failed]
    back = page_texts(scratch.root / "output" / "en" / "test-card.pdf")[1]
    assert "As checked in November 2026. Laws change." in " ".join(back.split())


def test_final_refuses_a_law_confirmed_too_long_ago(scratch):
    old = (dt.date.today() - dt.timedelta(days=800)).strftime("%Y-%m")
    law_project(scratch, old)
    report = scratch.build(final=True)
    messages = [r.error.message for r in report.failed]
    assert messages and all(f"last confirmed more than 12 months ago: law ({old})" in m
                            for m in messages), messages
    assert scratch.build(final=True, max_age_months=36).failed == []
