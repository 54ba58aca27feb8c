"""The last line of defence: read back what a finished PDF prints.

Before a PDF replaces the previous one, its text is extracted page by page
(pdfium, the way a reader's viewer sees it) and every phone number, short
code and web address in it must belong to a registry entry that the
material prints. Every QR code's target must also be printed as plain text
on its page, for people without a phone that scans, and every link must
go to one of those numbers or to a registry address: a link is a number
too, only one nobody reads. Anything else fails that output and its
previous PDF is kept. This also catches a number typed
into a template or a stylesheet's `content:`, which no translation rule sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import printed
from .contacts import Contact
from .errors import RenderError


@dataclass(frozen=True)
class Allowed:
    """What a material may print: numbers (E.164 or short code) and hosts."""

    phones: dict[str, str] = field(default_factory=dict)    # dial -> contact id
    links: dict[str, str] = field(default_factory=dict)     # host -> the registry's URL

    @property
    def short_codes(self) -> frozenset[str]:
        return printed.SHORT_CODES | {d for d in self.phones if not d.startswith("+")}


def allowed_for(contacts: list[Contact]) -> Allowed:
    phones, links = {}, {}
    for contact in contacts:
        for number in (contact.phone, contact.text):
            if number is not None:
                phones[number.tel_uri.removeprefix("tel:")] = contact.id
        if contact.url:
            links[printed.host_of(contact.url)] = contact.url
    return Allowed(phones, links)


@dataclass(frozen=True)
class QRTarget:
    page: int          # 1-based
    target: str        # tel:+1... or https://...


@dataclass
class PageRead:
    text: str                     # as pdfium extracts it
    links: list[str]              # the URI of each link annotation


def read_pages(data: bytes) -> list[PageRead]:
    """Each page's text and link addresses, read by pdfium in one pass (the
    viewer in Chrome, and far quicker than parsing a tagged PDF in Python)."""
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as raw
    document = pdfium.PdfDocument(data)
    try:
        pages = []
        for page in document:
            textpage = page.get_textpage()
            pages.append(PageRead(textpage.get_text_bounded(), _links(document, page, raw, ctypes)))
            textpage.close()
            page.close()
        return pages
    finally:
        document.close()


def _links(document, page, raw, ctypes) -> list[str]:
    found = []
    for index in range(raw.FPDFPage_GetAnnotCount(page)):
        annotation = raw.FPDFPage_GetAnnot(page, index)
        try:
            if raw.FPDFAnnot_GetSubtype(annotation) != raw.FPDF_ANNOT_LINK:
                continue
            link = raw.FPDFAnnot_GetLink(annotation)
            action = raw.FPDFLink_GetAction(link) if link else None
            uri = ""
            if action and raw.FPDFAction_GetType(action) == raw.PDFACTION_URI:
                size = raw.FPDFAction_GetURIPath(document, action, None, 0)
                buffer = ctypes.create_string_buffer(size)
                raw.FPDFAction_GetURIPath(document, action, buffer, size)
                uri = buffer.value.decode("ascii", "replace")    # 7-bit ASCII, by the spec
            found.append(uri or "(a link without an address)")
        finally:
            raw.FPDFPage_CloseAnnot(annotation)
    return found


def page_texts(data: bytes) -> list[str]:
    """The text of each page, as pdfium extracts it."""
    return [page.text for page in read_pages(data)]


def audit_pdf(data: bytes, allowed: Allowed, qr: list[QRTarget],
              links_allowed: bool = True) -> dict[str, list[str]]:
    """What the PDF prints, {"phones": [...], "links": [...]}; a RenderError
    naming the page and the text if anything is not the registry's (or if
    there is any link where `links_allowed` is false: PDF/X)."""
    pages = read_pages(data)
    texts = [page.text for page in pages]
    problems = []
    for number, uri in ((n, uri) for n, page in enumerate(pages, start=1) for uri in page.links):
        if not links_allowed:
            problems.append(f"page {number}: a link ({uri}) in a file that may have none")
        elif not _registry_link(uri, allowed):
            problems.append(f"page {number}: the link '{uri}' does not go to a number or address "
                            "of the registry for this material")
    phones: set[str] = set()
    links: set[str] = set()
    found_on: list[tuple[set[str], set[str]]] = []
    for number, text in enumerate(texts, start=1):
        numbers = printed.phone_numbers(text, allowed.short_codes)
        page_phones = {n.dial for n in numbers}
        page_hosts = set(printed.domains(text))
        for n in numbers:
            if n.dial not in allowed.phones:
                problems.append(f"page {number}: the number '{n.raw}' is not in the registry "
                                "for this material")
        for host in page_hosts:
            if host not in allowed.links:
                problems.append(f"page {number}: the address '{host}' is not in the registry "
                                "for this material")
        phones |= page_phones & set(allowed.phones)
        links |= {allowed.links[h] for h in page_hosts if h in allowed.links}
        found_on.append((page_phones, page_hosts))
    for code in qr:
        page_phones, page_hosts = found_on[code.page - 1] if 0 < code.page <= len(texts) else (set(), set())
        if code.target.startswith("tel:"):
            shown = code.target.removeprefix("tel:") in page_phones
        else:
            shown = printed.host_of(code.target) in page_hosts
        if not shown:
            problems.append(f"page {code.page}: the QR code for {code.target} has no plain-text "
                            "number or address beside it")
    if problems:
        raise RenderError("what the PDF prints does not match the registry: " + "; ".join(problems),
                          hint="numbers and addresses come only from pamphlets/contacts.yaml, "
                               "through {contact.field} placeholders; look for one typed into "
                               "a translation, a template or a stylesheet")
    return {"phones": sorted(phones), "links": sorted(links)}


def _registry_link(uri: str, allowed: Allowed) -> bool:
    scheme, _, rest = uri.partition(":")
    if scheme in ("tel", "sms"):
        return rest in allowed.phones
    return scheme == "https" and uri in allowed.links.values()
