#!/usr/bin/env python3
"""Benchmark (a script, not a test): cold build of the default catalog, and
render time per document by format and by script, on this machine.

    .venv/bin/python bench/bench.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pamphlet_builder import build as build_module  # noqa: E402
from pamphlet_builder.build import BuildOptions, build  # noqa: E402
from pamphlet_builder.content import load_project  # noqa: E402

SCRIPT_GROUP = {"latin": "Latin", "cyrillic": "Latin", "han-traditional": "CJK", "hangul": "CJK",
                "japanese": "CJK", "ethiopic": "Ethiopic", "arabic": "Arabic"}


def main() -> None:
    project = load_project(ROOT)
    timings: list[tuple[str, str, float]] = []
    original = build_module.build_one

    def timed(project, material, lang, *args):
        started = time.perf_counter()
        try:
            return original(project, material, lang, *args)
        finally:
            timings.append((material.format.name, SCRIPT_GROUP.get(lang.script, lang.script),
                            time.perf_counter() - started))

    build_module.build_one = timed
    with tempfile.TemporaryDirectory() as out:
        wall, cpu = time.perf_counter(), time.process_time()
        report = build(project, BuildOptions(out=Path(out)))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        sizes = {r.entry["path"]: (Path(out) / r.entry["path"]).stat().st_size
                 for r in report.results if r.entry}
    print(f"cold build: {len(report.results)} documents, {len(report.failed)} failed, "
          f"wall {wall:.1f} s, CPU {cpu:.1f} s")
    print(f"median per document: {statistics.median(t for *_, t in timings):.2f} s")
    for label, index in (("format", 0), ("script", 1)):
        groups = defaultdict(list)
        for row in timings:
            groups[row[index]].append(row[2])
        for name, values in sorted(groups.items()):
            print(f"  {label} {name:12} n={len(values):3}  median {statistics.median(values):.2f} s"
                  f"  max {max(values):.2f} s")
    by_script = defaultdict(list)
    for path, size in sizes.items():
        if path.endswith("-card.pdf"):
            lang = path.split("/")[0]
            by_script[SCRIPT_GROUP.get(project.languages[lang].script)].append(size / 1024)
    for name, values in sorted(by_script.items()):
        print(f"  wallet-card PDF size, {name:9} median {statistics.median(values):.0f} KB"
              f"  max {max(values):.0f} KB")


if __name__ == "__main__":
    main()
