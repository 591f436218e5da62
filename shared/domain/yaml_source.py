"""YAML loading that remembers where each value came from.

Validation errors are only useful to an engineer when they point at a line: pydantic
reports a path like `routes.1.ivr`, and this module maps that path back to the line and
column of the YAML node, using PyYAML's composed node tree (which keeps marks).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class SourceProblem:
    """One thing wrong with a YAML document, located for a human."""

    location: str  # dotted path, e.g. "trunk_groups.0.members.1.priority"
    line: int | None  # 1-based
    column: int | None  # 1-based
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}, column {self.column}: " if self.line else ""
        return f"{where}{self.location or '(document)'}: {self.message}"


class SourceError(ValueError):
    """A document that could not be loaded; `problems` lists every issue found."""

    def __init__(self, source: str, problems: Sequence[SourceProblem]) -> None:
        self.source = source
        self.problems = list(problems)
        details = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{source}: {len(self.problems)} problem(s)\n{details}")


def _locate(node: yaml.Node | None, path: Sequence[str | int]) -> yaml.Node | None:
    """Walk a composed node along a pydantic error path; stop at the deepest match.

    A path ending in a mapping key points at the key itself (`colour:`), which is where
    an engineer looks for an unknown or invalid field.
    """
    current = node
    for index, part in enumerate(path):
        last = index == len(path) - 1
        if isinstance(current, yaml.MappingNode):
            pair = next(((k, v) for k, v in current.value if str(k.value) == str(part)), None)
            if pair is None:
                return current
            current = pair[0] if last else pair[1]
        elif isinstance(current, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(current.value):
                return current
            current = current.value[part]
        else:
            return current
    return current


def load_model(model: type[M], text: str, source: str = "<string>") -> M:
    """Parse YAML `text` into `model`, raising SourceError with line-numbered problems."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = SourceProblem(
            location="",
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
            message=f"not valid YAML: {getattr(exc, 'problem', None) or exc}",
        )
        raise SourceError(source, [problem]) from exc
    if data is None:
        data = {}
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            path = [p for p in error["loc"] if isinstance(p, str | int)]
            node = _locate(root, path)
            mark = node.start_mark if node is not None else None
            problems.append(
                SourceProblem(
                    location=".".join(str(p) for p in path),
                    line=mark.line + 1 if mark else None,
                    column=mark.column + 1 if mark else None,
                    message=error["msg"],
                )
            )
        raise SourceError(source, problems) from exc


def load_model_file(model: type[M], path: Path) -> M:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourceError(str(path), [SourceProblem("", None, None, str(exc))]) from exc
    return load_model(model, text, str(path))
