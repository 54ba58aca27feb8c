"""The document stage: one material in one language, every variant.

    policy -> view -> HTML -> (up to date? stop) -> fonts -> fit -> PDF
    -> variant's finish (2-up, slug and marks) -> audit -> write -> entry

A failure fails that output (or, before any variant, every output of the
job) and is returned as a Result; its previous PDF stays untouched.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import Callable

import jinja2
from babel.messages.catalog import Catalog

from . import __version__, audit, fonts, paths, policy
from .catalog import thumbnails
from .content import SOURCE_LANG, Language, Material, Project
from .errors import BuildError, RenderError, as_build_error
from .fingerprints import output_key
from .model import BuildOptions, DocumentEntry, OutputEntry, Result
from .outputs import is_up_to_date, write_output
from .render import DocumentView, document_view, render_html
from .translations import Translator, catalog_path
from .variants import TARGETS, Variant


class NeedsRendering(Exception):
    """Planning found an output whose HTML changed: the job must render."""


@dataclass
class Loaded:
    """What a process loads once to build documents: the project, its Jinja
    environment and the English catalogs every Translator starts from."""

    project: Project
    env: jinja2.Environment
    templates: dict[str, Catalog]


def variants_for(material: Material, options: BuildOptions) -> list[Variant]:
    return TARGETS[options.target].variants_for(material, options.variants)


def build_material(loaded: Loaded, material: Material, lang: Language, options: BuildOptions,
                   previous: dict[str, OutputEntry], progress: Callable[[str], None] = lambda _: None,
                   plan_only: bool = False,
                   after_each: Callable[[], None] = lambda: None) -> list[Result]:
    """Every variant of one material in one language; failures recorded.
    With plan_only, NeedsRendering when any variant would have to render."""
    project = loaded.project
    variants = variants_for(material, options)
    try:
        if material.errors:
            raise policy.material_error(material)
        translate = policy.prepare_translation(project, material, lang, options, loaded.templates)
    except Exception as exc:        # the job boundary: this job fails, the build goes on
        error = as_build_error(exc, f"preparing {material.id} in {lang.code}")
        error.path = error.path or material.folder
        # Every output of the job fails: those planned and those built before
        # (a material whose metadata is broken has no variants to plan).
        rels = [paths.document(material.id, lang.code, v) for v in variants]
        rels += [p for p, e in previous.items() if e.get("kind") == "document" and p not in rels]
        return [Result(material.id, lang.code, rel, error) for rel in rels]
    results = []
    for variant in variants:
        rel = paths.document(material.id, lang.code, variant)
        progress(rel)
        result = Result(material.id, lang.code, rel)
        try:
            result.entry = render_variant(loaded, material, lang, variant, translate, options,
                                          previous.get(rel), plan_only)
            result.reused = result.entry is previous.get(rel)
        except NeedsRendering:
            raise
        except Exception as exc:    # the job boundary, per output
            result.error = as_build_error(exc, f"building {rel}")
            result.error.path = result.error.path or material.folder
        results.append(result)
        after_each()
    return results


def render_variant(loaded: Loaded, material: Material, lang: Language, variant: Variant,
                   translate: Translator, options: BuildOptions,
                   previous: OutputEntry | None = None, plan_only: bool = False) -> OutputEntry:
    """Render one variant; write its PDF; return its manifest entry. When the
    previous entry has the same key and its file is intact, return it as is."""
    project = loaded.project
    fmt = material.format
    assert fmt is not None
    view = document_view(project, material, lang, translate, options.paper, variant)
    view.draft = translate.draft
    view.fold_marks = options.fold_marks
    view.final = options.final

    def make_html(scale: float) -> str:
        view.fit_scale = scale
        return render_html(loaded.env, material.template, view, translate)

    rel = paths.document(material.id, lang.code, variant)
    key = output_key(project, make_html(1.0), view, lang, variant, options)
    if previous is not None and is_up_to_date(previous, key, options.out / rel):
        return previous
    if plan_only:
        raise NeedsRendering(rel)
    from .pdf import render_fitting, to_pdf, unreadable_numbers   # WeasyPrint: only when rendering
    try:
        fonts.check_coverage(fonts.visible_text(make_html(1.0)), lang)
    except BuildError as exc:
        exc.path = exc.path or project.content_dir / "languages.yaml"
        raise
    limits = replace(fmt, max_pages=variant.max_pages or fmt.max_pages)
    try:
        document, scale = render_fitting(make_html, limits, project.root,
                                         project.theme.min_scale(fmt, variant))
    except RenderError as exc:
        exc.message = f"[{', '.join(filter(None, (lang.code, variant.label)))}] {exc.message}"
        exc.path = material.text_path if lang.code == SOURCE_LANG else \
            catalog_path(project, lang.code, material.id)
        raise
    hidden = unreadable_numbers(document)
    if hidden:
        raise RenderError("a number or address would not be readable on the page: " +
                          "; ".join(hidden), options.out / rel,
                          hint="a stylesheet or template hides part of it (width with "
                               "overflow: hidden, text-overflow, opacity, color): show it whole")
    pdf = to_pdf(document, **variant.pdf_options(fmt, options))
    data = variant.finish(pdf.data)
    codes = [code for part in view.parts.values() for code in part.qr]
    pages = [pdf.anchors.get(f"qr-{code.contact_id}-{code.action}") for code in codes]
    qr = [{"page": page, "target": code.target, "contact": code.contact_id, "modules": code.modules}
          for code, page in zip(codes, pages, strict=True)]
    try:
        printed = audit.audit_pdf(
            data, audit.allowed_for([project.contacts[c] for c in material.contact_ids()]),
            [audit.QRTarget(page or 0, code.target) for code, page in zip(codes, pages, strict=True)])
    except RenderError as exc:
        exc.path = options.out / rel
        raise
    write_output(options.out, rel, data)
    if options.keep_html and variant.primary:
        write_output(options.out, paths.document_html(material.id, lang.code),
                     make_html(scale).encode("utf-8"))
    entry = document_entry(rel, material, lang, variant, view, translate, options, pdf.pages,
                           pdf.page_size_pt, data, key, scale, qr, printed)
    if options.catalog and variant.primary:
        entry["thumbs"] = thumbnails(options.out, entry)   # here, in the workers, not all at the end
    return entry


def document_entry(rel: str, material: Material, lang: Language, variant: Variant,
                   view: DocumentView, translate: Translator, options: BuildOptions, pages: int,
                   page_size_pt: tuple[float, float], data: bytes, key: str, scale: float,
                   qr: list[dict], printed: dict[str, list[str]]) -> DocumentEntry:
    assert material.format is not None
    entry = DocumentEntry(
        path=rel, kind="document", material=material.id, lang=lang.code,
        format=material.format.name, variant=variant.name, title=view.title_plain,
        revision=view.revision_iso, pages=pages, page_size_pt=list(page_size_pt),
        paper=(variant.paper or options.paper) if material.format.fixed_size_pt is None else None,
        fit_scale=scale, qr=qr, printed=printed, unverified=[c.id for c in view.unverified],
        draft=view.draft, fallback=list(translate.missing), stale=list(translate.stale),
        final=options.final, sha256=hashlib.sha256(data).hexdigest(), builder=__version__, key=key)
    if view.color_profile is not None or variant.color_profile is not None:
        entry["output_intent"] = view.color_profile      # None: no CMYK profile given
    entry.update(variant.manifest_fields(page_size_pt, options))  # type: ignore[typeddict-item]
    return entry
