"""Trunk metabases: the make and model a trunk base is built from, and the settings it takes.

Genesys answers `GET /edges/trunkbasesettings/template?trunkMetabaseId=...` with a trunk base
whose `properties` hold every setting of that metabase in its nested shape, defaults filled
in; clients change the instances and POST it back (Genesys' BYOC provisioning guide,
MyPureCloud/purecloud-premium-app `byoc-cloud-trunk.js`). A base written through the API is
checked against its metabase and completed with its defaults (CX as Code reads settings back
it never wrote). Only the BYOC carrier metabase is modelled; a base of any other metabase is
stored as written.

Sources of the keys, types and defaults (docs/fidelity.md rows give the confidence):
- PROVISIONING: the trunk body of the provisioning guide's sample (developer.genesys.cloud/
  telephony/provisioning-telephony-guide; MyPureCloud/developercenter-tutorials
  `provisioning-telephony/nodejs/index.js`), which carries the metabase's own schema fields
  (`type`, `enum`, `pattern`, `items`, `uniqueItems`, `required`);
- PREMIUM_APP: purecloud-premium-app `docs/wizard/config/sample-provisioning-info.js`, whose
  keys the wizard sets on the template (so the template has them); its values are taken as
  the defaults;
- CX_AS_CODE: terraform-provider-genesyscloud's acceptance test of a BYOC carrier base
  created with no properties, which reads these values back;
- ASSUMED: no source for the key on this metabase.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any, Literal

from sandbox.emulators.core import VendorError
from sandbox.emulators.genesys.errors import bad_request, not_found, required_field
from sandbox.emulators.genesys.scenario import BYOC_CARRIER_METABASE_ID

PropertyType = Literal["string", "boolean", "integer", "array"]
PROVISIONING, PREMIUM_APP, CX_AS_CODE, ASSUMED = (
    "provisioning guide",
    "premium app",
    "CX as Code",
    "assumed",
)


@dataclass(frozen=True)
class PropertySpec:
    """One setting of a metabase: its JSON type, default and constraints."""

    type: PropertyType
    default: Any
    source: str
    required: bool = False
    enum: tuple[str, ...] = ()
    pattern: str | None = None
    unique_items: bool = False

    def entry(self, instance: Any) -> dict[str, Any]:
        """The setting in Genesys' nested shape, holding `instance`."""
        out: dict[str, Any] = {"type": self.type}
        if self.type == "array":
            out["items"] = {"type": "string"}
            if self.unique_items:
                out["uniqueItems"] = True
        if self.enum:
            out["enum"] = list(self.enum)
        if self.pattern is not None:
            out["pattern"] = self.pattern
        out["value"] = {"default": copy.deepcopy(self.default), "instance": instance}
        if self.required:
            out["required"] = True
        return out


@dataclass(frozen=True)
class Metabase:
    id: str
    name: str
    trunk_type: str
    properties: dict[str, PropertySpec]


OVERRIDE_METHODS = ("Always", "Unassigned DID")
SERVER_PROXY_LIST = "trunk_transport_serverProxyList"
TRUNK_LABEL = "trunk_label"


def _s(default: Any, source: str, **extra: Any) -> PropertySpec:
    return PropertySpec("string", default, source, **extra)


def _b(default: bool, source: str) -> PropertySpec:
    return PropertySpec("boolean", default, source)


def _a(default: list[str] | None, source: str, **extra: Any) -> PropertySpec:
    return PropertySpec("array", default, source, **extra)


