"""The theme as the build reads it (tinycss2): each format's body size in
each variant, and the floor the fit loop never shrinks below."""

from __future__ import annotations

import re

import pytest

from pamphlet_builder import checks
from pamphlet_builder.content import load_project
from pamphlet_builder.formats import FORMATS
from pamphlet_builder.variants import FLYER, LARGE_PRINT, PHOTOCOPY, STANDARD
from ..conftest import ROOT

HANDOUT = FORMATS["handout"]


def test_the_default_theme_and_variant_sizes_are_read_from_the_stylesheets():
    theme = load_project(ROOT).theme
    # The numbers in styles/theme.css, variant-flyer.css and variant-large-print.css.
    assert theme.body_pt(HANDOUT, STANDARD) == 11
    assert theme.body_pt(HANDOUT, PHOTOCOPY) == 11          # sets no sizes of its own
    assert theme.body_pt(HANDOUT, FLYER) == 9.5
    assert theme.body_pt(HANDOUT, LARGE_PRINT) == 18
    assert theme.body_pt(FORMATS["wallet-card"], STANDARD) == 8
    assert theme.points("--card-small") == 6.5


def test_type_shrinks_to_the_floor_of_the_variant_being_printed():
    theme = load_project(ROOT).theme
    # 9 pt floor: 11 pt may shrink to 9/11 of its size, the flyer's 9.5 pt only to 9/9.5.
    assert theme.min_scale(HANDOUT, STANDARD) == pytest.approx(9 / 11)
    assert theme.min_scale(HANDOUT, FLYER) == pytest.approx(9 / 9.5)
    assert theme.min_scale(HANDOUT, LARGE_PRINT) == 1.0      # large print never shrinks
    assert theme.min_scale(FORMATS["wallet-card"], STANDARD) == pytest.approx(6.5 / 8)


def test_a_variant_below_its_floor_is_an_error_at_its_line(scratch):
    scratch.write("styles/variant-flyer.css",
                  ":root {\n  /* --handout-text: 20pt; a comment is not a value */\n"
                  "  --handout-text: 8.5pt;\n}\n")
    project = scratch.project()
    assert project.theme.body_pt(HANDOUT, FLYER) == 8.5
    assert project.theme.min_scale(HANDOUT, FLYER) == 1.0      # already below: never smaller
    errors = [f for f in checks.check_theme(project) if f.level == "error"]
    assert [(f.check, f.where) for f in errors] == [("type size", "styles/variant-flyer.css:3")]
    assert "8.5 pt in the flyer handout, below its floor of 9 pt" in errors[0].message


def test_large_print_keeps_its_own_floor_of_18_pt(scratch):
    scratch.write("styles/variant-large-print.css", ":root { --handout-text: 16pt; }\n")
    errors = [f for f in checks.check_theme(scratch.project()) if f.level == "error"]
    assert ["16 pt in the large-print handout, below its floor of 18 pt" in f.message
            for f in errors] == [True]


def test_a_body_size_that_is_not_in_points_is_named(scratch):
    theme_css = (ROOT / "styles" / "theme.css").read_text("utf-8")
    scratch.write("styles/theme.css", theme_css.replace("--card-text: 8pt;", "--card-text: calc(8pt);"))
    errors = [f for f in checks.check_theme(scratch.project()) if f.level == "error"]
    assert [(f.message, f.where.split(":")[0]) for f in errors] == [
        ("--card-text must be a size in pt", "styles/theme.css")]


def test_one_theme_size_below_the_floor_is_one_finding_naming_each_variant(scratch):
    theme_css = (ROOT / "styles" / "theme.css").read_text("utf-8")
    assert re.search(r"--trifold-text: [0-9.]+pt;", theme_css)
    scratch.write("styles/theme.css", re.sub(r"--trifold-text: [0-9.]+pt;", "--trifold-text: 8pt;", theme_css))
    errors = [f.message for f in checks.check_theme(scratch.project()) if f.level == "error"]
    assert errors == ["--trifold-text is 8 pt in the standard, photocopy and shop trifold, "
                      "below its floor of 9 pt"]


def test_a_qr_size_below_2_cm_in_a_variant_is_an_error(scratch):
    scratch.write("styles/variant-flyer.css", ":root { --qr-l: 1.5cm; }\n")
    errors = [f for f in checks.check_theme(scratch.project()) if f.level == "error"]
    assert [(f.check, f.where) for f in errors] == [("QR size", "styles/variant-flyer.css:1")]
