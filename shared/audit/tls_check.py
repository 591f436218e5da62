"""The commonest BYOC TLS trap, checked the way Genesys will: a TLS handshake that must
verify against the Mozilla root store (`certifi`) with only what the server presents.

Genesys does not fetch missing intermediates (neither does OpenSSL), so a server that sends
only its leaf fails for Genesys even where a browser would repair the chain; OpenSSL's
verify code tells the cases apart and each gets its own reason.
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime

import certifi
from cryptography import x509

# OpenSSL X509_V_ERR_* codes that name a distinct operator problem.
NOT_YET_VALID, EXPIRED = 9, 10
SELF_SIGNED, SELF_SIGNED_IN_CHAIN = 18, 19
ISSUER_NOT_FOUND, LEAF_SIGNATURE_UNVERIFIABLE = 20, 21
HOSTNAME_MISMATCH = 62


@dataclass(frozen=True)
class TlsEndpoint:
    host: str
    port: int
    source: str  # where it comes from, e.g. "TG-BYOC member BYOC-Primary-Twilio probe"

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class TlsVerdict:
    endpoint: TlsEndpoint
    problem: str | None  # None: chain complete, trusted, hostname matches, not expiring soon
    reachable: bool = True

    @property
    def ok(self) -> bool:
        return self.problem is None


def _presented_chain(endpoint: TlsEndpoint, timeout_s: float) -> list[x509.Certificate]:
    """The certificates the server sends, in its order, without verifying them.

    Python 3.13 has `SSLSocket.get_unverified_chain()`; on 3.11 the same method exists on
    the underlying `_ssl` object only, so it is reached there (and the leaf alone is used
    if it ever goes away).
    """
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with (
            socket.create_connection((endpoint.host, endpoint.port), timeout_s) as raw,
            context.wrap_socket(raw, server_hostname=endpoint.host) as tls,
        ):
            reader = getattr(tls, "get_unverified_chain", None) or getattr(
                getattr(tls, "_sslobj", None), "get_unverified_chain", None
            )
            if reader is not None:
                ders = [c.public_bytes(ssl._ssl.ENCODING_DER) for c in reader() or ()]  # type: ignore[attr-defined]
            else:  # pragma: no cover - depends on the interpreter
                leaf = tls.getpeercert(binary_form=True)
                ders = [leaf] if leaf else []
    except (OSError, ssl.SSLError):
        return []
    return [x509.load_der_x509_certificate(der) for der in ders]


def _explain(error: ssl.SSLCertVerificationError, endpoint: TlsEndpoint, timeout_s: float) -> str:
    code = error.verify_code
    chain = _presented_chain(endpoint, timeout_s)
    leaf = chain[0] if chain else None
    subject = leaf.subject.rfc4514_string() if leaf else "the server's certificate"
    if code == SELF_SIGNED:
        return f"self-signed certificate ({subject}): not trusted by the Mozilla root store"
    if code == SELF_SIGNED_IN_CHAIN:
        return "the chain presented ends in a root that is not in the Mozilla root store"
    if code in (ISSUER_NOT_FOUND, LEAF_SIGNATURE_UNVERIFIABLE):
        if leaf is not None and not any(c.subject == leaf.issuer for c in chain[1:]):
            return (
                f"incomplete chain: the server presents {subject} without the intermediate "
                f"that issued it ({leaf.issuer.rfc4514_string()})"
            )
        top = chain[-1].issuer.rfc4514_string() if chain else "an unknown CA"
        return f"the chain presented is issued by {top}, which is not in the trust store"
    if code == EXPIRED:
        when = f" on {leaf.not_valid_after_utc:%Y-%m-%d}" if leaf else ""
        return f"certificate expired{when} ({subject})"
    if code == NOT_YET_VALID:
        return f"certificate not valid yet ({subject})"
    if code == HOSTNAME_MISMATCH:
        return f"certificate ({subject}) does not name {endpoint.host}"
    return f"certificate rejected: {error.verify_message}"


def check_tls_endpoint(
    endpoint: TlsEndpoint,
    *,
    ca_bundle: str | None = None,
    expiry_days: int = 30,
    timeout_s: float = 5.0,
    now: datetime | None = None,
) -> TlsVerdict:
    """Handshake with full verification against `ca_bundle` (default: certifi's Mozilla
    store); a certificate expiring within `expiry_days` is a problem too."""
    context = ssl.create_default_context(cafile=ca_bundle or certifi.where())
    try:
        with (
            socket.create_connection((endpoint.host, endpoint.port), timeout_s) as raw,
            context.wrap_socket(raw, server_hostname=endpoint.host) as tls,
        ):
            der = tls.getpeercert(binary_form=True)
    except ssl.SSLCertVerificationError as error:
        return TlsVerdict(endpoint, _explain(error, endpoint, timeout_s))
    except ssl.SSLError as error:
        return TlsVerdict(endpoint, f"TLS handshake failed: {error.reason or error}")
    except OSError as error:
        reason = error.strerror or str(error) or type(error).__name__
        return TlsVerdict(endpoint, f"cannot connect: {reason}", reachable=False)
    if not der:  # pragma: no cover - a verified handshake always has a peer certificate
        return TlsVerdict(endpoint, "no certificate presented")
    leaf = x509.load_der_x509_certificate(der)
    not_after = leaf.not_valid_after_utc
    left = not_after - (now or datetime.now(UTC))
    if left.days < expiry_days:
        return TlsVerdict(
            endpoint,
            f"certificate expires in {max(left.days, 0)} day(s), on {not_after:%Y-%m-%d} "
            f"(less than {expiry_days})",
        )
    return TlsVerdict(endpoint, None)
