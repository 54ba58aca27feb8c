"""Paper and card-sheet geometry as the paper and the stock are sold, in
points, written down here independently of pamphlet_builder (formats.py,
impose.py), so that tests compare what a PDF draws with the real thing."""

from __future__ import annotations

PT = 72.0                   # points per inch
MM = 72.0 / 25.4            # points per millimetre

LETTER = (8.5 * PT, 11 * PT)              # 612 x 792
LETTER_LANDSCAPE = (11 * PT, 8.5 * PT)
A4 = (210 * MM, 297 * MM)                 # 595.276 x 841.890
HALF_LETTER = (5.5 * PT, 8.5 * PT)
CARD = (3.5 * PT, 2 * PT)                 # a US business card: 252 x 144

# Ten 3.5 x 2 in cards, 2 across and 5 down, no gutters. Avery 5371/8371:
# 0.75 in left and right, 0.5 in top and bottom on Letter; the same grid
# centred on A4 leaves 16.1 mm and 21.5 mm.
SHEETS = {  # preset: (paper, left margin, top margin)
    "avery-5371": (LETTER, 0.75 * PT, 0.5 * PT),
    "letter-10up": (LETTER, 0.75 * PT, 0.5 * PT),
    "a4-10up": (A4, 16.1 * MM, 21.5 * MM),
}


def card_fronts(preset: str) -> list[tuple[float, float]]:
    """Lower-left corners (PDF coordinates, y up) of the ten fronts, left to
    right and top to bottom, as numbered on the sheet."""
    (_, height), left, top = SHEETS[preset]
    return [(left + col * CARD[0], height - top - (row + 1) * CARD[1])
            for row in range(5) for col in range(2)]


def card_backs(preset: str) -> list[tuple[float, float]]:
    """Where each card's back must be for a long-edge duplex flip: the page
    turns about its vertical axis, so x' = page width - x - card width."""
    (width, _), _, _ = SHEETS[preset]
    return [(width - x - CARD[0], y) for x, y in card_fronts(preset)]
