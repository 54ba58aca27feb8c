"""QR codes as vector SVG: error correction M, a 4-module quiet zone, dark
on light. The target comes from the contacts registry only: `tel:+1...` to
call, the https address to open.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import qrcode
import qrcode.constants
from qrcode.image.svg import SvgPathImage
from markupsafe import Markup

from .contacts import Contact
from .content import QRSpec

QUIET_ZONE_MODULES = 4


@dataclass(frozen=True)
class QRCode:
    contact_id: str
    action: str         # call | open
    target: str         # what the code encodes
    label: str          # what is printed beside it: the number or the address
    svg: Markup         # inline SVG, scales to its box
    modules: int        # width in modules, quiet zone included


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
    target, label = target_for(contact, spec.action)
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M,
                         border=QUIET_ZONE_MODULES, box_size=10, image_factory=SvgPathImage)
    code.add_data(target)
    code.make(fit=True)
    image = code.make_image()
    svg = image.to_string(encoding="unicode")
    modules = code.modules_count + 2 * QUIET_ZONE_MODULES
    # The factory writes a size in mm; drop it so CSS decides the printed size.
    svg = svg.replace('<?xml version=\'1.0\' encoding=\'UTF-8\'?>\n', "")
    svg = _strip_size(svg).replace(' id="qr-path"', f' fill="{fill}"')
    return QRCode(spec.contact, spec.action, target, label, Markup(svg), modules)


def _strip_size(svg: str) -> str:
    head, rest = svg.split(">", 1)
    head = re.sub(r'\s(width|height)="[^"]*"', "", head)
    return head + ' preserveAspectRatio="xMidYMid meet" shape-rendering="crispEdges">' + rest
