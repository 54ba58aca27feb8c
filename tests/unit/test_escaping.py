"""Content never yields markup: whatever a content file or a translation
says (`<`, `&`, `<script>`, HTML comments, backticks, brackets, entities,
bidi controls), the HTML holds only the elements the Markdown renderer and
the templates make themselves, balanced, with their own attributes, and no
comment or declaration; a placeholder prints the registry's markup.

Read with html.parser, independently of the renderer (text.render_markdown,
text.render_inline, and render.document_view + render_html with the real
templates). Two package bugs these found are fixed; their tests stay:
they fail as soon as the bug is fixed, so that the marker goes too."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from hypothesis import assume, given, settings, strategies as st
from markupsafe import Markup

from pamphlet_builder import text, translations as tr
from pamphlet_builder.content import load_project
from pamphlet_builder.render import document_view, render_html
from pamphlet_builder.templating import make_environment
from pamphlet_builder.variants import STANDARD
from pamphlet_builder.translations import UI

from ..conftest import ROOT

# What the Markdown renderer (CommonMark, html=False) makes, and the
# attributes it gives each element; bdi comes from the placeholder filler.
MARKDOWN = {"p": set(), "h1": set(), "h2": set(), "h3": set(), "h4": set(), "h5": set(),
            "h6": set(), "em": set(), "strong": set(), "code": {"class"}, "pre": set(),
            "blockquote": set(), "ul": set(), "ol": {"start"}, "li": set(), "hr": set(),
            "br": set(), "a": {"href", "title"}, "img": {"src", "alt", "title"},
            "bdi": {"dir", "class"}}
VOID = {"br", "hr", "img", "meta", "link", "path"}
BAD_SCHEMES = ("javascript:", "vbscript:", "file:", "data:text", "data:application")
PHONE = Markup('<bdi dir="ltr" class="phone">1-800-484-3731</bdi>')   # as render._filler makes it


class Structure(HTMLParser):
    """Elements with their attributes, balance, and anything that is not an
    element or text (comments, declarations, processing instructions)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if tag not in VOID:
            self.problems.append(f"<{tag} /> is not a void element")

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_comment(self, data):
        self.problems.append(f"a comment <!--{data}-->")

    def handle_decl(self, decl):
        if decl.lower() != "doctype html":
            self.problems.append(f"a declaration <!{decl}>")

    def unknown_decl(self, data):
        self.problems.append(f"a declaration <![{data}]>")

    def handle_pi(self, data):
        self.problems.append(f"a processing instruction <?{data}>")


def structure(html: str) -> Structure:
    parsed = Structure()
    parsed.feed(html)
    parsed.close()
    if parsed.stack:
        parsed.problems.append(f"unclosed {parsed.stack}")
    return parsed


def assert_only_own_markup(html: str, allowed: dict[str, set[str]], filler_only_bdi: bool = True) -> None:
    parsed = structure(html)
    assert parsed.problems == [], (parsed.problems, html)
    for tag, attrs in parsed.elements:
        assert tag in allowed, (f"<{tag}> is not made by the renderer", html)
        assert set(attrs) <= allowed[tag], (f"<{tag}> with attributes {sorted(attrs)}", html)
        for name in ("href", "src"):
            value = re.sub(r"[\s\x00-\x1f]", "", attrs.get(name) or "").lower()
            assert not value.startswith(BAD_SCHEMES), (f"{name}={value!r}", html)
        if tag == "code" and "class" in attrs:
            assert attrs["class"].startswith("language-"), html
        if tag == "bdi" and filler_only_bdi:        # only the placeholder filler makes one
            assert attrs == {"dir": "ltr", "class": "phone"}, html


# Pieces that mean something to Markdown or HTML, and markup content might
# try to smuggle in; joined in any order, with arbitrary characters between.
PIECES = ["<", ">", "&", "&amp;", "&lt;", "&#60;", "&#x3C;", "&#0;", "&unknown;", '"', "'", "`",
          "``", "```", "~~~", "[", "]", "(", ")", "](", "![", "*", "**", "_", "__", "#", "# ",
          "- ", "1. ", "> ", "\\", "\n", "\n\n", "    ", " ", "a", "word", "|", "---", "===",
          "<script>", "</script>", "<script>alert(1)</script>", "<!--", "-->", "<!-- x -->",
          "<b>", "</b>", "<p class=evil>", "</p>", "<strong onmouseover=x>", "</strong>",
          "<img src=x onerror=alert(1)>", '<a href="javascript:alert(1)">', "</a>", "<div>",
          "<iframe src=x>", "<style>", "</style>", "<svg onload=alert(1)>", "<![CDATA[", "]]>",
          "<?php echo 1 ?>", "<!DOCTYPE html>", "<bdi>", "javascript:alert(1)", "JaVaScRiPt:x",
          "https://example.org", "(https://example.org)", "[x](javascript:alert(1))",
          "<https://example.org>", "<javascript:alert(1)>", "<a@b.co>", "{{ x }}", "{% if x %}",
          "{", "}", "\u202e", "\u200b", "\x00", "\r"]
