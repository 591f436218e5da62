"""YAML loading that remembers where each value came from.

Validation errors are only useful to an engineer when they point at a line: pydantic
reports a path like `routes.1.ivr`, and this module maps that path back to the line and
column of the YAML node, using PyYAML's composed node tree (which keeps marks). It also
rewords pydantic's messages for someone editing YAML rather than calling Python: an unknown
key names itself and the closest key the model knows ("did you mean"), and a missing key
that is only a misspelling away is folded into that one problem.
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

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


def _model_at(model: type[BaseModel], path: Sequence[str | int]) -> type[BaseModel] | None:
    """The model class validating the mapping at `path` (list items, Optional unwrapped)."""
    current: Any = model
    for part in path:
        if isinstance(part, str):
            field = (
                current.model_fields.get(part)
                if isinstance(current, type) and issubclass(current, BaseModel)
                else None
            )
            if field is None:
                return None
            current = field.annotation
        elif get_origin(current) in (list, tuple, Sequence):
            current = get_args(current)[0]
        else:
            return None
        while get_origin(current) in (Annotated, Union, types.UnionType):
            if get_origin(current) is Annotated:
                current = get_args(current)[0]
                continue
            models = [
                a for a in get_args(current) if isinstance(a, type) and issubclass(a, BaseModel)
            ]
            if len(models) != 1:
                return None
            current = models[0]
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _suggestion(model: type[BaseModel], path: Sequence[str | int]) -> str | None:
    """The known key closest to an unknown one at `path` (its last part), if any is close."""
    parent = _model_at(model, path[:-1])
    if parent is None:
        return None
    close = difflib.get_close_matches(str(path[-1]), list(parent.model_fields), n=1)
    return close[0] if close else None


def _kind_of(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    return "a list" if isinstance(value, list) else type(value).__name__


def _message(error: ErrorDetails, key: str, suggestion: str | None, required: bool) -> str:
    """pydantic's wording made plain; a validator's own message is kept as it wrote it."""
    kind = error["type"]
    if kind == "extra_forbidden":
        if suggestion is None:
            return f"unknown key {key!r}"
        message = f"unknown key {key!r} (did you mean {suggestion!r}?)"
        return f"{message}; required key {suggestion!r} is missing" if required else message
    if kind == "missing":
        return f"required key {key!r} is missing"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"expected a mapping (key: value), found {_kind_of(error['input'])}"
    if kind in ("value_error", "assertion_error") and "error" in error.get("ctx", {}):
        return str(error["ctx"]["error"])
    return error["msg"]


def _problems(
    model: type[BaseModel], root: yaml.Node | None, exc: ValidationError
) -> list[SourceProblem]:
    errors = [
        (error, [p for p in error["loc"] if isinstance(p, str | int)]) for error in exc.errors()
    ]
    suggestions = {
        index: _suggestion(model, path)
        for index, (error, path) in enumerate(errors)
        if error["type"] == "extra_forbidden" and path
    }
    # A misspelt required key shows up twice: as unknown, and its real name as missing.
    # The unknown key is the line to edit, so the missing one is folded into it.
    misspelt = {
        (tuple(errors[index][1][:-1]), suggestion)
        for index, suggestion in suggestions.items()
        if suggestion is not None
    }
    missing = {
        (tuple(path[:-1]), path[-1])
        for error, path in errors
        if error["type"] == "missing" and path
    }
    problems = []
    for index, (error, path) in enumerate(errors):
        parent = tuple(path[:-1])
        key = str(path[-1]) if path else ""
        if error["type"] == "missing" and path and (parent, path[-1]) in misspelt:
            continue
        suggestion = suggestions.get(index)
        node = _locate(root, path)
        mark = node.start_mark if node is not None else None
        problems.append(
            SourceProblem(
                location=".".join(str(p) for p in path),
                line=mark.line + 1 if mark else None,
                column=mark.column + 1 if mark else None,
                message=_message(error, key, suggestion, (parent, suggestion) in missing),
            )
        )
    # Top to bottom, as the engineer will edit the file.
    return sorted(problems, key=lambda p: (p.line or 0, p.column or 0))


def load_model(
    model: type[M],
    text: str,
    source: str = "<string>",
    context: dict[str, Any] | None = None,
) -> M:
    """Parse YAML `text` into `model`, raising SourceError with line-numbered problems.
    `context` reaches the model's validators (values that come from settings, not the file)."""
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
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        raise SourceError(source, _problems(model, root, exc)) from exc


def load_model_file(model: type[M], path: Path, context: dict[str, Any] | None = None) -> M:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourceError(str(path), [SourceProblem("", None, None, str(exc))]) from exc
    return load_model(model, text, str(path), context)
