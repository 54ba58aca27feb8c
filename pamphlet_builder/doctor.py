"""`doctor`: what this machine lacks for a build, and how to install it.

Checks the system libraries WeasyPrint loads (Pango, HarfBuzz's subsetter),
the Noto fonts each configured script needs (asked of fontconfig, the same
place Pango looks), poppler-utils for previews, and the Python packages.
"""

from __future__ import annotations

import ctypes.util
import importlib.metadata
import shutil
from dataclasses import dataclass

from .content import Project
from .fonts import resolve

PYTHON_PACKAGES = ("weasyprint", "jinja2", "qrcode", "pyyaml", "markdown-it-py",
                   "phonenumbers", "babel", "rich", "pypdfium2", "pypdf", "fonttools",
                   "uharfbuzz", "textstat")


@dataclass
class Finding:
    what: str
    ok: bool
    detail: str
    fix: str = ""


def check_machine(project: Project | None = None) -> list[Finding]:
    """Every check, passed or not."""
    findings = [
        _library("Pango (text layout for WeasyPrint)", "pango-1.0", "libpango-1.0-0"),
        _library("Pango FreeType backend", "pangoft2-1.0", "libpangoft2-1.0-0"),
        _library("HarfBuzz subsetter (CJK fonts write ~60x faster)", "harfbuzz-subset",
                 "libharfbuzz-subset0"),
        _tool("fontconfig (finds fonts)", "fc-match", "fontconfig"),
        _tool("pdftoppm (page pictures for previews)", "pdftoppm", "poppler-utils"),
    ]
    fonts = {"Noto Sans": "fonts-noto-core"}
    if project is not None:
        for lang in project.languages.values():
            for font in lang.fonts:
                fonts.setdefault(font, lang.font_package)
    findings += [_font(name, package) for name, package in sorted(fonts.items())]
    findings += [_package(name) for name in PYTHON_PACKAGES]
    return findings


def _library(what: str, name: str, package: str) -> Finding:
    found = ctypes.util.find_library(name)
    return Finding(what, bool(found), found or "not found", f"sudo apt-get install {package}")


def _tool(what: str, command: str, package: str) -> Finding:
    found = shutil.which(command)
    return Finding(what, bool(found), found or "not found", f"sudo apt-get install {package}")


def _font(family: str, package: str) -> Finding:
    found = resolve(family)
    return Finding(f"font {family}", found is not None, str(found[0]) if found else "not installed",
                   f"sudo apt-get install {package}")


def _package(name: str) -> Finding:
    try:
        version = importlib.metadata.version(name)
        return Finding(f"Python package {name}", True, version)
    except importlib.metadata.PackageNotFoundError:
        return Finding(f"Python package {name}", False, "not installed",
                       "./run.sh build (installs the pinned packages into .venv)")
