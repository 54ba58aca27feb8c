"""What a print shop's preflight asks of a CMYK file beyond PDF/X.

Type under 12 pt prints in one ink, 100% black: a tint (90% or 70% K) is a
screen of dots that frays small letters, and several inks must register to
a hair. WeasyPrint draws each text box in its CSS colour; while a print-shop
file is written, `small_text_in_black` draws every CMYK text box smaller
than 12 pt in 100% K instead (white stays white: text knocked out of a
band is paper, not ink). Office files keep their colours.
"""

from __future__ import annotations

from contextlib import contextmanager

import weasyprint.draw
from tinycss2.color5 import parse_color

SMALL_TEXT_PX = 16.0                     # 12 pt
BLACK = parse_color("device-cmyk(0 0 0 1)")
PAPER = (0.0, 0.0, 0.0, 0.0)

_weasyprint_draw_text = weasyprint.draw.draw_text


def _one_ink(textbox):
    color = textbox.style["color"]
    if (getattr(color, "space", None) == "device-cmyk" and textbox.style["font_size"] < SMALL_TEXT_PX
            and tuple(color.coordinates) not in (PAPER, tuple(BLACK.coordinates))):
        textbox = textbox.copy()
        textbox.style = textbox.style.copy()
        textbox.style["color"] = BLACK
    return textbox


@contextmanager
def small_text_in_black():
    """While writing a print-shop PDF: small CMYK text in 100% K."""
    def draw_text(stream, textbox, *args, **kwargs):
        return _weasyprint_draw_text(stream, _one_ink(textbox), *args, **kwargs)
    weasyprint.draw.draw_text = draw_text
    try:
        yield
    finally:
        weasyprint.draw.draw_text = _weasyprint_draw_text
