"""The one place Jinja environments are made: templates come from
templates/ only, autoescape is on and undefined names fail.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import jinja2
from markupsafe import Markup


class ProjectLoader(jinja2.FileSystemLoader):
    """templates/ only: a template that is a link to a file outside the
    project, or a name with `..`, is not found, whatever Jinja would do."""

    def __init__(self, folder: Path):
        super().__init__(folder)
        self.folder = folder.resolve()

    def get_source(self, environment, template):
        source, filename, uptodate = super().get_source(environment, template)
        if not Path(filename).resolve().is_relative_to(self.folder):
            raise jinja2.TemplateNotFound(template)
        return source, filename, uptodate


def make_environment(root: Path, documents: bool = True) -> jinja2.Environment:
    """The one way to make a Jinja environment: templates/ only, autoescape,
    strict; for documents also gettext and a finalize that refuses None
    (the catalog's and preview's pages are English HTML without them)."""
    if not documents:
        return jinja2.Environment(loader=ProjectLoader(root / "templates"), autoescape=True,
                                  undefined=jinja2.StrictUndefined)
    env = jinja2.Environment(
        loader=ProjectLoader(root / "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True,
        finalize=_never_none)
    env.policies["ext.i18n.trimmed"] = True
    env.filters["textdir"] = text_direction
    env.filters["titled"] = titled
    env.filters["demote_headings"] = demote_headings
    return env


def _never_none(value):
    """A template that prints a missing field (a contact's hours it does not
    have) fails by name instead of printing "None" on a card."""
    if value is None:
        raise jinja2.UndefinedError("the template prints a value that is not set (None); "
                                    "guard it with {% if ... %}")
    return value


def titled(svg: Markup, title: str) -> Markup:
    """An inline SVG with a <title>: a tagged PDF's figure takes it as its
    alternative text (WeasyPrint reads the title of an inline SVG)."""
    head, close, rest = str(svg).partition(">")
    return Markup(head + close) + Markup("<title>{}</title>").format(title) + Markup(rest)


def demote_headings(html: Markup) -> Markup:
    """A part's h1 as an h2: on a web page the title is the one h1."""
    return Markup(re.sub(r"<(/?)h1\b", r"<\1h2", str(html)))


def text_direction(value: str) -> str:
    """'rtl' or 'ltr' from the first strong character, for <bdi dir=...>:
    an English name inside Arabic keeps its own order ("988 Suicide ...")."""
    for char in value:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"
