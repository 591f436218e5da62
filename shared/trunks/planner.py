"""`plan_trunks(...)`: a built trunk group's desired state minus what the vendors hold.

Pure, like the number planner: the same inputs give the same changes in the same order.
Ownership decides what may change. byoc-sync owns what it created (Genesys objects carry
the marker in their description; Twilio sids are kept in its ownership record) and what the
policy told it to adopt. Anything else in the way is a conflict, reported and left alone.
Trunk bases and Twilio trunks are never deleted: one the policy no longer lists may still
carry numbers, routes or calls, so it is reported for a person to retire.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from shared.domain.model import (
    CredentialList,
    IpAccessControlList,
    OutboundRoute,
    Snapshot,
    TrunkAssociations,
    TrunkBase,
    TwilioTrunk,
)
from shared.domain.policy import RoutingPolicy
from shared.domain.trunk_derive import TWILIO_SIGNALLING_RANGES, TWILIO_SIGNALLING_RANGES_AS_OF
from shared.trunks.changes import (
    SECRET_CHANGED,
    SECRET_SET,
    SECRET_UNRECORDED,
    FieldChange,
    TrunkAction,
    TrunkChange,
    TrunkObject,
)
from shared.trunks.desired import (
    DesiredGroup,
    DesiredTrunkBase,
    built_groups,
    desired_group,
    genesys_secret_target,
    group_of_description,
    is_owned_description,
    twilio_secret_target,
)


@dataclass(frozen=True)
class SecretView:
    """What the planner may know of a group's password: whether its setting has a value,
    and which places were last written with that very value (fingerprints match)."""

    present: bool
    current_at: frozenset[str] = frozenset()  # written with the setting's current value
    recorded_at: frozenset[str] = frozenset()  # written by byoc-sync with some value
    problem: str | None = None  # why Twilio would refuse the value (nothing is then built)


@dataclass
class TrunkPlan:
    changes: list[TrunkChange] = field(default_factory=list)
    conflicts: list[tuple[str, str]] = field(default_factory=list)


def _same(a: str | None, b: str | None) -> bool:
    return (a or "").strip().lower() == (b or "").strip().lower()


def _text(values: tuple[str, ...] | list[str]) -> str:
    return ", ".join(values) if values else "(none)"


def _addresses(values: tuple[str, ...]) -> str:
    """An allow-list as read: Twilio's published ranges by name, anything else listed."""
    if values == TWILIO_SIGNALLING_RANGES:
        return f"Twilio's signalling ranges ({len(values)}, as of {TWILIO_SIGNALLING_RANGES_AS_OF})"
    return _text(values)


def plan_trunks(
    policy: RoutingPolicy,
    snapshot: Snapshot,
    owned_twilio: frozenset[str],
    secrets: Mapping[str, SecretView],
) -> TrunkPlan:
    out = TrunkPlan()
    for group, build in built_groups(policy):
        desired = desired_group(group, build)
        secret = secrets.get(group.name, SecretView(present=False))
        _Group(desired, snapshot, owned_twilio, secret, out).plan()
    return out


def _why_update(fields: list[FieldChange]) -> str:
    names = {field.name for field in fields}
    if names == {"password"}:
        if fields[0].after == SECRET_CHANGED:
            return "the password setting changed"
        return "the password setting's value was not written here yet"
    if names <= {"username", "password"}:
        return "credential rotation: Genesys switches to the new credential"
    return "drifted from policy"


