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

from markupsafe import Markup

from . import paths
from .content import Language, Material
from .model import OutputEntry, WebEntry
from .outputs import file_sha256, write_output
from .render import document_view, render_html
from .variants import STANDARD

TEMPLATE = "web.html"
STYLESHEETS = ("styles/theme.css", "styles/web.css")


class PageChanged(Exception):
    """The page must be written, and the caller only plans."""


def web_page(loaded, material: Material, lang: Language, translate, options,
             previous: OutputEntry | None = None, plan_only: bool = False) -> OutputEntry:
    entry: WebEntry
    """Write (when it changed) and describe the web page of one material in
    one language; the previous entry as it is when nothing changed."""
    project = loaded.project
    view = document_view(project, material, lang, translate, options.paper, STANDARD)
    view.draft = translate.draft
    view.final = options.final
    view.stylesheets = []
    css = "\n".join((project.root / href).read_text("utf-8") for href in STYLESHEETS)
    # Ours, so not escaped; but no "</style>" in it can end the element early.
    view.inline_css = Markup(css.replace("</", "<\\/"))
    html = render_html(loaded.env, TEMPLATE, view, translate).encode("utf-8")
    rel = paths.web_page(material.id, lang.code)
    sha = hashlib.sha256(html).hexdigest()
    if file_sha256(options.out / rel) == sha and previous is not None and previous.get("sha256") == sha \
            and not previous.get("out_of_date"):
        return previous
    if plan_only:
        raise PageChanged(rel)
    if file_sha256(options.out / rel) != sha:
        write_output(options.out, rel, html)
    entry = {"path": rel, "kind": "web", "material": material.id, "lang": lang.code, "pages": 1,
             "sha256": sha, "key": sha, "title": view.title_plain, "draft": view.draft,
             "unverified": [c.id for c in view.unverified]}
    return entry
