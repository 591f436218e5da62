"""What every operator command needs: settings, the policy, the adapters, clean errors.

Commands fail with one line that names the problem (a missing setting, a policy error with
its line, a vendor refusal with its reason) and exit 1 — never a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from shared.adapters import AdapterError, build_adapters
from shared.domain.policy import RoutingPolicy, load_policy
from shared.domain.yaml_source import SourceError
from shared.numbers.provisioning import ProvisioningError
from shared.reconcile.apply import Outcome, PlanRefusedError
from shared.settings import MissingSettingError, Settings

PolicyOption = Annotated[
    Path | None,
    typer.Option("--policy", help="Routing policy file (default: BYOC_POLICY_PATH)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]

err = Console(stderr=True, highlight=False)


if TYPE_CHECKING:
    from shared.adapters import GenesysAdapter, TwilioAdapter


@dataclass
class Runtime:
    settings: Settings
    policy: RoutingPolicy
    twilio: TwilioAdapter
    genesys: GenesysAdapter


def load_runtime(policy_path: Path | None) -> Runtime:
    settings = Settings()
    policy = load_policy(policy_path or settings.byoc_policy_path)
    twilio, genesys = build_adapters(settings)
    return Runtime(settings, policy, twilio, genesys)


@contextmanager
def operator_errors() -> Iterator[None]:
    """Turn the failures an operator can act on into one clear line and exit code 1."""
    try:
        yield
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
