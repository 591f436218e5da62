"""What every operator command shares: options, the error console, clean errors, progress.

Commands fail with one line that names the problem (a missing setting, a policy error with
its line, a vendor refusal with its reason) and exit 1 — never a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from shared.domain.yaml_source import SourceError
from shared.numbers.provisioning import ProvisioningError
from shared.ports import AdapterError
from shared.reconcile.apply import Outcome, PlanRefusedError
from shared.settings import MissingSettingError

PolicyOption = Annotated[
    Path | None,
    typer.Option("--policy", help="Routing policy file (default: BYOC_POLICY_PATH)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]

err = Console(stderr=True, highlight=False)
# What a bad value in the environment fails to parse as.
SETTINGS_MODELS = {"Settings", "ServiceBusConnection", "HostStorageConnection"}


@contextmanager
def operator_errors() -> Iterator[None]:
    """Turn the failures an operator can act on into one clear line and exit code 1."""
    try:
        yield
    except ValidationError as error:
        if error.title not in SETTINGS_MODELS:
            raise
        for detail in error.errors():
            name = ".".join(map(str, detail["loc"])).upper()
            err.print(f"[red]error:[/red] setting {name}: {detail['msg']}", soft_wrap=True)
        raise typer.Exit(1) from error
    except SourceError as error:
        err.print(f"[red]error:[/red] {error.source}: {len(error.problems)} problem(s)")
        for problem in error.problems:
            err.print(f"  {problem}", markup=False, soft_wrap=True)
        raise typer.Exit(1) from error
    except (
        MissingSettingError,
        AdapterError,
        ProvisioningError,
        PlanRefusedError,
        OSError,
    ) as error:
        err.print(f"[red]error:[/red] {error}", soft_wrap=True)
        raise typer.Exit(1) from error


def configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@contextmanager
def apply_progress(total_numbers: int, enabled: bool) -> Iterator[Callable[[Outcome], None]]:
    """A progress bar on stderr counting numbers done, for applies that take a while."""
    if not enabled or total_numbers == 0:
        yield lambda outcome: None
        return
    with Progress(
        TextColumn("applying"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("numbers"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("apply", total=total_numbers)
        yield lambda outcome: bar.advance(task, max(1, len(outcome.numbers)))
