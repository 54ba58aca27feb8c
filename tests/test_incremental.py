"""Incremental builds: after each kind of edit, exactly the outputs that
depend on it are rebuilt, and no others."""

from __future__ import annotations

import pytest

from pamphlet_builder import translations as tr

from .conftest import CARD_META, HANDOUT_META, HANDOUT_TEXT
from .test_translations import fill

@pytest.fixture
def project(scratch):
    scratch.material("card-site")                                         # prints `site`
    scratch.material("card-line", meta=CARD_META.replace("contacts: [site]", "contacts: [line]"))
    scratch.material("handout", meta=HANDOUT_META, text=HANDOUT_TEXT)
    tr.new_language(scratch.project(), "es")
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
