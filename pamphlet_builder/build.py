"""The build: validate everything, then render each material in each
language, write its PDF and record it in the manifest.

Reads top to bottom: select -> translate -> view -> HTML -> fit -> PDF ->
manifest. A failed output is recorded and the build goes on; its previous
PDF stays untouched.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import gc
import hashlib
import json
import logging
import multiprocessing
import os
import signal
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Callable

from babel.messages.catalog import Catalog

from . import __version__, audit, fonts
from .content import SOURCE_LANG, Language, Material, Project, load_project
from .errors import BuildError, ContentError, RenderError, as_build_error
from .formats import BLEED_PT, PAPER_PT, VARIANTS, Variant
from .outputs import (digest, environment_digest, is_up_to_date, locked, read_manifest,
                      tree_digest, write_manifest, write_output)
from .translations import (CONTACT_FIELDS, CONTACTS, UI, broken_entries, catalog_path, missing_folders,
                           source_messages, template_catalog, translated_languages, translator_for)

log = logging.getLogger(__name__)
RECYCLE_AFTER = 60     # jobs per worker process before it is replaced (memory stays bounded)
DEAD_GRACE_S = 3.0     # a job's worker gone this long without its result: the job is lost
FAULT_ENV = "PAMPHLET_BUILDER_FAULT"   # tests: "kill:MATERIAL/LANG" or "hang:MATERIAL/LANG"
# WeasyPrint options per variant, else per format: tagged PDF/UA handouts for
# screen readers; PDF/X-4 for print shops.
PDF_OPTIONS = {
    "shop": {"pdf_variant": "pdf/x-4"},
    "handout": {"pdf_variant": "pdf/ua-1"},
}


@dataclass
class BuildOptions:
    out: Path
    materials: list[str] = field(default_factory=list)   # empty = all
    langs: list[str] = field(default_factory=list)       # empty = all with translations
    final: bool = False
    paper: str = "letter"
    allow_fallback: bool = False
    target: str = "office"            # office | shop
    variants: list[str] = field(default_factory=list)    # empty = every one that applies
    sheets: bool = True               # card sheets (office target)
    printer: str = "default"          # calibration offsets for card sheets
    fold_marks: bool = False          # tri-fold fold marks in the margin
    jobs: int = 0                     # worker processes; 0 = one per core
    catalog: bool = True              # write index.html and thumbnails
    keep_html: bool = False           # also write the HTML of each office print (preview)
    pdfx: str = "x-4"                 # print shops: PDF/X-4, or x-1a for older workflows
    force: bool = False               # rebuild even what is up to date
    job_timeout: float = 600.0        # seconds: a job that takes longer is stopped and reported
    max_age_months: int = 12          # --final: contacts confirmed longer ago are refused


@dataclass
class Result:
    material: str
    lang: str
    path: str                      # relative to the output folder
    error: BuildError | None = None
    entry: dict | None = None
    reused: bool = False           # up to date: its key matched, nothing was rendered
    stale: str | None = None       # not rebuilt, and why: its previous file is out of date


@dataclass
class BuildReport:
    results: list[Result] = field(default_factory=list)
    config_errors: list[BuildError] = field(default_factory=list)
    catalog: Path | None = None
    unchanged: int = 0             # outputs with the same bytes as before
    removed: list[str] = field(default_factory=list)   # outputs of retired content, deleted
    notes: list[str] = field(default_factory=list)     # what a person should know about this build

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
    for code in missing_folders(project):       # listed, never silently skipped
        errors.append(ContentError(
            f"language '{code}' is listed but has no translations/{code}/ folder",
            project.content_dir / "languages.yaml",
            hint=f"run `python make_pamphlets.py translations new {code}`, or remove it from "
                 "languages.yaml"))
    available = translated_languages(project)
    bad_langs = [code for code in options.langs if code not in available]
    if bad_langs:
        errors.append(ContentError(f"no translations for language(s): {', '.join(bad_langs)}",
                                   hint=f"languages: {', '.join(available)}; add one with "
                                        "`python make_pamphlets.py translations new CODE`"))
    bad_variants = [v for v in options.variants if v not in VARIANTS or v == "shop"]
    if bad_variants:
        errors.append(ContentError(f"unknown variant(s): {', '.join(bad_variants)}",
                                   hint="variants: standard, photocopy, large-print, flyer; "
                                        "for a print shop use --target shop"))
    materials = [project.materials[m] for m in (options.materials or project.materials)
                 if m in project.materials]
    languages = [project.languages[c] for c in (options.langs or available) if c in available]
    return materials, languages, errors


def variants_for(material: Material, options: BuildOptions) -> list[Variant]:
    """The variants built for a material: the shop file alone for a print
    shop; otherwise the office print and every variant that applies."""
    if material.format is None:
        return [VARIANTS["standard"]]
    if options.target == "shop":
        return [VARIANTS["shop"]]
    names = options.variants or [n for n in VARIANTS if n not in ("shop", "flyer")] + (
        ["flyer"] if material.flyer else [])
    return [VARIANTS[n] for n in names if material.format.name in VARIANTS[n].formats
            and (n != "flyer" or material.flyer)]


def output_path(material_id: str, lang: str, variant: Variant) -> str:
    return f"{lang}/{material_id}{variant.suffix}.pdf"


def build(project: Project, options: BuildOptions,
          progress: Callable[[str], None] = lambda _: None) -> BuildReport:
    """Build the chosen materials in the chosen languages, then the card
    sheets; never raises for a user's mistake: every problem is reported."""
    report = BuildReport()
    materials, languages, report.config_errors = plan(project, options)
    if report.config_errors:
        return report
    try:
        with locked(options.out):
            return _build(project, options, progress, report)
    except BuildError as exc:          # the output folder is taken
        report.config_errors.append(exc)
    except OSError as exc:             # the manifest or catalog cannot be written: a full disk
        report.config_errors.append(BuildError(
            f"cannot write to the output folder: {exc.strerror or exc}", exc.filename or options.out,
            hint="free some disk space or fix the folder's permissions, then build again; "
                 "files written before this are intact"))
    return report


