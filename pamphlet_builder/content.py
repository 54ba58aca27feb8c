"""The project's content: languages, contacts and materials, loaded and
validated once into a `Project` that every later stage reads.

Problems are collected, not raised one at a time: a broken material is
recorded with its errors and the others still build; a broken registry or
language list stops the build (exit 2) because every material depends on it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import jinja2.meta
from babel import Locale, UnknownLocaleError

from . import printed, reviews, text
from .contacts import ID_RE, Contact, load_contacts
from .errors import BuildError, ContentError
from .formats import FORMATS, Format
from .reviews import ContentReview
from .templating import make_environment
from .theme import Theme, load_theme
from .yamlfile import LineDict, load_yaml, require_mapping

SOURCE_LANG = "en"
PART_MARK_RE = re.compile(r"^<!--\s*part:\s*([a-z0-9-]+)\s*-->\s*$")
QR_ACTIONS = {"call": "phone", "open": "url"}
MATERIAL_FIELDS = {"title", "format", "revision", "template", "parts", "flyer", "sources"}
PART_FIELDS = {"qr", "contacts"}


@dataclass(frozen=True)
class Language:
    code: str            # as in file names and the manifest: zh-Hant
    name: str            # its own name: 中文
    script: str
    fonts: tuple[str, ...]
    font_package: str
    locale: Locale
    joiners: frozenset[str] = frozenset()   # invisible characters the script needs (ZWJ, ZWNJ)

    @property
    def direction(self) -> str:
        return "rtl" if self.locale.character_order == "right-to-left" else "ltr"


@dataclass(frozen=True)
class QRSpec:
    contact: str
    action: str          # call | open


@dataclass
class Part:
    name: str
    source: str          # English Markdown
    first_line: int     # line of the source in en.md (1-based)
    qr: list[QRSpec] = field(default_factory=list)
    contacts: list[str] = field(default_factory=list)


@dataclass
class Material:
    id: str
    folder: Path
    title: str = ""
    format: Format | None = None
    template: str = ""
    revision: dt.date | None = None
    flyer: bool = False           # also print as a 2-up half-letter flyer
    parts: dict[str, Part] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)   # what its health statements follow
    english: str = ""             # hash of the title and en.md (reviews.english_hash)
    reviews: list[ContentReview] = field(default_factory=list)
    errors: list[BuildError] = field(default_factory=list)

    @property
    def content_review(self) -> ContentReview | None:
        """The clinician's review of exactly this English, if any."""
        return reviews.current_review(self.reviews, self.english)

    @property
    def meta_path(self) -> Path:
        return self.folder / "material.yaml"

    @property
    def text_path(self) -> Path:
        return self.folder / f"{SOURCE_LANG}.md"

    def contact_ids(self) -> list[str]:
        """Every contact the material prints, in first-use order."""
        ids: list[str] = []
        for part in self.parts.values():
            ids += [q.contact for q in part.qr] + part.contacts
            ids += [cid for cid, _ in text.placeholders(part.source)]
        ids += [cid for cid, _ in text.placeholders(self.title)]
        return list(dict.fromkeys(ids))


@dataclass
class Project:
    root: Path
    contacts: dict[str, Contact]
    languages: dict[str, Language]
    materials: dict[str, Material]
    errors: list[BuildError]      # project-wide: nothing can be built
    theme: Theme = field(default_factory=Theme)   # styles/theme.css and the variants' sizes

    @property
    def content_dir(self) -> Path:
        return self.root / "pamphlets"


INPUT_DIRS = ("pamphlets", "translations", "templates", "styles")
MAX_INPUT_BYTES = {".po": 4_000_000}     # per file; anything else: 1 MB
MAX_INPUT_DEFAULT = 1_000_000


def unsafe_inputs(root: Path) -> list[ContentError]:
    """Input files that must not be read: a link that leads outside the
    project (it would put another file's contents into a PDF), or a file
    far larger than any real content (it would stall the build). Checked
    once, before anything is read, by name."""
    problems = []
    candidates = [root / "printers.yaml"] + [p for d in INPUT_DIRS if (root / d).is_dir()
                                             for p in sorted((root / d).rglob("*"))]
    for path in candidates:
        if not (path.exists() or path.is_symlink()):
            continue
        if path.is_symlink() and not path.resolve().is_relative_to(root):
            problems.append(ContentError(
                f"is a link to {path.resolve()}, outside the project; it is not read", path,
                hint="copy the file into the project instead of linking to it"))
        elif path.is_file() and path.stat().st_size > MAX_INPUT_BYTES.get(path.suffix, MAX_INPUT_DEFAULT):
            limit = MAX_INPUT_BYTES.get(path.suffix, MAX_INPUT_DEFAULT)
            problems.append(ContentError(
                f"is {path.stat().st_size:,} bytes, over the {limit:,} a content file may be", path,
                hint="content files are short texts; split or shorten it"))
    return problems


