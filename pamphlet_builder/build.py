"""The build: validate everything, then render each material in each
language, write its PDF and record it in the manifest.

Reads top to bottom: select -> translate -> view -> HTML -> fit -> PDF ->
manifest. A failed output is recorded and the build goes on; its previous
PDF stays untouched.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from babel.messages.catalog import Catalog

from . import __version__, fonts
from .content import SOURCE_LANG, Language, Material, Project
from .errors import BuildError, ContentError, RenderError
from .pdf import render_fitting, to_pdf, write_atomic
from .render import document_view, make_environment, render_html
from .translations import (CONTACTS, UI, catalog_path, source_messages, template_catalog,
                           translated_languages, translator_for)

log = logging.getLogger(__name__)
MANIFEST = "manifest.json"


@dataclass
class BuildOptions:
    out: Path
    materials: list[str] = field(default_factory=list)   # empty = all
    langs: list[str] = field(default_factory=list)       # empty = all with translations
    final: bool = False
    paper: str = "letter"
    allow_fallback: bool = False


@dataclass
class Result:
    material: str
    lang: str
    path: str                      # relative to the output folder
    error: BuildError | None = None
    entry: dict | None = None


@dataclass
class BuildReport:
    results: list[Result] = field(default_factory=list)
    config_errors: list[BuildError] = field(default_factory=list)

    @property
    def failed(self) -> list[Result]:
        return [r for r in self.results if r.error]

    @property
    def exit_code(self) -> int:
        if self.config_errors:
            return 2
        return 1 if self.failed else 0


def plan(project: Project, options: BuildOptions) -> tuple[list[Material], list[Language], list[BuildError]]:
    """The materials and languages to build, or why the request is wrong."""
    errors: list[BuildError] = list(project.errors)
    unknown = [m for m in options.materials if m not in project.materials]
    if unknown:
        errors.append(ContentError(f"unknown material(s): {', '.join(unknown)}",
                                   hint=f"materials: {', '.join(project.materials)}"))
    available = translated_languages(project)
    bad_langs = [code for code in options.langs if code not in available]
    if bad_langs:
        errors.append(ContentError(f"no translations for language(s): {', '.join(bad_langs)}",
                                   hint=f"languages: {', '.join(available)}; add one with "
                                        "`python make_pamphlets.py translations new CODE`"))
    materials = [project.materials[m] for m in (options.materials or project.materials)
                 if m in project.materials]
    languages = [project.languages[c] for c in (options.langs or available) if c in available]
    return materials, languages, errors


def build(project: Project, options: BuildOptions,
          progress: Callable[[str], None] = lambda _: None) -> BuildReport:
    """Build the chosen materials in the chosen languages; never raises for
    a user's mistake: every problem lands in the report."""
    report = BuildReport()
    materials, languages, report.config_errors = plan(project, options)
    if report.config_errors:
        return report
    templates = {domain: template_catalog(domain, messages)
                 for domain, messages in source_messages(project).items()}
    env = make_environment(project.root)
    for material in materials:
        for lang in languages:
            rel = f"{lang.code}/{material.id}.pdf"
            progress(rel)
            result = Result(material.id, lang.code, rel)
            if material.errors:
                result.error = material.errors[0] if len(material.errors) == 1 else _many(material)
            else:
                try:
                    result.entry = build_one(project, material, lang, options, templates, env)
                except BuildError as exc:
                    if exc.path is None:
                        exc.path = material.folder
                    result.error = exc
            report.results.append(result)
    write_manifest(options.out, report)
    return report


def _many(material: Material) -> BuildError:
    error = ContentError(f"{len(material.errors)} problems in this material:\n" +
                         "\n".join("  " + e.format() for e in material.errors),
                         material.folder)
    return error


