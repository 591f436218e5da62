"""What the emulators were asked to change, read from their request logs."""

from __future__ import annotations

from collections import Counter

from sandbox.emulators.core.emulator import Emulator

LOGIN = "POST /oauth/token"  # the client-credentials login changes nothing in the estate


def vendor_writes(*emulators: Emulator) -> Counter[str]:
    """Writes by endpoint template across `emulators`."""
    return Counter(
        entry.endpoint
        for emulator in emulators
        for entry in emulator.log.writes()
        if entry.endpoint != LOGIN
    )


def vendor_requests(*emulators: Emulator) -> int:
    """Every request `emulators` received, reads included (the login too)."""
    return sum(len(emulator.log.entries()) for emulator in emulators)
