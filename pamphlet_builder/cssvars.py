"""Theme variables written into the stylesheets before WeasyPrint reads them.

WeasyPrint resolves a var() again for every element its declaration applies
to, and parses the result again each time: 11% of the instructions of a
layout (callgrind, nine documents of every format and script). A custom
property declared only on the root element (in `:root` rules at the top
level of the document's stylesheets, or in the style attribute of <html>,
where the build sets --fit and --font-stack) has the same value on every
element, so its var() can be replaced by that value once, in the text of
the stylesheet WeasyPrint is given. Designers still write var(); the files
in styles/ are never changed.

What could lay out differently is left to WeasyPrint:
- a name declared anywhere else: under another selector, in a nested rule
  or an at-rule, with !important, in a <style> element, in the style
  attribute of another element;
- a value that still holds a var() once substituted (a name left out, or
  one that refers to itself);
- a declaration that is not valid once substituted (WeasyPrint treats an
  invalid var() result as unset, but drops an invalid written value);
- a var() in an at-rule (@page, @media): only rules' declarations change;
- every var() of a document whose stylesheets @import others or are linked
  for some media only, since their declarations are not all seen here.

tests/integration/test_cssvars.py checks that documents of every format and
variant draw the same pixels either way.
"""

from __future__ import annotations

import functools
import html as html_module
import re
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import tinycss2
from tinycss2.ast import (CurlyBracketsBlock, Declaration, FunctionBlock, Node,
                          ParenthesesBlock, QualifiedRule, SquareBracketsBlock)

Values = dict[str, list[Node]]     # custom property -> its tokens, with no var() left

