"""The plain data every stage shares: what a build is asked to do, one job,
what became of each output, its manifest entry, and the report.

Nothing here does any work, and this module imports no other stage: the
stages import it, and the build passes these objects from one to the next.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, TypedDict, cast

from .errors import BuildError


@dataclass
class BuildOptions:
    out: Path
    materials: list[str] = field(default_factory=list)   # empty = all
    langs: list[str] = field(default_factory=list)       # empty = all with translations
    final: bool = False
    paper: str = "letter"
    allow_fallback: bool = False
    target: str = "office"            # office | shop (variants.TARGETS)
    variants: list[str] = field(default_factory=list)    # empty = every one that applies
    sheets: bool = True               # card sheets (office target)
    web: bool = True                  # the web edition (office target)
    printer: str = "default"          # calibration offsets for card sheets
    fold_marks: bool = False          # tri-fold fold marks in the margin
    jobs: int = 0                     # worker processes; 0 = one per core
    catalog: bool = True              # write index.html and thumbnails
    keep_html: bool = False           # also write the HTML of each office print (preview)
    pdfx: str = "x-4"                 # print shops: PDF/X-4, or x-1a for older workflows
    force: bool = False               # rebuild even what is up to date
    job_timeout: float = 600.0        # seconds: a job that takes longer is stopped and reported
    max_age_months: int = 12          # --final: contacts confirmed longer ago are refused


# Options that never change what a file contains: left out of fingerprints.
OPTIONS_NOT_IN_OUTPUT = ("out", "materials", "langs", "jobs", "catalog", "force", "sheets", "web",
                         "printer", "variants", "job_timeout")


class Job(NamedTuple):
    """One material in one language: the unit of work of the pool."""

    material: str
    lang: str


# --- Manifest entries (output/manifest.json, one per file) -------------------

class OutputEntry(TypedDict, total=False):
    """What every output records; the manifest refuses an entry without
    path, kind, material, lang, pages and sha256."""

    path: str                    # relative to the output folder
    kind: str                    # "document" | "sheet" | "web"
    material: str
    lang: str                    # "" for the alignment sheet, "mixed" for a mixed sheet
    pages: int
    page_size_pt: list[float]
    sha256: str
    key: str                     # output key: same key and bytes = up to date
    out_of_date: dict[str, str]  # {"reason", "since"}: its last build failed
    inputs: str                  # input fingerprint (fingerprints.InputFingerprints)
    printed: dict[str, list[str]]


class DocumentEntry(OutputEntry, total=False):
    format: str
    variant: str                 # variants.BY_NAME
    title: str
    revision: str
    paper: str | None
    fit_scale: float
    english_pages: int           # handouts: the English page count it was fitted to
    qr: list[dict]
    unverified: list[str]
    draft: bool
    fallback: list[str]
    stale: list[str]
    final: bool
    builder: str
    thumbs: list[str]
    pdf_variant: str             # print shop
    output_intent: str | None
    trim_size_pt: list[float]
    bleed_pt: float
    imposed: str                 # flyer


class WebEntry(OutputEntry, total=False):
    title: str
    draft: bool
    unverified: list[str]


class SheetEntry(OutputEntry, total=False):
    preset: str
    sources: list[str]           # the card PDFs on it
    stock: str
    cells: list[dict]
    nudge_pt: dict[str, list[float]]
    printer: str


class CatalogEntry(TypedDict):
    path: str                    # index.html
    key: str                     # what it shows: see catalog.catalog_key


class Manifest(TypedDict, total=False):
    outputs: list[OutputEntry]
    failed_last_build: list[str]
    catalog: CatalogEntry


def documents(entries: list[OutputEntry]) -> list[DocumentEntry]:
    return [cast(DocumentEntry, e) for e in entries if e.get("kind") == "document"]


def web_pages(entries: list[OutputEntry]) -> list[WebEntry]:
    return [cast(WebEntry, e) for e in entries if e.get("kind") == "web"]


def sheets(entries: list[OutputEntry]) -> list[SheetEntry]:
    return [cast(SheetEntry, e) for e in entries if e.get("kind") == "sheet"]


# --- Results ---------------------------------------------------------------

@dataclass
class Result:
    material: str
    lang: str
    path: str                      # relative to the output folder
    error: BuildError | None = None
    entry: OutputEntry | None = None
    reused: bool = False           # up to date: its key matched, nothing was rendered
    stale: str | None = None       # not rebuilt, and why: its previous file is out of date


@dataclass
class BuildReport:
    results: list[Result] = field(default_factory=list)
    config_errors: list[BuildError] = field(default_factory=list)
    catalog: Path | None = None
    unchanged: int = 0             # outputs with the same bytes as before
    removed: list[str] = field(default_factory=list)   # outputs of retired content, deleted
    notes: list[str] = field(default_factory=list)     # what a person should know about this build

    @property
    def failed(self) -> list[Result]:
        return [r for r in self.results if r.error]

    @property
    def exit_code(self) -> int:
        if self.config_errors:
            return 2
        return 1 if self.failed else 0
