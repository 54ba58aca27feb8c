"""Incremental builds: after each kind of edit, exactly the outputs that
depend on it are rebuilt, and no others."""

from __future__ import annotations

import pytest

from pamphlet_builder import translations as tr

from ..conftest import CARD_META, HANDOUT_META, HANDOUT_TEXT
from ..translating import fill

@pytest.fixture
def project(scratch):
    scratch.material("card-site")                                         # prints `site`
    scratch.material("card-line", meta=CARD_META.replace("contacts: [site]", "contacts: [line]"))
    scratch.material("handout", meta=HANDOUT_META, text=HANDOUT_TEXT)
    tr.new_language(scratch.language("es"), "es")
    fill(scratch)
    first = scratch.build(sheets=True)
    assert first.exit_code == 0 and not any(r.reused for r in first.results)
    return scratch


def rebuilt(report) -> set[str]:
    assert report.exit_code == 0, [r.error.format() for r in report.failed]
    return {r.path for r in report.results if not r.reused}


def test_nothing_changed_nothing_rebuilt(project):
    assert rebuilt(project.build(sheets=True)) == set()


def test_one_contact(project):
    contacts = project.root / "pamphlets/contacts.yaml"
    contacts.write_text(contacts.read_text().replace("https://example.org", "https://example.org/new"))
    assert rebuilt(project.build(sheets=True)) == {
        "en/card-site.pdf", "es/card-site.pdf", "en/handout.pdf", "es/handout.pdf",   # both print it
        "en/sheets/card-site.avery-5371.pdf", "en/sheets/card-site.letter-10up.pdf",
        "en/sheets/card-site.a4-10up.pdf", "es/sheets/card-site.avery-5371.pdf",
        "es/sheets/card-site.letter-10up.pdf", "es/sheets/card-site.a4-10up.pdf"}


def test_one_translation_entry(project):
    po = project.root / "translations/es/card-line.po"
    po.write_text(po.read_text(encoding="utf-8").replace('msgstr "Un punto corto."',
                                                         'msgstr "Un punto muy corto."'),
                  encoding="utf-8")
    assert {p for p in rebuilt(project.build()) if "/sheets/" not in p} == {"es/card-line.pdf"}


def test_one_template(project):
    template = project.root / "templates/wallet-card.html"
    template.write_text(template.read_text().replace('<div class="back-body fit-content">',
                                                     '<div class="back-body fit-content" data-x="1">'))
    assert rebuilt(project.build()) == {f"{lang}/card-{m}.pdf" for lang in ("en", "es")
                                        for m in ("site", "line")}


def test_the_theme(project):
    theme = project.root / "styles/theme.css"
    theme.write_text(theme.read_text().replace("--color-primary: #0b5563;", "--color-primary: #0b5564;"))
    assert rebuilt(project.build()) == {f"{lang}/{m}.pdf" for lang in ("en", "es")
                                        for m in ("card-site", "card-line", "handout")}


def test_one_option(project):
    assert rebuilt(project.build(paper="a4")) == {"en/handout.pdf", "es/handout.pdf"}


def test_an_altered_or_missing_output_is_rebuilt(project):
    (project.root / "output/en/card-line.pdf").write_bytes(b"%PDF-1.7 damaged")
    (project.root / "output/es/handout.pdf").unlink()
    assert rebuilt(project.build()) == {"en/card-line.pdf", "es/handout.pdf"}


def test_force_rebuilds_everything(project):
    assert len(rebuilt(project.build(force=True))) == 6


