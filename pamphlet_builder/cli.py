"""The command line: `python make_pamphlets.py COMMAND`.

Exit status: 0 all good; 1 some outputs failed (the rest were built) or
`--strict` found problems; 2 usage or configuration error. A user's mistake
is a message naming the file and what to do, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
import traceback
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import checks, paths, spreadsheet, translations as tr
from .build import build
from .content import Project, load_project
from .doctor import check_machine
from .documents import variants_for
from .errors import BuildError
from .formats import FORMATS
from .model import BuildOptions, BuildReport, documents, sheets, web_pages
from .outputs import write_output
from .plan import plan
from .reviews import record_review
from .variants import OFFICE_VARIANTS, TARGETS


def default_root() -> Path:
    """The project: the checkout this package is in (make_pamphlets.py, an
    editable install), else the folder or a parent of it that has
    pamphlets/ and templates/ (the `pamphlets` command run in a project)."""
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "pamphlets").is_dir():
        return checkout
    here = Path.cwd()
    return next((d for d in (here, *here.parents)
                 if (d / "pamphlets").is_dir() and (d / "templates").is_dir()), here)


ROOT = default_root()
# Piped output (a log file, CI) gets wide lines instead of clipped table cells.
out = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.ERROR,
                        format="%(levelname)s %(name)s: %(message)s")
    if not args.verbose:   # WeasyPrint's own warnings are ours to report
        logging.getLogger("weasyprint").setLevel(logging.CRITICAL)
    # The command line's boundary: a user's mistake is a message and exit 2;
    # anything else is "internal error" and exit 3, its traceback in the log.
    try:
        return args.func(args)
    except BuildError as exc:
        err.print(f"[bold red]error:[/] {escape(exc.format(ROOT))}", highlight=False)
        return 2
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130
    except Exception as exc:
        log_path = write_log(args.root / "output", [traceback.format_exc()])
        err.print(f"[bold red]internal error[/] while running `{args.command}`: "
                  f"{escape(type(exc).__name__)}: {escape(str(exc))}\n    -> the details are in "
                  f"{log_path or 'the traceback below'}; please report it", highlight=False)
        if log_path is None or args.verbose:
            err.print(escape(traceback.format_exc()), highlight=False)
        return 3


def write_log(out: Path, sections: list[str]) -> Path | None:
    """output/build.log with the given sections; None if it cannot be written."""
    text = f"{time.strftime('%Y-%m-%d %H:%M:%S')}\n\n" + "\n\n".join(sections) + "\n"
    try:
        write_output(out, paths.BUILD_LOG, text.encode("utf-8"))
        return out / paths.BUILD_LOG
    except (OSError, BuildError):
        return None


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=Path(sys.argv[0]).name or "pamphlets",
                                description="Build HEP's print materials from pamphlets/.")
    p.add_argument("-v", "--verbose", action="store_true", help="show what each stage does")
    p.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="build PDFs (all materials, all languages by default)")
    b.add_argument("--out", type=Path, default=None, help="output folder (default: output/)")
    b.add_argument("--material", action="append", default=[], metavar="ID",
                   help="build only this material (repeatable)")
    b.add_argument("--lang", action="append", default=[], metavar="CODE",
                   help="build only this language (repeatable)")
    b.add_argument("--final", action="store_true",
                   help="refuse materials with unverified contacts or unreviewed translations")
    b.add_argument("--max-age", type=int, default=12, metavar="MONTHS", dest="max_age",
                   help="with --final: refuse contacts confirmed longer ago (default 12)")
    b.add_argument("--paper", choices=("letter", "a4"), default="letter",
                   help="paper for handouts and tri-folds (default: letter)")
    b.add_argument("--allow-fallback", action="store_true",
                   help="print English where a translation is missing (marked as draft)")
    b.add_argument("--target", choices=tuple(TARGETS), default="office",
                   help="office (default): office printer files, variants and card sheets; "
                        "shop: print-shop files with bleed, crop marks, PDF/X-4, CMYK")
    b.add_argument("--pdfx", choices=("x-4", "x-1a"), default="x-4",
                   help="with --target shop: PDF/X-4 (default) or X-1a for older workflows")
    b.add_argument("--variant", action="append", default=[], dest="variants",
                   choices=tuple(OFFICE_VARIANTS),
                   help="build only this variant (repeatable; default: all that apply)")
    b.add_argument("--no-sheets", action="store_false", dest="sheets",
                   help="skip the 10-up card sheets")
    b.add_argument("--no-web", action="store_false", dest="web",
                   help="skip the web edition (output/<lang>/<material>.html)")
    b.add_argument("--no-catalog", action="store_false", dest="catalog",
                   help="skip output/index.html and its thumbnails (only the PDFs)")
    b.add_argument("--printer", default="default",
                   help="card-sheet calibration from printers.yaml (default: default)")
    b.add_argument("--fold-marks", action="store_true", help="fold marks on tri-folds")
    b.add_argument("--force", action="store_true", help="rebuild everything, even what is up to date")
    b.add_argument("--jobs", "-j", type=int, default=0, metavar="N",
                   help="documents rendered at once (default: one per core)")
    b.set_defaults(func=cmd_build)

    c = sub.add_parser("check", help="preflight: validate everything, write nothing")
    c.add_argument("--json", action="store_true", help="machine-readable report")
    c.add_argument("--final", action="store_true", help="unverified contacts and unreviewed "
                   "translations are errors")
    c.add_argument("--strict", action="store_true", help="exit 1 on warnings")
    c.add_argument("--max-age", type=int, default=12, metavar="MONTHS",
                   help="warn when a contact was confirmed longer ago (default 12)")
    c.set_defaults(func=cmd_check)

    pv = sub.add_parser("preview", help="live preview for designers, on this computer only")
    pv.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default 8000)")
    pv.set_defaults(func=cmd_preview)

    sub.add_parser("list", help="show materials, formats and languages").set_defaults(func=cmd_list)
    sub.add_parser("doctor", help="check this machine and say how to fix it").set_defaults(func=cmd_doctor)

    cr = sub.add_parser("content", help="health content sign-off by a clinician")
    crsub = cr.add_subparsers(dest="action", required=True)
    rv = crsub.add_parser("review", help="record that you reviewed a material's English health content")
    rv.add_argument("material")
    rv.add_argument("--by", required=True, metavar="NAME", help="your name")
    rv.add_argument("--role", required=True, metavar="ROLE",
                    help="your role, e.g. prescriber, nurse, pharmacist, peer reviewer")
    crsub.add_parser("status", help="which materials' health content is reviewed")
    cr.set_defaults(func=cmd_content)

    t = sub.add_parser("translations", help="translator workflow (PO catalogs)")
    tsub = t.add_subparsers(dest="action", required=True)
    tsub.add_parser("extract", help="write translations/templates/*.pot from the English")
    tsub.add_parser("update", help="merge every language with the current English")
    n = tsub.add_parser("new", help="start a language: translations/CODE/")
    n.add_argument("code")
    s = tsub.add_parser("status", help="missing, stale, draft, reviewed per language and catalog")
    s.add_argument("--lang", action="append", default=[], metavar="CODE")
    s.add_argument("--strict", action="store_true", help="exit 1 if anything is missing or stale")
    r = tsub.add_parser("review", help="record that a person reviewed a language's drafts")
    r.add_argument("code")
    r.add_argument("--by", required=True, metavar="NAME", help="the reviewer's name")
    r.add_argument("--catalog", action="append", default=[], metavar="NAME",
                   help="only this catalog (ui, contacts or a material id); repeatable")
    e = tsub.add_parser("export", help="write a spreadsheet (CSV) of a language for volunteers")
    e.add_argument("code")
    e.add_argument("--out", type=Path, help="file to write (default: output/translations-CODE.csv)")
    i = tsub.add_parser("import", help="read a filled-in spreadsheet back, with validation")
    i.add_argument("code")
    i.add_argument("file", type=Path)
    i.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    t.set_defaults(func=cmd_translations)
    return p


def load(args) -> Project:
    project = load_project(args.root)
    if project.errors:
        for error in project.errors:
            err.print(f"[bold red]error:[/] {escape(error.format(project.root))}", highlight=False)
        raise SystemExit(2)
    return project


def output_folder(path: Path) -> Path:
    """The output folder, made if needed; a BuildError if it cannot be written."""
    path = path.resolve()
    if path.exists() and not path.is_dir():
        raise BuildError(f"the output folder {path} is a file", hint="give --out a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise BuildError(f"cannot write to the output folder {path}: {exc.strerror}",
                         hint="pick another with --out, or fix its permissions or free some "
                              "disk space") from None
    return path


def cmd_build(args) -> int:
    project = load(args)
    options = BuildOptions(out=output_folder(args.out or project.root / "output"),
                           materials=args.material, langs=args.lang, final=args.final,
                           paper=args.paper, allow_fallback=args.allow_fallback,
                           target=args.target, variants=args.variants, sheets=args.sheets, web=args.web,
                           printer=args.printer, fold_marks=args.fold_marks, jobs=args.jobs,
                           pdfx=args.pdfx, force=args.force, catalog=args.catalog,
                           max_age_months=args.max_age)
    # A theme error stops everything (every material uses the theme); errors
    # in one material only fail that material, below. The rest of the
    # preflight runs beside the build and its warnings are shown at the end.
    fatal = checks.theme_errors(project)
    if fatal:
        show_findings(fatal)
        return 2
    preflight = checks.start_preflight(project, final=args.final)
    started = time.monotonic()
    report = build_with_progress(project, options)
    waited = time.monotonic()
    warnings = [f for f in preflight() if f.level == "warning"]
    logging.getLogger(__name__).info("preflight waited for: %.2f s", time.monotonic() - waited)
    show_problems(project, options, report, args.verbose)
    show_summary(report, warnings, time.monotonic() - started)
    return report.exit_code


def build_with_progress(project: Project, options: BuildOptions) -> BuildReport:
    materials, languages, _ = plan(project, options)
    total = sum(len(variants_for(m, options)) for m in materials) * len(languages)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, transient=True,
                  disable=not err.is_terminal) as progress:
        task = progress.add_task("building", total=total)

        def step(name: str) -> None:
            progress.update(task, description=f"rendering {name}")
            progress.advance(task)

        return build(project, options, step)


def show_problems(project: Project, options: BuildOptions, report: BuildReport,
                  verbose: bool) -> None:
    """Errors, failed and out-of-date outputs; the details of each failure in build.log."""
    for error in report.config_errors:
        err.print(f"[bold red]error:[/] {escape(error.format(project.root))}", highlight=False)
    for result in report.failed:
        assert result.error is not None
        err.print(f"[bold red]failed[/] {result.path}: {escape(result.error.format(project.root))}",
                  highlight=False)
        trace = getattr(result.error, "trace", "")
        if verbose and trace:
            err.print(escape(trace), highlight=False)
    for result in report.results:
        if result.stale:
            err.print(f"[yellow]out of date[/] {result.path}: {escape(result.stale)}", highlight=False)
    if report.failed:
        log_path = write_log(options.out, [f"{r.path}: {r.error.format(project.root)}\n"
                                           f"{getattr(r.error, 'trace', '')}"
                                           for r in report.failed if r.error])
        if log_path:
            err.print(f"details of each failure: {log_path}", highlight=False)


def show_summary(report: BuildReport, warnings: list, seconds: float) -> None:
    entries = [r.entry for r in report.results if r.entry]
    docs, made_sheets, pages = documents(entries), sheets(entries), web_pages(entries)
    proofs = sum(1 for e in docs if e.get("draft") or e.get("unverified"))
    reused = sum(1 for r in report.results if r.reused)
    waiting = sum(1 for r in report.results if r.stale)
    out.print(f"{len(report.results)} files: {len(entries) - reused} built "
              f"({report.unchanged} of them the same bytes as before), {reused} up to date, "
              f"failed {len(report.failed)}, out of date {waiting} "
              f"({len(docs)} documents, {len(pages)} web pages and {len(made_sheets)} card sheets "
              "written or kept); "
              f"warnings {len(warnings)} "
              f"({proofs} documents are proofs: draft translation or unverified contact) "
              f"in {seconds:.1f} s", highlight=False)
    if warnings:
        out.print("warnings: " + "; ".join(escape(f"{f.group} {f.lang}: {f.message}".replace("  ", " "))
                                           for f in warnings[:3])
                  + (f"; ... run `check` for all {len(warnings)}" if len(warnings) > 3 else ""),
                  highlight=False)
    if report.removed:
        out.print(f"removed {len(report.removed)} file(s) the project no longer makes: "
                  + ", ".join(report.removed[:6]) + (" ..." if len(report.removed) > 6 else ""),
                  highlight=False)
    for note in report.notes:
        out.print(f"note: {escape(note)}", highlight=False)
    if report.catalog:
        out.print(f"catalog: {report.catalog}", highlight=False)


def cmd_check(args) -> int:
    project = load_project(args.root)
    found = checks.run_checks(project, final=args.final, max_age_months=args.max_age)
    if args.json:
        print(json.dumps({"findings": checks.as_json(found),
                          "errors": sum(f.level == "error" for f in found),
                          "warnings": sum(f.level == "warning" for f in found)},
                         indent=2, ensure_ascii=False))
    else:
        show_findings(found)
    return checks.exit_code(found, args.strict)


def show_findings(found: list) -> None:
    """A table grouped by material (or theme, contacts) and language."""
    if not found:
        out.print("[green]No problems found.[/]")
        return
    table = Table(title="Preflight")
    for column in ("material", "lang", "level", "check", "message", "where"):
        table.add_column(column)
    for f in sorted(found, key=lambda f: (f.group, f.lang, f.level != "error", f.check)):
        level = "[red]error[/]" if f.level == "error" else "[yellow]warning[/]"
        table.add_row(escape(f.group), f.lang, level, f.check, escape(f.message), escape(f.where))
    out.print(table)
    errors = sum(f.level == "error" for f in found)
    out.print(f"{errors} error(s), {len(found) - errors} warning(s)")


def cmd_preview(args) -> int:
    from .preview import serve
    load(args)
    serve(args.root, args.port)
    return 0


def cmd_list(args) -> int:
    project = load(args)
    table = Table(title="Materials")
    for column in ("id", "format", "title", "contacts", "status"):
        table.add_column(column)
    for material in project.materials.values():
        status = "ok" if not material.errors else f"{len(material.errors)} error(s)"
        table.add_row(material.id, material.format.name if material.format else "?",
                      material.title, ", ".join(material.contact_ids()), status)
    out.print(table)
    formats = Table(title="Formats")
    formats.add_column("format")
    formats.add_column("what")
    formats.add_column("how to print")
    for fmt in FORMATS.values():
        formats.add_row(fmt.name, fmt.description, fmt.print_note)
    out.print(formats)
    langs = Table(title="Languages")
    for column in ("code", "name", "script", "direction", "built"):
        langs.add_column(column)
    built = tr.translated_languages(project)
    for lang in project.languages.values():
        langs.add_row(lang.code, lang.name, lang.script, lang.direction,
                      "yes" if lang.code in built else "no (translations new CODE)")
    out.print(langs)
    return 0


def cmd_doctor(args) -> int:
    project = load_project(args.root)
    findings = check_machine(project)
    table = Table(title="What this machine has")
    for column in ("check", "", "found", "to fix"):
        table.add_column(column)
    for f in findings:
        table.add_row(f.what, "[green]ok[/]" if f.ok else "[red]MISSING[/]", f.detail,
                      "" if f.ok else f.fix)
    out.print(table)
    missing = [f for f in findings if not f.ok]
    if missing:
        fixes = sorted({f.fix for f in missing if f.fix.startswith("sudo apt-get")})
        packages = " ".join(fix.split()[-1] for fix in fixes)
        out.print(f"[red]{len(missing)} missing.[/] " +
                  (f"Install with: sudo apt-get install {packages}" if packages else
                   "Run ./run.sh build to install the Python packages."))
        return 1
    out.print("[green]Everything the build needs is here.[/]")
    return 0


def require_languages(project: Project, codes: list[str]) -> None:
    """Every command refuses a language it cannot work on, by name."""
    available = tr.translated_languages(project)[1:]
    unknown = [c for c in codes if c not in available]
    if unknown:
        raise BuildError(f"no translations for language(s): {', '.join(unknown)}",
                         project.content_dir / "languages.yaml",
                         hint=f"languages: {', '.join(available)}; start one with "
                              "`translations new CODE` after listing it in languages.yaml")


def cmd_translations(args) -> int:
    project = load(args)
    if args.action in ("export", "import", "review"):
        require_languages(project, [args.code])
    elif args.action == "status":
        require_languages(project, args.lang)
    if args.action == "extract":
        for path in tr.extract(project):
            out.print(f"wrote {path.relative_to(project.root)}")
    elif args.action == "update":
        for path in tr.update(project):
            out.print(f"updated {path.relative_to(project.root)}")
    elif args.action == "new":
        for path in tr.new_language(project, args.code):
            out.print(f"wrote {path.relative_to(project.root)}")
        out.print(f"Next: translate the files in translations/{args.code}/ (Poedit, or any "
                  "PO editor), then build with --lang " + args.code)
    elif args.action == "status":
        return show_status(project, args.lang, args.strict)
    elif args.action == "export":
        path = args.out or project.root / "output" / f"translations-{args.code}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(spreadsheet.export_csv(project, args.code), encoding="utf-8")
        out.print(f"wrote {path} (open it in a spreadsheet; fill in `translation`, and "
                  "`reviewed_by` only for rows you reviewed)")
    elif args.action == "import":
        report = spreadsheet.import_csv(project, args.code, args.file, args.dry_run)
        verb = "would change" if args.dry_run else "changed"
        out.print(f"{verb} {len(report.changed)}, recorded {len(report.reviewed)} review(s), "
                  f"{len(report.empty)} empty row(s) left as they were")
        for label in report.changed:
            out.print(f"  changed {escape(label)}", highlight=False)
        for label in report.empty:
            out.print(f"  [yellow]empty[/] {escape(label)}", highlight=False)
    elif args.action == "review":
        reviewed = tr.review(project, args.code, args.by, args.catalog or None)
        out.print(f"recorded {escape(args.by)}'s review of {reviewed.recorded} {args.code} entries",
                  highlight=False)
        for error in reviewed.refused:
            err.print(f"[bold red]not recorded:[/] {escape(error.format(project.root))}",
                      highlight=False)
        if reviewed.refused:
            err.print(f"{len(reviewed.refused)} entries break the translation rules and were not "
                      "marked reviewed: fix them, then review again")
            return 1
    return 0


def cmd_content(args) -> int:
    project = load(args)
    if args.action == "review":
        material = project.materials.get(args.material)
        if material is None:
            raise BuildError(f"unknown material '{args.material}'",
                             hint=f"materials: {', '.join(project.materials)}")
        if material.errors:
            raise material.errors[0]
        recorded = record_review(material.folder, material.english, args.by, args.role)
        out.print(f"recorded: {escape(material.id)} health content reviewed by "
                  f"{escape(recorded.by)} ({escape(recorded.role)}) on {recorded.date}",
                  highlight=False)
        return 0
    table = Table(title="Health content")
    for column in ("material", "status", "sources"):
        table.add_column(column)
    for material in project.materials.values():
        review = material.content_review
        status = (f"reviewed by {review.by} ({review.role}) on {review.date}" if review else
                  "[red]changed since its last review[/]" if material.reviews else
                  "[red]not yet reviewed by a clinician[/]")
        table.add_row(material.id, status, str(len(material.sources)))
    out.print(table)
    return 0


def show_status(project: Project, langs: list[str], strict: bool) -> int:
    templates = tr.templates_by_domain(project)
    table = Table(title="Translations")
    for column in ("language", "catalog", "total", "translated", "missing", "stale", "draft", "reviewed"):
        table.add_column(column, justify="right" if column not in ("language", "catalog") else "left")
    incomplete = False
    for lang in langs or tr.translated_languages(project)[1:]:
        for domain, counts in tr.status(project, lang, templates).items():
            translated = counts["total"] - counts["missing"]
            incomplete |= bool(counts["missing"] or counts["stale"])
            table.add_row(lang, domain, str(counts["total"]), str(translated),
                          _red(counts["missing"]), _red(counts["stale"]),
                          str(counts["draft"]), str(counts["reviewed"]))
    out.print(table)
    return 1 if strict and incomplete else 0


def _red(n: int) -> str:
    return f"[red]{n}[/]" if n else "0"


if __name__ == "__main__":
    sys.exit(main())
