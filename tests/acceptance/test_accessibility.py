"""Every material readable by everyone, checked on the built files:

- the office PDFs are tagged PDF/UA-1 (read back with pypdf and poppler's
  `pdfinfo -struct-text`, not with the code that wrote them): language,
  alternative text on every QR code, English names marked as English,
  Arabic in logical order, footer and proof strips as artifacts, a
  tri-fold read cover first, and links that go only where the registry says;
- the web edition passes axe-core (the copy bundled with
  axe-playwright-python) in the Chromium the tests already use, asks
  nothing of the network, and reads well at a phone's width;
- print-shop files: an output intent, no RGB or grey anywhere (content
  streams and form XObjects), type under 12 pt in 100% K, no links.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from pypdf import PdfReader
from pypdf.generic import ContentStream

from pamphlet_builder.audit import page_texts
from pamphlet_builder.content import load_project
from pamphlet_builder.model import BuildOptions, documents, web_pages
from pamphlet_builder.variants import BY_NAME

from ..conftest import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE_LANGS = ("en", "ar", "am")


# --- reading the structure tree back ------------------------------------------

def struct_elements(reader: PdfReader):
    """Every structure element, depth first in tree order."""
    def walk(node):
        node = node.get_object()
        if isinstance(node, dict):
            if "/S" in node:
                yield node
            kids = node.get("/K")
            for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
                if not isinstance(kid, int):
                    yield from walk(kid)
    yield from walk(reader.trailer["/Root"]["/StructTreeRoot"])


def struct_text(path: Path) -> list[str]:
    """The text of the structure tree in its order, as poppler reads it."""
    result = subprocess.run(["pdfinfo", "-struct-text", str(path)], capture_output=True, text=True,
                            check=True)
    return [m.group(1).replace("\u00a0", " ")
            for m in re.finditer(r'^\s*"(.*)"$', result.stdout, re.M) if m.group(1).strip()]


def link_uris(reader: PdfReader) -> list[str]:
    return [str(a.get_object()["/A"]["/URI"]) for page in reader.pages
            for a in page.get("/Annots") or [] if a.get_object().get("/Subtype") == "/Link"]


def accessible(manifest) -> list[dict]:
    return [e for e in documents(manifest["outputs"]) if BY_NAME[e["variant"]].accessible]


def test_every_office_document_is_tagged_pdf_ua_1(default_build):
    out, manifest = default_build
    entries = accessible(manifest)
    assert {e["format"] for e in entries} == {"wallet-card", "handout", "trifold"}
    assert {e["variant"] for e in entries} == {"standard", "photocopy", "large-print"}
    for entry in entries:
        reader = PdfReader(out / entry["path"])
        root = reader.trailer["/Root"]
        assert root["/MarkInfo"]["/Marked"] and root["/ViewerPreferences"]["/DisplayDocTitle"]
        assert root["/Lang"] == entry["lang"], entry["path"]
        assert b'pdfuaid:part="1"' in root["/Metadata"].get_object().get_data()
        assert reader.metadata.title == entry["title"]
        kinds = [str(e["/S"]) for e in struct_elements(reader)]
        assert "/H1" in kinds or "/H2" in kinds, entry["path"]
        figures = [e for e in struct_elements(reader) if e["/S"] == "/Figure"]
        assert len(figures) == len(entry["qr"]), entry["path"]          # the QR codes, and only them
        for figure in figures:
            alt = str(figure.get("/Alt", ""))
            assert "QR" in alt, (entry["path"], alt)
            assert any(re.sub(r"\D", "", q["target"]) in re.sub(r"\D", "", alt)
                       if q["target"].startswith("tel:") else q["target"].removeprefix("https://") in alt
                       for q in entry["qr"]), (entry["path"], alt)


def test_qr_alternative_text_names_the_service_and_its_number(default_build):
    out, _ = default_build
    [figure] = [e for e in struct_elements(PdfReader(out / "en/never-use-alone-card.pdf"))
                if e["/S"] == "/Figure"]
    assert figure["/Alt"] == "QR code: call Never Use Alone, 1-800-484-3731"
    alts = [str(e["/Alt"]) for e in struct_elements(PdfReader(out / "es/help-lines-card.pdf"))
            if e["/S"] == "/Figure"]
    assert "Código QR: llamar a Never Use Alone, 1-800-484-3731" in alts


def test_links_go_only_to_the_registry_and_every_number_is_one(default_build):
    """Every link is a tel:/sms: number or an https: address of the registry
    entries the material prints; every document that prints one has links."""
    out, manifest = default_build
    project = load_project(ROOT)
    for entry in accessible(manifest):
        material = project.materials[entry["material"]]
        contacts = [project.contacts[c] for c in material.contact_ids()]
        allowed = {n.tel_uri for c in contacts for n in (c.phone, c.text) if n}
        allowed |= {n.tel_uri.replace("tel:", "sms:") for c in contacts if (n := c.text)}
        allowed |= {c.url for c in contacts if c.url}
        uris = link_uris(PdfReader(out / entry["path"]))
        assert set(uris) <= allowed, (entry["path"], set(uris) - allowed)
        printed = {f"tel:{p}" for p in entry["printed"]["phones"]} | set(entry["printed"]["links"])
        assert printed & set(uris) == printed & allowed, entry["path"]     # each printed one links


def test_imposed_sheets_and_flyers_are_not_tagged(default_build):
    """Their pages are other documents' pages, redrawn: they claim nothing."""
    out, manifest = default_build
    flyers = [e for e in documents(manifest["outputs"]) if e["variant"] == "flyer"]
    sheets = [e for e in manifest["outputs"] if e["kind"] == "sheet"]
    assert flyers and sheets
    for entry in flyers + sheets[:10]:
        reader = PdfReader(out / entry["path"])
        assert "/StructTreeRoot" not in reader.trailer["/Root"]
        metadata = reader.trailer["/Root"].get("/Metadata")
        assert metadata is None or b"pdfuaid" not in metadata.get_object().get_data()
        assert not link_uris(reader), entry["path"]


