"""What every operator command shares: options, the error console, clean errors, progress.

Commands fail with one line that names the problem and the fix (a missing or bad setting,
a policy error with its line, a vendor refusal with its reason, a vendor that never
answered) and exit 1 — never a traceback. `--debug` (or `BYOC_DEBUG=1`) lets the exception
through instead, traceback and all, and shows the log records, for bug reports.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from threading import Lock
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from shared.domain.yaml_source import SourceError
from shared.numbers.provisioning import ProvisioningError
from shared.ports import (
    AdapterError,
    JournalReadError,
    RetriesExhausted,
    SnapshotReadError,
    StateStoreError,
    TerminalVendorError,
)
from shared.reconcile.apply import Outcome, PlanRefusedError
from shared.reconcile.changes import Change, numbers_in
from shared.settings import MissingSettingError
from shared.trunks.changes import TrunkChange

PolicyOption = Annotated[
    Path | None,
    typer.Option("--policy", help="Routing policy file (default: BYOC_POLICY_PATH)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]

err = Console(stderr=True, highlight=False)
# What a bad value in the environment fails to parse as.
SETTINGS_MODELS = {"Settings", "ServiceBusConnection", "HostStorageConnection"}
DEBUG_ENV = "BYOC_DEBUG"

# The fix for a vendor failure that comes from the settings, by vendor. A token request
# Genesys refused carries its own (shared.adapters.vendor_clients), since the Functions
# host logs it too.
_CREDENTIALS_FIX = {
    "twilio": "check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN",
    "genesys": "check GENESYSCLOUD_OAUTHCLIENT_ID/SECRET",
}
_UNREACHABLE_FIX = {
    "twilio": "is TWILIO_API_BASE_URL right (unset for twilio.com)? is the sandbox running?",
    "genesys": "is GENESYSCLOUD_API_HOST/GENESYSCLOUD_REGION right? is the sandbox running?",
}
_STATE_STORE_FIX = "is AzureWebJobsStorage right? (for the sandbox: is Azurite running?)"
_POLICY_FIX = "name the policy file with --policy FILE or BYOC_POLICY_PATH"


class _Run:
    """How this invocation was asked to fail. The root command's callback sets it on every
    invocation, before any command runs, so in-process invocations (tests) never inherit
    the previous one's."""

    debug = False


def set_debug(debug: bool) -> None:
    """Record `--debug` for the commands of this invocation, and show log records only
    with it.

    Log records are the Functions host's telemetry. On a terminal the commands report for
    themselves (a status line, the report, one error line), so without `--debug` records
    are not printed: otherwise the retry policy's "attempt 1/5 failed" warnings, and an
    apply's failures logged with their tracebacks, would bury the one line that matters.
    """
    _Run.debug = debug
    logging.captureWarnings(True)  # a library's FutureWarning is a log record too
    if debug:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    else:
        # Only records nobody configured a handler for reach `lastResort`; a command that
        # sets up its own logging (`sandbox serve`) is unaffected.
        assert logging.lastResort is not None
        logging.lastResort.setLevel(logging.CRITICAL)


def debugging() -> bool:
    return _Run.debug


def fail(message: str) -> NoReturn:
    """Print `error: <message>` (the message taken literally, not as markup) and exit 1."""
    err.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
    raise typer.Exit(1)


def explain(error: AdapterError) -> str:
    """The one line for a failed vendor call, with what to check when the settings are the
    likely cause: refused credentials (401), or a vendor that never answered (wrong host,
    sandbox not running, no network) — for which the transport error's long text (URL,
    pool, wrapped exceptions) is cut down to its socket error."""
    line = str(error)
    call = error
    while isinstance(call, SnapshotReadError) and isinstance(call.__cause__, AdapterError):
        call = call.__cause__  # a snapshot read names the call that failed; look at it
    if isinstance(call, TerminalVendorError) and call.status == 401:
        fix = _CREDENTIALS_FIX.get(call.vendor)
        return f"{line}: {fix}" if fix else line
    if isinstance(call, RetriesExhausted):
        why = _socket_error(call.last_error)
        fix = _UNREACHABLE_FIX.get(call.vendor)
        if why is not None and fix is not None:
            short = f"{call.vendor} {call.operation}: no answer after {call.attempts} attempt(s)"
            return f"{line.replace(call.reason, short)} ({why}): {fix}"
    return line


