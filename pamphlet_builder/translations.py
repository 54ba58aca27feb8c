"""Translations as gettext PO catalogs, one folder per language.

English in the content files is the source. `translations/<lang>/` holds one
catalog per domain: `ui` (words the templates print), `contacts` (names and
descriptions from the registry) and one per material. Poedit, Lokalize,
Weblate or any text editor opens them.

Each entry is in one of four states:
- missing:  no translation;
- stale:    the English changed since it was translated (gettext's `fuzzy`;
            the build merges the catalog with the current English in memory,
            so an edit makes entries stale without anyone running a command);
- draft:    translated but not reviewed (machine drafts start here);
- reviewed: a person reviewed it: a translator comment
            `reviewed: NAME, YYYY-MM-DD` on the entry, written by that person
            or by `translations review --by NAME`. It is never inferred.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import PoFileError, read_po, write_po

from . import text
from .content import SOURCE_LANG, Project
from .errors import ContentError

UI = "ui"
CONTACTS = "contacts"
CONTACT_FIELDS = ("name", "does", "hours", "where")
REVIEWED_RE = re.compile(r"^reviewed:\s*(.+?),\s*(\d{4}-\d{2}-\d{2})\s*$")
MACHINE_DRAFT = "machine draft, not reviewed"
STATES = ("missing", "stale", "draft", "reviewed")


@dataclass(frozen=True)
class SourceMessage:
    """One English unit to translate."""

    msgid: str
    context: str | None
    location: tuple[str, int] | None = None


def translations_dir(project: Project) -> Path:
    return project.root / "translations"


def catalog_path(project: Project, lang: str, domain: str) -> Path:
    return translations_dir(project) / lang / f"{domain}.po"


def translated_languages(project: Project) -> list[str]:
    """English plus every configured language that has a translations folder."""
    found = [code for code in project.languages
             if code != SOURCE_LANG and (translations_dir(project) / code).is_dir()]
    return [SOURCE_LANG] + found


def source_messages(project: Project) -> dict[str, list[SourceMessage]]:
    """Every English unit, by domain: ui, contacts, and each valid material."""
    domains = {UI: _ui_messages(project.root), CONTACTS: []}
    for contact in project.contacts.values():
        for fld in CONTACT_FIELDS:
            value = getattr(contact, fld)
            if value:
                domains[CONTACTS].append(SourceMessage(value, f"{contact.id}.{fld}"))
    for material in project.materials.values():
        if material.errors:
            continue
        rel = material.text_path.relative_to(project.root).as_posix()
        messages = [SourceMessage(material.title, "title",
                                  (material.meta_path.relative_to(project.root).as_posix(), 1))]
        for part in material.parts.values():
            for offset, unit in text.inline_units(part.source):
                messages.append(SourceMessage(unit, part.name, (rel, part.first_line + offset)))
        domains[material.id] = messages
    return domains


def _ui_messages(root: Path) -> list[SourceMessage]:
    found = extract_from_dir(
        str(root / "templates"), method_map=[("**.html", "jinja2.ext:babel_extract")],
        options_map={"**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}})
    messages = {}
    for filename, lineno, msg, _comments, ctxt in found:
        msgid = msg if isinstance(msg, str) else msg[0]
        messages.setdefault((msgid, ctxt), SourceMessage(msgid, ctxt, (f"templates/{filename}", lineno)))
    return list(messages.values())


def template_catalog(domain: str, messages: list[SourceMessage]) -> Catalog:
    """A POT catalog of the English units of one domain."""
    catalog = Catalog(project="HEP print materials", domain=domain, locale=None,
                      header_comment="# English source text. Do not edit: run "
                                     "`python make_pamphlets.py translations extract`.",
                      fuzzy=False)
    for msg in messages:
        catalog.add(msg.msgid, context=msg.context,
                    locations=[msg.location] if msg.location else ())
    return catalog


def read_catalog(path: Path, lang: str) -> Catalog:
    """Parse one PO file; a syntax error becomes a ContentError with the line."""
    try:
        with path.open("rb") as handle:
            return read_po(handle, locale=lang.replace("-", "_"), abort_invalid=True)
    except PoFileError as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise ContentError(f"invalid PO file: {exc}", path, int(line.group(1)) if line else None,
                           hint="open it in Poedit, or compare with another language's file") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ContentError(f"cannot read PO file: {exc}", path) from None


def merged_catalog(path: Path, lang: str, template: Catalog) -> Catalog:
    """The language's catalog updated to the current English (in memory)."""
    catalog = read_catalog(path, lang) if path.exists() else Catalog(locale=lang.replace("-", "_"))
    catalog.update(copy.deepcopy(template), update_header_comment=False)
    for message in catalog:
        if message.id and message.fuzzy:
            message.user_comments = [c for c in message.user_comments if not REVIEWED_RE.match(c)]
    return catalog


def state_of(message: Message | None) -> str:
    """missing, stale, draft or reviewed (see the module docstring)."""
    if message is None or not message.string:
        return "missing"
    if message.fuzzy:
        return "stale"
    if any(REVIEWED_RE.match(c) for c in message.user_comments):
        return "reviewed"
    return "draft"


def write_catalog(catalog: Catalog, path: Path) -> None:
    """Write a PO or POT file with stable wrapping, atomically."""
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=78, sort_output=False, include_previous=True,
             ignore_obsolete=False, omit_header=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(buffer.getvalue())
    tmp.replace(path)


@dataclass
class Translator:
    """Looks up the translations of one language for one build, recording
    what it had to fall back on and whether any entry was not reviewed."""

    lang: str
    catalogs: dict[str, Catalog]
    allow_fallback: bool = False
    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    unreviewed: int = 0

    def __call__(self, domain: str, context: str | None, msgid: str) -> str:
        if self.lang == SOURCE_LANG:
            return msgid
        catalog = self.catalogs.get(domain)
        message = catalog.get(msgid, context=context) if catalog else None
        state = state_of(message)
        if state == "missing":
            self.missing.append(f"{domain}: [{context}] {msgid}")
            return msgid
        if state == "stale":
            self.stale.append(f"{domain}: [{context}] {msgid}")
        elif state == "draft":
            self.unreviewed += 1
        return message.string  # type: ignore[union-attr]

    @property
    def draft(self) -> bool:
        return bool(self.stale or self.unreviewed or self.missing)


def translator_for(project: Project, lang: str, domains: list[str],
                   templates: dict[str, Catalog], allow_fallback: bool = False) -> Translator:
    """A Translator over the merged catalogs of the given domains."""
    catalogs = {}
    if lang != SOURCE_LANG:
        for domain in domains:
            catalogs[domain] = merged_catalog(catalog_path(project, lang, domain), lang,
                                              templates[domain])
    return Translator(lang, catalogs, allow_fallback)


def today() -> str:
    return dt.date.today().isoformat()
