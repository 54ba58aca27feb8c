"""QR codes as vector SVG: error correction M, a 4-module quiet zone, dark
on light. The target comes from the contacts registry only: `tel:+1...` to
call, the https address to open.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup

from .contacts import Contact
from .content import QRSpec

QUIET_ZONE_MODULES = 4
MIN_SYMBOL_IN = 0.8     # about 2 cm: the symbol itself, without its quiet zone
# At least version 2 (25 modules): a short target such as tel:911 would fit
# version 1, whose symbol is a smaller share of the same printed width
# (21 of 29 modules instead of 25 of 33), below the floor at our sizes.
MIN_VERSION = 2


@dataclass(frozen=True)
class QRCode:
    contact_id: str
    action: str         # call | open
    target: str         # what the code encodes
    label: str          # what is printed beside it: the number or the address
    svg: Markup         # inline SVG, scales to its box
    modules: int        # width in modules, quiet zone included


def symbol_width(printed: float, modules: int) -> float:
    """The width of the symbol (the dark modules' square, quiet zone left
    out) of a code `modules` wide with its quiet zone, printed `printed` wide."""
    return printed * (modules - 2 * QUIET_ZONE_MODULES) / modules


def printed_width_for(symbol: float, modules: int) -> float:
    """The printed width (quiet zone included) that gives a symbol this wide."""
    return symbol * modules / (modules - 2 * QUIET_ZONE_MODULES)


def target_for(contact: Contact, action: str) -> tuple[str, str]:
    """(encoded target, printed label) for a contact and an action."""
    if action == "call":
        assert contact.phone is not None
        return contact.phone.tel_uri, contact.phone.display
    assert contact.url is not None and contact.url_display is not None
    return contact.url, contact.url_display


@lru_cache(maxsize=256)   # a handful of targets, printed on every material and language
def make_qr(contact: Contact, spec: QRSpec, fill: str = "#000000") -> QRCode:
    """The SVG code for one QR block; the same input always gives the same SVG.
    `fill` is the ink of the dark modules (always black: dark on light)."""
    import qrcode                   # here: it brings in Pillow, which a no-op build never needs
    import qrcode.constants
    target, label = target_for(contact, spec.action)
    code = qrcode.QRCode(version=MIN_VERSION, error_correction=qrcode.constants.ERROR_CORRECT_M,
                         border=QUIET_ZONE_MODULES)
    code.add_data(target)
    code.make(fit=True)             # the smallest version from MIN_VERSION up that holds it
    matrix = code.get_matrix()          # quiet zone included
    size = len(matrix)
    # No width or height: CSS decides the printed size.
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" viewBox="0 0 {size} {size}" '
           f'preserveAspectRatio="xMidYMid meet" shape-rendering="crispEdges">'
           f'<path fill="{fill}" d="{_runs_path(matrix)}"/></svg>')
    return QRCode(spec.contact, spec.action, target, label, Markup(svg), size)


def _runs_path(matrix: list[list[bool]]) -> str:
    """One rectangle per horizontal run of dark modules, carried down over
    the rows below that have the same run, in module units: a fifth of the
    path of one square per module (WeasyPrint parses the path of every code
    on every page), and no hairline seams between modules."""
    rectangles: list[list[int]] = []          # [x, y, width, height]
    open_runs: dict[tuple[int, int], list[int]] = {}
    for y, row in enumerate(matrix):
        runs, x = [], 0
        while x < len(row):
            if not row[x]:
                x += 1
                continue
            start = x
            while x < len(row) and row[x]:
                x += 1
            runs.append((start, x))
        below: dict[tuple[int, int], list[int]] = {}
        for run in runs:
            if run in open_runs:
                open_runs[run][3] += 1
                below[run] = open_runs[run]
            else:
                below[run] = [run[0], y, run[1] - run[0], 1]
                rectangles.append(below[run])
        open_runs = below
    return "".join(f"M{x} {y}h{w}v{h}h-{w}z" for x, y, w, h in rectangles)
