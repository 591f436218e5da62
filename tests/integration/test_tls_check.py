"""The TLS chain rule against real local TLS servers presenting minted chains."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from shared.audit.tls_check import TlsEndpoint, check_tls_endpoint
from tests.support.sip_tls import TlsSipServer
from tests.support.tls import Issued, issue, write_chain


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Issued]:
    root = issue("byoc-sync test root CA", ca=True)
    intermediate = issue("byoc-sync test intermediate CA", issuer=root, ca=True)
    return {"root": root, "intermediate": intermediate}


@pytest.fixture
def bundle(pki: dict[str, Issued], tmp_path: Path) -> str:
    path = tmp_path / "ca.pem"
    path.write_bytes(pki["root"].pem())
    return str(path)


def serve(tmp_path: Path, leaf: Issued, *chain: Issued) -> TlsSipServer:
    cert, key = write_chain(tmp_path, leaf, *chain)
    return TlsSipServer(cert, key)


def check(server: TlsSipServer, bundle: str | None, expiry_days: int = 30) -> str | None:
    endpoint = TlsEndpoint("localhost", server.port, "test")
    verdict = check_tls_endpoint(endpoint, ca_bundle=bundle, expiry_days=expiry_days, timeout_s=2)
    return verdict.problem


@pytest.fixture
def leaf(pki: dict[str, Issued]) -> Issued:
    return issue("localhost", issuer=pki["intermediate"], hosts=("localhost", "127.0.0.1"))


def test_a_full_chain_from_a_trusted_ca_passes(
    tmp_path: Path, pki: dict[str, Issued], leaf: Issued, bundle: str
) -> None:
    with serve(tmp_path, leaf, pki["intermediate"]) as server:
        assert check(server, bundle) is None


def test_a_self_signed_certificate_fails(tmp_path: Path, bundle: str) -> None:
    alone = issue("localhost", hosts=("localhost",))
    with serve(tmp_path, alone) as server:
        problem = check(server, bundle)
    assert problem is not None and problem.startswith("self-signed certificate (CN=localhost)")


def test_a_missing_intermediate_fails_with_that_reason(
    tmp_path: Path, leaf: Issued, bundle: str
) -> None:
    with serve(tmp_path, leaf) as server:  # the leaf alone, no intermediate
        problem = check(server, bundle)
    assert problem == (
        "incomplete chain: the server presents CN=localhost without the intermediate that "
        "issued it (CN=byoc-sync test intermediate CA)"
    )


def test_an_expired_certificate_fails(tmp_path: Path, pki: dict[str, Issued], bundle: str) -> None:
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
    old = issue(
        "localhost",
        issuer=pki["intermediate"],
        hosts=("localhost",),
        not_before=past,
        not_after=past + dt.timedelta(days=365),
    )
    with serve(tmp_path, old, pki["intermediate"]) as server:
        problem = check(server, bundle)
    assert problem is not None and problem.startswith("certificate expired on ")


def test_a_certificate_expiring_soon_is_a_finding(
    tmp_path: Path, pki: dict[str, Issued], bundle: str
) -> None:
    soon = issue(
        "localhost",
        issuer=pki["intermediate"],
        hosts=("localhost",),
        not_after=dt.datetime.now(dt.UTC) + dt.timedelta(days=10),
    )
    with serve(tmp_path, soon, pki["intermediate"]) as server:
        problem = check(server, bundle, expiry_days=30)
        assert check(server, bundle, expiry_days=5) is None
    assert problem is not None and "expires in 9 day(s)" in problem


def test_a_chain_the_trust_store_does_not_know_fails(
    tmp_path: Path, pki: dict[str, Issued], leaf: Issued
) -> None:
    # The default store (certifi, Mozilla) does not hold the test root.
    with serve(tmp_path, leaf, pki["intermediate"]) as server:
        problem = check(server, None)
    assert problem == (
        "the chain presented is issued by CN=byoc-sync test root CA, which is not in the "
        "trust store"
    )


def test_a_certificate_for_another_host_fails(
    tmp_path: Path, pki: dict[str, Issued], bundle: str
) -> None:
    other = issue("sbc.example.com", issuer=pki["intermediate"], hosts=("sbc.example.com",))
    with serve(tmp_path, other, pki["intermediate"]) as server:
        problem = check(server, bundle)
    assert problem == "certificate (CN=sbc.example.com) does not name localhost"


def test_nothing_listening_is_unreachable_not_a_chain_verdict() -> None:
    verdict = check_tls_endpoint(TlsEndpoint("127.0.0.1", 1, "test"), timeout_s=1)
    assert not verdict.reachable and verdict.problem is not None
    assert verdict.problem.startswith("cannot connect")