def _build(project: Project, options: BuildOptions, progress: Callable[[str], None],
           report: BuildReport) -> BuildReport:
    started = time.monotonic()
    previous = read_manifest(options.out)
    if previous is None:
        # A damaged manifest is no manifest; and the new one must not shrink
        # to this build's scope, so every output is checked again.
        report.notes.append("output/manifest.json was damaged: every file was checked again")
        options = replace(options, materials=[], langs=[])
        previous = {}
    if options.force:
        previous = {}
    materials, languages, _ = plan(project, options)
    fingerprints = InputFingerprints(project, options)
    jobs = [(m, lang) for m in materials for lang in languages]
    done: dict[tuple[str, str], list[Result]] = {}
    # 1. Jobs whose input files are unchanged: nothing to read or render.
    # Jobs with no earlier output at all: nothing to compare, render them.
    # The rest: render their HTML first; an output whose HTML is unchanged is
    # still reused (a comment, another language's entry, another variant's style).
    to_plan, to_render = [], []
    for material, lang in jobs:
        job = (material.id, lang.code)
        reused = _unchanged(material, lang, options, previous, fingerprints)
        if reused is not None:
            done[job] = reused
        elif any(output_path(*job, v) in previous for v in variants_for(material, options)):
            to_plan.append(job)
        else:
            to_render.append(job)
    workers = min(options.jobs or os.cpu_count() or 1, len(to_render) + len(to_plan))
    with Renderers(project, options, previous, progress, workers) as renderers:
        renderers.submit(to_render)          # workers start while the rest is planned
        if to_plan:
            renderers.load_here()
            for job in to_plan:
                planned = _build_job(*job, options, _previous_for(previous, *job), plan_only=True)
                if planned is None:
                    to_render.append(job)
                    renderers.submit([job])
                else:
                    done[job] = planned
        for results in done.values():
            for result in results:
                progress(result.path)
        log.info("planned in %.2f s: %d of %d jobs to render", time.monotonic() - started,
                 len(to_render), len(jobs))
        done.update(renderers.results())
    log.info("documents done at %.2f s", time.monotonic() - started)
    for (material_id, code), results in done.items():
        for result in results:
            if result.entry and not result.error:
                result.entry = {**result.entry, "inputs": fingerprints.of(material_id, code)}
    report.results += [r for m, lang in jobs for r in done[(m.id, lang.code)]]
    if options.sheets and options.target == "office":
        from . import impose
        report.results += impose.build_sheets(project, options, report, previous, progress,
                                              _card_problems(project, report, previous, fingerprints))
        log.info("sheets done at %.2f s", time.monotonic() - started)
    if not options.catalog:
        _write_manifest(project, options, report, None)
        return report
    from . import catalog
    manifest = _write_manifest(project, options, report,
                               catalog.manifest_fields(project, options.out))
    report.catalog = catalog.write_catalog(project, options.out, manifest)
    log.info("catalog done at %.2f s", time.monotonic() - started)
    return report


