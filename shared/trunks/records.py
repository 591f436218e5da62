"""What byoc-sync remembers about the trunk groups it builds, in its state table.

- Ownership of Twilio objects: a Twilio trunk, credential list or IP ACL has nowhere to
  carry a marker, so the sids byoc-sync created (or adopted) are recorded here; whatever is
  not recorded is never changed or emptied.
- Where each password was last written: neither vendor reads a password back, so a changed
  setting is noticed by comparing fingerprints. A fingerprint is a salted scrypt hash, never
  the value, and never leaves the state table.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable

from pydantic import SecretStr

from shared.domain.trunk_spec import sip_password_problem
from shared.ports import StateConflictError, StateStore
from shared.trunks.planner import SecretView

OWNERSHIP_PARTITION = "trunk-ownership"
SECRETS_PARTITION = "trunk-secrets"
_TWILIO_KEY = "twilio"
_SAVE_ATTEMPTS = 5


def _fingerprint(password: SecretStr, salt: bytes) -> str:
    digest = hashlib.scrypt(
        password.get_secret_value().encode("utf-8"), salt=salt, n=2**14, r=8, p=1, dklen=32
    )
    return digest.hex()


def _group_key(group: str) -> str:
    """Table keys may not hold `/ \\ # ?`; a group name may."""
    return hashlib.sha256(group.encode("utf-8")).hexdigest()[:32]


class OwnershipRecord:
    def __init__(self, store: StateStore) -> None:
        self._store = store

    def twilio_sids(self) -> frozenset[str]:
        stored = self._store.load(_TWILIO_KEY)
        return frozenset(stored.data.get("sids", ())) if stored else frozenset()

    def own(self, sid: str) -> None:
        for _ in range(_SAVE_ATTEMPTS):
            stored = self._store.load(_TWILIO_KEY)
            sids = set(stored.data.get("sids", ())) if stored else set()
            if sid in sids:
                return
            try:
                self._store.save(
                    _TWILIO_KEY, {"sids": sorted(sids | {sid})}, stored.etag if stored else None
                )
                return
            except StateConflictError:
                continue  # another writer recorded something; read again
        raise StateConflictError(f"could not record ownership of {sid}: the record kept changing")


class SecretRecord:
    def __init__(self, store: StateStore) -> None:
        self._store = store

    def view(self, group: str, password: SecretStr | None, targets: Iterable[str]) -> SecretView:
        if password is None:
            return SecretView(present=False)
        problem = sip_password_problem(password.get_secret_value())
        if problem is not None:
            return SecretView(present=True, problem=problem)
        stored = self._store.load(_group_key(group))
        written = dict(stored.data.get("targets", {})) if stored else {}
        current = set()
        for target in targets:
            entry = written.get(target)
            if not isinstance(entry, dict):
                continue
            expected = _fingerprint(password, bytes.fromhex(str(entry.get("salt", ""))))
            if hmac.compare_digest(expected, str(entry.get("fingerprint", ""))):
                current.add(target)
        return SecretView(
            present=True, current_at=frozenset(current), recorded_at=frozenset(written)
        )

    def remember(self, group: str, target: str, password: SecretStr) -> None:
        salt = secrets.token_bytes(16)
        entry = {"salt": salt.hex(), "fingerprint": _fingerprint(password, salt)}
        key = _group_key(group)
        for _ in range(_SAVE_ATTEMPTS):
            stored = self._store.load(key)
            targets = dict(stored.data.get("targets", {})) if stored else {}
            targets[target] = entry
            try:
                self._store.save(
                    key, {"group": group, "targets": targets}, stored.etag if stored else None
                )
                return
            except StateConflictError:
                continue
        raise StateConflictError(f"could not record where {group!r}'s password was written")
