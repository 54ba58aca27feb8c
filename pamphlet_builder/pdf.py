"""PDF from HTML with WeasyPrint: fetch nothing outside the project, make
every card face and panel hold its text, write atomically.

The renderer may read only `styles/` and `templates/` (and data: URIs); any
other address, local or remote, stops the render with an error naming it.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import logging
import math
import mimetypes
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import unquote, urlparse

# cffi looks up every name WeasyPrint tries for each library (libgobject-2.0-0,
# gobject-2.0-0, gobject-2.0, libgobject-2.0.so.0, ...) with find_library,
# which runs ldconfig, gcc and ld for each: 22 lookups, 0.2-0.45 s of every
# process start. On Linux each library is also tried under its soname, which
# dlopen finds by itself (the same file the lookup would name).
with contextlib.ExitStack() as _lookups:
    if sys.platform == "linux":
        _lookups.callback(setattr, ctypes.util, "find_library", ctypes.util.find_library)
        ctypes.util.find_library = lambda name: None
    import weasyprint
    import weasyprint.css
    import weasyprint.css.validation.properties
    import weasyprint.pdf
    import weasyprint.text.ffi
    import weasyprint.text.line_break
from weasyprint.css.tokens import get_single_keyword
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from .errors import ContentError, RenderError
from . import columns, cssvars, prepress, recolor, tagging  # noqa: F401  (columns, tagging: patch WeasyPrint on import)
from .fonts import compact_cff_fonts
from .formats import Format

log = logging.getLogger(__name__)

READABLE_DIRS = ("styles", "templates")
FIT_STEP = 0.04


class ForbiddenFetch(FatalURLFetchingError):
    """The document asked for a resource outside the project."""


class ProjectFetcher(URLFetcher):
    """Serves files under the project's readable folders; refuses the rest.
    Stylesheets come with the document's root-level theme variables
    substituted (`values`, from cssvars.document_values)."""

    def __init__(self, root: Path, values: cssvars.Values | None = None):
        super().__init__(allowed_protocols=("file", "data"))
        self.root = root.resolve()
        self.values = values or {}
        self.refused: list[str] = []

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        parsed = urlparse(url)
        path = Path(unquote(parsed.path)).resolve() if parsed.scheme == "file" else None
        if path is None or not any(path.is_relative_to(self.root / d) for d in READABLE_DIRS):
            self.refused.append(url)
            raise ForbiddenFetch(url)
        if not path.is_file():
            self.refused.append(url)
            raise ForbiddenFetch(url)
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if self.values and path.suffix == ".css":
            try:
                return URLFetcherResponse(url, cssvars.substituted(path, cssvars.key(path, self.values), url),
                                          {"Content-Type": mime})
            except UnicodeDecodeError:
                pass                # served as it is: WeasyPrint says what it cannot read
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})


@dataclass
class RenderedPDF:
    data: bytes
    pages: int
    page_size_pt: tuple[float, float]
    anchors: dict[str, int] = field(default_factory=dict)   # element id -> page (1-based)


def render_document(html: str, root: Path) -> weasyprint.Document:
    """Lay out one HTML document; refused fetches become a RenderError."""
    fonts = _fonts(html)
    with _fetches_checked():
        fetcher = ProjectFetcher(root, cssvars.document_values(html, root))
        document = weasyprint.HTML(string=html, base_url=root.as_uri() + "/",
                                   url_fetcher=fetcher).render(font_config=fonts)
    if "@font-face" in html or _font_faces_seen:
        _shared_fonts.clear()       # its fonts are its own: the next document starts afresh
    return document


# One font configuration (Pango's font map: fonts loaded, glyphs measured)
# for the documents of a language in a process instead of a new one each:
# 18% of a card's layout. Two languages at most (a translation and the
# English it is fitted to): a worker that has built Japanese, Korean and
# Chinese does not keep all their fonts (100 MB). A document with its own
# fonts (@font-face) leaves them behind.
_shared_fonts: dict[str, object] = {}
_font_faces_seen = False
HTML_LANG_RE = re.compile(r"<html\b[^>]*?\slang=\"([^\"]*)\"")


def _fonts(html: str):
    global _font_faces_seen
    _font_faces_seen = False
    found = HTML_LANG_RE.search(html[:4000])
    lang = found.group(1) if found else ""
    if lang not in _shared_fonts:
        from weasyprint.text.fonts import FontConfiguration
        while len(_shared_fonts) >= 2:
            del _shared_fonts[next(iter(_shared_fonts))]      # the least recently used
        _shared_fonts[lang] = FontConfiguration()
    _shared_fonts[lang] = _shared_fonts.pop(lang)             # now the most recent
    return _shared_fonts[lang]


def recoloured(document: weasyprint.Document, html: str, root: Path) -> weasyprint.Document:
    """`document` (laid out by render_document) drawn in the colours of
    `html`, the same document with a colour-only stylesheet more
    (recolor.py): a copy sharing its layout, which takes the new colours.
    recolor.NotRecolourable when it cannot be."""
    copy = document.copy()
    copy._html = document._html
    with _fetches_checked():
        recolor.recolour(copy, document._html, html, root,
                         ProjectFetcher(root, cssvars.document_values(html, root)), _fonts(html))
    return copy


@contextlib.contextmanager
def _fetches_checked():
    try:
        yield
    except ForbiddenFetch as exc:     # a BaseException in WeasyPrint: catch it here, by name
        raise ContentError(f"a template or stylesheet asked for '{exc}', which is not a file in "
                           f"the project's {' and '.join(READABLE_DIRS)} folders; nothing was "
                           "fetched", "styles/",
                           hint="link (and @import) only files in styles/ and templates/") from None
    except UnicodeDecodeError as exc:
        raise ContentError(f"a stylesheet is not UTF-8 text ({exc.reason})", "styles/",
                           hint="save the file as UTF-8") from None


# The project's stylesheets, parsed once per process (by file state) instead
# of once per document: about 9% of a render, and the same bytes out. They
# are found where WeasyPrint finds every <link>, so they keep the author
# origin and their place in the cascade, exactly as in a browser (handing
# them to render() would make them *user* sheets: a template's rule of lower
# specificity would win over them, and !important would invert).
_sheets: dict[tuple, weasyprint.CSS] = {}
_weasyprint_find_stylesheets = weasyprint.css.find_stylesheets


class _Only:
    """One <style> or <link> element, as WeasyPrint's find_stylesheets sees a document."""

    def __init__(self, wrapper):
        self.wrapper = wrapper

    def query_all(self, *tags):
        return iter([self.wrapper])


