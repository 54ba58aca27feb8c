"""Golden HTML: what `render.render_html` gives, before WeasyPrint, for the
standard office print of two default materials (the Never Use Alone wallet
card and the MOUD tri-fold) in English, Arabic and Korean, compared byte for
byte with tests/golden/MATERIAL.LANG.html.

Any change to a template, the content, a translation, a contact or a QR
code shows up here as a short diff of the HTML. When the change is meant,
regenerate the files, read their diff, and commit them with the change:

    python -m pytest tests/unit/test_golden.py --update-golden

The HTML is made the way a build worker makes it (schedule.load,
policy.prepare_translation, documents.render_variant), without SOURCE_DATE_EPOCH
(it would set the modification date): nothing in it depends on the clock,
the machine or the checkout's path.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from pamphlet_builder.content import load_project
from pamphlet_builder.model import BuildOptions
from pamphlet_builder.policy import prepare_translation
from pamphlet_builder.render import document_view, render_html
from pamphlet_builder.schedule import load
from pamphlet_builder.variants import STANDARD

from ..conftest import ROOT

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
MATERIALS = ("never-use-alone-card", "moud-trifold")
LANGS = ("en", "ar", "ko")
DIFF_LINES = 40
REGENERATE = "python -m pytest tests/unit/test_golden.py --update-golden"


@pytest.fixture(scope="module")
def office_html(tmp_path_factory):
    """A function (material id, language) -> the HTML of its standard
    office print, as render_variant renders it before WeasyPrint."""
    project = load_project(ROOT)
    assert project.errors == []
    # A worker's set-up: the Jinja environment and the English catalogs, once.
    loaded = load(project)
    env, templates = loaded.env, loaded.templates
    options = BuildOptions(out=tmp_path_factory.mktemp("golden-out"))   # written to: never

    def render(material_id: str, code: str) -> str:
        material, lang = project.materials[material_id], project.languages[code]
        with pytest.MonkeyPatch.context() as patch:
            patch.delenv("SOURCE_DATE_EPOCH", raising=False)
            translate = prepare_translation(project, material, lang, options, templates)
            view = document_view(project, material, lang, translate, options.paper,
                                 STANDARD)
            view.draft = translate.draft
            view.fold_marks = options.fold_marks
            view.final = options.final
            view.fit_scale = 1.0
            return render_html(env, material.template, view, translate)
    return render


def short_diff(expected: str, actual: str, name: str) -> str:
    lines = list(difflib.unified_diff(expected.splitlines(), actual.splitlines(),
                                      f"tests/golden/{name} (stored)", f"{name} (rendered now)",
                                      n=2, lineterm=""))
    shown = lines[:DIFF_LINES]
    if len(lines) > DIFF_LINES:
        shown.append(f"... and {len(lines) - DIFF_LINES} more diff lines")
    return "\n".join(line if len(line) <= 200 else line[:200] + " [...]" for line in shown)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("material_id", MATERIALS)
def test_office_html_matches_the_golden_file(office_html, request, material_id, lang):
    html = office_html(material_id, lang)
    assert str(ROOT) not in html                 # nothing of this machine in it
    name = f"{material_id}.{lang}.html"
    path = GOLDEN / name
    if request.config.getoption("--update-golden"):
        GOLDEN.mkdir(exist_ok=True)
        if not path.is_file() or path.read_text(encoding="utf-8") != html:
            path.write_text(html, encoding="utf-8", newline="")
        return
    if not path.is_file():
        pytest.fail(f"tests/golden/{name} does not exist; create it with:\n    {REGENERATE}",
                    pytrace=False)
    expected = path.read_text(encoding="utf-8")
    if html != expected:
        pytest.fail(f"the HTML of {material_id} in {lang} differs from tests/golden/{name}:\n"
                    f"{short_diff(expected, html, name)}\n\n"
                    f"If the change is meant, regenerate the golden files, check their diff "
                    f"and commit them:\n    {REGENERATE}", pytrace=False)


def test_the_golden_html_is_that_of_a_translated_proof(office_html):
    """The golden files are worth comparing: the Arabic and Korean ones are
    right-to-left and Korean drafts with their QR codes, not English fallbacks."""
    ar, ko, en = (office_html("never-use-alone-card", code) for code in ("ar", "ko", "en"))
    assert '<html lang="ar" dir="rtl"' in ar and '<html lang="ko" dir="ltr"' in ko
    assert "DRAFT TRANSLATION - NOT REVIEWED" in ar and "DRAFT TRANSLATION" not in en
    assert ar.count("<svg ") == ko.count("<svg ") == en.count("<svg ") == 1
    assert "Noto Naskh Arabic" in ar and "Noto Sans CJK KR" in ko
