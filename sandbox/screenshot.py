"""`make screenshot`: the status page after a failover and a purchase, as docs/img shows it.

Runs the sandbox in this process (the default scenario, health thresholds in seconds), lets
the health timer see the primary trunk go down and fail the group over, buys a number over
the API, runs the other timers once so each has a last run, and photographs the page in the
same headless Chromium the browser tests use: the whole page at a desktop width, and the top
of it at a phone's.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import requests
from playwright.sync_api import ViewportSize

from sandbox.browser import headless_chromium
from sandbox.fast_policies import FAST_THRESHOLDS, fast_health_policy
from sandbox.runner import DEFAULT_POLICY, REPO_ROOT, HostOptions, Sandbox
from sandbox.scenario import load_scenario

OUT = REPO_ROOT / "docs" / "img"
PRIMARY = "BYOC-Primary-Twilio"
DESKTOP = ViewportSize(width=1100, height=900)
# A phone's width, and two screens of height: the groups and the switches, what a phone shows
# first (the whole page is one long column of cards there).
PHONE = ViewportSize(width=390, height=1688)
# A health check counts as a probe of its own when half a probe interval after the last.
CHECK_SPACING_S = FAST_THRESHOLDS["probe_interval_s"] / 2 + 0.2


def _fire(sandbox: Sandbox, timer: str) -> None:
    assert sandbox.functions is not None
    run = sandbox.functions.fire_timer(timer)
    if not run.ok:
        raise RuntimeError(f"{timer} failed: {run.error}")
    if not sandbox.functions.drain(60):
        raise RuntimeError("the queue stopped moving for 60 s before it drained")


def _stage(sandbox: Sandbox) -> None:
    """A failover of the example group, a purchase, and a run of every other timer."""
    _fire(sandbox, "health_check_timer")
    requests.post(
        f"{sandbox.genesys.base_url}/__admin/trunks/{PRIMARY}",
        json={"connected": False},
        timeout=10,
    ).raise_for_status()
    for _ in range(2):  # failures_to_down probes, each spaced to count
        time.sleep(CHECK_SPACING_S)
        _fire(sandbox, "health_check_timer")
    assert sandbox.functions is not None
    bought = requests.post(
        f"{sandbox.functions.base_url}/api/numbers",
        json={"route": "main", "area_code": "202"},
        headers={"x-functions-key": sandbox.functions.function_key},
        timeout=30,
    )
    bought.raise_for_status()
    if not sandbox.functions.drain(60):
        raise RuntimeError("the purchase stopped moving for 60 s before it finished")
    for timer in ("reconcile_timer", "twilio_feed_timer", "audit_timer", "journal_prune_timer"):
        _fire(sandbox, timer)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.screenshot")
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the PNG files")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="byoc-screenshot-") as work:
        policy = fast_health_policy(DEFAULT_POLICY, Path(work) / "policy.yaml", recovery="never")
        options = HostOptions(policy_path=policy, run_timers=False)
        with Sandbox(load_scenario("default"), host=options) as sandbox:
            _stage(sandbox)
            url = sandbox.status_page_url()
            with headless_chromium() as browser:
                for name, viewport in (("status-page", DESKTOP), ("status-page-phone", PHONE)):
                    context = browser.new_context(viewport=viewport)
                    page = context.new_page()
                    page.goto(url)
                    page.get_by_role("heading", name="Trunk groups").wait_for()
                    target = args.out / f"{name}.png"
                    page.screenshot(path=str(target), full_page=viewport is DESKTOP)
                    context.close()
                    print(f"wrote {target.relative_to(REPO_ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
