"""The catalog: `output/index.html`, one page staff can print from.

Every material in every language with a thumbnail of each page (rendered
from the PDF, not the HTML), what it is, its status, links to the PDF, its
variants and card sheets, and how to print it. Plain HTML, CSS and a few
lines of JavaScript for the filters: it works from the file system, offline,
with the keyboard, and on a phone.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Callable

from . import paths
from .content import Project
from .fingerprints import digest, environment_digest, tree_digest
from .formats import FORMATS
from .impose import PRESETS
from .model import DocumentEntry, Manifest, OutputEntry, SheetEntry, WebEntry, documents, sheets, web_pages
from .outputs import output_file, write_output
from .templating import make_environment
from .variants import BY_NAME, Variant

THUMB_WIDTH_PX = 220
INDEX = paths.CATALOG


def variant_of(entry: DocumentEntry) -> Variant | None:
    """The variant a manifest entry was made as (None: one this builder no longer makes)."""
    return BY_NAME.get(entry.get("variant", ""))


def is_office_print(entry: DocumentEntry) -> bool:
    variant = variant_of(entry)
    return variant is not None and variant.primary


def manifest_fields(project: Project, out: Path) -> Callable[[list[OutputEntry]], str]:
    """For the manifest, once it holds every output: each office print's
    page pictures (drawing those the workers did not) recorded in its entry,
    and the key of the catalog page that shows them."""
    def fields(outputs: list[OutputEntry]) -> str:
        for entry in documents(outputs):
            if is_office_print(entry):
                entry["thumbs"] = thumbnails(out, entry)
        return catalog_key(project, outputs)
    return fields


def catalog_key(project: Project, outputs: list[OutputEntry]) -> str:
    """What the page shows: the manifest's outputs, the content, the
    templates and the builder."""
    return digest(environment_digest(), json.dumps(outputs, sort_keys=True),
                  tree_digest(project.root, project.root / "templates", project.content_dir))


def write_catalog(project: Project, out: Path, manifest: Manifest) -> Path:
    """index.html, unless the one there already shows this manifest (its key
    is written in the page itself); returns its path."""
    docs, made_sheets = documents(manifest["outputs"]), sheets(manifest["outputs"])
    pages = {(e["material"], e["lang"]): e for e in web_pages(manifest["outputs"])}
    path = output_file(out, INDEX)
    key = manifest["catalog"]["key"]       # thumbnails and key: recorded by manifest_fields
    if _key_of(path) == key:
        return path
    env = make_environment(project.root, documents=False)
    html = env.get_template("catalog.html").render(
        items=catalog_items(project, docs, made_sheets, pages),
        languages=[project.languages[c] for c in sorted({e["lang"] for e in docs},
                                                        key=list(project.languages).index)],
        materials=[project.materials[m] for m in sorted({e["material"] for e in docs})
                   if m in project.materials],
        mixes=[e for e in made_sheets if e["lang"] in ("mixed", "")],
        presets=PRESETS, build_key=key)
    write_output(out, INDEX, html.encode("utf-8"))
    return path


def _key_of(index: Path) -> str | None:
    """The build key written in an existing index.html, if any."""
    try:
        with index.open(encoding="utf-8") as handle:
            head = handle.read(2048)
    except (OSError, UnicodeDecodeError):
        return None
    found = re.search(r'<meta name="build-key" content="([0-9a-f]+)">', head)
    return found.group(1) if found else None


def thumbnails(out: Path, entry: DocumentEntry) -> list[str]:
    """PNG of each page, named by the PDF's hash so an unchanged PDF keeps
    its pictures and a changed one never shows stale ones."""
    names = [paths.thumbnail(entry["lang"], entry["material"], entry["sha256"], n)
             for n in range(1, entry["pages"] + 1)]
    if all(output_file(out, name).exists() for name in names):
        return names
    import pypdfium2 as pdfium
    folder = output_file(out, paths.thumbnail_folder(entry["lang"]))
    for old in folder.glob(f"{entry['material']}-*.png") if folder.is_dir() else []:
        if paths.is_thumbnail_of(old.name, entry["material"]):
            old.unlink(missing_ok=True)
    document = pdfium.PdfDocument(output_file(out, entry["path"]))
    try:
        for page, name in zip(document, names, strict=False):   # names: one per page
            scale = THUMB_WIDTH_PX / page.get_width()
            image = page.render(scale=scale).to_pil()
            buffer = io.BytesIO()
            image.save(buffer, format="PNG", compress_level=6)   # optimize=True: 5x the time, 0.3% smaller
            write_output(out, name, buffer.getvalue())
    finally:
        document.close()
    return names


def catalog_items(project: Project, docs: list[DocumentEntry], made_sheets: list[SheetEntry],
                  pages: dict[tuple[str, str], WebEntry] | None = None) -> list[dict]:
    """One item per material and language: the office print with its variants,
    sheets, status and print instructions."""
    variants: defaultdict[tuple[str, str], list[tuple[Variant, DocumentEntry]]] = defaultdict(list)
    for entry in docs:
        variant = variant_of(entry)
        if variant is not None and not variant.primary:
            variants[(entry["material"], entry["lang"])].append((variant, entry))
    card_sheets: defaultdict[tuple[str, str], list[SheetEntry]] = defaultdict(list)
    for sheet in made_sheets:
        card_sheets[(sheet["material"], sheet["lang"])].append(sheet)
    items = []
    order = list(project.languages)
    for entry in sorted((e for e in docs if is_office_print(e)),
                        key=lambda e: (e["material"], order.index(e["lang"]) if e["lang"] in order else 99)):
        key = (entry["material"], entry["lang"])
        lang = project.languages.get(entry["lang"])
        fmt = FORMATS[entry["format"]]
        width, height = entry["page_size_pt"]
        items.append({
            "entry": entry, "lang": lang, "format": fmt,
            "size": f"{width / 72:g} x {height / 72:g} in",
            "print_note": fmt.print_note_for(entry["pages"]),   # this file's own page count
            "status": status_of(entry),
            "printed": printed_numbers(project, entry),
            "review": review_line(project, entry["material"]),
            "sources": project.materials[entry["material"]].sources
            if entry["material"] in project.materials else [],
            "variants": variants[key],
            "sheets": [(PRESETS[s["preset"]], s) for s in card_sheets[key]],
            "web": (pages or {}).get(key),
            "id": hashlib.sha1(json.dumps(key).encode()).hexdigest()[:10],
        })
    return items


def printed_numbers(project: Project, entry: OutputEntry) -> list[str]:
    """What the PDF prints, as read back from it (manifest `printed`), in
    the registry's words: "1-800-484-3731 (Never Use Alone)"."""
    by_dial, by_url = {}, {}
    for contact in project.contacts.values():
        for number in (contact.phone, contact.text):
            if number is not None:
                by_dial[number.tel_uri.removeprefix("tel:")] = f"{number.display} ({contact.name})"
        if contact.url:
            by_url[contact.url] = f"{contact.url_display} ({contact.name})"
    found = entry.get("printed") or {}
    return list(dict.fromkeys([by_dial.get(d, d) for d in found.get("phones", [])] +
                              [by_url.get(u, u) for u in found.get("links", [])]))


def review_line(project: Project, material_id: str) -> str:
    material = project.materials.get(material_id)
    review = material.content_review if material else None
    if review is None:
        return "Not yet reviewed by a clinician" + (
            " (the English changed since its last review)" if material and material.reviews else "")
    return f"Health content reviewed by {review.by} ({review.role}) on {review.date}"


def status_of(entry: DocumentEntry) -> list[tuple[str, str]]:
    """(css class, words) badges: out of date, proof, draft, or ready to print."""
    badges = []
    stale = entry.get("out_of_date")
    if stale:
        badges.append(("stale", f"Out of date: the last build failed ({stale['reason']}); "
                                f"this file is from before {stale['since']}. Do not print it."))
    if entry["unverified"]:
        badges.append(("proof", "Proof: unverified contact (" + ", ".join(entry["unverified"]) + ")"))
    if entry["draft"]:
        badges.append(("draft", "Draft translation, not reviewed"))
    return badges or [("final", "Ready to print")]
