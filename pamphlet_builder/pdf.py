"""PDF from HTML with WeasyPrint: fetch nothing outside the project, make
every card face and panel hold its text, write atomically.

The renderer may read only `styles/` and `templates/` (and data: URIs); any
other address, local or remote, stops the render with an error naming it.
"""

from __future__ import annotations

import logging
import mimetypes
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

import weasyprint
import weasyprint.css
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from .errors import ContentError, RenderError
from .fonts import compact_cff_fonts
from .formats import Format

log = logging.getLogger(__name__)

READABLE_DIRS = ("styles", "templates")
FIT_STEP = 0.04


class ForbiddenFetch(FatalURLFetchingError):
    """The document asked for a resource outside the project."""


class ProjectFetcher(URLFetcher):
    """Serves files under the project's readable folders; refuses the rest."""

    def __init__(self, root: Path):
        super().__init__(allowed_protocols=("file", "data"))
        self.root = root.resolve()
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
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})


@dataclass
class RenderedPDF:
    data: bytes
    pages: int
    page_size_pt: tuple[float, float]
    anchors: dict[str, int] = field(default_factory=dict)   # element id -> page (1-based)


def render_document(html: str, root: Path) -> weasyprint.Document:
    """Lay out one HTML document; refused fetches become a RenderError."""
    fetcher = ProjectFetcher(root)
    try:
        return weasyprint.HTML(string=html, base_url=root.as_uri() + "/",
                               url_fetcher=fetcher).render()
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
    key = (str(path), stat.st_mtime_ns, stat.st_size, media_type)
    if key not in _sheets:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise ContentError(f"not UTF-8 text ({exc.reason})", path,
                               hint="save the file as UTF-8") from None
        if "@font-face" in text:
            return None
        if len(_sheets) > 64:
            _sheets.clear()
        _sheets[key] = weasyprint.CSS(string=text, base_url=path.as_uri(), url_fetcher=fetcher,
                                      media_type=media_type)
    return _sheets[key]


weasyprint.css.find_stylesheets = _find_stylesheets    # pinned WeasyPrint: see requirements.txt


def overflows(document: weasyprint.Document) -> dict[str, tuple[float, bool]]:
    """Card faces and panels (`fit-box`) whose `fit-content` does not fit:
    id -> (points past the bottom, whether that figure is only a lower bound).

    The content box is absolutely placed so it cannot flow onto the next
    page, but layout stops at the page edge (hence a lower bound), and flex
    rows may still push an item onto the next page whole: a fit-content seen
    on two pages did not fit either.
    """
    found: dict[str, tuple[float, bool]] = {}
    seen_on: dict[int, set[int]] = {}
    boxes = []
    for number, page in enumerate(document.pages):
        for box in _descendants(page._page_box):
            if _has_class(box, "fit-content"):
                seen_on.setdefault(id(box.element), set()).add(number)
            elif _has_class(box, "fit-box") and hasattr(box, "content_box_y"):
                boxes.append((page, box))
    for page, box in boxes:
        name = box.element.get("id") or "?"
        content = next((b for b in _descendants(box) if _has_class(b, "fit-content")), None)
        if content is None:
            continue
        limit = box.content_box_y() + box.height
        bottom = max([_bottom(child) for child in content.children] +
                     [content.position_y + content.margin_height()])
        if bottom > limit + 0.5:
            capped = bottom >= page.height - 0.5
            found[name] = (round((bottom - limit) * 0.75, 1), capped)   # px -> pt
        elif len(seen_on.get(id(content.element), ())) > 1:
            found[name] = (0.0, True)
    return found


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
MIN_NUMBER_PX = 8.0                   # 6 pt: type below it is illegible after trimming


def unreadable_numbers(document: weasyprint.Document) -> list[str]:
    """Registry numbers and addresses a reader could not read on the page,
    though their text is there: cut off by a box that hides its overflow
    (a width and `overflow: hidden` or `text-overflow: ellipsis`), off the
    page, transparent, invisible or tiny. The audit reads the text layer,
    which keeps the whole number; this reads the layout."""
    found = []
    for number, page in enumerate(document.pages, start=1):
        for box, clips, faint in _text_boxes(page._page_box, [], False):
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


def _text_boxes(box, clips: list, faint: bool):
    """Text boxes with the clip rectangles of their ancestors and whether an
    ancestor makes them (nearly) transparent."""
    faint = faint or box.style["opacity"] < 0.5
    if type(box).__name__ == "TextBox":
        yield box, clips, faint
        return
    if box.style["overflow"] != "visible" and hasattr(box, "padding_box_x"):
        clips = clips + [(box.padding_box_x(), box.padding_box_y(),
                          box.padding_box_x() + box.padding_width(),
                          box.padding_box_y() + box.padding_height())]
    for child in getattr(box, "children", []):
        yield from _text_boxes(child, clips, faint)


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


def render_fitting(make_html, fmt: Format, root: Path, min_scale: float) -> tuple[weasyprint.Document, float]:
    """Render at full size; if text does not fit, step the type down toward
    `min_scale` and use the first size that fits. Below it, a RenderError."""
    scale = 1.0
    while True:
        document = render_document(make_html(scale), root)
        problem = fit_problem(document, fmt)
        if problem is None:
            return document, scale
        next_scale = round(scale - FIT_STEP, 2)
        if next_scale < min_scale - 1e-9:
            raise RenderError(f"the text does not fit even at {scale:.0%} type size: {problem}",
                              hint="shorten the text of that part (or its translation)")
        log.info("does not fit at %.0f%% (%s); trying %.0f%%", scale * 100, problem, next_scale * 100)
        scale = next_scale


def to_pdf(document: weasyprint.Document, **options) -> RenderedPDF:
    """The PDF bytes and what the manifest needs to know about them."""
    anchors: dict[str, int] = {}
    for number, page in enumerate(document.pages, start=1):
        for name in page.anchors:
            anchors.setdefault(name, number)
    data = compact_cff_fonts(document.write_pdf(**options))
    first = document.pages[0]
    return RenderedPDF(data=data, pages=len(document.pages),
                       page_size_pt=(round(first.width * 0.75, 3), round(first.height * 0.75, 3)),
                       anchors=anchors)
