"""Balanced columns in a few layouts instead of dozens. WeasyPrint 70
finds the height of balanced columns (the handouts' two columns, on every
page where they end) by laying them out again 1 px taller each time, from
the average column height up (its 'lost space' step falls back to 1 px
when a column ends with an unbreakable section): a handout page took 70
such layouts, 80% of its render time.

Here the same smallest fitting height is found in about 3: the first height
tried is read from the columns as WeasyPrint first lays them out (each
section's height, packed greedily: `first_height`), then the height just
under it; when that guess is off, the search goes on by bisection. The
layout is the same: a column breaks only between lines, so any height
within 1 px above the smallest one puts the same lines in each column
(tests/integration/test_columns.py compares the two on every line, and the
handouts of every language were compared when this was written).

The change is made to WeasyPrint's own function, in its own module, by
replacing the lines of its search; WeasyPrint is pinned (pyproject.toml),
and a version whose lines differ stops this import with a message rather
than leaving columns slow or wrong.
"""

from __future__ import annotations

import inspect
import math

import weasyprint.layout.block
import weasyprint.layout.column

BALANCE_PRECISION_PX = 1.0      # WeasyPrint's own step

# WeasyPrint 70.0, weasyprint/layout/column.py, columns_layout: the linear search.
_LINEAR = """
            if balancing:
                if column_skip_stack is None:
                    # We rendered the whole content, stop
                    break

                # Increase the column heights and render them again
                add_height = 1 if lost_space == inf else lost_space
                height += add_height

                if height > max_height:
                    # We reached max height, stop rendering
                    height = max_height
                    stop_rendering = True
                    break
"""

# The search. `fitting` is the smallest height known to hold every column
# (None until one does; max_height itself is not known to, as WeasyPrint
# lays balanced columns out without forcing content onto an empty page);
# `short` the largest known not to: a height that did not fit, raised by
# WeasyPrint's `lost_space` (the least growth that pulls a box up into a
# column; less changes nothing). It starts just under the average column
# height, where WeasyPrint's own search starts, and the first height tried
# is the one `first_height` reads from the columns as first laid out. After
# it fits, the height just under it; while nothing fits, 4, 8, 16... px
# more; then halfway between.
# The layout left in the context (footnotes, floats' excluded shapes) is
# the last one tried: when that was not at the height kept and the context
# holds anything of it, the columns are laid out once more at that height.
_BISECTION = """
            if balancing:
                if column_skip_stack is None:
                    fitting = height
                else:
                    short = height + (max(0, lost_space - 0.01) if lost_space != inf else 0)
                if fitting is None and max_height - short <= _PRECISION:
                    height = max_height
                    stop_rendering = True
                    break
                upper = max_height if fitting is None else fitting
                if upper - short <= _PRECISION:
                    if height == upper or (
                            last_footnotes_height == footnote_area_heights[-1] and
                            len(context.excluded_shapes) == len(original_excluded_shapes)):
                        height = upper
                        break
                    height = upper
                elif fitting == height and not tried_under:
                    tried_under = True
                    height = fitting - _PRECISION
                elif fitting is None:
                    step *= 2
                    height = min(short + step, (short + upper) / 2)
                else:
                    height = (short + upper) / 2
"""

_FIRST = """
                        balancing = True
                        height = sum(consumed_heights) / count
"""
_FIRST_PREDICTED = """
                        balancing = True
                        short = sum(consumed_heights) / count - _PRECISION / 2
                        height = _first_height(new_boxes, count, short, max_height)
"""

_START = """
        page_is_empty = stop_rendering = balancing = False
"""
_START_BISECTION = """
        page_is_empty = stop_rendering = balancing = False
        short = fitting = None
        tried_under, step = False, _PRECISION * 2
"""


def first_height(columns: list, count: int, low: float, high: float) -> float:
    """Where the search for the balanced height starts: the least height
    that holds the columns' blocks (as first laid out, each column as tall as
    the page), bottom margins included as WeasyPrint counts them, in `count`
    columns when none is split, by greedy filling: a handout's sections are
    never split. Just above `low` when it cannot tell."""
    heights = [child.margin_height() for column in columns
               for child in column.children if child.is_in_normal_flow()]

    def columns_for(limit: float) -> float:
        used, column = 1, 0.0
        for height in heights:
            if height > limit:
                return math.inf
            if column and column + height > limit:
                used, column = used + 1, 0.0
            column += height
        return used

    candidates = sorted({sum(heights[i:j + 1]) for i in range(len(heights))
                         for j in range(i, len(heights))})
    for candidate in candidates:
        if low < candidate + 0.01 <= high and columns_for(candidate + 0.01) <= count:
            return candidate + 0.01
    return low + BALANCE_PRECISION_PX / 2


def _patched_source() -> str:
    """WeasyPrint's columns_layout with its search replaced."""
    source = inspect.getsource(weasyprint.layout.column.columns_layout)
    for old, new in ((_LINEAR, _BISECTION), (_START, _START_BISECTION), (_FIRST, _FIRST_PREDICTED)):
        if source.count(old) != 1:
            raise ImportError("WeasyPrint's column balancing is not the one pamphlet_builder/"
                              "columns.py replaces: install the WeasyPrint version pinned in "
                              "pyproject.toml (./run.sh does)")
        source = source.replace(old, new)
    return source


WEASYPRINT_COLUMNS_LAYOUT = weasyprint.layout.column.columns_layout   # the original, for the tests


def install() -> None:
    namespace = weasyprint.layout.column.__dict__
    namespace["_PRECISION"] = BALANCE_PRECISION_PX
    namespace["_first_height"] = first_height
    filename = inspect.getsourcefile(weasyprint.layout.column) or "column.py"
    exec(compile(_patched_source(), filename, "exec"), namespace)   # WeasyPrint's source, edited
    weasyprint.layout.block.columns_layout = namespace["columns_layout"]   # imported by name there


install()