def test_unchanged_inputs_are_not_even_rendered_to_html(project, monkeypatch):
    """The input fingerprint answers first: no template is rendered at all.
    Counted at documents.render_html, the name the document stage calls; the
    edit at the end shows the count sees the build's renders (were the
    function called another way, the test would fail, not pass unseen)."""
    from pamphlet_builder import documents
    rendered = []
    real = documents.render_html

    def counting(env, template, view, translate):
        rendered.append((view.material_id, view.lang.code, view.variant))
        return real(env, template, view, translate)
    monkeypatch.setattr(documents, "render_html", counting)
    assert rebuilt(project.build(sheets=True)) == set()
    assert rendered == []
    # The control: a comment in one material's metadata changes its inputs,
    # so its HTML is rendered again (and found the same: no PDF is rebuilt).
    meta = project.root / "pamphlets/card-line/material.yaml"
    meta.write_text(meta.read_text() + "# checked with the clinic\n")
    assert rebuilt(project.build(sheets=True)) == set()
    assert {(m, lang) for m, lang, _ in rendered} == {("card-line", "en"), ("card-line", "es")}


def test_manifest_records_the_inputs_of_each_document(project):
    import json
    manifest = json.loads((project.root / "output/manifest.json").read_text("utf-8"))
    documents = [e for e in manifest["outputs"] if e["kind"] == "document"]
    assert documents and all(len(e["inputs"]) == 64 and len(e["key"]) == 64 for e in documents)
    # Same inputs, same fingerprint: both languages of a material differ.
    by_path = {e["path"]: e["inputs"] for e in documents}
    assert by_path["en/handout.pdf"] != by_path["es/handout.pdf"]


def test_an_edit_that_changes_no_html_renders_nothing(project):
    """A comment in the material's metadata changes its inputs, so its jobs
    are planned again, but their HTML (and so their PDFs) stay."""
    meta = project.root / "pamphlets/handout/material.yaml"
    meta.write_text(meta.read_text() + "# checked with the clinic, 2026-11-27\n")
    assert rebuilt(project.build()) == set()


def test_catalog_and_thumbnails_are_keyed_too(project):
    import json
    out = project.root / "output"
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    key = manifest["catalog"]["key"]
    index = out / "index.html"
    assert f'<meta name="build-key" content="{key}">' in index.read_text("utf-8")
    thumbs = [t for e in manifest["outputs"] if e["kind"] == "document" for t in e["thumbs"]]
    assert thumbs and all((out / t).is_file() for t in thumbs)
    written = index.stat().st_mtime_ns
    project.build(sheets=True)                       # nothing changed: the page is left alone
    assert index.stat().st_mtime_ns == written
    po = project.root / "translations/es/card-line.po"
    po.write_text(po.read_text(encoding="utf-8").replace('msgstr "Un punto corto."',
                                                         'msgstr "Un punto muy corto."'),
                  encoding="utf-8")
    project.build(sheets=True)
    changed = json.loads((out / "manifest.json").read_text("utf-8"))
    assert changed["catalog"]["key"] != key
    assert f'content="{changed["catalog"]["key"]}"' in index.read_text("utf-8")
    card = next(e for e in changed["outputs"] if e["path"] == "es/card-line.pdf")
    assert all(card["sha256"][:12] in t for t in card["thumbs"])     # named by the new PDF


def test_the_web_page_follows_its_content_and_nothing_else(scratch):
    """A web page is written when its content changes, not for an option
    that only acts on the PDF, and again when it is deleted or altered."""
    scratch.material("card-site")
    first = scratch.build(web=True)
    assert rebuilt(first) == {"en/card-site.pdf", "en/card-site.html"}
    page = scratch.root / "output/en/card-site.html"
    assert "<html lang=\"en\"" in page.read_text("utf-8")
    assert rebuilt(scratch.build(web=True)) == set()
    assert rebuilt(scratch.build(web=True, paper="a4")) == set()      # a card's paper is its own
    text = scratch.root / "pamphlets/card-site/en.md"
    text.write_text(text.read_text("utf-8").replace("Call", "Phone", 1), "utf-8")
    assert rebuilt(scratch.build(web=True)) == {"en/card-site.pdf", "en/card-site.html"}
    assert "Phone" in page.read_text("utf-8")
    page.write_text("tampered", "utf-8")
    assert rebuilt(scratch.build(web=True)) == {"en/card-site.html"}
    assert page.read_text("utf-8").startswith("<!DOCTYPE html>")
