"""The Typer application every `byoc-sync` command group is built from: one place for how
`--help` reads.

Typer's rich help, left to itself:
- prints each option's type after it, `<bool>` after flags included (and after `--help`
  itself), so `--json <bool>` reads as if the flag took a value;
- shows an argument under its Python name (`{number}`, `[plan_file]`) unless it is given a
  metavar, so a hand-set `GROUP` stood beside `member`;
- keeps the line breaks of a docstring's later paragraphs, which are wrapped for the source
  at 92 columns, so at 80 columns every other line of them broke after a word or two.

`App` builds its commands and groups from the classes below, which leave a flag's type
column empty, spell every argument in capitals (`NUMBER`, `GROUP MEMBER`, `[PLAN_FILE]`)
as the help texts and the docs refer to them, and let paragraphs wrap at the terminal's
width (a paragraph with indented lines, an example, keeps its lines). A command added later
gets all of this without having to remember it; `tests/integration/test_cli_help.py` reads
every command's `--help` to keep it so.

The braces around a required argument in the usage line (`{NUMBER}`, against `[PLAN_FILE]`
for an optional one) are Typer's own notation and are left as they are.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

_Function = TypeVar("_Function", bound=Callable[..., Any])


def _spelled_for_help(params: list[Any]) -> list[Any]:
    """`params` with flags showing no type and arguments named in capitals.

    A metavar set by hand is kept. Setting them again on every call is harmless (the values
    do not change), and `get_params` is the one list both the help and the parser read,
    `--help` included, which a command creates only when first asked for it."""
    for param in params:
        if isinstance(param, TyperOption) and param.is_flag and param.metavar is None:
            param.metavar = ""  # Typer shows an option's metavar in place of its type
        elif isinstance(param, TyperArgument) and param.metavar is None and param.name:
            param.metavar = param.name.upper()
    return params


def reflowed(text: str | None) -> str | None:
    """`text` (a docstring) with each paragraph on one line, for the terminal to wrap, except
    paragraphs holding an indented line (an example, a list), which keep their lines."""
    if text is None:
        return None
    paragraphs = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(
        paragraph
        if any(line[:1].isspace() for line in paragraph.splitlines())
        else " ".join(paragraph.splitlines())
        for paragraph in paragraphs
    )


# `ctx` is Any: the base classes declare it as the Context of the click Typer vendors
# privately (`typer._click`), which `typer.Context` subclasses and so cannot stand for.
class Command(TyperCommand):
    """A command whose `--help` reads as this module says."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = reflowed(self.help)

    def get_params(self, ctx: Any) -> list[Any]:
        return _spelled_for_help(super().get_params(ctx))


class Group(TyperGroup):
    """A command group (with its own options: `byoc-sync --debug`, `health --probe`) whose
    `--help` reads the same way."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = reflowed(self.help)

    def get_params(self, ctx: Any) -> list[Any]:
        return _spelled_for_help(super().get_params(ctx))


class App(typer.Typer):
    """`typer.Typer` whose group and commands are `Group` and `Command`."""

    def __init__(self, **options: Any) -> None:
        super().__init__(cls=Group, **options)

    def command(self, name: str | None = None, **options: Any) -> Callable[[_Function], _Function]:
        return super().command(name, cls=Command, **options)
