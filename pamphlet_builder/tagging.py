"""What WeasyPrint 70's PDF tags lack for PDF/UA-1, added where it builds them.

WeasyPrint tags headings, paragraphs, lists, links and figures (an inline
SVG's <title> is its alternative text). A screen reader needs three more
things from our documents:

- the language of every phrase in another language: an element whose HTML
  has a `lang` gets `/Lang` (an English service name in a Somali sentence
  is read in an English voice);
- the footer and the proof strips as artifacts: page furniture, not text
  to read (elements with the classes in ARTIFACT_CLASSES);
- right-to-left text in logical order: glyphs are drawn in visual order,
  so each span element of Arabic (or Hebrew) text in the structure tree
  carries `/ActualText`, the text as written. Not on the marked content in
  the page itself: pdfium (Chrome's viewer) would then reorder the text
  twice when it is copied or searched;

and one thing to choose: an element marked `data-read-first` (the
tri-fold's cover) is read before everything else, one marked
`data-read-last` (its back) after, wherever they are drawn.

`mark_document` must be called on a laid-out document before write_pdf.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

import pydyf
import weasyprint.pdf
import weasyprint.pdf.stream
import weasyprint.pdf.tags
from weasyprint.formatting_structure import boxes
from weasyprint.layout.absolute import AbsolutePlaceholder

ARTIFACT_CLASSES = ("footer", "proof-mark")
RTL_RE = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")

# For the document being written (one at a time in a process).
_artifacts: set[int] = set()               # ids of boxes drawn as artifacts
_moved: list[tuple[str, pydyf.Dictionary, pydyf.Dictionary]] = []  # (where, element, its parent)


def mark_document(document) -> None:
    """Note which boxes of a laid-out document are artifacts."""
    _artifacts.clear()
    _moved.clear()
    for page in document.pages:
        _mark(page._page_box, False)


def _mark(box, artifact: bool) -> None:
    if isinstance(box, AbsolutePlaceholder):
        box = box._box
    element = getattr(box, "element", None)
    if element is not None and getattr(box, "element_tag", None) and not isinstance(box, boxes.TextBox):
        artifact = artifact or bool(set((element.get("class") or "").split()) & set(ARTIFACT_CLASSES))
    if artifact:
        _artifacts.add(id(box))
    for child in getattr(box, "children", []):
        _mark(child, artifact)


_weasyprint_build_box_tree = weasyprint.pdf.tags._build_box_tree


def _build_box_tree(box, parent, pdf, page_number, nums, annotations, tags):
    real = box._box if isinstance(box, AbsolutePlaceholder) else box
    if id(real) in _artifacts:
        return                  # drawn as an artifact: not in the structure tree
    element = real.element if isinstance(real.element_tag, str) else None
    own = element is not None and real.element_tag not in ("html", "body") \
        and not isinstance(real, (boxes.PageBox, boxes.MarginBox))
    lang = element.get("lang") if own and element is not None else None
    where = next((w for w in ("first", "last") if own and element is not None
                  and element.get(f"data-read-{w}") is not None), None)
    rtl = [(tags[t]["mcid"], t.text) for t in _text_children(real) if t in tags and RTL_RE.search(t.text)]
    for struct in _weasyprint_build_box_tree(box, parent, pdf, page_number, nums, annotations, tags):
        if lang:
            struct["Lang"] = pydyf.String(lang)
        if where:
            _moved.append((where, struct, parent))
        yield struct
    for mcid, text in rtl:          # the span elements WeasyPrint made for them
        span = _object(pdf, nums[mcid]) if mcid in nums else None
        if span is not None and span.get("S") == "/Span":
            span["ActualText"] = pydyf.String(text)


def _text_children(box):
    """The text boxes WeasyPrint tags as this box's own spans."""
    for child in getattr(box, "children", []):
        for item in (child.children if isinstance(child, boxes.LineBox) else [child]):
            if isinstance(item, boxes.TextBox):
                yield item


_weasyprint_add_tags = weasyprint.pdf.tags.add_tags


def _add_tags(pdf, document, pdf_version, page_streams):
    _weasyprint_add_tags(pdf, document, pdf_version, page_streams)
    root = _object(pdf, pdf.catalog["StructTreeRoot"])
    structure_document = _object(pdf, root["K"][0])
    firsts: list = []
    for where, struct, parent in _moved:
        parent["K"] = pydyf.Array(k for k in parent["K"] if k != struct.reference)
        struct["P"] = structure_document.reference
        (firsts if where == "first" else structure_document["K"]).append(struct.reference)
    structure_document["K"] = pydyf.Array(firsts + list(structure_document["K"]))
    _moved.clear()


def _object(pdf, reference) -> pydyf.Dictionary:
    return pdf.objects[int(bytes(reference).split()[0])]


_weasyprint_marked = weasyprint.pdf.stream.Stream.marked


@contextmanager
def _marked(self, box, tag):
    if self._tags is not None and id(box) in _artifacts:
        with self.artifact():
            yield
    else:
        with _weasyprint_marked(self, box, tag):
            yield


weasyprint.pdf.tags._build_box_tree = _build_box_tree
weasyprint.pdf.tags.add_tags = _add_tags
weasyprint.pdf.add_tags = _add_tags          # imported by name into weasyprint.pdf
weasyprint.pdf.stream.Stream.marked = _marked