markdown_text = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=3)),
                         max_size=30).map("".join)
ENGLISH = "# A heading\n\nA paragraph.\n\n- An item\n- Another *item*\n\n> A quote\n"


def no_placeholder(_cid: str, _fld: str) -> Markup:
    raise AssertionError("no placeholder in this text")


@settings(max_examples=200, deadline=None, database=None)
@given(markdown_text)
def test_content_text_never_yields_markup(source):
    assume(not text.placeholders(source))
    rendered = text.render_markdown(source, lambda unit: unit, no_placeholder)
    for html in (rendered.html, rendered.body, rendered.heading or ""):
        assert_only_own_markup(html, MARKDOWN)
    assert_only_own_markup(text.render_inline(source, no_placeholder), MARKDOWN)   # titles


@settings(max_examples=150, deadline=None, database=None)
@given(markdown_text)
def test_a_translation_never_yields_markup(translation):
    """Each unit of an English text translated by an arbitrary msgstr (the
    translation rules refuse most of these, but the renderer must not rely on it)."""
    assume(not text.placeholders(translation))
    rendered = text.render_markdown(ENGLISH, lambda unit: translation, no_placeholder)
    assert_only_own_markup(rendered.html, MARKDOWN)


# Placeholders in running text, headings, lists and emphasis (not in link
# titles or code fences: see the test below).
body_text = st.lists(st.sampled_from(["{line.phone}", "<", ">", "&", "&lt;", "*", "**", "_", "# ",
                                      "- ", "> ", "\\", "\n", "\n\n", " ", "word", "<script>",
                                      "<!-- x -->", "{", "}", "{line.", "phone}", "\u202e"]),
                     max_size=25).map("".join)


@settings(max_examples=150, deadline=None, database=None)
@given(body_text)
def test_each_placeholder_prints_the_registry_markup_and_nothing_else(source):
    rendered = text.render_markdown(source, lambda unit: unit, lambda cid, fld: PHONE)
    assert_only_own_markup(rendered.html, MARKDOWN)
    assert rendered.html.count(str(PHONE)) == len(text.placeholders(source)), source


@pytest.mark.parametrize("source", ['See [the site](https://example.org "Call {line.phone}").',
                                    "```{line.phone}\ncode\n```"])
def test_a_placeholder_in_a_link_title_or_a_code_fence_stays_inside_its_attribute(source):
    """A placeholder is filled in text only: in an attribute it stays
    literal (once, the code fence printed `1-800-484-3731">code`)."""
    rendered = text.render_markdown(source, lambda unit: unit, lambda cid, fld: PHONE)
    assert_only_own_markup(rendered.html, MARKDOWN)


# --- The whole document, with the real templates -------------------------------

@pytest.fixture(scope="module")
def card():
    """The default wallet card's pieces, and the markup of its English HTML:
    what the templates themselves make."""
    project = load_project(ROOT)
    env = make_environment(project.root)
    material = project.materials["never-use-alone-card"]

    def html(translate) -> str:
        view = document_view(project, material, project.languages["es"], translate, "letter",
                             STANDARD)
        return render_html(env, material.template, view, translate)

    english = structure(html(lambda domain, context, msgid: msgid))
    assert english.problems == []
    allowed = {tag: set(attrs) for tag, attrs in english.elements}
    for tag, attrs in english.elements:
        allowed[tag] |= set(attrs)
    for tag, attrs in MARKDOWN.items():
        allowed[tag] = allowed.get(tag, set()) | attrs
    return html, allowed


@settings(max_examples=60, deadline=None, database=None)
@given(markdown_text)
def test_a_catalog_of_arbitrary_text_never_yields_markup_in_the_document(card, attack):
    """Every msgstr of the document (content, contacts, template words)
    replaced by the same text: the document's markup stays the templates'."""
    assume(not text.placeholders(attack))
    html, allowed = card

    def translate(domain, context, msgid):
        if domain == UI:        # a lone % prints as written (see the test below)
            return msgid + " " + attack
        return attack or msgid
    assert_only_own_markup(html(translate), allowed, filler_only_bdi=False)


def test_a_template_word_with_a_percent_sign_renders(card):
    """'Scan to call' as 'Escanea y llama (sin costo: cero %)' passes the
    translation rules and prints as written (once, every es document failed
    with ValueError: unsupported format character)."""
    html, _ = card
    assert tr.entry_problems("Scan to call", "Escanea y llama (sin costo: cero %)") == []

    def translate(domain, context, msgid):
        return "Escanea y llama (sin costo: cero %)" if msgid == "Scan to call" else msgid
    assert "cero %" in html(translate)
