"""The theme as the builder reads it: the custom properties of
styles/theme.css and the ones each variant's stylesheet sets over them,
parsed once with tinycss2 (the parser WeasyPrint uses).

The build reads the body-text sizes from here to know how far type may
shrink to fit (never below the format's or variant's floor); `check`
reads sizes, colors and QR widths from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import tinycss2
from tinycss2.ast import DimensionToken, Node

from .formats import Format
from .variants import BY_NAME, Variant

THEME = "styles/theme.css"
UNITS_IN = {"in": 1.0, "cm": 1 / 2.54, "mm": 1 / 25.4, "pt": 1 / 72, "px": 1 / 96}


@dataclass
class Declared:
    value: str             # as written, comments dropped
    tokens: list[Node]
    file: str              # relative to the project
    line: int


@dataclass
class Theme:
    properties: dict[str, Declared] = field(default_factory=dict)        # theme.css :root
    overrides: dict[str, dict[str, Declared]] = field(default_factory=dict)   # variant -> :root
    problems: list[tuple[str, int | None, str]] = field(default_factory=list)  # (file, line, why)

    def get(self, name: str, variant: Variant | None = None) -> Declared | None:
        """A property as a document of this variant sees it."""
        if variant is not None and name in self.overrides.get(variant.name, {}):
            return self.overrides[variant.name][name]
        return self.properties.get(name)

    def points(self, name: str, variant: Variant | None = None) -> float | None:
        return length(self.get(name, variant), "pt")

    def body_pt(self, fmt: Format, variant: Variant) -> float | None:
        return self.points(fmt.text_property, variant)

    def min_scale(self, fmt: Format, variant: Variant) -> float:
        """How far the type of this format and variant may shrink to fit:
        its floor over its own body size (1.0: never, or unknown)."""
        body = self.body_pt(fmt, variant)
        if not variant.shrink or body is None or body <= 0:
            return 1.0
        return min(1.0, variant.floor(fmt) / body)


def length(declared: Declared | None, unit: str) -> float | None:
    """A single length (`11pt`, `0.8in`, `2cm`) in `unit`; None for anything else."""
    if declared is None or len(declared.tokens) != 1:
        return None
    token = declared.tokens[0]
    if not isinstance(token, DimensionToken) or token.lower_unit not in UNITS_IN:
        return None
    return token.value * UNITS_IN[token.lower_unit] / UNITS_IN[unit]


def load_theme(root: Path) -> Theme:
    theme = Theme()
    theme.properties = _root_properties(root, THEME, theme.problems)
    for variant in BY_NAME.values():
        if variant.stylesheet:
            theme.overrides[variant.name] = _root_properties(
                root, f"styles/{variant.stylesheet}", theme.problems)
    return theme


def _root_properties(root: Path, rel: str, problems: list) -> dict[str, Declared]:
    """Custom properties set in `:root` rules (the first value of each)."""
    try:
        css = (root / rel).read_text(encoding="utf-8")
    except FileNotFoundError:
        if rel == THEME:
            problems.append((rel, None, "the theme stylesheet is missing"))
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        problems.append((rel, None, f"cannot be read as UTF-8 text ({exc})"))
        return {}
    found: dict[str, Declared] = {}
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if rule.type == "error":
            problems.append((rel, rule.source_line, rule.message))
            continue
        if rule.type != "qualified-rule" or tinycss2.serialize(rule.prelude).strip() != ":root":
            continue
        for decl in tinycss2.parse_blocks_contents(rule.content, skip_comments=True,
                                                   skip_whitespace=True):
            if decl.type == "error":
                problems.append((rel, decl.source_line, decl.message))
            elif decl.type == "declaration" and decl.name.startswith("--"):
                tokens = [t for t in decl.value if t.type not in ("whitespace", "comment")]
                found.setdefault(decl.name, Declared(tinycss2.serialize(decl.value).strip(), tokens,
                                                     rel, decl.source_line))
    return found
