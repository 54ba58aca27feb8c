"""The build, stage by stage: plan the request, build the documents (policy,
HTML, fit, PDF, audit: documents.py, scheduled by schedule.py), impose the
card sheets, write the manifest, write the catalog.

A failed output is recorded and the build goes on; its previous file stays
untouched and is marked out of date. `build` never raises for a user's
mistake: every problem is in the report.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Callable

from . import catalog, plan, schedule, sheets
from .content import Project
from .errors import BuildError
from .fingerprints import InputFingerprints
from .model import BuildOptions, BuildReport, Manifest, OutputEntry
from .outputs import locked, read_manifest, write_manifest

log = logging.getLogger(__name__)


def build(project: Project, options: BuildOptions,
          progress: Callable[[str], None] = lambda _: None) -> BuildReport:
    """Build the chosen materials in the chosen languages, then the card
    sheets, the manifest and the catalog."""
    report = BuildReport()
    _, _, report.config_errors = plan.plan(project, options)
    if report.config_errors:
        return report
    try:
        with locked(options.out):
            _build(project, options, progress, report)
    except BuildError as exc:          # the output folder is taken
        report.config_errors.append(exc)
    except OSError as exc:             # the manifest or catalog cannot be written: a full disk
        report.config_errors.append(BuildError(
            f"cannot write to the output folder: {exc.strerror or exc}", exc.filename or options.out,
            hint="free some disk space or fix the folder's permissions, then build again; "
                 "files written before this are intact"))
    return report


def _build(project: Project, options: BuildOptions, progress: Callable[[str], None],
           report: BuildReport) -> None:
    started = time.monotonic()
    on_disk = read_manifest(options.out)        # read once: only this build writes it, at the end
    previous, options = _previous_outputs(on_disk, options, report)
    materials, languages, _ = plan.plan(project, options)
    fingerprints = InputFingerprints(project, options)

    documents = schedule.build_documents(project, options, plan.jobs(materials, languages),
                                         previous, fingerprints, progress)
    report.results += documents
    report.notes += _longer_than_english(documents)
    log.info("documents done at %.2f s", time.monotonic() - started)

    if options.sheets and plan.target(options).sheets:
        report.results += sheets.build_sheets(project, options, documents, previous, fingerprints,
                                              progress)
        log.info("sheets done at %.2f s", time.monotonic() - started)

    manifest = _write_manifest(project, options, report, on_disk or {})
    if options.catalog:
        report.catalog = catalog.write_catalog(project, options.out, manifest)
        log.info("catalog done at %.2f s", time.monotonic() - started)


def _longer_than_english(results: list) -> list[str]:
    """Which translated handouts take more pages than their English even at
    their smallest type (documents.py fitted the others to it)."""
    longer = [r.entry for r in results if r.entry and r.entry.get("english_pages")
              and r.entry["pages"] > r.entry["english_pages"]]
    if not longer:
        return []
    return [f"{len(longer)} handout(s) take more pages than their English even at the smallest "
            "type: " + ", ".join(f"{e['path']} ({e['pages']} pages, English {e['english_pages']})"
                                 for e in longer)]


def _previous_outputs(previous: dict[str, OutputEntry] | None, options: BuildOptions,
                      report: BuildReport) -> tuple[dict[str, OutputEntry], BuildOptions]:
    """The previous build's entries by path, and the options to build with.
    A damaged manifest is no manifest; and the new one must not shrink to
    this build's scope, so every output is checked again."""
    if previous is None:
        report.notes.append("output/manifest.json was damaged: every file was checked again")
        return {}, replace(options, materials=[], langs=[])
    return ({} if options.force else previous), options


def _write_manifest(project: Project, options: BuildOptions, report: BuildReport,
                    before: dict[str, OutputEntry]) -> Manifest:
    """The manifest with this build's entries (and the catalog's key, when
    there is a catalog), without the outputs the project no longer makes;
    counts the outputs rebuilt with the same bytes."""
    entries = [r.entry for r in report.results if r.entry]
    report.unchanged = sum(1 for r in report.results if r.entry and not r.reused
                           and before.get(r.path, {}).get("sha256") == r.entry.get("sha256"))
    out_of_date = {r.path: r.error.message.splitlines()[0] for r in report.failed if r.error}
    out_of_date.update((r.path, r.stale) for r in report.results if r.stale)
    manifest, report.removed = write_manifest(
        options.out, before, entries, out_of_date, [r.path for r in report.failed], plan.still_made(project),
        catalog.manifest_fields(project, options.out) if options.catalog else None)
    return manifest
