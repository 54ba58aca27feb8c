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
- reviewed: a person reviewed it: the translator comment
            `reviewed: NAME, YYYY-MM-DD, sha256:HASH` on the entry, written by
            `translations review --by NAME` or a spreadsheet import. HASH is
            of exactly the English and the translation reviewed: edit either
            and the entry is a draft again. It is never inferred, and a
            comment without the right hash (pasted, typed) counts for nothing.

Every entry, from a PO file or a spreadsheet, is held to the same rules
(`entry_problems`) by `check`, by the build before it renders, by `review`
and by the spreadsheet import: placeholders as in the English, no phone
number or web address the English does not have, no invisible characters,
no HTML or template syntax.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_file
from jinja2 import TemplateSyntaxError
from babel.messages.pofile import PoFileError, read_po, write_po

from . import printed, text
from .content import SOURCE_LANG, Project
from .errors import ContentError
from .outputs import write_atomic
from .reviews import NAME_RE

UI = "ui"
CONTACTS = "contacts"
CONTACT_FIELDS = ("name", "does", "hours", "where")
REVIEWED_RE = re.compile(r"^reviewed:\s*(.+?),\s*(\d{4}-\d{2}-\d{2})\s*,\s*sha256:([0-9a-f]{16})\s*$")
REVIEW_LIKE_RE = re.compile(r"^\s*reviewed\b", re.I)    # any comment that looks like a review
MACHINE_DRAFT = "machine draft, not reviewed"
STATES = ("missing", "stale", "draft", "reviewed")
STABLE_DATE = dt.datetime(2000, 1, 1)   # keeps catalogs byte-stable; git has the real dates
PRINTF_RE = re.compile(r"%\([a-z_]+\)s")
LINK_RE = re.compile(r"\]\(([^)\s]+)\)")
TEMPLATE_SYNTAX_RE = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}")


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


def missing_folders(project: Project) -> list[str]:
    """Languages listed in languages.yaml without a translations/ folder."""
    return [code for code in project.languages
            if code != SOURCE_LANG and not (translations_dir(project) / code).is_dir()]


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
    """The words templates print. A template that cannot be read (not UTF-8,
    broken syntax) is skipped here: the content check reports it by name."""
    folder = root / "templates"
    messages: dict[tuple[str, str | None], SourceMessage] = {}
    for path in sorted(folder.rglob("*.html")):
        filename = path.relative_to(folder).as_posix()
        try:
            found = extract_from_file("jinja2.ext:babel_extract", str(path), options={
                "extensions": "jinja2.ext.i18n", "trimmed": "true"})
        except (UnicodeDecodeError, TemplateSyntaxError):
            continue
        for lineno, msg, _comments, ctxt in found:
            msgid = msg if isinstance(msg, str) else msg[0]
            messages.setdefault((msgid, ctxt), SourceMessage(msgid, ctxt, (f"templates/{filename}", lineno)))
    return list(messages.values())


def template_catalog(domain: str, messages: list[SourceMessage]) -> Catalog:
    """A POT catalog of the English units of one domain."""
    catalog = Catalog(project="HEP print materials", domain=domain, locale=None,
                      header_comment="# English source text. Do not edit: run "
                                     "`python make_pamphlets.py translations extract`.",
                      fuzzy=False, creation_date=STABLE_DATE)
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
        found = re.search(r"line (\d+)", str(exc))
        raise ContentError(f"invalid PO file: {exc}", path, int(found.group(1)) if found else None,
                           hint="open it in Poedit, or compare with another language's file") from None
    except UnicodeDecodeError as exc:
        line = exc.object[:exc.start].count(b"\n") + 1 if isinstance(exc.object, bytes) else None
        raise ContentError(f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x})", path, line,
                           hint="save the file as UTF-8 (Poedit and Lokalize do), "
                                "and say `charset=UTF-8` in its header") from None
    except ValueError as exc:
        raise ContentError(f"cannot read PO file: {exc}", path) from None


_merged: dict[tuple, Catalog] = {}


