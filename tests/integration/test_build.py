"""The build command end to end on throwaway projects: exit codes, failed
materials, atomic writes, --final, the fetch fence and text that must fit."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from pamphlet_builder.build import BuildOptions, build

from ..conftest import CARD_META, CARD_TEXT, HANDOUT_META, HANDOUT_TEXT, ROOT
from ..paper import A4
from ..pdfcheck import page_sizes, page_texts


def run_cli(scratch, *args):
    return subprocess.run([sys.executable, str(ROOT / "make_pamphlets.py"), "--root", str(scratch.root),
                           *args], capture_output=True, text=True, timeout=300)


def test_build_writes_pdf_and_manifest(scratch):
    scratch.material()
    report = scratch.build()
    assert report.exit_code == 0
    manifest = json.loads((scratch.root / "output/manifest.json").read_text())
    [entry] = manifest["outputs"]
    assert entry["path"] == "en/test-card.pdf" and entry["kind"] == "document"
    [code] = entry["qr"]
    assert {k: code[k] for k in ("page", "target", "contact", "modules")} == {
        "page": 1, "target": "tel:+18004843731", "contact": "line", "modules": 33}
    # 33 modules with the quiet zone of 4 on each side: the symbol is 25 of them.
    assert code["symbol_in"] >= 0.8 and code["symbol_in"] == pytest.approx(
        code["printed_in"] * 25 / 33, abs=0.01)
    assert entry["unverified"] == [] and entry["draft"] is False
    assert page_sizes(scratch.root / "output/en/test-card.pdf") == [(252.0, 144.0)] * 2


def test_broken_material_fails_alone_and_keeps_its_previous_pdf(scratch):
    scratch.material("good-card")
    scratch.material("other-card")
    assert scratch.build().exit_code == 0
    before = (scratch.root / "output/en/other-card.pdf").read_bytes()
    scratch.material("other-card", meta=CARD_META.replace("contacts: [site]", "contacts: [nope]"))
    result = run_cli(scratch, "build", "--variant", "standard", "--no-sheets")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "other-card/material.yaml" in result.stderr and "unknown contact 'nope'" in result.stderr
    assert (scratch.root / "output/en/other-card.pdf").read_bytes() == before
    assert (scratch.root / "output/en/good-card.pdf").is_file()
    manifest = json.loads((scratch.root / "output/manifest.json").read_text())
    assert manifest["failed_last_build"] == ["en/other-card.html", "en/other-card.pdf"]   # its web page too
    assert not list((scratch.root / "output/en").glob("*.tmp"))


def test_configuration_error_exits_2_without_traceback(scratch):
    scratch.material()
    scratch.write("pamphlets/contacts.yaml", "contacts: [\n")
    result = run_cli(scratch, "build")
    assert result.returncode == 2
    assert re.search(r"contacts.yaml:\d+: invalid YAML", result.stderr)
    assert "Traceback" not in result.stderr


def test_unknown_material_is_a_usage_error(scratch):
    scratch.material()
    result = run_cli(scratch, "build", "--material", "nope")
    assert result.returncode == 2 and "unknown material(s): nope" in result.stderr


def test_final_refuses_unverified_contacts(scratch):
    scratch.material(meta=CARD_META.replace("contacts: [site]", "contacts: [unsure]"))
    proof = scratch.build()
    assert proof.exit_code == 0
    assert "NOT FOR DISTRIBUTION" in " ".join(page_texts(scratch.root / "output/en/test-card.pdf"))
    report = scratch.build(final=True)
    assert report.exit_code == 1
    assert "unverified contact(s) unsure" in report.failed[0].error.message


def test_final_builds_a_verified_material(scratch):
    scratch.material()
    refused = scratch.build(final=True)
    assert refused.exit_code == 1 and "not reviewed by a clinician" in refused.failed[0].error.message
    review = scratch.sign_off()
    assert scratch.build(final=True).exit_code == 0
    text = " ".join(page_texts(scratch.root / "output/en/test-card.pdf"))
    assert "NOT FOR DISTRIBUTION" not in text and "1-800-484-3731" in text
    assert f"Health content reviewed {review.date}" in " ".join(text.split())   # final footer


def test_renderer_fetches_nothing_outside_the_project(scratch):
    scratch.material(meta=CARD_META + "template: leaky.html\n")
    scratch.write("templates/leaky.html", """\
        {% extends "wallet-card.html" %}
        {% block pages %}<img src="file:///etc/passwd"><img src="https://example.org/x.png">{{ super() }}{% endblock %}
        """)
    report = scratch.build()
    assert report.exit_code == 1
    assert "file:///etc/passwd" in report.failed[0].error.message
    assert not (scratch.root / "output/en/test-card.pdf").exists()


def test_content_text_is_escaped(scratch):
    scratch.material(text=CARD_TEXT.replace("- One short point.", "- Use 5 < 6 & **bold** `<b>`"))
    assert scratch.build().exit_code == 0
    text = " ".join(page_texts(scratch.root / "output/en/test-card.pdf"))
    assert "5 < 6 & bold <b>" in text


def test_long_text_shrinks_to_fit_and_records_the_scale(scratch):
    long_point = "- " + "This point is longer than it should be on a small card. " * 2
    scratch.material(text=CARD_TEXT.replace("- One short point.", "\n".join([long_point] * 4)))
    report = scratch.build()
    assert report.exit_code == 0, report.failed and report.failed[0].error.format()
    [result] = report.results
    assert 0.8 <= result.entry["fit_scale"] < 1.0
    assert result.entry["pages"] == 2


def test_text_that_cannot_fit_fails_naming_the_part(scratch):
    too_long = "\n".join(["- " + "Far too much text for a wallet card. " * 4] * 8)
    scratch.material(text=CARD_TEXT.replace("- One short point.", too_long))
    report = scratch.build()
    assert report.exit_code == 1
    message = report.failed[0].error.message
    assert "does not fit" in message and "back overflows by" in message
    assert not (scratch.root / "output/en/test-card.pdf").exists()


def test_handout_a4_paper(scratch):
    scratch.material("test-handout", meta=HANDOUT_META, text=HANDOUT_TEXT)
    report = scratch.build(paper="a4")
    assert report.exit_code == 0
    sizes = page_sizes(scratch.root / "output/en/test-handout.pdf")
    assert sizes and all(size == pytest.approx(A4, abs=0.01) for size in sizes), sizes   # 210 x 297 mm


def test_build_options_default_to_all_languages_with_translations(scratch):
    scratch.material()
    report = build(scratch.project(), BuildOptions(out=scratch.root / "o", jobs=1))
    documents = [r.entry for r in report.results if r.entry["kind"] == "document"]
    assert {e["lang"] for e in documents} == {"en"}
    assert {e["variant"] for e in documents} == {"standard", "photocopy"}
    sheets = {r.path for r in report.results if r.entry["kind"] == "sheet"}
    assert "en/sheets/test-card.avery-5371.pdf" in sheets and "sheets/alignment.a4-10up.pdf" in sheets