def _find_stylesheets(wrapper_element, media_type, url_fetcher, base_url, *rest):
    for wrapper in wrapper_element.query_all("style", "link"):
        cached = _cached_sheet(wrapper.etree_element, url_fetcher, media_type)
        if cached is not None:
            yield cached
        else:
            yield from _weasyprint_find_stylesheets(_Only(wrapper), media_type, url_fetcher,
                                                    base_url, *rest)


def _cached_sheet(element, fetcher, media_type: str) -> weasyprint.CSS | None:
    """The parsed stylesheet a plain `<link rel="stylesheet" href="styles/...">`
    names, for our own renders; None for anything else (WeasyPrint reads it).
    A sheet with @font-face is not cached (fonts are registered per document)."""
    if (not isinstance(fetcher, ProjectFetcher) or element.tag != "link"
            or element.get("rel") != "stylesheet" or element.get("media") or element.get("type")):
        return None
    href = element.get("href") or ""
    path = (fetcher.root / href).resolve()
    if not href.startswith("styles/") or not path.is_relative_to(fetcher.root / "styles") \
            or not path.is_file():
        return None                  # left to the fetcher, which refuses it by name
    stat = path.stat()
    values = cssvars.key(path, fetcher.values)
    key = (str(path), stat.st_mtime_ns, stat.st_size, media_type, values)
    if key not in _sheets:
        try:
            text = cssvars.substituted(path, values, path.as_uri()).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ContentError(f"not UTF-8 text ({exc.reason})", path,
                               hint="save the file as UTF-8") from None
        if "@font-face" in text:
            global _font_faces_seen
            _font_faces_seen = True
            return None
        if len(_sheets) > 128:
            _sheets.clear()
        _sheets[key] = weasyprint.CSS(string=text, base_url=path.as_uri(), url_fetcher=fetcher,
                                      media_type=media_type)
    return _sheets[key]


