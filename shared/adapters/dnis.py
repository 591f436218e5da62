"""The DNIS arithmetic of one IVR read-modify-write, kept pure so unit tests reach it.

Genesys stores DNIS as it was given; the classic trap is `2025550199` on one side and
`+12025550199` on the other. Entries are therefore compared after E.164 normalisation, and
entries byoc-sync was not asked to touch are left exactly as they are (order and spelling):
they may belong to another writer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from shared.domain.model import normalise_dnis


def dnis_key(entry: str) -> str:
    """What a DNIS entry means: its E.164 form, or the entry itself when not a number."""
    return normalise_dnis(entry) or entry


def merge_dnis(current: Sequence[str], add: Iterable[str], remove: Iterable[str]) -> list[str]:
    """`current` minus `remove` plus `add`, keeping order, never adding a duplicate.

    Removing a number removes every spelling of it; an added number is written in E.164
    and skipped when any spelling of it is already there. A number both added and removed
    ends up present (the add is applied last, as the caller's newest intent).
    """
    removing = {dnis_key(entry) for entry in remove}
    merged: list[str] = []
    present: set[str] = set()
    for entry in current:
        key = dnis_key(entry)
        if key in removing:
            continue
        merged.append(entry)
        present.add(key)
    for entry in add:
        key = dnis_key(entry)
        if key not in present:
            merged.append(normalise_dnis(entry) or entry)
            present.add(key)
    return merged
