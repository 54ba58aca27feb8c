"""Health content sign-off: recorded by a named person for exactly the
English they read; shown in check, the catalog and a final print."""

from __future__ import annotations

from pamphlet_builder import checks
from pamphlet_builder.cli import main
from pamphlet_builder.reviews import REVIEW_FILE

from .conftest import CARD_META, CARD_TEXT


def review_findings(scratch, final=False):
    return [f for f in checks.run_checks(scratch.project(), final=final)
            if f.check == "content review"]


def test_content_review_is_recorded_by_the_command(scratch, capsys):
    scratch.material()
    code = main(["--root", str(scratch.root), "content", "review", "test-card",
                 "--by", "Dr. Ana Lopez", "--role", "prescriber"])
    assert code == 0
    assert "reviewed by Dr. Ana Lopez (prescriber)" in capsys.readouterr().out
    review = scratch.project().materials["test-card"].content_review
    assert (review.by, review.role) == ("Dr. Ana Lopez", "prescriber")
    assert review_findings(scratch) == []


def test_unreviewed_content_is_a_warning_and_an_error_for_final(scratch):
    scratch.material()
    [warning] = review_findings(scratch)
    assert warning.level == "warning" and "not yet reviewed by a clinician" in warning.message
    assert warning.where == "pamphlets/test-card/en.md"
    [error] = review_findings(scratch, final=True)
    assert error.level == "error"


def test_editing_the_english_voids_the_review(scratch):
    scratch.material()
    scratch.sign_off()
    scratch.material(text=CARD_TEXT.replace("One short point.", "One short point, edited."))
    material = scratch.project().materials["test-card"]
    assert material.content_review is None and len(material.reviews) == 1
    [finding] = review_findings(scratch)
    assert "changed since its last review" in finding.message
    report = scratch.build(final=True)
    assert "changed since its last review" in report.failed[0].error.message


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


def test_catalog_shows_the_review_and_the_sources(scratch):
    scratch.material(meta=CARD_META.replace("parts:", "sources:\n  - CDC, Stop Overdose\nparts:"))
    scratch.build(catalog=True)
    page = (scratch.root / "output/index.html").read_text("utf-8")
    assert "Not yet reviewed by a clinician" in page and "CDC, Stop Overdose" in page
    review = scratch.sign_off(by="Dr. Ana Lopez", role="prescriber")
    scratch.build(catalog=True)
    page = (scratch.root / "output/index.html").read_text("utf-8")
    assert f"Health content reviewed by Dr. Ana Lopez (prescriber) on {review.date}" in page
    assert "Numbers on this card:</strong>\n    1-800-484-3731 (Test Line); example.org (Test Site)" in page


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
