"""The output folder: the one writer (atomic, never outside the folder),
the manifest, and the lock that keeps a second build out.

Whether an output is up to date is decided by its keys (fingerprints.py)
and by its file still being the one the manifest describes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Callable

from . import paths
from .errors import BuildError
from .model import Manifest, OutputEntry

MANIFEST = paths.MANIFEST
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename: a failed build
    never leaves a half-written file or destroys the previous one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)       # mkstemp makes 0600; outputs are for sharing
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def file_sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def is_up_to_date(previous: OutputEntry | None, key: str, path: Path, field: str = "key") -> bool:
    """The previous output has the same key, its file is intact, and its
    last build did not fail (a file marked out of date is always rebuilt)."""
    return bool(previous and previous.get(field) == key and not previous.get("out_of_date")
                and file_sha256(path) == previous.get("sha256"))


def write_output(out: Path, rel: str, data: bytes) -> None:
    """The one writer of the output folder: atomically, and never outside it."""
    write_atomic(output_file(out, rel), data)


def output_file(out: Path, rel: str) -> Path:
    """The file `rel` in the output folder; a BuildError for any path that
    would land outside it (like Pelican's sanitised_join)."""
    path = (out / rel).resolve()
    if not path.is_relative_to(out.resolve()) or path == out.resolve():
        raise BuildError(f"refused to write '{rel}': it is outside the output folder",
                         hint="names that become file names use letters, digits and dashes")
    return path


def read_manifest(out: Path) -> dict[str, OutputEntry] | None:
    """The previous manifest's entries by path: {} when there is none, None
    when it is there but damaged (truncated, hand-edited, wrong types)."""
    path = out / MANIFEST
    if not path.exists():
        return {}
    try:
        outputs = json.loads(path.read_text("utf-8")).get("outputs")
        if isinstance(outputs, list) and all(_sound_entry(e) for e in outputs):
            return {e["path"]: e for e in outputs}
    except (OSError, ValueError, AttributeError):
        pass
    return None


def _sound_entry(entry: object) -> bool:
    return (isinstance(entry, dict) and isinstance(entry.get("path"), str)
            and isinstance(entry.get("sha256"), str) and entry.get("kind") in ("document", "sheet", "web")
            and isinstance(entry.get("pages"), int) and isinstance(entry.get("material"), str)
            and isinstance(entry.get("lang"), str))


def remove_outputs(out: Path, entries: list[OutputEntry]) -> list[str]:
    """Delete the files (and page pictures) of outputs the project no longer
    makes: a retired material, language, variant or sheet."""
    removed = []
    for entry in entries:
        thumbs = entry.get("thumbs")
        pictures = [t for t in thumbs if isinstance(t, str)] if isinstance(thumbs, list) else []
        for rel in [entry["path"]] + pictures:
            try:
                output_file(out, rel).unlink(missing_ok=True)
            except (OSError, BuildError):
                continue
        removed.append(entry["path"])
    return removed


def write_manifest(out: Path, before: dict[str, OutputEntry], entries: list[OutputEntry],
                   out_of_date: dict[str, str], failed: list[str], keep: Callable[[str], bool],
                   catalog_fields: Callable[[list[OutputEntry]], str] | None = None
                   ) -> tuple[Manifest, list[str]]:
    """The manifest from the full plan: this build's entries, and the earlier
    entries (`before`, from read_manifest) of outputs the project still makes
    (`keep`); the files of the others are deleted and their paths returned.
    A failed output keeps its previous entry (its previous PDF is untouched),
    marked `out_of_date` with why and since when: the catalog never calls it
    ready. Sorted by path, so the file never depends on the order work
    finished in. With `catalog_fields` (catalog.manifest_fields), the entries
    get their page pictures and the manifest the key of index.html."""
    merged = dict(before)
    removed = remove_outputs(out, [e for path, e in merged.items() if not keep(path)])
    merged = {path: e for path, e in merged.items() if keep(path)}
    merged.update((e["path"], e) for e in entries)
    today = dt.date.today().isoformat()
    for path, reason in out_of_date.items():
        if path in merged:
            since = (merged[path].get("out_of_date") or {}).get("since", today)
            merged[path] = {**merged[path], "out_of_date": {"reason": reason, "since": since}}
    merged = {k: e for k, e in merged.items() if (out / k).exists()}
    manifest: Manifest = {"outputs": [merged[k] for k in sorted(merged)],
                          "failed_last_build": sorted(failed)}
    if catalog_fields is not None:
        manifest["catalog"] = {"path": paths.CATALOG, "key": catalog_fields(manifest["outputs"])}
    # One output per line: readable, diffable, and much faster to write than
    # indented JSON (the C encoder does the work).
    lines = ",\n".join("    " + json.dumps(e, ensure_ascii=False, sort_keys=True)
                        for e in manifest["outputs"])
    rest = {name: value for name, value in manifest.items() if name != "outputs"}
    data = ('{\n  "outputs": [\n' + lines + '\n  ],\n' +
            "".join(f'  "{name}": {json.dumps(value, ensure_ascii=False)},\n'
                    for name, value in rest.items()).rstrip(",\n") + "\n}\n").encode("utf-8")
    if (out / MANIFEST).is_file() and (out / MANIFEST).read_bytes() == data:
        return manifest, removed  # unchanged: leave the file (and its date) alone
    write_atomic(out / MANIFEST, data)
    return manifest, removed


LOCK = paths.LOCK


@contextlib.contextmanager
def locked(out: Path):
    """Hold the output folder for one build: a second build into it at the
    same time stops at once with a clear message (exit 2) instead of
    interleaving files and manifests. The lock goes with the process, so a
    killed build never leaves it held. Leftover temporary files of a killed
    build are removed once the lock is ours."""
    out.mkdir(parents=True, exist_ok=True)
    handle = (out / LOCK).open("a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise BuildError(f"another build is writing to {out} right now",
                         hint="wait for it to finish, or build into another folder with --out") from None
    try:
        for leftover in out.rglob(".*.tmp"):
            leftover.unlink(missing_ok=True)
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()
