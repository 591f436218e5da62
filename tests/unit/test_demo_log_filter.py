"""What the demo echoes of the host's log: the story, not the steady state."""

from __future__ import annotations

from sandbox.demo import _host_line

STAMP = "2026-11-23 10:00:00,000"
EVALUATION = "[cid=ab] evaluate_trunk_group 1: TG: prefer A: "


def line(logger: str, message: str, level: str = "INFO") -> str:
    return f"{STAMP} {level} {logger}: {message}"


def test_decisions_and_actions_are_shown_with_a_short_correlation_id() -> None:
    cid = "[cid=0d533d18537f49ca9f2934c9fa79cc61] "
    shown = _host_line(line("shared.handlers", cid + "evaluate_trunk_group 00c4: failover: A down"))
    assert shown == "I shared.handlers: [cid=0d533d18…] evaluate_trunk_group 00c4: failover: A down"


def test_steady_state_health_lines_and_adapter_chatter_are_left_out() -> None:
    quiet = [
        line("functions.timers", "[cid=ab] health check: 1 trunk group(s) queued"),
        line("shared.handlers", EVALUATION + "A is active and up; B is up"),
        line("functions.worker", "[cid=ab] running evaluate_trunk_group 1f (delivery 1)"),
        line("functions.worker", "[cid=ab] done evaluate_trunk_group 1f: 1 step(s)"),
        line("shared.adapters.retry", "GET /api/v2/… 200"),
        "not a log line",
    ]
    assert [_host_line(text) for text in quiet] == [None] * len(quiet)
    assert _host_line(line("shared.handlers", EVALUATION + "A is active, failing")) is not None