def merged_catalog(path: Path, lang: str, template: Catalog, writable: bool = False) -> Catalog:
    """The language's catalog updated to the current English (in memory).
    Cached per process by file state and English: a build asks for the same
    ui and contacts catalogs once per material. Callers that change the
    catalog ask for a `writable` copy; readers share the cached one."""
    try:
        stat = path.stat()
        state = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        state = None
    key = (str(path), lang, state, tuple((m.id, m.context) for m in template))
    if key not in _merged:
        _merged[key] = _merge(path, lang, template)
    return copy.deepcopy(_merged[key]) if writable else _merged[key]


def _merge(path: Path, lang: str, template: Catalog) -> Catalog:
    catalog = read_catalog(path, lang) if path.exists() else Catalog(locale=lang.replace("-", "_"))
    lines = {(m.id, m.context): m.lineno for m in catalog if m.id}
    catalog.update(copy.deepcopy(template), update_header_comment=False)
    for message in catalog:
        if message.id:
            message.lineno = lines.get((message.id, message.context))   # for error messages
        if message.id and message.fuzzy:
            message.user_comments = [c for c in message.user_comments if not REVIEWED_RE.match(c)]
    return catalog


def entry_problems(source: str, translation: str,
                   joiners: frozenset[str] = frozenset()) -> list[str]:
    """What a translation breaks, each with what to do; [] when it is sound.
    `joiners` are the invisible characters its script needs (languages.yaml)."""
    if not translation.strip():
        return ["the translation is empty"]
    found = []
    for name, pattern in (("placeholders", text.PLACEHOLDER_RE), ("variables", PRINTF_RE),
                          ("link targets", LINK_RE)):
        want = sorted(m.group(0) for m in pattern.finditer(source))
        got = sorted(m.group(0) for m in pattern.finditer(translation))
        if want != got:
            found.append(f"{name} differ from the English: expected {', '.join(want) or 'none'}, "
                         f"found {', '.join(got) or 'none'}; copy them exactly as in the English")
    if PRINTF_RE.search(source) and "%" in PRINTF_RE.sub("", translation).replace("%%", ""):
        found.append("a lone % in an entry with %(name)s variables; write %% for a percent sign")
    # Read both as written and as printed: Markdown can hide a number
    # (9**1**1, 9\-1\-1, &#57;11) or an invisible character (&rlm;).
    seen, english = translation + "\n" + text.visible(translation), source + "\n" + text.visible(source)
    numbers = sorted(printed.digit_groups(seen) - printed.digit_groups(english))
    if numbers:
        found.append(f"digits that are not in the English: {', '.join(numbers)}; numbers and "
                     "addresses come from the registry: keep the {contact.field} placeholders")
    sites = [d for d in printed.domains(seen) if d not in printed.domains(english)]
    if sites:
        found.append(f"a web or e-mail address that is not in the English: {', '.join(sites)}; "
                     "keep the {contact.url} placeholder instead")
    hidden = printed.hidden_characters(seen, joiners)
    if hidden:
        found.append(f"invisible or control characters: {', '.join(hidden)}; delete them "
                     "(retype the text around them)")
    # CommonMark bolds **x** only when the closing ** follows a letter or
    # is followed by a space or punctuation: "**注意：**次" prints the stars.
    stray = [m for m in ("**", "__") if m in text.visible(translation) and m not in text.visible(source)]
    if stray:
        found.append(f"{' and '.join(stray)} would print as written, not as bold; put punctuation "
                     "after the closing marks (**Warning**: ..., **注意**：...)")
    if TEMPLATE_SYNTAX_RE.search(translation):
        found.append("template syntax ({{ }}, {% %} or {# #}); write plain text")
    found += [f"{p.message}; {p.hint}" for p in text.check_markdown(translation)]
    return found


def broken_entries(project: Project, lang: str, domain: str, catalog: Catalog,
                   only: set[str] | None = None) -> list[ContentError]:
    """Every translated entry of a catalog that breaks `entry_problems`, as
    errors naming the file, line, context and English. `only`: contexts."""
    return [error for _, error in _broken(project, lang, domain, catalog, only)]


