"""`byoc-sync` in a process of its own: what a shell, a pipe or a cron job runs."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping

from tests.conftest import REPO_ROOT


def run_cli(
    *args: str, env: Mapping[str, str | None] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run the CLI with stdin closed; `env` overrides the test's environment, None removes."""
    changes = env or {}
    environment = {k: v for k, v in os.environ.items() if k not in changes}
    environment.update({k: v for k, v in changes.items() if v is not None})
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        cwd=REPO_ROOT,
        env=environment,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
