"""Imposition: placing finished pages on sheets of paper.

- Card sheets: ten wallet cards on a Letter or A4 sheet, fronts on page 1
  and backs on page 2, the back columns mirrored so that after a long-edge
  duplex flip each back lands behind its front. A per-printer nudge from
  `printers.yaml` corrects a printer that drifts; an alignment sheet lets
  staff measure it. `pamphlets/sheets.yaml` defines sheets that mix cards
  or languages.
- Print-shop files: a slug around the bleed with crop marks at the trim.
- Flyers: a half-letter page twice on a Letter sheet, cut down the middle.

pypdf does the placing, so the cards on a sheet are the very same PDF
content as the cards themselves (vector QR codes, embedded fonts).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import (ArrayObject, ByteStringObject, DecodedStreamObject, DictionaryObject,
                           IndirectObject, NameObject, RectangleObject, StreamObject,
                           TextStringObject)

from .contacts import ID_RE
from .errors import BuildError, ContentError, RenderError, as_build_error
from .formats import PAPER_PT, PT_PER_IN, PT_PER_MM
from .outputs import environment_digest, file_sha256, is_up_to_date, write_output
from .yamlfile import load_yaml, require_mapping

if TYPE_CHECKING:
    from .build import BuildOptions, BuildReport, Result
    from .content import Project


CARD_PT = (3.5 * PT_PER_IN, 2 * PT_PER_IN)
SLUG_PT = 0.25 * PT_PER_IN       # room outside the bleed for crop marks
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


def load_nudge(root: Path, printer: str) -> Nudge:
    """The calibration of one printer from printers.yaml (in millimetres)."""
    path = root / "printers.yaml"
    if not path.exists():
        if printer != "default":
            raise ContentError(f"no printers.yaml, so no printer '{printer}'", path)
        return Nudge()
    data = require_mapping(load_yaml(path), path, "the file")
    printers = require_mapping(data.get("printers") or {}, path, "`printers`", data.line("printers"))
    if printer not in printers:
        if printer == "default":
            return Nudge()
        raise ContentError(f"unknown printer '{printer}'", path,
                           hint=f"printers: {', '.join(printers) or 'none yet'}")
    entry = require_mapping(printers[printer] or {}, path, f"printer '{printer}'",
                            printers.line(printer))

    def offset(side: str) -> tuple[float, float]:
        values = require_mapping(entry.get(side) or {}, path, f"{printer}.{side}", entry.line(side))
        try:
            return (float(values.get("x", 0)) * PT_PER_MM, float(values.get("y", 0)) * PT_PER_MM)
        except (TypeError, ValueError):
            raise ContentError(f"printer '{printer}': `{side}` x and y are millimetres",
                               path, entry.line(side)) from None

    return Nudge(offset("front"), offset("back"))


def impose_cards(cards: list[tuple[PageObject, PageObject]], preset: Preset, nudge: Nudge,
                 title: str) -> tuple[bytes, list[dict]]:
    """A two-page duplex sheet: `cards` fill the cells in order, repeated to
    fill the sheet. Returns the PDF and where every card landed.

    Each card face becomes one form XObject drawn in every cell it fills, so
    a sheet of ten is barely larger than one card."""
    writer = PdfWriter()
    width, height = preset.size
    faces = [[_form(writer, front), _form(writer, back)] for front, back in cards]
    cells, drawing = [], ([], [])
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
    cloned = page.clone(writer)              # its resources, copied into `writer`
    form = DecodedStreamObject()
    form.set_data(page.get_contents().get_data())
    form = form.flate_encode()
    form.update({NameObject("/Type"): NameObject("/XObject"),
                 NameObject("/Subtype"): NameObject("/Form"),
                 NameObject("/BBox"): RectangleObject(page.mediabox),
                 NameObject("/Resources"): cloned["/Resources"]})
    return writer._add_object(form)


def _add_page(writer: PdfWriter, width: float, height: float, placed, lines,
              cmyk: bool = False) -> PageObject:
    """A page that draws forms at (x, y) and hairline marks on top."""
    page = writer.add_blank_page(width, height)
    names = {}
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
    writer.add_metadata({"/Title": title, "/Producer": "pamphlet_builder (pypdf, WeasyPrint)"})
    if lang:
        writer._root_object[NameObject("/Lang")] = TextStringObject(lang)
    digest = hashlib.md5(usedforsecurity=False)
    for page in writer.pages:
        digest.update(page.get_contents().get_data())
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
        contents = page.get_contents()
        joined = DecodedStreamObject()
        joined.set_data(b"q\n" + contents.get_data() + b"\nQ\n" + stream.get_data())
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
    metadata = writer._root_object.get("/Metadata")
    if metadata is None:
        return
    stream = metadata.get_object()
    xmp = stream.get_data()
    pages = b"".join(page.get_contents().get_data() for page in writer.pages)
    digest = hashlib.sha256(pages).hexdigest()
    raw = bytes.fromhex(digest[:32])
    writer._ID = ArrayObject([ByteStringObject(raw), ByteStringObject(raw)])
    stable = f"xmp.did:{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
    stream.set_data(re.sub(rb"xmp\.did:[0-9a-f-]+", stable.encode(), xmp))


def two_up(data: bytes) -> bytes:
    """Each half-letter page twice on a landscape Letter sheet, with cut
    marks down the middle; a two-page flyer prints duplex, short edge."""
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
    return _finish(writer, title, str(reader.trailer["/Root"].get("/Lang", "")) or None)


# --- The sheet stage of the build --------------------------------------------

def build_sheets(project: Project, options: BuildOptions, report: BuildReport,
                 previous: dict[str, dict], progress: Callable[[str], None],
                 card_problem: Callable[[str], str | None]) -> list[Result]:
    """Sheets for every wallet card built in this run, the mixed sheets of
    pamphlets/sheets.yaml, and an alignment sheet per preset. A sheet is
    built only from cards that are current (`card_problem` says why not):
    otherwise it fails, and keeps its previous file marked out of date."""
    from .build import Result
    results: list[Result] = []
    try:
        nudge = load_nudge(project.root, options.printer)
    except BuildError as exc:
        return [Result("sheets", "", "sheets", exc)]
    cards = [r for r in report.results if r.path == f"{r.lang}/{r.material}.pdf"
             and _is_card(project, r.material)]          # office prints of wallet cards
    for card in cards:
        title = card.entry["title"] if card.entry else card.material
        for preset in PRESETS.values():
            rel = f"{card.lang}/sheets/{card.material}.{preset.name}.pdf"
            if card.error and rel not in previous:
                continue                  # a card that never had this sheet: nothing to mark
            progress(rel)
            results.append(_sheet(options.out, rel, [card.path], preset, nudge,
                                  f"{title} ({card.lang}), {preset.name}",
                                  card.material, card.lang, previous.get(rel), card_problem))
    built = {r.path for r in report.results}
    for name, sources in mixed_sheets(project, results):
        if (options.materials or options.langs) and not built & set(sources):
            continue            # a scoped build touched none of its cards: leave it as it is
        for preset in PRESETS.values():
            rel = f"sheets/{name}.{preset.name}.pdf"
            progress(rel)
            results.append(_sheet(options.out, rel, sources, preset, nudge, f"{name}, {preset.name}",
                                  name, "mixed", previous.get(rel), card_problem))
    for preset in PRESETS.values():
        rel = f"sheets/alignment.{preset.name}.pdf"
        results.append(_alignment(project, options.out, rel, preset, nudge, options.printer,
                                  previous.get(rel)))
    return results


def _is_card(project: Project, material_id: str) -> bool:
    """A wallet card, or a material whose metadata is broken (it may be one:
    its sheets are kept and marked out of date, never deleted)."""
    material = project.materials.get(material_id)
    return material is not None and (material.format is None
                                     or material.format.name == "wallet-card")


def _sheet(out: Path, rel: str, sources: list[str], preset: Preset, nudge: Nudge, title: str,
           material: str, lang: str, previous: dict | None,
           card_problem: Callable[[str], str | None]) -> Result:
    from .build import Result
    result = Result(material, lang, rel)
    problems = [f"{source}: {p}" for source in sources if (p := card_problem(source))]
    why = "not rebuilt, so that it never mixes old and new cards: the card " + "; the card ".join(problems)
    if any(": it failed" in p for p in problems):
        result.error = RenderError(why, out / rel, hint="fix and build those cards, then build again")
        return result
    if problems:              # cards outside this build: the sheet waits for them
        result.stale = why
        return result
    key = hashlib.sha256(json.dumps([environment_digest(), preset.name, nudge.front, nudge.back,
                                     title] + [file_sha256(out / s) for s in sources]).encode()).hexdigest()
    if is_up_to_date(previous, key, out / rel):
        result.entry, result.reused = previous, True
        return result
    try:
        pages = []
        for source in sources:
            path = out / source
            if not path.exists():
                raise RenderError(f"the card {source} has not been built", path,
                                  hint="build it first (or fix why it failed)")
            reader = PdfReader(path)
            pages.append((reader.pages[0], reader.pages[1]))
        data, cells = impose_cards(pages, preset, nudge, title)
        write_output(out, rel, data)
    except Exception as exc:        # the job boundary: this sheet fails, the build goes on
        result.error = as_build_error(exc, f"building {rel}")
        return result
    for cell in cells:
        cell["source"] = sources[(cell["cell"] - 1) % len(sources)]
    result.entry = {"path": rel, "kind": "sheet", "preset": preset.name, "material": material,
                    "lang": lang, "sources": sources, "pages": 2,
                    "page_size_pt": [round(v, 3) for v in preset.size], "stock": preset.stock,
                    "cells": cells, "nudge_pt": {"front": list(nudge.front), "back": list(nudge.back)},
                    "sha256": hashlib.sha256(data).hexdigest(), "key": key}
    return result


def sheet_paths(project: Project, langs: list[str]) -> tuple[set[str], bool]:
    """Every sheet the project makes, and whether that includes the mixed
    sheets (not when sheets.yaml cannot be read: then none is retired)."""
    paths = {f"sheets/alignment.{p}.pdf" for p in PRESETS}
    paths |= {f"{lang}/sheets/{mid}.{p}.pdf" for mid in project.materials if _is_card(project, mid)
              for lang in langs for p in PRESETS}
    failed: list = []
    mixes = mixed_sheets(project, failed)
    if failed:
        return paths, False
    return paths | {f"sheets/{name}.{p}.pdf" for name, _ in mixes for p in PRESETS}, True


def mixed_sheets(project: Project, results: list) -> list[tuple[str, list[str]]]:
    """(name, card paths) for each sheet in pamphlets/sheets.yaml; a broken
    spec is reported as a failed sheet."""
    from .build import Result
    path = project.content_dir / "sheets.yaml"
    if not path.exists():
        return []
    mixes = []
    try:
        data = require_mapping(load_yaml(path), path, "the file")
        sheets = require_mapping(data.get("sheets") or {}, path, "`sheets`", data.line("sheets"))
        for name, spec in sheets.items():
            if not ID_RE.match(str(name)) or name == "alignment":   # becomes output/sheets/NAME.*
                raise ContentError(f"sheet name '{name}' must be lowercase letters, digits and "
                                   "dashes, and not 'alignment'", path, sheets.line(name))
            spec = require_mapping(spec, path, f"sheet '{name}'", sheets.line(name))
            cards = spec.get("cards") or []
            if not isinstance(cards, list) or not 1 <= len(cards) <= 10:
                raise ContentError(f"sheet '{name}': `cards` lists 1 to 10 cards as MATERIAL/LANG",
                                   path, spec.line("cards"))
            sources = []
            for card in cards:
                material, _, lang = str(card).partition("/")
                known = project.materials.get(material)
                if lang not in project.languages:
                    raise ContentError(f"sheet '{name}': '{card}' names an unknown language",
                                       path, spec.line("cards"),
                                       hint=f"languages: {', '.join(project.languages)}")
                if known is None:
                    raise ContentError(f"sheet '{name}': there is no material '{material}' "
                                       f"(in '{card}')", path, spec.line("cards"),
                                       hint="write cards as MATERIAL/LANG, e.g. "
                                            "never-use-alone-card/es; remove a retired card")
                if known.format is not None and known.format.name != "wallet-card":
                    raise ContentError(f"sheet '{name}': '{card}' is not a wallet card",
                                       path, spec.line("cards"),
                                       hint="write cards as MATERIAL/LANG, e.g. never-use-alone-card/es")
                sources.append(f"{lang}/{material}.pdf")
            mixes.append((str(name), sources))
    except ContentError as exc:
        results.append(Result("sheets.yaml", "", "sheets", exc))
    return mixes


def _alignment(project: Project, out: Path, rel: str, preset: Preset, nudge: Nudge,
               printer: str, previous: dict | None) -> Result:
    """A test sheet: numbered card outlines with a cross at each centre on
    both sides. Printed duplex on plain paper and held to the light, the
    crosses of each front and back line up when the printer is calibrated."""
    from .build import Result
    result = Result("alignment", "", rel)
    key = hashlib.sha256(json.dumps([environment_digest(), preset.name, nudge.front, nudge.back,
                                     printer]).encode()).hexdigest()
    if is_up_to_date(previous, key, out / rel):
        result.entry, result.reused = previous, True
        return result
    cells = preset.cols * preset.rows
    faces = []
    for number in range(1, cells + 1):
        for side in ("FRONT", "BACK"):
            faces.append(f'<section><b>{number}</b><i>{side}</i>'
                         f'<span>{preset.name} · printer: {printer}</span></section>')
    html = ("<!DOCTYPE html><html lang='en'><head><style>"
            "@page { size: 3.5in 2in; margin: 0 } body { margin: 0; font-family: 'Noto Sans' }"
            "section { width: 3.5in; height: 2in; box-sizing: border-box; position: relative;"
            " border: 0.5pt dashed #000; break-after: page; text-align: center }"
            "section::before { content: ''; position: absolute; left: 1.75in; top: 0.5in;"
            " height: 1in; border-left: 0.5pt solid #000 }"
            "section::after { content: ''; position: absolute; top: 1in; left: 1.25in;"
            " width: 1in; border-top: 0.5pt solid #000 }"
            "b { position: absolute; top: 0.12in; left: 0.15in; font-size: 16pt }"
            "i { position: absolute; top: 0.15in; right: 0.15in; font-size: 9pt; font-style: normal }"
            "span { position: absolute; bottom: 0.12in; left: 0; right: 0; font-size: 7pt }"
            "</style></head><body>" + "".join(faces) + "</body></html>")
    from .pdf import render_document         # WeasyPrint: only when drawing one
    try:
        document = render_document(html, project.root)
        reader = PdfReader(io.BytesIO(document.write_pdf()))
        pages = [(reader.pages[2 * i], reader.pages[2 * i + 1]) for i in range(cells)]
        data, placed = impose_cards(pages, preset, nudge, f"Alignment test, {preset.name}")
        write_output(out, rel, data)
    except Exception as exc:        # the job boundary
        result.error = as_build_error(exc, f"building {rel}")
        return result
    result.entry = {"path": rel, "kind": "sheet", "preset": preset.name, "material": "alignment",
                    "lang": "", "sources": [], "pages": 2, "page_size_pt": list(preset.size),
                    "stock": "plain paper", "cells": placed, "printer": printer,
                    "sha256": hashlib.sha256(data).hexdigest(), "key": key}
    return result
