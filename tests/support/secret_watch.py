"""A logging handler that watches every record of the test session for secrets, and the
pytest plugin that judges the whole run by it.

Installed on the root logger of every process of the run (tests/conftest.py loads this
module as a plugin; under pytest-xdist that is the controller and each worker), it checks
each record as it is emitted — message, arguments and traceback — against the secrets in
play: the credentials in the environment at that moment (the suite sets them per test), the
sandbox's default credentials, Azurite's well-known key, and anything that looks like an
HTTP `Authorization` value. Records are not kept; violations are, with the secret masked.

The judgement comes after the last test of the last worker: each xdist worker hands its
violations to the controller (`workeroutput`) when its session ends, and the process that
reports the run (the controller, or the only process without `-n`) fails it — exit status
1 and a "secret watch" section in the summary — if any process saw a secret.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from typing import Any

import pytest

from sandbox.emulators.genesys.scenario import DEFAULT_CLIENT_SECRET
from sandbox.emulators.twilio.scenario import DEFAULT_AUTH_TOKEN
from shared.adapters.table_store import DEVELOPMENT_ACCOUNT_KEY
from shared.domain.trunk_spec import SECRET_SETTING_PREFIX

SECRET_SETTINGS = (
    "TWILIO_AUTH_TOKEN",
    "TWILIO_WEBHOOK_SHARED_KEYS",
    "GENESYSCLOUD_OAUTHCLIENT_SECRET",
    "BYOC_GENESYS_EVENT_API_KEYS",
    "BYOC_FUNCTION_KEY",
)
# The trunk passwords a policy names (every setting with this prefix is a secret).
TRUNK_SECRET_PREFIX = SECRET_SETTING_PREFIX
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
        names = [*SECRET_SETTINGS, *(n for n in os.environ if n.startswith(TRUNK_SECRET_PREFIX))]
        for name in names:
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


# --- the plugin ---------------------------------------------------------------------------

WORKER_OUTPUT = "secret_watch_violations"
FROM_WORKERS = pytest.StashKey[list[str]]()
JUDGED = pytest.StashKey[list[str]]()


def pytest_configure(config: pytest.Config) -> None:
    """Watch every record of this process; INFO is where SDKs log their requests."""
    root = logging.getLogger()
    if WATCH not in root.handlers:
        root.addHandler(WATCH)
    root.setLevel(min(root.level or logging.INFO, logging.INFO))
    config.stash[FROM_WORKERS] = []


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """Controller side (pytest-xdist): collect what a finished worker saw."""
    output = getattr(node, "workeroutput", None) or {}
    node.config.stash[FROM_WORKERS].extend(output.get(WORKER_OUTPUT, []))


@pytest.hookimpl(trylast=True)  # after session fixtures are torn down (their logs count too)
def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    worker_output = getattr(config, "workeroutput", None)
    if worker_output is not None:  # an xdist worker: the controller judges
        worker_output[WORKER_OUTPUT] = list(WATCH.violations)
        return
    violations = list(WATCH.violations) + config.stash.get(FROM_WORKERS, [])
    config.stash[JUDGED] = violations
    if violations and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    violations = config.stash.get(JUDGED, [])
    if not violations:
        return
    terminalreporter.section("secret watch", sep="=", red=True, bold=True)
    terminalreporter.line(
        f"FAILED: {len(violations)} log record(s) of this run carried a secret (masked):",
        red=True,
    )
    for violation in violations[:20]:
        terminalreporter.line(f"  {violation}")
