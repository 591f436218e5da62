"""Policies derived for the sandbox: the example's trunk groups with faster health timing.

Production thresholds (3 failed probes a minute apart, a five-minute hold-down) are right for
a live trunk and far too slow to watch; the demo and the end-to-end tests run the same
engine with seconds instead of minutes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

# Down after 2 failed probes, up after 2 good ones, probes 5 s apart (so health checks count
# when at least 2.5 s apart), no hold-down: a failover in about 10 s.
FAST_THRESHOLDS: dict[str, Any] = {
    "failures_to_down": 2,
    "successes_to_up": 2,
    "probe_interval_s": 5,
    "probe_timeout_s": 0.5,
    "rtt_soft_limit_ms": 800,
    "min_dwell_s": 0,
    "flap_damping_cap_s": 0,
}


def fast_health_policy(source: Path, target: Path, **group_changes: Any) -> Path:
    """`source` with every trunk group on `FAST_THRESHOLDS` (and `group_changes`), at `target`."""
    policy = yaml.safe_load(source.read_text())
    for group in policy.get("trunk_groups") or []:
        group["thresholds"] = dict(FAST_THRESHOLDS)
        group.update(group_changes)
    target.write_text(
        f"# {source.name} with health thresholds for the sandbox (seconds, not minutes)\n"
        + yaml.safe_dump(policy, sort_keys=False)
    )
    return target
