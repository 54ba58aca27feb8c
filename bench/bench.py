#!/usr/bin/env python3
"""Benchmark (a script, not a test): the build of the default catalog on this
machine, side by side with the naive way of doing the same work.

    .venv/bin/python bench/bench.py            # about 10 minutes on 2 cores
    .venv/bin/python bench/bench.py --quick    # skip the 10x scaling run

Every run works on a copy of the project in a temporary folder; nothing in
the repository is touched. It prints:
- cold build (documents, sheets, web pages, thumbnails, catalog): wall and
  CPU time and their ratio, peak memory of the whole process tree;
- no-op rebuild; rebuild after editing one English sentence; after editing
  the theme;
- median render time per document by format and by script, PDF size by script;
- a naive loop (one `weasyprint` command per document on the same HTML)
  against our build of the same documents;
- time per document for a generated catalog at 1x, 4x and 10x the default.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COPIED = ("pamphlets", "templates", "styles", "translations", "printers.yaml", "make_pamphlets.py",
          "pamphlet_builder")
SCRIPT_GROUP = {"latin": "Latin", "cyrillic": "Latin", "han-traditional": "CJK", "hangul": "CJK",
                "japanese": "CJK", "ethiopic": "Ethiopic", "arabic": "Arabic"}


def copy_project(into: Path) -> Path:
    project = into / "project"
    project.mkdir()
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, project / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy(source, project / name)
    return project


class PeakMemory:
    """Samples the summed RSS of a process and its descendants (pages shared
    between them, libraries and fonts, counted in each), and their summed
    PSS (each shared page split between the processes that share it: the
    memory the build takes)."""

    def __init__(self, pid: int):
        self.pid, self.peak, self.peak_pss, self.stop = pid, 0, 0, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_):
        self.stop.set()
        self.thread.join()

    def _tree(self) -> list[int]:
        children: dict[int, list[int]] = defaultdict(list)
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                    children[int(fields[1])].append(int(entry.name))
                except (OSError, IndexError):
                    pass
        tree, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo += children.get(pid, [])
        return tree

    def _run(self):
        while not self.stop.wait(0.1):
            total = pss = 0
            for pid in self._tree():
                try:
                    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                        if line.startswith("VmRSS:"):
                            total += int(line.split()[1]) * 1024
                    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                        if line.startswith("Pss:"):
                            pss += int(line.split()[1]) * 1024
                except OSError:
                    pass
            self.peak, self.peak_pss = max(self.peak, total), max(self.peak_pss, pss)


def run_build(project: Path, out: Path, *args: str) -> tuple[float, float, tuple[int, int]]:
    """(wall s, CPU s of the tree, (peak RSS, peak PSS) bytes) of one `build` command."""
    command = [sys.executable, str(project / "make_pamphlets.py"), "build", "--out", str(out), *args]
    before = os.times()
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with PeakMemory(process.pid) as memory:
        stdout, stderr = process.communicate()
    wall = time.perf_counter() - started
    after = os.times()
    if process.returncode not in (0,):
        raise SystemExit(f"build failed ({process.returncode}):\n{stdout}\n{stderr}")
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return wall, cpu, (memory.peak, memory.peak_pss)


def per_document(project: Path) -> tuple[list, dict]:
    """Render every office document in this process, timing each one."""
    sys.path.insert(0, str(project))
    from pamphlet_builder import documents
    from pamphlet_builder.build import build
    from pamphlet_builder.content import load_project
    from pamphlet_builder.model import BuildOptions

    timings = []
    original = documents.render_variant

    def timed(loaded_, material, lang, variant, *args, **kwargs):
        started = time.perf_counter()
        entry = original(loaded_, material, lang, variant, *args, **kwargs)   # planning raises
        timings.append((material.format.name, SCRIPT_GROUP.get(lang.script, lang.script),
                        time.perf_counter() - started))
        return entry

    documents.render_variant = timed
    loaded = load_project(project)
    with tempfile.TemporaryDirectory() as out:
        report = build(loaded, BuildOptions(out=Path(out), variants=["standard"], sheets=False,
                                            catalog=False, jobs=1, keep_html=True))
        sizes = defaultdict(list)
        for result in report.results:
            if result.entry and result.entry["kind"] == "document":
                script = SCRIPT_GROUP[loaded.languages[result.lang].script]
                sizes[(result.entry["format"], script)].append(
                    (Path(out) / result.entry["path"]).stat().st_size / 1024)
    documents.render_variant = original
    return timings, sizes


def naive_loop(project: Path, work: Path) -> tuple[float, float, int]:
    """One `weasyprint` command per office document, on the same HTML our
    build renders; against our build of the same documents, same run."""
    sys.path.insert(0, str(project))
    from pamphlet_builder.build import build
    from pamphlet_builder.content import load_project
    from pamphlet_builder.model import BuildOptions
    html_out = work / "html"
    build(load_project(project), BuildOptions(out=html_out, variants=["standard"], sheets=False,
                                              catalog=False, keep_html=True, force=True))
    htmls = sorted(html_out.glob("*/*.print.html"))     # the office prints' HTML, not the web pages
    ours = run_build(project, work / "ours", "--variant", "standard", "--no-sheets", "--no-catalog",
                     "--force")[0]
    weasyprint = Path(sys.executable).with_name("weasyprint")
    started = time.perf_counter()
    for html in htmls:
        subprocess.run([str(weasyprint), "-u", project.as_uri() + "/", str(html),
                        str(work / "naive.pdf")], check=True, capture_output=True)
    return time.perf_counter() - started, ours, len(htmls)


def scaled_catalog(project: Path, factor: int) -> Path:
    """A copy of the project with each default material `factor` times."""
    if factor == 1:
        return project
    scaled = project.parent / f"scaled-{factor}"
    shutil.copytree(project, scaled)
    materials = [p for p in (project / "pamphlets").iterdir() if (p / "material.yaml").exists()]
    for copy in range(2, factor + 1):
        for material in materials:
            shutil.copytree(material, scaled / "pamphlets" / f"{material.name}-{copy}")
            for po in (scaled / "translations").glob(f"*/{material.name}.po"):
                shutil.copy(po, po.with_name(f"{material.name}-{copy}.po"))
    return scaled


def edited(text: str, old: str, new: str) -> str:
    """`text` with `old` replaced; stops the bench if `old` is gone, because a
    missed edit would time a no-op and call it an edit."""
    if old not in text:
        raise SystemExit(f"bench: {old!r} is no longer in the file; update bench.py")
    return text.replace(old, new)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="skip the 10x scaling run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        project = copy_project(work)
        out = work / "output"

        wall, cpu, peak = run_build(project, out)
        manifest = json.loads((out / "manifest.json").read_text())
        documents = [e for e in manifest["outputs"] if e["kind"] == "document"]
        sheets = [e for e in manifest["outputs"] if e["kind"] == "sheet"]
        pages = [e for e in manifest["outputs"] if e["kind"] == "web"]
        print(f"cold build: {len(documents)} documents, {len(sheets)} sheets, {len(pages)} web pages, "
              f"thumbnails, catalog: wall {wall:.1f} s, CPU {cpu:.1f} s (CPU/wall {cpu / wall:.2f}), "
              f"peak memory {peak[0] / 2**20:.0f} MB RSS, {peak[1] / 2**20:.0f} MB PSS "
              f"({os.cpu_count()} cores)")
        print(f"no-op rebuild: {run_build(project, out)[0]:.2f} s")
        card = project / "pamphlets/never-use-alone-card/en.md"
        card.write_text(edited(card.read_text(), "Tell them the address where you are.",
                               "Tell them the address where you are now."))
        started = time.time()
        wall = run_build(project, out)[0]
        landed = (out / "en/never-use-alone-card.pdf").stat().st_mtime - started
        print(f"rebuild after one English sentence: {wall:.2f} s "
              f"(that card's PDF written {landed:.2f} s after the command started)")
        theme = project / "styles/theme.css"
        theme.write_text(edited(theme.read_text(), "--color-primary: #0b5563;", "--color-primary: #0b5660;"))
        wall, cpu, _ = run_build(project, out)
        print(f"rebuild after a theme edit (everything): wall {wall:.1f} s, CPU {cpu:.1f} s")

        timings, sizes = per_document(project)
        print(f"median render time per office document (one process): "
              f"{statistics.median(t for *_, t in timings):.2f} s")
        for label, index in (("format", 0), ("script", 1)):
            groups = defaultdict(list)
            for row in timings:
                groups[row[index]].append(row[2])
            for name, values in sorted(groups.items()):
                print(f"  {label:6} {name:12} n={len(values):3}  median {statistics.median(values):.2f} s"
                      f"  max {max(values):.2f} s")
        for (fmt, script), values in sorted(sizes.items()):
            print(f"  PDF size {fmt:12} {script:9} median {statistics.median(values):6.0f} KB"
                  f"  max {max(values):6.0f} KB")

        naive, ours, count = naive_loop(project, work)
        print(f"naive loop, one weasyprint command per document: {count} documents in {naive:.1f} s; "
              f"our build of the same: {ours:.1f} s; ratio {naive / ours:.1f}x")

        for factor in (1, 4) if args.quick else (1, 4, 10):
            scaled = scaled_catalog(project, factor)
            wall, _, peak = run_build(scaled, work / f"out-{factor}", "--variant", "standard",
                                      "--no-sheets", "--force")
            count = len([e for e in json.loads((work / f"out-{factor}" / "manifest.json").read_text())
                         ["outputs"] if e["kind"] == "document"])
            print(f"scaling {factor:2}x: {count:4} documents in {wall:6.1f} s = "
                  f"{wall / count:.3f} s per document, peak memory {peak[0] / 2**20:.0f} MB RSS, "
                  f"{peak[1] / 2**20:.0f} MB PSS")


if __name__ == "__main__":
    main()
