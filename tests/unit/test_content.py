"""Bad input: each mistake gives one clear message naming the file (and
field or line), and a broken material never stops the others."""

from __future__ import annotations

import pytest
from markupsafe import Markup

from pamphlet_builder import text
from ..conftest import CARD_META, CARD_TEXT


def only_error(scratch, material="test-card"):
    project = scratch.project()
    errors = project.errors or project.materials[material].errors
    assert len(errors) == 1, [e.format() for e in errors]
    return errors[0]


def test_malformed_yaml_names_file_and_line(scratch):
    scratch.material(meta=CARD_META.replace("format: wallet-card", "format: [wallet-card"))
    error = only_error(scratch)
    assert error.path.name == "material.yaml"
    assert error.line is not None and error.line >= 2
    assert "invalid YAML" in error.format()


def test_malformed_contacts_yaml_is_a_project_error(scratch):
    scratch.write("pamphlets/contacts.yaml", "contacts:\n  line:\n    name: [unclosed\n")
    scratch.material()
    project = scratch.project()
    assert project.errors and project.errors[0].path.name == "contacts.yaml"
    assert project.errors[0].line == 3


def test_unknown_contact_id(scratch):
    scratch.material(meta=CARD_META.replace("contacts: [site]", "contacts: [hotline-x]"))
    error = only_error(scratch)
    assert "unknown contact 'hotline-x'" in error.message
    assert error.path.name == "material.yaml"


def test_unknown_placeholder_contact_names_the_line(scratch):
    scratch.material(text=CARD_TEXT.replace("{line.phone}", "{nobody.phone}"))
    error = only_error(scratch)
    assert "unknown contact 'nobody'" in error.message
    assert error.path.name == "en.md" and error.line == 4


def test_invalid_phone_number(scratch):
    scratch.write("pamphlets/contacts.yaml",
                  scratch.root.joinpath("pamphlets/contacts.yaml").read_text()
                  .replace('"1-800-484-3731"', '"1-800-484-37"'))
    scratch.material()
    project = scratch.project()
    assert len(project.errors) == 1
    error = project.errors[0]
    assert "contact 'line'" in error.message and "`phone`" in error.message
    assert error.path.name == "contacts.yaml" and error.line == 5


def test_non_https_url(scratch):
    scratch.write("pamphlets/contacts.yaml",
                  scratch.root.joinpath("pamphlets/contacts.yaml").read_text()
                  .replace("https://example.org", "http://example.org"))
    project = scratch.project()
    assert len(project.errors) == 1
    assert "must be an https:// address" in project.errors[0].message
    assert project.errors[0].line == 12


def test_missing_template(scratch):
    scratch.material(meta=CARD_META + "template: fancy-card.html\n")
    error = only_error(scratch)
    assert "template 'fancy-card.html' not found" in error.message
    assert error.line == 10


def test_local_file_image_is_refused(scratch):
    scratch.material(text=CARD_TEXT.replace("- One short point.", "![x](file:///etc/passwd)"))
    error = only_error(scratch)
    assert "images are not allowed" in error.message and "file:///etc/passwd" in error.message
    assert error.path.name == "en.md" and error.line == 9


def all_errors(scratch, material="test-card"):
    return [e.message for e in scratch.project().materials[material].errors]


def test_remote_image_is_refused(scratch):
    scratch.material(text=CARD_TEXT.replace("- One short point.",
                                            "Look: ![x](https://tracker.example/p.png)"))
    errors = all_errors(scratch)
    assert any("images are not allowed" in e for e in errors)
    assert any("tracker.example" in e and "typed into the text" in e for e in errors)


def test_raw_html_is_refused(scratch):
    scratch.material(text=CARD_TEXT.replace("- One short point.",
                                            '<img src="file:///etc/passwd">'))
    error = only_error(scratch)
    assert "raw HTML is not allowed" in error.message and error.line == 9