def build_one(project: Project, material: Material, lang: Language, options: BuildOptions,
              templates: dict[str, Catalog], env) -> dict:
    """Render one material in one language; return its manifest entry."""
    assert material.format is not None
    translate = translator_for(project, lang.code, [UI, CONTACTS, material.id], templates)
    for message in templates[UI]:             # every UI word counts toward draft state
        if message.id:
            translate(UI, message.context, message.id)
    view = document_view(project, material, lang, translate, options.paper)
    po = catalog_path(project, lang.code, material.id)
    if translate.missing and not options.allow_fallback:
        # The material's own text first: it is what a translator works on.
        ordered = sorted(translate.missing, key=lambda m: (not m.startswith(material.id + ":"),
                                                           m.startswith(UI + ":")))
        shown = "\n".join(f"      {m}" for m in ordered[:8])
        more = f"\n      ... and {len(translate.missing) - 8} more" if len(translate.missing) > 8 else ""
        raise ContentError(f"{len(translate.missing)} entries have no {lang.code} translation:\n"
                           f"{shown}{more}", po,
                           hint="translate them, or build with --allow-fallback to print English there")
    view.draft = translate.draft
    if options.final:
        _refuse_unfinished(view, translate, material, lang)
    theme = (project.root / "styles" / "theme.css").read_text(encoding="utf-8")

    def make_html(scale: float) -> str:
        view.fit_scale = scale
        return render_html(env, material.template, view, translate)

    try:
        fonts.check_coverage(fonts.visible_text(make_html(1.0)), lang)
    except BuildError as exc:
        exc.path = exc.path or project.content_dir / "languages.yaml"
        raise

    try:
        document, scale = render_fitting(make_html, material.format, project.root,
                                         material.format.min_scale(theme))
    except RenderError as exc:
        exc.message = f"[{lang.code}] {exc.message}"
        exc.path = material.text_path if lang.code == SOURCE_LANG else po
        raise
    pdf = to_pdf(document, scale)
    path = options.out / lang.code / f"{material.id}.pdf"
    write_atomic(path, pdf.data)
    qr = [{"page": pdf.anchors.get(f"qr-{code.contact_id}-{code.action}"), "target": code.target,
           "contact": code.contact_id, "modules": code.modules}
          for part in view.parts.values() for code in part.qr]
    return {
        "path": f"{lang.code}/{material.id}.pdf", "kind": "document",
        "material": material.id, "lang": lang.code, "format": material.format.name,
        "title": view.title_plain, "revision": view.revision_iso,
        "pages": pdf.pages, "page_size_pt": list(pdf.page_size_pt),
        "paper": options.paper if material.format.fixed_size_pt is None else None,
        "fit_scale": scale, "qr": qr,
        "unverified": [c.id for c in view.unverified],
        "draft": view.draft, "fallback": list(translate.missing),
        "stale": list(translate.stale), "final": options.final,
        "sha256": pdf.sha256, "builder": __version__,
    }


def _refuse_unfinished(view, translate, material: Material, lang: Language) -> None:
    reasons = []
    if view.unverified:
        reasons.append("it prints unverified contact(s) " +
                       ", ".join(c.id for c in view.unverified) +
                       " (confirm them and set `verified` in pamphlets/contacts.yaml)")
    if translate.stale or translate.missing:
        reasons.append(f"its {lang.code} translation has {len(translate.stale)} stale and "
                       f"{len(translate.missing)} missing entries")
    elif translate.unreviewed:
        reasons.append(f"its {lang.code} translation has {translate.unreviewed} unreviewed "
                       "entries (a reviewer records the review: see README, Translators)")
    if reasons:
        raise ContentError("--final refuses this material: " + "; ".join(reasons),
                           material.folder)


def write_manifest(out: Path, report: BuildReport) -> None:
    """Merge this build's entries into the manifest; failed outputs keep
    their previous entry (their previous PDF is untouched)."""
    path = out / MANIFEST
    previous = {}
    if path.exists():
        try:
            previous = {e["path"]: e for e in json.loads(path.read_text("utf-8")).get("outputs", [])}
        except (ValueError, KeyError, TypeError, AttributeError):
            log.warning("%s was unreadable; writing a new one", path)
    for result in report.results:
        if result.entry:
            previous[result.entry["path"]] = result.entry
    failed = sorted(r.path for r in report.failed)
    manifest = {"outputs": [previous[k] for k in sorted(previous)],
                "failed_last_build": failed}
    write_atomic(path, (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
