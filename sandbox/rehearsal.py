"""The BYOC guide's three validation states (§5), rehearsed against the sandbox.

By hand, an engineer checks: the primary is registered and the failover idle; with the
primary down, the failover carries the traffic; with the primary back, traffic returns (On
Success) or stays on the failover (Never). The rehearsal plays exactly that with the
operator's own policy and the real health engine — Genesys trunk state and SIP OPTIONS
probes to an SBC endpoint per member, state in Azurite, actions through the SDKs into the
emulators — and checks what both vendors end up holding: the first trunk of the Genesys
outbound route and the first enabled Twilio origination URL.

Time is simulated: each health check moves the clock one `probe_interval_s` on, so a
policy with one-minute probes and a five-minute hold-down rehearses in seconds, and the
number of health checks each transition takes is exactly the number production would need.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

import requests
from pydantic import SecretStr

from sandbox.runner import Sandbox
from shared.adapters.sip_probe import probe_member
from shared.adapters.table_store import TableStateStore, table_client
from shared.bootstrap import build_adapters
from shared.domain.policy import Recovery, RoutingPolicy, SyncMode, TrunkGroup
from shared.health.actions import RealisedOrder, realised_order
from shared.health.evaluate import GroupOutcome, evaluate_groups, read_estate
from shared.ports import GenesysPort, StateStore, TwilioPort
from shared.reconcile.saved_plans import TrunkContext, apply_now, plan_now
from shared.settings import HostStorageConnection, Settings
from shared.trunks.desired import built_groups

REHEARSAL_TABLE = "byocrehearsal"
HEADROOM = 2  # health checks beyond the expected count before a transition counts as missing

PRIMARY_UP = "primary up, failover idle"
PRIMARY_DOWN = "primary down, failover active"
PRIMARY_BACK = "primary back, recovery per policy"


@dataclass(frozen=True)
class StateCheck:
    """One validation state: what the policy promises, what the vendors hold after it."""

    state: str
    expected: str
    observed: str
    passed: bool
    health_checks: int
    simulated_s: int
    vendors: str  # what Genesys and Twilio hold after this state


@dataclass
class GroupRehearsal:
    group: str
    recovery: str
    checks: list[StateCheck] = field(default_factory=list)
    problem: str | None = None  # the rehearsal could not be played to the end

    @property
    def passed(self) -> bool:
        return self.problem is None and len(self.checks) == 3 and all(c.passed for c in self.checks)

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "passed": self.passed}


class RehearsalProblemError(RuntimeError):
    """The estate does not let the rehearsal go on (a missing route, trunk or URL)."""


def expected_recovery_checks(group: TrunkGroup, hold_down_s: int) -> int:
    """Health checks after the primary comes back until it is up again: enough good probes
    in a row, and not before its hold-down (counted from when it went down) has passed."""
    interval = group.thresholds.probe_interval_s
    return max(group.thresholds.successes_to_up, math.ceil(hold_down_s / interval))


class Rehearsal:
    """Plays the three states for each group on one running sandbox (emulators + health)."""

    def __init__(
        self,
        sandbox: Sandbox,
        policy: RoutingPolicy,
        *,
        progress: Callable[[str], None] = lambda _: None,
        start: datetime | None = None,
    ) -> None:
        assert sandbox.azurite is not None, "start the sandbox's health fixtures first"
        self.sandbox = sandbox
        self.policy = policy
        self.progress = progress
        client = {k.lower(): v for k, v in sandbox.client_settings().items()}
        self.twilio: TwilioPort
        self.genesys: GenesysPort
        self.twilio, self.genesys = build_adapters(Settings.model_validate(client))
        connection = HostStorageConnection(
            connection_string=SecretStr(sandbox.azurite.connection_string)
        )
        self.connection = connection
        self.store = TableStateStore(table_client(connection, REHEARSAL_TABLE))
        self.started = start or datetime.now(UTC)
        self.now = self.started

    def close(self) -> None:
        self.store.close()

    def build(self) -> None:
        """Build the trunk groups the policy declares, as the operator's first `apply` would
        (nothing when it builds none): the rehearsal then fails over what was built."""
        if not built_groups(self.policy):
            return
        secrets = self.sandbox.trunk_secrets

        def store(partition: str) -> StateStore:
            return TableStateStore(table_client(self.connection, REHEARSAL_TABLE), partition)

        context = TrunkContext(
            secret_of=lambda name: SecretStr(secrets[name]) if name in secrets else None,
            state_store=store,
        )
        result, snapshot = plan_now(self.policy, self.twilio, self.genesys, context)
        report = apply_now(
            result, snapshot, self.policy, self.twilio, self.genesys, context, force=True
        )
        if report.failed or report.skipped:
            first = (report.failed or report.skipped)[0]
            raise RehearsalProblemError(f"building the trunk groups failed: {first}")
        built = sum(1 for o in report.outcomes if o.change.kind == "trunk_change")
        self.progress(f"built the trunk groups as `apply` would: {built} change(s)")

    # ------------------------------------------------------------------ one step
    def health_check(self, group: TrunkGroup) -> GroupOutcome:
        """One scheduled health check, one probe interval after the previous one."""
        self.now += timedelta(seconds=group.thresholds.probe_interval_s)
        (outcome,) = evaluate_groups(
            [group],
            read_estate(self.twilio, self.genesys),
            store=self.store,
            probe=probe_member,
            now=self.now,
            genesys=self.genesys,
            twilio=self.twilio,
            dry_run=self.policy.mode is SyncMode.DRY_RUN,
        )
        elapsed = int((self.now - self.started).total_seconds())
        self.progress(f"t+{elapsed}s {group.name}: {outcome.summary()}")
        if outcome.problem:
            raise RehearsalProblemError(outcome.problem)
        return outcome

    def order(self, group: TrunkGroup) -> RealisedOrder:
        route = next(
            (
                r
                for r in self.genesys.list_outbound_routes()
                if r.name == group.outbound_route and r.site_name == group.site
            ),
            None,
        )
        trunk = next(
            (t for t in self.twilio.list_trunks() if t.friendly_name == group.twilio_trunk), None
        )
        return realised_order(group, route, self.genesys.list_trunk_bases(), trunk)

    def set_trunk(self, name: str, *, connected: bool) -> None:
        """What the guide does with a firewall rule: the trunk loses its connection (and its
        SBC endpoint stops answering OPTIONS)."""
        answer = requests.post(
            f"{self.sandbox.genesys.base_url}/__admin/trunks/{name}",
            json={"connected": connected},
            timeout=10,
        )
        if answer.status_code != 200:
            raise RehearsalProblemError(f"cannot take Genesys trunk {name} down: {answer.text}")
        self.progress(f"Genesys trunk {name} {'restored' if connected else 'disconnected'}")

    def _until_first(
        self, group: TrunkGroup, member: str, limit: int
    ) -> tuple[int, RealisedOrder, GroupOutcome]:
        """Health checks until `member` is first on both sides, or `limit` of them."""
        count = 0
        while True:
            count += 1
            outcome = self.health_check(group)
            order = self.order(group)
            if order.genesys_first == member == order.twilio_first or count >= limit:
                return count, order, outcome

    # ------------------------------------------------------------------ the states
    def rehearse(self, group: TrunkGroup, recovery: Recovery | None = None) -> GroupRehearsal:
        if recovery is not None:
            group = group.model_copy(update={"recovery": recovery})
        result = GroupRehearsal(group.name, group.recovery.value)
        members = [m.genesys_trunk for m in group.ordered_members]
        if len(members) < 2:
            result.problem = "a group needs at least two members to fail over"
            return result
        try:
            self._play(group, members[0], members[1], result)
        except RehearsalProblemError as problem:
            result.problem = str(problem)
        return result

    def _record(self, result: GroupRehearsal, check: StateCheck) -> None:
        result.checks.append(check)
        verdict = "PASS" if check.passed else "FAIL"
        self.progress(f"{verdict} {check.state}: {check.observed}; {check.vendors}")

    def _play(self, group: TrunkGroup, primary: str, backup: str, result: GroupRehearsal) -> None:
        limits = group.thresholds
        interval = limits.probe_interval_s

        # 1 · Primary registered, failover idle.
        outcome = self.health_check(group)
        order = self.order(group)
        preferred = outcome.decision.preferred if outcome.decision else None
        self._record(
            result,
            StateCheck(
                PRIMARY_UP,
                f"{primary} first on both sides",
                f"{preferred} preferred, "
                f"{order.genesys_first} first in Genesys, {order.twilio_first} in Twilio",
                preferred == primary and order.genesys_first == primary == order.twilio_first,
                1,
                interval,
                order.describe(),
            ),
        )

        # 2 · Primary down: failover after exactly `failures_to_down` failed probes.
        self.set_trunk(primary, connected=False)
        want = limits.failures_to_down
        count, order, outcome = self._until_first(group, backup, want + HEADROOM)
        flipped = order.genesys_first == backup == order.twilio_first
        self._record(
            result,
            StateCheck(
                PRIMARY_DOWN,
                f"{backup} first on both sides after {want} failed probes",
                f"{backup} first after {count} probes"
                if flipped
                else f"no failover after {count} probes",
                flipped and count == want,
                count,
                count * interval,
                order.describe(),
            ),
        )
        if not flipped or outcome.decision is None:
            return

        # 3 · Primary back: on_success returns after the hold-down; never stays put.
        hold_down = outcome.decision.state.members[primary].hold_down_s or limits.min_dwell_s
        want = expected_recovery_checks(group, hold_down)
        self.set_trunk(primary, connected=True)
        if group.recovery is Recovery.ON_SUCCESS:
            count, order, outcome = self._until_first(group, primary, want + HEADROOM)
            back = order.genesys_first == primary == order.twilio_first
            self._record(
                result,
                StateCheck(
                    PRIMARY_BACK,
                    f"{primary} first again after {want} good probes "
                    f"({limits.successes_to_up} to be up, hold-down {hold_down} s)",
                    f"{primary} first after {count} probes"
                    if back
                    else f"no recovery after {count} probes",
                    back and count == want,
                    count,
                    count * interval,
                    order.describe(),
                ),
            )
            return
        count = want + HEADROOM
        for _ in range(count):
            outcome = self.health_check(group)
        order = self.order(group)
        state = outcome.decision.state.members[primary].state if outcome.decision else "unknown"
        stayed = order.genesys_first == backup == order.twilio_first
        self._record(
            result,
            StateCheck(
                PRIMARY_BACK,
                f"{backup} stays first though {primary} is up again "
                "(until `byoc-sync health move`)",
                f"{primary} is {state}; {backup} "
                + ("still first" if stayed else "no longer first")
                + f" after {count} probes",
                stayed and state == "up",
                count,
                count * interval,
                order.describe(),
            ),
        )
