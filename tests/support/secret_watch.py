"""A logging handler that watches every record of the test session for secrets.

Installed on the root logger for the whole run (tests/conftest.py), it checks each record
as it is emitted — message, arguments and traceback — against the secrets in play: the
credentials in the environment at that moment (the suite sets them per test), the sandbox's
default credentials, Azurite's well-known key, and anything that looks like an HTTP
`Authorization` value. Records are not kept; violations are, with the secret masked.
"""

from __future__ import annotations

import logging
import os
import re
import threading

from sandbox.emulators.genesys.scenario import DEFAULT_CLIENT_SECRET
from sandbox.emulators.twilio.scenario import DEFAULT_AUTH_TOKEN
from shared.adapters.table_store import DEVELOPMENT_ACCOUNT_KEY

SECRET_SETTINGS = (
    "TWILIO_AUTH_TOKEN",
    "GENESYSCLOUD_OAUTHCLIENT_SECRET",
    "BYOC_GENESYS_EVENT_API_KEYS",
    "BYOC_FUNCTION_KEY",
)
STATIC_SECRETS = (DEFAULT_AUTH_TOKEN, DEFAULT_CLIENT_SECRET, DEVELOPMENT_ACCOUNT_KEY)
AUTHORIZATION = re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{12,}")


class SecretWatch(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records_seen = 0
        self.violations: list[str] = []
        self.extra: set[str] = set()
        self._lock_violations = threading.Lock()

    def secrets(self) -> set[str]:
        found = set(STATIC_SECRETS) | self.extra
        for name in SECRET_SETTINGS:
            for value in (os.environ.get(name) or "").split(","):
                if len(value.strip()) >= 8:
                    found.add(value.strip())
        return found

    def emit(self, record: logging.LogRecord) -> None:
        self.records_seen += 1
        try:
            text = record.getMessage()
        except Exception:  # a broken format string is not this handler's business
            text = str(record.msg)
        if record.exc_info and not record.exc_text:
            text += logging.Formatter().formatException(record.exc_info)
        elif record.exc_text:
            text += record.exc_text
        leaked = [s for s in self.secrets() if s in text]
        if leaked or AUTHORIZATION.search(text):
            for secret in leaked:
                text = text.replace(secret, "«secret»")
            with self._lock_violations:
                self.violations.append(f"{record.name}: {AUTHORIZATION.sub('«auth»', text)[:300]}")


WATCH = SecretWatch()
