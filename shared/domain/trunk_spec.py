"""How a policy declares a trunk group byoc-sync builds: both sides of every trunk.

A group with a `build` section is byoc-sync's to create and keep: the Genesys BYOC Cloud
trunk base of each member and the site outbound route, and on Twilio the Elastic SIP trunk,
its origination URLs, credential list and optional IP ACL. What one side implies about the
other is derived (see `shared.domain.trunk_derive`), never typed twice. Secrets are named
settings: the policy holds the name, never the value.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

# A secret's setting name: one prefix, so the secret watch, the deploy guide and Key Vault
# naming can find every trunk secret without reading the policy.
SECRET_SETTING_PREFIX = "BYOC_TRUNK_SECRET_"
SecretSetting = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=rf"^{SECRET_SETTING_PREFIX}[A-Z0-9_]+$")
]
Hostname = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        to_lower=True,
        pattern=r"^[a-z0-9][a-z0-9.-]*(:[0-9]{1,5})?$",
    ),
]
TWILIO_TERMINATION = re.compile(r"\.pstn(\.[a-z0-9-]+)?\.twilio\.com(:[0-9]+)?$")


def is_twilio_termination(host: str) -> bool:
    """A Twilio Elastic SIP trunk's termination host (`<name>.pstn[.<edge>].twilio.com`)."""
    return bool(TWILIO_TERMINATION.search(host.lower()))


def sip_password_problem(password: str) -> str | None:
    """What keeps Twilio from taking `password` for a SIP credential (its rule: 12 or more
    characters, at least one digit, mixed case), checked before anything is built."""
    missing = [
        what
        for what, ok in (
            ("12 or more characters", len(password) >= 12),
            ("a digit", any(c.isdigit() for c in password)),
            ("upper and lower case", password.lower() != password != password.upper()),
        )
        if not ok
    ]
    return f"needs {', '.join(missing)}" if missing else None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _cidr(value: str) -> str:
    try:
        return str(ipaddress.ip_network(value.strip(), strict=False))
    except ValueError:
        raise ValueError(
            f"{value!r} is not an IP address or CIDR range (e.g. 54.172.60.0/30)"
        ) from None


Cidr = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class DigestCredentials(_Strict):
    """The username and password Genesys sends with each outbound INVITE and the Twilio
    credential list checks. Rotate by changing both `username` and the setting's value:
    the new credential is added at Twilio, Genesys switched, then the old one removed."""

    username: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9._@+-]+$")
    password_setting: SecretSetting = Field(
        description=f"Name of the setting holding the password ({SECRET_SETTING_PREFIX}…; "
        "a Key Vault reference in Azure). Twilio's rule: 12+ characters, a digit, mixed case."
    )
    realm: str = Field("", description="Digest realm Genesys answers challenges for; empty: any.")


class IpAclSpec(_Strict):
    """A Twilio IP access control list on the trunk: where Genesys (or the SBC) sends from."""

    name: str = Field(min_length=1, max_length=255, description="Friendly name of the ACL.")
    addresses: list[Cidr] = Field(min_length=1, description="IP addresses or CIDR ranges.")

    @field_validator("addresses")
    @classmethod
    def _cidrs(cls, value: list[str]) -> list[str]:
        return [_cidr(address) for address in value]


class TwilioSide(_Strict):
    """The Elastic SIP trunk of the group (its friendly name is the group's `twilio_trunk`)."""

    domain_name: Hostname = Field(
        description="Termination SIP URI host, <name>.pstn.twilio.com: where Genesys sends."
    )
    secure: bool = Field(True, description="TLS signalling and SRTP media on the trunk.")
    disaster_recovery_url: str | None = Field(
        None, pattern=r"^https://", description="TwiML URL Twilio calls when no member answers."
    )
    credential_list: str | None = Field(
        None,
        max_length=64,
        description="Friendly name of the credential list (default: '<twilio_trunk> credentials').",
    )
    ip_acl: IpAclSpec | None = None

    @field_validator("domain_name")
    @classmethod
    def _twilio_domain(cls, value: str) -> str:
        if not value.endswith(".pstn.twilio.com"):
            raise ValueError(f"{value!r}: a Twilio termination domain ends in .pstn.twilio.com")
        return value


class RouteSpec(_Strict):
    """The site outbound route that carries the group's outbound calls."""

    classifications: list[str] = Field(
        default_factory=lambda: ["National", "International"],
        min_length=1,
        description="Number-plan classifications the route carries.",
    )
    enabled: bool = True


class GroupBuild(_Strict):
    """byoc-sync builds and keeps this trunk group on both sides."""

    topology: Literal["direct", "sbc"] = Field(
        "direct",
        description="direct: Twilio ⇄ Genesys BYOC Cloud; sbc: both ends point at your SBC "
        "(members then name their SIP servers and origination URL).",
    )
    adopt: bool = Field(
        False,
        description="Take over same-named objects that exist already (else they are conflicts).",
    )
    byoc_domain: Hostname | None = Field(
        None,
        description="Genesys BYOC domain of the org's region, as the trunk page's Inbound "
        "Request-URI Reference shows it (default: derived from GENESYSCLOUD_REGION).",
    )
    credentials: DigestCredentials
    twilio: TwilioSide
    route: RouteSpec = Field(default_factory=lambda: RouteSpec.model_validate({}))


class TrunkSpec(_Strict):
    """A member's Genesys BYOC Cloud trunk base (its name is the member's `genesys_trunk`)."""

    inbound_identifier: Hostname = Field(
        description="Inbound SIP termination identifier: the first label(s) of the member's "
        "BYOC FQDN, unique in the region."
    )
    transport: Literal["tls", "tcp", "udp"] = "tls"
    sip_servers: list[Hostname] = Field(
        default_factory=list,
        description="Where Genesys sends outbound calls (default for direct: the Twilio "
        "termination domain).",
    )
    allow_list: list[Cidr] | None = Field(
        None,
        description="Addresses Genesys accepts inbound SIP from (default for direct: Twilio's "
        "published signalling ranges; for sbc: empty, the SIP servers are allowed anyway).",
    )
    inbound_site: str | None = Field(
        None, description="Site inbound calls go to (default: the group's site)."
    )
    enabled: bool = True
    registration: bool = Field(
        False,
        description="SIP registration. Not provisioned by byoc-sync; toward Twilio it cannot "
        "work (Elastic SIP Trunking takes no REGISTER).",
    )

    @field_validator("allow_list")
    @classmethod
    def _cidrs(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else [_cidr(a) for a in value]
