"""Content text: safe Markdown with contact placeholders.

Content is Markdown (CommonMark) without raw HTML or images; links must be
https. A placeholder such as `{never-use-alone.phone}` prints a field of a
contact from the registry, so a number is typed once in the whole project.
Text is split into translatable units: the inline text of each heading,
paragraph and list item.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup, escape

# `confirmed` prints the month someone last confirmed the entry ("December
# 2026"): a law or a statement prints when it was checked, like a number.
PLACEHOLDER_FIELDS = ("name", "phone", "text", "url", "hours", "where", "confirmed")
PLACEHOLDER_RE = re.compile(r"\{([a-z0-9][a-z0-9-]*)\.([a-z]+)\}")

# html=True only so that raw HTML is *found* and refused, never rendered.
_detector = MarkdownIt("commonmark", {"html": True})
_detector.validateLink = lambda url: True   # type: ignore[method-assign]  # parse every link, then judge
_renderer = MarkdownIt("commonmark", {"html": False, "typographer": False})


@dataclass(frozen=True)
class TextProblem:
    """A problem in a piece of text, at a line counted from its start (0-based)."""

    offset_line: int
    message: str
    hint: str


def placeholders(text: str) -> list[tuple[str, str]]:
    """The (contact id, field) pairs a piece of text refers to, in order."""
    return PLACEHOLDER_RE.findall(text)


def check_markdown(text: str) -> list[TextProblem]:
    """Everything that is not allowed in content text: HTML, images, unsafe links."""
    problems: list[TextProblem] = []
    line = 0
    for token in _detector.parse(text):
        if token.map:
            line = token.map[0]
        if token.type == "html_block":
            problems.append(_html_problem(line))
        for child in token.children or []:
            problems.extend(_check_inline(child, line))
    return problems


def _html_problem(line: int) -> TextProblem:
    return TextProblem(line, "raw HTML is not allowed in content",
                       "write plain Markdown; layout belongs in templates/ and styles/")


def _check_inline(child: Token, line: int) -> list[TextProblem]:
    if child.type == "html_inline":
        return [_html_problem(line)]
    if child.type == "image":
        src = child.attrGet("src") or ""
        return [TextProblem(line, f"images are not allowed in content (found '{src}')",
                            "pictures and logos belong in templates/; content is text only")]
    if child.type == "link_open":
        href = str(child.attrGet("href") or "")
        if not href.startswith("https://"):
            return [TextProblem(line, f"link '{href}' is not an https:// address",
                                "link only to https:// pages; put phone numbers and sites "
                                "in pamphlets/contacts.yaml and use {contact-id.phone}")]
    return []


def inline_units(text: str) -> list[tuple[int, str]]:
    """The translatable units of a text: (0-based line, inline Markdown source)."""
    units = []
    for token in _renderer.parse(text):
        if token.type == "inline" and token.content.strip():
            units.append(((token.map or [0])[0], token.content))
    return units


@dataclass(frozen=True)
class RenderedText:
    """A part's HTML, and the same split into its opening heading and the rest."""

    html: Markup
    heading: Markup | None
    body: Markup


def render_markdown(text: str, translate: Callable[[str], str],
                    fill: Callable[[str, str], Markup], english: Sequence[str] = ()) -> RenderedText:
    """HTML for a text: each unit passed through `translate`, placeholders filled,
    each of the `english` phrases (names left in English) marked lang="en".

    Raw HTML is escaped by the renderer (html=False); placeholders are
    replaced after rendering by already-escaped markup from `fill`.
    """
    tokens = _renderer.parse(text)
    for before, token in zip([None, *tokens], tokens, strict=False):
        if token.type == "inline" and token.content.strip():
            token.content = translate(token.content)
            token.children = _renderer.parseInline(token.content)[0].children
            if before is not None and before.type == "heading_open":
                _keep_last_words(token.children or [])
    marks = _mark_placeholders(tokens, english)

    def filled(out: str) -> Markup:
        return _fill_marks(out, marks, fill)

    def html(part: list[Token]) -> Markup:
        return filled(_renderer.renderer.render(part, _renderer.options, {}))

    heading, rest = None, tokens
    if len(tokens) >= 3 and tokens[0].type == "heading_open":
        heading = filled(_renderer.renderer.renderInline(  # type: ignore[attr-defined]
            tokens[1].children or [], _renderer.options, {}))
        rest = tokens[3:]
    return RenderedText(html(tokens), heading, html(rest))


