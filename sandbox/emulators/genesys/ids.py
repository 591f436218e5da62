"""Deterministic ids: uuid5 of kind and natural key, so seeds give the same ids every run."""

from __future__ import annotations

import uuid

_NAMESPACE = uuid.UUID("5d1f0a3e-6c0b-4b8e-9a55-0b0c5e1d9a42")
HOME_DIVISION_ID = str(uuid.uuid5(_NAMESPACE, "division:Home"))
ORG_ID = str(uuid.uuid5(_NAMESPACE, "organization:emulated"))


def entity_id(kind: str, key: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{key}"))
