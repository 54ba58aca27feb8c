"""The print formats: page size, the parts each one has, and how many pages.

A dict is enough; a new format is a new entry here plus a template and a
stylesheet of the same name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PT_PER_IN = 72.0
PT_PER_MM = 72.0 / 25.4

PAPER_PT = {
    "letter": (8.5 * PT_PER_IN, 11 * PT_PER_IN),
    "a4": (210 * PT_PER_MM, 297 * PT_PER_MM),
    "half-letter": (5.5 * PT_PER_IN, 8.5 * PT_PER_IN),
}
BLEED_PT = 0.125 * PT_PER_IN          # US print shops; 3 mm in Europe


@dataclass(frozen=True)
class Format:
    name: str
    description: str
    parts: tuple[str, ...] | None   # required parts, in order; None = free
    min_pages: int
    max_pages: int
    landscape: bool = False
    fixed_size_pt: tuple[float, float] | None = None  # None = the build's paper
    print_note: str = ""
    text_property: str = ""     # the theme's body-text size for this format
    floor_pt: float = 9.0       # body text never shrinks below this to fit

    def min_scale(self, theme_css: str) -> float:
        """How far the type may shrink to fit: floor / the theme's body size."""
        match = re.search(rf"{re.escape(self.text_property)}\s*:\s*([\d.]+)pt", theme_css)
        body = float(match.group(1)) if match else self.floor_pt
        return min(1.0, self.floor_pt / body)

    def page_size_pt(self, paper: str) -> tuple[float, float]:
        """Width and height of one page in points for the chosen paper."""
        if self.fixed_size_pt:
            return self.fixed_size_pt
        width, height = PAPER_PT[paper]
        return (height, width) if self.landscape else (width, height)


FORMATS: dict[str, Format] = {
    "wallet-card": Format(
        name="wallet-card",
        description="US business card, 3.5 x 2 in, front and back",
        parts=("front", "back"), min_pages=2, max_pages=2,
        fixed_size_pt=(3.5 * PT_PER_IN, 2 * PT_PER_IN),
        print_note="Card stock; print both sides (flip on long edge); scale 100%.",
        text_property="--card-text", floor_pt=6.5,
    ),
    "handout": Format(
        name="handout",
        description="US Letter (or A4) handout, one or two pages",
        parts=None, min_pages=1, max_pages=2,
        print_note="Plain paper; two pages print double-sided, flip on long edge; scale 100%.",
        text_property="--handout-text", floor_pt=9.0,
    ),
    "trifold": Format(
        name="trifold",
        description="Letter landscape tri-fold (roll fold), outside and inside",
        parts=("flap", "back", "cover", "inside-left", "inside-middle", "inside-right"),
        min_pages=2, max_pages=2, landscape=True,
        print_note=("Plain paper, landscape, double-sided, flip on SHORT edge; scale 100%. "
                    "Fold the narrow inside panel in first, then the cover over it "
                    "(right-to-left languages are mirrored: the cover is on the left)."),
        text_property="--trifold-text", floor_pt=9.0,
    ),
}


@dataclass(frozen=True)
class Variant:
    """Another way to print a material: its own stylesheet, file suffix and
    limits. "standard" is the office print; "shop" replaces it for a print
    shop (bleed, crop marks, PDF/X, CMYK)."""

    name: str
    suffix: str                       # added to the file name: x.photocopy.pdf
    formats: tuple[str, ...]          # the formats it applies to
    stylesheet: str | None = None     # extra stylesheet in styles/
    paper: str | None = None          # paper it forces (flyer: half-letter)
    max_pages: int | None = None      # page limit instead of the format's
    shrink: bool = True               # may the type shrink to fit?
    description: str = ""


ALL_FORMATS = tuple(FORMATS)
VARIANTS: dict[str, Variant] = {
    "standard": Variant("standard", "", ALL_FORMATS,
                        description="office printer"),
    "photocopy": Variant("photocopy", ".photocopy", ALL_FORMATS, "variant-photocopy.css",
                         description="black on white, no tints: copies cleanly on any machine"),
    "large-print": Variant("large-print", ".large-print", ("handout",), "variant-large-print.css",
                           max_pages=8, shrink=False,
                           description="18 pt body text or more, for readers with low vision"),
    "flyer": Variant("flyer", ".flyer", ("handout",), "variant-flyer.css", paper="half-letter",
                     description="half-letter pages, printed 2-up on Letter and cut in half"),
    "shop": Variant("shop", ".shop", ALL_FORMATS, "target-shop.css",
                    description="print shop: 0.125 in bleed, crop marks, PDF/X-4, CMYK"),
}
