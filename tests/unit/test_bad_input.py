"""Ordinary mistakes found while loading a project, before anything renders:
a clear message naming the file and line, every problem at once, and an
unexpected error at the command line that points at the log (the same
mistakes through a build: tests/integration/test_bad_input.py)."""

from __future__ import annotations

import pytest

from pamphlet_builder.content import load_project

from ..conftest import CARD_TEXT


def two_cards(scratch):
    scratch.material("good-card")
    scratch.material("test-card")


def test_a_template_syntax_error_names_its_line(scratch):
    two_cards(scratch)
    scratch.write("templates/my-card.html", '{% extends "wallet-card.html" %}\n{% block pages %}\n{{ x }\n')
    meta = (scratch.root / "pamphlets/test-card/material.yaml").read_text()
    scratch.write("pamphlets/test-card/material.yaml", meta + "template: my-card.html\n")
    [error] = load_project(scratch.root).materials["test-card"].errors
    assert error.message.startswith("template error") and error.line == 3


@pytest.mark.parametrize("text, message", [
    (CARD_TEXT.replace("- One short point.", "- See {{hep.url}}."), "template syntax"),
    ("\ufeff" + CARD_TEXT, None),           # a byte-order mark is not an error
])
def test_english_content_mistakes(scratch, text, message):
    scratch.material(text=text)
    errors = [e.message for e in scratch.project().materials["test-card"].errors]
    assert (errors == []) if message is None else any(message in e for e in errors)


def test_a_title_that_is_not_text_is_refused(scratch):
    scratch.material(meta="title: {a: 1}\nformat: wallet-card\nrevision: 2026-11-27\nparts:\n"
                          "  front: {}\n  back: {}\n")
    [error] = scratch.project().materials["test-card"].errors
    assert "`title` is required, as one line of text" in error.message and error.line == 1


def test_every_problem_in_material_yaml_is_reported_at_once(scratch):
    scratch.material(meta="title: {a: 1}\nformat: [x]\nrevision: soon\ncolour: red\nparts: {}\n")
    errors = scratch.project().materials["test-card"].errors
    assert sorted((e.line, e.message.split(" ")[0]) for e in errors) == [
        (1, "`title`"), (2, "`format`"), (3, "`revision`"), (4, "unknown")]
    assert [e.message for e in errors if e.line == 2] == ["`format` is one name, not a list or mapping"]


def test_an_unexpected_error_at_the_command_line_exits_3_with_the_logs_path(scratch, monkeypatch,
                                                                            capsys):
    scratch.material()
    from pamphlet_builder import cli
    monkeypatch.setattr(cli, "load", lambda args: 1 / 0)
    assert cli.main(["--root", str(scratch.root), "list"]) == 3
    err = capsys.readouterr().err
    assert "internal error while running `list`: ZeroDivisionError" in err and "build.log" in err
    assert "ZeroDivisionError" in (scratch.root / "output/build.log").read_text()
