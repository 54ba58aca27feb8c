"""`doctor`: what this machine lacks for a build, and how to install it.

Checks the system libraries WeasyPrint loads (Pango, HarfBuzz's subsetter),
the Noto fonts each configured script needs (asked of fontconfig, the same
place Pango looks), poppler-utils for previews, and the Python packages.
"""

from __future__ import annotations

import ctypes.util
import importlib.metadata
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .content import Project

PYTHON_PACKAGES = ("weasyprint", "jinja2", "qrcode", "pyyaml", "markdown-it-py",
                   "phonenumbers", "babel", "rich", "pypdfium2", "pypdf", "fonttools")


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


def font_file(family: str) -> Path | None:
    """The file fontconfig uses for a family, or None if it would substitute."""
    if not shutil.which("fc-match"):
        return None
    result = subprocess.run(["fc-match", "-f", "%{family}\n%{file}", family],
                            capture_output=True, text=True, check=False)
    lines = result.stdout.splitlines()
    if len(lines) < 2 or family.lower() not in lines[0].lower():
        return None
    return Path(lines[1])


def _font(family: str, package: str) -> Finding:
    path = font_file(family)
    return Finding(f"font {family}", path is not None, str(path) if path else "not installed",
                   f"sudo apt-get install {package}")


def _package(name: str) -> Finding:
    try:
        version = importlib.metadata.version(name)
        return Finding(f"Python package {name}", True, version)
    except importlib.metadata.PackageNotFoundError:
        return Finding(f"Python package {name}", False, "not installed",
                       "./run.sh build (installs the pinned packages into .venv)")
