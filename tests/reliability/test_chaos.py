"""Chaos: 500 operations through the local host while both vendors fail 20% of requests.

Purchases over `POST /api/numbers`, numbers bought by hand in Twilio (picked up by the
reconcile timer), releases over `DELETE /api/numbers/{e164}` and trunk flaps (a Genesys
trunk down or up, announced by a trunk event) run from four client threads, while the
emulators answer one request in five with a 429 (Retry-After), a 5xx, a hung connection, a
reset or a 409 version conflict. After the queue drains and one reconcile runs, both vendors
must hold exactly what the policy asks for: nothing lost, nothing half provisioned, nothing
twice, and the dead-letter queue holding only commands that could never succeed, each with
its reason. The figures are printed (`pytest -s`) and quoted in docs/reliability.md.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests
from azure.core.exceptions import ServiceRequestError
from azure.data.tables import TableClient

from sandbox.emulators.core import FaultConfig
from sandbox.fast_policies import FAST_THRESHOLDS, fast_health_policy
from sandbox.runner import COMMAND_QUEUE, DEFAULT_POLICY, HostOptions, Sandbox
from sandbox.scenario import Scenario, load_scenario
from shared import bootstrap, observability
from shared.adapters import journal_table
from shared.adapters.genesys import GenesysAdapter
from shared.adapters.twilio import TwilioAdapter
from shared.bootstrap import build_adapters
from shared.domain.journal import OperationOutcome, operation_state
from shared.domain.policy import load_policy
from shared.health.actions import realised_order
from shared.reconcile.saved_plans import plan_now
from shared.settings import Settings
from tests.e2e.conftest import Running
from tests.support.wait import wait_until

pytestmark = pytest.mark.slow

PURCHASES, HAND_BOUGHT, RELEASES, FLAPS = 240, 110, 110, 40
assert PURCHASES + HAND_BOUGHT + RELEASES + FLAPS == 500
# Area codes: the API buys from the first four, numbers bought by hand come from the last two
# (so a hand purchase never takes the number an accepted API purchase is about to buy).
API_AREAS = {"main": ("415", "646"), "support": ("617", "213")}
HAND_AREAS = {"main": "332", "support": "872"}
PRIMARY, BACKUP = "BYOC-Primary-Twilio", "BYOC-Failover-Twilio"
GROUP = "TG-BYOC-Primary-Failover"
FAULTS = {
    "throttle_rate": 0.05,
    "retry_after_s": 0,
    "server_error_rate": 0.05,
    "timeout_rate": 0.03,
    "timeout_hold_s": 0.2,
    "reset_rate": 0.03,
    "conflict_rate": 0.04,
}
# Retryable failures end a command's delivery, never its life: these must not be why a
# command is in the dead-letter queue.
TRANSIENT = ("HTTP 429", "HTTP 500", "HTTP 502", "HTTP 503", "HTTP 409", "timed out", "onnection")


def chaos_scenario() -> Scenario:
    raw = load_scenario("default").model_dump(mode="json", exclude_defaults=True)
    for area in [*itertools.chain(*API_AREAS.values()), *HAND_AREAS.values()]:
        raw["twilio"]["available_numbers"].append({"area_code": area, "count": 100})
    raw["genesys"]["requests_per_minute"] = 0  # the budget is the benchmarks' subject
    return Scenario.model_validate(raw)


@dataclass
class Tally:
    """What the clients did and saw."""

    accepted_purchases: dict[str, str] = field(default_factory=dict)  # number -> route
    purchase_commands: dict[str, str] = field(default_factory=dict)  # number -> command id
    hand_bought: dict[str, str] = field(default_factory=dict)
    released: set[str] = field(default_factory=set)
    answers: Counter[int] = field(default_factory=Counter)
    client_retries: int = 0


class Chaos:
    def __init__(self, running: Running) -> None:
        self.running = running
        self.tally = Tally()
        self.rng = random.Random(20261123)
        client = {k.lower(): v for k, v in running.sandbox.client_settings().items()}
        settings = Settings.model_validate(
            {**client, "byoc_retry_max_attempts": 8, "byoc_retry_max_wait_s": 0.05}
        )
        self.twilio, self.genesys = build_adapters(settings)
        self.policy = load_policy(Path(str(running.sandbox.policy_path)))

    def call(self, method: str, path: str, **kwargs: object) -> requests.Response:
        """A client that retries what the API says is worth retrying (5xx), with the same
        Idempotency-Key so a retried purchase is the same command."""
        for _attempt in range(10):
            answer = self.running.call(method, path, **kwargs)  # type: ignore[arg-type]
            self.tally.answers[answer.status_code] += 1
            if answer.status_code < 500:
                return answer
            self.tally.client_retries += 1
            time.sleep(0.05)
        return answer

    # --- operations ------------------------------------------------------------------------
    def purchase(self, n: int) -> None:
        route = "main" if n % 2 else "support"
        area = API_AREAS[route][n % 4 // 2]

        def ask() -> requests.Response:
            return self.call(
                "POST",
                "numbers",
                json={"route": route, "area_code": area},
                headers={"Idempotency-Key": f"chaos-purchase-{n}"},
            )

        # Every number Twilio offers in the area code may be held by purchases still in the
        # queue (each waits out its new DID pool's propagation): a 409 that says so is an
        # answer to come back to once some of them are done, as a client would.
        def settled() -> tuple[requests.Response] | None:
            answer = ask()  # in a tuple: a 4xx Response is falsy
            if answer.status_code == 409 and "being bought by other requests" in answer.text:
                self.tally.client_retries += 1
                return None
            return (answer,)

        (answer,) = wait_until(
            settled, timeout=180, interval=0.5, what=f"purchase {n} past numbers held"
        )
        assert answer.status_code == 202, answer.text
        self.tally.accepted_purchases[answer.json()["phone_number"]] = route
        self.tally.purchase_commands[answer.json()["phone_number"]] = answer.json()["command_id"]

    def hand_buy(self, n: int) -> None:
        route = "main" if n % 2 else "support"
        number = f"+1{HAND_AREAS[route]}555{100 + n // 2:04d}"
        self.twilio.purchase(number, f"bought in the console route:{route}")
        self.tally.hand_bought[number] = route
        if n % 20 == 19:  # the reconcile timer fires now and then meanwhile
            self.running.host.fire_timer("reconcile_timer")

    def release(self, number: str) -> None:
        answer = self.call("DELETE", f"numbers/{quote(number)}")
        assert answer.status_code == 202, answer.text
        self.tally.released.add(number)

    def flap(self, n: int) -> None:
        trunk = PRIMARY if n % 4 < 2 else BACKUP
        up = n % 2 == 1
        emulator = self.running.sandbox.genesys
        changed = requests.post(
            f"{emulator.base_url}/__admin/trunks/{trunk}", json={"connected": up}, timeout=5
        )
        changed.raise_for_status()
        # Genesys notifies per trunk instance; one of the base's instances speaks for it.
        instance = changed.json()[0]
        trunk_id = instance["id"]
        answer = self.call(
            "POST",
            "genesys/events",
            key=False,
            json={
                "topicName": f"v2.telephony.providers.edges.trunks.{trunk_id}",
                "version": "2",
                "eventBody": {"id": trunk_id, "connectedStatus": instance["connectedStatus"]},
                "metadata": {"CorrelationId": f"chaos-flap-{n}"},
            },
            headers={"X-API-Key": self.running.sandbox.genesys_event_key},
        )
        assert answer.status_code == 202, answer.text

    def run_all(self, operations: list[Callable[[], None]]) -> None:
        self.rng.shuffle(operations)
        with ThreadPoolExecutor(4) as pool:
            for future in [pool.submit(op) for op in operations]:
                future.result()


@pytest.fixture
def chaos(tmp_path: Path) -> Iterator[Chaos]:
    options = HostOptions(
        policy_path=fast_health_policy(DEFAULT_POLICY, tmp_path / "policy.yaml"),
        run_timers=False,
        state_dir=tmp_path / "azurite",
        max_delivery_count=10,
        extra_settings={
            "BYOC_RETRY_MAX_ATTEMPTS": "6",
            "BYOC_RETRY_MAX_WAIT_S": "0.05",
            "BYOC_GENESYS_REQUESTS_PER_MINUTE": "0",
        },
    )
    with Sandbox(chaos_scenario(), host=options) as sandbox:
        yield Chaos(Running(sandbox))


def faults_on(running: Running) -> None:
    running.sandbox.twilio.faults.configure(
        FaultConfig.model_validate({**FAULTS, "path_pattern": "^/(2010-04-01|v1)/", "seed": 1})
    )
    running.sandbox.genesys.faults.configure(
        FaultConfig.model_validate({**FAULTS, "path_pattern": "^/api/", "seed": 2})
    )


def faults_off(running: Running) -> None:
    for emulator in (running.sandbox.twilio, running.sandbox.genesys):
        emulator.faults.configure(FaultConfig())


def test_500_operations_under_20_percent_faults_lose_nothing(chaos: Chaos) -> None:
    running, tally = chaos.running, chaos.tally
    started = time.monotonic()
    journal_failures_before = observability.journal_write_failures()
    faults_on(running)

    # Phase 1: purchases, hand purchases and trunk flaps, interleaved.
    phase_one: list[Callable[[], None]] = [
        *(lambda n=n: chaos.purchase(n) for n in range(PURCHASES)),
        *(lambda n=n: chaos.hand_buy(n) for n in range(HAND_BOUGHT)),
        *(lambda n=n: chaos.flap(n) for n in range(FLAPS // 2)),
    ]
    chaos.run_all(phase_one)
    running.drain()
    # Phase 2: releases of numbers bought above, and more flaps.
    to_release = chaos.rng.sample(sorted(tally.accepted_purchases), RELEASES)
    chaos.run_all(
        [
            *(lambda number=number: chaos.release(number) for number in to_release),
            *(lambda n=n: chaos.flap(n) for n in range(FLAPS // 2, FLAPS)),
        ]
    )
    running.drain()
    # The queue is empty; one reconcile settles what the timer has not seen yet.
    assert running.host.fire_timer("reconcile_timer").ok
    assert running.host.drain(120)
    chaotic_s = time.monotonic() - started
    faults = Counter(
        e.fault
        for emulator in (running.sandbox.twilio, running.sandbox.genesys)
        for e in emulator.log.entries()
        if e.fault
    )
    requests_seen = sum(
        len(emulator.log.entries())
        for emulator in (running.sandbox.twilio, running.sandbox.genesys)
    )
    faults_off(running)

    twilio, genesys = build_adapters(
        Settings.model_validate(
            {k.lower(): v for k, v in running.sandbox.client_settings().items()}
        )
    )
    check_desired_state(chaos, twilio, genesys)
    dead = check_dead_letters(running)
    journal_failures = check_journal(chaos, journal_failures_before)

    # Trunks end up; spaced health checks bring the primary back first on both sides.
    for trunk in (PRIMARY, BACKUP):
        requests.post(
            f"{running.sandbox.genesys.base_url}/__admin/trunks/{trunk}",
            json={"connected": True},
            timeout=5,
        ).raise_for_status()
    wait_until(
        lambda: primary_first_after_a_health_check(chaos, twilio, genesys),
        timeout=60,
        interval=FAST_THRESHOLDS["probe_interval_s"] / 2 + 0.1,  # each check counts as a probe
        what="the primary first on both sides",
    )

    runs = running.worker_runs()
    print(
        f"\nchaos: 500 operations in {chaotic_s:.0f} s; {requests_seen} vendor requests, "
        f"{sum(faults.values())} faults injected ({dict(faults)}); "
        f"{len(runs)} worker runs ({sum(not r.ok for r in runs)} failed and redelivered); "
        f"client retries {tally.client_retries}; answers {dict(tally.answers)}; "
        f"dead-lettered {len(dead)}; journal writes failed {journal_failures}"
    )
    assert sum(faults.values()) >= 0.15 * requests_seen  # the faults really were there


def check_desired_state(chaos: Chaos, twilio: TwilioAdapter, genesys: GenesysAdapter) -> None:
    tally = chaos.tally
    plan, snapshot = plan_now(chaos.policy, twilio, genesys)
    assert plan.is_empty, [c.model_dump() for c in plan.changes][:5]  # Twilio == Genesys == policy
    on_twilio = {n.phone_number: n for n in snapshot.twilio_numbers}
    dnis = [d for ivr in snapshot.ivrs for d in ivr.dnis]
    kept = (set(tally.accepted_purchases) | set(tally.hand_bought)) - tally.released
    # Nothing lost: every number bought and not released is routable on its route's IVR.
    ivr_of = {r.name: r.ivr for r in chaos.policy.routes}
    routes = {**tally.accepted_purchases, **tally.hand_bought}
    for number in kept:
        assert number in on_twilio, f"{number} lost"
        assert on_twilio[number].trunk_sid is not None, f"{number} on no trunk"
        (ivr,) = [i.name for i in snapshot.ivrs if number in i.dnis]
        assert ivr == ivr_of[routes[number]]
    # Nothing half released: a released number is gone from Twilio and from every IVR.
    for number in tally.released:
        assert number not in on_twilio and number not in dnis, f"{number} half released"
    # Nothing twice: one DNIS entry per number, one DID pool per number.
    assert len(dnis) == len(set(dnis))
    covering = Counter(n for n in on_twilio for p in snapshot.did_pools if p.contains(n))
    assert all(count == 1 for count in covering.values()), covering.most_common(3)


def check_dead_letters(running: Running) -> list[object]:
    """Only what could never succeed, each with its reason."""
    dead = running.broker.dead_letters(COMMAND_QUEUE)
    for message in dead:
        reason = message.dead_letter_error_description or ""
        assert message.dead_letter_reason and reason
        assert not any(mark in reason.split("Last error:")[-1] for mark in TRANSIENT), reason
    assert running.broker.active_messages(COMMAND_QUEUE) == []
    return list(dead)


def check_journal(chaos: Chaos, failures_before: int) -> int:
    """The journal kept up through the vendors' faults: every accepted purchase's operation
    finished (succeeded, or failed for good with a reason), none lost or stuck running.
    Returns how many journal writes failed (the figures print it)."""
    journal = bootstrap.app().journal
    for number, command_id in chaos.tally.purchase_commands.items():
        state = operation_state(journal.for_command(command_id))
        assert state is not None, f"purchase of {number}: not in the journal"
        assert state.finished, f"purchase of {number}: still {state.status}"
        assert state.status is OperationOutcome.SUCCEEDED or state.reason, state
    return observability.journal_write_failures() - failures_before


def primary_first_after_a_health_check(
    chaos: Chaos, twilio: TwilioAdapter, genesys: GenesysAdapter
) -> bool:
    """One scheduled health check, then whether both vendors put the primary first."""
    assert chaos.running.host.fire_timer("health_check_timer").ok
    chaos.running.drain()
    group = chaos.policy.trunk_group(GROUP)
    route = next(r for r in genesys.list_outbound_routes() if r.name == group.outbound_route)
    trunk = next(t for t in twilio.list_trunks() if t.friendly_name == group.twilio_trunk)
    order = realised_order(group, route, genesys.list_trunk_bases(), trunk)
    return order.genesys_first == order.twilio_first == PRIMARY


# ---------------------------------------------------------------------- the journal failing
JOURNAL_FAULT_RATE = 0.3


class JournalFaults:
    """Journal writes failing as an unreachable table fails them (a connection error from
    the SDK), at `rate`; every other table (health state, reservations) untouched."""

    def __init__(self, table: str, rate: float, monkeypatch: pytest.MonkeyPatch) -> None:
        self.table, self.rate = table, rate
        self.rng = random.Random(7)
        self.injected = 0
        self.lock = threading.Lock()
        upsert = TableClient.upsert_entity

        def failing(client: TableClient, *args: Any, **kwargs: Any) -> Any:
            with self.lock:
                fail = client.table_name == self.table and self.rng.random() < self.rate
                self.injected += fail
            if fail:
                raise ServiceRequestError("injected: the journal table is unreachable")
            return upsert(client, *args, **kwargs)

        monkeypatch.setattr(TableClient, "upsert_entity", failing)


def test_commands_finish_while_journal_writes_fail(
    chaos: Chaos, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The vendors fail as above and the journal table fails too (30% of writes, then all
    of them): every command still finishes, nothing is lost, and each failed journal write
    is counted, not raised."""
    running, tally = chaos.running, chaos.tally
    # Every write tried, so failures and successes interleave (no quiet pause).
    monkeypatch.setattr(journal_table, "FAILURE_PAUSE_S", 0.0)
    faults = JournalFaults(Settings().byoc_journal_table, JOURNAL_FAULT_RATE, monkeypatch)
    failures_before = observability.journal_write_failures()
    faults_on(running)

    chaos.run_all(
        [
            *(lambda n=n: chaos.purchase(n) for n in range(16)),
            *(lambda n=n: chaos.flap(n) for n in range(4)),
        ]
    )
    running.drain()
    faults.rate = 1.0  # the table gone altogether
    to_release = sorted(tally.accepted_purchases)[:4]
    chaos.run_all(
        [
            *(lambda n=n: chaos.purchase(n) for n in range(16, 24)),
            *(lambda number=number: chaos.release(number) for number in to_release),
        ]
    )
    running.drain()
    assert running.host.fire_timer("reconcile_timer").ok
    assert running.host.drain(120)
    faults_off(running)

    twilio, genesys = build_adapters(
        Settings.model_validate(
            {k.lower(): v for k, v in running.sandbox.client_settings().items()}
        )
    )
    check_desired_state(chaos, twilio, genesys)
    check_dead_letters(running)
    assert faults.injected > 0
    # One failed row ends its entry's write: each injected failure is one entry counted.
    assert observability.journal_write_failures() - failures_before >= faults.injected
    journal_errors = [r for r in running.worker_runs() if "journal" in (r.detail or "")]
    assert journal_errors == [], "a journal failure reached a command"
    # What could be written was: the purchases of the first phase are in the journal.
    journal = bootstrap.app().journal
    found = [journal.for_command(c) for c in list(tally.purchase_commands.values())[:16]]
    assert any(found), "no journal write got through at 30% faults"
