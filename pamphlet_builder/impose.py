"""Imposition geometry: placing finished pages on sheets of paper.

- Card sheets: ten wallet cards on a Letter or A4 sheet, fronts on page 1
  and backs on page 2, the back columns mirrored so that after a long-edge
  duplex flip each back lands behind its front, each side moved by a
  printer's nudge. (Which sheets are built, from which cards, is sheets.py.)
- Print-shop files: a slug around the bleed with crop marks at the trim.
- Flyers: a half-letter page twice on a Letter sheet, cut down the middle.

pypdf does the placing, so the cards on a sheet are the very same PDF
content as the cards themselves (vector QR codes, embedded fonts).
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .formats import PAPER_PT, PT_PER_IN, SLUG_PT

# pypdf is imported in the functions that write PDFs: a build that imposes
# nothing (a no-op, a one-card edit) does not pay for importing it.
if TYPE_CHECKING:
    from pypdf import PageObject, PdfWriter

CARD_PT = (3.5 * PT_PER_IN, 2 * PT_PER_IN)
MARK_PT = 0.25 * PT_PER_IN       # length of a crop mark
MARK_GAP_PT = 3.0                # between a mark and what it marks


@dataclass(frozen=True)
class Preset:
    name: str
    paper: str
    cols: int
    rows: int
    crop_marks: bool
    stock: str

    @property
    def size(self) -> tuple[float, float]:
        return PAPER_PT[self.paper]

    @property
    def margins(self) -> tuple[float, float]:
        """(left, top) margins in points: the grid is centred, no gutters."""
        width, height = self.size
        return ((width - self.cols * CARD_PT[0]) / 2, (height - self.rows * CARD_PT[1]) / 2)

    def cell(self, index: int, back: bool = False) -> tuple[float, float]:
        """Lower-left corner (PDF coordinates) of cell `index` on the front,
        or of the same card's back, mirrored for a long-edge flip."""
        width, height = self.size
        left, top = self.margins
        row, col = divmod(index, self.cols)
        x = left + col * CARD_PT[0]
        y = height - top - (row + 1) * CARD_PT[1]
        return (width - x - CARD_PT[0], y) if back else (x, y)


PRESETS = {
    "avery-5371": Preset("avery-5371", "letter", 2, 5, False,
                         "Avery 5371/8371 (or any 2 x 5 perforated business-card sheet)"),
    "letter-10up": Preset("letter-10up", "letter", 2, 5, True,
                          "plain Letter paper or card stock, cut on the crop marks"),
    "a4-10up": Preset("a4-10up", "a4", 2, 5, True,
                      "plain A4 paper or card stock, cut on the crop marks"),
}


@dataclass(frozen=True)
class Nudge:
    """A printer's offsets in points (x right, y up, as seen on each side)."""

    front: tuple[float, float] = (0.0, 0.0)
    back: tuple[float, float] = (0.0, 0.0)


def impose_cards(cards: list[tuple[PageObject, PageObject]], preset: Preset, nudge: Nudge,
                 title: str) -> tuple[bytes, list[dict]]:
    """A two-page duplex sheet: `cards` fill the cells in order, repeated to
    fill the sheet. Returns the PDF and where every card landed.

    Each card face becomes one form XObject drawn in every cell it fills, so
    a sheet of ten is barely larger than one card."""
    from pypdf import PdfWriter
    writer = PdfWriter()
    width, height = preset.size
    faces = [[_form(writer, front), _form(writer, back)] for front, back in cards]
    cells: list[dict] = []
    drawing: tuple[list, list] = ([], [])
    for index in range(preset.cols * preset.rows):
        for side in (0, 1):
            x, y = preset.cell(index, back=side == 1)
            dx, dy = nudge.back if side else nudge.front
            drawing[side].append((faces[index % len(cards)][side], x + dx, y + dy))
            cells.append({"page": side + 1, "cell": index + 1, "x": round(x + dx, 3),
                          "y": round(y + dy, 3), "width": CARD_PT[0], "height": CARD_PT[1]})
    marks = _grid_marks(preset, nudge.front) if preset.crop_marks else []
    _add_page(writer, width, height, drawing[0], marks)
    _add_page(writer, width, height, drawing[1], [])
    return _finish(writer, title), cells