def _broken(project: Project, lang: str, domain: str, catalog: Catalog,
            only: set[str] | None = None) -> list[tuple[Message, ContentError]]:
    joiners = _joiners(project, lang)
    path = catalog_path(project, lang, domain)
    found = []
    for message in catalog:
        if not message.id or not message.string or (only is not None and message.context not in only):
            continue
        problems = entry_problems(str(message.id), str(message.string), joiners)
        if problems:
            found.append((message, ContentError(
                f"entry [{message.context}] {str(message.id)[:60]!r}: " + "; ".join(problems),
                path, message.lineno, hint="fix the msgstr in a PO editor, then build again")))
    return found


def review_hash(message: Message) -> str:
    """A hash of exactly what a reviewer read: context, English, translation."""
    data = f"{message.context or ''}\x04{message.id}\x00{message.string}".encode("utf-8")
    return hashlib.sha256(data).hexdigest()[:16]


def review_comment(message: Message, reviewer: str, date: str) -> str:
    return f"reviewed: {reviewer}, {date}, sha256:{review_hash(message)}"


def reviewer_of(message: Message | None) -> str | None:
    """Who reviewed exactly this text, or None."""
    if message is None or message.fuzzy:
        return None
    for comment in message.user_comments:
        match = REVIEWED_RE.match(comment)
        if match and match.group(3) == review_hash(message):
            return match.group(1)
    return None


def state_of(message: Message | None) -> str:
    """missing, stale, draft or reviewed (see the module docstring)."""
    if message is None or not message.string:
        return "missing"
    if message.fuzzy:
        return "stale"
    return "reviewed" if reviewer_of(message) else "draft"


def record_review(message: Message, reviewer: str, date: str) -> None:
    """Replace any earlier review or machine-draft mark with this review."""
    message.user_comments = [c for c in message.user_comments
                             if c != MACHINE_DRAFT and not REVIEW_LIKE_RE.match(c)]
    message.user_comments.append(review_comment(message, reviewer, date))


def write_catalog(catalog: Catalog, path: Path) -> None:
    """Write a PO or POT file with stable wrapping, atomically."""
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=78, sort_output=False, include_previous=True,
             ignore_obsolete=False, omit_header=False)
    write_atomic(path, buffer.getvalue())


@dataclass
class Translator:
    """Looks up the translations of one language for one build, recording
    (once each) what it fell back on and what is not reviewed."""

    lang: str
    catalogs: dict[str, Catalog]
    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    unreviewed_keys: set[str] = field(default_factory=set)

    def __call__(self, domain: str, context: str | None, msgid: str) -> str:
        if self.lang == SOURCE_LANG:
            return msgid
        catalog = self.catalogs.get(domain)
        message = catalog.get(msgid, context=context) if catalog else None
        state = state_of(message)
        key = f"{domain}: [{context}] {msgid}"
        if state == "missing":
            if key not in self.missing:
                self.missing.append(key)
            return msgid
        if state == "stale" and key not in self.stale:
            self.stale.append(key)
        elif state == "draft":
            self.unreviewed_keys.add(key)
        assert message is not None          # not missing
        return message.string if isinstance(message.string, str) else msgid

    @property
    def unreviewed(self) -> int:
        return len(self.unreviewed_keys)

    @property
    def draft(self) -> bool:
        return bool(self.stale or self.unreviewed_keys or self.missing)


def translator_for(project: Project, lang: str, domains: list[str],
                   templates: dict[str, Catalog]) -> Translator:
    """A Translator over the merged catalogs of the given domains."""
    catalogs = {}
    if lang != SOURCE_LANG:
        for domain in domains:
            catalogs[domain] = merged_catalog(catalog_path(project, lang, domain), lang,
                                              templates[domain])
    return Translator(lang, catalogs)


def today() -> str:
    return dt.date.today().isoformat()


# --- The translator workflow: extract, update, new, status, review --------

def templates_by_domain(project: Project) -> dict[str, Catalog]:
    return {domain: template_catalog(domain, messages)
            for domain, messages in source_messages(project).items()}


def extract(project: Project) -> list[Path]:
    """Write `translations/templates/<domain>.pot` from the English; return them."""
    written = []
    folder = translations_dir(project) / "templates"
    for domain, catalog in templates_by_domain(project).items():
        path = folder / f"{domain}.pot"
        write_catalog(catalog, path)
        written.append(path)
    return written