weasyprint.css.find_stylesheets = _find_stylesheets    # pinned WeasyPrint: see requirements.txt


# --- Line breaking WeasyPrint 70 does not do ---------------------------------
# Korean: `word-break: keep-all` (styles/common.css sets it for :lang(ko)).
# WeasyPrint 70 refuses the value ("invalid value") and Pango breaks between
# any two Hangul syllables, so words split in the middle. Here the value is
# accepted, and for text in such a box Pango is told not to break inside a
# word that holds Hangul (it still breaks at spaces and punctuation).
# Chinese and Japanese: Pango never breaks before closing punctuation, but
# leaves one character and its full stop alone on the last line of a
# paragraph (WeasyPrint has no `text-wrap: pretty`). For text in those
# languages the last characters of a text and its closing punctuation stay
# together on one line.
HANGUL = "\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff"
KEEP_ALL_WORD_RE = re.compile(rf"\w*[{HANGUL}]\w*")
CJK_LETTERS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_CLOSING = "。、，．：；！？）」』】〕〉》〗〙〛’”…‥・ー\uff09\uff3d\uff5d"
CJK_TAIL_CHARACTERS = 3
CJK_TAIL_RE = re.compile(rf"[{CJK_LETTERS}]{{1,{CJK_TAIL_CHARACTERS}}}[{CJK_CLOSING}]*\s*$")
CJK_TAIL_LANGS = ("zh", "ja")

_pango = weasyprint.text.ffi.pango
weasyprint.text.ffi.ffi.cdef("PangoAttribute * pango_attr_allow_breaks_new (gboolean allow_breaks);")
_weasyprint_set_text = weasyprint.text.line_break.Layout.set_text


def _word_break(tokens):
    keyword = get_single_keyword(tokens)
    return keyword if keyword in ("normal", "break-all", "keep-all") else None


_word_break.wants_base_url = False     # type: ignore[attr-defined]


# A number and the word it is hyphenated to ("2-da", "100-kii", "24-hour"):
# Pango may break after the hyphen, which leaves "2-" alone at a line end.
NUMBER_WORD_RE = re.compile(r"\d+[-\u2010\u2011]\w+")


def unbreakable_spans(text: str, keep_all: bool, lang: str | None) -> list[tuple[int, int]]:
    """(start, end) character spans of `text` that must not break across lines."""
    spans = [m.span() for m in KEEP_ALL_WORD_RE.finditer(text)] if keep_all else []
    spans += [m.span() for m in NUMBER_WORD_RE.finditer(text)]
    if (lang or "").lower().startswith(CJK_TAIL_LANGS):
        tail = CJK_TAIL_RE.search(text)
        if tail and tail.start() > 0:
            spans.append(tail.span())
    return spans


def _set_text(self, text, justify=False):
    _weasyprint_set_text(self, text, justify)
    keep_all = self.style["word_break"] == "keep-all"
    spans = unbreakable_spans(self.text, keep_all, self.style["lang"])
    if not spans and not getattr(self, "_unbreakable_set", False):
        return
    self._unbreakable_set = bool(spans)
    ffi = weasyprint.text.ffi.ffi
    attrs = _pango.pango_layout_get_attributes(self.layout)
    if attrs == ffi.NULL:
        attrs = ffi.gc(_pango.pango_attr_list_new(), _pango.pango_attr_list_unref)
    # The layout is reused for the rest of a paragraph: clear the last text's spans.
    _pango.pango_attr_list_change(attrs, _pango.pango_attr_allow_breaks_new(True))
    for start, end in spans:
        attr = _pango.pango_attr_allow_breaks_new(False)
        attr.start_index = len(self.text[:start].encode())
        attr.end_index = len(self.text[:end].encode())
        _pango.pango_attr_list_change(attrs, attr)
    _pango.pango_layout_set_attributes(self.layout, attrs)


weasyprint.css.validation.properties.PROPERTIES["word-break"] = _word_break
weasyprint.text.line_break.Layout.set_text = _set_text


@dataclass
class FitBox:
    """A card face or panel (`fit-box`) and where its `fit-content` ends, in px."""
    name: str
    top: float                 # where its content starts
    limit: float               # how low it may go (the box's bottom, or a footer's top)
    bottom: float              # how low it goes
    width: float
    too_wide_pt: float         # how far a line runs past its sides
    split: bool                # its content was laid out on two pages


