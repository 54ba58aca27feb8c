"""Fonts: which file each family in a language's stack resolves to,
whether those files hold a glyph for every character a document prints, and
making the embedded CJK fonts small.

Checked before rendering, so a missing font is an error naming the
language, the characters and the package to install, never a PDF with
empty boxes (.notdef glyphs) in it.
"""

from __future__ import annotations

import hashlib
import html
import io
import logging
import re
import shutil
import subprocess
import unicodedata
from functools import lru_cache
from pathlib import Path

from .content import Language
from .errors import SetupError

log = logging.getLogger(__name__)

_TAG_RE = re.compile(r"<(style|svg|head)\b.*?</\1>|<[^>]+>", re.S | re.I)


@lru_cache(maxsize=None)
def resolve(family: str) -> tuple[Path, int] | None:
    """(file, index in a collection) fontconfig uses for `family`, or None
    when it would substitute another family (the font is not installed)."""
    if not shutil.which("fc-match"):
        return None
    result = subprocess.run(["fc-match", "-f", "%{family}\n%{file}\n%{index}", family],
                            capture_output=True, text=True, check=False)
    lines = result.stdout.split("\n")
    if len(lines) < 3 or family.lower() not in lines[0].lower():
        return None
    return Path(lines[1]), int(lines[2] or 0)


@lru_cache(maxsize=None)
def codepoints(path: Path, index: int) -> frozenset[int]:
    """Every code point the font maps to a glyph."""
    from fontTools.ttLib import TTFont
    font = TTFont(path, fontNumber=index, lazy=True)
    try:
        return frozenset(font.getBestCmap() or {})
    finally:
        font.close()


def visible_text(document_html: str) -> str:
    """The characters an HTML document prints (tags, styles and SVG removed)."""
    return html.unescape(_TAG_RE.sub(" ", document_html))


def check_coverage(text: str, lang: Language) -> None:
    """Raise SetupError unless the language's fonts draw every character."""
    resolved = {family: resolve(family) for family in lang.fonts}
    absent = [family for family, found in resolved.items() if found is None]
    if absent:
        raise SetupError(
            f"[{lang.code}] font(s) not installed: {', '.join(absent)}",
            hint=f"sudo apt-get install {lang.font_package}  (or ./run.sh doctor)")
    covered: set[int] = set()
    for path, index in filter(None, resolved.values()):
        covered |= codepoints(path, index)
    missing = sorted({ch for ch in text if ord(ch) not in covered and _printable(ch)})
    if missing:
        shown = " ".join(f"'{ch}' U+{ord(ch):04X}" for ch in missing[:12])
        more = f" and {len(missing) - 12} more" if len(missing) > 12 else ""
        raise SetupError(
            f"[{lang.code}] no font in the {lang.script} stack ({', '.join(lang.fonts)}) "
            f"has {shown}{more}",
            hint=f"install the font that covers them (for Noto: sudo apt-get install "
                 f"{lang.font_package}) and list it under scripts: {lang.script}: fonts: "
                 "in pamphlets/languages.yaml")


def _printable(ch: str) -> bool:
    """Characters that need a glyph: not spaces, controls or format marks."""
    return not ch.isspace() and unicodedata.category(ch) not in ("Cc", "Cf", "Zs", "Zl", "Zp")


# --- Small CJK fonts -----------------------------------------------------------

_compacted: dict[str, bytes] = {}


def compact_cff_fonts(objects: list) -> None:
    """Re-subset the CFF-based (CJK) fonts among a PDF's objects (pydyf's,
    as WeasyPrint builds them, before they are written) to the glyphs used.

    WeasyPrint subsets fonts but keeps every glyph slot below the highest
    one used (its content streams address glyphs by their number in the
    full font), so a Noto CJK subset still has 63,000 empty slots: a wallet
    card of 270 KB. These fonts are CID-keyed, so each glyph keeps its CID
    in the CFF charset: a compact CFF (FontFile3/CIDFontType0C) holding only
    the used glyphs draws the same content streams, unchanged. Widths (W)
    and ToUnicode are untouched, so text still extracts. On any surprise
    the font is left as it was: bigger, but correct.
    """
    def resolve(reference):
        return objects[int(reference.split()[0])]

    used: dict[int, set[int]] = {}          # font file stream's object number -> CIDs
    for obj in objects:
        if isinstance(obj, dict) and obj.get("Subtype") == "/CIDFontType0" and "FontDescriptor" in obj:
            descriptor = resolve(obj["FontDescriptor"])
            if "FontFile3" in descriptor:
                number = int(descriptor["FontFile3"].split()[0])
                used.setdefault(number, {0}).update(_widths_cids(obj.get("W") or []))
    for number, cids in used.items():
        stream = objects[number]
        if stream.extra.get("Subtype") != "/OpenType":
            continue
        try:
            compact = _compact_cff(b"".join(stream.stream), cids)
        except Exception as exc:      # noqa: BLE001 - a bigger PDF beats no PDF
            log.warning("a CJK font left as WeasyPrint embedded it: %s", exc)
            continue
        if compact is not None:
            stream.stream = [compact]
            stream.extra["Subtype"] = "/CIDFontType0C"


def _widths_cids(widths) -> set[int]:
    """CIDs named by a W array: `c [w1 w2 ...]` and `c_first c_last w`."""
    cids: set[int] = set()
    items, i = list(widths), 0
    while i < len(items):
        first, nxt = int(items[i]), items[i + 1]
        if isinstance(nxt, list):
            cids.update(range(first, first + len(nxt)))
            i += 2
        else:
            cids.update(range(first, int(nxt) + 1))
            i += 3
    return cids


def _compact_cff(font_data: bytes, cids: set[int]) -> bytes | None:
    """A bare CID-keyed CFF with only these glyphs, each under its own CID
    (HarfBuzz's subsetter keeps a CID-keyed font's CIDs in its charset);
    None when the font is not CID-keyed, already small, or anything
    about the result is not as expected."""
    key = hashlib.sha256(font_data + repr(sorted(cids)).encode()).hexdigest()
    if key in _compacted:         # variants of a document use the same glyphs
        return _compacted[key]
    import uharfbuzz as hb
    from fontTools.ttLib import TTFont
    face = hb.Face(font_data)
    if len(cids) * 2 > face.glyph_count:
        return None
    request = hb.SubsetInput()
    request.glyph_set.update(sorted(cids))
    request.flags = hb.SubsetFlags.NOTDEF_OUTLINE | hb.SubsetFlags.PASSTHROUGH_UNRECOGNIZED
    subset = hb.subset(face, request)
    if subset is None:
        return None
    # Each glyph must still answer to the CID the content streams use.
    font = TTFont(io.BytesIO(subset.blob.data))
    if ("CFF " not in font or not hasattr(font["CFF "].cff.topDictIndex[0], "ROS")
            or font.getGlyphOrder()[1:] != [f"cid{cid:05d}" for cid in sorted(cids - {0})]):
        return None
    if len(_compacted) > 64:
        _compacted.clear()
    _compacted[key] = bytes(subset.reference_table("CFF ").data)
    return _compacted[key]
