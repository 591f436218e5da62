"""Correlation ids: one id follows a request from the webhook through the queue to the worker.

The id travels in the `X-Correlation-Id` header, the command envelope and the Service Bus
message's `correlation_id`; while a request or command runs it sits in a context variable and
every log record carries it (`record.correlation_id`, and `[cid=…]` in the message), so one
search in Application Insights or a local log shows everything one event caused.
"""

from __future__ import annotations

import logging
import re
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

CORRELATION_HEADER = "X-Correlation-Id"
_VALID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_current: ContextVar[str | None] = ContextVar("byoc_correlation_id", default=None)


def new_correlation_id() -> str:
    return uuid.uuid4().hex


def correlation_id_from(headers: Mapping[str, str]) -> str:
    """The caller's id when it is a sane token (we log it), else a fresh one."""
    for key, value in headers.items():
        if key.lower() == CORRELATION_HEADER.lower() and _VALID.match(value or ""):
            return value
    return new_correlation_id()


def current_correlation_id() -> str | None:
    return _current.get()


@contextmanager
def correlation(correlation_id: str) -> Iterator[str]:
    """Run a block under `correlation_id`; nested blocks restore the outer id."""
    token = _current.set(correlation_id)
    try:
        yield correlation_id
    finally:
        _current.reset(token)


_installed = False


def install_correlation_logging() -> None:
    """Stamp the current id on every log record from now on, whatever logger or handler.

    A record factory rather than a handler filter: the Functions worker owns the handlers,
    and filters on a logger do not see records propagated from child loggers.
    """
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        cid = _current.get()
        record.correlation_id = cid or "-"
        if cid:
            record.msg = f"[cid={cid}] {record.msg}"
        return record

    logging.setLogRecordFactory(factory)
    _installed = True


# ---------------------------------------------------------------------- journal write failures
# A journal write that fails never fails the change it records; it is counted here instead.
# Metrics exporters subscribe with `on_journal_write_failed` (one call per failed write), so
# wiring a counter is one line and this module stays free of any metrics SDK.

_journal_write_failures = 0
_journal_failures_lock = threading.Lock()
_journal_failure_listeners: list[Callable[[], None]] = []


def journal_write_failed() -> None:
    """Count one journal entry that could not be stored."""
    global _journal_write_failures
    with _journal_failures_lock:
        _journal_write_failures += 1
    for listener in list(_journal_failure_listeners):
        listener()


def journal_write_failures() -> int:
    """Journal entries this process could not store since it started."""
    return _journal_write_failures


def on_journal_write_failed(listener: Callable[[], None]) -> None:
    _journal_failure_listeners.append(listener)
