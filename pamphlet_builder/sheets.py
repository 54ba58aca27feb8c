"""The card-sheet stage: which sheets are built, from which cards.

- Every wallet card built in this run gets a sheet per preset.
- `pamphlets/sheets.yaml` defines sheets that mix cards or languages.
- `printers.yaml` holds each printer's nudge, and an alignment sheet per
  preset (templates/alignment.html) lets staff measure it.

A sheet is built only from cards that are current: it never mixes a card
that failed, or is out of date, with new ones. Otherwise it fails (a card of
this build failed) or waits (a card outside this build is out of date), and
keeps its previous file marked out of date. The geometry is impose.py.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from . import paths
from .contacts import ID_RE
from .content import Project
from .errors import BuildError, ContentError, RenderError, as_build_error
from .fingerprints import InputFingerprints, environment_digest
from .formats import PT_PER_MM
from .impose import PRESETS, Nudge, Preset, impose_cards
from .model import BuildOptions, OutputEntry, Result, SheetEntry
from .outputs import file_sha256, is_up_to_date, write_output
from .templating import make_environment
from .variants import STANDARD
from .yamlfile import load_yaml, require_mapping

if TYPE_CHECKING:
    from pypdf import PdfReader

CardProblem = Callable[[str], "str | None"]


def build_sheets(project: Project, options: BuildOptions, built: list[Result],
                 previous: dict[str, OutputEntry], fingerprints: InputFingerprints,
                 progress: Callable[[str], None]) -> list[Result]:
    """Sheets for every wallet card in `built` (this run's documents), the
    mixed sheets of pamphlets/sheets.yaml, and an alignment sheet per preset."""
    try:
        nudge = load_nudge(project.root, options.printer)
    except BuildError as exc:
        return [Result("sheets", "", "sheets", exc)]
    problem = card_problems(project, built, previous, fingerprints)
    results: list[Result] = []
    readers: dict[Path, PdfReader] = {}
    cards = [r for r in built if r.path == paths.document(r.material, r.lang, STANDARD)
             and is_card(project, r.material)]          # office prints of wallet cards
    for card in cards:
        title = card.entry.get("title", card.material) if card.entry else card.material
        for preset in PRESETS.values():
            rel = paths.card_sheet(card.material, card.lang, preset.name)
            if card.error and rel not in previous:
                continue                  # a card that never had this sheet: nothing to mark
            progress(rel)
            results.append(_sheet(options.out, rel, [card.path], preset, nudge,
                                  f"{title} ({card.lang}), {preset.name}",
                                  card.material, card.lang, previous.get(rel), problem, readers))
    built_paths = {r.path for r in built}
    for name, sources in mixed_sheets(project, results):
        if (options.materials or options.langs) and not built_paths & set(sources):
            continue            # a scoped build touched none of its cards: leave it as it is
        for preset in PRESETS.values():
            rel = paths.mixed_sheet(name, preset.name)
            progress(rel)
            results.append(_sheet(options.out, rel, sources, preset, nudge, f"{name}, {preset.name}",
                                  name, "mixed", previous.get(rel), problem, readers))
    for preset in PRESETS.values():
        results.append(_alignment(project, options.out, preset, nudge, options.printer,
                                  previous.get(paths.alignment_sheet(preset.name))))
    return results


def card_problems(project: Project, built: list[Result], previous: dict[str, OutputEntry],
                  fingerprints: InputFingerprints) -> CardProblem:
    """Why a card on disk may not go on a sheet (None when it is current).
    A card of this build that failed starts with "it failed"."""
    this_build = {r.path: r for r in built}

    def problem(path: str) -> str | None:
        if path in this_build:
            error = this_build[path].error
            return f"it failed to rebuild ({error.message.splitlines()[0]})" if error else None
        entry = previous.get(path)
        if entry is None:
            return "it has not been built"
        if entry.get("out_of_date"):
            return "its last build failed"
        material, lang = entry.get("material", ""), entry.get("lang", "")
        if material not in project.materials or lang not in project.languages:
            return "its material or language no longer exists"
        if entry.get("inputs") != fingerprints.of(material, lang):
            return f"it is out of date (build it with --material {material} --lang {lang})"
        return None
    return problem


def is_card(project: Project, material_id: str) -> bool:
    """A wallet card, or a material whose metadata is broken (it may be one:
    its sheets are kept and marked out of date, never deleted)."""
    material = project.materials.get(material_id)
    return material is not None and (material.format is None
                                     or material.format.name == "wallet-card")


def sheet_paths(project: Project, langs: list[str]) -> tuple[set[str], bool]:
    """Every sheet the project makes, and whether that includes the mixed
    sheets (not when sheets.yaml cannot be read: then none is retired)."""
    made = {paths.alignment_sheet(p) for p in PRESETS}
    made |= {paths.card_sheet(mid, lang, p) for mid in project.materials if is_card(project, mid)
             for lang in langs for p in PRESETS}
    failed: list[Result] = []
    mixes = mixed_sheets(project, failed)
    if failed:
        return made, False
    return made | {paths.mixed_sheet(name, p) for name, _ in mixes for p in PRESETS}, True


def mixed_sheets(project: Project, results: list[Result]) -> list[tuple[str, list[str]]]:
    """(name, card paths) for each sheet in pamphlets/sheets.yaml; a broken
    spec is reported as a failed sheet in `results`."""
    path = project.content_dir / "sheets.yaml"
    if not path.exists():
        return []
    mixes = []
    try:
        data = require_mapping(load_yaml(path), path, "the file")
        sheets = require_mapping(data.get("sheets") or {}, path, "`sheets`", data.line("sheets"))
        for name, spec in sheets.items():
            if not ID_RE.match(str(name)) or name == paths.ALIGNMENT:   # becomes output/sheets/NAME.*
                raise ContentError(f"sheet name '{name}' must be lowercase letters, digits and "
                                   f"dashes, and not '{paths.ALIGNMENT}'", path, sheets.line(name))
            spec = require_mapping(spec, path, f"sheet '{name}'", sheets.line(name))
            mixes.append((str(name), _sheet_cards(project, name, spec, path)))
    except ContentError as exc:
        results.append(Result("sheets.yaml", "", "sheets", exc))
    return mixes


def _sheet_cards(project: Project, name: str, spec, path: Path) -> list[str]:
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
            raise ContentError(f"sheet '{name}': there is no material '{material}' (in '{card}')",
                               path, spec.line("cards"),
                               hint="write cards as MATERIAL/LANG, e.g. never-use-alone-card/es; "
                                    "remove a retired card")
        if known.format is not None and known.format.name != "wallet-card":
            raise ContentError(f"sheet '{name}': '{card}' is not a wallet card",
                               path, spec.line("cards"),
                               hint="write cards as MATERIAL/LANG, e.g. never-use-alone-card/es")
        sources.append(paths.document(material, lang, STANDARD))
    return sources


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


def _sheet(out: Path, rel: str, sources: list[str], preset: Preset, nudge: Nudge, title: str,
           material: str, lang: str, previous: OutputEntry | None, card_problem: CardProblem,
           readers: dict[Path, PdfReader] | None = None) -> Result:
    """One card sheet; `readers` keeps each card PDF read once for all the
    sheets it is on (reading a tagged PDF is most of a sheet's time)."""
    readers = {} if readers is None else readers
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
            if path not in readers:
                from pypdf import PdfReader     # here: a no-op build never reads a PDF
                readers[path] = PdfReader(path)
            pages.append((readers[path].pages[0], readers[path].pages[1]))
        data, cells = impose_cards(pages, preset, nudge, title)
        write_output(out, rel, data)
    except Exception as exc:        # the job boundary: this sheet fails, the build goes on
        result.error = as_build_error(exc, f"building {rel}")
        return result
    for cell in cells:
        cell["source"] = sources[(cell["cell"] - 1) % len(sources)]
    result.entry = sheet_entry(rel, preset, material, lang, sources, data, cells, key,
                               stock=preset.stock,
                               nudge_pt={"front": list(nudge.front), "back": list(nudge.back)})
    return result


def _alignment(project: Project, out: Path, preset: Preset, nudge: Nudge, printer: str,
               previous: OutputEntry | None) -> Result:
    """A test sheet: numbered card outlines with a cross at each centre on
    both sides. Printed duplex on plain paper and held to the light, the
    crosses of each front and back line up when the printer is calibrated."""
    rel = paths.alignment_sheet(preset.name)
    result = Result(paths.ALIGNMENT, "", rel)
    key = hashlib.sha256(json.dumps([environment_digest(), preset.name, nudge.front, nudge.back,
                                     printer]).encode()).hexdigest()
    if is_up_to_date(previous, key, out / rel):
        result.entry, result.reused = previous, True
        return result
    cells = preset.cols * preset.rows
    from .pdf import render_document         # WeasyPrint: only when drawing one
    try:
        html = make_environment(project.root, documents=False).get_template("alignment.html").render(
            cells=range(1, cells + 1), preset=preset.name, printer=printer)
        document = render_document(html, project.root)
        from pypdf import PdfReader
        reader = PdfReader(io.BytesIO(document.write_pdf()))
        pages = [(reader.pages[2 * i], reader.pages[2 * i + 1]) for i in range(cells)]
        data, placed = impose_cards(pages, preset, nudge, f"Alignment test, {preset.name}")
        write_output(out, rel, data)
    except Exception as exc:        # the job boundary
        result.error = as_build_error(exc, f"building {rel}")
        return result
    result.entry = sheet_entry(rel, preset, paths.ALIGNMENT, "", [], data, placed, key,
                               stock="plain paper", printer=printer)
    return result


def sheet_entry(rel: str, preset: Preset, material: str, lang: str, sources: list[str],
                data: bytes, cells: list[dict], key: str, **extra) -> SheetEntry:
    entry = SheetEntry(path=rel, kind="sheet", preset=preset.name, material=material, lang=lang,
                       sources=sources, pages=2, page_size_pt=[round(v, 3) for v in preset.size],
                       cells=cells, sha256=hashlib.sha256(data).hexdigest(), key=key)
    entry.update(extra)        # type: ignore[typeddict-item]
    return entry
