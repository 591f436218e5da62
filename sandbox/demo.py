"""`make demo`: start the sandbox as its own process, attach the tour to it, stop it.

It runs the sandbox exactly as an operator would (`byoc-sync sandbox serve`, one JSON
line of settings on stdout, SIGTERM to stop), so the demo also proves that contract.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def main() -> int:
    server = subprocess.Popen(
        [str(BIN / "byoc-sync"), "sandbox", "serve", "--scenario", "default"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        first_line = server.stdout.readline()
        if not first_line:
            print("sandbox did not start", file=sys.stderr)
            return 1
        settings: dict[str, str] = json.loads(first_line)
        print("sandbox settings (export these to attach any tool):")
        for key, value in settings.items():
            print(f"  {key}={value}")
        tour = subprocess.run(
            [str(BIN / "byoc-sync"), "sandbox", "tour"], env={**os.environ, **settings}
        )
        return tour.returncode
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)


if __name__ == "__main__":
    raise SystemExit(main())
