"""Health content sign-off as the project loads it: a review counts only
for exactly the English it was recorded for, and a real name and role are
required; numbers, addresses and placeholders in English content (the
sign-off in check, the catalog and a final print: tests/integration/)."""

from __future__ import annotations

from pamphlet_builder.cli import main
from pamphlet_builder.reviews import REVIEW_FILE

from ..conftest import CARD_META, CARD_TEXT


def test_editing_the_title_voids_the_review_too(scratch):
    scratch.material()
    scratch.sign_off()
    scratch.material(meta=CARD_META.replace("title: Test Card", "title: Another Card"))
    assert scratch.project().materials["test-card"].content_review is None


def test_a_hand_written_review_with_the_wrong_hash_counts_for_nothing(scratch):
    scratch.material()
    scratch.write(f"pamphlets/test-card/{REVIEW_FILE}", """\
        reviews:
          - by: Someone
            role: nurse
            date: 2026-11-30
            english: 0123456789abcdef
        """)
    assert scratch.project().materials["test-card"].content_review is None


def test_a_review_needs_a_real_name_and_role(scratch, capsys):
    scratch.material()
    code = main(["--root", str(scratch.root), "content", "review", "test-card",
                 "--by", "A, B", "--role", "nurse"])
    assert code == 2
    err = capsys.readouterr().err
    assert "without commas" in err and "Traceback" not in err
    assert not (scratch.root / f"pamphlets/test-card/{REVIEW_FILE}").exists()


def test_a_phone_number_typed_into_english_content_is_an_error(scratch):
    scratch.material(text=CARD_TEXT.replace("- One short point.", "- Or call 206-555-0100."))
    [error] = scratch.project().materials["test-card"].errors
    assert error.line == 9 and str(error.path).endswith("test-card/en.md")
    assert error.message.startswith("206-555-0100 typed into the text")


def test_an_address_typed_into_english_content_is_an_error(scratch):
    scratch.material(text=CARD_TEXT.replace("- One short point.", "- See www.hep.org."))
    [error] = scratch.project().materials["test-card"].errors
    assert error.line == 9 and error.message.startswith("hep.org typed into the text")


def test_a_placeholder_for_a_field_that_does_not_print_is_an_error(scratch):
    scratch.material(text=CARD_TEXT.replace("- One short point.", "- Source: {site.source}"))
    [error] = scratch.project().materials["test-card"].errors
    assert error.line == 9 and "`source` is not a field that prints" in error.message


def test_a_placeholder_for_a_field_the_contact_lacks_is_an_error(scratch):
    scratch.material(text=CARD_TEXT.replace("- One short point.", "- Call {site.phone}"))
    [error] = scratch.project().materials["test-card"].errors
    assert error.line == 9 and "contact 'site' has no `phone`" in error.message


def test_changing_what_a_part_prints_voids_the_review(scratch):
    scratch.material()
    scratch.sign_off()
    scratch.material(meta=CARD_META.replace("contacts: [site]", "contacts: [unsure]"))
    assert scratch.project().materials["test-card"].content_review is None