def _card_problems(project: Project, report: BuildReport, previous: dict[str, dict],
                   fingerprints: InputFingerprints) -> Callable[[str], str | None]:
    """Why a card on disk may not go on a sheet (None when it is current):
    a sheet never mixes a card that failed, or is out of date, with new ones.
    A card of this build that failed starts with "it failed"."""
    built = {r.path: r for r in report.results}

    def problem(path: str) -> str | None:
        if path in built:
            error = built[path].error
            return f"it failed to rebuild ({error.message.splitlines()[0]})" if error else None
        entry = previous.get(path)
        if entry is None:
            return "it has not been built"
        if entry.get("out_of_date"):
            return "its last build failed"
        if entry.get("material") not in project.materials or entry.get("lang") not in project.languages:
            return "its material or language no longer exists"
        if entry.get("inputs") != fingerprints.of(entry["material"], entry["lang"]):
            return (f"it is out of date (build it with --material {entry['material']} "
                    f"--lang {entry['lang']})")
        return None
    return problem


class InputFingerprints:
    """What each job (one material in one language) is made from, hashed:
    the environment (builder, libraries, fonts), templates/, styles/, the
    registry files of pamphlets/, the options, the material's folder and the
    language's catalogs. Each part is hashed once per build."""

    def __init__(self, project: Project, options: BuildOptions):
        root = project.root
        shared = [root / "templates", root / "styles"] + sorted(project.content_dir.glob("*.yaml"))
        settings = {k: v for k, v in asdict(options).items()
                    if k not in ("out", "materials", "langs", "jobs", "catalog", "force", "sheets",
                                 "printer", "variants", "job_timeout")}
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


def _unchanged(material: Material, lang: Language, options: BuildOptions,
               previous: dict[str, dict], fingerprints: InputFingerprints) -> list[Result] | None:
    """The job's previous results, when its inputs are the same and every
    output is intact; None when it must be planned."""
    inputs = fingerprints.of(material.id, lang.code)
    results = []
    for variant in variants_for(material, options):
        rel = output_path(material.id, lang.code, variant)
        entry = previous.get(rel)
        if not is_up_to_date(entry, inputs, options.out / rel, field="inputs"):
            return None
        results.append(Result(material.id, lang.code, rel, entry=entry, reused=True))
    return results


# --- Worker processes: each loads the project, templates and fonts once ----

_worker: dict = {}


def _worker_start(root: Path, project: Project | None = None) -> None:
    from .render import make_environment
    project = project or load_project(root)
    _worker.update(project=project, env=make_environment(project.root), templates={
        domain: template_catalog(domain, messages)
        for domain, messages in source_messages(project).items()})


