"""Fonts: which file each family in a language's stack resolves to, and
whether those files hold a glyph for every character a document prints.

Checked before rendering, so a missing font is an error naming the
language, the characters and the package to install, never a PDF with
empty boxes (.notdef glyphs) in it.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import unicodedata
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont

from .content import Language
from .errors import SetupError

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
