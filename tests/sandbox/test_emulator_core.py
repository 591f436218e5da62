"""The emulator core: the HTTP pipeline, faults, rate limits and request log every vendor
emulator inherits. Driven over real HTTP with a tiny emulator so the core is tested apart
from any vendor's rules."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from sandbox.emulators.core import (
    ConcurrencyLimit,
    Emulator,
    FaultConfig,
    FaultInjector,
    Request,
    Response,
    Route,
    Router,
    SlidingWindowBudget,
    VendorError,
)


class ThingsEmulator(Emulator):
    """A minimal vendor: things with versions, basic rate limit, token auth."""

    name = "things"

    def __init__(self, faults: FaultConfig | None = None, concurrent: int = 0) -> None:
        self.things: dict[str, dict[str, Any]] = {}
        self.gate = threading.Event()
        self.concurrency = ConcurrencyLimit(concurrent)
        super().__init__(faults)

    def register_routes(self, router: Router) -> None:
        router.add("GET", "/things/{Id}", self._get)
        router.add("PUT", "/things/{Id}", self._put, versioned_write=True)
        router.add("GET", "/slow", self._slow)

    def _get(self, request: Request) -> Response:
        thing = self.things.get(request.params["Id"])
        if thing is None:
            raise VendorError(404, "no such thing", "not.found")
        return Response(200, thing)

    def _put(self, request: Request) -> Response:
        body = request.json()
        with self.lock:
            self.things[request.params["Id"]] = body
        return Response(200, body)

    def _slow(self, request: Request) -> Response:
        self.gate.wait(5)
        return Response(200, {})

    def authenticate(self, request: Request, route: Route | None) -> None:
        if request.header("authorization") != "Bearer good":
            raise VendorError(401, "bad token", "bad.credentials")
        request.principal = "client-1"

    def admit(self, request: Request, route: Route) -> Any:
        if not self.concurrency.acquire("client-1"):
            raise VendorError(429, "too many at once", "too.many", {"Retry-After": "1"})
        return lambda: self.concurrency.release("client-1")

    def error_response(self, error: VendorError, request: Request | None) -> Response:
        return Response(error.status, {"message": error.message, "code": error.code})

    def snapshot(self) -> dict[str, Any]:
        return {"things": self.things}

    def reset(self) -> None:
        self.things.clear()


@pytest.fixture
def emu() -> Iterator[ThingsEmulator]:
    with ThingsEmulator() as emulator:
        assert isinstance(emulator, ThingsEmulator)
        yield emulator


@pytest.fixture
def http() -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = "Bearer good"
    return session


def test_routes_answer_with_path_parameters_and_state(
    emu: ThingsEmulator, http: requests.Session
) -> None:
    assert http.put(f"{emu.base_url}/things/a1", json={"v": 1}).status_code == 200
    assert http.get(f"{emu.base_url}/things/a1").json() == {"v": 1}


def test_unknown_path_is_404_and_wrong_method_is_405_in_vendor_shape(
    emu: ThingsEmulator, http: requests.Session
) -> None:
    missing = http.get(f"{emu.base_url}/nothing/here")
    assert missing.status_code == 404 and "message" in missing.json()
    wrong = http.delete(f"{emu.base_url}/things/a1")
    assert wrong.status_code == 405 and "message" in wrong.json()


@pytest.mark.parametrize("method", ["TRACE", "OPTIONS", "CONNECT", "BREW"])
def test_a_method_no_route_serves_goes_through_the_pipeline_not_http_servers_501(
    emu: ThingsEmulator, http: requests.Session, method: str
) -> None:
    known = http.request(method, f"{emu.base_url}/things/a1")
    assert known.status_code == 405 and known.json()["message"], known.text
    unknown = http.request(method, f"{emu.base_url}/nothing/here")
    assert unknown.status_code == 404 and unknown.json()["message"]
    anonymous = requests.request(method, f"{emu.base_url}/things/a1", timeout=5)
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "bad.credentials"
    admin = requests.request(method, f"{emu.base_url}/__admin/requests", timeout=5)
    assert admin.status_code == 405 and admin.json() == {"error": "unknown admin route"}
    assert [(e.endpoint, e.status) for e in emu.log.entries()] == [
        (f"{method} <unmatched>", 405),
        (f"{method} <unmatched>", 404),
        (f"{method} <unmatched>", 401),
    ]


def test_malformed_json_is_a_400_not_a_crash(emu: ThingsEmulator, http: requests.Session) -> None:
    answer = http.put(f"{emu.base_url}/things/a1", data=b"{not json")
    assert answer.status_code == 400
    assert answer.json()["message"]


def test_bad_credentials_are_401(emu: ThingsEmulator) -> None:
    answer = requests.get(f"{emu.base_url}/things/a1", headers={"Authorization": "Bearer bad"})
    assert answer.status_code == 401
    assert answer.json()["code"] == "bad.credentials"


def test_request_log_names_endpoint_templates_status_and_principal(
    emu: ThingsEmulator, http: requests.Session
) -> None:
    http.put(f"{emu.base_url}/things/a1", json={})
    http.get(f"{emu.base_url}/things/a1?expand=all")
    http.get(f"{emu.base_url}/things/zz")
    counts = emu.log.count_by_endpoint()
    assert counts == {"PUT /things/{Id}": 1, "GET /things/{Id}": 2}
    statuses = [(e.path, e.status, e.principal) for e in emu.log.entries()]
    assert statuses == [
        ("/things/a1", 200, "client-1"),
        ("/things/a1", 200, "client-1"),
        ("/things/zz", 404, "client-1"),
    ]
    assert emu.log.entries()[1].query == "expand=all"
    assert [e.method for e in emu.log.writes()] == ["PUT"]


def test_admin_api_reads_and_clears_the_log_without_logging_itself(
    emu: ThingsEmulator, http: requests.Session
) -> None:
    http.get(f"{emu.base_url}/things/a1")
    listing = requests.get(f"{emu.base_url}/__admin/requests").json()
    assert listing["total"] == 1 and listing["by_endpoint"] == {"GET /things/{Id}": 1}
    assert requests.delete(f"{emu.base_url}/__admin/requests").status_code == 204
    assert emu.log.entries() == []


def test_admin_api_sets_faults_and_rejects_invalid_ones(
    emu: ThingsEmulator, http: requests.Session
) -> None:
    ok = requests.put(f"{emu.base_url}/__admin/faults", json={"burst_429": 2, "retry_after_s": 7})
    assert ok.status_code == 200
    first = http.get(f"{emu.base_url}/things/a1")
    assert first.status_code == 429 and first.headers["Retry-After"] == "7"
    assert http.get(f"{emu.base_url}/things/a1").status_code == 429
    assert http.get(f"{emu.base_url}/things/a1").status_code == 404  # burst used up
    bad = requests.put(
        f"{emu.base_url}/__admin/faults", json={"throttle_rate": 0.8, "reset_rate": 0.5}
    )
    assert bad.status_code == 400 and "more than 1" in bad.json()["error"]


def test_admin_reset_restores_seed_state(emu: ThingsEmulator, http: requests.Session) -> None:
    http.put(f"{emu.base_url}/things/a1", json={})
    assert requests.post(f"{emu.base_url}/__admin/reset").status_code == 204
    assert requests.get(f"{emu.base_url}/__admin/state").json() == {"things": {}}


def test_injected_faults_are_logged_as_such(emu: ThingsEmulator, http: requests.Session) -> None:
    emu.faults.configure(FaultConfig(server_error_rate=1.0, server_error_statuses=[503]))
    assert http.get(f"{emu.base_url}/things/a1").status_code == 503
    assert [e.fault for e in emu.log.entries()] == ["server_error"]


def test_connection_reset_reaches_the_client_as_a_connection_error(
    emu: ThingsEmulator, http: requests.Session
) -> None:
    emu.faults.configure(FaultConfig(reset_rate=1.0))
    with pytest.raises(requests.ConnectionError):
        http.get(f"{emu.base_url}/things/a1")
    assert emu.log.entries()[0].status == 0 and emu.log.entries()[0].fault == "reset"


def test_timeout_fault_holds_the_connection_past_the_client_timeout(
    emu: ThingsEmulator, http: requests.Session
) -> None:
    emu.faults.configure(FaultConfig(timeout_rate=1.0, timeout_hold_s=1.0))
    with pytest.raises(requests.exceptions.ReadTimeout):
        http.get(f"{emu.base_url}/things/a1", timeout=0.2)


def test_conflicts_are_injected_only_on_versioned_writes(
    emu: ThingsEmulator, http: requests.Session
) -> None:
    emu.faults.configure(FaultConfig(conflict_rate=1.0))
    assert http.put(f"{emu.base_url}/things/a1", json={}).status_code == 409
    assert http.get(f"{emu.base_url}/things/a1").status_code == 404  # the write did not happen
    assert emu.things == {}


def test_faults_can_be_scoped_to_a_path_and_method(
    emu: ThingsEmulator, http: requests.Session
) -> None:
    emu.faults.configure(
        FaultConfig(throttle_rate=1.0, path_pattern=r"^/things/b", methods=["GET"])
    )
    http.put(f"{emu.base_url}/things/b1", json={})
    assert http.get(f"{emu.base_url}/things/b1").status_code == 429
    assert http.put(f"{emu.base_url}/things/b1", json={}).status_code == 200
    http.put(f"{emu.base_url}/things/a1", json={})
    assert http.get(f"{emu.base_url}/things/a1").status_code == 200


def test_faults_applied_restores_the_previous_config(
    emu: ThingsEmulator, http: requests.Session
) -> None:
    with emu.faults_applied(FaultConfig(throttle_rate=1.0)):
        assert http.get(f"{emu.base_url}/things/a1").status_code == 429
    assert http.get(f"{emu.base_url}/things/a1").status_code == 404


def test_concurrency_limit_rejects_requests_beyond_the_cap() -> None:
    with ThingsEmulator(concurrent=1) as emulator:
        assert isinstance(emulator, ThingsEmulator)
        http = requests.Session()
        http.headers["Authorization"] = "Bearer good"
        slow = threading.Thread(target=http.get, args=(f"{emulator.base_url}/slow",))
        slow.start()
        try:
            for _ in range(50):  # wait until the slow request holds the only slot
                if emulator.concurrency._in_flight.get("client-1"):
                    break
                threading.Event().wait(0.02)
            second = requests.get(
                f"{emulator.base_url}/things/a1", headers={"Authorization": "Bearer good"}
            )
            assert second.status_code == 429
        finally:
            emulator.gate.set()
            slow.join()
        assert http.get(f"{emulator.base_url}/things/a1").status_code == 404  # slot released


def test_seeded_fault_sequences_repeat_exactly() -> None:
    def sequence() -> list[str | None]:
        injector = FaultInjector(FaultConfig(throttle_rate=0.2, server_error_rate=0.2, seed=42))
        decisions = [injector.decide("GET", "/x", versioned_write=False) for _ in range(200)]
        return [d.kind.value if d.kind else None for d in decisions]

    first = sequence()
    assert first == sequence()
    failures = sum(kind is not None for kind in first)
    assert 40 <= failures <= 120  # about 40% of 200


def test_sliding_window_budget_answers_seconds_until_a_slot_frees() -> None:
    budget = SlidingWindowBudget(limit=3, window_s=60)
    assert [budget.take("a", now=t) for t in (0.0, 1.0, 2.0)] == [None, None, None]
    assert budget.take("a", now=10.0) == 50
    assert budget.take("b", now=10.0) is None  # budgets are per client
    assert budget.take("a", now=60.5) is None  # the first request left the window


def test_fault_rates_adding_up_past_one_are_rejected() -> None:
    with pytest.raises(ValueError, match="more than 1"):
        FaultConfig(throttle_rate=0.6, timeout_rate=0.6)