BYOC_CARRIER = Metabase(
    id=BYOC_CARRIER_METABASE_ID,
    name="Generic BYOC Carrier",
    trunk_type="EXTERNAL",
    properties={
        "trunk_type": _s("external.pcv.byoc.carrier", PROVISIONING),
        TRUNK_LABEL: _s("Generic BYOC Carrier", PROVISIONING),
        "trunk_enabled": _b(True, PROVISIONING),
        "trunk_protocol": _s("SIP", PROVISIONING, enum=("SIP",)),
        SERVER_PROXY_LIST: _a(None, PROVISIONING, required=True, unique_items=True),
        # Genesys' own default is not published; the premium app sends udp, and the
        # Resource Center says "In most cases, you select UDP as the Protocol".
        "trunk_transport_protocolVariant": _s("udp", PREMIUM_APP, enum=("udp", "tcp", "tls")),
        "trunk_sip_termination_uri": _s(None, PROVISIONING),
        "trunk_sip_authentication_credentials_realm": _s("", PROVISIONING),
        "trunk_sip_authentication_credentials_username": _s("", PROVISIONING),
        "trunk_sip_authentication_credentials_password": _s("", PROVISIONING),
        "trunk_access_acl_allowList": _a([], PROVISIONING),
        "trunk_access_acl_denyList": _a([], ASSUMED),
        "trunk_outboundIdentity_callingName": _s("", PROVISIONING, pattern=r"^[\S ]{0,40}$"),
        "trunk_outboundIdentity_callingName_overrideMethod": _s(
            "Always", PROVISIONING, enum=OVERRIDE_METHODS
        ),
        "trunk_outboundIdentity_callingAddress": _s("", PROVISIONING),
        "trunk_outboundIdentity_callingAddress_overrideMethod": _s(
            "Always", PROVISIONING, enum=OVERRIDE_METHODS
        ),
        "trunk_outboundIdentity_calledAddress_omitPlusPrefix": _b(False, PROVISIONING),
        "trunk_outboundIdentity_callingAddress_omitPlusPrefix": _b(False, PROVISIONING),
        "trunk_outboundIdentity_suppress_username_if_did_available": _b(False, PREMIUM_APP),
        "trunk_outboundIdentity_suppress_username_if_no_did": _b(False, PREMIUM_APP),
        "trunk_calling_id_priority": _a(["Source", "Trunk", "Site", "Extension"], PREMIUM_APP),
        "trunk_language": _s("en-US", PREMIUM_APP),
        "trunk_maxDialTimeout": _s("2m", CX_AS_CODE),
        "trunk_media_codec": _a(["audio/opus", "audio/pcmu", "audio/pcma"], CX_AS_CODE),
        "trunk_media_disconnectOnIdleRTP": _b(True, CX_AS_CODE),
        "trunk_recording_enabled": _b(False, PREMIUM_APP),
        "trunk_consult_recording_enabled": _b(False, PREMIUM_APP),
        "trunk_recording_audioFormat": _s("audio/PCMU", PREMIUM_APP),
        "trunk_recording_levelControlEnabled": _b(False, PREMIUM_APP),
        "trunk_recording_externalTransfersEnabled": _b(False, PREMIUM_APP),
        "trunk_recording_dualChannel": _b(False, PREMIUM_APP),
        "trunk_sip_conversationHeader": _b(False, PREMIUM_APP),
        "trunk_sip_uuiEnabled": _b(False, PREMIUM_APP),
        "trunk_sip_uuiHeader": _s("User-to-User", PREMIUM_APP),
        "trunk_sip_uuiEncoding": _s("Hex", PREMIUM_APP),
        "trunk_sip_uuiPd": _s("00", PREMIUM_APP),
        "trunk_transfer_takeback_enabled": _b(False, PREMIUM_APP),
        "trunk_rlt_enabled": _b(False, PREMIUM_APP),
    },
)

METABASES: dict[str, Metabase] = {m.id: m for m in (BYOC_CARRIER,)}


def metabase(metabase_id: str) -> Metabase:
    """A metabase the emulator models, else 404 (the real list is longer: assumed)."""
    found = METABASES.get(metabase_id)
    if found is None:
        raise not_found("Trunk metabase", metabase_id)
    return found


def template(base: Metabase) -> dict[str, Any]:
    """Every setting of the metabase, each instance its default."""
    return {key: spec.entry(copy.deepcopy(spec.default)) for key, spec in base.properties.items()}


@dataclass(frozen=True)
class Checks:
    """Which of the metabase's rules a write is held to (scenario quirks)."""

    require: bool = True  # a required setting must have a value
    reject_unknown: bool = True  # a key the metabase lacks is a 400


def complete(
    base: Metabase, written: dict[str, Any], name: str, checks: Checks = Checks()
) -> dict[str, Any]:
    """The properties a base of this metabase stores for a write: each written setting in
    the metabase's shape with the written instance, every other one at its default, and
    `trunk_label` at the base's name unless written. Raises Genesys' 400 for a key the
    metabase lacks, a value of the wrong type or outside the setting's choices, and a
    required setting left without a value."""
    unknown = sorted(key for key in written if key not in base.properties)
    if unknown and checks.reject_unknown:
        raise bad_request(
            f"properties {', '.join(unknown)} are not settings of trunk metabase {base.id}"
        )
    stored: dict[str, Any] = {}
    for key, spec in base.properties.items():
        if key in written:
            instance = written[key]["value"].get("instance")
            _check_value(key, spec, instance)
        elif key == TRUNK_LABEL:
            instance = name
        else:
            instance = copy.deepcopy(spec.default)
        stored[key] = spec.entry(instance)
    for key in unknown:  # kept as written when the quirk lets them through
        stored[key] = copy.deepcopy(written[key])
    if checks.require:
        for key, spec in base.properties.items():
            if spec.required and _empty(stored[key]["value"]["instance"]):
                raise required_field(key)
    return stored


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _check_value(key: str, spec: PropertySpec, value: Any) -> None:
    if value is None:
        return
    problem = _type_problem(spec, value)
    if problem is None and spec.enum and value not in spec.enum:
        problem = f"must be one of {', '.join(spec.enum)}"
    if problem is None and spec.pattern is not None and not re.fullmatch(spec.pattern, value):
        problem = f"must match {spec.pattern}"
    if problem is None and spec.unique_items and len(set(value)) != len(value):
        problem = "must not repeat an item"
    if problem is not None:
        raise _invalid(key, value, problem)


def _type_problem(spec: PropertySpec, value: Any) -> str | None:
    if spec.type == "boolean":
        return None if isinstance(value, bool) else "must be a boolean"
    if spec.type == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
        return None if ok else "must be an integer"
    if spec.type == "array":
        ok = isinstance(value, list) and all(isinstance(item, str) for item in value)
        return None if ok else "must be an array of strings"
    return None if isinstance(value, str) else "must be a string"


def _invalid(key: str, value: Any, problem: str) -> VendorError:
    return bad_request(f"property {key} {problem}, not {value!r}")
