"""Content YAML: refused shapes (duplicate keys, aliases, deep nesting, huge
files, bad bytes) each give a ContentError with file and line, never a
traceback; and `verified` dates are real and not in the future."""

import datetime as dt
import time

import pytest
import yaml

from pamphlet_builder import yamlfile
from pamphlet_builder.contacts import Contact
from pamphlet_builder.errors import ContentError
from pamphlet_builder.yamlfile import load_yaml

NO_ALIASES = "YAML anchors and aliases are not allowed in content files"

# The classic billion laughs: 10 ** 9 strings if the aliases were expanded.
BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{b}: &{b} [{','.join([f'*{a}'] * 10)}]\n" for a, b in zip("abcdefgh", "bcdefghi"))


def refused(tmp_path, text, name="x.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_yaml(path)
    assert info.value.path == path
    return info.value


# -- what keeps working -------------------------------------------------------

def test_lines_on_every_mapping_and_dates_stay_text(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text("top: 1\nnested:\n  when: 2026-11-01\n  month: 2026-11\n  list:\n    - {k: v}\n")
    data = load_yaml(path)
    assert (data.line("top"), data.line("nested")) == (1, 2)
    assert data["nested"]["when"] == "2026-11-01" and data["nested"]["month"] == "2026-11"
    assert data["nested"].line("month") == 4
    assert data["nested"]["list"][0].line("k") == 6


def test_syntax_error_names_the_line(tmp_path):
    err = refused(tmp_path, "a: 1\nb: [1, 2\n")
    assert err.line == 2 and err.message.startswith("invalid YAML: ")


def test_not_utf8_is_a_content_error(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: Caf\u00e9\n".encode("latin-1"))
    with pytest.raises(ContentError) as info:
        load_yaml(path)
    assert info.value.message == "not UTF-8 text (invalid continuation byte)"
    assert info.value.path == path


def test_nul_byte_is_a_content_error_with_its_line(tmp_path):
    err = refused(tmp_path, "a: 1\nb: x\x00y\n")
    assert (err.line, err.message) == (2, "invalid YAML: control character #x0000 is not allowed")


def test_recursion_and_other_yaml_errors_name_the_file(tmp_path, monkeypatch):
    path = tmp_path / "x.yaml"
    path.write_text("a: 1\n")
    for exc, message in ((RecursionError(), "invalid YAML: nested too deeply to read"),
                         (yaml.YAMLError("odd"), "invalid YAML: odd")):
        def boom(*_args, exc=exc, **_kw):
            raise exc
        monkeypatch.setattr(yamlfile.yaml, "load", boom)
        with pytest.raises(ContentError) as info:
            load_yaml(path)
        assert (info.value.message, info.value.path) == (message, path)


# -- duplicate keys -----------------------------------------------------------

def test_duplicate_key_names_both_lines(tmp_path):
    err = refused(tmp_path, "a: 1\nb:\n  c: 1\n  d: 2\n  c: 3\n")
    assert err.message == "duplicate key 'c' (first on line 3, again on line 5)"
    assert err.line == 5
    assert err.hint == "each key may appear once; remove or rename one of them"


def test_duplicate_key_deep_in_a_flow_mapping(tmp_path):
    err = refused(tmp_path, "a:\n  - b:\n      - {x: 1, y: 2,\n         x: 3}\n")
    assert (err.message, err.line) == ("duplicate key 'x' (first on line 3, again on line 4)", 4)


def test_duplicate_contact_through_the_project(scratch):
    path = scratch.root / "pamphlets" / "contacts.yaml"
    text = path.read_text()
    assert text.count("\n") == 20   # the duplicate below lands on line 21
    path.write_text(text + "  line:\n    name: Other\n    does: x\n    phone: \"1-866-789-1511\"\n"
                           "    source: tests\n    verified: null\n")
    project = scratch.project()
    assert project.contacts == {}
    [err] = project.errors
    assert err.message == "duplicate key 'line' (first on line 2, again on line 21)"
    assert (err.path, err.line) == (path, 21)


# -- anchors, aliases, merge keys ---------------------------------------------

def test_anchor_is_refused(tmp_path):
    err = refused(tmp_path, "x: 1\nbase: &b {a: 1}\n")
    assert (err.message, err.line) == (f"{NO_ALIASES} (found '&b')", 2)


def test_alias_is_refused(tmp_path):
    err = refused(tmp_path, "x: 1\ny:\n  - *b\n")
    assert (err.message, err.line) == (f"{NO_ALIASES} (found '*b')", 3)


def test_merge_key_is_refused_even_without_an_alias(tmp_path):
    err = refused(tmp_path, "x: 1\ny:\n  <<: {a: 1}\n  b: 2\n")
    assert (err.message, err.line) == (f"{NO_ALIASES} (found '<<', a merge key)", 3)


def test_quoted_merge_text_is_just_text(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text("x: '<<'\n")
    assert load_yaml(path) == {"x": "<<"}


def test_alias_bomb_in_a_material_is_refused_before_expansion(scratch):
    scratch.material()
    meta = scratch.root / "pamphlets" / "test-card" / "material.yaml"
    text = meta.read_text()
    assert text.count("\n") == 9   # the bomb starts on line 10
    meta.write_text(text + BOMB)
    start = time.monotonic()
    project = scratch.project()
    assert time.monotonic() - start < 2
    [err] = project.materials["test-card"].errors
    assert (err.message, err.path, err.line) == (f"{NO_ALIASES} (found '&a')", meta, 10)


def test_anchor_in_sheets_yaml(scratch):
    path = scratch.write("pamphlets/sheets.yaml", """\
        sheets:
          office:
            cards: &cards [test-card/en]
          spare:
            cards: *cards
        """)
    with pytest.raises(ContentError) as info:
        load_yaml(path)
    assert (info.value.message, info.value.path, info.value.line) == (
        f"{NO_ALIASES} (found '&cards')", path, 3)


# -- keys, tags, depth, size --------------------------------------------------

@pytest.mark.parametrize("text, line", [("? [a, b]\n: 1\n", 1), ("x: 1\ny: {[1]: x}\n", 2),
                                        ("? {a: 1}\n: 1\n", 1)])
def test_unhashable_key_is_a_content_error(tmp_path, text, line):
    err = refused(tmp_path, text)
    assert (err.message, err.line) == ("a key must be a single value, not a list or mapping", line)


def test_explicit_tag_is_refused(tmp_path):
    err = refused(tmp_path, "a: 1\nb: !!int abc\n")
    assert (err.message, err.line) == ("YAML tags are not allowed in content files (found '!!int')", 2)


def test_nesting_is_bounded(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text("[" * 20 + "]" * 20)
    assert load_yaml(path) is not None   # 20 levels is the limit, and allowed
    err = refused(tmp_path, "a:\n  b:\n    " + "[" * 19 + "]" * 19)   # 2 + 19 = 21
    assert (err.message, err.line) == ("nested more than 20 levels deep", 3)


def test_huge_unclosed_nesting_fails_fast(tmp_path):
    start = time.monotonic()
    err = refused(tmp_path, "[" * 500_000)
    assert time.monotonic() - start < 2
    assert (err.message, err.line) == ("nested more than 20 levels deep", 1)


def test_file_size_is_bounded_before_parsing(tmp_path):
    err = refused(tmp_path, "a: [" + "1, " * 400_000 + "]\n", name="big.yaml")
    assert err.message == "file is too large (1,200,006 bytes; the limit is 1,000,000)"
    assert err.line is None


# -- verified dates -------------------------------------------------------------

def _verified(scratch, value):
    scratch.material()
    path = scratch.root / "pamphlets" / "contacts.yaml"
    path.write_text(path.read_text().replace("verified: 2026-11-01", f"verified: {value}"))
    return path, scratch.project()


@pytest.mark.parametrize("value, problem", [("2026-02-30", "is not a real date"),
                                            ("2026-13", "is not a date")])
def test_impossible_verified_date(scratch, value, problem):
    path, project = _verified(scratch, value)
    [err] = project.errors
    assert err.message == f"contact 'line': `verified` '{value}' {problem}"
    assert (err.path, err.line) == (path, 8)
    assert "YYYY-MM-DD" in err.hint
    assert "line" not in project.contacts and "site" in project.contacts


def test_future_verified_date(scratch):
    today = dt.date.today()
    tomorrow = today + dt.timedelta(days=1)
    path, project = _verified(scratch, tomorrow.isoformat())
    [err] = project.errors
    assert err.message == (f"contact 'line': `verified` '{tomorrow}' is in the future "
                           f"(today is {today})")
    assert (err.path, err.line) == (path, 8)


def test_verified_month_this_month_is_fine_next_month_is_not(scratch):
    today = dt.date.today()
    this = today.strftime("%Y-%m")
    _, project = _verified(scratch, this)
    assert project.errors == [] and project.contacts["line"].verified == this
    nxt = (today.replace(day=28) + dt.timedelta(days=4)).strftime("%Y-%m")
    path = scratch.root / "pamphlets" / "contacts.yaml"
    path.write_text(path.read_text().replace(f"verified: {this}", f"verified: {nxt}"))
    [err] = scratch.project().errors
    assert err.message.startswith(f"contact 'line': `verified` '{nxt}' is in the future")


def test_verified_date_and_months_since(scratch):
    contacts = scratch.project().contacts
    line, site, unsure = contacts["line"], contacts["site"], contacts["unsure"]
    assert line.verified_date == dt.date(2026, 11, 1)
    assert site.verified_date == dt.date(2026, 11, 1)   # YYYY-MM: the first of the month
    assert unsure.verified_date is None
    assert site.months_since_verified(dt.date(2026, 11, 30)) == 0
    assert site.months_since_verified(dt.date(2026, 12, 1)) == 1
    assert site.months_since_verified(dt.date(2028, 2, 29)) == 15
    assert unsure.months_since_verified(dt.date(2026, 12, 1)) is None
    day = Contact(id="x", name="X", does="x", source="t", verified="2025-01-31")
    assert day.months_since_verified(dt.date(2025, 2, 1)) == 1   # calendar months, as checks.py
