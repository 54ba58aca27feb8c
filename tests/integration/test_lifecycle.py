"""The output folder's lifecycle: the manifest is rewritten from the full
plan (retired outputs removed and reported), a damaged manifest is no
manifest, one build at a time holds the folder, and no temporary file
outlives a build."""

from __future__ import annotations

import fcntl
import hashlib
import json
import subprocess
import sys
import time

from ..conftest import ROOT


def manifest(out) -> dict[str, dict]:
    return {e["path"]: e for e in json.loads((out / "manifest.json").read_text("utf-8"))["outputs"]}


def consistent(out) -> None:
    for path, entry in manifest(out).items():
        assert hashlib.sha256((out / path).read_bytes()).hexdigest() == entry["sha256"], path


def test_retiring_a_material_removes_its_files_and_later_builds_work(scratch):
    scratch.material("keep-card")
    scratch.material("old-card")
    assert scratch.build(sheets=True, catalog=True).exit_code == 0
    out = scratch.root / "output"
    old_thumbs = manifest(out)["en/old-card.pdf"]["thumbs"]
    assert old_thumbs and (out / old_thumbs[0]).is_file()
    for path in (scratch.root / "pamphlets/old-card").iterdir():
        path.unlink()
    (scratch.root / "pamphlets/old-card").rmdir()
    report = scratch.build(sheets=True, catalog=True)
    assert report.exit_code == 0
    assert sorted(report.removed) == ["en/old-card.pdf", "en/sheets/old-card.a4-10up.pdf",
                                      "en/sheets/old-card.avery-5371.pdf",
                                      "en/sheets/old-card.letter-10up.pdf"]
    assert not (out / "en/old-card.pdf").exists() and not (out / old_thumbs[0]).exists()
    assert "en/keep-card.pdf" in manifest(out) and "old-card" not in (out / "index.html").read_text()
    assert scratch.build(sheets=True, catalog=True).removed == []
    consistent(out)


def test_a_partial_build_keeps_the_entries_it_did_not_touch(scratch):
    scratch.material("card-a")
    scratch.material("card-b")
    assert scratch.build().exit_code == 0
    assert scratch.build(materials=["card-a"], force=True).exit_code == 0
    assert {"en/card-a.pdf", "en/card-b.pdf"} <= set(manifest(scratch.root / "output"))


def test_a_damaged_manifest_is_no_manifest_and_the_catalog_never_shrinks(scratch):
    scratch.material("card-a")
    scratch.material("card-b")
    assert scratch.build().exit_code == 0
    out = scratch.root / "output"
    for damage in ('{"outputs": [', '{"outputs": [{"path": 5}]}', '[]', '\x00\x01'):
        (out / "manifest.json").write_text(damage)
        report = scratch.build(materials=["card-a"])     # a scoped build, on a damaged manifest
        assert report.exit_code == 0 and report.notes == [
            "output/manifest.json was damaged: every file was checked again"]
        assert {"en/card-a.pdf", "en/card-b.pdf"} <= set(manifest(out)), damage
        consistent(out)


def test_a_second_build_into_the_same_folder_stops_with_a_message(scratch):
    scratch.material()
    out = scratch.root / "output"
    out.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, sys, time; h = open(sys.argv[1], 'a'); "
        "fcntl.flock(h, fcntl.LOCK_EX); print('held', flush=True); time.sleep(30)"),
        str(out / ".build.lock")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        result = subprocess.run([sys.executable, str(ROOT / "make_pamphlets.py"), "--root",
                                 str(scratch.root), "build", "--no-sheets", "--variant", "standard"],
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert "another build is writing to" in result.stderr
        assert not (out / "en/test-card.pdf").exists()
    finally:
        holder.kill()
        holder.wait()
    assert scratch.build().exit_code == 0            # the lock went with the process


def test_two_builds_at_once_end_with_a_consistent_manifest(scratch):
    scratch.material("card-a")
    scratch.material("card-b")
    command = [sys.executable, str(ROOT / "make_pamphlets.py"), "--root", str(scratch.root),
               "build", "--no-sheets", "--no-catalog", "--variant", "standard", "--jobs", "1"]
    first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.3)
    second = subprocess.run(command, capture_output=True, text=True, timeout=300)
    first_out, first_err = first.communicate(timeout=300)
    codes = sorted([first.returncode, second.returncode])
    assert codes in ([0, 0], [0, 2]), (first_err, second.stderr)   # waited its turn, or refused
    assert "Traceback" not in first_err + second.stderr
    consistent(scratch.root / "output")
    assert {"en/card-a.pdf", "en/card-b.pdf"} <= set(manifest(scratch.root / "output"))


def test_leftover_temporary_files_of_a_killed_build_are_removed(scratch):
    scratch.material()
    out = scratch.root / "output"
    (out / "en").mkdir(parents=True)
    leftover = out / "en" / ".test-card.pdf.abc123.tmp"
    leftover.write_bytes(b"half a PDF")
    assert scratch.build().exit_code == 0
    assert not leftover.exists()
    assert not list(out.rglob("*.tmp"))


def test_sheet_names_cannot_collide_with_the_alignment_sheet(scratch):
    scratch.material()
    scratch.write("pamphlets/sheets.yaml", "sheets:\n  alignment:\n    cards: [test-card/en]\n")
    [error] = [r.error for r in scratch.build(sheets=True).failed]
    assert "not 'alignment'" in error.message


def test_lock_is_released_after_a_failed_build(scratch):
    scratch.material(meta="title: [")
    scratch.build()
    with (scratch.root / "output" / ".build.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)     # raises if still held


def test_a_material_that_fails_to_load_keeps_all_its_files_marked_out_of_date(scratch):
    scratch.material("keep-card")
    scratch.material("test-card")
    scratch.write("pamphlets/sheets.yaml", "sheets:\n  both:\n    cards: [keep-card/en, test-card/en]\n")
    assert scratch.build(sheets=True, variants=[]).exit_code == 0
    out = scratch.root / "output"
    before = {path: (out / path).read_bytes() for path in manifest(out) if "test-card" in path
              or path.startswith("sheets/both")}
    assert "en/test-card.photocopy.pdf" in before and "en/sheets/test-card.avery-5371.pdf" in before
    meta = scratch.root / "pamphlets/test-card/material.yaml"
    meta.write_text(meta.read_text().replace("title: Test Card", 'title: "Test Card'))   # a YAML typo
    report = scratch.build(sheets=True, variants=[])
    assert report.removed == []
    entries = manifest(out)
    for path, data in before.items():
        assert (out / path).read_bytes() == data, path          # kept as it was
        assert entries[path]["out_of_date"]["reason"], path     # and never called ready
    failed = {r.path: r.error.message for r in report.failed}
    assert "it failed to rebuild" in failed["sheets/both.avery-5371.pdf"]
    assert (out / "en/keep-card.pdf").is_file() and "out_of_date" not in entries["en/keep-card.pdf"]