def fit_boxes(document: weasyprint.Document) -> list[FitBox]:
    seen_on: dict[int, set[int]] = {}
    boxes = []
    for number, page in enumerate(document.pages):
        for box in _descendants(page._page_box):
            if _has_class(box, "fit-content"):
                seen_on.setdefault(id(box.element), set()).add(number)
            elif _has_class(box, "fit-box") and hasattr(box, "content_box_y"):
                boxes.append(box)
    found = []
    for box in boxes:
        content = next((b for b in _descendants(box) if _has_class(b, "fit-content")), None)
        if content is None:
            continue
        # A footer placed over the bottom of the box (a card's back): the
        # text must end above it, however many lines it takes.
        footers = [b.position_y for b in _descendants(box) if _has_class(b, "footer")
                   and b.style["position"] == "absolute"]
        bottom = max([_bottom(child) for child in content.children] +
                     [content.position_y + content.margin_height()])
        found.append(FitBox(box.element.get("id") or "?", box.content_box_y(),
                            min([box.content_box_y() + box.height] + footers), bottom,
                            box.width, _too_wide(box), len(seen_on.get(id(content.element), ())) > 1))
    return found


# WeasyPrint allocates C arrays with their length in the type ('hb_codepoint_t[1234]')
# and cffi parses every new type with pycparser (2 ms each, for each font of each
# document): the same arrays, allocated by an open type and a length.
_ffi = weasyprint.text.ffi.ffi
_ffi_new = _ffi.new
SIZED_ARRAY_RE = re.compile(r"([A-Za-z_][\w ]*)\[(\d+)\]")


def _ffi_new_sized(cdecl, init=None):
    sized = SIZED_ARRAY_RE.fullmatch(cdecl) if isinstance(cdecl, str) else None
    if sized is None or isinstance(init, (bytes, str)):
        return _ffi_new(cdecl, init)
    array = _ffi_new(sized.group(1) + "[]", int(sized.group(2)))
    if init is not None:
        values = list(init)
        array[0:len(values)] = values
    return array


_ffi.new = _ffi_new_sized


def overflows(document: weasyprint.Document) -> dict[str, tuple[float, bool]]:
    """Card faces and panels (`fit-box`) whose `fit-content` does not fit:
    id -> (points past the bottom, whether that figure is only a lower bound).

    The content box is absolutely placed so it cannot flow onto the next
    page, but layout stops at the page edge (hence a lower bound), and flex
    rows may still push an item onto the next page whole: a fit-content seen
    on two pages did not fit either.
    """
    found: dict[str, tuple[float, bool]] = {}
    page_height = document.pages[0].height if document.pages else 0
    for box in fit_boxes(document):
        if box.bottom > box.limit + 0.5:
            capped = box.bottom >= page_height - 0.5
            found[box.name] = (round((box.bottom - box.limit) * 0.75, 1), capped)   # px -> pt
        elif box.too_wide_pt:
            found[box.name] = (box.too_wide_pt, False)
        elif box.split:
            found[box.name] = (0.0, True)
    return found


def _too_wide(box) -> float:
    """Points by which a line of text runs past the box's sides (a word, or
    words glued by no-break spaces, wider than the panel): 0 when none."""
    left, right = box.content_box_x(), box.content_box_x() + box.width
    over = 0.0
    for text, _, _, mark in _text_boxes(box):
        if not mark and text.text.strip():
            over = max(over, text.position_x + text.width - right, left - text.position_x)
    return round(over * 0.75, 1) if over > 0.5 else 0.0


def _has_class(box, name: str) -> bool:
    element = getattr(box, "element", None)
    return (element is not None and getattr(box, "element_tag", None) is not None
            and name in (element.get("class") or "").split()
            and not type(box).__name__.endswith(("LineBox", "TextBox")))


def _descendants(box):
    yield box
    for child in getattr(box, "children", []):
        yield from _descendants(child)


def _bottom(box) -> float:
    """The lowest point of a box and its in-flow descendants, in px."""
    if box.style["position"] in ("absolute", "fixed"):
        return 0.0
    own = box.position_y + (box.margin_height() if hasattr(box, "margin_height") else 0)
    return max([own] + [_bottom(c) for c in getattr(box, "children", [])])