HTML_TAG_RE = re.compile(r"<html\b[^>]*>", re.IGNORECASE)
LINK_RE = re.compile(r"<link\b[^>]*>", re.IGNORECASE)
STYLE_ELEMENT_RE = re.compile(r"<style\b[^>]*>(.*?)</style\s*>", re.IGNORECASE | re.DOTALL)
STYLE_ATTRIBUTE_RE = re.compile(r"""\bstyle\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
ATTRIBUTE_RE = re.compile(r"""([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")


def document_values(html: str, root: Path) -> Values:
    """The custom properties whose var() may be replaced in the stylesheets
    of this document (an HTML string with base URL `root`): none when
    something is not as expected."""
    html_tag = HTML_TAG_RE.search(html)
    if html_tag is None:
        return {}
    declared: list[tuple[str, list[Node], bool]] = []     # (name, tokens, important), in cascade order
    elsewhere: set[str] = set()
    base = root.resolve().as_uri() + "/"
    for link in LINK_RE.finditer(html):
        attributes = _attributes(link.group(0))
        if "stylesheet" not in attributes.get("rel", "").lower().split():
            continue
        path = _project_file(urljoin(base, attributes.get("href", "")), root)
        if path is None or attributes.get("media", "all").strip().lower() not in ("all", "print"):
            return {}
        try:
            sheet = _read(path, path.stat().st_mtime_ns)
        except (OSError, UnicodeDecodeError):
            return {}           # the fetch reports it
        if sheet.imports:
            return {}
        declared += sheet.on_root
        elsewhere |= sheet.elsewhere
    for style in STYLE_ELEMENT_RE.finditer(html):
        elsewhere |= _declared_names(tinycss2.parse_component_value_list(style.group(1)))
    for attribute in STYLE_ATTRIBUTE_RE.finditer(html):
        if attribute.start() < html_tag.start() or attribute.end() > html_tag.end():
            text = html_module.unescape(attribute.group(1) or attribute.group(2) or "")
            elsewhere |= _declared_names(tinycss2.parse_component_value_list(text))
    inline = _attributes(html_tag.group(0)).get("style", "")
    for item in tinycss2.parse_blocks_contents(inline, skip_comments=True, skip_whitespace=True):
        if item.type == "declaration" and item.name.startswith("--"):
            declared.append((item.name, item.value, item.important))   # after :root: it wins
    return _expanded(declared, elsewhere)


Key = tuple[tuple[str, str], ...]


def key(path: Path, values: Values) -> Key:
    """What the stylesheet at `path` becomes depends on: the values of the
    names it uses, as written, sorted. A key of the caches of parsed
    stylesheets, so that one that uses neither --fit nor --font-stack is
    parsed once for every document, not once per fit step and language."""
    try:
        uses = _read(path, path.stat().st_mtime_ns).uses
    except (OSError, UnicodeDecodeError):
        return ()
    return tuple(sorted((name, tinycss2.serialize(values[name])) for name in uses if name in values))


def substituted(path: Path, key: Key, base_url: str) -> bytes:
    """The stylesheet at `path` with the var() of `key` (see key())
    replaced in its rules' declarations, wherever the declaration stays
    valid. Not cached here: pdf.py keeps the parsed result by the same key."""
    css = path.read_text(encoding="utf-8")
    if not key or "var(" not in css:
        return css.encode("utf-8")
    values = {name: tinycss2.parse_component_value_list(text) for name, text in key}
    rules = tinycss2.parse_stylesheet(css)
    return tinycss2.serialize([_rule(rule, values, base_url) for rule in rules]).encode("utf-8")


# --- Reading a stylesheet --------------------------------------------------------

class _Sheet:
    def __init__(self, css: str):
        rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
        self.imports = any(r.type == "at-rule" and r.lower_at_keyword == "import" for r in rules)
        self.on_root: list[tuple[str, list[Node], bool]] = []
        self.elsewhere: set[str] = set()
        self.uses = frozenset(_used_names(rules))
        for rule in rules:
            if rule.type == "qualified-rule" and tinycss2.serialize(rule.prelude).strip() == ":root":
                for item in tinycss2.parse_blocks_contents(rule.content, skip_comments=True,
                                                           skip_whitespace=True):
                    if item.type == "declaration" and item.name.startswith("--"):
                        self.on_root.append((item.name, item.value, item.important))
                    elif item.type in ("qualified-rule", "at-rule"):
                        self.elsewhere |= _declared_names([item])
            elif rule.type in ("qualified-rule", "at-rule"):
                self.elsewhere |= _declared_names([rule])


@functools.lru_cache(maxsize=64)
def _read(path: Path, mtime_ns: int) -> _Sheet:
    return _Sheet(path.read_text(encoding="utf-8"))


def _lists(nodes):
    """`nodes` and every list of nodes inside them (a block's content, a
    function's arguments, a rule's prelude), at any depth."""
    stack = [list(nodes)]
    while stack:
        items = stack.pop()
        yield items
        for node in items:
            for children in ("prelude", "content", "arguments"):
                if isinstance(getattr(node, children, None), list):
                    stack.append(getattr(node, children))


def _vars(nodes):
    return (n for items in _lists(nodes) for n in items
            if isinstance(n, FunctionBlock) and n.lower_name == "var")


def _declared_names(nodes) -> set[str]:
    """Every `--name:` in these nodes, at any depth (a loose reading: a name
    too many only means a var() left to WeasyPrint)."""
    names: set[str] = set()
    for items in _lists(nodes):
        items = [n for n in items if n.type not in ("whitespace", "comment")]
        names.update(here.value for here, after in zip(items, items[1:], strict=False)
                     if here.type == "ident" and here.value.startswith("--")
                     and after.type == "literal" and after.value == ":")
    return names


def _used_names(nodes) -> set[str]:
    """The names of every var() in these nodes, at any depth."""
    names: set[str] = set()
    for function in _vars(nodes):
        first = [a for a in function.arguments if a.type not in ("whitespace", "comment")][:1]
        names.update(a.value for a in first if a.type == "ident")
    return names


def _expanded(declared: list[tuple[str, list[Node], bool]], elsewhere: set[str]) -> Values:
    raw: dict[str, list[Node]] = {}
    refused = set(elsewhere)
    for name, tokens, important in declared:
        if important:
            refused.add(name)
        raw[name] = tokens
    values: Values = {}

    def resolve(name: str, seen: tuple[str, ...]) -> list[Node] | None:
        if name in values:
            return values[name]
        if name in refused or name not in raw or name in seen:
            return None
        tokens = _replace(raw[name], lambda n: resolve(n, seen + (name,)))
        if tokens is None or _has_var(tokens):
            return None
        values[name] = tokens
        return tokens

    for name in raw:
        resolve(name, ())
    return values


# --- Writing a stylesheet ---------------------------------------------------------

def _rule(rule: Node, values: Values, base_url: str) -> Node:
    if not isinstance(rule, QualifiedRule) or not _has_var(rule.content):
        return rule
    content: list[Node] = []
    for item in tinycss2.parse_blocks_contents(rule.content):
        if isinstance(item, Declaration) and not item.name.startswith("--") \
                and _has_var(item.value):
            replaced = _replace(item.value, values.get)
            if replaced is not None and not _has_var(replaced) \
                    and _valid(item.lower_name, replaced, base_url):
                item = Declaration(item.source_line, item.source_column, item.name,
                                   item.lower_name, replaced, item.important)
            content.append(item)              # serialize() writes the ";" after a declaration
        elif isinstance(item, QualifiedRule):
            content.append(_rule(item, values, base_url))
        else:
            content.append(item)
    return QualifiedRule(rule.source_line, rule.source_column, rule.prelude, content)


def _replace(tokens: list[Node], lookup) -> list[Node] | None:
    """`tokens` with each var() whose name `lookup` knows replaced by its
    value; the others kept; None when a var() is not well formed."""
    out: list[Node] = []
    for token in tokens:
        if isinstance(token, FunctionBlock) and token.lower_name == "var":
            arguments = [a for a in token.arguments if a.type not in ("whitespace", "comment")]
            if not arguments or arguments[0].type != "ident":
                return None
            value = lookup(arguments[0].value)
            out.extend(value if value is not None else [token])
        elif isinstance(token, FunctionBlock):
            inner = _replace(token.arguments, lookup)
            if inner is None:
                return None
            out.append(FunctionBlock(token.source_line, token.source_column, token.name, inner))
        elif isinstance(token, (ParenthesesBlock, SquareBracketsBlock, CurlyBracketsBlock)):
            inner = _replace(token.content, lookup)
            if inner is None:
                return None
            out.append(type(token)(token.source_line, token.source_column, inner))
        else:
            out.append(token)
    return out


def _has_var(tokens) -> bool:
    return next(_vars(tokens or ()), None) is not None


def _valid(name: str, tokens: list[Node], base_url: str) -> bool:
    """Whether WeasyPrint accepts this value for this property, as written."""
    from weasyprint.css.tokens import InvalidValues, remove_whitespace
    from weasyprint.css.validation import EXPANDERS, validate_non_shorthand
    tokens = remove_whitespace(tokens)
    if not tokens:
        return False
    try:
        list(EXPANDERS.get(name, validate_non_shorthand)(tokens, name, base_url))
    except InvalidValues:
        return False
    except Exception:      # a validator that fails on a value: leave the var() to WeasyPrint
        return False
    return True


def _attributes(tag: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for match in ATTRIBUTE_RE.finditer(tag):
        value = next((g for g in match.groups()[1:] if g is not None), "")
        found.setdefault(match.group(1).lower(), html_module.unescape(value))
    return found


def _project_file(url: str, root: Path) -> Path | None:
    parsed = urlparse(url)
    if parsed.scheme != "file":
        return None
    path = Path(unquote(parsed.path)).resolve()
    return path if path.is_relative_to(root.resolve()) and path.is_file() else None
