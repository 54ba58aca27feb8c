"""The command line as staff and translators use it: list, doctor,
translations status --strict, and messages instead of tracebacks."""

from __future__ import annotations

import subprocess
import sys

from ..conftest import ROOT


def run(*args, root=ROOT):
    return subprocess.run([sys.executable, str(ROOT / "make_pamphlets.py"), "--root", str(root), *args],
                          capture_output=True, text=True, timeout=300)


def test_status_strict_fails_on_missing_translations(scratch):
    scratch.material()
    scratch.language("es")
    assert run("translations", "new", "es", root=scratch.root).returncode == 0
    relaxed = run("translations", "status", root=scratch.root)
    strict = run("translations", "status", "--strict", root=scratch.root)
    assert relaxed.returncode == 0 and strict.returncode == 1
    assert "test-card" in strict.stdout


def test_new_language_not_in_languages_yaml_is_explained(scratch):
    scratch.material()
    result = run("translations", "new", "xx", root=scratch.root)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "language 'xx' is not in pamphlets/languages.yaml" in result.stderr


def test_text_file_that_is_not_utf8(scratch):
    scratch.material()
    (scratch.root / "pamphlets/test-card/en.md").write_bytes("<!-- part: front -->\n\xe9t\xe9".encode("latin-1"))
    result = run("build", root=scratch.root)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "en.md" in result.stderr and "not UTF-8" in result.stderr
