"""Reading only what some numbers need: a command about one number costs the same at 1,000
numbers as at 50,000.

A targeted reconcile and a status request used to read both estates whole. What the
planner needs about a number is: the Twilio number itself, the Twilio trunks (few), the DID
pool covering it, which IVR configurations hold it, and the IVRs' names and versions (few).
`ScopedReader.read` gets exactly that — the number by Twilio's `PhoneNumber` filter, its
pool and IVR assignment from Genesys's per-number listing of pool numbers, the few
collections from a short-lived cache — and returns a `Snapshot` of the shape `scoped_view`
describes, so the same pure planner plans it. tests/unit/test_scoped_reads.py proves, over
random estates and scopes, that a plan made from that shape equals the full plan
restricted to the numbers.

Cached collections may be up to `max_age_s` old. That is safe for writes (every IVR write
is a read-modify-write) and bounded for decisions: an IVR assignment is read fresh per
number; only a DNIS entry spelled in another format is taken from the cached IVR list.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from shared.domain.commands import ReconcileNumbers
from shared.domain.model import (
    DidPool,
    Ivr,
    Snapshot,
    TwilioTrunk,
    normalise_dnis,
)
from shared.ports import AdapterError, GenesysPort, SnapshotReadError, TwilioPort

T = TypeVar("T")
DEFAULT_MAX_AGE_S = 30.0
# An IVR or a DID pool naming more numbers than this is reconciled from a full read: each
# number read alone costs about two Genesys calls, a full read of 50,000 numbers about 500.
SCOPED_LIMIT = 100


def scope_view(full: Snapshot, command: ReconcileNumbers) -> Snapshot:
    """What `scope_snapshot` reads, as a function of the whole estate: every Twilio number
    and IVR, the DID pool the command names (if it exists), nothing else."""
    return Snapshot(
        twilio_numbers=full.twilio_numbers,
        twilio_trunks=(),
        did_pools=tuple(p for p in full.did_pools if p.id == command.genesys_did_pool_id),
        ivrs=full.ivrs,
    )


def scope_snapshot(command: ReconcileNumbers, twilio: TwilioPort, genesys: GenesysPort) -> Snapshot:
    """Enough for `reconcile_scope` to turn the IVR or DID pool a command names into numbers,
    without the Genesys estate: Twilio's numbers (Twilio's budget, not Genesys'), the few
    IVRs, and the one pool. tests/unit/test_scoped_reads.py proves the numbers equal those
    the full snapshot gives."""
    try:
        pool_id = command.genesys_did_pool_id
        pool = genesys.get_did_pool(pool_id) if pool_id else None
        return Snapshot(
            twilio_numbers=tuple(twilio.list_numbers()),
            twilio_trunks=(),
            did_pools=(pool,) if pool is not None else (),
            ivrs=tuple(genesys.list_ivrs()),
        )
    except AdapterError as exc:
        raise SnapshotReadError(f"reading the scope aborted: {exc.reason}") from exc


def scoped_view(full: Snapshot, numbers: Iterable[str]) -> Snapshot:
    """What a number-scoped read returns, as a function of the whole estate: the numbers'
    own Twilio records, every Twilio trunk, the pools covering them, and every IVR with only
    the DNIS entries that are these numbers (as the IVR spells them)."""
    wanted = set(numbers)
    return Snapshot(
        twilio_numbers=tuple(n for n in full.twilio_numbers if n.phone_number in wanted),
        twilio_trunks=full.twilio_trunks,
        did_pools=tuple(p for p in full.did_pools if any(p.contains(n) for n in wanted)),
        ivrs=tuple(
            ivr.model_copy(
                update={"dnis": tuple(e for e in ivr.dnis if normalise_dnis(e) in wanted)}
            )
            for ivr in full.ivrs
        ),
    )


@dataclass
class _Entry(Generic[T]):
    value: T
    read_at: float


class _Cached(Generic[T]):
    """One collection, read again once older than `max_age_s` (one reader at a time)."""

    def __init__(self, read: Callable[[], T], max_age_s: float, clock: Callable[[], float]):
        self._read = read
        self._max_age_s = max_age_s
        self._clock = clock
        self._entry: _Entry[T] | None = None
        self._lock = threading.Lock()

    def get(self) -> T:
        with self._lock:
            now = self._clock()
            if self._entry is None or now - self._entry.read_at > self._max_age_s:
                self._entry = _Entry(self._read(), now)
            return self._entry.value


@dataclass(frozen=True)
class _IndexedIvr:
    """A cached IVR with its entries by the number they mean: normalising every entry of a
    50,000-number estate on each read would cost more than the reads it saves."""

    ivr: Ivr
    spellings: dict[str, tuple[str, ...]]

    @classmethod
    def of(cls, ivr: Ivr) -> _IndexedIvr:
        spellings: dict[str, list[str]] = {}
        for entry in ivr.dnis:
            number = normalise_dnis(entry)
            if number is not None:
                spellings.setdefault(number, []).append(entry)
        return cls(ivr, {number: tuple(found) for number, found in spellings.items()})


class ScopedReader:
    """Number-scoped reads over the ports, with the few collections cached per process."""

    def __init__(
        self,
        twilio: TwilioPort,
        genesys: GenesysPort,
        *,
        max_age_s: float = DEFAULT_MAX_AGE_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._twilio = twilio
        self._genesys = genesys
        self._trunks: _Cached[list[TwilioTrunk]] = _Cached(twilio.list_trunks, max_age_s, clock)
        self._ivrs: _Cached[list[_IndexedIvr]] = _Cached(
            lambda: [_IndexedIvr.of(ivr) for ivr in genesys.list_ivrs()], max_age_s, clock
        )

    def read(self, numbers: Collection[str]) -> Snapshot:
        """The scoped snapshot of `numbers` (E.164), or SnapshotReadError; never partial."""
        try:
            return self._read(sorted(set(numbers)))
        except AdapterError as exc:
            raise SnapshotReadError(f"number-scoped read aborted: {exc.reason}") from exc

    def _read(self, numbers: list[str]) -> Snapshot:
        found = [self._twilio.find_number(number) for number in numbers]
        assigned: dict[str, set[str]] = {}  # IVR id -> numbers it holds (E.164, fresh)
        pool_ids: dict[str, None] = {}
        for number in numbers:
            for entry in self._genesys.pool_numbers(number):
                if entry.pool_id:
                    pool_ids[entry.pool_id] = None
                if entry.owner_id and entry.owner_type in (None, "IVR_CONFIG"):
                    assigned.setdefault(entry.owner_id, set()).add(number)
        pools: list[DidPool] = []
        for pool_id in pool_ids:
            pool = self._genesys.get_did_pool(pool_id)
            if pool is not None:
                pools.append(pool)
        ivrs = []
        for cached in self._ivrs.get():
            # Other spellings come from the cached list; the E.164 assignment is fresh.
            spelled = [e for n in numbers for e in cached.spellings.get(n, ()) if e != n]
            held = sorted(assigned.get(cached.ivr.id, set()))
            ivrs.append(cached.ivr.model_copy(update={"dnis": tuple(held + spelled)}))
        return Snapshot(
            twilio_numbers=tuple(n for n in found if n is not None),
            twilio_trunks=tuple(self._trunks.get()),
            did_pools=tuple(pools),
            ivrs=tuple(ivrs),
        )
