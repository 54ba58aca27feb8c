"""The document stage: one material in one language, every variant.

    policy -> view -> HTML -> (up to date? stop) -> fonts -> fit -> PDF
    -> variant's finish (2-up, slug and marks) -> audit -> write -> entry

A failure fails that output (or, before any variant, every output of the
job) and is returned as a Result; its previous PDF stays untouched.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, replace
from typing import Callable, cast

import jinja2
from babel.messages.catalog import Catalog

from . import __version__, audit, fonts, paths, policy, web
from .catalog import thumbnails
from .content import SOURCE_LANG, Language, Material, Project
from .errors import BuildError, RenderError, as_build_error
from .fingerprints import output_key
from .formats import SMALL_PRINT_PT, STRIPS_PT_UNSHRUNK, Format
from .model import BuildOptions, DocumentEntry, OutputEntry, Result
from .outputs import is_up_to_date, write_output
from .qr import MIN_SYMBOL_IN, QRCode, symbol_width
from .render import DocumentView, document_view, render_html
from .translations import Translator, catalog_path
from .variants import STANDARD, TARGETS, Variant


log = logging.getLogger(__name__)


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


def output_paths(material: Material, lang: str, options: BuildOptions) -> list[str]:
    """Every file one job writes: a PDF per variant, and with the office
    print its web page."""
    variants = variants_for(material, options)
    return [paths.document(material.id, lang, v) for v in variants] + (
        [paths.web_page(material.id, lang)] if STANDARD in variants and options.web else [])


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
        rels = output_paths(material, lang.code, options)
        rels += [p for p, e in previous.items() if e.get("kind") in ("document", "web") and p not in rels]
        return [Result(material.id, lang.code, rel, error) for rel in rels]
    results = []
    guess: float | None = None          # the office print's type size: where its copies start
    office: dict = {}                   # the office print as laid out, for those drawn from it
    for number, variant in enumerate(variants):
        rel = paths.document(material.id, lang.code, variant)
        progress(rel)
        result = Result(material.id, lang.code, rel)
        try:
            same_pages = variant.paper is None and variant.shrink     # same page, same fitting
            # Where the search starts: the office print's size for its copies, else the size
            # this file took last time (an edit seldom moves it).
            start = guess if same_pages else None
            if start is None and not variant.same_layout:
                start = _last_scale(previous.get(rel))
            result.entry = render_variant(loaded, material, lang, variant, translate, options,
                                          previous.get(rel), plan_only, start, office)
            if variant.primary and result.entry:
                guess = cast(DocumentEntry, result.entry).get("fit_scale")
            result.reused = result.entry is previous.get(rel)
        except NeedsRendering:
            raise
        except Exception as exc:    # the job boundary, per output
            result.error = as_build_error(exc, f"building {rel}")
            result.error.path = result.error.path or material.folder
        results.append(result)
        if not any(v.same_layout for v in variants[number + 1:]):
            office.clear()              # no variant left to draw from it: free its layout
        after_each()
    if STANDARD in variants and options.web:      # the office print's web page
        results.append(_web_result(loaded, material, lang, translate, options, previous, plan_only))
    return results


def _last_scale(entry: OutputEntry | None) -> float | None:
    scale = cast(dict, entry or {}).get("fit_scale")
    return float(scale) if isinstance(scale, (int, float)) and 0 < scale <= 1 else None


def _web_result(loaded: Loaded, material: Material, lang: Language, translate: Translator,
                options: BuildOptions, previous: dict[str, OutputEntry], plan_only: bool) -> Result:
    rel = paths.web_page(material.id, lang.code)
    result = Result(material.id, lang.code, rel)
    try:
        result.entry = web.web_page(loaded, material, lang, translate, options, previous.get(rel),
                                    plan_only)
        result.reused = result.entry is previous.get(rel)
    except web.PageChanged:
        raise NeedsRendering(rel) from None
    except Exception as exc:        # the job boundary, per output
        result.error = as_build_error(exc, f"building {rel}")
        result.error.path = result.error.path or material.folder
    return result


def render_variant(loaded: Loaded, material: Material, lang: Language, variant: Variant,
                   translate: Translator, options: BuildOptions,
                   previous: OutputEntry | None = None, plan_only: bool = False,
                   guess: float | None = None, office: dict | None = None) -> OutputEntry:
    """Render one variant; write its PDF; return its manifest entry. When the
    previous entry has the same key and its file is intact, return it as is.
    The office print leaves its layout in `office` ("document", "scale");
    a variant laid out as it is (the photocopy) is drawn from it in its own
    colours, when its stylesheet sets only colours (recolor.py)."""
    project = loaded.project
    fmt = material.format
    assert fmt is not None
    view = document_view(project, material, lang, translate, options.paper, variant)
    view.draft = translate.draft
    view.fold_marks = options.fold_marks
    view.final = options.final
    if variant.color_profiles and view.color_profile is None:
        # PDF/X without an output intent is a file no preflight accepts.
        raise RenderError("no CMYK profile for the print-shop file: " + " or ".join(variant.color_profiles)
                          + " must exist", project.root / variant.color_profiles[-1],
                          hint="restore styles/profiles/ from the repository, or save the print "
                               "shop's profile as styles/print-shop.icc")

    def make_html(scale: float) -> str:
        view.fit_scale = scale
        return render_html(loaded.env, material.template, view, translate)

    rel = paths.document(material.id, lang.code, variant)
    limits = replace(fmt, max_pages=variant.max_pages or fmt.max_pages)
    min_scale = project.theme.min_scale(fmt, variant)
    page_count_varies = fits_english(limits, min_scale)
    english = None
    if page_count_varies and lang.code != SOURCE_LANG:
        # A variant laid out as the office print is has the office print's English page count.
        english = EnglishPages(loaded, material, STANDARD if variant.same_layout else variant, options,
                               limits, min_scale)
    full_size = make_html(1.0)
    # The English (its HTML, not yet its layout) is part of the key: its page count is the target.
    key = output_key(project, full_size + (english.marker() if english else ""), view, lang,
                     variant, options)
    if previous is not None and is_up_to_date(previous, key, options.out / rel):
        return previous
    if plan_only:
        raise NeedsRendering(rel)
    from .pdf import (covered_text, qr_widths, recoloured, render_fitting, small_type, to_pdf,
                      unreadable_numbers)       # WeasyPrint (pdf.py first): only when rendering
    from . import recolor
    try:
        fonts.check_coverage(fonts.visible_text(full_size), lang)
    except BuildError as exc:
        exc.path = exc.path or project.content_dir / "languages.yaml"
        raise
    try:
        document, scale = None, 1.0
        if variant.same_layout and office and variant.stylesheet \
                and recolor.colour_only(project.root / "styles" / variant.stylesheet):
            try:
                scale = office["scale"]
                document = recoloured(office["document"], make_html(scale), project.root)
            except recolor.NotRecolourable as exc:
                log.info("%s laid out again: %s", rel, exc)
        if document is None:
            document, scale = render_fitting(make_html, limits, project.root, min_scale,
                                             english.pages if english else None, guess,
                                             exact=variant.same_layout)
        if variant.primary and office is not None:
            office.update(document=document, scale=scale)
    except RenderError as exc:
        exc.message = f"[{', '.join(filter(None, (lang.code, variant.label)))}] {exc.message}"
        exc.path = material.text_path if lang.code == SOURCE_LANG else \
            catalog_path(project, lang.code, material.id)
        raise
    if lang.code == SOURCE_LANG and page_count_varies:
        _english_pages[digest_of(full_size)] = len(document.pages)   # for this process's translations
    hidden = unreadable_numbers(document)
    if hidden:
        raise RenderError("a number or address would not be readable on the page: " +
                          "; ".join(hidden), options.out / rel,
                          hint="a stylesheet or template hides part of it (width with "
                               "overflow: hidden, text-overflow, opacity, color): show it whole")
    covered = covered_text(document)
    if covered:
        raise RenderError("text under a proof strip or the footer: " + "; ".join(covered[:4]),
                          options.out / rel,
                          hint="give the page room above its text for the strips (a larger top "
                               "margin in the format's or variant's stylesheet)")
    small = small_type(document, *type_floors(fmt, variant))
    if small:
        raise RenderError("type smaller than its floor: " + "; ".join(small[:6]) +
                          (f"; and {len(small) - 6} more" if len(small) > 6 else ""),
                          options.out / rel,
                          hint="a stylesheet sets that text smaller (a size below the floor, or "
                               "one that shrinks with --fit): set it at or above the floor")
    codes = [code for part in view.parts.values() for code in part.qr]
    widths = qr_widths(document)
    qr = [qr_entry(code, widths.get(qr_id(code))) for code in codes]
    tiny = [f"{e['contact']} (" + ("not found on the page" if e["symbol_in"] is None
                                   else f"{e['symbol_in']:.2f} in") + ")"
            for e in qr if e["symbol_in"] is None or e["symbol_in"] < MIN_SYMBOL_IN - 0.005]
    if tiny:
        raise RenderError(f"QR code symbols under {MIN_SYMBOL_IN} in (quiet zone not counted): " +
                          ", ".join(tiny), options.out / rel,
                          hint="give the code more room (styles/theme.css --qr-s, --qr-m, --qr-l "
                               "are the printed width, quiet zone included)")
    pdf = to_pdf(document, **variant.pdf_options(fmt, options))
    data = variant.finish(pdf.data)
    pages = [pdf.anchors.get(qr_id(code)) for code in codes]
    for entry_qr, page in zip(qr, pages, strict=True):
        entry_qr["page"] = page
    try:
        printed = audit.audit_pdf(
            data, audit.allowed_for([project.contacts[c] for c in material.contact_ids()]),
            [audit.QRTarget(page or 0, code.target) for code, page in zip(codes, pages, strict=True)],
            links_allowed=variant.accessible)
    except RenderError as exc:
        exc.path = options.out / rel
        raise
    write_output(options.out, rel, data)
    if options.keep_html and variant.primary:
        write_output(options.out, paths.document_html(material.id, lang.code),
                     make_html(scale).encode("utf-8"))
    entry = document_entry(rel, material, lang, variant, view, translate, options, pdf.pages,
                           pdf.page_size_pt, data, key, scale, qr, printed)
    # The English page count, where this document may take more pages than it
    # (laid out here only then: a one-page translation needs none).
    if english is not None and pdf.pages > limits.min_pages:
        target = english.pages()
        if target is not None:
            entry["english_pages"] = target
    elif lang.code == SOURCE_LANG and page_count_varies:
        entry["english_pages"] = pdf.pages
    if options.catalog and variant.primary:
        entry["thumbs"] = thumbnails(options.out, entry)   # here, in the workers, not all at the end
    return entry


def qr_id(code: QRCode) -> str:
    return f"qr-{code.contact_id}-{code.action}"      # the element id templates/partials/blocks.html gives it


def qr_entry(code: QRCode, printed_in: float | None) -> dict:
    """A code's manifest entry: what it encodes, its size in modules (quiet
    zone included) and, as laid out, its printed width and its symbol's."""
    return {"page": None, "target": code.target, "contact": code.contact_id, "modules": code.modules,
            "printed_in": round(printed_in, 3) if printed_in is not None else None,
            "symbol_in": round(symbol_width(printed_in, code.modules), 3)
            if printed_in is not None else None}