def _socket_error(exc: BaseException) -> str | None:
    """What the network said, for a transport failure: both SDKs' connection errors wrap
    (or are) an OSError — connection refused, timed out, name not resolved — where an HTTP
    error answer is not one. None when no OSError is in the chain."""
    seen: set[int] = set()
    current: BaseException | None = exc
    found: OSError | None = None
    while current is not None and id(current) not in seen:
        if isinstance(current, OSError):
            found = current  # keep walking: the innermost one says it plainest
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    if found is None:
        return None
    return found.strerror or str(found) or type(found).__name__


def _one_line(error: BaseException) -> str:
    if isinstance(error, AdapterError):
        return explain(error)
    if isinstance(error, StateStoreError):
        return f"state table: {error}: {_STATE_STORE_FIX}"
    return str(error)


@contextmanager
def operator_errors() -> Iterator[None]:
    """Turn the failures an operator can act on into one clear line and exit code 1
    (with `--debug`, let them through with their traceback instead)."""
    try:
        yield
    except ValidationError as error:
        if error.title not in SETTINGS_MODELS or debugging():
            raise
        for detail in error.errors():
            name = ".".join(map(str, detail["loc"])).upper()
            err.print(f"[red]error:[/red] setting {name}: {escape(detail['msg'])}", soft_wrap=True)
        raise typer.Exit(1) from error
    except SourceError as error:
        if debugging():
            raise
        if isinstance(error.__cause__, OSError):  # the file itself could not be read
            reason = error.__cause__.strerror or str(error.__cause__)
            fail(f"cannot read {error.source}: {reason}; {_POLICY_FIX}")
        err.print(f"[red]error:[/red] {escape(error.source)}: {len(error.problems)} problem(s)")
        for problem in error.problems:
            err.print(f"  {problem}", markup=False, soft_wrap=True)
        raise typer.Exit(1) from error
    except (
        MissingSettingError,
        AdapterError,
        StateStoreError,
        JournalReadError,
        ProvisioningError,
        PlanRefusedError,
        OSError,
    ) as error:
        if debugging():
            raise
        fail(_one_line(error))


@contextmanager
def apply_progress(
    changes: Sequence[Change | TrunkChange], enabled: bool, console: Console | None = None
) -> Iterator[Callable[[Outcome], None]]:
    """A progress bar on stderr (or `console`) for applies that take a while: "3/5 changes".

    It counts changes, as the plan lists them: one number's attach, DID pool and DNIS are
    three (counting the numbers each change touches had it say "3/3 numbers" for one
    number). A DNIS change of many numbers reports once per batch: the bar moves with each
    batch, and the count goes up once the change's last batch is in.
    """
    if not enabled or not changes:
        yield lambda outcome: None
        return
    remaining: dict[Change | TrunkChange, int] = {}
    for change in changes:
        size = 1 if isinstance(change, TrunkChange) else len(numbers_in(change))
        remaining[change] = remaining.get(change, 0) + size
    lock = Lock()  # outcomes arrive from the apply's worker threads
    with Progress(
        TextColumn("applying"),
        BarColumn(),
        TextColumn("{task.fields[done]}/{task.fields[changes]} changes"),
        TimeElapsedColumn(),
        console=console or err,
        transient=True,
    ) as bar:
        task = bar.add_task("apply", total=sum(remaining.values()), done=0, changes=len(changes))
        done = 0

        def advance(outcome: Outcome) -> None:
            nonlocal done
            covered = max(1, len(outcome.numbers))
            with lock:
                left = remaining.get(outcome.change, 0)
                remaining[outcome.change] = left - covered
                if left > 0 >= left - covered:
                    done += 1
                bar.update(task, advance=covered, done=done)

        yield advance
