"""The print formats: page size, the parts each one has, and how many pages.

A dict is enough; a new format is a new entry here plus a template and a
stylesheet of the same name. The ways to print a format (photocopy, flyer,
print shop) are in variants.py.
"""

from __future__ import annotations

from dataclasses import dataclass

PT_PER_IN = 72.0
PT_PER_MM = 72.0 / 25.4

PAPER_PT = {
    "letter": (8.5 * PT_PER_IN, 11 * PT_PER_IN),
    "a4": (210 * PT_PER_MM, 297 * PT_PER_MM),
    "half-letter": (5.5 * PT_PER_IN, 8.5 * PT_PER_IN),
}
BLEED_PT = 0.125 * PT_PER_IN          # US print shops; 3 mm in Europe
SLUG_PT = 0.25 * PT_PER_IN       # room outside the bleed for a print-shop file's crop marks
SMALL_PRINT_PT = 6.5    # nothing on any page prints smaller: small print, footer, proof strips
STRIPS_PT_UNSHRUNK = 14.0   # where type never shrinks (large print), everything a reader
                            # needs prints at the body floor; footer and proof strips at this


@dataclass(frozen=True)
class Format:
    name: str
    description: str
    parts: tuple[str, ...] | None   # required parts, in order; None = free
    min_pages: int
    max_pages: int
    landscape: bool = False
    fixed_size_pt: tuple[float, float] | None = None  # None = the build's paper
    print_note: str = ""        # how to print it, whatever its page count
    one_page_note: str = ""     # ... when the document has one page, if that differs
    pages_note: str = ""        # ... when it has more, if that differs
    text_property: str = ""     # the theme's body-text size for this format
    floor_pt: float = 9.0       # body text never shrinks below this to fit
    reading_order: tuple[str, ...] | None = None   # parts as read aloud or on the web; None: as written

    def print_note_for(self, pages: int) -> str:
        """How to print a document of this format with this many pages."""
        if pages == 1 and self.one_page_note:
            return self.one_page_note
        if pages > 1 and self.pages_note:
            return self.pages_note
        return self.print_note

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
        print_note=("Plain paper; one page: one side; two pages: double-sided, flip on long "
                    "edge; scale 100%."),
        one_page_note="Plain paper, one side; scale 100%.",
        pages_note="Plain paper, double-sided, flip on long edge; scale 100%.",
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
        reading_order=("cover", "flap", "inside-left", "inside-middle", "inside-right", "back"),
    ),
}
