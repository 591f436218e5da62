"""What every function does first: stamp log records with the correlation id, send traces
and metrics where this process sends them (`shared.bootstrap.start_telemetry`), and keep the
Azure SDK's per-request HTTP log lines (every Table and Service Bus call, at INFO) out of
Application Insights, where they would bury the product's own lines and cost ingestion.

Both are once per process; later calls cost a flag check. They run on the first invocation
rather than on import because the CLI imports function_app as well (the sandbox serves it),
and neither belongs to an operator's shell session.
"""

from __future__ import annotations

import logging

from shared import bootstrap
from shared.observability import install_correlation_logging

AZURE_HTTP_LOGGER = "azure.core.pipeline.policies.http_logging_policy"


def invocation_setup() -> None:
    install_correlation_logging()
    bootstrap.start_telemetry()
    logging.getLogger(AZURE_HTTP_LOGGER).setLevel(logging.WARNING)
