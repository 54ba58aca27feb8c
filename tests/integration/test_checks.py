"""Preflight: each check fires on a crafted bad input and stays quiet on
the defaults, except for the warnings it should keep (explained below)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

from pamphlet_builder.checks import run_checks

from ..conftest import CARD_META, CARD_TEXT, ROOT

TODAY = dt.date(2026, 11, 27)


def kinds(findings):
    return {(f.level, f.check) for f in findings}


def test_low_contrast_tiny_type_and_small_qr_are_errors(scratch):
    scratch.material()
    theme = scratch.root / "styles/theme.css"
    css = theme.read_text()
    edits = {"--color-muted: #4a4a4a;": "--color-muted: #aaaaaa;",
             "--card-small: 6.5pt;": "--card-small: 4.5pt;", "--qr-s: 1.08in;": "--qr-s: 1.5cm;"}
    assert all(old in css for old in edits), "the theme's values changed: update this test"
    for old, new in edits.items():
        css = css.replace(old, new)
    theme.write_text(css)
    findings = run_checks(scratch.project(), today=TODAY)
    messages = " | ".join(f.message for f in findings if f.level == "error")
    assert "--color-muted on --color-paper has contrast 2.32:1" in messages
    assert "--card-small is 4.5 pt" in messages
    assert "--qr-s is 1.5cm" in messages


def test_old_and_missing_verification(scratch):
    scratch.material(meta=CARD_META.replace("contacts: [site]", "contacts: [unsure]"))
    contacts = scratch.root / "pamphlets/contacts.yaml"
    contacts.write_text(contacts.read_text().replace("verified: 2026-11-01", "verified: 2024-05-01"))
    findings = run_checks(scratch.project(), today=TODAY)
    old = [f for f in findings if f.check == "verified" and "months ago" in f.message]
    assert len(old) == 1 and "line was last confirmed 2024-05-01, 30 months ago" in old[0].message
    assert any("unsure is not confirmed" in f.message and f.level == "warning" for f in findings)
    final = run_checks(scratch.project(), final=True, today=TODAY)
    assert any("unsure is not confirmed" in f.message and f.level == "error" for f in final)
    assert not [f for f in run_checks(scratch.project(), today=TODAY, max_age_months=36)
                if "months ago" in f.message]


def test_hard_reading_is_a_warning(scratch):
    hard = ("Notwithstanding considerable institutional heterogeneity, comprehensive "
            "interdisciplinary harm-reduction interventions demonstrably ameliorate "
            "epidemiological vulnerabilities among marginalized populations experiencing "
            "substance-related complications, particularly regarding opioid-associated mortality. ")
    long_one = "This sentence goes on " + "and on " * 15 + "until nobody can follow it."
    scratch.material(text=CARD_TEXT.replace("- One short point.", hard * 2 + long_one))
    findings = run_checks(scratch.project(), today=TODAY)
    grades = [f for f in findings if f.check == "reading level"]
    assert grades and "Flesch-Kincaid grade" in grades[0].message and grades[0].group == "test-card"
    assert any(f.check == "sentence length" and "a sentence of 39 words" in f.message
               for f in findings)


def test_missing_translation_is_reported(scratch):
    from pamphlet_builder import translations
    scratch.material()
    translations.new_language(scratch.language("es"), "es")
    findings = run_checks(scratch.project(), today=TODAY)
    assert any(f.check == "translation" and f.lang == "es" and "missing" in f.message
               for f in findings)


def test_check_command_json_and_exit_codes(scratch):
    scratch.material()
    command = [sys.executable, str(ROOT / "make_pamphlets.py"), "--root", str(scratch.root), "check"]
    clean = subprocess.run(command + ["--json"], capture_output=True, text=True)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert json.loads(clean.stdout)["errors"] == 0
    scratch.material("other", meta="title: X\nformat: wallet-card\nrevision: 2026-11-27\n"
                     "parts:\n  front: {}\n  back:\n    contacts: [unsure]\n",
                     text="<!-- part: front -->\nA\n<!-- part: back -->\nB\n")
    warned = subprocess.run(command + ["--strict"], capture_output=True, text=True)
    assert warned.returncode == 1 and "unsure is not confirmed" in warned.stdout
    scratch.material("broken", meta="title: X\nformat: nope\n", text="")
    broken = subprocess.run(command + ["--json"], capture_output=True, text=True)
    report = json.loads(broken.stdout)
    assert broken.returncode == 2 and report["errors"] >= 1
    assert any("unknown format 'nope'" in f["message"] for f in report["findings"])


def test_preflight_is_remembered_until_a_file_changes(scratch, monkeypatch):
    from pamphlet_builder import checks
    scratch.material()
    first = run_checks(scratch.project(), today=TODAY, remember=True)
    assert (scratch.root / ".cache/preflight.json").exists()

    def refuse(*_args, **_kwargs):
        raise AssertionError("checked again")
    monkeypatch.setattr(checks, "_run_checks", refuse)
    assert run_checks(scratch.project(), today=TODAY, remember=True) == first
    monkeypatch.undo()
    # An edit, or another day (contacts age), means checking again.
    monkeypatch.setattr(checks, "check_reading", refuse)
    text = scratch.root / "pamphlets/test-card/en.md"
    text.write_text(text.read_text() + "\nOne more line.\n")
    try:
        run_checks(scratch.project(), today=TODAY, remember=True)
    except AssertionError as exc:
        assert "checked again" in str(exc)
    else:
        raise AssertionError("an edited file was not checked again")


def test_reading_grades_are_remembered_per_text(scratch):
    from pamphlet_builder.checks import check_reading
    scratch.material("long-one", text=CARD_TEXT.replace(
        "- One short point.", "- " + "We talk about care and help and hope for you. " * 6))
    grades: dict[str, float] = {}
    check_reading(scratch.project(), grades)
    assert len(grades) == 1
    remembered = {k: 99.0 for k in grades}      # a remembered grade is used as is
    findings = check_reading(scratch.project(), remembered)
    assert any("grade 99.0" in f.message for f in findings)
