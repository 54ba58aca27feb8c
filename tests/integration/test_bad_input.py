"""Ordinary mistakes, each through the command a person would run: a clear
message naming the file (and line), the right exit code, no traceback, and
the other materials still built."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from pamphlet_builder import checks
from pamphlet_builder.content import load_project

from ..conftest import CARD_TEXT, ROOT


def run(scratch, *args):
    return subprocess.run([sys.executable, str(ROOT / "make_pamphlets.py"), "--root", str(scratch.root),
                           *args], capture_output=True, text=True, timeout=300)


def build(scratch, *extra):
    return run(scratch, "build", "--variant", "standard", "--no-sheets", "--no-catalog", *extra)


def two_cards(scratch):
    scratch.material("good-card")
    scratch.material("test-card")


@pytest.mark.parametrize("folder, name", [("templates", "partials/outside.html"),
                                          ("styles", "outside.css"),
                                          ("pamphlets", "test-card/en.md"),
                                          ("translations", "es/ui.po")])
def test_a_link_to_a_file_outside_the_project_is_refused_by_name(scratch, tmp_path, folder, name):
    two_cards(scratch)
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET 1-800-555-0199")
    link = scratch.root / folder / name
    link.parent.mkdir(parents=True, exist_ok=True)
    link.unlink(missing_ok=True)
    link.symlink_to(secret)
    result = build(scratch)
    assert "Traceback" not in result.stderr and "SECRET" not in result.stdout + result.stderr
    assert f"{folder}/{name}" in result.stderr and "outside the project; it is not read" in result.stderr
    if folder == "pamphlets":               # only that material fails
        assert result.returncode == 1 and (scratch.root / "output/en/good-card.pdf").is_file()
    else:                                   # a shared file: nothing is built from it
        assert result.returncode == 2 and not (scratch.root / "output/en/good-card.pdf").exists()


def test_a_huge_content_file_is_refused_at_once_and_the_others_build(scratch):
    two_cards(scratch)
    (scratch.root / "pamphlets/test-card/en.md").write_text(CARD_TEXT + "x" * 2_000_000)
    result = build(scratch)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "test-card/en.md: is 2,000,1" in result.stderr and "over the 1,000,000" in result.stderr
    assert (scratch.root / "output/en/good-card.pdf").is_file()


def test_a_missing_include_is_found_before_anything_renders(scratch):
    two_cards(scratch)
    scratch.write("templates/my-card.html",
                  '{% extends "wallet-card.html" %}{% block pages %}{% include "partials/nope.html" %}'
                  '{% endblock %}')
    meta = (scratch.root / "pamphlets/test-card/material.yaml").read_text()
    scratch.write("pamphlets/test-card/material.yaml", meta + "template: my-card.html\n")
    [error] = load_project(scratch.root).materials["test-card"].errors
    assert error.message == "uses 'partials/nope.html', which is not in templates/"
    assert str(error.path).endswith("templates/my-card.html")
    result = build(scratch)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert (scratch.root / "output/en/good-card.pdf").is_file()


@pytest.mark.parametrize("css, level, message", [
    ("a { colr: red; }\n", "warning", "Ignored `colr: red`, unknown property."),
    ("b { color: notacolor; }\n", "warning", "Ignored `color: notacolor`, invalid value."),
    ("@import url(colors.css);\n", "error", "asks for 'file://"),
])
def test_stylesheet_problems_are_found_by_check_at_their_line(scratch, css, level, message):
    scratch.material()
    scratch.write("styles/extra.css", "\n" + css)
    found = [f for f in checks.run_checks(scratch.project()) if f.check == "stylesheet"]
    assert [(f.level, f.where.split(":")[0]) for f in found] == [(level, "styles/extra.css")]
    assert found[0].message.startswith(message)
    if level == "warning":
        assert found[0].where == "styles/extra.css:2"


def test_an_import_the_fetcher_refuses_fails_without_a_traceback_or_a_hang(scratch):
    two_cards(scratch)
    css = scratch.root / "styles/wallet-card.css"
    css.write_text("@import url(../pamphlets/contacts.yaml);\n" + css.read_text())
    result = build(scratch, "--jobs", "2")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "which is not a file in the project's styles and templates folders" in " ".join(
        result.stderr.split())


@pytest.mark.parametrize("rel", ["styles/wallet-card.css", "templates/wallet-card.html",
                                 "pamphlets/contacts.yaml"])
def test_a_shared_file_that_is_not_utf8_is_a_clear_error(scratch, rel):
    two_cards(scratch)
    path = scratch.root / rel
    path.write_bytes(path.read_bytes() + "\n/* caf\xe9 */\n".encode("latin-1"))
    result = build(scratch)
    assert result.returncode in (1, 2) and "Traceback" not in result.stderr
    assert "UTF-8" in result.stderr


def test_a_po_file_that_is_not_utf8_fails_that_language_only(scratch):
    scratch.material()
    from pamphlet_builder import translations
    translations.new_language(scratch.language("es"), "es")
    path = scratch.root / "translations/es/test-card.po"
    path.write_bytes(path.read_bytes() + 'msgid "x"\nmsgstr "caf\xe9"\n'.encode("latin-1"))
    result = build(scratch, "--allow-fallback")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "translations/es/test-card.po" in result.stderr
    assert (scratch.root / "output/en/test-card.pdf").is_file()
    checked = run(scratch, "check")
    assert checked.returncode == 2 and "Traceback" not in checked.stderr + checked.stdout


def test_an_output_folder_that_is_a_file_or_read_only_is_a_clear_error(scratch, tmp_path):
    scratch.material()
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = build(scratch, "--out", str(blocker))
    assert result.returncode == 2 and "is a file" in result.stderr and "Traceback" not in result.stderr
    if os.geteuid() != 0:                   # root writes anywhere
        read_only = tmp_path / "ro"
        read_only.mkdir(mode=0o500)
        result = build(scratch, "--out", str(read_only))
        assert result.returncode == 2 and "cannot write to the output folder" in result.stderr


@pytest.mark.parametrize("args", [["translations", "status", "--lang", "xx"],
                                  ["translations", "export", "xx"],
                                  ["translations", "review", "xx", "--by", "Ana Lopez"],
                                  ["build", "--lang", "xx"]])
def test_an_unknown_language_is_refused_by_every_command(scratch, args):
    scratch.material()
    result = run(scratch, *args)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "no translations for language(s): xx" in result.stderr


def test_a_listed_language_without_translations_is_an_error(scratch):
    scratch.material()
    scratch.language("es")
    result = build(scratch)
    assert result.returncode == 2 and "language 'es' is listed but has no translations/es/" in result.stderr
    found = [f for f in checks.run_checks(scratch.project()) if f.lang == "es" and f.level == "error"]
    assert found and "translations new es" in found[0].message


def test_a_job_that_crashes_fails_alone_and_its_traceback_is_in_the_log(scratch, monkeypatch):
    scratch.material("good-card")
    scratch.material("test-card")
    from pamphlet_builder import documents as build_module
    real = build_module.render_variant

    def crash(project, material, *args, **kwargs):
        if material.id == "test-card":
            raise RuntimeError("boom")
        return real(project, material, *args, **kwargs)
    monkeypatch.setattr(build_module, "render_variant", crash)
    report = scratch.build()
    [failed] = report.failed
    assert failed.path == "en/test-card.pdf"
    assert failed.error.message == "internal error while building en/test-card.pdf: RuntimeError: boom"
    assert "Traceback" in failed.error.trace and "boom" in failed.error.trace
    assert (scratch.root / "output/en/good-card.pdf").is_file()


def test_a_language_code_that_could_be_a_path_is_refused(scratch):
    scratch.material()
    path = scratch.root / "pamphlets/languages.yaml"
    path.write_text(path.read_text() + "  ../x: {script: latin}\n")
    result = run(scratch, "build")
    assert result.returncode == 2 and "language code '../x' must look like" in result.stderr


def disk_full_when_writing(monkeypatch, name: str) -> None:
    """Every write of a file called `name` fails as on a full disk."""
    import errno

    from pamphlet_builder import outputs
    real = outputs.write_atomic

    def full(path, data):
        if path.name == name:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real(path, data)
    monkeypatch.setattr(outputs, "write_atomic", full)


def test_a_full_disk_while_writing_the_manifest_is_a_clear_error(scratch, monkeypatch):
    scratch.material()
    disk_full_when_writing(monkeypatch, "manifest.json")
    report = scratch.build()
    [error] = report.config_errors
    assert report.exit_code == 2 and "cannot write to the output folder: No space left" in error.message
    assert (scratch.root / "output/en/test-card.pdf").is_file()


def test_a_full_disk_while_writing_a_pdf_fails_that_output(scratch, monkeypatch):
    scratch.material("good-card")
    scratch.material("test-card")
    disk_full_when_writing(monkeypatch, "test-card.pdf")
    report = scratch.build()
    [failed] = report.failed
    assert failed.path == "en/test-card.pdf" and "out of disk space" in failed.error.message
    assert (scratch.root / "output/en/good-card.pdf").is_file()


def test_a_missing_web_stylesheet_fails_the_web_page_alone(scratch):
    scratch.material()
    (scratch.root / "styles/web.css").unlink()
    report = scratch.build(web=True)
    [failed] = report.failed
    assert failed.path == "en/test-card.html"
    assert failed.error.message == "styles/web.css is missing: the web edition's stylesheet"
    assert (scratch.root / "output/en/test-card.pdf").is_file()       # the PDF is built all the same
