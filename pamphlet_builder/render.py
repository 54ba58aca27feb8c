"""HTML from content: the view of one material in one language that the
templates see, and the template rendered with it (templating.py makes the
Jinja environment).

Autoescape is on and undefined names fail (StrictUndefined): a missing
number never prints blank. Content text reaches templates only as Markup
made by `text.render_markdown`, which escapes everything it did not build.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from babel import Locale
from babel.dates import format_date, format_skeleton
from markupsafe import Markup, escape

from . import text
from .contacts import Contact
from .content import SOURCE_LANG, Language, Material, Project
from .errors import ContentError
from .qr import QRCode, make_qr
from .translations import CONTACTS, UI, Translator
from .variants import Variant

DRAFT_NOTICE = "Draft translation - not reviewed"
LONE_PERCENT = re.compile(r"%(?!\([a-z_]+\)s)")


@dataclass
class ContactView:
    """A contact as printed: translated words, registry numbers."""

    id: str
    name: str
    does: str
    hours: str | None
    where: str | None
    phone: str | None
    tel: str | None
    text: str | None
    sms: str | None
    url: str | None
    url_display: str | None
    verified: bool
    confirmed: str             # the month it was confirmed, in the reader's language; "—" if not
    name_lang: str | None = None   # "en" where the name stays English in another language


@dataclass
class PartView:
    name: str
    html: Markup               # the whole part
    heading: Markup | None     # its opening heading, if it starts with one
    body: Markup               # the part without that heading
    qr: list[QRCode]
    contacts: list[ContactView]


@dataclass
class DocumentView:
    """Everything a template needs to print one material in one language."""

    material_id: str
    format: str
    lang: Language
    title: Markup
    title_plain: str
    revision: str
    revision_iso: str
    page_size: str
    paper: str
    parts: dict[str, PartView]
    contacts: dict[str, ContactView]
    fit_scale: float = 1.0
    variant: str = "standard"
    modified_iso: str = ""             # SOURCE_DATE_EPOCH if set, else the revision date
    fold_marks: bool = False
    color_profile: str | None = None   # the CMYK output intent (print-shop files)
    links: bool = True                 # numbers and addresses as tel:, sms: and https: links
    unverified: list[ContactView] = field(default_factory=list)
    draft: bool = False
    final: bool = False                # a --final print: carries its content review date
    content_review: str | None = None  # date of the clinician's review of this English
    draft_notice: str = DRAFT_NOTICE
    stylesheets: list[str] = field(default_factory=list)
    inline_css: Markup = Markup("")    # the web edition's stylesheet, in the page
    reading_order: list[str] = field(default_factory=list)   # part names, as read

    @property
    def proof(self) -> bool:
        """A proof is anything not fit to hand out: draft text or unverified contacts."""
        return self.draft or bool(self.unverified)


def modified_time(revision: dt.date) -> str:
    """The PDF's modification date: SOURCE_DATE_EPOCH when a reproducible
    build sets it, else the material's revision date; never the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        moment = dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{revision.isoformat()}T00:00:00Z"


def contact_view(contact: Contact, translate: Translator, locale: Locale | str = "en") -> ContactView:
    def tr(fld: str) -> str | None:
        value = getattr(contact, fld)
        return translate(CONTACTS, f"{contact.id}.{fld}", value) if value else None

    name = tr("name") or contact.name
    reader = getattr(locale, "language", str(locale).split("_")[0])
    return ContactView(
        id=contact.id, name=name, does=tr("does") or contact.does,
        name_lang="en" if name == contact.name and reader != "en" else None,
        hours=tr("hours"), where=tr("where"),
        phone=contact.phone.display if contact.phone else None,
        tel=contact.phone.tel_uri if contact.phone else None,
        text=contact.text.display if contact.text else None,
        sms=contact.text.tel_uri.replace("tel:", "sms:", 1) if contact.text else None,
        url=contact.url, url_display=contact.url_display, verified=contact.verified is not None,
        confirmed=confirmed_month(contact, locale))


def confirmed_month(contact: Contact, locale: Locale | str) -> str:
    """The month the entry was confirmed, as its readers write it
    ("December 2026", "diciembre de 2026", "2026년 12월")."""
    when = contact.verified_date
    return format_skeleton("yMMMM", when, locale=locale) if when else "\u2014"


