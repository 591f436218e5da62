"""What every function does first: stamp log records with the correlation id, and send
traces and metrics where this process sends them (`shared.bootstrap.start_telemetry`).

Both are once per process; later calls cost a flag check. They run on the first invocation
rather than on import because the CLI imports function_app as well (the sandbox serves it),
and neither belongs to an operator's shell session.
"""

from __future__ import annotations

from shared import bootstrap
from shared.observability import install_correlation_logging


def invocation_setup() -> None:
    install_correlation_logging()
    bootstrap.start_telemetry()
