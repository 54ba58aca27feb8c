"""Balanced columns (pamphlet_builder/columns.py): the same layout as
WeasyPrint's own search, in a fraction of its layouts."""

from __future__ import annotations

from pathlib import Path

import pytest
import weasyprint.layout.block

from pamphlet_builder import columns, pdf

ROOT = Path(__file__).resolve().parents[2]


def handout_like(sections: int, words: int, heading_margin: str = "0 0 0.06in") -> str:
    """Two balanced columns of unbreakable sections, then a box below them:
    the handouts' shape (templates/handout.html, styles/handout.css)."""
    body = "".join(f"<section><h2>Part {i}</h2><p>{' '.join(['word'] * (words + 7 * i))}</p></section>"
                   for i in range(sections))
    return f"""<html><head><style>
      @page {{ size: letter; margin: 0.6in; }}
      .cols {{ columns: 2; column-gap: 0.35in; }}
      section {{ break-inside: avoid; margin-bottom: 0.18in; }}
      h2 {{ margin: {heading_margin}; }}
      .help {{ break-inside: avoid; height: 2in; border: 1pt solid; }}
    </style></head><body><div class="cols">{body}</div><div class="help">Help</div></body></html>"""


def layout(html: str, columns_layout) -> tuple[list, int]:
    """Every text box's page and position, and how many times a column was laid out."""
    calls = [0]
    block_box_layout = weasyprint.layout.block.block_box_layout

    def counted(context, box, *args, **kwargs):
        calls[0] += getattr(box, "is_column", False)
        return block_box_layout(context, box, *args, **kwargs)

    saved = weasyprint.layout.block.columns_layout
    weasyprint.layout.block.columns_layout = columns_layout
    weasyprint.layout.block.block_box_layout = counted
    try:
        document = pdf.render_document(html, ROOT)
    finally:
        weasyprint.layout.block.columns_layout = saved
        weasyprint.layout.block.block_box_layout = block_box_layout
    boxes = [(number, box.text, round(box.position_x, 2), round(box.position_y, 2))
             for number, page in enumerate(document.pages)
             for box, *_ in pdf._text_boxes(page._page_box)]
    return boxes, calls[0]


@pytest.mark.parametrize("sections, words, pages, fewer", [
    (3, 40, 1, 9), (4, 50, 1, 3), (6, 60, 2, 9), (8, 70, 3, 9), (14, 120, 7, 1)])
def test_balanced_columns_are_laid_out_as_weasyprint_does(sections, words, pages, fewer):
    """One page, a page and a bit, several pages: every line lands where
    WeasyPrint's 1-px search puts it; where that search crawls (columns
    balanced above a box), in a fraction of its layouts, and never in more."""
    html = handout_like(sections, words)
    theirs, their_layouts = layout(html, columns.WEASYPRINT_COLUMNS_LAYOUT)
    ours, our_layouts = layout(html, weasyprint.layout.block.columns_layout)
    assert ours == theirs
    assert max(page for page, *_ in ours) + 1 == pages
    assert our_layouts * fewer <= their_layouts, (our_layouts, their_layouts)


@pytest.mark.parametrize("sections, words", [(3, 40), (8, 70), (14, 120)])
def test_headings_with_top_margins_land_where_weasyprint_puts_them(sections, words):
    """Where the first height tried is off (a heading's top margin kept at
    the top of a column, which the first layout drops), the search still
    ends at WeasyPrint's height."""
    html = handout_like(sections, words, heading_margin="0.83em 0")
    assert layout(html, weasyprint.layout.block.columns_layout)[0] == \
        layout(html, columns.WEASYPRINT_COLUMNS_LAYOUT)[0]


def test_the_build_uses_the_bisection():
    assert weasyprint.layout.block.columns_layout is not columns.WEASYPRINT_COLUMNS_LAYOUT
    assert weasyprint.layout.column.columns_layout is weasyprint.layout.block.columns_layout
