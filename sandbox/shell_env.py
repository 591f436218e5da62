"""The sandbox's settings as shell `export` lines, so `eval` attaches a shell to it.

`byoc-sync sandbox serve` prints its settings as one JSON line. Pasting them by hand is
error-prone: connection strings carry `;` and `=`, which a shell reads as a command separator
and an assignment, and a terminal wraps long values. Each value is therefore quoted with
`shlex.quote` and printed on one unwrapped line; a name that is not a shell identifier is
refused rather than printed, because `eval` would run it.
"""

from __future__ import annotations

import json
import re
import shlex
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class SettingsLineError(ValueError):
    """No usable settings line: the sandbox is not ready yet, or this is not its output."""


def settings_from_lines(lines: Iterable[str]) -> dict[str, str]:
    """The first JSON object among `lines` (what `sandbox serve` prints once it is ready).

    Other lines are skipped, so output captured with `2>&1` (log lines first) still works.
    Reading stops at the settings line: a pipe from a running `serve` is not read to its end.
    """
    for line in lines:
        text = line.strip()
        if not text.startswith("{"):
            continue
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError:
            continue
        if isinstance(parsed, dict):
            return {str(key): "" if value is None else str(value) for key, value in parsed.items()}
    raise SettingsLineError("no settings line (one JSON object) found")


def settings_from_file(path: Path, wait_s: float = 0) -> dict[str, str]:
    """The settings line in `path`, waiting up to `wait_s` for it to appear.

    `sandbox serve > sandbox.json &` creates the file at once but writes the line only when
    every server listens, so a script that attaches right after starting it waits here.
    """
    deadline = time.monotonic() + wait_s
    while True:
        try:
            with path.open(encoding="utf-8") as lines:
                return settings_from_lines(lines)
        except (OSError, SettingsLineError) as error:
            if time.monotonic() >= deadline:
                reason = error.strerror if isinstance(error, OSError) else str(error)
                raise SettingsLineError(f"{path}: {reason}") from error
        time.sleep(0.1)


def export_lines(settings: Mapping[str, str]) -> list[str]:
    """`export NAME='value'` for each setting, in the order given, safe to `eval`."""
    bad = [name for name in settings if not _IDENTIFIER.fullmatch(name)]
    if bad:
        raise SettingsLineError(f"not a shell variable name: {', '.join(map(repr, bad))}")
    return [f"export {name}={shlex.quote(value)}" for name, value in settings.items()]