def _pool_worker_start(root: Path, started) -> None:
    """A worker process: the project, templates and WeasyPrint loaded once,
    then frozen out of the garbage collector's sight, so the collection
    after each document (which frees WeasyPrint's font buffers: 80 MB for a
    CJK document) costs milliseconds instead of a tenth of a second.
    `started` tells the build which worker holds which job."""
    _worker["started"] = started
    try:
        _worker_start(root)
    except Exception as exc:     # a crashing initializer would be restarted forever: fail jobs
        _worker["broken"] = as_build_error(exc, "starting a worker")
        return
    from . import pdf    # noqa: F401  (WeasyPrint, imported before the freeze)
    _worker["release_each"] = True
    gc.freeze()


def _build_job(material_id: str, code: str, options: BuildOptions, previous: dict[str, dict],
               progress: Callable[[str], None] = lambda _: None,
               plan_only: bool = False) -> list[Result] | None:
    """Build one material in one language; with plan_only, None if anything
    would have to be rendered (the results if it is all up to date or failed)."""
    project = _worker["project"]
    try:
        return build_material(project, project.materials[material_id], project.languages[code],
                              options, _worker["templates"], _worker["env"], previous, progress,
                              plan_only)
    except _NeedsRendering:
        return None


class _NeedsRendering(Exception):
    """Planning found an output whose inputs changed."""


def _build_pool_job(job) -> tuple[tuple[str, str], list[Result]]:
    (material_id, code), options, previous = job
    _worker["started"].put(((material_id, code), os.getpid(), time.monotonic()))
    if "broken" in _worker:
        return (material_id, code), [Result(material_id, code, f"{code}/{material_id}.pdf",
                                            _worker["broken"])]
    fault = os.environ.get(FAULT_ENV, "")          # fault injection, for the tests only
    if fault in (f"kill:{material_id}/{code}", f"hang:{material_id}/{code}"):
        signal.pause() if fault.startswith("hang") else os.kill(os.getpid(), signal.SIGKILL)
    return (material_id, code), _build_job(material_id, code, options, previous)