def test_non_https_link_is_refused(scratch):
    scratch.material(text=CARD_TEXT.replace("- One short point.", "[call](tel:911)"))
    errors = all_errors(scratch)
    assert any("not an https:// address" in e for e in errors)
    assert any(e.startswith("911 typed into the text") for e in errors)


def test_wrong_parts_for_format(scratch):
    scratch.material(meta=CARD_META.replace("  back:\n    contacts: [site]\n", ""),
                     text=CARD_TEXT.split("<!-- part: back -->")[0])
    assert "has the parts front, back" in only_error(scratch).message


def test_part_not_in_metadata(scratch):
    scratch.material(text=CARD_TEXT + "\n<!-- part: extra -->\nMore.\n")
    error = only_error(scratch)
    assert "part 'extra' is not listed" in error.message and error.line == 11


def test_qr_call_needs_a_phone(scratch):
    scratch.material(meta=CARD_META.replace("{contact: line, action: call}",
                                            "{contact: site, action: call}"))
    assert "which has no phone" in only_error(scratch).message


def test_contact_without_source(scratch):
    scratch.write("pamphlets/contacts.yaml",
                  scratch.root.joinpath("pamphlets/contacts.yaml").read_text()
                  .replace("    source: tests\n    verified: 2026-11\n", "    verified: 2026-11\n"))
    project = scratch.project()
    assert "`source` is required" in project.errors[0].message


def test_unverified_contact_is_loaded_as_unverified(scratch):
    assert scratch.project().contacts["unsure"].verified is None


# --- headings keep their last short word with the one before it ----------------

@pytest.mark.parametrize("source, heading", [
    ("## Free supplies and care at HEP", "Free supplies and care at\u00a0HEP"),
    ("## Pigilan ang pagkalat ng hepatitis C", "Pigilan ang pagkalat ng hepatitis\u00a0C"),
    ("## Help lines", "Help lines"),                                   # two words: free to break
    ("## Keep hepatitis C from spreading now", "Keep hepatitis C from spreading\u00a0now"),
    ("## What to do about extraordinarily", "What to do about extraordinarily"),    # long last word
    ("## Лекарства, чтобы бросить или употреблять меньше",                          # long together
     "Лекарства, чтобы бросить или употреблять меньше"),
    ("## Call **Never Use Alone**", "Call <strong>Never Use\u00a0Alone</strong>"),
])
def test_a_heading_keeps_its_last_short_word_with_the_one_before(source, heading):
    rendered = text.render_markdown(source + "\n\nBody text, never glued.", lambda s: s, lambda c, f: Markup(""))
    assert rendered.heading == heading
    assert "Body text, never glued." in rendered.html


def test_a_title_keeps_its_last_short_word():
    assert text.render_inline("Talking about drug use without stigma", lambda c, f: Markup("")) == \
        "Talking about drug use without\u00a0stigma"


# --- English inside another language is marked as English --------------------

def test_in_another_script_every_run_of_latin_words_is_english():
    html = text.render_markdown("يستخدم Narcan و Suboxone في Central District. {x.phone}",
                                lambda s: s, lambda c, f: Markup("<b>1-800</b>"), text.LATIN_RUNS).html
    assert html == ('<p>يستخدم <span lang="en">Narcan</span> و <span lang="en">Suboxone</span> في '
                    '<span lang="en">Central District</span>. <b>1-800</b></p>\n')
    assert 'lang="en">Narcan' in text.render_markdown("ナロキソンNarcanを", lambda s: s,
                                                       lambda c, f: Markup(""), text.LATIN_RUNS).html


def test_in_latin_letters_only_the_registry_names_are_english():
    html = text.render_markdown("Llama a Never Use Alone con Narcan.", lambda s: s,
                                lambda c, f: Markup(""), ["Never Use Alone"]).html
    assert html == '<p>Llama a <span lang="en">Never Use Alone</span> con Narcan.</p>\n'
