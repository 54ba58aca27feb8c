"""The command line over the default project: list shows every material,
format and language; doctor reports this machine and the fonts it needs."""

from __future__ import annotations

import subprocess
import sys

from ..conftest import ROOT


def run(*args, root=ROOT):
    return subprocess.run([sys.executable, str(ROOT / "make_pamphlets.py"), "--root", str(root), *args],
                          capture_output=True, text=True, timeout=300)


def test_list_shows_materials_formats_and_languages():
    result = run("list")
    assert result.returncode == 0
    for word in ("never-use-alone-card", "wallet-card", "trifold", "Español", "العربية"):
        assert word in result.stdout


def test_doctor_reports_this_machine():
    result = run("doctor")
    assert "Pango" in result.stdout and "Noto Sans CJK TC" in result.stdout
    assert result.returncode in (0, 1)
    assert ("MISSING" in result.stdout) == (result.returncode == 1)
