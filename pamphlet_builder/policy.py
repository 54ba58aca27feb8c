"""What may be printed: the checks that stop a material in a language
before anything renders.

- Every entry it prints keeps the translation rules (translations.py).
- No entry is missing, unless --allow-fallback prints English there.
- With --final: only confirmed, recent contacts, health content a
  clinician reviewed, and translations a person reviewed.
"""

from __future__ import annotations

import datetime as dt

from babel.messages.catalog import Catalog

from .content import SOURCE_LANG, Language, Material, Project
from .errors import BuildError, ContentError
from .model import BuildOptions
from .translations import (CONTACT_FIELDS, CONTACTS, UI, Translator, broken_entries, catalog_path,
                           translator_for)



def material_error(material: Material) -> BuildError:
    """The problems of a material whose files failed to load, as one error."""
    if len(material.errors) == 1:
        return material.errors[0]
    return ContentError(f"{len(material.errors)} problems in this material:\n" +
                        "\n".join("  " + e.format() for e in material.errors), material.folder)


def prepare_translation(project: Project, material: Material, lang: Language,
                        options: BuildOptions, templates: dict[str, Catalog]) -> Translator:
    """The language's Translator, after the checks that stop every variant:
    missing entries (without --allow-fallback) and, with --final, drafts."""
    translate = translator_for(project, lang.code, [UI, CONTACTS, material.id], templates)
    _refuse_broken_entries(project, material, lang, translate)
    for message in templates[UI]:             # every UI word counts toward draft state
        if isinstance(message.id, str) and message.id:
            translate(UI, message.context, message.id)
    for domain in (CONTACTS, material.id):    # so does all of the material's own text
        for message in templates[domain]:
            if isinstance(message.id, str) and message.id and (
                    domain == material.id
                    or (message.context or "").split(".")[0] in material.contact_ids()):
                translate(domain, message.context, message.id)
    if translate.missing and not options.allow_fallback:
        # The material's own text first: it is what a translator works on.
        ordered = sorted(translate.missing, key=lambda m: (not m.startswith(material.id + ":"),
                                                           m.startswith(UI + ":")))
        shown = "\n".join(f"      {m}" for m in ordered[:8])
        more = f"\n      ... and {len(translate.missing) - 8} more" if len(translate.missing) > 8 else ""
        raise ContentError(f"{len(translate.missing)} entries have no {lang.code} translation:\n"
                           f"{shown}{more}", catalog_path(project, lang.code, material.id),
                           hint="translate them, or build with --allow-fallback to print English there")
    if options.final:
        _refuse_unfinished(project, material, lang, translate, options)
    return translate


def _refuse_broken_entries(project: Project, material: Material, lang: Language,
                           translate: Translator) -> None:
    """Every entry this material prints, held to the translation rules before
    anything renders: a broken one fails this language's material, by name."""
    if lang.code == SOURCE_LANG:
        return
    printed_contacts = {f"{cid}.{fld}" for cid in material.contact_ids() for fld in CONTACT_FIELDS}
    broken = []
    for domain, only in ((material.id, None), (CONTACTS, printed_contacts), (UI, None)):
        broken += broken_entries(project, lang.code, domain, translate.catalogs[domain], only)
    if len(broken) == 1:
        raise broken[0]
    if broken:
        raise ContentError(f"{len(broken)} {lang.code} entries break the translation rules:\n" +
                           "\n".join("  " + e.format(project.root) for e in broken),
                           catalog_path(project, lang.code, material.id),
                           hint="fix each msgstr named above, then build again")


def _refuse_unfinished(project: Project, material: Material, lang: Language,
                       translate: Translator, options: BuildOptions) -> None:
    """--final prints only what named people checked: confirmed, recent
    contacts, reviewed health content and reviewed translations."""
    reasons = []
    contacts = [project.contacts[cid] for cid in material.contact_ids()]
    unverified = [c.id for c in contacts if c.verified is None]
    if unverified:
        reasons.append("it prints unverified contact(s) " + ", ".join(unverified) +
                       " (confirm them and set `verified` in pamphlets/contacts.yaml)")
    today = dt.date.today()
    old = [f"{c.id} ({c.verified})" for c in contacts
           if c.verified is not None and (c.months_since_verified(today) or 0) > options.max_age_months]
    if old:
        reasons.append(f"contact(s) last confirmed more than {options.max_age_months} months ago: "
                       + ", ".join(old) + " (confirm them again and update `verified`)")
    if material.content_review is None:
        reasons.append("its health content is " + ("changed since its last review" if material.reviews
                                                   else "not reviewed by a clinician") +
                       f" (`content review {material.id} --by NAME --role ROLE`)")
    if translate.stale or translate.missing:
        reasons.append(f"its {lang.code} translation has {len(translate.stale)} stale and "
                       f"{len(translate.missing)} missing entries")
    elif translate.unreviewed:
        reasons.append(f"its {lang.code} translation has {translate.unreviewed} unreviewed "
                       "entries (a reviewer records the review: see README, Translators)")
    if reasons:
        raise ContentError("--final refuses this material: " + "; ".join(reasons),
                           material.folder)
