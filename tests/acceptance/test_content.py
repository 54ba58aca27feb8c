"""The default content loads without a single error, and has the materials
the organisation prints."""

from __future__ import annotations

from pamphlet_builder.content import load_project

from ..conftest import ROOT


def test_defaults_load_without_errors():
    project = load_project(ROOT)
    assert project.errors == []
    assert {m: e for m, material in project.materials.items() for e in material.errors} == {}
    assert set(project.materials) == {"never-use-alone-card", "help-lines-card", "safer-use-handout",
                                      "moud-trifold", "for-providers-handout",
                                      "overdose-response-card", "good-samaritan-card", "hep-c-handout"}
