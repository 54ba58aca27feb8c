"""Balanced columns in a few layouts instead of dozens: WeasyPrint 70 finds
the height of balanced columns (the handouts' two columns, on every page
where they end) by laying them out again 1 px taller each time, from the
average column height up (WeasyPrint's 'lost space' step, which falls back
to 1 px when a column ends with an unbreakable section): a handout page took
70 such layouts, 80% of its render time. Here the same smallest fitting
height is found by bisection between that average (too short) and the
page's height, in about 8 layouts. The layout is the same: a column breaks
only between lines, so any height within 1 px above the smallest one puts
the same lines in each column (tests/integration/test_columns.py compares
the two on every line).

The change is made to WeasyPrint's own function, in its own module, by
replacing the lines of its search; WeasyPrint is pinned (requirements.txt),
and a version whose lines differ stops this import with a message rather
than leaving columns slow or wrong.
"""

from __future__ import annotations

import inspect

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

# The bisection. `fitting` is the smallest height known to hold every column
# (None until one does; max_height itself is not known to, as WeasyPrint
# lays balanced columns out without forcing content onto an empty page);
# `short` the largest known not to: a height that did not fit, raised by
# WeasyPrint's `lost_space` (the least growth that pulls a box up into a
# column; less changes nothing). The last layout is always at the height
# kept, so what it leaves in the context (footnotes, excluded shapes) is
# what WeasyPrint's own search would leave.
_BISECTION = """
            if balancing:
                if column_skip_stack is None:
                    if short is None or height - short <= _PRECISION:
                        break
                    fitting = height
                else:
                    short = height + (max(0, lost_space - 0.01) if lost_space != inf else 0)
                if fitting is None and max_height - short <= _PRECISION:
                    height = max_height
                    stop_rendering = True
                    break
                upper = max_height if fitting is None else fitting
                height = upper if upper - short <= _PRECISION else (short + upper) / 2
"""

_START = """
        page_is_empty = stop_rendering = balancing = False
"""
_START_BISECTION = """
        page_is_empty = stop_rendering = balancing = False
        short = fitting = None
"""


def _patched_source() -> str:
    """WeasyPrint's columns_layout with its search replaced."""
    source = inspect.getsource(weasyprint.layout.column.columns_layout)
    for old, new in ((_LINEAR, _BISECTION), (_START, _START_BISECTION)):
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
    filename = inspect.getsourcefile(weasyprint.layout.column) or "column.py"
    exec(compile(_patched_source(), filename, "exec"), namespace)   # WeasyPrint's source, edited
    weasyprint.layout.block.columns_layout = namespace["columns_layout"]   # imported by name there


install()
