"""Reading YAML so that every mapping remembers the line of each key.

Errors can then say `pamphlets/x/material.yaml:12: ...` like a compiler.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import ContentError


class LineDict(dict):
    """A dict from YAML that knows the 1-based line of each key."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.lines: dict[Any, int] = {}
        self.start_line: int | None = None

    def line(self, key: Any) -> int | None:
        return self.lines.get(key, self.start_line)


class _LineLoader(yaml.SafeLoader):
    def construct_mapping(self, node, deep=False):  # type: ignore[override]
        mapping = LineDict(super().construct_mapping(node, deep=True))
        mapping.start_line = node.start_mark.line + 1
        for key_node, _ in node.value:
            mapping.lines[self.construct_object(key_node)] = key_node.start_mark.line + 1
        return mapping


# Dates stay as the text the author typed ("2026-11"), validated by us.
_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                            _LineLoader.construct_mapping)


def load_yaml(path: Path) -> Any:
    """Parse a YAML file; a syntax error becomes a ContentError with its line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContentError("file not found", path) from None
    except UnicodeDecodeError as exc:
        raise ContentError(f"not UTF-8 text ({exc.reason})", path,
                           hint="save the file as UTF-8") from None
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        # Running out of file (an unclosed bracket or quote): where it opened helps more.
        ran_out = exc.context_mark and "stream end" in (exc.problem or "")
        mark = exc.context_mark if ran_out else (exc.problem_mark or exc.context_mark)
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise ContentError(f"invalid YAML: {problem}", path, line,
                           hint="check indentation, colons and quotes on that line") from None
    except yaml.YAMLError as exc:
        raise ContentError(f"invalid YAML: {exc}", path) from None


def require_mapping(value: Any, path: Path, what: str, line: int | None = None) -> LineDict:
    """The value as a LineDict, or a ContentError saying what was expected."""
    if not isinstance(value, dict):
        raise ContentError(f"{what} must be a mapping of `key: value` lines", path, line)
    if not isinstance(value, LineDict):
        value = LineDict(value)
    return value
