"""What the change feeds share: their watermark is saved only if nobody moved it first."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from shared.ports import StateConflictError, StateStore

log = logging.getLogger(__name__)


def save_watermark(
    store: StateStore, key: str, record: Mapping[str, Any], etag: str | None, feed: str
) -> None:
    """Save a feed's watermark once its commands are queued. Another poll that saved first
    (a second instance) makes this one's save a no-op: its window is handled already."""
    try:
        store.save(key, record, etag)
    except StateConflictError:
        log.info("%s feed: another poll moved the watermark first", feed)
