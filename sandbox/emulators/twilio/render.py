"""State records -> the JSON Twilio sends, field for field as the OpenAPI schemas define.

Api v2010 dates are RFC 2822 (`Mon, 15 Jan 2024 12:00:00 +0000`) and its links are
host-relative `uri`s; Trunking v1 dates are ISO 8601 and its links are absolute `url`s on
trunking.twilio.com. Clients pointed at the emulator rewrite those hosts, as in production.
"""

from __future__ import annotations

from datetime import datetime
from email.utils import format_datetime
from typing import Any

from sandbox.emulators.twilio.monitor import MonitorAlert, MonitorEvent
from sandbox.emulators.twilio.state import (
    Association,
    AvailableNumber,
    IncomingNumber,
    OriginationUrl,
    SipCredential,
    SipIpAddress,
    SipList,
    Trunk,
    national_format,
)

API_ROOT = "/2010-04-01"
TRUNKING_HOST = "https://trunking.twilio.com"
API_HOST = "https://api.twilio.com"
MONITOR_HOST = "https://monitor.twilio.com"


def rfc2822(at: datetime) -> str:
    return format_datetime(at, usegmt=False).replace("-0000", "+0000")


def iso8601(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def account_uri(account_sid: str) -> str:
    return f"{API_ROOT}/Accounts/{account_sid}"


# Voice/SMS handling settings both number representations (Api v2010 and Trunking v1) carry.
CALL_SETTINGS = (
    "sms_application_sid",
    "sms_fallback_method",
    "sms_fallback_url",
    "sms_method",
    "sms_url",
    "status_callback",
    "status_callback_method",
    "voice_application_sid",
    "voice_caller_id_lookup",
    "voice_fallback_method",
    "voice_fallback_url",
    "voice_method",
    "voice_url",
)


def _call_settings(settings: dict[str, Any]) -> dict[str, Any]:
    return {key: settings[key] for key in CALL_SETTINGS}


def incoming_number(n: IncomingNumber, account_sid: str) -> dict[str, Any]:
    uri = f"{account_uri(account_sid)}/IncomingPhoneNumbers/{n.sid}"
    s = n.settings
    return {
        "account_sid": account_sid,
        "address_sid": s["address_sid"],
        "address_requirements": n.address_requirements,
        "api_version": s["api_version"],
        "beta": n.beta,
        "capabilities": dict(n.capabilities),
        "date_created": rfc2822(n.date_created),
        "date_updated": rfc2822(n.date_updated),
        "friendly_name": n.friendly_name,
        "identity_sid": s["identity_sid"],
        "phone_number": n.phone_number,
        "origin": n.origin,
        "sid": n.sid,
        **_call_settings(s),
        "trunk_sid": n.trunk_sid,
        "uri": uri + ".json",
        "voice_receive_mode": s["voice_receive_mode"],
        "emergency_status": s["emergency_status"],
        "emergency_address_sid": s["emergency_address_sid"],
        "emergency_address_status": "unregistered",
        "bundle_sid": s["bundle_sid"],
        "status": "in-use",
        "type": n.type,
        "subresource_uris": {"assigned_add_ons": f"{uri}/AssignedAddOns.json"},
    }


def available_number(a: AvailableNumber) -> dict[str, Any]:
    return {
        "friendly_name": national_format(a.phone_number),
        "phone_number": a.phone_number,
        "lata": a.lata,
        "locality": a.locality,
        "rate_center": a.rate_center,
        "latitude": a.latitude,
        "longitude": a.longitude,
        "region": a.region,
        "postal_code": a.postal_code,
        "iso_country": a.iso_country,
        "address_requirements": a.address_requirements,
        "beta": a.beta,
        "capabilities": dict(a.capabilities),
    }


def sip_list(item: SipList, account_sid: str, kind: str) -> dict[str, Any]:
    """`kind` is `CredentialLists` or `IpAccessControlLists`."""
    uri = f"{account_uri(account_sid)}/SIP/{kind}/{item.sid}"
    sub = (
        {"credentials": f"{uri}/Credentials.json"}
        if kind == "CredentialLists"
        else {"ip_addresses": f"{uri}/IpAddresses.json"}
    )
    return {
        "account_sid": account_sid,
        "date_created": rfc2822(item.date_created),
        "date_updated": rfc2822(item.date_updated),
        "friendly_name": item.friendly_name,
        "sid": item.sid,
        "subresource_uris": sub,
        "uri": uri + ".json",
    }


def sip_credential(c: SipCredential, account_sid: str) -> dict[str, Any]:
    """A credential as Twilio answers it: never the password (the spec has no such field)."""
    return {
        "sid": c.sid,
        "account_sid": account_sid,
        "credential_list_sid": c.list_sid,
        "username": c.username,
        "date_created": rfc2822(c.date_created),
        "date_updated": rfc2822(c.date_updated),
        "uri": f"{account_uri(account_sid)}/SIP/CredentialLists/{c.list_sid}/Credentials/"
        f"{c.sid}.json",
    }


def sip_ip_address(a: SipIpAddress, account_sid: str) -> dict[str, Any]:
    return {
        "sid": a.sid,
        "account_sid": account_sid,
        "friendly_name": a.friendly_name,
        "ip_address": a.ip_address,
        "cidr_prefix_length": a.cidr_prefix_length,
        "ip_access_control_list_sid": a.list_sid,
        "date_created": rfc2822(a.date_created),
        "date_updated": rfc2822(a.date_updated),
        "uri": f"{account_uri(account_sid)}/SIP/IpAccessControlLists/{a.list_sid}/IpAddresses/"
        f"{a.sid}.json",
    }


def trunk_url(trunk_sid: str) -> str:
    return f"{TRUNKING_HOST}/v1/Trunks/{trunk_sid}"


def trunk(t: Trunk, account_sid: str) -> dict[str, Any]:
    url = trunk_url(t.sid)
    auth = t.auth_type_set
    return {
        "account_sid": account_sid,
        "domain_name": t.domain_name,
        "disaster_recovery_method": t.disaster_recovery_method,
        "disaster_recovery_url": t.disaster_recovery_url,
        "friendly_name": t.friendly_name,
        "secure": t.secure,
        "recording": dict(t.recording),
        "transfer_mode": t.transfer_mode,
        "transfer_caller_id": t.transfer_caller_id,
        "cnam_lookup_enabled": t.cnam_lookup_enabled,
        "auth_type": ",".join(auth),
        "symmetric_rtp_enabled": t.symmetric_rtp_enabled,
        "auth_type_set": auth,
        "date_created": iso8601(t.date_created),
        "date_updated": iso8601(t.date_updated),
        "sid": t.sid,
        "url": url,
        "links": {
            "origination_urls": f"{url}/OriginationUrls",
            "credential_lists": f"{url}/CredentialLists",
            "ip_access_control_lists": f"{url}/IpAccessControlLists",
            "phone_numbers": f"{url}/PhoneNumbers",
            "recording": f"{url}/Recording",
        },
    }


def recording(t: Trunk) -> dict[str, Any]:
    """`/v1/Trunks/{TrunkSid}/Recording`: the settings alone, as the trunk shows them."""
    return {"mode": t.recording["mode"], "trim": t.recording["trim"]}


def origination_url(o: OriginationUrl, account_sid: str) -> dict[str, Any]:
    return {
        "account_sid": account_sid,
        "sid": o.sid,
        "trunk_sid": o.trunk_sid,
        "weight": o.weight,
        "enabled": o.enabled,
        "sip_url": o.sip_url,
        "friendly_name": o.friendly_name,
        "priority": o.priority,
        "date_created": iso8601(o.date_created),
        "date_updated": iso8601(o.date_updated),
        "url": f"{trunk_url(o.trunk_sid)}/OriginationUrls/{o.sid}",
    }


def trunk_list_link(
    link: Association, item: SipList, trunk_sid: str, account_sid: str, kind: str
) -> dict[str, Any]:
    """A trunk's CredentialLists/IpAccessControlLists entry (the link, named like the list)."""
    return {
        "account_sid": account_sid,
        "sid": item.sid,
        "trunk_sid": trunk_sid,
        "friendly_name": item.friendly_name,
        "date_created": iso8601(link.date_created),
        "date_updated": iso8601(link.date_created),
        "url": f"{trunk_url(trunk_sid)}/{kind}/{item.sid}",
    }


def trunk_phone_number(n: IncomingNumber, account_sid: str) -> dict[str, Any]:
    assert n.trunk_sid is not None
    s = n.settings
    return {
        "account_sid": account_sid,
        "address_requirements": n.address_requirements,
        "api_version": s["api_version"],
        "beta": n.beta,
        "capabilities": dict(n.capabilities),
        "date_created": iso8601(n.date_created),
        "date_updated": iso8601(n.date_updated),
        "friendly_name": n.friendly_name,
        "links": {
            "phone_number": f"{API_HOST}{account_uri(account_sid)}/IncomingPhoneNumbers/{n.sid}"
        },
        "phone_number": n.phone_number,
        "sid": n.sid,
        **_call_settings(s),
        "trunk_sid": n.trunk_sid,
        "url": f"{trunk_url(n.trunk_sid)}/PhoneNumbers/{n.sid}",
    }


def resource_url(resource_sid: str, account_sid: str) -> str:
    """The absolute URL of a resource a Monitor event names."""
    account = f"{API_HOST}{account_uri(account_sid)}"
    prefix = resource_sid[:2]
    if prefix == "PN":
        return f"{account}/IncomingPhoneNumbers/{resource_sid}.json"
    if prefix == "CL":
        return f"{account}/SIP/CredentialLists/{resource_sid}.json"
    if prefix == "AL":
        return f"{account}/SIP/IpAccessControlLists/{resource_sid}.json"
    return trunk_url(resource_sid)


def monitor_alert(a: MonitorAlert, account_sid: str) -> dict[str, Any]:
    """A Monitor v1 Alert as the list answers it (twilio_monitor_v1.json `monitor.v1.alert`;
    the request and response details are only in a fetched `alert-instance`)."""
    return {
        "account_sid": account_sid,
        "alert_text": a.alert_text,
        "api_version": None,
        "date_created": iso8601(a.date_generated),
        "date_generated": iso8601(a.date_generated),
        "date_updated": iso8601(a.date_generated),
        "error_code": a.error_code,
        "log_level": a.log_level,
        "more_info": f"https://www.twilio.com/docs/errors/{a.error_code}",
        "request_method": "POST",  # the spec allows GET or POST, never null
        "request_url": a.request_url,
        "resource_sid": a.resource_sid,
        "sid": a.sid,
        "url": f"{MONITOR_HOST}/v1/Alerts/{a.sid}",
        "service_sid": a.service_sid,
    }


def monitor_event(e: MonitorEvent, account_sid: str) -> dict[str, Any]:
    """A Monitor v1 Event (twilio_monitor_v1.json `monitor.v1.event`). Over the API the actor
    is the account (`actor_sid` AC...), in the Console a user (US...), as Twilio's page says."""
    links = {"resource": resource_url(e.resource_sid, account_sid)}
    if e.actor.actor_type == "account":
        links["actor"] = f"{API_HOST}{account_uri(e.actor.actor_sid)}"
    return {
        "account_sid": account_sid,
        "actor_sid": e.actor.actor_sid,
        "actor_type": e.actor.actor_type,
        "description": None,
        "event_data": e.event_data,
        "event_date": iso8601(e.event_date),
        "event_type": e.event_type,
        "resource_sid": e.resource_sid,
        "resource_type": e.resource_type,
        "sid": e.sid,
        "source": e.actor.source,
        "source_ip_address": e.actor.ip_address,
        "url": f"{MONITOR_HOST}/v1/Events/{e.sid}",
        "links": links,
    }