NUMBER_CLASSES = ("phone", "url")     # the registry's numbers and addresses (blocks.number)
MARK_CLASSES = ("footer", "proof-mark")     # the footer and the proof strips
MIN_NUMBER_PX = 8.0                   # 6 pt: type below it is illegible after trimming


def unreadable_numbers(document: weasyprint.Document) -> list[str]:
    """Registry numbers and addresses a reader could not read on the page,
    though their text is there: cut off by a box that hides its overflow
    (a width and `overflow: hidden` or `text-overflow: ellipsis`), off the
    page, transparent, invisible or tiny. The audit reads the text layer,
    which keeps the whole number; this reads the layout."""
    found = []
    for number, page in enumerate(document.pages, start=1):
        for box, clips, faint, _ in _text_boxes(page._page_box):
            element = getattr(box, "element", None)
            classes = (element.get("class") or "").split() if element is not None else []
            if (not any(c in NUMBER_CLASSES for c in classes) or not box.text.strip()
                    or "::" in (getattr(box, "element_tag", "") or "")):   # the number, not a marker
                continue
            left, right = box.position_x, box.position_x + box.width
            top, bottom = box.position_y, box.position_y + box.height
            cut = any(left < x0 - 0.5 or right > x1 + 0.5 or top < y0 - 0.5 or bottom > y1 + 0.5
                      for x0, y0, x1, y1 in clips + [(0, 0, page.width, page.height)])
            style = box.style
            hidden = faint or style["visibility"] != "visible" or style["color"].alpha < 0.5
            if cut or hidden or style["font_size"] < MIN_NUMBER_PX - 0.01:
                why = "cut off by its box" if cut else "invisible" if hidden else "smaller than 6 pt"
                found.append(f"page {number}: '{box.text.strip()}' is {why}")
    return found


def _text_boxes(box, clips: tuple = (), faint: bool = False, mark: bool = False):
    """Text boxes (generated text such as "(unverified)" included), each with
    the clip rectangles of its ancestors, whether an ancestor makes it
    (nearly) transparent, and whether it is in the footer or a proof strip."""
    faint = faint or box.style["opacity"] < 0.5
    if type(box).__name__ == "TextBox":
        yield box, list(clips), faint, mark
        return
    mark = mark or any(_has_class(box, name) for name in MARK_CLASSES)
    if box.style["overflow"] != "visible" and hasattr(box, "padding_box_x"):
        clips = clips + ((box.padding_box_x(), box.padding_box_y(),
                          box.padding_box_x() + box.padding_width(),
                          box.padding_box_y() + box.padding_height()),)
    for child in getattr(box, "children", []):
        yield from _text_boxes(child, clips, faint, mark)


def small_type(document: weasyprint.Document, reader_pt: float, marks_pt: float) -> list[str]:
    """Text printed smaller than its floor, after fitting: `reader_pt` for
    everything a reader needs, `marks_pt` for the footer and proof strips.
    One line per size and text, in page order."""
    found: dict[tuple[str, float], str] = {}
    for number, page in enumerate(document.pages, start=1):
        for box, _, _, mark in _text_boxes(page._page_box):
            if box.style["visibility"] != "visible":
                continue
            size = box.style["font_size"] * 0.75          # px -> pt
            floor = marks_pt if mark else reader_pt
            text = " ".join(box.text.split())
            if text and size < floor - 0.01:
                where = "the footer or a proof strip" if mark else "text"
                found.setdefault((text[:40], round(size, 2)),
                                 f"page {number}: {where} '{text[:40]}' is {size:.2f} pt, "
                                 f"under {floor:g} pt")
    return list(found.values())


def covered_text(document: weasyprint.Document) -> list[str]:
    """Text a proof strip (its whole band) or the footer lies over, and a
    footer a strip lies over: strips are placed absolutely, and two stacked
    strips are taller than one."""
    found: list[str] = []
    for number, page in enumerate(document.pages, start=1):
        bands = [_rect_of(b, border=True) for b in _descendants(page._page_box)
                 if _has_class(b, "proof-mark") and hasattr(b, "border_box_x")]
        footer = [t for b in _descendants(page._page_box) if _has_class(b, "footer")
                  for t, _, _, _ in _text_boxes(b) if t.text.strip()]
        footer_ids = {id(t) for t in footer}
        for box, _, _, mark in _text_boxes(page._page_box):
            text = " ".join(box.text.split())
            if (mark and id(box) not in footer_ids) or not text or box.style["visibility"] != "visible":
                continue
            over = bands if mark else bands + [_rect_of(f) for f in footer]
            if any(_overlap(_rect_of(box), band) for band in over):
                what = "the footer" if mark else "text"
                found.append(f"page {number}: a proof strip or the footer covers {what} '{text[:40]}'")
    return found


