"""Low-cardinality names for vendor calls: the operation or endpoint, with its ids taken out.

A span name is what a trace view groups by, and an attribute value may be read by anyone
with access to Application Insights, so neither holds the parts of a call that vary or
identify: numbers, SIDs, Genesys ids, quoted object names, page numbers — nor a query string
(Twilio's list filters, page tokens) or the credentials a URL may carry. `POST
/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json` names the call; the full URL never
leaves the process.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

ID = "{id}"
SID = "{sid}"
NUMBER = "{number}"
NAME = "{name}"

# Twilio SIDs: two capital letters and 32 hex digits (AC…, PN…, TK…, OU…, CL…).
_TWILIO_SID = re.compile(r"\b[A-Z]{2}[0-9a-fA-F]{32}\b")
_UUID = re.compile(
    r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
)
_E164 = re.compile(r"\+\d{4,15}\b")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_PAGE = re.compile(r"\(page \d+\)")
_DIGITS = re.compile(r"\b\d{4,}\b")

# One path segment that is an identifier, whatever follows it (Twilio's `.json`).
_SEGMENT_ID = re.compile(
    r"^(?:[A-Z]{2}[0-9a-fA-F]{32}"
    r"|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|\+?\d{4,15})(?P<suffix>\.json)?$"
)


def operation_template(operation: str) -> str:
    """`purchase +12025550100` -> `purchase {number}`; `list DID pools (page 3)` ->
    `list DID pools (page {n})`; quoted names, SIDs and ids alike."""
    text = _QUOTED.sub(NAME, operation)
    text = _TWILIO_SID.sub(SID, text)
    text = _UUID.sub(ID, text)
    text = _E164.sub(NUMBER, text)
    text = _PAGE.sub("(page {n})", text)
    return _DIGITS.sub(ID, text)


def _segment(segment: str) -> str:
    found = _SEGMENT_ID.match(unquote(segment))
    if found is None:
        return segment
    head = SID if _TWILIO_SID.match(unquote(segment)) else ID
    return head + (found.group("suffix") or "")


@dataclass(frozen=True)
class Endpoint:
    """What a client span may say about the URL it called."""

    scheme: str
    host: str
    port: int | None
    path_template: str


def endpoint(url: str) -> Endpoint:
    """The URL's scheme, host and port, and its path with the identifiers templated; the
    query, fragment and any user:password are dropped."""
    parts = urlsplit(url)
    path = "/".join(_segment(s) for s in (parts.path or "/").split("/"))
    try:
        port = parts.port
    except ValueError:  # a port that is not a number: say nothing about it
        port = None
    return Endpoint(parts.scheme, parts.hostname or "", port, path or "/")
