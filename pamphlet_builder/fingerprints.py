"""What an output is made from, hashed: the keys that decide whether it is
rebuilt.

- Its *inputs* fingerprint (InputFingerprints): the files its job is made
  from (the material's folder, its language's catalogs, templates, styles,
  the registry files), the builder's own source, library versions, the
  fonts installed and the options. Equal: nothing is read or rendered.
- Its *output key* (output_key): the HTML it renders from and everything
  that acts after the HTML. When the inputs changed but the HTML did not
  (a comment, another language's entry), the PDF is still reused.
Either way its file must still be the one the manifest describes
(outputs.is_up_to_date).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__, fonts
from .content import SOURCE_LANG, Language, Project
from .model import OPTIONS_NOT_IN_OUTPUT, BuildOptions

if TYPE_CHECKING:
    from .render import DocumentView
    from .variants import Variant

# Libraries whose version changes what is written.
LIBRARIES = ("weasyprint", "pydyf", "fonttools", "uharfbuzz", "tinycss2", "qrcode", "jinja2",
             "markdown-it-py", "babel", "phonenumbers", "pypdf", "pypdfium2")
# Where fontconfig finds fonts and its configuration (Debian/Ubuntu).
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts",
             "/etc/fonts")
def digest(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update((part.encode("utf-8") if isinstance(part, str) else part) + b"\0")
    return h.hexdigest()


def tree_digest(root: Path, *paths: Path) -> str:
    """A hash of the names and bytes of these files, and of every file under
    these folders (hidden files and editor leftovers skipped)."""
    h = hashlib.sha256()
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if file.name.startswith((".", "#")) or file.name.endswith(("~", ".tmp", ".pyc")):
                continue
            try:
                data = file.read_bytes()
            except OSError:
                data = b"<unreadable>"
            h.update(str(file.relative_to(root)).encode() + b"\0" + data + b"\0")
    return h.hexdigest()


@lru_cache(maxsize=1)
def environment_digest() -> str:
    """The builder's own source, the libraries' versions and the installed
    fonts: a change to any of them can change every output."""
    package = Path(__file__).parent
    versions = []
    for name in LIBRARIES:
        try:
            versions.append(f"{name}={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{name}=none")
    return digest(__version__, tree_digest(package, *sorted(package.glob("*.py"))),
                  *versions, fontconfig_state(), os.environ.get("SOURCE_DATE_EPOCH", ""))


def fontconfig_state() -> str:
    """Installing, removing or upgrading a font (or fontconfig's settings)
    changes a folder under these: a hash of their modification times."""
    seen = []
    for top in FONT_DIRS:
        for folder, _, files in os.walk(os.path.expanduser(top)):
            try:
                seen.append(f"{folder}:{os.stat(folder).st_mtime_ns}")
                if folder.startswith("/etc/fonts"):
                    seen += [f"{name}:{os.stat(os.path.join(folder, name)).st_mtime_ns}"
                             for name in sorted(files)]
            except OSError:
                continue
    return digest(*seen)


class InputFingerprints:
    """What each job (one material in one language) is made from, hashed:
    the environment (builder, libraries, fonts), templates/, styles/, the
    registry files of pamphlets/, the options, the material's folder and the
    language's catalogs. Each part is hashed once per build."""

    def __init__(self, project: Project, options: BuildOptions):
        root = project.root
        shared = [root / "templates", root / "styles"] + sorted(project.content_dir.glob("*.yaml"))
        settings = {k: v for k, v in asdict(options).items() if k not in OPTIONS_NOT_IN_OUTPUT}
        self.project = project
        self.shared = digest(environment_digest(), tree_digest(root, *shared),
                             json.dumps(settings, sort_keys=True, default=str))
        self._parts: dict[Path, str] = {}

    def _part(self, folder: Path) -> str:
        if folder not in self._parts:
            self._parts[folder] = tree_digest(self.project.root, folder) if folder.exists() else ""
        return self._parts[folder]

    def of(self, material_id: str, code: str) -> str:
        material = self.project.materials[material_id]
        translations = self.project.root / "translations" / code
        return digest(self.shared, material_id, code, self._part(material.folder),
                      "" if code == SOURCE_LANG else self._part(translations))


def output_key(project: Project, html: str, view: DocumentView, lang: Language, variant: Variant,
               options: BuildOptions) -> str:
    """A hash of everything a document depends on: its HTML (content,
    translations, contacts, templates, QR codes), the stylesheets and the
    theme, the CMYK profile, the font files, the options that act after the
    HTML, and the versions of this builder and of WeasyPrint."""
    h = hashlib.sha256()
    for part in (environment_digest(), html, variant.name, options.pdfx,
                 str(options.final), str(options.allow_fallback)):
        h.update(part.encode("utf-8") + b"\0")
    for href in view.stylesheets + ([view.color_profile] if view.color_profile else []):
        h.update(href.encode() + b"\0" + (project.root / href).read_bytes())
    for family in lang.fonts:
        found = fonts.resolve(family)
        if found:
            stat = found[0].stat()
            h.update(f"{family}:{found[0]}:{found[1]}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return h.hexdigest()