# Where a line's letters are, around its baseline, in ems: accents above
# capitals (Vietnamese tone marks) and descenders (Arabic) included; the
# rest of a line box is leading, which a strip may touch.
INK_ABOVE_EM, INK_BELOW_EM = 0.95, 0.3
COVER_SLACK_PX = 0.5


def _rect_of(box, border: bool = False) -> tuple[float, float, float, float]:
    if border:
        return box.border_box_x(), box.border_box_y(), box.border_width(), box.border_height()
    size = box.style["font_size"]
    baseline = box.position_y + box.baseline
    return (box.position_x, baseline - INK_ABOVE_EM * size, box.width,
            (INK_ABOVE_EM + INK_BELOW_EM) * size)


def _overlap(a: tuple[float, ...], b: tuple[float, ...], slack: float = COVER_SLACK_PX) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax + slack < bx + bw and bx + slack < ax + aw and ay + slack < by + bh and by + slack < ay + ah


def qr_widths(document: weasyprint.Document) -> dict[str, float]:
    """Element id -> printed width in inches (quiet zone included) of each
    QR code box (`.qr`), as laid out: the smaller side if it is not square."""
    found: dict[str, float] = {}
    for page in document.pages:
        for box in _descendants(page._page_box):
            if _has_class(box, "qr") and hasattr(box, "width"):
                name = box.element.get("id") or "?"
                found.setdefault(name, min(box.width, box.height) / 96)     # px -> in
    return found


def fit_problem(document: weasyprint.Document, fmt: Format) -> str | None:
    """What does not fit, in words, or None when the layout holds its text."""
    over = overflows(document)
    if over:
        return "; ".join(f"{name.removeprefix('part-')} overflows" +
                         (f" by {pt:.0f} pt" if pt else "") + (" or more" if capped and pt else "")
                         for name, (pt, capped) in over.items())
    pages = len(document.pages)
    if not fmt.min_pages <= pages <= fmt.max_pages:
        return f"it takes {pages} pages, and a {fmt.name} has " + (
            f"{fmt.max_pages}" if fmt.min_pages == fmt.max_pages
            else f"{fmt.min_pages} to {fmt.max_pages}")
    return None