def render_inline(text: str, fill: Callable[[str, str], Markup], english: Sequence[str] = ()) -> Markup:
    """HTML for one line of inline Markdown (titles), placeholders filled."""
    tokens = _renderer.parseInline(text)
    _keep_last_words(tokens[0].children or [])
    marks = _mark_placeholders(tokens, english)
    html = _renderer.renderer.render(tokens, _renderer.options, {})
    return _fill_marks(html, marks, fill)


# A heading never ends with one short word alone on its last line ("Free
# supplies and care at / HEP"): its last two words are joined by a no-break
# space, when it has three words or more and the two are short together (two
# long ones glued may not fit a line of big type: "употреблять меньше").
LAST_WORD_MAX = 10
LAST_WORDS_MAX = 14


def _keep_last_words(children: list[Token]) -> None:
    texts = [t for t in children if t.type == "text" and t.content.strip()]
    if not texts or len(" ".join(t.content for t in texts).split()) < 3:
        return
    last = texts[-1]
    body = last.content.rstrip()
    head, space, tail = body.rpartition(" ")
    before = head.rsplit(" ", 1)[-1]
    if space and head.strip() and len(tail) <= LAST_WORD_MAX and "{" not in tail \
            and len(before) + 1 + len(tail) <= LAST_WORDS_MAX:
        last.content = head + "\u00a0" + tail + last.content[len(body):]


# Placeholders are filled in text only, never inside an attribute (a link's
# title, a code fence's info string), where the filler's quotes would end
# it: each one in text becomes a mark the input cannot contain (markdown-it
# turns NUL into U+FFFD), and after rendering each mark becomes its markup.
_MARK = re.compile("\x00([0-9]+)\x00")


ENGLISH = "\x01en"     # a mark's "contact" for an English phrase, not a placeholder
# A run of Latin words. In a language written in another script, such a run
# is English (a name, a brand, a gloss in brackets): `english=LATIN_RUNS`.
LATIN_WORD = r"[A-Za-z](?:[A-Za-z'’.\-]*[A-Za-z])?"
LATIN_RUNS = ("\x02latin",)


def _mark_placeholders(tokens: list[Token], english: Sequence[str] = ()) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    # (a heading may have glued the last two words with a no-break space)
    phrases = re.compile("|".join(r"(?<!\w)" + re.escape(p).replace(r"\ ", "[ \u00a0]") + r"(?!\w)"
                                  for p in sorted(english, key=len, reverse=True))) if english else None
    if tuple(english) == LATIN_RUNS:
        phrases = re.compile(rf"(?<![A-Za-z]){LATIN_WORD}(?:[ \u00a0]+{LATIN_WORD})*(?![A-Za-z])")

    def mark(match: re.Match) -> str:
        found.append((match.group(1), match.group(2)))
        return f"\x00{len(found) - 1}\x00"

    def mark_english(match: re.Match) -> str:
        found.append((ENGLISH, match.group(0)))
        return f"\x00{len(found) - 1}\x00"

    def visit(items: list[Token]) -> None:
        for token in items:
            if token.type in ("text", "code_inline", "fence", "code_block"):
                token.content = PLACEHOLDER_RE.sub(mark, token.content)
                if phrases is not None and token.type == "text":
                    token.content = phrases.sub(mark_english, token.content)
            visit(token.children or [])

    visit(tokens)
    return found


def _fill_marks(html: str, marks: list[tuple[str, str]], fill: Callable[[str, str], Markup]) -> Markup:
    def filled(cid: str, value: str) -> Markup:
        if cid == ENGLISH:      # a screen reader reads it in an English voice
            return Markup('<span lang="en">{}</span>').format(value)
        return fill(cid, value)
    return Markup(_MARK.sub(lambda m: str(filled(*marks[int(m.group(1))])), html))


def visible(text: str) -> str:
    """Inline Markdown as the reader sees it: escapes and entities decoded,
    emphasis and code marks gone, breaks kept (9**1**1 and &#57;11 are 911)."""
    tokens = _renderer.parseInline(text)[0].children or []
    return "".join("\n" if t.type in ("softbreak", "hardbreak") else t.content
                   for t in tokens if t.type in ("text", "code_inline", "softbreak", "hardbreak"))


def plain(text: str) -> str:
    """Inline Markdown as plain text, for PDF metadata and checks."""
    tokens = _renderer.parseInline(text)[0].children or []
    return "".join(t.content for t in tokens if t.type in ("text", "code_inline"))


__all__ = ["Markup", "escape", "check_markdown", "inline_units", "render_markdown",
           "render_inline", "RenderedText", "placeholders", "plain", "TextProblem", "PLACEHOLDER_FIELDS"]
