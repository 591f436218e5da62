"""The local Functions host runs any `func.FunctionApp` from its metadata: settings resolve
`%NAME%`, a missing one stops it naming the function; queue triggers get the broker's
semantics (order within a session, retries then dead-letter, scheduled enqueue time)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import azure.functions as func
import pytest
import requests

from sandbox.azure.functions_host import LocalHost
from sandbox.azure.functions_host.index import IndexingError, index_app, route_pattern
from sandbox.azure.servicebus import Broker, OutgoingMessage
from tests.support.wait import wait_until

SETTINGS = {"QUEUE": "work", "Bus": "Endpoint=sb://127.0.0.1:1;UseDevelopmentEmulator=true;"}


class Recorder:
    def __init__(self) -> None:
        self.seen: list[tuple[str, int]] = []
        self.properties: list[dict[str, object]] = []
        self.lock = threading.Lock()
        self.holding = threading.Event()  # a message "hold" is running...
        self.release = threading.Event()  # ...until this is set

    def add(self, body: str, delivery: int) -> None:
        with self.lock:
            self.seen.append((body, delivery))


def build_app(recorder: Recorder) -> func.FunctionApp:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)

    @app.route(route="things/{name}", methods=["GET"])
    def thing(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse(f"thing {req.route_params['name']}")

    @app.service_bus_queue_trigger(
        arg_name="msg", queue_name="%QUEUE%", connection="Bus", is_sessions_enabled=True
    )
    def work(msg: func.ServiceBusMessage) -> None:
        body = msg.get_body().decode()
        if body == "hold":
            recorder.holding.set()
            recorder.release.wait(10)
        recorder.add(body, msg.delivery_count or 0)
        recorder.properties.append(dict(msg.application_properties))
        if body.startswith("fail"):
            raise RuntimeError(f"cannot do {body}")
        time.sleep(0.01)

    return app


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def host(recorder: Recorder) -> Iterator[LocalHost]:
    broker = Broker()
    with LocalHost(
        build_app(recorder), broker=broker, settings=SETTINGS, max_delivery_count=2
    ) as host:
        yield host
    broker.close()


def send(host: LocalHost, body: str, session: str, due: datetime | None = None) -> None:
    host.broker.send(
        "work",
        OutgoingMessage(
            body=body.encode(), message_id=body, session_id=session, scheduled_enqueue_time_utc=due
        ),
    )


def test_http_routes_need_the_function_key(host: LocalHost) -> None:
    url = f"{host.base_url}/api/things/a%20b"
    assert requests.get(url, timeout=10).status_code == 401
    answer = requests.get(url, headers={"x-functions-key": host.function_key}, timeout=10)
    assert answer.status_code == 200 and answer.text == "thing a b"
    assert requests.get(f"{url}?code={host.function_key}", timeout=10).status_code == 200
    assert requests.get(f"{host.base_url}/api/nothing", timeout=10).status_code == 404


@pytest.mark.parametrize("method", ["POST", "DELETE", "TRACE", "OPTIONS", "BREW"])
def test_a_method_no_function_declares_is_a_404_like_an_unknown_route(
    host: LocalHost, method: str
) -> None:
    """The Functions host routes on path and method together: a GET-only function answers
    another method with the 404 of an unknown route (not a 405), and http.server's own
    HTML 501 for methods it has no handler for never shows."""
    key = {"x-functions-key": host.function_key}
    answer = requests.request(method, f"{host.base_url}/api/things/a", headers=key, timeout=10)
    assert answer.status_code == 404
    assert answer.headers["Content-Type"].startswith("text/plain")
    assert answer.text == f"no function serves {method} /api/things/a"
    assert not host.invocations


def test_head_is_answered_without_a_body(host: LocalHost) -> None:
    answer = requests.head(f"{host.base_url}/api/things/a", timeout=10)
    assert answer.status_code == 404 and answer.content == b""
    assert int(answer.headers["Content-Length"]) > 0  # the length a GET's body would have


def test_messages_of_one_session_run_in_order(host: LocalHost, recorder: Recorder) -> None:
    for n in range(5):
        send(host, f"a{n}", "A")
        send(host, f"b{n}", "B")
    assert host.drain(30)
    for session in "ab":
        mine = [body for body, _ in recorder.seen if body.startswith(session)]
        assert mine == [f"{session}{n}" for n in range(5)]


def test_a_message_reaches_the_function_with_its_application_properties(
    host: LocalHost, recorder: Recorder
) -> None:
    """What carries the sender's trace to the worker (`traceparent`, docs/telemetry.md)."""
    traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    properties = {"traceparent": traceparent, "schema_version": 1}
    host.broker.send(
        "work",
        OutgoingMessage(
            body=b"traced", message_id="t", session_id="T", application_properties=properties
        ),
    )
    assert host.drain(30)
    assert recorder.properties == [properties]


