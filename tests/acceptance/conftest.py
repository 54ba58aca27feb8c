"""The acceptance layer: the project's default content (the real pamphlets/,
translations/, templates/ and styles/), mostly read back from the PDFs of
the session's one full build (`default_build`). Every test here is marked
`slow`: `python -m pytest tests -m "not slow"` leaves the layer out."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    """Mark every test collected from this folder (the hook sees every item
    of the session, so filter by path)."""
    for item in items:
        if Path(str(item.path)).resolve().is_relative_to(HERE):
            item.add_marker(pytest.mark.slow)