def load_project(root: Path) -> Project:
    """Read and validate everything under `root`; never raises for bad content."""
    root = root.resolve()
    content = root / "pamphlets"
    if not content.is_dir():
        return Project(root, {}, {}, {}, [ContentError(
            "this is not a project folder: it has no pamphlets/ folder", root,
            hint="run the command in the folder that holds pamphlets/, templates/ and styles/ "
                 "(or use make_pamphlets.py in it)")])
    unsafe = unsafe_inputs(root)
    # A bad file in a material's folder fails that material; anywhere else, everything.
    errors: list[BuildError] = [e for e in unsafe if _material_of(e.path, content) is None]
    if errors:                     # read nothing more: a shared file is not to be trusted
        return Project(root, {}, {}, {}, errors)
    contacts, contact_errors = load_contacts(content / "contacts.yaml")
    errors += contact_errors
    languages, language_errors = load_languages(content / "languages.yaml")
    errors += language_errors
    templates = template_problems(root)
    materials = {}
    for folder in sorted(p for p in content.iterdir() if (p / "material.yaml").exists()):
        bad = [e for e in unsafe if _material_of(e.path, content) == folder.name]
        material = Material(id=folder.name, folder=folder, errors=list(bad)) \
            if bad else load_material(folder, contacts, root)
        material.errors += templates.get(material.template, [])
        materials[folder.name] = material
    if not materials and not errors:
        errors.append(ContentError("no materials found (folders with a material.yaml)", content))
    return Project(root, contacts, languages, materials, errors, load_theme(root))


def template_problems(root: Path) -> dict[str, list[ContentError]]:
    """Every template compiled before anything renders: for each template a
    material may use, the problems in it or in what it includes, imports or
    extends (a missing partial is found here, not halfway through a build)."""
    env = make_environment(root)      # only to parse
    folder = root / "templates"
    own: dict[str, list[ContentError]] = {}
    refs: dict[str, set[str]] = {}
    for path in sorted(folder.rglob("*.html")):
        name = path.relative_to(folder).as_posix()
        own[name], refs[name] = [], set()
        try:
            tree = env.parse(path.read_text(encoding="utf-8"), name, str(path))
        except UnicodeDecodeError:
            own[name].append(ContentError("not UTF-8 text", path, hint="save the file as UTF-8"))
            continue
        except jinja2.TemplateSyntaxError as exc:
            own[name].append(ContentError(f"template error: {exc.message}", path, exc.lineno))
            continue
        for ref in jinja2.meta.find_referenced_templates(tree):
            if ref is not None:
                refs[name].add(ref)
                if not (folder / ref).is_file():
                    own[name].append(ContentError(f"uses '{ref}', which is not in templates/", path,
                                                  hint="check the name in {% include %}, "
                                                       "{% import %} or {% extends %}"))

    def closure(name: str, seen: set[str]) -> list[ContentError]:
        if name in seen or name not in own:
            return []
        seen.add(name)
        return own[name] + [e for ref in sorted(refs[name]) for e in closure(ref, seen)]
    return {name: closure(name, set()) for name in own}


def _material_of(path: Path | None, content: Path) -> str | None:
    """The material whose folder holds `path`, if any."""
    if path is None or not path.is_relative_to(content) or len(path.relative_to(content).parts) < 2:
        return None
    return path.relative_to(content).parts[0]