def test_english_names_in_other_languages_are_marked_english(default_build):
    out, manifest = default_build
    for entry in accessible(manifest):
        if entry["lang"] == "en":
            continue
        langs = {str(e["/Lang"]) for e in struct_elements(PdfReader(out / entry["path"])) if "/Lang" in e}
        assert langs <= {"en"}, entry["path"]      # only English is marked: the names left in it
    # In a Somali sentence: the service's name, and only it.
    reader = PdfReader(out / "so/safer-use-handout.pdf")
    marked = [e for e in struct_elements(reader) if e.get("/Lang") == "en"]
    assert len(marked) >= 3


def test_arabic_reads_in_logical_order(default_build):
    """The glyphs are drawn right to left (poppler reads them reversed); each
    span carries the text as written, which is the translation itself."""
    out, _ = default_build
    with open(ROOT / "translations/ar/never-use-alone-card.po", "rb") as f:
        catalog = read_po(f)
    written = catalog.get("Call before you use. Someone will stay on the line with you.",
                          context="front").string
    reader = PdfReader(out / "ar/never-use-alone-card.pdf")
    actual = [str(e["/ActualText"]) for e in struct_elements(reader) if "/ActualText" in e]
    assert written in actual
    assert written not in struct_text(out / "ar/never-use-alone-card.pdf")   # stored in visual order


def test_footer_and_proof_strips_are_artifacts(default_build):
    out, manifest = default_build
    for entry in accessible(manifest)[::7]:
        path = out / entry["path"]
        printed = " ".join(page_texts(path.read_bytes()))      # on the page, as any viewer shows it
        read = " ".join(struct_text(path))                     # what a screen reader is given
        footer = f"{entry['material']} · {entry['lang']}"
        assert footer in printed and footer not in read, entry["path"]
        if entry["unverified"]:
            assert "PROOF, NOT FOR DISTRIBUTION" in printed and "PROOF, NOT FOR DISTRIBUTION" not in read


def test_a_trifold_reads_cover_first_then_the_flap_the_inside_and_the_back(default_build):
    out, _ = default_build
    text = struct_text(out / "en/moud-trifold.pdf")
    order = [next(i for i, t in enumerate(text) if t.startswith(s)) for s in (
        "Medicines to", "Is this for me?", "How the medicines help", "Start at the STEP Clinic",
        "Talk to someone now")]
    assert order == sorted(order), order


# --- the web edition ---------------------------------------------------------

def test_every_material_has_a_web_page_linked_from_the_catalog(default_build):
    out, manifest = default_build
    pages = web_pages(manifest["outputs"])
    offices = {(e["material"], e["lang"]) for e in documents(manifest["outputs"]) if e["variant"] == "standard"}
    assert {(e["material"], e["lang"]) for e in pages} == offices
    catalog = (out / "index.html").read_text("utf-8")
    for entry in pages:
        assert f'href="{entry["path"]}"' in catalog
        html = (out / entry["path"]).read_text("utf-8")
        assert f'<html lang="{entry["lang"]}"' in html
        assert not re.search(r'<(link|script|img|iframe)\b|@import|url\(', html), entry["path"]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    assert Path(CHROMIUM).exists(), "install Debian's chromium (./run.sh test does)"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield chromium
        chromium.close()


@pytest.mark.parametrize("lang", AXE_LANGS)
def test_web_pages_have_no_axe_violations(default_build, browser, lang):
    from axe_playwright_python.sync_playwright import Axe
    out, manifest = default_build
    pages = [e for e in web_pages(manifest["outputs"]) if e["lang"] == lang]
    assert len(pages) == len({e["material"] for e in web_pages(manifest["outputs"])})
    page = browser.new_page(viewport={"width": 390, "height": 844})     # a phone
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    try:
        for entry in pages:
            page.goto((out / entry["path"]).as_uri())
            results = Axe().run(page)
            assert results.violations_count == 0, (entry["path"], results.generate_report())
            assert page.evaluate("document.documentElement.dir") == ("rtl" if lang == "ar" else "ltr")
            # One column at a phone's width: nothing wider than the screen.
            assert page.evaluate("document.documentElement.scrollWidth") <= 390, entry["path"]
            links = page.eval_on_selector_all("a[href^='tel:'], a[href^='https:']", "a => a.map(x => x.href)")
            assert links, entry["path"]                                 # numbers to tap
    finally:
        page.close()
    assert all(url.startswith("file://") for url in requests), requests