class _Group:
    def __init__(
        self,
        desired: DesiredGroup,
        snapshot: Snapshot,
        owned: frozenset[str],
        secret: SecretView,
        out: TrunkPlan,
    ) -> None:
        self.d = desired
        self.s = snapshot
        self.owned = owned
        self.secret = secret
        self.out = out
        self.carrier = snapshot.carrier

    # ------------------------------------------------------------------ helpers
    def change(
        self,
        obj: TrunkObject,
        action: TrunkAction,
        name: str,
        reason: str,
        *,
        vendor_id: str | None = None,
        parent: str | None = None,
        fields: list[FieldChange] | None = None,
    ) -> None:
        self.out.changes.append(
            TrunkChange(
                group=self.d.name,
                object=obj,
                action=action,
                name=name,
                id=vendor_id,
                parent=parent,
                fields=tuple(fields or ()),
                reason=reason,
            )
        )

    def conflict(self, subject: str, detail: str) -> None:
        self.out.conflicts.append((subject, detail))

    def _claim(self, what: str, name: str, owned: bool) -> TrunkAction | None:
        """update for ours, adopt when the policy says so, None (a conflict) otherwise."""
        if owned:
            return "update"
        if self.d.adopt:
            return "adopt"
        self.conflict(
            f"{what} {name!r}",
            f"exists and is not byoc-sync's (trunk group {self.d.name!r}); set build.adopt: "
            "true to take it over, or rename it in the policy",
        )
        return None

    def _password(self, target: str, new: bool) -> FieldChange | None:
        if new:
            return FieldChange(name="password", after=SECRET_SET)
        if target in self.secret.current_at:
            return None
        known = target in self.secret.recorded_at
        return FieldChange(name="password", after=SECRET_CHANGED if known else SECRET_UNRECORDED)

    # ------------------------------------------------------------------ the group
    def plan(self) -> None:
        if not self.secret.present:
            self.conflict(
                self.d.password_setting,
                f"setting is not set; trunk group {self.d.name!r} needs the digest password "
                "its trunks and Twilio credential list share (nothing of it is built until "
                "it is set)",
            )
            return
        if self.secret.problem is not None:
            self.conflict(
                self.d.password_setting,
                f"Twilio refuses this password for a SIP credential ({self.secret.problem}); "
                f"nothing of trunk group {self.d.name!r} is built until the setting is changed",
            )
            return
        if self.carrier is None:  # read only when a group is built; planned without it: bug
            raise ValueError("the snapshot was read without the carrier side")
        trunk = self._twilio_trunk()
        self._credentials(trunk)
        self._ip_acl(trunk)
        bases = self._trunk_bases()
        self._origination_urls(trunk)
        self._route(bases)
        self._retired_bases()
        # In the order they will run (the apply goes stage by stage), for the reader.
        mine = [c for c in self.out.changes if c.group == self.d.name]
        others = [c for c in self.out.changes if c.group != self.d.name]
        self.out.changes[:] = others + sorted(mine, key=lambda change: change.stage)

    # ------------------------------------------------------------------ Twilio
    def _twilio_trunk(self) -> TwilioTrunk | bool | None:
        """The observed trunk, None when it is to be created, False when it is not ours."""
        d = self.d
        found = next((t for t in self.s.twilio_trunks if t.friendly_name == d.trunk), None)
        wanted = {
            "termination domain": d.domain_name,
            "secure": "on" if d.secure else "off",
            "disaster recovery URL": d.disaster_recovery_url or "(none)",
        }
        if found is None:
            self.change(
                "twilio_trunk",
                "create",
                d.trunk,
                "the trunk group's Elastic SIP trunk does not exist",
                fields=[FieldChange(name=k, after=v) for k, v in wanted.items()],
            )
            return None
        action = self._claim("Twilio trunk", d.trunk, found.sid in self.owned)
        if action is None:
            return False
        seen = {
            "termination domain": found.domain_name or "(none)",
            "secure": "on" if found.secure else "off",
            "disaster recovery URL": found.disaster_recovery_url or "(none)",
        }
        fields = [
            FieldChange(name=k, before=seen[k], after=v)
            for k, v in wanted.items()
            if not _same(seen[k], v)
        ]
        if fields or action == "adopt":
            reason = "adopted as the policy says" if action == "adopt" else "drifted from policy"
            self.change("twilio_trunk", action, d.trunk, reason, vendor_id=found.sid, fields=fields)
        return found

    def _associations(self, trunk: TwilioTrunk) -> TrunkAssociations:
        assert self.carrier is not None
        return next(
            (a for a in self.carrier.associations if a.trunk_sid == trunk.sid),
            TrunkAssociations(trunk_sid=trunk.sid),
        )

    def _credentials(self, trunk: TwilioTrunk | bool | None) -> None:
        assert self.carrier is not None
        d = self.d
        found: CredentialList | None = next(
            (c for c in self.carrier.credential_lists if c.friendly_name == d.credential_list),
            None,
        )
        target = twilio_secret_target(d)
        if found is None:
            self.change(
                "credential_list",
                "create",
                d.credential_list,
                "Genesys authenticates to the trunk with it",
            )
            self.change(
                "credential",
                "create",
                d.username,
                "the username Genesys sends",
                parent=d.credential_list,
                fields=[FieldChange(name="password", after=SECRET_SET)],
            )
        else:
            action = self._claim("credential list", d.credential_list, found.sid in self.owned)
            if action is None:
                return
            if action == "adopt":
                self.change(
                    "credential_list",
                    "adopt",
                    d.credential_list,
                    "adopted as the policy says",
                    vendor_id=found.sid,
                )
            current = next((c for c in found.credentials if c.username == d.username), None)
            if current is None:
                self.change(
                    "credential",
                    "create",
                    d.username,
                    "the username Genesys sends"
                    + (
                        " (rotation: the old one goes once every trunk base sends the new one)"
                        if found.credentials
                        else ""
                    ),
                    parent=d.credential_list,
                    fields=[FieldChange(name="password", after=SECRET_SET)],
                )
            else:
                password = self._password(target, new=False)
                if password is not None:
                    self.change(
                        "credential",
                        "update",
                        d.username,
                        _why_update([password]),
                        vendor_id=current.sid,
                        parent=d.credential_list,
                        fields=[password],
                    )
            for old in found.credentials:
                if old.username != d.username:
                    self.change(
                        "credential",
                        "delete",
                        old.username,
                        f"replaced by {d.username!r} (after the trunk bases switch)",
                        vendor_id=old.sid,
                        parent=d.credential_list,
                    )
        self._associate(
            trunk,
            "credential list",
            d.credential_list,
            found.sid if found else None,
            "credential_list_sids",
        )

    def _associate(
        self,
        trunk: TwilioTrunk | bool | None,
        what: str,
        name: str,
        sid: str | None,
        attribute: str,
    ) -> None:
        if trunk is False:
            return
        if (
            isinstance(trunk, TwilioTrunk)
            and sid is not None
            and sid in getattr(self._associations(trunk), attribute)
        ):
            return
        self.change(
            "trunk_association",
            "create",
            name,
            f"the trunk authenticates termination with this {what}",
            parent=self.d.trunk,
        )

    def _ip_acl(self, trunk: TwilioTrunk | bool | None) -> None:
        assert self.carrier is not None
        d = self.d
        if d.ip_acl is None:
            return
        found: IpAccessControlList | None = next(
            (a for a in self.carrier.ip_acls if a.friendly_name == d.ip_acl), None
        )
        have: dict[str, str] = {}
        if found is None:
            self.change("ip_acl", "create", d.ip_acl, "termination accepts these addresses")
        else:
            action = self._claim("IP ACL", d.ip_acl, found.sid in self.owned)
            if action is None:
                return
            if action == "adopt":
                self.change(
                    "ip_acl", "adopt", d.ip_acl, "adopted as the policy says", vendor_id=found.sid
                )
            have = {a.cidr: a.sid for a in found.addresses}
        for cidr in d.acl_cidrs:
            if cidr not in have:
                self.change("acl_address", "create", cidr, "listed in the policy", parent=d.ip_acl)
        for cidr, sid in sorted(have.items()):
            if cidr not in d.acl_cidrs:
                self.change(
                    "acl_address",
                    "delete",
                    cidr,
                    "no longer in the policy",
                    vendor_id=sid,
                    parent=d.ip_acl,
                )
        self._associate(trunk, "IP ACL", d.ip_acl, found.sid if found else None, "ip_acl_sids")

    def _origination_urls(self, trunk: TwilioTrunk | bool | None) -> None:
        d = self.d
        if trunk is False:
            return
        existing = trunk.origination_urls if isinstance(trunk, TwilioTrunk) else ()
        for url in d.origination_urls:
            if not any(_same(u.sip_url, url.sip_url) for u in existing):
                self.change(
                    "origination_url",
                    "create",
                    url.sip_url,
                    f"reaches member {url.member!r}",
                    parent=d.trunk,
                    fields=[FieldChange(name="priority", after=str(url.priority))],
                )
        for u in existing:
            if not any(_same(u.sip_url, url.sip_url) for url in d.origination_urls):
                self.change(
                    "origination_url",
                    "delete",
                    u.sip_url,
                    "reaches no member of the policy",
                    vendor_id=u.sid,
                    parent=d.trunk,
                )

    # ------------------------------------------------------------------ Genesys
    def _trunk_bases(self) -> dict[str, TrunkBase | None]:
        """Member name -> the base as observed (None: to be created); members whose base
        cannot be ours are left out."""
        usable: dict[str, TrunkBase | None] = {}
        sites = {site.name: site for site in self.s.sites}
        for base in self.d.trunk_bases:
            if base.inbound_site not in sites:
                self.conflict(
                    f"site {base.inbound_site!r}",
                    f"inbound site of trunk {base.name!r} does not exist in Genesys",
                )
                continue
            found = next((b for b in self.s.trunk_bases if b.name == base.name), None)
            if found is None:
                self.change(
                    "trunk_base",
                    "create",
                    base.name,
                    f"member of trunk group {self.d.name!r}",
                    fields=self._base_fields(base, None),
                )
                usable[base.name] = None
                continue
            if found.managed:
                self.conflict(
                    f"trunk {base.name!r}", "is managed by Genesys; byoc-sync never writes it"
                )
                continue
            action = self._claim("trunk", base.name, is_owned_description(found.description))
            if action is None:
                continue
            usable[base.name] = found
            fields = self._base_fields(base, found)
            if fields or action == "adopt":
                reason = (
                    "adopted as the policy says" if action == "adopt" else "drifted from policy"
                )
                if action == "update":
                    reason = _why_update(fields)
                self.change(
                    "trunk_base", action, base.name, reason, vendor_id=found.id, fields=fields
                )
        return usable

    def _base_fields(self, base: DesiredTrunkBase, found: TrunkBase | None) -> list[FieldChange]:
        site_id = next(s.id for s in self.s.sites if s.name == base.inbound_site)
        wanted: dict[str, tuple[str, str | None]] = {
            "inbound identifier": (
                base.inbound_identifier,
                found.inbound_identifier if found else None,
            ),
            "transport": (base.transport, found.transport if found else None),
            "SIP servers": (_text(base.sip_servers), _text(found.sip_servers) if found else None),
            "allow-list": (  # a set: the order it is held in means nothing
                _addresses(base.allow_list),
                None
                if found is None
                else _addresses(base.allow_list)
                if set(found.allow_list) == set(base.allow_list)
                else _addresses(found.allow_list),
            ),
            "inbound site": (
                base.inbound_site,
                (
                    base.inbound_site
                    if found.inbound_site_id == site_id
                    else found.inbound_site_id or "(none)"
                )
                if found
                else None,
            ),
            "enabled": (
                str(base.enabled).lower(),
                str(found.enabled is not False).lower() if found else None,
            ),
            "username": (base.username, found.username or "(none)" if found else None),
            "realm": (base.realm or "(none)", (found.realm or "(none)") if found else None),
        }
        fields = [
            FieldChange(name=k, before=before, after=after)
            for k, (after, before) in wanted.items()
            if found is None or not _same(before, after)
        ]
        password = self._password(genesys_secret_target(base), new=found is None)
        if password is not None:
            fields.append(password)
        return fields

    def _route(self, bases: dict[str, TrunkBase | None]) -> None:
        d = self.d
        site = next((s for s in self.s.sites if s.name == d.site), None)
        if site is None:
            self.conflict(f"site {d.site!r}", f"site of trunk group {d.name!r} does not exist")
            return
        if site.managed:
            self.conflict(f"site {d.site!r}", "is managed by Genesys; its routes are read-only")
            return
        wanted_members = [name for name in d.members_in_order if name in bases]
        found: OutboundRoute | None = next(
            (r for r in self.s.outbound_routes if r.site_id == site.id and r.name == d.route),
            None,
        )
        if found is None:
            self.change(
                "outbound_route",
                "create",
                d.route,
                f"carries trunk group {d.name!r}",
                parent=d.site,
                fields=[
                    FieldChange(name="members", after=_text(wanted_members)),
                    FieldChange(name="classifications", after=_text(d.classifications)),
                    FieldChange(name="distribution", after="SEQUENTIAL"),
                ],
            )
            return
        action = self._claim("outbound route", d.route, is_owned_description(found.description))
        if action is None:
            return
        names = {b.id: b.name for b in self.s.trunk_bases}
        current = [names.get(i, i) for i in found.external_trunk_base_ids]
        fields: list[FieldChange] = []
        added = [n for n in wanted_members if n not in current]
        removed = [n for n in current if n not in d.members_in_order]
        if added:
            fields.append(FieldChange(name="members added", after=", ".join(added)))
        if removed:
            fields.append(FieldChange(name="members removed", after=", ".join(removed)))
        if sorted(found.classification_types) != sorted(d.classifications):
            fields.append(
                FieldChange(
                    name="classifications",
                    before=_text(found.classification_types),
                    after=_text(d.classifications),
                )
            )
        if (found.distribution or "").upper() != "SEQUENTIAL":
            fields.append(
                FieldChange(name="distribution", before=found.distribution, after="SEQUENTIAL")
            )
        if found.enabled != d.route_enabled:
            fields.append(
                FieldChange(
                    name="enabled",
                    before=str(found.enabled).lower(),
                    after=str(d.route_enabled).lower(),
                )
            )
        if fields or action == "adopt":
            reason = "adopted as the policy says" if action == "adopt" else "drifted from policy"
            if added or removed:
                reason = "the policy's members changed" if action == "update" else reason
            self.change(
                "outbound_route",
                action,
                d.route,
                reason,
                vendor_id=found.id,
                parent=d.site,
                fields=fields,
            )

    def _retired_bases(self) -> None:
        listed = set(self.d.members_in_order)
        for base in sorted(self.s.trunk_bases, key=lambda b: b.name):
            if group_of_description(base.description) == self.d.name and base.name not in listed:
                self.conflict(
                    f"trunk {base.name!r}",
                    f"was built for trunk group {self.d.name!r} and is no longer in the "
                    "policy; taken off the route and the Twilio trunk, the trunk itself is "
                    "left in place (delete it by hand once it carries no numbers or calls)",
                )
