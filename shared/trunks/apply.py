"""Executing trunk changes: stage by stage, each change idempotent, a failed group held.

The stages (`shared.trunks.changes.STAGES`) carry the ordering rules: credentials exist at
Twilio before Genesys sends them, trunk bases exist before a route or URL points at them,
and removals (an old credential, a URL, an address) come last. When a change of a group
fails, the group's later stages are skipped with the reason: removing the old credential
after the switch to the new one failed would take the trunk down.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from pydantic import SecretStr

from shared.domain.model import (
    CredentialList,
    IpAccessControlList,
    OriginationUrl,
    OutboundRoute,
    OutboundRouteWrite,
    Snapshot,
    TrunkBase,
    TrunkBaseWrite,
)
from shared.domain.policy import RoutingPolicy
from shared.ports import GenesysTrunkWrites, TwilioTrunkWrites
from shared.trunks.changes import STAGES, TrunkChange
from shared.trunks.desired import (
    DesiredGroup,
    built_groups,
    desired_group,
    genesys_secret_target,
    owned_description,
    twilio_secret_target,
)

log = logging.getLogger(__name__)

SipList = CredentialList | IpAccessControlList


class TrunkStatus(StrEnum):
    DONE = "done"
    SKIPPED = "skipped"
    FAILED = "failed"


@dataclass(frozen=True)
class TrunkOutcome:
    change: TrunkChange
    status: TrunkStatus
    detail: str = ""


@dataclass(frozen=True)
class TrunkEffects:
    """Where apply reports what it must remember (the state table, in production)."""

    secret_of: Callable[[str], SecretStr | None]  # setting name -> its value
    own: Callable[[str], None]  # a Twilio sid byoc-sync now owns
    written: Callable[[str, str, SecretStr], None]  # (group, target, password) written


def apply_trunk_changes(
    changes: tuple[TrunkChange, ...],
    policy: RoutingPolicy,
    snapshot: Snapshot,
    twilio: TwilioTrunkWrites,
    genesys: GenesysTrunkWrites,
    effects: TrunkEffects,
    progress: Callable[[TrunkOutcome], None] | None = None,
) -> list[TrunkOutcome]:
    run = _Run(policy, snapshot, twilio, genesys, effects, progress)
    for stage in range(len(STAGES)):
        for change in changes:
            if change.stage == stage:
                run.execute(change)
    return run.outcomes


class _Run:
    def __init__(
        self,
        policy: RoutingPolicy,
        snapshot: Snapshot,
        twilio: TwilioTrunkWrites,
        genesys: GenesysTrunkWrites,
        effects: TrunkEffects,
        progress: Callable[[TrunkOutcome], None] | None,
    ) -> None:
        self.twilio = twilio
        self.genesys = genesys
        self.effects = effects
        self.progress = progress
        self.outcomes: list[TrunkOutcome] = []
        self.failed_groups: dict[str, str] = {}
        self.desired = {g.name: desired_group(g, b) for g, b in built_groups(policy)}
        carrier = snapshot.carrier
        self.trunk_sids = {t.friendly_name: t.sid for t in snapshot.twilio_trunks}
        self.list_sids = (
            {c.friendly_name: c.sid for c in carrier.credential_lists} if carrier else {}
        )
        self.acl_sids = {a.friendly_name: a.sid for a in carrier.ip_acls} if carrier else {}
        self.bases: dict[str, TrunkBase] = {b.name: b for b in snapshot.trunk_bases}
        self.site_ids = {s.name: s.id for s in snapshot.sites}
        self.routes: dict[tuple[str, str], OutboundRoute] = {
            (r.site_name, r.name): r for r in snapshot.outbound_routes
        }

    def _record(self, outcome: TrunkOutcome) -> None:
        self.outcomes.append(outcome)
        if self.progress is not None:
            self.progress(outcome)

    def execute(self, change: TrunkChange) -> None:
        blocked = self.failed_groups.get(change.group)
        if blocked is not None:
            self._record(TrunkOutcome(change, TrunkStatus.SKIPPED, blocked))
            return
        try:
            detail = self._do(change, self.desired[change.group])
        except Exception as error:  # one failed change holds its group, not the others
            reason = getattr(error, "reason", None) or f"{type(error).__name__}: {error}"
            log.warning("trunk group %s: %s failed: %s", change.group, change.label, reason)
            self.failed_groups[change.group] = f"held: {change.label} failed (above)"
            self._record(TrunkOutcome(change, TrunkStatus.FAILED, reason))
        else:
            log.info("trunk group %s: %s", change.group, change.label)
            self._record(TrunkOutcome(change, TrunkStatus.DONE, detail))

    def _password(self, d: DesiredGroup) -> SecretStr:
        password = self.effects.secret_of(d.password_setting)
        if password is None:
            raise ValueError(f"setting {d.password_setting} is not set")
        return password

    def _do(self, c: TrunkChange, d: DesiredGroup) -> str:
        handler = getattr(self, f"_{c.object}")
        detail: str = handler(c, d)
        return detail

    # ------------------------------------------------------------------ Twilio
    def _twilio_trunk(self, c: TrunkChange, d: DesiredGroup) -> str:
        if c.action == "create":
            trunk = self.twilio.create_trunk(
                d.trunk, d.domain_name, d.secure, d.disaster_recovery_url
            )
            self.effects.own(trunk.sid)
            self.trunk_sids[d.trunk] = trunk.sid
            return trunk.sid
        assert c.id is not None
        if c.action == "adopt":
            self.effects.own(c.id)
        if c.fields:
            self.twilio.update_trunk(c.id, d.domain_name, d.secure, d.disaster_recovery_url)
        return ""

    def _credential_list(self, c: TrunkChange, d: DesiredGroup) -> str:
        return self._sip_list(c, self.twilio.create_credential_list, self.list_sids)

    def _sip_list(
        self, c: TrunkChange, create: Callable[[str], SipList], sids: dict[str, str]
    ) -> str:
        """A credential list or an IP ACL: created (or adopted) and from then on owned."""
        if c.action == "create":
            sid = create(c.name).sid
            sids[c.name] = sid
        else:
            assert c.id is not None
            sid = c.id
        self.effects.own(sid)
        return sid if c.action == "create" else ""

    def _credential(self, c: TrunkChange, d: DesiredGroup) -> str:
        list_sid = self.list_sids[d.credential_list]
        if c.action == "delete":
            assert c.id is not None
            self.twilio.delete_credential(list_sid, c.id)
            return ""
        password = self._password(d)
        if c.action == "create":
            self.twilio.create_credential(list_sid, c.name, password)
        else:
            assert c.id is not None
            self.twilio.update_credential_password(list_sid, c.id, password)
        self.effects.written(d.name, twilio_secret_target(d), password)
        return ""

    def _ip_acl(self, c: TrunkChange, d: DesiredGroup) -> str:
        return self._sip_list(c, self.twilio.create_ip_acl, self.acl_sids)

    def _acl_address(self, c: TrunkChange, d: DesiredGroup) -> str:
        acl_sid = self.acl_sids[c.parent or ""]
        if c.action == "delete":
            assert c.id is not None
            self.twilio.remove_ip_address(acl_sid, c.id)
            return ""
        network = ipaddress.ip_network(c.name, strict=False)
        self.twilio.add_ip_address(acl_sid, str(network.network_address), network.prefixlen, c.name)
        return ""

    def _trunk_association(self, c: TrunkChange, d: DesiredGroup) -> str:
        trunk_sid = self.trunk_sids[d.trunk]
        if c.name == d.credential_list:
            self.twilio.associate_credential_list(trunk_sid, self.list_sids[c.name])
        else:
            self.twilio.associate_ip_acl(trunk_sid, self.acl_sids[c.name])
        return ""

    def _origination_url(self, c: TrunkChange, d: DesiredGroup) -> str:
        trunk_sid = self.trunk_sids[d.trunk]
        if c.action == "delete":
            assert c.id is not None
            self.twilio.delete_origination_url(trunk_sid, c.id)
            return ""
        url = next(u for u in d.origination_urls if u.sip_url == c.name)
        created: OriginationUrl = self.twilio.create_origination_url(
            trunk_sid, url.sip_url, url.priority, url.weight, url.enabled, url.member
        )
        return created.sid

    # ------------------------------------------------------------------ Genesys
    def _trunk_base(self, c: TrunkChange, d: DesiredGroup) -> str:
        base = next(b for b in d.trunk_bases if b.name == c.name)
        password = self._password(d)
        settings = TrunkBaseWrite(
            name=base.name,
            description=owned_description(d.name),
            inbound_site_id=self.site_ids[base.inbound_site],
            inbound_identifier=base.inbound_identifier,
            transport=base.transport,
            sip_servers=base.sip_servers,
            allow_list=base.allow_list,
            username=base.username,
            realm=base.realm,
            password=password,
            enabled=base.enabled,
        )
        if c.action == "create":
            written = self.genesys.create_trunk_base(settings)
        else:
            assert c.id is not None
            written = self.genesys.update_trunk_base(c.id, settings)
        self.bases[base.name] = written
        self.effects.written(d.name, genesys_secret_target(base), password)
        return written.id

    def _outbound_route(self, c: TrunkChange, d: DesiredGroup) -> str:
        wanted = [self.bases[name].id for name in d.members_in_order if name in self.bases]
        current = self.routes.get((d.site, d.route))
        if current is not None and c.action != "create":
            # Membership is the policy's, order the health engine's: keep the order it left,
            # drop who left the policy, add newcomers last (lowest preference).
            kept = [i for i in current.external_trunk_base_ids if i in wanted]
            wanted = kept + [i for i in wanted if i not in kept]
        write = OutboundRouteWrite(
            name=d.route,
            description=owned_description(d.name),
            classification_types=d.classifications,
            trunk_base_ids=tuple(wanted),
            enabled=d.route_enabled,
        )
        if c.action == "create" or current is None:
            route = self.genesys.create_outbound_route(self.site_ids[d.site], write)
        else:
            route = self.genesys.update_outbound_route(current, write)
        self.routes[(d.site, d.route)] = route
        return route.id
