"""The errors adapters raise, each carrying a human reason.

Callers never see an SDK exception: a vendor call ends in a value, a `TerminalVendorError`
(retrying cannot help: dead-letter it), `RetriesExhausted` (the vendor kept failing) or an
`OwnershipError` (byoc-sync refused to touch something it does not own). `reason` is the
text that lands in dead-letter records and operator reports, so it names the vendor, the
operation and what went wrong, and never a secret.
"""

from __future__ import annotations


class AdapterError(Exception):
    """Base of every adapter failure; `reason` is the one-line explanation."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TerminalVendorError(AdapterError):
    """The vendor refused the call in a way a retry cannot fix (4xx other than 429)."""

    def __init__(
        self,
        vendor: str,
        operation: str,
        status: int | None,
        code: str | None,
        message: str,
    ) -> None:
        self.vendor = vendor
        self.operation = operation
        self.status = status
        self.code = code
        self.message = message
        status_text = f"HTTP {status}" if status is not None else "error"
        code_text = f" ({code})" if code else ""
        super().__init__(f"{vendor} {operation}: {status_text}{code_text}: {message}")


class RetriesExhausted(AdapterError):  # noqa: N818  (the name callers and reports use)
    """Every attempt of a retryable call failed; `last_error` is the final failure."""

    def __init__(
        self,
        vendor: str,
        operation: str,
        attempts: int,
        last_error: BaseException,
        last_reason: str | None = None,
    ) -> None:
        self.vendor = vendor
        self.operation = operation
        self.attempts = attempts
        self.last_error = last_error
        why = last_reason or f"{type(last_error).__name__}: {last_error}"
        super().__init__(f"{vendor} {operation}: gave up after {attempts} attempt(s); last: {why}")


class OwnershipError(AdapterError):
    """byoc-sync was asked to change or delete an object it did not create."""


class IncompleteListingError(AdapterError):
    """A paged read did not add up (the collection changed while it was read)."""


class SnapshotReadError(AdapterError):
    """The observed state could not be read completely; nothing may be planned from it."""
