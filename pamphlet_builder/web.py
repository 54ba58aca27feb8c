"""The HTML edition: each material in each language as one web page.

The same content, translations, registry numbers and proof marks as the
office PDF, from the same document view, laid out for a phone: one column,
no print layout, every number a tap to call and every address a link. The
page is self-contained (its stylesheet inline, its QR codes inline SVG, no
fonts or scripts to fetch), so staff can publish `output/` on HEP's website
or send one page's link by text message.

The page is its own key: it is written when its bytes differ from the file
there, so an unchanged page is never rewritten (and a build that only plans
learns, from PageChanged, that it must be).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from markupsafe import Markup

from . import paths
from .content import Language, Material
from .errors import ContentError
from .model import OutputEntry, WebEntry
from .outputs import file_sha256, is_up_to_date, write_output
from .render import document_view, render_html
from .variants import STANDARD

TEMPLATE = "web.html"
STYLESHEETS = ("styles/theme.css", "styles/web.css")


class PageChanged(Exception):
    """The page must be written, and the caller only plans."""


def web_page(loaded, material: Material, lang: Language, translate, options,
             previous: OutputEntry | None = None, plan_only: bool = False) -> OutputEntry:
    """Write (when it changed) and describe the web page of one material in
    one language; the previous entry as it is when nothing changed."""
    project = loaded.project
    view = document_view(project, material, lang, translate, options.paper, STANDARD)
    view.draft = translate.draft
    view.final = options.final
    view.stylesheets = []
    css = "\n".join(_stylesheet(project.root, href) for href in STYLESHEETS)
    # Ours, so not escaped; but no "</style>" in it can end the element early.
    view.inline_css = Markup(css.replace("</", "<\\/"))
    html = render_html(loaded.env, TEMPLATE, view, translate).encode("utf-8")
    rel = paths.web_page(material.id, lang.code)
    sha = hashlib.sha256(html).hexdigest()
    if previous is not None and is_up_to_date(previous, sha, options.out / rel):
        return previous
    if plan_only:
        raise PageChanged(rel)
    if file_sha256(options.out / rel) != sha:
        write_output(options.out, rel, html)
    entry: WebEntry = {
        "path": rel, "kind": "web", "material": material.id, "lang": lang.code, "pages": 1,
        "sha256": sha, "key": sha, "title": view.title_plain, "draft": view.draft,
        "unverified": [c.id for c in view.unverified]}
    return entry


def _stylesheet(root: Path, href: str) -> str:
    """A stylesheet of the web page: a file in styles/, never one a symlink
    points to outside it (the renderer's own rule for the PDFs)."""
    path = (root / href).resolve()
    if not path.is_relative_to((root / "styles").resolve()):
        raise ContentError(f"{href} points outside the project's styles folder",
                           Path(href), hint="replace the link with the file itself")
    if not path.is_file():
        raise ContentError(f"{href} is missing: the web edition's stylesheet", Path(href),
                           hint="restore it from the repository (git checkout " + href + ")")
    return path.read_text("utf-8")
