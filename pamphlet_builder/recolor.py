"""A variant that differs from the office print only in colour (the
photocopy) drawn from the office print's layout, instead of laid out again:
laying out is 70% of a document's cost, its colours a few milliseconds.

The variant's HTML is parsed and its styles computed (no layout); then each
box of the office print's layout takes the variant's colours, backgrounds,
outlines and text decoration from the same element's style, and the
backgrounds are placed again. Nothing else changes, so the layout is the
office print's, as the variant's stylesheet promises: it may set only such
properties (`colour_only` checks its declarations). When it sets anything
else, or the two documents do not have the same elements, the variant is
laid out as any other (documents.py).

tests/integration/test_recolor.py checks that a recoloured photocopy and a
laid-out one draw the same pixels.
"""

from __future__ import annotations

import functools
from pathlib import Path

import tinycss2
import weasyprint
from weasyprint.css import AnonymousStyle, ComputedStyle
from weasyprint.css.properties import INHERITED
from weasyprint.css.counters import CounterStyle
from weasyprint.layout.background import layout_backgrounds

# Properties that change what is drawn, never where: what a colour-only
# stylesheet may set, and what a box takes from the variant's style.
COLOUR_PROPERTIES = frozenset(
    ["color", "background_color", "background_image", "background_position", "background_size",
     "background_repeat", "background_attachment", "background_clip", "background_origin",
     "outline_color", "outline_style", "outline_width", "outline_offset",
     "text_decoration_color", "text_decoration_line", "text_decoration_style",
     "column_rule_color"] + [f"border_{side}_color" for side in ("top", "right", "bottom", "left")])
SHORTHANDS = frozenset(["background", "outline", "border-color", "text-decoration"])
# What an anonymous box (a line of text) takes from its parent: inherited or propagated.
INHERITED_COLOURS = frozenset(k for k in COLOUR_PROPERTIES
                              if k in INHERITED or k.startswith("text_decoration_"))


class NotRecolourable(Exception):
    """The variant cannot be drawn from the office print's layout."""


@functools.lru_cache(maxsize=16)
def _colour_only(path: Path, mtime_ns: int) -> bool:
    rules = tinycss2.parse_stylesheet(path.read_text(encoding="utf-8"), skip_comments=True,
                                      skip_whitespace=True)
    for rule in rules:
        if rule.type == "at-rule" or rule.type == "error":
            return False          # @page, @media, @font-face: may move things
        if rule.type != "qualified-rule":
            continue
        for declaration in tinycss2.parse_blocks_contents(rule.content, skip_comments=True,
                                                          skip_whitespace=True):
            if declaration.type != "declaration":
                return False
            name = declaration.lower_name
            if name.startswith("--"):
                if not name.startswith("--color-"):
                    return False  # a custom property may feed a size
            elif name.replace("-", "_") not in COLOUR_PROPERTIES and name not in SHORTHANDS:
                return False
    return True


def colour_only(path: Path) -> bool:
    """Whether a stylesheet sets only colours (and --color-* variables)."""
    try:
        return _colour_only(path, path.stat().st_mtime_ns)
    except (OSError, UnicodeDecodeError):
        return False


def recolour(document: weasyprint.Document, laid_out: weasyprint.HTML, html: str, root: Path,
             fetcher, font_config) -> None:
    """Give `document` (laid out from `laid_out`) the colours of `html`
    (the same document with a colour-only stylesheet more), in place.
    NotRecolourable when the two documents' elements differ."""
    variant = weasyprint.HTML(string=html, base_url=root.as_uri() + "/", url_fetcher=fetcher)
    options = dict(weasyprint.DEFAULT_OPTIONS)
    context = weasyprint.Document._build_layout_context(
        variant, font_config, CounterStyle(), {}, options)
    elements = _same_elements(laid_out, variant)
    styles: dict[int, tuple] = {}
    for page in document.pages:
        for box in _boxes(page._page_box):
            styles.setdefault(id(box.style), (box.style, getattr(box, "element", None)))
    anonymous = []
    for style, element in styles.values():
        if isinstance(style, ComputedStyle) and element is not None:
            new = context.style_for(elements.get(element), style.pseudo_type) \
                if element in elements else None
            if new is None:
                raise NotRecolourable(f"no style for {element.tag} {style.pseudo_type or ''}")
            for key in COLOUR_PROPERTIES:
                style[key] = new[key]
        elif isinstance(style, AnonymousStyle):
            anonymous.append(style)
    for style in anonymous:           # computed again from their parents' new colours
        for key in INHERITED_COLOURS:
            style.pop(key, None)
    for page in document.pages:
        layout_backgrounds(page._page_box, context.get_image_from_uri)


def _same_elements(laid_out: weasyprint.HTML, variant: weasyprint.HTML) -> dict:
    """The office print's elements -> the variant's, in document order; the
    variant's extra <link> aside."""
    ours = [e for e in laid_out.etree_element.iter() if _tag(e) != "link"]
    theirs = [e for e in variant.etree_element.iter() if _tag(e) != "link"]
    if [_tag(e) for e in ours] != [_tag(e) for e in theirs]:
        raise NotRecolourable("the two documents do not have the same elements")
    return dict(zip(ours, theirs, strict=True))


def _tag(element) -> str:
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag.rsplit("}", 1)[-1]


def _boxes(box):
    yield box
    for child in getattr(box, "children", ()):
        yield from _boxes(child)

