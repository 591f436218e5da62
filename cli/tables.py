"""Tables that fit 80 columns: the default terminal, and the width of every pipe, redirect
and CI log.

When a table is wider than the console, rich narrows the widest wrappable columns first and,
as a last resort, every column evenly, cutting with an ellipsis whatever no longer fits. Left
to itself it cut the phone number, trunk or host:port — the one thing on a row an operator
acts on — while the prose beside it kept its room. So the tables of this command line are
built from:

- `name_column`: what a row is about (number, group, rule, trunk): never wrapped and never
  narrower than its longest value, so rich takes the room from the prose instead;
- `prose_column`: sentences that wrap at spaces, and fold a word too long for the column
  onto the next line rather than cut it;
- `described`: a cell holding a name with its prose indented under it. A table has one such
  wide column and gives it all the room its short columns leave, so the names in it and in
  its prose (a trunk in a plan's reason, the host:port of a finding) come out whole; as
  columns of their own, a reason or a remediation would each get a sliver of the width;
- `listing`: a table of one-line rows, without the boxes;
- `print_table`: printing uncropped, for the names' sake;
- `indented`: a line under a table, wrapped at the console width with a hanging indent.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from typing import Any

from rich import box
from rich.cells import cell_len
from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.table import Column, Table
from rich.text import Text


def _longest(texts: Iterable[str]) -> int:
    return max((cell_len(text) for text in texts), default=0)


def name_column(header: str, values: Iterable[str], **options: Any) -> Column:
    """A column of names (`values`: every cell of it), each whole on one line, readable and
    greppable. `no_wrap` keeps rich from narrowing it with the prose; `min_width` keeps it
    whole through rich's last resort, narrowing every column evenly."""
    return Column(
        header, no_wrap=True, min_width=max(_longest(values), cell_len(header)), **options
    )


def prose_column(header: str = "", **options: Any) -> Column:
    """A column of sentences (or of `described` cells) that may wrap."""
    return Column(header, overflow="fold", **options)


def described(
    name: str | Text, note: str, *, marker: str = "", style: str = "dim"
) -> RenderableType:
    """`name`, and under it, indented, `note`: the prose gets the whole width of the column
    instead of a narrow one of its own, and the name keeps its line. A `marker` (e.g. "→")
    starts the note, its wrapped lines aligned after it, so that the note stands out in a
    pipe too, where there is no dim style."""
    head = Text(name) if isinstance(name, str) else name
    if not note:
        return head
    body: RenderableType = Text(note, style=style)
    if marker:
        body = Table.grid(Column(no_wrap=True), Column(overflow="fold"), padding=(0, 1, 0, 0))
        body.add_row(Text(marker, style=style), Text(note, style=style))
    return Group(head, Padding(body, (0, 0, 0, 2)))


def listing(*columns: Column | str, **options: Any) -> Table:
    """A table of one-line rows (a list to grep): no vertical rules and two spaces between
    columns, which leaves 80 columns room for six names where boxes would take 19."""
    return Table(
        *columns,
        box=box.SIMPLE_HEAD,
        show_edge=False,
        padding=(0, 0, 0, 1),
        pad_edge=False,
        **options,
    )


def print_table(console: Console, table: RenderableType) -> None:
    """Print `table` uncropped. Should its names need more than the console's width (names
    longer than a narrow terminal), its lines run past the edge, where a terminal wraps
    them, rather than lose their ends, the names among them."""
    console.print(table, crop=False)


def indented(text: str, width: int, indent: int = 2, hang: int = 2) -> str:
    """`text` wrapped to `width`, every line indented by `indent` and the continuation lines
    by `hang` more. Words are never broken, hyphenated trunk names included; print the
    result with `soft_wrap=True` so that rich keeps these line breaks and adds none."""
    return textwrap.fill(
        text,
        width=width,
        initial_indent=" " * indent,
        subsequent_indent=" " * (indent + hang),
        break_long_words=False,
        break_on_hyphens=False,
    )
