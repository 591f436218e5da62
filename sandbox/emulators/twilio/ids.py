"""Deterministic Twilio-shaped identifiers, so seeded scenarios replay identically."""

from __future__ import annotations

import hashlib
import re
from itertools import count

SID_RE = re.compile(r"^[A-Z]{2}[0-9a-f]{32}$")


def sid_pattern(prefix: str) -> re.Pattern[str]:
    return re.compile(rf"^{prefix}[0-9a-fA-F]{{32}}$")


class SidFactory:
    """Hands out `<prefix><32 hex>` SIDs from a counter, hashed with a namespace.

    Hashing (not zero-padding) keeps SIDs realistic-looking while a fixed namespace and
    counter make them identical on every run of the same scenario.
    """

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self._counter = count(1)

    def next(self, prefix: str) -> str:
        n = next(self._counter)
        digest = hashlib.sha256(f"{self.namespace}:{prefix}:{n}".encode()).hexdigest()
        return prefix + digest[:32]

    def seq(self) -> int:
        """A monotonically increasing number: the order lists and page tokens rely on."""
        return next(self._counter)
