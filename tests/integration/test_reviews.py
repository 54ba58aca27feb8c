"""Health content sign-off: recorded by a named person for exactly the
English they read; shown in check, the catalog and a final print."""

from __future__ import annotations

from pamphlet_builder import checks
from pamphlet_builder.cli import main

from ..conftest import CARD_META, CARD_TEXT


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


