"""Shared by every layer: the markers and options, throwaway projects
written from strings (`scratch`), the real project built once per session
(`default_build`), and scratch projects with a Spanish translation.

The layers (see each folder's conftest.py):
  tests/unit/         never start WeasyPrint; `python -m pytest tests/unit` is the fast loop
  tests/integration/  throwaway projects, which may render, run the CLI or run checks
  tests/acceptance/   the project's default content, all marked `slow`
`python -m pytest tests -m "not slow"` runs all but the acceptance layer.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest

from pamphlet_builder import translations as tr
from pamphlet_builder.build import BuildOptions, build
from pamphlet_builder.content import load_project
from pamphlet_builder.reviews import record_review

from .translating import fill, states

ROOT = Path(__file__).resolve().parent.parent


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite tests/golden/ from the HTML rendered now, instead of "
                          "comparing with it (tests/unit/test_golden.py)")


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: over the project's default content (tests/acceptance/, "
                                       "every test there); deselect with -m \"not slow\"")

CONTACTS = """\
contacts:
  line:
    name: Test Line
    does: A line for tests.
    phone: "1-800-484-3731"
    hours: 24/7
    source: tests
    verified: 2026-11-01
  site:
    name: Test Site
    does: A site for tests.
    url: https://example.org
    source: tests
    verified: 2026-11
  unsure:
    name: Unsure Line
    does: Not confirmed.
    phone: "1-866-789-1511"
    source: tests
    verified: null
"""

CARD_META = """\
title: Test Card
format: wallet-card
revision: 2026-11-27
parts:
  front:
    qr:
      - {contact: line, action: call}
  back:
    contacts: [site]
"""

CARD_TEXT = """\
<!-- part: front -->
# Test card

Call this line: {line.phone}.

<!-- part: back -->
## On the back

- One short point.
"""


HANDOUT_META = """\
title: Test Handout
format: handout
revision: 2026-11-27
parts:
  intro: {}
  help:
    qr:
      - {contact: site, action: open}
"""

HANDOUT_TEXT = """\
<!-- part: intro -->
# Handout

Some text.

<!-- part: help -->
## Help
"""


class Scratch:
    """A throwaway project: the real templates and styles, content from strings."""

    def __init__(self, root: Path):
        self.root = root
        for folder in ("templates", "styles"):
            shutil.copytree(ROOT / folder, root / folder)
        (root / "pamphlets").mkdir()
        self.languages = ["en"]
        self._write_languages()
        self.write("pamphlets/contacts.yaml", CONTACTS)

    def _write_languages(self) -> None:
        """The real languages.yaml, with only the languages this project has
        (a listed language without translations/ is an error)."""
        real = (ROOT / "pamphlets" / "languages.yaml").read_text("utf-8")
        head, _, body = real.partition("\nlanguages:\n")
        kept = [line for line in body.splitlines()
                if line.strip() and line.split(":")[0].strip() in self.languages]
        (self.root / "pamphlets" / "languages.yaml").write_text(
            head + "\nlanguages:\n" + "\n".join(kept) + "\n", encoding="utf-8")

    def language(self, code: str):
        """List one of the real languages (then `translations.new_language`)."""
        self.languages.append(code)
        self._write_languages()
        return self.project()

    def write(self, rel: str, text: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def material(self, mid: str = "test-card", meta: str = CARD_META, text: str = CARD_TEXT) -> None:
        self.write(f"pamphlets/{mid}/material.yaml", meta)
        self.write(f"pamphlets/{mid}/en.md", text)

    def project(self):
        return load_project(self.root)

    def sign_off(self, mid: str = "test-card", by: str = "Dr. Test Reviewer",
                 role: str = "prescriber"):
        """Record a clinician's review of the material's current English."""
        material = self.project().materials[mid]
        return record_review(material.folder, material.english, by, role)

    def build(self, **options):
        """Build in this process; only the office print unless asked for more."""
        options.setdefault("out", self.root / "output")
        options.setdefault("variants", ["standard"] if options.get("target") != "shop" else [])
        options.setdefault("sheets", False)
        options.setdefault("web", False)
        options.setdefault("jobs", 1)
        return build(self.project(), BuildOptions(**options))


@pytest.fixture
def scratch(tmp_path: Path) -> Scratch:
    return Scratch(tmp_path / "project")


@pytest.fixture(scope="session")
def default_build(tmp_path_factory):
    """Every default material in every language, built once for the session."""
    out = tmp_path_factory.mktemp("output")
    report = build(load_project(ROOT), BuildOptions(out=out))
    failures = [f"{r.path}: {r.error.format()}" for r in report.failed]
    assert not failures, "\n".join(failures)
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    return out, manifest




@pytest.fixture
def spanish(scratch):
    """A card with a Spanish catalog scaffolded, nothing translated yet."""
    scratch.material()
    tr.new_language(scratch.language("es"), "es")
    return scratch


@pytest.fixture
def filled(spanish):
    """A card with every es entry translated (drafts)."""
    result, _ = fill(spanish)
    assert result.errors == [] and len(result.changed) == 22
    return spanish


@pytest.fixture
def reviewed(spanish):
    """A card translated and reviewed in es, its English signed off."""
    assert fill(spanish, reviewer="Ana Reviewer")[0].errors == []
    spanish.sign_off()
    assert set(states(spanish, "test-card").values()) == {"reviewed"}
    return spanish