def load_languages(path: Path) -> tuple[dict[str, Language], list[BuildError]]:
    """The languages and their font stacks from `languages.yaml`."""
    try:
        data = require_mapping(load_yaml(path), path, "the file")
        scripts = require_mapping(data.get("scripts"), path, "`scripts`", data.line("scripts"))
        entries = require_mapping(data.get("languages"), path, "`languages`", data.line("languages"))
    except ContentError as exc:
        return {}, [exc]
    languages: dict[str, Language] = {}
    errors: list[BuildError] = []
    for code, entry in entries.items():
        try:
            languages[code] = _language(str(code), entry, scripts, path, entries.line(code))
        except ContentError as exc:
            errors.append(exc)
    if SOURCE_LANG not in languages and not errors:
        errors.append(ContentError(f"the source language '{SOURCE_LANG}' must be listed", path))
    return languages, errors


LANG_CODE_RE = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-[A-Z]{2})?$")   # es, zh-Hant, pt-BR


def _language(code: str, entry: object, scripts: LineDict, path: Path,
              line: int | None) -> Language:
    if not LANG_CODE_RE.match(code):      # codes become folder and file names
        raise ContentError(f"language code '{code}' must look like es, zh-Hant or pt-BR", path, line)
    entry = require_mapping(entry, path, f"language '{code}'", line)
    script = str(entry.get("script", ""))
    if script not in scripts:
        raise ContentError(f"language '{code}': unknown script '{script}'", path, line,
                           hint=f"use one of: {', '.join(scripts)}, or add it under `scripts`")
    spec = require_mapping(scripts[script], path, f"script '{script}'", scripts.line(script))
    try:
        locale = Locale.parse(str(entry.get("locale", code)).replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        raise ContentError(f"language '{code}': Babel does not know this locale", path, line,
                           hint="set `locale:` to a code Babel knows, e.g. fil for Tagalog") from None
    fonts = tuple(str(f) for f in spec.get("fonts") or [])
    if not fonts:
        raise ContentError(f"script '{script}' lists no fonts", path, scripts.line(script))
    return Language(code=code, name=str(entry.get("name") or locale.get_display_name()),
                    script=script, fonts=fonts, font_package=str(spec.get("package", "")),
                    locale=locale, joiners=_joiners(spec, script, path, scripts.line(script)))


JOINER_RE = re.compile(r"^U\+(200C|200D)$")     # zero-width non-joiner and joiner


def _joiners(spec: LineDict, script: str, path: Path, line: int | None) -> frozenset[str]:
    """The invisible joiners a script's text needs, declared as `U+200D`."""
    declared = spec.get("joiners") or []
    if not isinstance(declared, list) or not all(JOINER_RE.match(str(j)) for j in declared):
        raise ContentError(f"script '{script}': `joiners` lists U+200C and/or U+200D", path,
                           spec.line("joiners") or line,
                           hint="only the zero-width (non-)joiner may be declared")
    return frozenset(chr(int(str(j)[2:], 16)) for j in declared)


def load_material(folder: Path, contacts: dict[str, Contact], root: Path) -> Material:
    """A material with every problem found in its two files recorded on it."""
    material = Material(id=folder.name, folder=folder)
    if not ID_RE.match(folder.name):
        material.errors.append(ContentError(
            "material folder names must be lowercase letters, digits and dashes", folder))
        return material
    try:
        material.errors += _read_meta(material, root)
        if material.errors:
            return material
        _read_text(material)
        material.reviews = reviews.load_reviews(folder)
    except ContentError as exc:
        material.errors.append(exc)
        return material
    material.errors += _check_references(material, contacts)
    return material


def _read_meta(material: Material, root: Path) -> list[ContentError]:
    """material.yaml into the material: every problem in the file, not only
    the first (the parts are read only when the rest is sound)."""
    path = material.meta_path
    meta = require_mapping(load_yaml(path), path, "the file")
    problems = [ContentError(f"unknown field '{key}'", path, meta.line(key),
                             hint=f"known fields: {', '.join(sorted(MATERIAL_FIELDS))}")
                for key in meta if key not in MATERIAL_FIELDS]
    if isinstance(meta.get("title"), str) and meta["title"].strip():
        material.title = meta["title"].strip()
    else:
        problems.append(ContentError("`title` is required, as one line of text", path,
                                     meta.line("title") or meta.start_line))
    fmt = meta.get("format")
    if isinstance(fmt, str) and fmt in FORMATS:
        material.format = FORMATS[fmt]
    else:
        what = ("`format` is required" if fmt is None else f"unknown format '{fmt}'"
                if isinstance(fmt, str) else "`format` is one name, not a list or mapping")
        problems.append(ContentError(what, path, meta.line("format") or meta.start_line,
                                     hint=f"use one of: {', '.join(FORMATS)}"))
    material.template = str(meta.get("template") or (f"{fmt}.html" if material.format else ""))
    if not material.template:
        pass                                  # no format: nothing to look for
    elif not re.fullmatch(r"[a-z0-9][a-z0-9-]*\.html", material.template):
        problems.append(ContentError(f"template '{material.template}' must be a file name in "
                                     "templates/ (lowercase letters, digits and dashes, ending "
                                     "in .html)", path, meta.line("template")))
    elif material.format and not (root / "templates" / material.template).is_file():
        problems.append(ContentError(f"template '{material.template}' not found in templates/",
                                     path, meta.line("template"),
                                     hint="name a file in templates/, or remove `template` to "
                                          "use the format's"))
    try:
        material.revision = dt.date.fromisoformat(str(meta.get("revision")))
    except ValueError:
        problems.append(ContentError(f"`revision` '{meta.get('revision')}' is not a date",
                                     path, meta.line("revision") or meta.start_line,
                                     hint="write it as YYYY-MM-DD"))
    flyer = meta.get("flyer", False)
    material.flyer = flyer is True
    if "flyer" in meta and (not isinstance(flyer, bool) or fmt != "handout"):
        problems.append(ContentError("`flyer` is `true` or `false`, and only handouts have "
                                     "flyers", path, meta.line("flyer")))
    sources = meta.get("sources") or []
    if isinstance(sources, list) and all(isinstance(s, str) and s.strip() for s in sources):
        material.sources = [s.strip() for s in sources]
    else:
        problems.append(ContentError("`sources` lists the sources its health and legal "
                                     "statements follow, one line each", path, meta.line("sources")))
    if problems:
        return problems
    parts = require_mapping(meta.get("parts"), path, "`parts`", meta.line("parts"))
    for name, spec in parts.items():
        material.parts[str(name)] = _part(str(name), spec or LineDict(), path, parts.line(name))
    return []


def _part(name: str, spec: object, path: Path, line: int | None) -> Part:
    spec = require_mapping(spec, path, f"part '{name}'", line)
    for key in spec:
        if key not in PART_FIELDS:
            raise ContentError(f"part '{name}': unknown field '{key}'", path, spec.line(key),
                               hint="a part may list `qr` and `contacts`")
    qr = []
    for item in spec.get("qr") or []:
        item = require_mapping(item, path, f"part '{name}': each qr entry", spec.line("qr"))
        action = str(item.get("action", ""))
        if action not in QR_ACTIONS:
            raise ContentError(f"part '{name}': qr action '{action}' must be 'call' or 'open'",
                               path, item.line("action") or spec.line("qr"))
        qr.append(QRSpec(contact=str(item.get("contact", "")), action=action))
    contacts = [str(c) for c in spec.get("contacts") or []]
    return Part(name=name, source="", first_line=0, qr=qr, contacts=contacts)


def _read_text(material: Material) -> None:
    """Split en.md into the parts named by `<!-- part: NAME -->` lines."""
    path = material.text_path
    try:
        source = path.read_text(encoding="utf-8-sig")      # a byte-order mark is not text
        lines = source.splitlines()
    except FileNotFoundError:
        raise ContentError("the English text is missing", path,
                           hint="create it with one `<!-- part: NAME -->` line per part") from None
    except UnicodeDecodeError:
        raise ContentError("not UTF-8 text", path, hint="save the file as UTF-8") from None
    found: dict[str, tuple[int, list[str]]] = {}
    current = None
    for number, line in enumerate(lines, start=1):
        mark = PART_MARK_RE.match(line)
        if mark:
            current = mark.group(1)
            if current in found:
                raise ContentError(f"part '{current}' appears twice", path, number)
            if current not in material.parts:
                raise ContentError(f"part '{current}' is not listed in material.yaml", path, number,
                                   hint=f"parts listed: {', '.join(material.parts)}")
            found[current] = (number + 1, [])
        elif current is not None:
            found[current][1].append(line)
        elif line.strip():
            raise ContentError("text before the first `<!-- part: NAME -->` line", path, number)
    _check_parts(material, found)
    layout = [[name, [[q.contact, q.action] for q in part.qr], part.contacts]
              for name, part in material.parts.items()]
    material.english = reviews.english_hash(material.title, source, json.dumps(layout))
    for name, (first, body) in found.items():
        material.parts[name].source = "\n".join(body).strip("\n")
        material.parts[name].first_line = first + _leading_blank(body)


def _leading_blank(body: list[str]) -> int:
    count = 0
    for line in body:
        if line.strip():
            break
        count += 1
    return count


def _check_parts(material: Material, found: dict) -> None:
    fmt = material.format
    assert fmt is not None
    missing = [p for p in material.parts if p not in found]
    if missing:
        raise ContentError(f"no text for part(s) {', '.join(missing)}", material.text_path,
                           hint="add a `<!-- part: NAME -->` line for each part in material.yaml")
    if fmt.parts is not None and set(material.parts) != set(fmt.parts):
        raise ContentError(
            f"a {fmt.name} has the parts {', '.join(fmt.parts)}; this lists "
            f"{', '.join(material.parts)}", material.meta_path,
            hint="rename the parts in material.yaml and en.md to match the format")
    if fmt.parts is not None:   # the template places parts; keep the format's order
        material.parts = {name: material.parts[name] for name in fmt.parts}


def _check_references(material: Material, contacts: dict[str, Contact]) -> list[BuildError]:
    """Unknown contacts, QR codes without a number or URL, bad Markdown."""
    errors: list[BuildError] = []
    meta, md = material.meta_path, material.text_path
    for part in material.parts.values():
        for spec in part.qr:
            contact = contacts.get(spec.contact)
            if contact is None:
                errors.append(_unknown(spec.contact, meta, f"part '{part.name}' qr"))
            elif not contact.has(QR_ACTIONS[spec.action]):
                errors.append(ContentError(
                    f"part '{part.name}': qr '{spec.action}' for '{spec.contact}', "
                    f"which has no {QR_ACTIONS[spec.action]}", meta))
        errors += [_unknown(cid, meta, f"part '{part.name}' contacts")
                   for cid in part.contacts if cid not in contacts]
        for problem in text.check_markdown(part.source):
            errors.append(ContentError(problem.message, md, part.first_line + problem.offset_line,
                                       hint=problem.hint))
        errors += _check_placeholders(part.source, contacts, md, part.first_line)
    errors += _check_placeholders(material.title, contacts, meta, None)
    return errors


def _unknown(cid: str, path: Path, where: str) -> ContentError:
    return ContentError(f"{where}: unknown contact '{cid}'", path,
                        hint="use an id from pamphlets/contacts.yaml, or add the contact there")


def _check_placeholders(source: str, contacts: dict[str, Contact], path: Path,
                        first_line: int | None) -> list[BuildError]:
    errors: list[BuildError] = []
    for offset, line in enumerate(source.splitlines()):
        if re.search(r"\{\{|\{%|\{#", line):
            errors.append(ContentError(
                "template syntax ({{ }}, {% %}) in the text", path,
                first_line + offset if first_line else None,
                hint="a placeholder has single braces: {hep.url}"))
        literal = text.PLACEHOLDER_RE.sub(" ", line)
        typed = [n.raw for n in printed.phone_numbers(literal)] + printed.domains(literal)
        if typed:
            errors.append(ContentError(
                f"{', '.join(typed)} typed into the text: numbers and addresses come from the "
                "registry", path, first_line + offset if first_line else None,
                hint="write a placeholder such as {never-use-alone.phone} or {hep.url}; add the "
                     "contact to pamphlets/contacts.yaml (with its source) if it is new"))
        for cid, fld in text.placeholders(line):
            where = first_line + offset if first_line else None
            if cid not in contacts:
                error = _unknown(cid, path, f"placeholder {{{cid}.{fld}}}")
                error.line = where
                errors.append(error)
            elif fld not in text.PLACEHOLDER_FIELDS:
                errors.append(ContentError(
                    f"placeholder {{{cid}.{fld}}}: `{fld}` is not a field that prints", path, where,
                    hint=f"printable fields: {', '.join(text.PLACEHOLDER_FIELDS)}"))
            elif not contacts[cid].has(fld):
                errors.append(ContentError(
                    f"placeholder {{{cid}.{fld}}}: contact '{cid}' has no `{fld}`", path, where,
                    hint=f"add `{fld}` to '{cid}' in pamphlets/contacts.yaml (with its source), "
                         "or use a field it has"))
    return errors
