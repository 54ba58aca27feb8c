"""Reading YAML so that every mapping remembers the line of each key.

Errors can then say `pamphlets/x/material.yaml:12: ...` like a compiler.
Content files are plain data, so the loader refuses what only hides
mistakes or costs memory: duplicate keys (the last one silently won),
anchors, aliases and merge keys (an alias bomb expands to gigabytes),
explicit tags, deep nesting and huge files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import ContentError

MAX_BYTES = 1_000_000   # the largest content file is a few KB
MAX_DEPTH = 20          # mappings and sequences inside each other
MERGE_TAG = "tag:yaml.org,2002:merge"
NO_ALIASES = "YAML anchors and aliases are not allowed in content files"


class LineDict(dict):
    """A dict from YAML that knows the 1-based line of each key."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.lines: dict[Any, int] = {}
        self.start_line: int | None = None

    def line(self, key: Any) -> int | None:
        return self.lines.get(key, self.start_line)


def _refuse(message: str, mark: yaml.Mark, hint: str) -> ContentError:
    # load_yaml adds the file; the loader only knows the line.
    return ContentError(message, None, mark.line + 1, hint=hint)


class _LineLoader(yaml.SafeLoader):
    _depth = 0

    def compose_node(self, parent, index):
        # Checked on the event, before any node exists, so nothing is expanded.
        event = self.peek_event()
        if event.anchor is not None:   # an alias event carries the anchor it names
            sign = "*" if isinstance(event, yaml.AliasEvent) else "&"
            raise _refuse(f"{NO_ALIASES} (found '{sign}{event.anchor}')", event.start_mark,
                          "write the value out in full each place it is needed")
        if event.tag is not None:   # !!int abc or !!timestamp would bypass our checks
            tag = event.tag.replace("tag:yaml.org,2002:", "!!")
            raise _refuse(f"YAML tags are not allowed in content files (found '{tag}')",
                          event.start_mark, "remove the tag; quote the value if it must be text")
        nested = isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent))
        if nested and self._depth >= MAX_DEPTH:
            raise _refuse(f"nested more than {MAX_DEPTH} levels deep", event.start_mark,
                          "content files need only a few levels; flatten this part")
        self._depth += nested
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= nested
        if node is not None and node.tag == MERGE_TAG:
            raise _refuse(f"{NO_ALIASES} (found '<<', a merge key)", node.start_mark,
                          "write each key out in full; quote '<<' if it is meant as text")
        return node

    def construct_mapping(self, node, deep=False):
        # Each key is built once, checked, then remembered with its line.
        mapping = LineDict()
        mapping.start_line = node.start_mark.line + 1
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                hash(key)
            except TypeError:
                raise _refuse("a key must be a single value, not a list or mapping",
                              key_node.start_mark, "write keys as plain text: `name: value`") from None
            if key in mapping.lines:
                raise _refuse(f"duplicate key '{key}' (first on line {mapping.lines[key]}, "
                              f"again on line {line})", key_node.start_mark,
                              "each key may appear once; remove or rename one of them")
            mapping.lines[key] = line
            mapping[key] = self.construct_object(value_node, deep=True)
        return mapping


# Dates stay as the text the author typed ("2026-11"), validated by us.
_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                            _LineLoader.construct_mapping)


def load_yaml(path: Path) -> Any:
    """Parse a YAML file; every problem becomes a ContentError naming the file."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ContentError(f"file is too large ({size:,} bytes; the limit is {MAX_BYTES:,})",
                               path, hint="content files are small; is this the right file?")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContentError("file not found", path) from None
    except UnicodeDecodeError as exc:
        raise ContentError(f"not UTF-8 text ({exc.reason})", path,
                           hint="save the file as UTF-8") from None
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except ContentError as exc:
        raise ContentError(exc.message, path, exc.line, exc.hint) from None
    except yaml.reader.ReaderError as exc:
        # A NUL or other control character; the reader counts characters, not lines.
        line = text.count("\n", 0, exc.position) + 1
        raise ContentError(f"invalid YAML: control character #x{exc.character:04x} is not allowed",
                           path, line, hint="save the file as plain UTF-8 text") from None
    except yaml.MarkedYAMLError as exc:
        # Running out of file (an unclosed bracket or quote): where it opened helps more.
        ran_out = exc.context_mark and "stream end" in (exc.problem or "")
        mark = exc.context_mark if ran_out else (exc.problem_mark or exc.context_mark)
        where = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise ContentError(f"invalid YAML: {problem}", path, where,
                           hint="check indentation, colons and quotes on that line") from None
    except yaml.YAMLError as exc:
        raise ContentError(f"invalid YAML: {exc}", path) from None
    except RecursionError:
        raise ContentError("invalid YAML: nested too deeply to read", path) from None


def require_mapping(value: Any, path: Path, what: str, line: int | None = None) -> LineDict:
    """The value as a LineDict, or a ContentError saying what was expected."""
    if not isinstance(value, dict):
        raise ContentError(f"{what} must be a mapping of `key: value` lines", path, line)
    if not isinstance(value, LineDict):
        value = LineDict(value)
    return value