def _form(writer: PdfWriter, page: PageObject):
    """A page as a form XObject in `writer`, clipped to its media box."""
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject, RectangleObject
    cloned = page.clone(writer)              # its resources, copied into `writer`
    content = DecodedStreamObject()
    content.set_data(page_content(page))
    form = content.flate_encode()
    form.update({NameObject("/Type"): NameObject("/XObject"),
                 NameObject("/Subtype"): NameObject("/Form"),
                 NameObject("/BBox"): RectangleObject(page.mediabox),
                 NameObject("/Resources"): cloned.get("/Resources", DictionaryObject())})
    return writer._add_object(form)


def page_content(page: PageObject) -> bytes:
    """The page's content stream; empty for a page with nothing drawn on it."""
    contents = page.get_contents()
    return contents.get_data() if contents is not None else b""


def _add_page(writer: PdfWriter, width: float, height: float, placed, lines,
              cmyk: bool = False) -> PageObject:
    """A page that draws forms at (x, y) and hairline marks on top."""
    from pypdf.generic import DecodedStreamObject, DictionaryObject, IndirectObject, NameObject
    page = writer.add_blank_page(width, height)
    names: dict[int, str] = {}
    ops = []
    for form, x, y in placed:
        name = names.setdefault(form.idnum, f"/F{len(names)}")
        ops.append(f"q 1 0 0 1 {x:.3f} {y:.3f} cm {name} Do Q".encode())
    ops += _mark_ops(lines, cmyk)
    stream = DecodedStreamObject()
    stream.set_data(b"\n".join(ops))
    page[NameObject("/Contents")] = writer._add_object(stream.flate_encode())
    xobjects = DictionaryObject({NameObject(name): IndirectObject(idnum, 0, writer)
                                 for idnum, name in names.items()})
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/XObject"): xobjects})
    return page


def _mark_ops(lines, cmyk: bool = False) -> list[bytes]:
    """Hairlines in black (registration black, all four inks, for a shop)."""
    if not lines:
        return []
    ops = [b"q 0.3 w", b"1 1 1 1 K" if cmyk else b"0 G"]
    ops += [f"{a:.3f} {b:.3f} m {c:.3f} {d:.3f} l S".encode() for a, b, c, d in lines]
    return ops + [b"Q"]


def _grid_marks(preset: Preset, offset: tuple[float, float]) -> list[tuple[float, float, float, float]]:
    """Crop marks outside the grid, on every cut line."""
    width, height = preset.size
    left, top = preset.margins
    dx, dy = offset
    x0, x1 = left + dx, width - left + dx
    y0, y1 = top + dy, height - top + dy           # bottom and top of the grid (PDF y)
    lines = []
    for col in range(preset.cols + 1):
        x = x0 + col * CARD_PT[0]
        lines += [(x, y1 + MARK_GAP_PT, x, y1 + MARK_GAP_PT + MARK_PT),
                  (x, y0 - MARK_GAP_PT, x, y0 - MARK_GAP_PT - MARK_PT)]
    for row in range(preset.rows + 1):
        y = y0 + row * CARD_PT[1]
        lines += [(x0 - MARK_GAP_PT, y, x0 - MARK_GAP_PT - MARK_PT, y),
                  (x1 + MARK_GAP_PT, y, x1 + MARK_GAP_PT + MARK_PT, y)]
    return lines


