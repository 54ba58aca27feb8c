"""The volunteers' spreadsheet round trip: one CSV per language with a row
per entry (catalog, context, English, translation, status, reviewer), which
opens in Excel, LibreOffice or Google Sheets, and comes back validated.

Import refuses rows it cannot place (unknown entries, English that changed
since export), translations that break placeholders, variables or links,
and reports empty cells; it writes nothing unless every row is sound.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from .content import Project
from .errors import ContentError
from .translations import (MACHINE_DRAFT, REVIEWED_RE, catalog_path, merged_catalog,
                           problems_in, state_of, templates_by_domain, today, write_catalog)

COLUMNS = ("catalog", "context", "english", "translation", "status", "reviewed_by", "where")


@dataclass
class ImportReport:
    changed: list[str] = field(default_factory=list)
    reviewed: list[str] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def export_csv(project: Project, lang: str) -> str:
    """The language's entries as CSV text (UTF-8 with BOM, for Excel)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for domain, template in templates_by_domain(project).items():
        catalog = merged_catalog(catalog_path(project, lang, domain), lang, template)
        for source in template:
            if not source.id:
                continue
            message = catalog.get(source.id, context=source.context)
            reviewer = next((m.group(1) for c in (message.user_comments if message else [])
                             if (m := REVIEWED_RE.match(c))), "")
            where = ", ".join(f"{f}:{n}" for f, n in source.locations)
            writer.writerow([domain, source.context or "", source.id,
                             message.string if message else "", state_of(message), reviewer, where])
    return "\ufeff" + buffer.getvalue()


def import_csv(project: Project, lang: str, path: Path, dry_run: bool = False) -> ImportReport:
    """Apply a filled-in CSV to the language's catalogs; see the module doc."""
    report = ImportReport()
    templates = templates_by_domain(project)
    catalogs = {d: merged_catalog(catalog_path(project, lang, d), lang, t, writable=True)
                for d, t in templates.items()}
    try:
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ContentError(f"cannot read the spreadsheet: {exc}", path,
                           hint="save it as CSV, UTF-8") from None
    if rows and not {"catalog", "context", "english", "translation"} <= set(rows[0]):
        raise ContentError("the spreadsheet lacks the columns catalog, context, english, "
                           "translation", path, 1, hint="export a fresh one and fill that in")
    for number, row in enumerate(rows, start=2):     # line 1 is the header
        _apply_row(row, number, catalogs, report)
    if report.errors:
        raise ContentError(f"{len(report.errors)} row(s) cannot be imported; nothing was "
                           "written:\n" + "\n".join(f"    {e}" for e in report.errors), path,
                           hint="fix those rows (or export a fresh sheet) and import again")
    if not dry_run:
        for domain, catalog in catalogs.items():
            write_catalog(catalog, catalog_path(project, lang, domain))
    return report


def _apply_row(row: dict, number: int, catalogs: dict, report: ImportReport) -> None:
    domain, context = row.get("catalog", ""), row.get("context") or None
    english, text = row.get("english", ""), (row.get("translation") or "").strip()
    label = f"line {number} [{domain}/{context}] {english[:40]!r}"
    catalog = catalogs.get(domain)
    message = catalog.get(english, context=context) if catalog is not None else None
    if message is None:
        report.errors.append(f"{label}: no such entry (unknown catalog, context or English "
                             "text; the English may have changed since the export)")
        return
    if not text:
        report.empty.append(label)
        return
    problems = problems_in(english, text)
    if problems:
        report.errors.append(f"{label}: " + "; ".join(problems))
        return
    reviewer = (row.get("reviewed_by") or "").strip()
    if text != message.string or message.fuzzy:
        message.string = text
        message.flags.discard("fuzzy")
        message.previous_id = []
        message.user_comments = [c for c in message.user_comments
                                 if c != MACHINE_DRAFT and not REVIEWED_RE.match(c)]
        report.changed.append(label)
    if reviewer and not any(re.match(rf"reviewed:\s*{re.escape(reviewer)},", c)
                            for c in message.user_comments):
        message.user_comments = [c for c in message.user_comments
                                 if c != MACHINE_DRAFT and not REVIEWED_RE.match(c)]
        message.user_comments.append(f"reviewed: {reviewer}, {today()}")
        report.reviewed.append(label)
