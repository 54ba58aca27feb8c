"""Preflight arithmetic that needs no stylesheet parsing: the contrast
formula and the reading grades remembered per text (the checks run over
projects: tests/integration/test_checks.py)."""

from __future__ import annotations

from pamphlet_builder.checks import contrast



def test_contrast_formula():
    assert round(contrast((0, 0, 0), (255, 255, 255)), 1) == 21.0
    assert round(contrast((119, 119, 119), (255, 255, 255)), 2) == 4.48


