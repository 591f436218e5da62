"""Trunk base `properties` in Genesys' own shape.

Genesys keeps each setting of a trunk base as `{key: {"type": ..., "value": {"default": ...,
"instance": ...}}}`: the metabase supplies the default, the org's choice is the instance.
Seeds write plain values; the API takes and returns the nested shape only.
"""

from __future__ import annotations

from typing import Any

# Keys the emulator itself reads (the BYOC provisioning guide's names).
SERVER_PROXY_LIST = "trunk_transport_serverProxyList"
TRUNK_ENABLED = "trunk_enabled"
PASSWORD = "trunk_sip_authentication_credentials_password"
DEFAULT_PROXY = "byoc.sandbox.invalid"
# Settings Genesys keeps but never answers: a read gives them with an empty instance (the
# less convenient case: no source says Genesys reads the digest password back).
WRITE_ONLY = (PASSWORD,)


def _type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, list):
        return "array"
    return "string"


def wrap(values: dict[str, Any]) -> dict[str, Any]:
    """Plain `key: value` pairs as Genesys stores them."""
    return {
        key: {"type": _type_of(value), "value": {"default": None, "instance": value}}
        for key, value in values.items()
    }


def as_answered(properties: dict[str, Any]) -> dict[str, Any]:
    """The properties as an answer gives them: a write-only setting's instance is empty,
    while the stored value is kept (a PUT sending the empty value back stores it)."""
    answered = dict(properties)
    for key in WRITE_ONLY:
        entry = answered.get(key)
        if isinstance(entry, dict) and isinstance(entry.get("value"), dict):
            answered[key] = {**entry, "value": {**entry["value"], "instance": ""}}
    return answered


def malformed(properties: dict[str, Any]) -> list[str]:
    """Keys whose entry is not `{"value": {...}}`: Genesys refuses a flat property."""
    return [
        key
        for key, entry in properties.items()
        if not (isinstance(entry, dict) and isinstance(entry.get("value"), dict))
    ]


def value_of(properties: dict[str, Any], key: str) -> Any:
    """The instance value of `key`, else its default; None when the key is absent."""
    entry = properties.get(key)
    if not isinstance(entry, dict) or not isinstance(entry.get("value"), dict):
        return None
    value = entry["value"]
    return value.get("instance", value.get("default"))


def proxies(properties: dict[str, Any]) -> list[str]:
    """The SIP servers the trunk sends to (what its OPTIONS pings and registrations target)."""
    found = value_of(properties, SERVER_PROXY_LIST)
    if isinstance(found, str):
        found = [found]
    return [str(p) for p in found or () if p] or [DEFAULT_PROXY]


def enabled(properties: dict[str, Any]) -> bool:
    """`trunk_enabled`: the trunk instances' `inService` follows it; absent means enabled."""
    return value_of(properties, TRUNK_ENABLED) is not False