def test_the_host_never_exports_to_application_insights(
    recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever the shell names, the functions run without a connection string to export
    to; it is back once the host stops."""
    monkeypatch.setenv("APPLICATIONINSIGHTS_CONNECTION_STRING", "InstrumentationKey=x")
    broker = Broker()
    with LocalHost(build_app(recorder), broker=broker, settings=SETTINGS):
        assert "APPLICATIONINSIGHTS_CONNECTION_STRING" not in os.environ
    broker.close()
    assert os.environ["APPLICATIONINSIGHTS_CONNECTION_STRING"] == "InstrumentationKey=x"


def test_a_failing_message_is_retried_then_dead_lettered(
    host: LocalHost, recorder: Recorder
) -> None:
    send(host, "fail-1", "F")
    assert host.drain(30)
    assert recorder.seen == [("fail-1", 1), ("fail-1", 2)]
    (dead,) = host.broker.dead_letters("work")
    assert dead.dead_letter_reason == "MaxDeliveryCountExceeded"
    assert "RuntimeError: cannot do fail-1" in (dead.dead_letter_error_description or "")


def test_shutdown_finishes_the_running_message_and_starts_no_new_one(
    host: LocalHost, recorder: Recorder
) -> None:
    send(host, "hold", "H")
    wait_until(recorder.holding.is_set, timeout=10, what="the held message to start")
    send(host, "after-hold", "H")  # same session: deliverable once "hold" is settled
    assert not host.finish_in_flight(0.2)  # "hold" still running
    recorder.release.set()
    assert host.finish_in_flight(10)
    assert recorder.seen == [("hold", 1)]
    (waiting,) = host.broker.active_messages("work")  # left for the next host
    assert (waiting.message_id, waiting.delivery_count, waiting.lock_token) == (
        "after-hold",
        0,
        None,
    )


def test_a_drain_gives_up_once_the_queue_stops_moving(host: LocalHost, recorder: Recorder) -> None:
    """A drain is bounded by a stall, not by how long the backlog takes on this machine."""
    send(host, "hold", "H")
    wait_until(recorder.holding.is_set, timeout=10, what="the held message to start")
    assert not host.drain(0.3)  # nothing started, finished or settled meanwhile
    recorder.release.set()
    assert host.drain(10)
    assert recorder.seen == [("hold", 1)]


def test_a_scheduled_message_runs_at_its_time(host: LocalHost, recorder: Recorder) -> None:
    due = datetime.now(UTC) + timedelta(seconds=2)
    send(host, "later", "S", due)
    assert host.drain(5)
    assert recorder.seen == []  # not yet visible, so the host is idle
    wait_until(lambda: recorder.seen, timeout=10, what="the scheduled message to run")
    assert host.drain(10)
    assert recorder.seen == [("later", 1)]


def test_a_missing_setting_stops_indexing_with_the_function_and_setting_named() -> None:
    app = build_app(Recorder())
    with pytest.raises(IndexingError, match="function work: app setting QUEUE is not set"):
        index_app(app, {"Bus": "x"})
    with pytest.raises(IndexingError, match="connection Bus is not set"):
        index_app(app, {"QUEUE": "work"})


def test_route_templates_become_patterns_with_named_parameters() -> None:
    pattern = route_pattern("numbers/{e164}")
    found = pattern.match("numbers/+12025550100")
    assert found is not None and found["e164"] == "+12025550100"
    assert pattern.match("numbers/a/b") is None
    assert route_pattern("items/{id:int?}").match("items/7") is not None
