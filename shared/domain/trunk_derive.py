"""What one side of a trunk group implies about the other, derived instead of typed twice.

- The URL Twilio sends a member's calls to is the member's BYOC FQDN: its inbound
  identifier under the org region's BYOC domain.
- Genesys sends outbound calls to the Twilio trunk's termination domain (direct topology).
- Genesys accepts inbound SIP from Twilio's published signalling ranges (direct topology).

The data below carries its source and date; docs/fidelity.md has the rows and the policy can
override each value (`build.byoc_domain`, a member's `sip_servers` and `allow_list`).
"""

from __future__ import annotations

from urllib.parse import urlsplit

# Genesys Cloud regions whose BYOC domain a source states (Resource Center, "Configure SIP
# routing for a BYOC Cloud trunk", and practitioners' captures of the Inbound Request-URI
# Reference panel). Every other region follows the rule in `byoc_domain_for`, which fits
# these three but is not stated for the others.
SOURCED_BYOC_DOMAINS: dict[str, str] = {
    "us-east-1": "byoc.mypurecloud.com",
    "us-west-2": "byoc.usw2.pure.cloud",
    "eu-west-1": "byoc.mypurecloud.ie",
}

# Twilio Elastic SIP Trunking signalling gateways (UDP/TCP 5060, TLS 5061), all edges: "you
# MUST allow ALL" of them (https://www.twilio.com/docs/sip-trunking/ip-addresses). Taken
# as third parties citing that page list them, 2024-2026; the page itself was last modified
# 2026-03-09 and may list more. Override with a member's `allow_list`.
TWILIO_SIGNALLING_RANGES_AS_OF = "2026-03-09"
TWILIO_SIGNALLING_RANGES: tuple[str, ...] = (
    "54.172.60.0/30",  # North America, Virginia (us1)
    "54.244.51.0/30",  # North America, Oregon (us2)
    "54.171.127.192/30",  # Europe, Ireland (ie1)
    "35.156.191.128/30",  # Europe, Frankfurt (de1)
    "54.65.63.192/30",  # Asia Pacific, Tokyo (jp1)
    "54.169.127.128/30",  # Asia Pacific, Singapore (sg1)
    "54.252.254.64/30",  # Asia Pacific, Sydney (au1)
    "177.71.206.192/30",  # South America, São Paulo (br1)
)


def byoc_domain_for(region: str, api_host: str | None = None) -> str:
    """The BYOC domain of a Genesys region: sourced where a source says it, else `byoc.`
    before the region's domain (the rule the sourced ones follow)."""
    if region in SOURCED_BYOC_DOMAINS:
        return SOURCED_BYOC_DOMAINS[region]
    host = urlsplit(api_host).hostname if api_host else None
    domain = (host or "").removeprefix("api.")
    return f"byoc.{domain}" if domain else SOURCED_BYOC_DOMAINS["us-east-1"]


def member_fqdn(inbound_identifier: str, byoc_domain: str) -> str:
    return f"{inbound_identifier}.{byoc_domain}"


def origination_url(inbound_identifier: str, byoc_domain: str, transport: str) -> str:
    """The SIP URL Twilio sends this member's calls to. UDP is SIP's default transport, so
    only TCP and TLS are named (`sip:`, never `sips:`, which Twilio refuses)."""
    suffix = "" if transport == "udp" else f";transport={transport}"
    return f"sip:{member_fqdn(inbound_identifier, byoc_domain)}{suffix}"