def _finish(writer: PdfWriter, title: str, lang: str | None = None) -> bytes:
    """Write with fixed metadata and an ID from the content: same input, same bytes."""
    from pypdf.generic import ArrayObject, ByteStringObject, NameObject, StreamObject, TextStringObject
    writer.add_metadata({"/Title": title, "/Producer": "pamphlet_builder (pypdf, WeasyPrint)"})
    if lang:
        writer._root_object[NameObject("/Lang")] = TextStringObject(lang)
    digest = hashlib.md5(usedforsecurity=False)
    for page in writer.pages:
        digest.update(page_content(page))
    for obj in writer._objects:
        if isinstance(obj, StreamObject):
            digest.update(obj._data)
    raw = digest.digest()
    writer._ID = ArrayObject([ByteStringObject(raw), ByteStringObject(raw)])
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def add_slug_and_marks(data: bytes) -> bytes:
    """Print-shop file: enlarge each page by a slug beyond WeasyPrint's bleed
    and draw crop marks there at the trim, in registration black."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import DecodedStreamObject, RectangleObject
    reader = PdfReader(io.BytesIO(data))
    writer = PdfWriter(clone_from=reader)
    writer.pdf_header = reader.pdf_header       # PDF/X-4 must stay PDF 1.6
    _stable_document_id(writer)
    for page in writer.pages:
        trim = page.trimbox
        bleed = page.bleedbox
        left, bottom = float(bleed.left) - SLUG_PT, float(bleed.bottom) - SLUG_PT
        right, top = float(bleed.right) + SLUG_PT, float(bleed.top) + SLUG_PT
        t_left, t_bottom, t_right, t_top = (float(v) for v in (trim.left, trim.bottom,
                                                               trim.right, trim.top))
        lines = []
        for x in (t_left, t_right):
            lines += [(x, float(bleed.top) + MARK_GAP_PT, x, top - 1),
                      (x, float(bleed.bottom) - MARK_GAP_PT, x, bottom + 1)]
        for y in (t_bottom, t_top):
            lines += [(float(bleed.left) - MARK_GAP_PT, y, left + 1, y),
                      (float(bleed.right) + MARK_GAP_PT, y, right - 1, y)]
        stream = DecodedStreamObject()
        stream.set_data(b"\n".join(_mark_ops(lines, cmyk=True)))
        joined = DecodedStreamObject()
        joined.set_data(b"q\n" + page_content(page) + b"\nQ\n" + stream.get_data())
        page.replace_contents(joined.flate_encode())
        box = RectangleObject([left, bottom, right, top])
        page.mediabox = box
        page.cropbox = box
        page.bleedbox = bleed
        page.trimbox = trim
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _stable_document_id(writer: PdfWriter) -> None:
    """WeasyPrint gives PDF/X-4 files a random XMP DocumentID and file ID;
    derive both from the page content, so the same inputs give the same bytes."""
    from pypdf.generic import ArrayObject, ByteStringObject
    metadata = writer._root_object.get("/Metadata")
    if metadata is None:
        return
    stream = metadata.get_object()
    xmp = stream.get_data()
    pages = b"".join(page_content(page) for page in writer.pages)
    digest = hashlib.sha256(pages).hexdigest()
    raw = bytes.fromhex(digest[:32])
    writer._ID = ArrayObject([ByteStringObject(raw), ByteStringObject(raw)])
    stable = f"xmp.did:{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
    stream.set_data(re.sub(rb"xmp\.did:[0-9a-f-]+", stable.encode(), xmp))


def two_up(data: bytes) -> bytes:
    """Each half-letter page twice on a landscape Letter sheet, with cut
    marks down the middle; a two-page flyer prints duplex, short edge."""
    from pypdf import PdfReader, PdfWriter
    reader = PdfReader(io.BytesIO(data))
    writer = PdfWriter()
    width, height = PAPER_PT["letter"][1], PAPER_PT["letter"][0]
    half = width / 2
    middle = [(half, height - 2, half, height - 2 - MARK_PT), (half, 2, half, 2 + MARK_PT)]
    for source in reader.pages:
        form = _form(writer, source)
        _add_page(writer, width, height, [(form, 0.0, 0.0), (form, half, 0.0)], middle)
    writer.add_metadata(dict(reader.metadata or {}))
    title = reader.metadata.title if reader.metadata and reader.metadata.title else "Flyer"
    return _finish(writer, title, str(reader.root_object.get("/Lang", "")) or None)