def type_floors(fmt: Format, variant: Variant) -> tuple[float, float]:
    """The smallest type (pt) of this format and variant after fitting: for
    what a reader needs, and for the footer and proof strips. Where type
    never shrinks (large print), everything a reader needs is at the body
    floor; elsewhere nothing is under the small-print floor."""
    if not variant.shrink:
        return variant.floor(fmt), STRIPS_PT_UNSHRUNK
    return SMALL_PRINT_PT, SMALL_PRINT_PT


# --- Fitting a translation to the English page count ------------------------
# A translated handout may take more pages than its English only when even
# its smallest type (the floor) does not fit it in as many. The target is the
# English page count of the same material and variant, laid out in this job
# (the English job may run in another worker) once per process: a handout's
# layout takes 0.2 to 0.4 s, and each worker lays out each English at most
# once, whatever the number of languages it builds.
_english_pages: dict[str, int | None] = {}    # sha256 of the English HTML -> its page count


def digest_of(html: str) -> str:
    return hashlib.sha256(html.encode("utf-8")).hexdigest()


def fits_english(limits: Format, min_scale: float) -> bool:
    """Whether a document's page count may vary and its type may shrink."""
    return limits.min_pages < limits.max_pages and min_scale < 1.0


class EnglishPages:
    """The English page count of one material and variant (the target of
    its translations), laid out only when a translation needs it."""

    def __init__(self, loaded: Loaded, material: Material, variant: Variant,
                 options: BuildOptions, limits: Format, min_scale: float):
        self.loaded, self.limits, self.min_scale = loaded, limits, min_scale
        project = loaded.project
        self.translate = Translator(SOURCE_LANG, {})
        self.view = document_view(project, material, project.languages[SOURCE_LANG],
                                  self.translate, options.paper, variant)
        self.view.fold_marks = options.fold_marks
        self.view.final = options.final
        self.template = material.template
        self.name = f"{material.id} ({variant.name})"
        self.html = self.make_html(1.0)

    def make_html(self, scale: float) -> str:
        self.view.fit_scale = scale
        return render_html(self.loaded.env, self.template, self.view, self.translate)

    def marker(self) -> str:
        return f"\n<!-- fitted to the English: {digest_of(self.html)} -->"

    def pages(self) -> int | None:
        """Its page count after fitting; None when the English does not fit at all."""
        key = digest_of(self.html)
        if key not in _english_pages:
            from .pdf import render_fitting
            started = time.monotonic()
            try:
                document, _ = render_fitting(self.make_html, self.limits, self.loaded.project.root,
                                             self.min_scale)
                _english_pages[key] = len(document.pages)
            except RenderError:          # the English job reports it; no target here
                _english_pages[key] = None
            log.info("the English of %s laid out for its translations: %s pages in %.2f s",
                     self.name, _english_pages[key], time.monotonic() - started)
        return _english_pages[key]


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
    if variant.color_profiles:
        entry["output_intent"] = view.color_profile
    entry.update(variant.manifest_fields(page_size_pt, options))  # type: ignore[typeddict-item]
    return entry
