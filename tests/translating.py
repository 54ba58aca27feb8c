"""Shared helpers for the translator workflow, used by the unit and the
integration layers: translating a scratch project through the spreadsheet
as a volunteer would, and reading or editing single PO entries."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from pamphlet_builder import spreadsheet, translations as tr

SPANISH = {
    "Test Card": "Tarjeta de prueba",
    "Test card": "Tarjeta de prueba",
    "Call this line: {line.phone}.": "Llama a esta línea: {line.phone}.",
    "On the back": "Al reverso",
    "One short point.": "Un punto corto.",
}


def fill(scratch, lang="es", words=SPANISH, reviewer=""):
    """Translate every entry through the spreadsheet, as a volunteer would."""
    project = scratch.project()
    rows = list(csv.DictReader(io.StringIO(spreadsheet.export_csv(project, lang).lstrip("\ufeff"))))
    for row in rows:
        row["translation"] = words.get(row["english"], "ES " + row["english"])
        row["reviewed_by"] = reviewer
    path = scratch.root / f"{lang}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=spreadsheet.COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return spreadsheet.import_csv(project, lang, path), path


def po_path(scratch, domain: str, lang: str = "es") -> Path:
    return scratch.root / f"translations/{lang}/{domain}.po"


def write_po(path: Path, content: str) -> None:
    """Write a PO file as an editor would, with a new mtime even within one clock
    tick (catalogs are cached by mtime and size, and a pasted comment keeps the size)."""
    before = path.stat().st_mtime_ns
    path.write_text(content, encoding="utf-8")
    if path.stat().st_mtime_ns == before:
        os.utime(path, ns=(before + 1000, before + 1000))


def set_msgstr(scratch, domain: str, msgid: str, msgstr: str, lang: str = "es") -> int:
    """Edit one entry's msgstr in the PO text; return its msgstr line (1-based)."""
    path = po_path(scratch, domain, lang)
    lines = path.read_text(encoding="utf-8").split("\n")
    at = lines.index(f'msgid "{msgid}"')
    assert lines[at + 1].startswith("msgstr ")
    lines[at + 1] = f'msgstr "{msgstr}"'
    write_po(path, "\n".join(lines))
    return at + 2


def points_at_entry(line, msgstr_line: int) -> bool:
    """A line number at the entry's msgid (babel's) or just before it, not after."""
    return isinstance(line, int) and msgstr_line - 2 <= line < msgstr_line


def states(scratch, domain: str, lang: str = "es") -> dict[str, str]:
    project = scratch.project()
    template = tr.templates_by_domain(project)[domain]
    catalog = tr.merged_catalog(po_path(scratch, domain, lang), lang, template)
    return {m.id: tr.state_of(catalog.get(m.id, context=m.context)) for m in template if m.id}
