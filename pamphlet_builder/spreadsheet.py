"""The volunteers' spreadsheet round trip: one CSV per language with a row
per entry (catalog, context, English, translation, status, reviewer), which
opens in Excel, LibreOffice or Google Sheets, and comes back validated.

Import refuses rows it cannot place (unknown entries, English that changed
since export), translations that break the translation rules
(`translations.entry_problems`), two rows for one entry that disagree, and
cells that hold a formula's error or a NUL instead of text; it reports empty
cells and writes nothing unless every row is sound. An unchanged row changes
nothing: a stale entry stays stale unless its `reviewed_by` says a person
reviewed it against the current English.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from .content import Project
from .errors import ContentError
from .translations import (MACHINE_DRAFT, REVIEW_LIKE_RE, record_review, catalog_path,
                           entry_problems, merged_catalog, reviewer_of, state_of,
                           templates_by_domain, today, write_catalog)

COLUMNS = ("catalog", "context", "english", "translation", "status", "reviewed_by", "where")
# Cells a spreadsheet would run as a formula (OWASP, CSV injection): written
# with a leading apostrophe, which import takes off again.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# What a spreadsheet writes in place of a formula it could not compute.
FORMULA_ERRORS = re.compile(r"^#(NAME\?|VALUE!|REF!|DIV/0!|N/A|NUM!|NULL!|ERROR!?|SPILL!|CALC!|"
                            r"GETTING_DATA|FIELD!|BLOCKED!|CONNECT!|BUSY!|UNKNOWN!)")


@dataclass
class ImportReport:
    changed: list[str] = field(default_factory=list)
    reviewed: list[str] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _cell_out(value: str) -> str:
    return "'" + value if value.lstrip("'").startswith(FORMULA_START) else value


def _cell_in(value: str) -> str:
    """The text a `_cell_out` cell stands for ('=x is =x; ''=x is '=x)."""
    return value[1:] if value.startswith("'") and value.lstrip("'").startswith(FORMULA_START) \
        else value


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
            where = ", ".join(f"{f}:{n}" for f, n in source.locations)
            row = [domain, source.context or "", source.id, message.string if message else "",
                   state_of(message), reviewer_of(message) or "", where]
            writer.writerow([_cell_out(str(cell)) for cell in row])
    return "\ufeff" + buffer.getvalue()


def import_csv(project: Project, lang: str, path: Path, dry_run: bool = False) -> ImportReport:
    """Apply a filled-in CSV to the language's catalogs; see the module doc."""
    report = ImportReport()
    templates = templates_by_domain(project)
    catalogs = {d: merged_catalog(catalog_path(project, lang, d), lang, t, writable=True)
                for d, t in templates.items()}
    language = project.languages.get(lang)
    joiners = language.joiners if language else frozenset()
    try:
        text = path.read_text(encoding="utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ContentError(f"cannot read the spreadsheet: {exc}", path,
                           hint="save it as CSV, UTF-8") from None
    if rows and not {"catalog", "context", "english", "translation"} <= set(rows[0]):
        raise ContentError("the spreadsheet lacks the columns catalog, context, english, "
                           "translation", path, 1, hint="export a fresh one and fill that in")
    seen: dict[tuple, tuple[int, str]] = {}
    for number, row in enumerate(rows, start=2):     # line 1 is the header
        cells = {k: _cell_in(v) for k, v in row.items() if isinstance(k, str) and isinstance(v, str)}
        _apply_row(cells, number, catalogs, report, seen, joiners)
    if report.errors:
        raise ContentError(f"{len(report.errors)} row(s) cannot be imported; nothing was "
                           "written:\n" + "\n".join(f"    {e}" for e in report.errors), path,
                           hint="fix those rows (or export a fresh sheet) and import again")
    if not dry_run:
        for domain, catalog in catalogs.items():
            write_catalog(catalog, catalog_path(project, lang, domain))
    return report


def _apply_row(row: dict[str, str], number: int, catalogs: dict, report: ImportReport,
               seen: dict[tuple, tuple[int, str]], joiners: frozenset[str]) -> None:
    domain, context = row.get("catalog", ""), row.get("context") or None
    english, text = row.get("english", ""), (row.get("translation") or "").strip()
    reviewer = (row.get("reviewed_by") or "").strip()
    label = f"line {number} [{domain}/{context}] {english[:40]!r}"
    bad_cells = [name for name, value in row.items()
                 if "\0" in value or FORMULA_ERRORS.match(value.strip())]
    if bad_cells:
        report.errors.append(f"{label}: the cell(s) {', '.join(bad_cells)} hold a formula error "
                             "or a NUL character, not text; retype them as plain text")
        return
    catalog = catalogs.get(domain)
    message = catalog.get(english, context=context) if catalog is not None else None
    if message is None:
        report.errors.append(f"{label}: no such entry (unknown catalog, context or English "
                             "text; the English may have changed since the export)")
        return
    key = (domain, context, english)
    if key in seen and seen[key][1] != text:
        report.errors.append(f"{label}: the same entry as line {seen[key][0]}, with another "
                             "translation; keep one of the two rows")
        return
    seen[key] = (number, text)
    if not text:
        report.empty.append(label)
        return
    problems = entry_problems(english, text, joiners)
    if problems:
        report.errors.append(f"{label}: " + "; ".join(problems))
        return
    if "," in reviewer:
        report.errors.append(f"{label}: `reviewed_by` is one person's name, without commas")
        return
    if text != message.string:
        # New text: whatever was said of the old text no longer holds.
        message.string = text
        message.flags.discard("fuzzy")
        message.previous_id = []
        message.user_comments = [c for c in message.user_comments
                                 if c != MACHINE_DRAFT and not REVIEW_LIKE_RE.match(c)]
        report.changed.append(label)
    elif not reviewer:
        return          # an unchanged row changes nothing: a stale entry stays stale
    if reviewer and reviewer_of(message) != reviewer:
        # The reviewer read this English (the row's, the current one) and this text.
        message.flags.discard("fuzzy")
        message.previous_id = []
        record_review(message, reviewer, today())
        report.reviewed.append(label)