def update(project: Project, langs: list[str] | None = None) -> list[Path]:
    """Merge every language's catalogs with the current English and write
    them: changed English becomes `fuzzy` (stale), with the old English kept
    as `#| msgid` so the translator sees what changed."""
    templates = templates_by_domain(project)
    written = []
    for lang in langs or translated_languages(project)[1:]:
        for domain, template in templates.items():
            path = catalog_path(project, lang, domain)
            catalog = merged_catalog(path, lang, template, writable=True)
            _set_header(catalog, project, lang)
            write_catalog(catalog, path)
            written.append(path)
    return written


def _set_header(catalog: Catalog, project: Project, lang: str) -> None:
    language = project.languages.get(lang)
    name = language.name if language else lang
    catalog.project = "HEP print materials"
    catalog.version = "1"
    catalog.language_team = f"{name} <translators>"
    catalog.revision_date = STABLE_DATE
    catalog.creation_date = STABLE_DATE
    catalog.fuzzy = False
    catalog.header_comment = (
        f"# {name} ({lang}) translations of HEP's print materials.\n"
        "# English is the source. Keep {contact.field} placeholders, %(name)s and\n"
        "# Markdown such as **bold** as they are. Entries with the comment\n"
        f"# '{MACHINE_DRAFT}' print as drafts until a person reviews them.")


def new_language(project: Project, code: str) -> list[Path]:
    """Scaffold `translations/<code>/` with an empty catalog per domain."""
    if code == SOURCE_LANG:
        raise ContentError("English is the source language; it has no translations",
                           hint="pick another language code")
    if code not in project.languages:
        raise ContentError(f"language '{code}' is not in pamphlets/languages.yaml",
                           project.content_dir / "languages.yaml",
                           hint=f"add a line like `{code}: {{script: latin, name: ...}}` under "
                                "`languages`, then run this again")
    folder = translations_dir(project) / code
    if folder.exists():
        raise ContentError(f"translations for '{code}' exist already", folder,
                           hint="run `translations update` to bring them up to date")
    return update(project, [code])


def status(project: Project, lang: str,
           templates: dict[str, Catalog] | None = None) -> dict[str, dict[str, int]]:
    """Per domain: how many entries are missing, stale, draft and reviewed."""
    templates = templates or templates_by_domain(project)
    table = {}
    for domain, template in templates.items():
        catalog = merged_catalog(catalog_path(project, lang, domain), lang, template)
        counts = dict.fromkeys(STATES, 0)
        for source in template:
            if source.id:
                counts[state_of(catalog.get(source.id, context=source.context))] += 1
        counts["total"] = sum(counts.values())
        table[domain] = counts
    return table


@dataclass
class ReviewReport:
    recorded: int = 0
    refused: list[ContentError] = field(default_factory=list)   # entries that break the rules


def review(project: Project, lang: str, reviewer: str, domains: list[str] | None = None,
           date: str | None = None) -> ReviewReport:
    """Record that `reviewer` reviewed every current, translated entry of the
    given domains (all by default). A person runs this after reading them.
    An entry that breaks the rules is never recorded as reviewed."""
    if not NAME_RE.match(reviewer.strip()):
        raise ContentError("a review needs the reviewer's full name (--by NAME): 2 to 80 "
                           "characters, without commas, colons or brackets",
                           hint='e.g. --by "Ana Lopez"')
    date = date or today()
    templates = templates_by_domain(project)
    report = ReviewReport()
    for domain in domains or list(templates):
        if domain not in templates:
            raise ContentError(f"unknown catalog '{domain}'", translations_dir(project) / lang,
                               hint=f"catalogs: {', '.join(templates)}")
        path = catalog_path(project, lang, domain)
        catalog = merged_catalog(path, lang, templates[domain], writable=True)
        broken = _broken(project, lang, domain, catalog)
        report.refused += [error for _, error in broken]
        refused = {id(message) for message, _ in broken}
        for message in catalog:
            if message.id and state_of(message) == "draft" and id(message) not in refused:
                record_review(message, reviewer.strip(), date)
                report.recorded += 1
        write_catalog(catalog, path)
    return report


def _joiners(project: Project, lang: str) -> frozenset[str]:
    language = project.languages.get(lang)
    return language.joiners if language else frozenset()
