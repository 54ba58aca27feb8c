"""Worker processes that die or hang fail their own jobs, by name; the
build goes on with a new worker, never hangs, and leaves a manifest that
matches the files on disk."""

from __future__ import annotations

import hashlib
import json
import time

from pamphlet_builder.schedule import FAULT_ENV


def three_cards(scratch) -> None:
    for mid in ("card-a", "card-b", "card-c"):
        scratch.material(mid)


def manifest_matches_files(out) -> None:
    for entry in json.loads((out / "manifest.json").read_text("utf-8"))["outputs"]:
        assert hashlib.sha256((out / entry["path"]).read_bytes()).hexdigest() == entry["sha256"]


def test_a_killed_worker_fails_its_job_and_the_build_goes_on(scratch, monkeypatch):
    three_cards(scratch)
    monkeypatch.setenv(FAULT_ENV, "kill:card-b/en")
    started = time.monotonic()
    report = scratch.build(jobs=2)
    assert time.monotonic() - started < 120
    failed = {r.path: r.error.message for r in report.failed}
    assert list(failed) == ["en/card-b.pdf"]
    assert "the worker building it stopped" in failed["en/card-b.pdf"]
    assert (scratch.root / "output/en/card-a.pdf").is_file()
    assert (scratch.root / "output/en/card-c.pdf").is_file()
    manifest_matches_files(scratch.root / "output")


def test_a_job_that_runs_too_long_is_stopped_and_reported(scratch, monkeypatch):
    three_cards(scratch)
    monkeypatch.setenv(FAULT_ENV, "hang:card-a/en")
    report = scratch.build(jobs=2, job_timeout=5)
    failed = {r.path: r.error.message for r in report.failed}
    assert list(failed) == ["en/card-a.pdf"]
    assert "ran for more than 5 s and was stopped" in failed["en/card-a.pdf"]
    assert {r.path for r in report.results if not r.error} == {"en/card-b.pdf", "en/card-c.pdf"}
    manifest_matches_files(scratch.root / "output")


def test_the_longest_jobs_are_sent_first():
    """Handouts (and the slower scripts) before tri-folds before cards, so
    that the last jobs in the workers are short ones."""
    from pamphlet_builder.content import load_project
    from pamphlet_builder.model import BuildOptions, Job
    from pamphlet_builder.schedule import expected_cost

    from ..conftest import ROOT
    project = load_project(ROOT)
    options = BuildOptions(out=ROOT / "output")
    cost = {(m, lang): expected_cost(project, Job(m, lang), options)
            for m in ("safer-use-handout", "moud-trifold", "never-use-alone-card") for lang in ("en", "ja")}
    assert cost["safer-use-handout", "en"] > cost["moud-trifold", "ja"] > cost["never-use-alone-card", "ja"]
    assert cost["safer-use-handout", "ja"] > cost["safer-use-handout", "en"]
    assert cost["never-use-alone-card", "ja"] > cost["never-use-alone-card", "en"]
