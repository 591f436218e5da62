"""`make demo`: byoc-sync doing its job, event-driven, on this machine.

Starts `byoc-sync sandbox serve` as its own process — the Twilio and Genesys emulators, the
Service Bus broker and the local Functions host running `function_app.py` — on an org with a
site and IVRs only and an account holding only numbers, then narrates:
0. `byoc-sync plan` shows both trunk groups to be built, `byoc-sync apply` builds them on
   both sides and routes the numbers, the next plan is empty and the audit clean;
1. buy a number over `POST /api/numbers` and watch it become routable in Genesys;
2. buy a number by hand in Twilio (as people do in the console) and let the reconcile
   timer provision it;
3. take the primary BYOC trunk down in Genesys (its SBC stops answering OPTIONS too), send
   Genesys's trunk event to `POST /api/genesys/events`, and watch the worker and the health
   timer fail the trunk group over: the Genesys outbound route and the Twilio origination
   priorities flip to the failover trunk;
4. bring the primary back and watch recovery (`on_success`) put it first again;
5. `byoc-sync health` and `byoc-sync numbers list`;
6. the status page (its address, with the function key, is printed at the start to open in a
   browser while the demo runs) shows the group's active member and last switch.
The policy is examples/policy-build.yaml with health thresholds in seconds
(`sandbox/fast_policies.py`) so a failover takes about ten seconds instead of minutes; its
timers stay paused until the build is done (an operator builds before switching them on).
It ends with a one-screen summary and exit 0. Every port is ephemeral and all state lives in
the served process (and its own Azurite), so it can run again at once.

`--summary PATH` also writes what each step observed as JSON (the numbers, the vendors'
order after each switch, the group's last switch as `byoc-sync health --json` reports it),
for tests: the narration is for people, and the health timer rewrites some of what it shows.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests
import yaml
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sandbox.fast_policies import fast_health_policy
from sandbox.shell_env import export_lines
from shared.bootstrap import build_adapters
from shared.domain.policy import load_policy
from shared.health.actions import RealisedOrder, realised_order
from shared.ports import GenesysPort, TwilioPort
from shared.settings import Settings

BIN = Path(sys.executable).parent
BUILD_POLICY = Path(__file__).resolve().parents[1] / "examples" / "policy-build.yaml"
# Timers 20 to 90 times faster than in production, yet within one Genesys budget (300 a
# minute): each health check reads both groups' trunks and routes, each reconcile the whole
# estate, and faster timers would queue the work behind the budget.
RECONCILE_EVERY = "*/10 * * * * *"  # the demo's reconcile timer: every 10 s instead of 15 min
HEALTH_EVERY = "*/5 * * * * *"  # health checks every 5 s instead of every minute
# Polling a number's status costs a full estate read per poll: every 2 s, as a considerate
# client would, so the demo's own polls do not spend the budget the timers need.
STATUS_POLL_S = 2.0
STATUS_TIMEOUT_S = 90
GROUP, PRIMARY, BACKUP = "TG-Direct", "BYOC-Direct-Primary", "BYOC-Direct-Failover"
# The audit rules that need no DNS (the example hosts have none here; tls-chain is pinned
# against a local TLS server in the tests).
OFFLINE_AUDIT_RULES = (
    "registrar-loop",
    "number-format",
    "duplicate-dnis",
    "coverage",
    "dial-plan-bypass",
    "carrier-side",
    "trunk-health",
)
console = Console(highlight=False)


def trunk_down_event(trunk_id: str) -> dict[str, Any]:
    """Genesys's trunk event as Amazon EventBridge delivers it: the topic pattern in
    `detail-type`, the notification (concrete topic, version "2", the trunk instance's
    state as `TrunkInstanceTopicTrunk`) in `detail`."""
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    topic = f"v2.telephony.providers.edges.trunks.{trunk_id}"
    return {
        "version": "0",
        "id": f"demo-{time.time_ns()}",
        "detail-type": "v2.telephony.providers.edges.trunks.{id}",
        "source": "aws.partner/genesys.com/cloud/00000000-0000-4000-8000-000000000000/demo",
        "account": "123456789012",
        "time": now,
        "region": "us-east-1",
        "resources": [],
        "detail": {
            "topicName": topic,
            "version": "2",
            "eventBody": {
                "id": trunk_id,
                "connectedStatus": {"connected": False, "connectedStateTime": now},
                "optionsStatus": [],
                "registersStatus": [],
            },
            "metadata": {"CorrelationId": f"demo-{time.time_ns()}"},
        },
    }


@dataclass
class Step:
    title: str
    outcome: str
    seconds: float
    ok: bool
    observed: dict[str, Any] = field(default_factory=dict)  # JSON: what the step saw


_LOG_LINE = re.compile(r"^\S+ \S+ (?P<level>[A-Z]+) (?P<logger>[\w.]+): +(?P<message>.*)$")
_QUIET_LOGGERS = ("shared.adapters",)  # per-read chatter; the worker's lines tell the story
# Steady state every few seconds: the health timer queuing, a group whose active member is up.
_QUIET_MESSAGES = re.compile(
    r"health check: \d+ trunk group|is active and up(; [\w-]+ is up)*$"
    r"|(running|done) evaluate_trunk_group"
)
_CORRELATION = re.compile(r"\[cid=(\w{8})\w*\] ")


_ANSWER_FIELDS = (
    ("command", "command_id"),
    ("number", "phone_number"),
    ("status URL", "status_url"),
    ("error", "error"),
)
_GUTTER = "  host │ "
_NARROWEST = 40  # below this, a wrapped line would be more gutter than text


def _host_line(line: str) -> str | None:
    """A served-process log line as the narration shows it: logger and message, no timestamp."""
    found = _LOG_LINE.match(line)
    if found is None:
        return None
    logger = found["logger"]
    if logger.startswith(_QUIET_LOGGERS) or _QUIET_MESSAGES.search(found["message"]):
        return None
    message = _CORRELATION.sub(r"[cid=\1…] ", found["message"])
    return f"{found['level'][0]} {logger}: {message}"


def _gutter_lines(text: str, width: int) -> list[str]:
    """`text` behind the host gutter, wrapped to `width` columns rather than cut: the end of
    a log line is usually its reason. Continuations are indented under the message, so one
    log line still reads as one, and the terminal never wraps a line back to column 0."""
    room = max(width, _NARROWEST) - len(_GUTTER)
    pieces = textwrap.wrap(text, room, subsequent_indent="  ", break_on_hyphens=False)
    return [_GUTTER + piece for piece in pieces]


class HostLog:
    """The served process's log (stderr), echoed dimmed and searchable by the narration."""

    def __init__(self, stream: Any) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self._thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self._thread.start()

    def _pump(self, stream: Any) -> None:
        for line in stream:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, predicate: Callable[[str], bool], timeout_s: float) -> str | None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                continue
            self.seen.append(line)
            shown = _host_line(line)
            for text in _gutter_lines(shown, console.width) if shown else ():
                console.print(f"[dim]{escape(text)}[/dim]", soft_wrap=True)
            if predicate(line):
                return line
        return None