def test_a_web_page_shows_the_same_proof_marks_and_numbers(default_build):
    out, manifest = default_build
    html = (out / "es/never-use-alone-card.html").read_text("utf-8")
    assert "DRAFT TRANSLATION - NOT REVIEWED" in html and "UNVERIFIED: never-use-alone" in html
    assert '<a href="tel:+18004843731"><bdi dir="ltr" class="phone unverified">1-800-484-3731</bdi></a>' in html


# --- print-shop files ----------------------------------------------------------

@pytest.fixture(scope="module")
def shop_build(tmp_path_factory):
    from pamphlet_builder.build import build
    out = tmp_path_factory.mktemp("shop")
    report = build(load_project(ROOT), BuildOptions(out=out, target="shop", langs=["en", "ar"],
                                                    catalog=False))
    assert not report.failed, [f"{r.path}: {r.error.format()}" for r in report.failed if r.error]
    return out, [r.entry for r in report.results if r.entry]


def _multiply(m, n):
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def painted_text(reader: PdfReader):
    """(effective size in pt, fill operator and operands) of every text
    showing operator, in every page and form XObject; and every colour
    operator seen, with its colour space."""
    colours, texts, seen = [], [], set()

    def walk(stream, resources, ctm):
        stack, fill, tm, size = [], ("g", (0.0,)), (1, 0, 0, 1, 0, 0), 0.0
        for operands, operator in ContentStream(stream, reader).operations:
            op = operator.decode("latin-1")
            if op == "q":
                stack.append((ctm, fill))
            elif op == "Q":
                ctm, fill = stack.pop()
            elif op == "cm":
                ctm = _multiply(tuple(float(v) for v in operands), ctm)
            elif op in ("rg", "RG", "g", "G", "k", "K", "sc", "scn", "SC", "SCN", "cs", "CS"):
                colours.append((op, tuple(str(v) for v in operands)))
                if op in ("rg", "g", "k", "sc", "scn"):
                    fill = (op, tuple(round(float(v), 3) for v in operands if not str(v).startswith("/")))
            elif op == "Tm":
                tm = tuple(float(v) for v in operands)
            elif op == "Tf":
                size = float(operands[1])
            elif op in ("Tj", "TJ", "'", '"'):
                a, b, c, d, _, _ = _multiply(tm, ctm)
                texts.append((round(size * math.sqrt(abs(a * d - b * c)), 2), fill))
            elif op == "Do":
                xobject = resources["/XObject"][operands[0]].get_object()
                if xobject.get("/Subtype") == "/Form" and xobject.indirect_reference not in seen:
                    seen.add(xobject.indirect_reference)
                    matrix = tuple(float(v) for v in xobject.get("/Matrix", [1, 0, 0, 1, 0, 0]))
                    walk(xobject, xobject.get("/Resources", resources), _multiply(matrix, ctm))

    for page in reader.pages:
        walk(page.get_contents(), page["/Resources"], (1, 0, 0, 1, 0, 0))
    return colours, texts


def test_shop_files_have_an_output_intent_and_no_rgb_anywhere(shop_build):
    out, entries = shop_build
    assert len(entries) == 16
    for entry in entries:
        reader = PdfReader(out / entry["path"])
        root = reader.trailer["/Root"]
        [intent] = root["/OutputIntents"]
        assert intent["/S"] == "/GTS_PDFX" and intent["/DestOutputProfile"].get_object()["/N"] == 4
        assert entry["output_intent"] == "styles/profiles/GRACoL2006_Coated_TR006.icc"
        assert b"PDF/X-4" in root["/Metadata"].get_object().get_data()
        colours, _ = painted_text(reader)
        assert colours, entry["path"]
        assert not [c for c in colours if c[0] in ("rg", "RG", "g", "G")], entry["path"]
        spaces = {c[1][0] for c in colours if c[0] in ("cs", "CS")}
        assert spaces <= {"/DeviceCMYK"}, (entry["path"], spaces)
        for page in reader.pages:
            for space in (page["/Resources"].get("/ColorSpace") or {}).values():
                space = space.get_object()
                assert space[0] != "/ICCBased" or space[1].get_object()["/N"] == 4
                assert space not in ("/DeviceRGB", "/CalRGB")
        assert not link_uris(reader) and not any(p.get("/Annots") for p in reader.pages), entry["path"]


def test_shop_type_under_12_pt_is_100_percent_black(shop_build):
    out, entries = shop_build
    small = set()
    for entry in entries:
        _, texts = painted_text(PdfReader(out / entry["path"]))
        for size, (op, values) in texts:
            if size < 12 - 0.01:
                small.add((op, values))
    # 100% K, or paper (white letters knocked out of a band).
    assert small <= {("scn", (0.0, 0.0, 0.0, 1.0)), ("scn", (0.0, 0.0, 0.0, 0.0))}, small
    assert ("scn", (0.0, 0.0, 0.0, 1.0)) in small