def _filler(views: dict[str, ContactView], links: bool):
    """Fills `{id.field}` placeholders; numbers and addresses stay left-to-right,
    and with `links` they are links a phone can follow."""
    def fill(cid: str, fld: str) -> Markup:
        view = views.get(cid)
        if view is None or fld not in text.PLACEHOLDER_FIELDS or getattr(view, fld, None) is None:
            # Content and translation checks refuse this first; never print a blank.
            raise ContentError(f"placeholder {{{cid}.{fld}}} names a contact or field this "
                               "material does not print")
        mark = "" if view.verified else " unverified"
        if fld in ("phone", "text", "url"):
            value = {"phone": view.phone, "text": view.text, "url": view.url_display}[fld]
            number = Markup('<bdi dir="ltr" class="{}{}">{}</bdi>').format(fld, mark, value)
            href = {"phone": view.tel, "text": view.sms, "url": view.url}[fld] if links else None
            return Markup('<a href="{}">{}</a>').format(href, number) if href else number
        if fld == "confirmed":
            return Markup('<span class="confirmed{}">{}</span>').format(mark, view.confirmed)
        return escape(getattr(view, fld))
    return fill


def english_names(project: Project) -> list[str]:
    """The registry's names as written in English ("Hepatitis Education
    Project (HEP)" also without its "(HEP)"): where a translation keeps one,
    it is marked as English."""
    names = {c.name for c in project.contacts.values()}
    return sorted(names | {re.sub(r"\s*\([^)]*\)$", "", n) for n in names} - {""})


def document_view(project: Project, material: Material, lang: Language,
                  translate: Translator, paper: str, variant: Variant) -> DocumentView:
    """The view of one material in one language and variant; QR codes made here."""
    assert material.format is not None and material.revision is not None
    views = {cid: contact_view(project.contacts[cid], translate, lang.locale)
             for cid in material.contact_ids()}
    fill = _filler(views, variant.accessible)
    # What stays in English: in a language of another script, every run of
    # Latin words; in one written in Latin letters, the registry's names.
    english = ([] if lang.code == SOURCE_LANG else list(text.LATIN_RUNS) if lang.script != "latin"
               else english_names(project))
    domain = material.id
    parts = {}
    for part in material.parts.values():
        def translated(unit: str, name: str = part.name) -> str:
            return translate(domain, name, unit)

        rendered = text.render_markdown(part.source, translated, fill, english)
        parts[part.name] = PartView(
            name=part.name, html=rendered.html, heading=rendered.heading, body=rendered.body,
            qr=[make_qr(project.contacts[q.contact], q, variant.qr_fill)
                for q in part.qr],
            contacts=[views[cid] for cid in part.contacts])
    title_src = translate(domain, "title", material.title)
    width, height = material.format.page_size_pt(variant.paper or paper)
    view = DocumentView(
        material_id=material.id, format=material.format.name, lang=lang,
        title=text.render_inline(title_src, fill, english), title_plain=text.plain(title_src),
        revision=format_date(material.revision, "long", locale=lang.locale),
        revision_iso=material.revision.isoformat(),
        page_size=f"{width:.3f}pt {height:.3f}pt", paper=paper, parts=parts, contacts=views,
        unverified=[v for v in views.values() if not v.verified],
        variant=variant.name, modified_iso=modified_time(material.revision),
        reading_order=list(material.format.reading_order or parts),
        content_review=material.content_review.date if material.content_review else None,
        color_profile=next((p for p in variant.color_profiles if (project.root / p).is_file()), None),
        links=variant.accessible,
        stylesheets=["styles/theme.css", "styles/common.css", f"styles/{material.format.name}.css"]
        + ([f"styles/{variant.stylesheet}"] if variant.stylesheet else []))
    return view


def render_html(env: jinja2.Environment, template: str, view: DocumentView,
                translate: Translator) -> str:
    """The HTML of one document; template errors name the template and line."""
    def gettext(message: str, **variables) -> Markup:
        # Escaped here: Jinja marks newstyle gettext results as safe. Jinja
        # then %-formats every result with the template's variables: a "%"
        # that is not a %(name)s variable prints as written ("100 %").
        result = escape(translate(UI, None, message))
        result = Markup(LONE_PERCENT.sub("%%", result))
        return result % variables if variables else result

    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext, lambda s, p, n, **kw: gettext(s if n == 1 else p, **kw), newstyle=True)
    try:
        html = env.get_template(template).render(doc=view)
    except jinja2.TemplateSyntaxError as exc:
        raise ContentError(f"template error: {exc.message}", Path("templates") / (exc.name or template),
                           exc.lineno) from None
    except jinja2.TemplateNotFound as exc:
        raise ContentError(f"template '{exc.name}' not found in templates/ (included, imported or "
                           f"extended by {template})", Path("templates") / template,
                           hint="check the name in {% include %}, {% import %} or {% extends %}") from None
    except jinja2.UndefinedError as exc:
        raise ContentError(f"template uses something undefined: {exc.message}",
                           Path("templates") / template,
                           hint="check the names the template uses against the README") from None
    # Draft state is final only after the template asked for its UI words.
    return html