def _json_or_text(answer: requests.Response) -> dict[str, Any]:
    """The answer's JSON body; the Functions host's own refusals (a wrong function key, no
    such route) are plain text, shown as the error."""
    if answer.headers.get("Content-Type", "").startswith("application/json"):
        body: dict[str, Any] = answer.json()
        return body
    return {"error": answer.text}


class Demo:
    def __init__(self, settings: dict[str, str], log: HostLog) -> None:
        self.settings = settings
        self.log = log
        self.api = settings["BYOC_FUNCTIONS_URL"] + "/api"
        self.key = {"x-functions-key": settings["BYOC_FUNCTION_KEY"]}
        self.steps: list[Step] = []

    def status(self, number: str) -> dict[str, Any] | None:
        # A status read is a read of the whole estate (issue #21), and it shares the host's
        # Genesys budget (a rolling minute) with the timers: under load an answer may wait
        # for that window to move, so it gets longer than a minute.
        answer = requests.get(
            f"{self.api}/numbers/{quote(number)}", headers=self.key, timeout=STATUS_TIMEOUT_S
        )
        return answer.json()["number"] if answer.status_code == 200 else None

    def wait_in_sync(self, number: str, timeout_s: float) -> dict[str, Any] | None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            row = self.status(number)
            if row and row["status"] == "in sync":
                return row
            self.log.wait_for(lambda _: False, STATUS_POLL_S)
        return None

    def adapters(self) -> tuple[TwilioPort, GenesysPort]:
        client = {k.lower(): v for k, v in self.settings.items() if not k.startswith("BYOC_")}
        return build_adapters(Settings.model_validate(client))

    def group_order(self) -> RealisedOrder:
        """The trunk group as both vendors hold it now (read through the adapters)."""
        twilio, genesys = self.adapters()
        group = next(g for g in load_policy(Path(self.settings["BYOC_POLICY_PATH"])).trunk_groups)
        route = next(r for r in genesys.list_outbound_routes() if r.name == group.outbound_route)
        trunk = next(t for t in twilio.list_trunks() if t.friendly_name == group.twilio_trunk)
        return realised_order(group, route, genesys.list_trunk_bases(), trunk)

    def set_trunk(self, name: str, *, connected: bool) -> None:
        requests.post(
            f"{self.settings['GENESYSCLOUD_API_HOST']}/__admin/trunks/{name}",
            json={"connected": connected},
            timeout=10,
        ).raise_for_status()

    def record(
        self,
        title: str,
        started: float,
        ok: bool,
        outcome: str,
        observed: dict[str, Any] | None = None,
    ) -> None:
        seconds = time.monotonic() - started
        self.steps.append(Step(title, outcome, seconds, ok, observed or {}))
        mark = "[green]✓[/green]" if ok else "[red]✗[/red]"
        console.print(f"{mark} {outcome} [dim]({seconds:.1f} s)[/dim]")

    def cli(self, *args: str) -> int:
        """A `byoc-sync` command attached to the sandbox, its output shown as it comes."""
        console.print(f"$ byoc-sync {' '.join(args)}", markup=False)
        env = {**os.environ, **self.settings}
        return subprocess.run([str(BIN / "byoc-sync"), *args], env=env).returncode

    def build_trunk_groups(self) -> None:
        console.rule("0 · An empty org: byoc-sync builds both trunk groups")
        started = time.monotonic()
        planned = self.cli("plan")
        applied = self.cli("apply", "--yes")
        again = self.cli("plan")
        audited = self.cli("audit", *(f"--rule={rule}" for rule in OFFLINE_AUDIT_RULES))
        codes = {"plan": planned, "apply": applied, "plan again": again, "audit": audited}
        ok = codes == {"plan": 2, "apply": 0, "plan again": 0, "audit": 0}
        self.record(
            "build trunk groups",
            started,
            ok,
            "both groups built on both sides, numbers routed; the next plan is empty and "
            "the audit clean"
            if ok
            else f"exit codes {codes}",
            {"exit_codes": codes},
        )
        # The operator switches the timers on once the trunk groups exist.
        set_timers(Path(self.settings["BYOC_POLICY_PATH"]), on=True)

    def buy_over_the_api(self) -> None:
        console.rule("1 · Buy a number over POST /api/numbers")
        started = time.monotonic()
        answer = requests.post(
            f"{self.api}/numbers",
            json={"route": "main", "area_code": "202"},
            headers=self.key,
            timeout=30,
        )
        body = _json_or_text(answer)
        console.print(f"POST /api/numbers → {answer.status_code}", markup=False)
        # What a client uses, each whole (the plan is the worker's to carry out, shown below).
        for label, key in _ANSWER_FIELDS:
            if key in body:
                console.print(f"  {label:<10} {body[key]}", markup=False, soft_wrap=True)
        if answer.status_code != 202:
            self.record(
                "buy over the API",
                started,
                False,
                body.get("error", "refused"),
                {"status_code": answer.status_code, "body": body},
            )
            return
        number = body["phone_number"]
        row = self.wait_in_sync(number, 60)
        self.record(
            "buy over the API",
            started,
            row is not None,
            f"{number} bought, on its trunk, in a DID pool and on {', '.join(row['ivrs'])}"
            if row
            else f"{number} did not become routable",
            {
                "status_code": answer.status_code,
                "number": number,
                "command_id": body["command_id"],
                "status_url": body["status_url"],
                "in_sync": row,
            },
        )

    def buy_by_hand(self) -> None:
        console.rule("2 · Buy a number by hand in Twilio; reconcile or change feed provisions it")
        started = time.monotonic()
        twilio, _ = self.adapters()
        offer = twilio.search_available(country="US", kind="local", area_code="312", limit=1)[0]
        bought = twilio.purchase(offer.phone_number, "Console purchase route:support")
        console.print(
            f"bought {bought.phone_number} directly in Twilio (no trunk, no Genesys); "
            f"reconcile timer fires on {RECONCILE_EVERY!r}"
        )
        row = self.wait_in_sync(bought.phone_number, 60)
        self.record(
            "hand-bought number",
            started,
            row is not None,
            f"{bought.phone_number} provisioned (reconcile timer or Twilio change feed) onto "
            f"{', '.join(row['ivrs'])}"
            if row
            else f"{bought.phone_number} was not provisioned",
            {"number": bought.phone_number, "in_sync": row},
        )

    def failover(self) -> None:
        console.rule("3 · The primary BYOC trunk goes down: failover")
        console.print(f"before: {self.group_order().describe()}", markup=False)
        started = time.monotonic()
        self.set_trunk(PRIMARY, connected=False)
        _, genesys = self.adapters()
        base_id = next(b.id for b in genesys.list_trunk_bases() if b.name == PRIMARY)
        trunk_id = next(t.id for t in genesys.list_trunks() if t.trunk_base_id == base_id)
        console.print(
            f"Genesys trunk {PRIMARY} (instance {trunk_id}) is disconnected and its SBC no "
            f"longer answers OPTIONS; health checks run on {HEALTH_EVERY!r} (demo thresholds: "
            "down after 2 failed probes, up after 2 good ones)"
        )
        event = trunk_down_event(trunk_id)
        answer = requests.post(
            f"{self.api}/genesys/events",
            json=event,
            headers={"X-API-Key": self.settings["BYOC_GENESYS_EVENT_API_KEYS"]},
            timeout=30,
        )
        console.print(f"POST /api/genesys/events (EventBridge envelope) → {answer.status_code}")
        self.await_switch(
            "failover",
            f"{GROUP}: prefer {BACKUP}: failover",
            BACKUP,
            started,
            {"event_status_code": answer.status_code},
        )

    def recovery(self) -> None:
        console.rule("4 · The primary comes back: recovery (policy: on_success)")
        started = time.monotonic()
        self.set_trunk(PRIMARY, connected=True)
        console.print(f"Genesys trunk {PRIMARY} is connected again and its SBC answers")
        self.await_switch("recovery", f"{GROUP}: prefer {PRIMARY}: recovery", PRIMARY, started)

    def await_switch(
        self,
        title: str,
        decision: str,
        first: str,
        started: float,
        observed: dict[str, Any] | None = None,
    ) -> None:
        """Wait for the worker's decision, then check both vendors put `first` first."""
        line = self.log.wait_for(lambda text: decision in text, 60)
        order = self.group_order()
        ok = line is not None and order.genesys_first == first == order.twilio_first
        console.print(f"after: {order.describe()}", markup=False)
        self.record(
            title,
            started,
            ok,
            f"{first} first in the Genesys outbound route and the Twilio origination URLs"
            if ok
            else f"no {title} seen: {order.describe()}",
            {
                **(observed or {}),
                "decision": line,
                "genesys_first": order.genesys_first,
                "twilio_first": order.twilio_first,
                "order": order.describe(),
            },
        )

    def operator_view(self) -> None:
        console.rule("5 · byoc-sync health, byoc-sync numbers list")
        env = {**os.environ, **self.settings}
        report = self.health_report(env)
        started = time.monotonic()
        health = subprocess.run([str(BIN / "byoc-sync"), "health"], env=env)
        numbers = subprocess.run([str(BIN / "byoc-sync"), "numbers", "list"], env=env)
        self.record(
            "operator view",
            started,
            health.returncode == numbers.returncode == 0,
            "trunk-group health and every number shown above",
            {"health": report},
        )

    def status_page(self) -> None:
        """The page an operator keeps open: read from the journal and the health state, so
        looking at it spends none of the Genesys budget the timers need."""
        console.rule("6 · The status page")
        started = time.monotonic()
        console.print(f"open it in a browser: {status_page_url(self.settings)}", markup=False)
        answer = requests.get(status_page_url(self.settings), timeout=30)
        text = " ".join(unescape(re.sub(r"<[^>]+>", " ", answer.text)).split())
        expected = [f"Active member: {PRIMARY}", f"recovery: {PRIMARY} is up again"]
        missing = [phrase for phrase in expected if phrase not in text]
        for phrase in expected:
            console.print(f"  {'shows' if phrase in text else 'MISSING'}: {phrase}", markup=False)
        self.record(
            "status page",
            started,
            answer.status_code == 200 and not missing,
            f"{GROUP}'s active member and last switch, with its reason"
            if not missing
            else f"HTTP {answer.status_code}; missing: {'; '.join(missing)}",
            {"status_code": answer.status_code, "missing": missing},
        )

    def health_report(self, env: dict[str, str]) -> dict[str, Any] | None:
        """`byoc-sync health --json`, for `--summary` (the table shown next says the same)."""
        shown = subprocess.run(
            [str(BIN / "byoc-sync"), "health", "--json"], env=env, capture_output=True, text=True
        )
        if shown.returncode != 0:
            return None
        report: dict[str, Any] = json.loads(shown.stdout)
        return report

    def summary(self) -> bool:
        table = Table(title="byoc-sync demo — summary")
        table.add_column("step")
        table.add_column("result")
        table.add_column("time", justify="right")
        for step in self.steps:
            mark = "[green]✓[/green]" if step.ok else "[red]✗[/red]"
            table.add_row(step.title, f"{mark} {step.outcome}", f"{step.seconds:.1f} s")
        console.print(table)
        return all(step.ok for step in self.steps)

    def write_summary(self, path: Path) -> None:
        """Every step and what it observed, as JSON."""
        steps = [asdict(step) for step in self.steps]
        summary = {"ok": all(step.ok for step in self.steps), "steps": steps}
        path.write_text(json.dumps(summary, indent=2) + "\n")