def render_fitting(make_html, fmt: Format, root: Path, min_scale: float,
                   target_pages: Callable[[], int | None] | None = None,
                   guess: float | None = None, exact: bool = False
                   ) -> tuple[weasyprint.Document, float]:
    """The document at the largest type size that fits, among full size and
    the steps of FIT_STEP below it down to `min_scale` (the floor); below
    it, a RenderError.

    When `target_pages` gives a page count (the English one), the size must
    also fit the document in that many pages; when no size down to the floor
    does, the largest size that fits at all stands (more pages, larger type).
    It is asked for only when a size takes more pages than the format's least.

    The search starts at full size, or at `guess` (the size the office print
    of the same text took). Smaller type never takes more room, so a size
    that fits bounds the answer from below and one that does not from above;
    after a miss, the next size tried is the one its layout says is needed
    (how far it runs over, `overshoot`), then the one above it: two or three
    layouts for most documents, where stepping down from full size took one
    per step. With `exact` (a variant laid out exactly as the
    office print is), the guess is the answer whenever it fits: one layout."""
    min_scale = math.ceil(min_scale * 10000 - 1e-6) / 10000     # 9/11: 0.8182, never under the floor
    scales = [1.0] + scales_below(1.0, min_scale)
    rendered: dict[float, tuple[weasyprint.Document, str | None]] = {}
    target: list[int | None] = []

    def render(scale: float) -> tuple[weasyprint.Document, str | None]:
        if scale not in rendered:
            document = render_document(make_html(scale), root)
            rendered[scale] = (document, fit_problem(document, fmt))
            if rendered[scale][1]:
                log.info("does not fit at %.0f%% (%s)", scale * 100, rendered[scale][1])
        return rendered[scale]

    def fits(scale: float) -> bool:
        return render(scale)[1] is None

    def pages_wanted(scale: float) -> int:
        """The most pages a document may take at this size, to meet the target."""
        document, problem = render(scale)
        if problem is None and len(document.pages) > fmt.min_pages and target_pages is not None:
            if not target:
                target.append(target_pages())
            if target[0] is not None:
                return target[0]
        return fmt.max_pages

    def fits_target(scale: float) -> bool:
        return fits(scale) and len(render(scale)[0].pages) <= pages_wanted(scale)

    def overshoot_at(scale: float) -> float:
        wanted = pages_wanted(scale)
        return overshoot(render(scale)[0], wanted if wanted < fmt.max_pages else None)

    start = _nearest(scales, guess) if guess else 0
    if exact and guess and fits(scales[start]):
        return render(scales[start])[0], scales[start]
    found = _largest(scales, fits_target, start, overshoot_at)
    if found is None:                   # not in the English page count at any size
        found = _largest(scales, fits, start, overshoot_at)
        if found is None:
            raise RenderError(f"the text does not fit even at {scales[-1]:.0%} type size: "
                              f"{render(scales[-1])[1]}",
                              hint="shorten the text of that part (or its translation)")
        log.info("%d pages even at %.0f%%, the English has %s: kept at %.0f%%",
                 len(render(scales[-1])[0].pages), scales[-1] * 100, target[0] if target else "?",
                 found * 100)
    found = _page_saving(scales, found, min_scale, render)
    return render(found)[0], found


PAGE_ROOM_LEFT = 0.5


def overshoot(document: weasyprint.Document, max_pages: int | None) -> float:
    """How far a layout runs over, as a share of the room it has: a box's
    text past its bottom, a line past its sides, pages past `max_pages`
    (the English page count; the last one counted by how full it is); 0
    when nothing does. The search reads from it which size to try next:
    past the format's own page limit (a handout on 3 pages) it says
    nothing, and the search tries the next size down, which usually does."""
    over = 0.0
    for box in fit_boxes(document):
        if box.limit > box.top:
            over = max(over, (box.bottom - box.limit) / (box.limit - box.top))
        if box.too_wide_pt and box.width:
            over = max(over, box.too_wide_pt / 0.75 / box.width)
    pages = len(document.pages)
    if max_pages is not None and pages > max_pages >= 1:
        # The pages before the last have some room left at their feet (a
        # section or the help box that did not fit moved on): about half of
        # what the last page holds is what must be won.
        over = max(over, PAGE_ROOM_LEFT * last_page_fill(document) * (pages - max_pages) / max_pages)
    return over


def _nearest(scales: list[float], scale: float) -> int:
    return min(range(len(scales)), key=lambda i: abs(scales[i] - scale))


def _next_size(scales: list[float], misses: list[tuple[float, float]]) -> int:
    """The index of the size to try after the misses so far ((size,
    overshoot), in the order tried): where the last two say the overshoot
    reaches 0 (a secant; it is near-linear in the size), or after one, the
    size that shrinks the content by its overshoot. The largest size at or
    below that."""
    (s2, o2) = misses[-1]
    size = s2 / (1 + o2)
    if len(misses) > 1:
        s1, o1 = misses[-2]
        if o1 > o2 > 0 and s1 != s2:
            size = s2 - o2 * (s1 - s2) / (o1 - o2)
    return next((i for i, s in enumerate(scales) if s <= size + 0.005), len(scales) - 1)


def _largest(scales: list[float], fits: Callable[[float], bool], start: int,
             overshoot_at: Callable[[float], float] | None = None) -> float | None:
    """The largest of `scales` (largest first) that fits, or None. Every
    size below one that fits fits too, so `good` (the largest index known to
    fit) and `bad` (the smallest known not to) close in on the answer:
    - after a miss, while nothing fits yet: the size the overshoot says
      (`_next_size`), else the next size down;
    - after a fit: the size just above (an estimate that fits is usually the
      answer), then halfway between the two."""
    bad, good = -1, len(scales)           # -1: above the largest; len: below the floor
    misses: list[tuple[float, float]] = []
    probe, climbed = start, False
    while True:
        fit = fits(scales[probe])
        if fit:
            good = probe
        else:
            bad = probe
            if overshoot_at is not None:
                misses.append((scales[probe], overshoot_at(scales[probe])))
        if good - bad <= 1:
            return scales[good] if good < len(scales) else None
        if not fit and good == len(scales):
            probe = max(bad + 1, _next_size(scales, misses)) if misses else bad + 1
        elif fit and not climbed:
            probe, climbed = good - 1, True
        else:
            probe = (bad + good) // 2


