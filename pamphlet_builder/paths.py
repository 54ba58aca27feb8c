"""Every name in the output folder, in one place. All are relative to the
output folder; outputs.output_file refuses one that would land outside it.

    LANG/MATERIAL[.VARIANT].pdf            documents (variants.Variant.suffix)
    LANG/MATERIAL.html                     the web edition (web.py)
    LANG/MATERIAL.print.html               the office print's HTML (the preview's own folder)
    LANG/MATERIAL-PAGE.png                 the preview's page pictures (its own folder)
    LANG/sheets/MATERIAL.PRESET.pdf        a card's sheets
    sheets/NAME.PRESET.pdf                 mixed sheets (pamphlets/sheets.yaml)
    sheets/alignment.PRESET.pdf            printer alignment test
    thumbs/LANG/MATERIAL-HASH-PAGE.png     catalog pictures
    index.html, manifest.json, build.log
"""

from __future__ import annotations

import re
from typing import Protocol


class Variant(Protocol):        # variants.Variant; this module imports no other
    @property
    def suffix(self) -> str: ...

CATALOG = "index.html"
MANIFEST = "manifest.json"
BUILD_LOG = "build.log"
LOCK = ".build.lock"
ALIGNMENT = "alignment"       # reserved: never a mixed sheet's name


def document(material_id: str, lang: str, variant: Variant) -> str:
    return f"{lang}/{material_id}{variant.suffix}.pdf"


def document_html(material_id: str, lang: str) -> str:
    return f"{lang}/{material_id}.print.html"


def web_page(material_id: str, lang: str) -> str:
    return f"{lang}/{material_id}.html"


def card_sheet(material_id: str, lang: str, preset: str) -> str:
    return f"{lang}/sheets/{material_id}.{preset}.pdf"


MIXED_SHEETS = "sheets/"


def mixed_sheet(name: str, preset: str) -> str:
    return f"{MIXED_SHEETS}{name}.{preset}.pdf"


def alignment_sheet(preset: str) -> str:
    return mixed_sheet(ALIGNMENT, preset)


def preview_page(material_id: str, lang: str, page: int) -> str:
    """A page picture of the live preview (in its own output folder)."""
    return f"{lang}/{material_id}-{page}.png"


def thumbnail_folder(lang: str) -> str:
    return f"thumbs/{lang}"


def thumbnail(lang: str, material_id: str, sha256: str, page: int) -> str:
    return f"{thumbnail_folder(lang)}/{material_id}-{sha256[:12]}-{page}.png"


def is_thumbnail_of(name: str, material_id: str) -> bool:
    """A file name in thumbnail_folder() that belongs to this material (not
    to another whose id starts alike)."""
    return re.fullmatch(re.escape(material_id) + r"-[0-9a-f]{12}-\d+\.png", name) is not None
