"""The emulators' request log: the ground truth for call-count tests and benchmarks."""

from __future__ import annotations

import threading
import time
from collections import Counter

from pydantic import BaseModel


class LoggedRequest(BaseModel):
    seq: int
    timestamp: float  # epoch seconds
    method: str
    path: str
    query: str
    endpoint: str  # "METHOD /route/{Template}", or "METHOD <unmatched>"
    status: int  # 0 when the connection was reset or dropped without an answer
    duration_ms: float
    fault: str | None = None
    principal: str | None = None


class RequestLog:
    """Thread-safe, append-only (until cleared) record of every vendor request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[LoggedRequest] = []
        self._seq = 0

    def record(
        self,
        *,
        method: str,
        path: str,
        query: str,
        endpoint: str,
        status: int,
        started: float,
        fault: str | None,
        principal: str | None,
    ) -> None:
        with self._lock:
            self._seq += 1
            self._entries.append(
                LoggedRequest(
                    seq=self._seq,
                    timestamp=time.time(),
                    method=method,
                    path=path,
                    query=query,
                    endpoint=endpoint,
                    status=status,
                    duration_ms=(time.monotonic() - started) * 1000.0,
                    fault=fault,
                    principal=principal,
                )
            )

    def entries(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def count_by_endpoint(self) -> Counter[str]:
        return Counter(entry.endpoint for entry in self.entries())

    def count(self, *, method: str | None = None, endpoint: str | None = None) -> int:
        return sum(
            1
            for entry in self.entries()
            if (method is None or entry.method == method)
            and (endpoint is None or entry.endpoint == endpoint)
        )

    def writes(self) -> list[LoggedRequest]:
        return [e for e in self.entries() if e.method in {"POST", "PUT", "PATCH", "DELETE"}]