# A page saved is worth type up to 12% smaller (11 pt text at 9.7 pt), when the last page holds
# little (a help box alone): one sheet of paper, nothing to turn over.
PAGE_SAVING_SCALE = 0.88
PAGE_SAVING_FILL = 0.4


def _page_saving(scales: list[float], found: float, min_scale: float, render) -> float:
    """`found`, or the largest smaller size (down to PAGE_SAVING_SCALE) that
    takes one page fewer, when the last page at `found` is at most
    PAGE_SAVING_FILL full. The smallest is tried first: when even it saves
    no page, that is one layout more; when it does, the largest that does
    is found by bisection."""
    document = render(found)[0]
    pages = len(document.pages)
    if pages < 2 or last_page_fill(document) > PAGE_SAVING_FILL:
        return found
    candidates = [s for s in scales if found > s >= max(PAGE_SAVING_SCALE, min_scale) - 1e-9]

    def saves(scale: float) -> bool:
        smaller, problem = render(scale)
        return problem is None and len(smaller.pages) < pages

    if not candidates or not saves(candidates[-1]):
        return found
    best = _largest(candidates, saves, len(candidates) - 1)
    assert best is not None           # the smallest saves
    log.info("%.0f%% type saves a page (the last held %.0f%% of one)", best * 100,
             last_page_fill(document) * 100)
    return best


def last_page_fill(document: weasyprint.Document) -> float:
    """How much of the last page's height its in-flow content takes, 0 to 1
    (footers and proof strips are placed absolutely and do not count)."""
    page = document.pages[-1]._page_box
    top, height = page.content_box_y(), page.height
    bottom = max([_bottom(child) for child in page.children] + [top])
    return max(0.0, min(1.0, (bottom - top) / height)) if height else 1.0


def scales_below(scale: float, min_scale: float) -> list[float]:
    """The fit steps below `scale`, largest first, ending exactly at `min_scale`."""
    steps = []
    step = round(scale - FIT_STEP, 2)
    while step > min_scale + 1e-9:
        steps.append(step)
        step = round(step - FIT_STEP, 2)
    if scale > min_scale + 1e-9:
        steps.append(min_scale)
    return steps


# CJK fonts re-subset to the glyphs used (fonts.compact_cff_fonts), on the
# objects WeasyPrint builds, before they are written: no second pass over
# the PDF.
WEASYPRINT_BUILD_FONTS_DICTIONARY = weasyprint.pdf.build_fonts_dictionary


def _build_fonts_dictionary(pdf, *args, **kwargs):
    fonts = WEASYPRINT_BUILD_FONTS_DICTIONARY(pdf, *args, **kwargs)
    compact_cff_fonts(pdf.objects)
    return fonts


weasyprint.pdf.build_fonts_dictionary = _build_fonts_dictionary   # imported by name there


def to_pdf(document: weasyprint.Document, small_text_black: bool = False, **options) -> RenderedPDF:
    """The PDF bytes and what the manifest needs to know about them; with
    `small_text_black` (print-shop files) type under 12 pt in 100% K."""
    anchors: dict[str, int] = {}
    for number, page in enumerate(document.pages, start=1):
        for name in page.anchors:
            anchors.setdefault(name, number)
    tagging.mark_document(document)
    with prepress.small_text_in_black() if small_text_black else contextlib.nullcontext():
        data = document.write_pdf(**options)
    # The embedded fonts' files (20 MB each for CJK), read for this PDF: not
    # kept while the layout lives on for a variant drawn from it.
    document.fonts.clear()
    first = document.pages[0]
    return RenderedPDF(data=data, pages=len(document.pages),
                       page_size_pt=(round(first.width * 0.75, 3), round(first.height * 0.75, 3)),
                       anchors=anchors)