def _release_memory() -> None:
    """Give freed memory back to the system. Writing a CJK document reads
    two 20 MB font collections into memory (WeasyPrint subsets from the whole
    file) and keeps them in reference cycles: without a collection and a
    trim, a worker holds 250-340 MB instead of about 200."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)      # glibc (Debian, Ubuntu)
    except (OSError, AttributeError):
        pass


def _previous_for(previous: dict[str, dict], material_id: str, code: str) -> dict[str, dict]:
    return {path: e for path, e in previous.items()
            if e.get("material") == material_id and e.get("lang") == code}


class Renderers:
    """Where stale jobs are rendered: here, or in a pool of worker processes
    when there is enough work to pay for starting them (about a second each:
    WeasyPrint, fonts). Results are collected in job order whatever the order
    they finish in, so the manifest never depends on timing. Workers are
    replaced after RECYCLE_AFTER jobs: WeasyPrint's memory grows across many
    documents in one process. (multiprocessing.Pool, because
    ProcessPoolExecutor's max_tasks_per_child can deadlock on Python 3.11.)"""

    def __init__(self, project: Project, options: BuildOptions, previous: dict[str, dict],
                 progress: Callable[[str], None], workers: int):
        self.project, self.options, self.previous, self.progress = project, options, previous, progress
        self.workers = workers
        self.pool = None
        self.pending: list = []         # (job, its result to come from a worker)
        self.queued: list = []          # jobs not sent to a worker
        self.loaded_here = False
        self.started = multiprocessing.get_context("spawn").SimpleQueue()
        self.lost_jobs = False          # a job whose result will never come: terminate the pool
        self.dead: dict[tuple[str, str], float] = {}   # job -> when its worker was seen gone

    def _lost(self, job: tuple[str, str], pid: int, since: float) -> list[Result] | None:
        """Failed results for a job whose worker died or ran too long
        (stopped here); None while it is still working."""
        alive = {p.pid for p in self.pool._pool if p.is_alive()} if self.pool else set()
        if pid in alive and time.monotonic() - since < self.options.job_timeout:
            return None
        if pid not in alive:
            # A worker recycled after its last job exits just after sending its result:
            # give the result a moment to arrive before calling the job lost.
            first_seen = self.dead.setdefault(job, time.monotonic())
            if time.monotonic() - first_seen < DEAD_GRACE_S:
                return None
            why = "the worker building it stopped (killed, perhaps because memory ran out)"
        else:
            os.kill(pid, signal.SIGKILL)    # the pool starts a new worker in its place
            why = f"it ran for more than {self.options.job_timeout:.0f} s and was stopped"
        material = self.project.materials[job[0]]
        return [Result(job[0], job[1], output_path(*job, v),
                       RenderError(f"[{job[1]}] not built: {why}", material.folder,
                                   hint="build it again; if it happens again, build it alone "
                                        "with --material and --lang, and report it"))
                for v in variants_for(material, self.options)]

    def load_here(self) -> None:
        """Templates and catalogs in this process, for planning or rendering."""
        if not self.loaded_here:
            _worker_start(self.project.root, self.project)
            self.loaded_here = True

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            self.pool.terminate() if exc[0] or self.lost_jobs else self.pool.close()
            self.pool.join()

    def submit(self, jobs: list[tuple[str, str]]) -> None:
        """Queue jobs; from the second one on, they go to worker processes
        (one job alone is cheaper here than starting a worker)."""
        self.queued += jobs
        if self.pool is None and self.workers > 1 and len(self.queued) > 1:
            self.pool = multiprocessing.get_context("spawn").Pool(
                self.workers, initializer=_pool_worker_start,
                initargs=(self.project.root, self.started), maxtasksperchild=RECYCLE_AFTER)
        if self.pool is not None:
            for job in self.queued:
                work = (job, self.options, _previous_for(self.previous, *job))
                self.pending.append((job, self.pool.apply_async(_build_pool_job, (work,))))
            self.queued = []

    def results(self) -> dict[tuple[str, str], list[Result]]:
        done = {}
        holders: dict[tuple[str, str], tuple[int, float]] = {}   # job -> (worker pid, since)
        waiting = dict(self.pending)
        while waiting:
            while not self.started.empty():
                job, pid, since = self.started.get()
                holders[job] = (pid, since)
            for job, handle in list(waiting.items()):
                if handle.ready():
                    done[job] = handle.get()[1]
                elif job in holders:
                    lost = self._lost(job, *holders[job])
                    if lost is None:
                        continue
                    done[job] = lost
                    self.lost_jobs = True
                else:
                    continue
                del waiting[job]
                for result in done[job]:
                    self.progress(result.path)
            if waiting:
                next(iter(waiting.values())).wait(0.2)
        if self.queued:
            self.load_here()
        for job in self.queued:
            done[job] = _build_job(*job, self.options, _previous_for(self.previous, *job),
                                   progress=self.progress)
        return done


def build_material(project: Project, material: Material, lang: Language,
                   options: BuildOptions, templates: dict[str, Catalog], env,
                   previous: dict[str, dict], progress: Callable[[str], None],
                   plan_only: bool = False) -> list[Result]:
    """Every variant of one material in one language; failures recorded."""
    results = []
    variants = variants_for(material, options)
    try:
        if material.errors:
            raise material.errors[0] if len(material.errors) == 1 else _many(material)
        translate = prepare_translation(project, material, lang, options, templates)
    except _NeedsRendering:
        raise
    except Exception as exc:        # the job boundary: this job fails, the build goes on
        error = as_build_error(exc, f"preparing {material.id} in {lang.code}")
        error.path = error.path or material.folder
        # Every output of the job fails: those planned and those built before
        # (a material whose metadata is broken has no variants to plan).
        paths = [output_path(material.id, lang.code, v) for v in variants]
        paths += [p for p, e in previous.items() if e.get("kind") == "document" and p not in paths]
        return [Result(material.id, lang.code, path, error) for path in paths]
    for variant in variants:
        rel = output_path(material.id, lang.code, variant)
        progress(rel)
        result = Result(material.id, lang.code, rel)
        try:
            result.entry = render_variant(project, material, lang, variant, translate, options,
                                          env, previous.get(rel), plan_only)
            result.reused = result.entry is previous.get(rel)
        except _NeedsRendering:
            raise
        except Exception as exc:    # the job boundary, per output
            result.error = as_build_error(exc, f"building {rel}")
            result.error.path = result.error.path or material.folder
        results.append(result)
        if _worker.get("release_each"):
            _release_memory()
    return results


def _many(material: Material) -> BuildError:
    return ContentError(f"{len(material.errors)} problems in this material:\n" +
                        "\n".join("  " + e.format() for e in material.errors), material.folder)


def prepare_translation(project: Project, material: Material, lang: Language,
                        options: BuildOptions, templates: dict[str, Catalog]):
    """The language's Translator, after the checks that stop every variant:
    missing entries (without --allow-fallback) and, with --final, drafts."""
    translate = translator_for(project, lang.code, [UI, CONTACTS, material.id], templates)
    _refuse_broken_entries(project, material, lang, translate)
    for message in templates[UI]:             # every UI word counts toward draft state
        if message.id:
            translate(UI, message.context, message.id)
    for domain in (CONTACTS, material.id):    # so does all of the material's own text
        for message in templates[domain]:
            if message.id and (domain == material.id or message.context.split(".")[0]
                               in material.contact_ids()):
                translate(domain, message.context, message.id)
    if translate.missing and not options.allow_fallback:
        # The material's own text first: it is what a translator works on.
        ordered = sorted(translate.missing, key=lambda m: (not m.startswith(material.id + ":"),
                                                           m.startswith(UI + ":")))
        shown = "\n".join(f"      {m}" for m in ordered[:8])
        more = f"\n      ... and {len(translate.missing) - 8} more" if len(translate.missing) > 8 else ""
        raise ContentError(f"{len(translate.missing)} entries have no {lang.code} translation:\n"
                           f"{shown}{more}", catalog_path(project, lang.code, material.id),
                           hint="translate them, or build with --allow-fallback to print English there")
    if options.final:
        _refuse_unfinished(project, material, lang, translate, options)
    return translate


def _refuse_broken_entries(project: Project, material: Material, lang: Language,
                           translate) -> None:
    """Every entry this material prints, held to the translation rules before
    anything renders: a broken one fails this language's material, by name."""
    if lang.code == SOURCE_LANG:
        return
    printed_contacts = {f"{cid}.{fld}" for cid in material.contact_ids() for fld in CONTACT_FIELDS}
    broken = []
    for domain, only in ((material.id, None), (CONTACTS, printed_contacts), (UI, None)):
        broken += broken_entries(project, lang.code, domain, translate.catalogs[domain], only)
    if len(broken) == 1:
        raise broken[0]
    if broken:
        raise ContentError(f"{len(broken)} {lang.code} entries break the translation rules:\n" +
                           "\n".join("  " + e.format(project.root) for e in broken),
                           catalog_path(project, lang.code, material.id),
                           hint="fix each msgstr named above, then build again")


def render_variant(project: Project, material: Material, lang: Language, variant: Variant,
                   translate, options: BuildOptions, env, previous: dict | None = None,
                   plan_only: bool = False) -> dict:
    """Render one variant; write its PDF; return its manifest entry. When the
    previous entry has the same key and its file is intact, return it as is."""
    from .render import document_view, render_html
    fmt = material.format
    assert fmt is not None
    view = document_view(project, material, lang, translate, options.paper, variant)
    view.draft = translate.draft
    view.fold_marks = options.fold_marks
    view.final = options.final
    theme = (project.root / "styles" / "theme.css").read_text(encoding="utf-8")

    def make_html(scale: float) -> str:
        view.fit_scale = scale
        return render_html(env, material.template, view, translate)

    rel = output_path(material.id, lang.code, variant)
    key = output_key(project, make_html(1.0), view, lang, variant, options)
    if is_up_to_date(previous, key, options.out / rel):
        return previous
    if plan_only:
        raise _NeedsRendering(rel)
    from . import impose
    from .pdf import render_fitting, to_pdf, unreadable_numbers   # WeasyPrint: only when rendering
    try:
        fonts.check_coverage(fonts.visible_text(make_html(1.0)), lang)
    except BuildError as exc:
        exc.path = exc.path or project.content_dir / "languages.yaml"
        raise
    limits = replace(fmt, max_pages=variant.max_pages or fmt.max_pages)
    try:
        document, scale = render_fitting(make_html, limits, project.root,
                                         fmt.min_scale(theme) if variant.shrink else 1.0)
    except RenderError as exc:
        exc.message = f"[{lang.code}{'' if variant.name == 'standard' else ', ' + variant.name}] " \
                      f"{exc.message}"
        exc.path = material.text_path if lang.code == SOURCE_LANG else \
            catalog_path(project, lang.code, material.id)
        raise
    hidden = unreadable_numbers(document)
    if hidden:
        raise RenderError("a number or address would not be readable on the page: " +
                          "; ".join(hidden), options.out / rel,
                          hint="a stylesheet or template hides part of it (width with "
                               "overflow: hidden, text-overflow, opacity, color): show it whole")
    pdf_options = PDF_OPTIONS.get(variant.name, PDF_OPTIONS.get(fmt.name, {}))
    if variant.name == "shop":
        pdf_options = {"pdf_variant": f"pdf/{options.pdfx}"}
    pdf = to_pdf(document, **pdf_options)
    data = impose.add_slug_and_marks(pdf.data) if variant.name == "shop" else pdf.data
    if variant.name == "flyer":
        data = impose.two_up(data)
    qr = [{"page": pdf.anchors.get(f"qr-{code.contact_id}-{code.action}"), "target": code.target,
           "contact": code.contact_id, "modules": code.modules}
          for part in view.parts.values() for code in part.qr]
    try:
        printed = audit.audit_pdf(
            data, audit.allowed_for([project.contacts[c] for c in material.contact_ids()]),
            [audit.QRTarget(q["page"] or 0, q["target"]) for q in qr])
    except RenderError as exc:
        exc.path = options.out / rel
        raise
    write_output(options.out, rel, data)
    if options.keep_html and variant.name == "standard":
        write_output(options.out, f"{lang.code}/{material.id}.html", make_html(scale).encode("utf-8"))
    entry = {
        "path": rel, "kind": "document", "material": material.id, "lang": lang.code,
        "format": fmt.name, "variant": variant.name, "title": view.title_plain,
        "revision": view.revision_iso, "pages": pdf.pages, "page_size_pt": list(pdf.page_size_pt),
        "paper": (variant.paper or options.paper) if fmt.fixed_size_pt is None else None,
        "fit_scale": scale, "qr": qr, "printed": printed,
        "unverified": [c.id for c in view.unverified],
        "draft": view.draft, "fallback": list(translate.missing),
        "stale": list(translate.stale), "final": options.final,
        "sha256": hashlib.sha256(data).hexdigest(), "builder": __version__, "key": key,
    }
    if variant.name == "shop":
        entry["pdf_variant"] = f"PDF/{options.pdfx.upper()}"
        entry["output_intent"] = view.color_profile     # None: no CMYK profile given
        entry["trim_size_pt"] = list(pdf.page_size_pt)
        entry["bleed_pt"] = BLEED_PT
        entry["page_size_pt"] = [round(v + 2 * (BLEED_PT + impose.SLUG_PT), 3) for v in pdf.page_size_pt]
    if variant.name == "flyer":
        entry["imposed"] = "2-up on letter landscape"
        entry["page_size_pt"] = list(PAPER_PT["letter"][::-1])
    if options.catalog and variant.name == "standard":
        from .catalog import thumbnails    # here, in the workers, rather than all at the end
        entry["thumbs"] = thumbnails(options.out, entry)
    return entry


def output_key(project: Project, html: str, view, lang: Language, variant: Variant,
               options: BuildOptions) -> str:
    """A hash of everything a document depends on: its HTML (content,
    translations, contacts, templates, QR codes), the stylesheets and the
    theme, the CMYK profile, the font files, the options that act after the
    HTML, and the versions of this builder and of WeasyPrint."""
    digest = hashlib.sha256()
    for part in (environment_digest(), html, variant.name, options.pdfx,
                 str(options.final), str(options.allow_fallback)):
        digest.update(part.encode("utf-8") + b"\0")
    for href in view.stylesheets + ([view.color_profile] if view.color_profile else []):
        digest.update(href.encode() + b"\0" + (project.root / href).read_bytes())
    for family in lang.fonts:
        found = fonts.resolve(family)
        if found:
            stat = found[0].stat()
            digest.update(f"{family}:{found[0]}:{found[1]}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def _refuse_unfinished(project: Project, material: Material, lang: Language, translate,
                       options: BuildOptions) -> None:
    """--final prints only what named people checked: confirmed, recent
    contacts, reviewed health content and reviewed translations."""
    reasons = []
    contacts = [project.contacts[cid] for cid in material.contact_ids()]
    unverified = [c.id for c in contacts if c.verified is None]
    if unverified:
        reasons.append("it prints unverified contact(s) " + ", ".join(unverified) +
                       " (confirm them and set `verified` in pamphlets/contacts.yaml)")
    today = dt.date.today()
    old = [f"{c.id} ({c.verified})" for c in contacts
           if c.verified is not None and (c.months_since_verified(today) or 0) > options.max_age_months]
    if old:
        reasons.append(f"contact(s) last confirmed more than {options.max_age_months} months ago: "
                       + ", ".join(old) + " (confirm them again and update `verified`)")
    if material.content_review is None:
        reasons.append("its health content is " + ("changed since its last review" if material.reviews
                                                   else "not reviewed by a clinician") +
                       f" (`content review {material.id} --by NAME --role ROLE`)")
    if translate.stale or translate.missing:
        reasons.append(f"its {lang.code} translation has {len(translate.stale)} stale and "
                       f"{len(translate.missing)} missing entries")
    elif translate.unreviewed:
        reasons.append(f"its {lang.code} translation has {translate.unreviewed} unreviewed "
                       "entries (a reviewer records the review: see README, Translators)")
    if reasons:
        raise ContentError("--final refuses this material: " + "; ".join(reasons),
                           material.folder)


def _write_manifest(project: Project, options: BuildOptions, report: BuildReport,
                    catalog_fields: Callable[[list[dict]], str] | None) -> dict:
    """The manifest with this build's entries (and the catalog's key, when
    there is a catalog), without the outputs the project no longer makes;
    counts the outputs rebuilt with the same bytes."""
    out = options.out
    before = read_manifest(out) or {}
    entries = [r.entry for r in report.results if r.entry]
    report.unchanged = sum(1 for r in report.results if r.entry and not r.reused
                           and before.get(r.path, {}).get("sha256") == r.entry["sha256"])
    out_of_date = {r.path: r.error.message.splitlines()[0] for r in report.failed if r.error}
    out_of_date.update((r.path, r.stale) for r in report.results if r.stale)
    manifest, report.removed = write_manifest(out, entries, out_of_date,
                                              [r.path for r in report.failed],
                                              _still_made(project), catalog_fields)
    return manifest


def _still_made(project: Project) -> Callable[[str], bool]:
    """Whether the project still makes an output: false for the files of a
    retired material, language, variant or sheet."""
    from . import impose
    langs = translated_languages(project)
    documents = {output_path(m.id, code, v) for m in project.materials.values() for code in langs
                 for v in VARIANTS.values()
                 if m.format is None or (m.format.name in v.formats and (v.name != "flyer" or m.flyer))}
    sheets, mixes_known = impose.sheet_paths(project, langs)
    return lambda path: path in documents or path in sheets or (
        not mixes_known and path.startswith("sheets/"))
