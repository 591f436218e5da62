"""`make demo`: start the sandbox as its own process, tour it, reconcile it, stop it.

It runs the sandbox exactly as an operator would (`byoc-sync sandbox serve`, one JSON
line of settings on stdout, SIGTERM to stop), walks it through the official SDKs (buying a
number by hand, as people do in the console), then lets byoc-sync do its job with the
example policy: `plan`, `apply --yes`, `plan` again (nothing left) and `numbers list`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent
EXAMPLE_POLICY = Path(__file__).resolve().parents[1] / "examples" / "policy.yaml"


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
        env = {**os.environ, **settings, "BYOC_POLICY_PATH": str(EXAMPLE_POLICY)}
        steps: list[tuple[str, list[str], set[int]]] = [
            ("The sandbox, through the official SDKs", ["sandbox", "tour"], {0}),
            ("byoc-sync plan — what differs from examples/policy.yaml", ["plan"], {0, 2}),
            ("byoc-sync apply --yes", ["apply", "--yes"], {0}),
            ("byoc-sync plan — again: nothing left to do", ["plan"], {0}),
            ("byoc-sync numbers list", ["numbers", "list"], {0}),
        ]
        for title, args, expected in steps:
            print(f"\n=== {title}", flush=True)
            step = subprocess.run([str(BIN / "byoc-sync"), *args], env=env)
            if step.returncode not in expected:
                print(f"demo step failed: byoc-sync {' '.join(args)} exited {step.returncode}")
                return 1
        return 0
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)


if __name__ == "__main__":
    raise SystemExit(main())
