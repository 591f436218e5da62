"""Reading the Bicep in infra/ with the tree-sitter-bicep grammar, offline.

Enough of a reader to check the infrastructure's facts without Azure or the Bicep CLI:
syntax errors (ERROR / MISSING nodes), declarations (params, modules, resources) and the
literal value of an expression — objects, arrays, strings, numbers, booleans. Anything that
is not a literal (a reference, a call, an interpolated string) comes back as an
`Expression` holding its source text, so a check can tell "set to a constant" from
"computed" and never mistakes one for the other.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tree_sitter_bicep
from tree_sitter import Language, Node, Parser, Tree

from tests.conftest import REPO_ROOT

INFRA = REPO_ROOT / "infra"

_PARSER = Parser(Language(tree_sitter_bicep.language()))

# Bicep string escapes (single-quoted strings only).
_ESCAPES = {"\\'": "'", "\\\\": "\\", "\\n": "\n", "\\r": "\r", "\\t": "\t", "\\$": "$"}


def bicep_files() -> list[Path]:
    return sorted(INFRA.rglob("*.bicep"))


def parse(source: bytes) -> Tree:
    return _PARSER.parse(source)


def parse_file(path: Path) -> Tree:
    return parse(path.read_bytes())


def walk(node: Node) -> Iterator[Node]:
    yield node
    for child in node.children:
        yield from walk(child)


def text(node: Node) -> str:
    return node.text.decode("utf-8") if node.text is not None else ""


@dataclass(frozen=True)
class SyntaxProblem:
    line: int  # 1-based
    column: int  # 1-based
    kind: str  # "error" (unparseable text) or "missing" (the parser had to invent a token)
    snippet: str

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.kind} {self.snippet!r}"


def syntax_problems(tree: Tree) -> list[SyntaxProblem]:
    """Every ERROR and MISSING node of the tree; empty when the file parses cleanly."""
    problems = []
    for node in walk(tree.root_node):
        if node.is_error or node.is_missing:
            row, column = node.start_point
            kind = "missing" if node.is_missing else "error"
            snippet = node.type if node.is_missing else text(node)[:60]
            problems.append(SyntaxProblem(row + 1, column + 1, kind, snippet))
    return problems


@dataclass(frozen=True)
class Expression:
    """A value that is not a literal; `text` is its Bicep source."""

    text: str


def _content(node: Node) -> list[Node]:
    """Named children without comments."""
    return [child for child in node.named_children if child.type != "comment"]


def literal(node: Node) -> Any:
    """The Python value of a literal Bicep expression, or an `Expression` for anything else."""
    kind = node.type
    if kind == "string":
        parts = []
        for child in _content(node):
            if child.type == "string_content":
                parts.append(text(child))
            elif child.type == "escape_sequence":
                parts.append(_ESCAPES.get(text(child), text(child)))
            else:  # interpolation
                return Expression(text(node))
        return "".join(parts)
    if kind == "number":
        return int(text(node))
    if kind == "boolean":
        return text(node) == "true"
    if kind == "null":
        return None
    if kind == "array":
        return [literal(item) for item in _content(node)]
    if kind == "object":
        result: dict[str, Any] = {}
        for prop in _content(node):
            if prop.type != "object_property":
                return Expression(text(node))
            key_node, *_, value_node = _content(prop)
            key = literal(key_node) if key_node.type == "string" else text(key_node)
            result[key if isinstance(key, str) else text(key_node)] = literal(value_node)
        return result
    return Expression(text(node))


@dataclass(frozen=True)
class Decorated:
    name: str
    decorators: dict[str, list[Any]]  # decorator name -> literal arguments


def _decorators(node: Node) -> dict[str, list[Any]]:
    """Decorators written just before a declaration (a `decorators` sibling node)."""
    previous = node.prev_named_sibling
    while previous is not None and previous.type == "comment":
        previous = previous.prev_named_sibling
    found: dict[str, list[Any]] = {}
    if previous is None or previous.type != "decorators":
        return found
    for decorator in _content(previous):
        call = _content(decorator)[0]
        if call.type != "call_expression":
            continue
        name_node, *rest = _content(call)
        arguments = [literal(arg) for arg in _content(rest[0])] if rest else []
        found[text(name_node)] = arguments
    return found


@dataclass(frozen=True)
class Param(Decorated):
    type: str
    default: Any = field(default=None)
    has_default: bool = False


@dataclass(frozen=True)
class Resource:
    symbol: str
    type: str  # e.g. Microsoft.Web/sites
    api_version: str
    body: dict[str, Any]
    conditional: bool  # `= if (...) {...}`
    loop: bool  # `= [for ... : {...}]`
    loop_over: str | None = None  # the source text of what a loop iterates, e.g. 'logRules'


def _loop_source(node: Node) -> str | None:
    """What `[for x in <source>: ...]` iterates, as source text; None when not a loop."""
    if node.type != "for_statement":
        return None
    children = node.children
    for index, child in enumerate(children):
        if child.type == "in":
            return text(children[index + 1])
    return None


@dataclass(frozen=True)
class Module:
    symbol: str
    path: str
    body: dict[str, Any]


@dataclass(frozen=True)
class BicepFile:
    path: Path
    tree: Tree

    def declarations(self, kind: str) -> list[Node]:
        return [node for node in _content(self.tree.root_node) if node.type == kind]

    def params(self) -> dict[str, Param]:
        found = {}
        for node in self.declarations("parameter_declaration"):
            name_node, type_node, *default = _content(node)
            name = text(name_node)
            found[name] = Param(
                name=name,
                decorators=_decorators(node),
                type=text(type_node),
                default=literal(default[0]) if default else None,
                has_default=bool(default),
            )
        return found

    def variables(self) -> dict[str, Any]:
        found = {}
        for node in self.declarations("variable_declaration"):
            name_node, value_node = _content(node)
            found[text(name_node)] = literal(value_node)
        return found

    def resources(self) -> list[Resource]:
        found = []
        for node in self.declarations("resource_declaration"):
            symbol_node, type_node, value_node = _content(node)[:3]
            resource_type = literal(type_node)
            assert isinstance(resource_type, str), f"computed resource type {text(type_node)}"
            type_name, _, api_version = resource_type.partition("@")
            body_node = value_node
            if value_node.type in ("if_statement", "for_statement"):
                body_node = [n for n in _content(value_node) if n.type == "object"][-1]
            body = literal(body_node)
            assert isinstance(body, dict), f"{text(symbol_node)}: body is not an object"
            found.append(
                Resource(
                    symbol=text(symbol_node),
                    type=type_name,
                    api_version=api_version,
                    body=body,
                    conditional=value_node.type == "if_statement",
                    loop=value_node.type == "for_statement",
                    loop_over=_loop_source(value_node),
                )
            )
        return found

    def resources_of_type(self, resource_type: str) -> list[Resource]:
        return [r for r in self.resources() if r.type == resource_type]

    def modules(self) -> list[Module]:
        found = []
        for node in self.declarations("module_declaration"):
            symbol_node, path_node, body_node = _content(node)[:3]
            path = literal(path_node)
            body = literal(body_node)
            assert isinstance(path, str) and isinstance(body, dict)
            found.append(Module(symbol=text(symbol_node), path=path, body=body))
        return found

    def string_literals(self) -> list[str]:
        """Every literal string in the file (interpolated strings excluded)."""
        values = []
        for node in walk(self.tree.root_node):
            if node.type == "string":
                value = literal(node)
                if isinstance(value, str):
                    values.append(value)
        return values

    def called_functions(self) -> set[str]:
        """Names of every function called, e.g. {'guid', 'listKeys'} (member calls included)."""
        names = set()
        for node in walk(self.tree.root_node):
            if node.type == "call_expression":
                callee = _content(node)[0]
                names.add(text(callee).rsplit(".", 1)[-1])
        return names


def load(path: Path) -> BicepFile:
    return BicepFile(path=path, tree=parse_file(path))


def app_settings(site: Resource) -> dict[str, Any]:
    """name -> value of a Microsoft.Web/sites resource's siteConfig.appSettings."""
    entries = site.body.get("properties", {}).get("siteConfig", {}).get("appSettings", [])
    assert isinstance(entries, list), f"{site.symbol}: appSettings is computed, not a list"
    settings: dict[str, Any] = {}
    for entry in entries:
        assert isinstance(entry, dict) and isinstance(entry.get("name"), str), (
            f"{site.symbol}: every app setting needs a literal name, got {entry!r}"
        )
        name = entry["name"]
        assert name not in settings, f"{site.symbol}: app setting {name} is set twice"
        settings[name] = entry.get("value")
    return settings
