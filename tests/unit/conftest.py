"""The unit layer: fast tests that never start WeasyPrint.

They call functions, load projects (the real one or a throwaway `scratch`
one) and render HTML, but never render a PDF, run a build that renders,
run the CLI in a subprocess or run the checks (which parse stylesheets
with WeasyPrint). The whole layer runs in seconds:

    python -m pytest tests/unit -q

A test that imports `weasyprint`, directly or through pamphlet_builder.pdf,
fails here, with the place the import came from; a run of this layer alone
also fails at the end if `weasyprint` was imported at all (at collection,
say), so that the fast loop stays fast.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
GUARDED = "weasyprint"


class _ImportWitness:
    """A meta path finder that finds nothing: it only remembers where
    `weasyprint` was first imported from, for the failure message."""

    def __init__(self):
        self.stack: list[str] | None = None

    def find_spec(self, name, path=None, target=None):
        if name == GUARDED and self.stack is None:
            self.stack = traceback.format_stack()[:-1]
        return None


_witness = _ImportWitness()
sys.meta_path.insert(0, _witness)


def _where() -> str:
    if not _witness.stack:
        return "(imported before tests/unit/conftest.py was loaded)"
    noise = ("<frozen ", "/_pytest/", "/pluggy/", "/pytest/", "/importlib/", "/hypothesis/")
    frames = [f for f in _witness.stack if not any(n in f for n in noise)]
    return "".join(frames[-8:])


def _in_unit(item: pytest.Item) -> bool:
    return Path(str(item.path)).resolve().is_relative_to(HERE)


@pytest.fixture(autouse=True)
def _no_weasyprint_in_this_test():
    """Each unit test: WeasyPrint must not be imported while it runs (in a
    full run, other layers may have imported it before; then this only
    checks that the test did not import it itself)."""
    before = GUARDED in sys.modules
    yield
    if not before and GUARDED in sys.modules:
        pytest.fail(f"this unit test imported {GUARDED}; a test that renders belongs in "
                    f"tests/integration/ or tests/acceptance/. Imported from:\n{_where()}",
                    pytrace=False)


def pytest_sessionfinish(session, exitstatus):
    """A run of the unit layer alone ends without WeasyPrint loaded."""
    items = getattr(session, "items", [])
    if not items or not all(_in_unit(item) for item in items):
        return          # other layers ran too: they render
    if GUARDED in sys.modules:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = (f"\nFAILED tests/unit: {GUARDED} was imported during the unit layer; it must "
                   f"stay out of it (move the test that needs it to tests/integration/). "
                   f"Imported from:\n{_where()}")
        if reporter is not None:
            reporter.write_line(message, red=True, bold=True)
        else:
            print(message, file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