def status_page_url(settings: dict[str, str]) -> str:
    """The status page with the function key as `?code=`, as a browser opens it."""
    key = quote(settings["BYOC_FUNCTION_KEY"], safe="")
    return f"{settings['BYOC_FUNCTIONS_URL']}/api/status?code={key}"


def set_timers(policy: Path, *, on: bool) -> None:
    """Pause or resume the reconcile and health timers: the host re-reads the policy on
    every run, as it does a redeployed one."""
    raw = yaml.safe_load(policy.read_text())
    raw["timers"] = {**(raw.get("timers") or {}), "reconcile": on, "health_check": on}
    policy.write_text(yaml.safe_dump(raw, sort_keys=False))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.demo", description="make demo")
    parser.add_argument(
        "--summary", type=Path, help="also write what each step observed to this JSON file"
    )
    args = parser.parse_args(argv)
    work = tempfile.TemporaryDirectory(prefix="byoc-demo-")
    policy = fast_health_policy(BUILD_POLICY, Path(work.name) / "policy.yaml")
    set_timers(policy, on=False)
    server = subprocess.Popen(
        [
            str(BIN / "byoc-sync"),
            "sandbox",
            "serve",
            "--scenario",
            "greenfield",
            "--policy",
            str(policy),
            "--reconcile-schedule",
            RECONCILE_EVERY,
            "--health-check-schedule",
            HEALTH_EVERY,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None and server.stderr is not None
        log = HostLog(server.stderr)
        first_line = server.stdout.readline()
        if not first_line:
            log.wait_for(lambda _: False, 2)
            console.print("[red]sandbox did not start[/red]\n" + "\n".join(log.seen))
            return 1
        settings: dict[str, str] = json.loads(first_line)
        console.print("sandbox settings (export these to attach any tool):")
        # One unwrapped, shell-quoted line each: connection strings are copied whole, and a
        # pasted line sets the variable exactly (their `;` would otherwise end the command).
        for line in export_lines(settings):
            console.print(f"  {line}", markup=False, soft_wrap=True)
        console.print(
            f"status page (open it in a browser to watch): {status_page_url(settings)}",
            markup=False,
            soft_wrap=True,
        )
        demo = Demo(settings, log)
        demo.build_trunk_groups()
        demo.buy_over_the_api()
        demo.buy_by_hand()
        demo.failover()
        demo.recovery()
        demo.operator_view()
        demo.status_page()
        ok = demo.summary()
        if args.summary is not None:
            demo.write_summary(args.summary)
        return 0 if ok else 1
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=90)  # work under way finishes first (a budget wait included)
        work.cleanup()


if __name__ == "__main__":
    raise SystemExit(main())
