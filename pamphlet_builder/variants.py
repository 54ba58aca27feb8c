"""The ways to print a material, and the targets that choose among them.

A variant is one kind of file: its stylesheet, page limits, PDF options,
what is done to the PDF afterwards (a flyer is put 2-up on Letter, a
print-shop file gets a slug with crop marks) and what its manifest entry
adds. A target is who prints: the office (the standard print and every
variant that applies, plus card sheets) or a print shop (one PDF/X file per
material). Nothing else in the builder knows a variant by its name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from . import impose
from .formats import BLEED_PT, FORMATS, PAPER_PT, SLUG_PT, Format
from .model import BuildOptions


class Material(Protocol):       # content.Material, as far as variants care
    @property
    def format(self) -> Format | None: ...
    @property
    def flyer(self) -> bool: ...


@dataclass(frozen=True)
class Variant:
    name: str
    suffix: str                       # added to the file name: x.photocopy.pdf
    formats: tuple[str, ...]          # the formats it applies to
    stylesheet: str | None = None     # extra stylesheet in styles/
    paper: str | None = None          # paper it forces (flyer: half-letter)
    max_pages: int | None = None      # page limit instead of the format's
    shrink: bool = True               # may the type shrink to fit?
    floor_pt: float | None = None     # body text at least this (else the format's floor)
    description: str = ""
    primary: bool = False             # the office print: thumbnails, catalog, preview HTML
    opt_in: bool = False              # only for materials that ask for it (flyer: true)
    qr_fill: str = "#000000"          # RGB black on office printers
    # CMYK output intent: the first of these the project has (none: RGB)
    color_profiles: tuple[str, ...] = ()
    # The edition read on screen: tagged PDF/UA-1, numbers and addresses as
    # links. Not for imposed sheets (their pages are others' pages, redrawn)
    # nor for PDF/X (which forbids link actions).
    accessible: bool = True
    # Only colours differ from the office print (the stylesheet changes no
    # size): laid out exactly as it is, so it takes its type size unsearched.
    same_layout: bool = False

    def applies_to(self, material: Material) -> bool:
        fmt = material.format
        return fmt is not None and fmt.name in self.formats and (not self.opt_in or material.flyer)

    @property
    def label(self) -> str:
        """How messages name it: nothing for the office print."""
        return "" if self.primary else self.name

    def floor(self, fmt: Format) -> float:
        return self.floor_pt if self.floor_pt is not None else fmt.floor_pt

    def pdf_options(self, fmt: Format, options: BuildOptions) -> dict:
        """WeasyPrint's write_pdf options: tagged PDF/UA-1 for the accessible edition."""
        return {"pdf_variant": "pdf/ua-1"} if self.accessible else {}

    def finish(self, data: bytes) -> bytes:
        """The PDF as written to the output folder."""
        return data

    def manifest_fields(self, page_size_pt: tuple[float, float], options: BuildOptions) -> dict:
        """What this variant adds to (or changes in) its manifest entry."""
        return {}


@dataclass(frozen=True)
class Flyer(Variant):
    """Half-letter pages, each printed twice on a landscape Letter sheet."""

    def finish(self, data: bytes) -> bytes:
        return impose.two_up(data)

    def manifest_fields(self, page_size_pt, options) -> dict:
        return {"imposed": "2-up on letter landscape", "page_size_pt": list(PAPER_PT["letter"][::-1])}


@dataclass(frozen=True)
class ShopFile(Variant):
    """The print shop's file: bleed (target-shop.css), a slug with crop marks
    in registration black, PDF/X, CMYK ink for QR codes."""

    def pdf_options(self, fmt, options) -> dict:
        return {"pdf_variant": f"pdf/{options.pdfx}", "small_text_black": True}

    def finish(self, data: bytes) -> bytes:
        return impose.add_slug_and_marks(data)

    def manifest_fields(self, page_size_pt, options) -> dict:
        return {"pdf_variant": f"PDF/{options.pdfx.upper()}", "trim_size_pt": list(page_size_pt),
                "bleed_pt": BLEED_PT,
                "page_size_pt": [round(v + 2 * (BLEED_PT + SLUG_PT), 3) for v in page_size_pt]}


ALL_FORMATS = tuple(FORMATS)
STANDARD = Variant("standard", "", ALL_FORMATS, description="office printer", primary=True)
PHOTOCOPY = Variant("photocopy", ".photocopy", ALL_FORMATS, "variant-photocopy.css", same_layout=True,
                    description="black on white, no tints: copies cleanly on any machine")
LARGE_PRINT = Variant("large-print", ".large-print", ("handout",), "variant-large-print.css",
                      max_pages=8, shrink=False, floor_pt=18.0,
                      description="18 pt body text or more, for readers with low vision")
FLYER = Flyer("flyer", ".flyer", ("handout",), "variant-flyer.css", paper="half-letter", opt_in=True,
              accessible=False,
              description="half-letter pages, printed 2-up on Letter and cut in half")
# The print shop's own profile when it sent one, else GRACoL 2006 coated
# (styles/profiles/README.md says where it comes from).
SHOP_PROFILES = ("styles/print-shop.icc", "styles/profiles/GRACoL2006_Coated_TR006.icc")
SHOP_FILE = ShopFile("shop", ".shop", ALL_FORMATS, "target-shop.css", accessible=False,
                     qr_fill="device-cmyk(0 0 0 1)", color_profiles=SHOP_PROFILES,
                     description="print shop: 0.125 in bleed, crop marks, PDF/X-4, CMYK")

OFFICE_VARIANTS: dict[str, Variant] = {v.name: v for v in (STANDARD, PHOTOCOPY, LARGE_PRINT, FLYER)}
BY_NAME: dict[str, Variant] = {**OFFICE_VARIANTS, SHOP_FILE.name: SHOP_FILE}   # manifest "variant"


@dataclass(frozen=True)
class Target:
    name: str
    variants: tuple[Variant, ...]     # the files it makes of each material
    choosable: bool                   # --variant picks among them
    sheets: bool                      # card sheets are imposed from its wallet cards

    def variants_for(self, material: Material, chosen: list[str]) -> list[Variant]:
        """The files made of a material: those chosen (or all) that apply.
        A material whose metadata is broken has one, so its failure is named."""
        if material.format is None:
            return [self.variants[0]]
        wanted = [v for v in self.variants if not chosen or not self.choosable or v.name in chosen]
        return [v for v in wanted if v.applies_to(material)]


OFFICE = Target("office", tuple(OFFICE_VARIANTS.values()), choosable=True, sheets=True)
SHOP = Target("shop", (SHOP_FILE,), choosable=False, sheets=False)
TARGETS: dict[str, Target] = {t.name: t for t in (OFFICE, SHOP)}
