"""The local Functions host: HTTP triggers on a port, timers on schedule, the queue trigger fed
from the sandbox Service Bus broker.

Settings are applied to the process environment while the host runs (Core Tools does the
same with `local.settings.json`), so the function code reads them exactly as in Azure.
The Application Insights connection string is taken out of it meanwhile: whatever the shell
holds, the sandbox never exports telemetry to Azure (`BYOC_TELEMETRY_CONSOLE` prints it).

Service Bus messages reach the worker function with their application properties, the
`traceparent` that continues the sender's trace included, as the Functions host hands them
over (`func.ServiceBusMessage.application_properties`).
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

import azure.functions as func
from azure.functions.servicebus import ServiceBusMessage as ServiceBusTriggerMessage
from azure.functions.timer import TimerRequest

from sandbox.azure.functions_host.index import (
    AppIndex,
    HttpFunction,
    QueueFunction,
    TimerFunction,
    index_app,
)
from sandbox.lifecycle import Service

if TYPE_CHECKING:
    from sandbox.azure.servicebus import Broker, BrokerMessage

log = logging.getLogger("byoc_sync.localhost")
FUNCTION_KEY_HEADER = "x-functions-key"
_KEY_IN_QUERY = re.compile(r"([?&]code=)[^&#\s]*", re.IGNORECASE)
MAX_BODY_BYTES = 100 * 1024 * 1024  # the Functions host's own request limit
HOST_JSON = Path(__file__).resolve().parents[3] / "host.json"
# Removed from the environment while the host runs: the sandbox never exports to Azure.
NOT_IN_THE_SANDBOX = ("APPLICATIONINSIGHTS_CONNECTION_STRING",)


@dataclass(frozen=True)
class Invocation:
    """One function run, as the host saw it (the local stand-in for App Insights requests)."""

    function: str
    trigger: str  # http | timer | servicebus
    started_at: datetime
    duration_s: float
    ok: bool
    detail: str
    error: str | None = None


def _host_json(path: Path | None) -> dict[str, Any]:
    if path is None or not path.exists():
        return {}
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


class LocalHost(Service):
    def __init__(
        self,
        app: func.FunctionApp,
        *,
        broker: Broker,
        settings: Mapping[str, str],
        host: str = "127.0.0.1",
        port: int = 0,
        function_key: str | None = None,
        host_json: Path | None = HOST_JSON,
        max_delivery_count: int = 10,
        run_timers: bool = True,
    ) -> None:
        self.settings = dict(settings)
        self.index: AppIndex = index_app(app, self.settings)
        self.broker = broker
        self.function_key = function_key or secrets.token_urlsafe(24)
        config = _host_json(host_json).get("extensions", {})
        self.route_prefix = str(config.get("http", {}).get("routePrefix", "api")).strip("/")
        self.max_concurrent_sessions = int(
            config.get("serviceBus", {}).get("maxConcurrentSessions", 8)
        )
        self.max_delivery_count = max_delivery_count
        self.run_timers = run_timers
        self._bind = (host, port)
        self._server: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []
        self._workers: list[threading.Thread] = []  # the queue and timer threads
        self._stop = threading.Event()
        self._saved_env: dict[str, str | None] = {}
        self._lock = threading.Lock()
        self._in_flight = 0
        self.invocations: list[Invocation] = []

    # --- lifecycle -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        assert self._server is not None, "host not started"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> LocalHost:
        for name, value in self.settings.items():
            self._saved_env[name] = os.environ.get(name)
            os.environ[name] = value
        for name in NOT_IN_THE_SANDBOX:
            self._saved_env[name] = os.environ.pop(name, None)
        for queue in self.index.queues:
            self.broker.create_queue(
                queue.queue,
                requires_session=queue.sessions,
                max_delivery_count=self.max_delivery_count,
            )
        self._server = ThreadingHTTPServer(self._bind, _handler_for(self))
        self._server.daemon_threads = True
        self._spawn("http", self._server.serve_forever)
        for queue in self.index.queues:
            workers = self.max_concurrent_sessions if queue.sessions else 1
            for n in range(workers):
                self._workers.append(
                    self._spawn(f"sb-{queue.name}-{n}", partial(self._deliver_loop, queue))
                )
        if self.run_timers:
            for timer in self.index.timers:
                self._workers.append(
                    self._spawn(f"timer-{timer.name}", partial(self._timer_loop, timer))
                )
        log.info("local host on %s: %d function(s)", self.base_url, self.function_count)
        return self

    @property
    def function_count(self) -> int:
        return len(self.index.http) + len(self.index.timers) + len(self.index.queues)

    def finish_in_flight(self, timeout_s: float = 60.0) -> bool:
        """Shut down as the Functions host does: start no new invocation (no message is
        received, no timer fires) and wait up to `timeout_s` for the queue and timer
        invocations running now to finish and settle their messages. True if they all did;
        a message still running is redelivered once its lock expires. `stop` closes the rest.

        Unlike `drain`, messages still waiting in the queue stay there for the next host."""
        self._stop.set()
        deadline = time.monotonic() + timeout_s
        for thread in self._workers:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        return not any(thread.is_alive() for thread in self._workers)

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=30)
        self._threads.clear()
        self._workers.clear()
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_env.clear()

    def _spawn(self, name: str, target: Callable[[], None]) -> threading.Thread:
        thread = threading.Thread(target=target, name=f"localhost-{name}", daemon=True)
        thread.start()
        self._threads.append(thread)
        return thread

    # --- observation (tests, demo) ---------------------------------------------------------

    def _record(self, invocation: Invocation) -> None:
        with self._lock:
            self.invocations.append(invocation)

    def idle(self) -> bool:
        """No message waiting or running on any queue the host serves."""
        with self._lock:
            busy = self._in_flight
        return busy == 0 and all(
            not self.broker.active_messages(q.queue) for q in self.index.queues
        )

    def drain(self, stall_s: float = 60.0, *, ceiling_s: float = 1800.0) -> bool:
        """Wait until every queued command has been handled (or dead-lettered), taking new
        messages meanwhile (tests, demo); `finish_in_flight` is the shutdown.

        False once the queues have made no progress for `stall_s` seconds (no invocation
        started or finished, no message added or settled), or after `ceiling_s` in all. How
        long a backlog takes depends on the machine; a queue that stops moving does not."""
        started = last_progress = time.monotonic()
        seen = self._progress()
        while not self.idle():
            now = time.monotonic()
            if now - last_progress > stall_s or now - started > ceiling_s:
                return False
            time.sleep(0.05)
            progress = self._progress()
            if progress != seen:
                seen, last_progress = progress, time.monotonic()
        return True

    def _progress(self) -> tuple[int, int, int]:
        """What changes while the queues move: invocations recorded, running, and waiting."""
        with self._lock:
            recorded, busy = len(self.invocations), self._in_flight
        waiting = sum(len(self.broker.active_messages(q.queue)) for q in self.index.queues)
        return recorded, busy, waiting

    def fire_timer(self, name: str) -> Invocation:
        """Run a timer function now, as its schedule would (demo and tests)."""
        timer = next(t for t in self.index.timers if t.name == name)
        return self._invoke_timer(timer)

    # --- timers ----------------------------------------------------------------------------

    def _timer_loop(self, timer: TimerFunction) -> None:
        if timer.run_on_startup:
            self._invoke_timer(timer)
        while not self._stop.is_set():
            now = datetime.now(UTC)
            due = timer.schedule.next_after(now)
            if self._stop.wait((due - now).total_seconds()):
                return
            self._invoke_timer(timer)

    def _invoke_timer(self, timer: TimerFunction) -> Invocation:
        request = TimerRequest(past_due=False, schedule={"AdjustForDST": True})
        return self._run(
            "timer",
            timer.name,
            timer.schedule.expression,
            lambda: timer.call(**{timer.arg_name: request}),
        )

    def _run(self, trigger: str, name: str, detail: str, call: Callable[[], Any]) -> Invocation:
        started = datetime.now(UTC)
        clock = time.monotonic()
        error: str | None = None
        try:
            call()
        except Exception as exc:  # the host logs a failed invocation and carries on
            error = f"{type(exc).__name__}: {exc}"
            log.warning("%s %s failed: %s", trigger, name, error)
            log.debug("%s", traceback.format_exc())
        invocation = Invocation(
            name, trigger, started, time.monotonic() - clock, error is None, detail, error
        )
        self._record(invocation)
        return invocation

    # --- Service Bus -----------------------------------------------------------------------

    def _deliver_loop(self, queue: QueueFunction) -> None:
        while not self._stop.is_set():
            worked = self._serve_session(queue) if queue.sessions else self._serve_one(queue)
            if not worked:
                self.broker.wait_for_activity(0.2)

    def _serve_one(self, queue: QueueFunction) -> bool:
        message = self.broker.receive(queue.queue)
        if message is None:
            return False
        self._deliver(queue, message)
        return True

    def _serve_session(self, queue: QueueFunction) -> bool:
        """Hold one session and run its messages in order until it has none ready."""
        lock = self.broker.accept_next_session(queue.queue)
        if lock is None:
            return False
        try:
            while not self._stop.is_set():
                message = self.broker.receive_from_session(lock)
                if message is None:
                    break
                self._deliver(queue, message)
        finally:
            self.broker.release_session(lock)
        return True

    def _deliver(self, queue: QueueFunction, message: BrokerMessage) -> None:
        with self._lock:
            self._in_flight += 1
        try:
            trigger_message = _service_bus_message(message)
            invocation = self._run(
                "servicebus",
                queue.name,
                f"{message.message_id} (delivery {message.delivery_count}, "
                f"session {message.session_id})",
                lambda: queue.call(**{queue.arg_name: trigger_message}),
            )
            assert message.lock_token is not None
            # autoCompleteMessages: success completes, an exception abandons (and the broker
            # dead-letters once the delivery count is spent).
            if invocation.ok:
                self.broker.complete(message.lock_token)
            else:
                self.broker.abandon(message.lock_token, error=invocation.error)
        finally:
            with self._lock:
                self._in_flight -= 1

    # --- HTTP ------------------------------------------------------------------------------

    def match(self, method: str, path: str) -> tuple[HttpFunction, dict[str, str]] | None:
        prefix = f"/{self.route_prefix}/" if self.route_prefix else "/"
        if not path.startswith(prefix):
            return None
        relative = path[len(prefix) :]
        for function in self.index.http:
            found = function.pattern.match(relative)
            if found and method in function.methods:
                return function, {k: unquote(v) for k, v in found.groupdict().items()}
        return None

    def key_accepted(self, function: HttpFunction, headers: Mapping[str, str], query: str) -> bool:
        if function.auth_level == "anonymous":
            return True
        presented = {k.lower(): v for k, v in headers.items()}.get(FUNCTION_KEY_HEADER)
        presented = presented or (parse_qs(query).get("code") or [""])[0]
        return secrets.compare_digest(presented.encode(), self.function_key.encode())

    def invoke_http(self, function: HttpFunction, request: func.HttpRequest) -> func.HttpResponse:
        response: list[func.HttpResponse] = []
        invocation = self._run(
            "http",
            function.name,
            f"{request.method} {urlsplit(request.url).path}",
            lambda: response.append(function.call(**{function.arg_name: request})),
        )
        if not invocation.ok or not response:
            return func.HttpResponse("internal server error", status_code=500)
        return response[0]


def _service_bus_message(message: BrokerMessage) -> func.ServiceBusMessage:
    """The object the Python worker builds from the host's trigger metadata."""
    return ServiceBusTriggerMessage(
        body=message.body,
        message_id=message.message_id or "",
        session_id=message.session_id,
        correlation_id=message.correlation_id,
        content_type=message.content_type,
        subject=message.subject,
        delivery_count=message.delivery_count,
        enqueued_time_utc=message.enqueued_time_utc,
        scheduled_enqueue_time_utc=message.scheduled_enqueue_time_utc,
        sequence_number=message.sequence_number,
        enqueued_sequence_number=message.sequence_number,
        lock_token=message.lock_token,
        locked_until=message.locked_until_utc,
        application_properties=dict(message.application_properties),
        user_properties=dict(message.application_properties),
    )


def _handler_for(host: LocalHost) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt: str, *args: Any) -> None:
            # The request line carries a browser's function key (`?code=`): never log it.
            log.debug("http %s", _KEY_IN_QUERY.sub(r"\1<redacted>", fmt % args))

        def _answer(self, status: int, body: bytes, headers: Mapping[str, str]) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":  # a HEAD answer has the length of a body, not one
                self.wfile.write(body)

        def _plain(self, status: int, text: str) -> None:
            self._answer(status, text.encode(), {"Content-Type": "text/plain; charset=utf-8"})

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY_BYTES:
                self._plain(413, "request body too large")
                self.close_connection = True
                return
            body = self.rfile.read(length) if length else b""
            found = host.match(self.command, parts.path)
            if found is None:
                self._plain(404, f"no function serves {self.command} {parts.path}")
                return
            function, route_params = found
            headers = {k: v for k, v in self.headers.items()}
            if not host.key_accepted(function, headers, parts.query):
                self._plain(401, "a valid function key is required (x-functions-key or ?code=)")
                return
            url = f"http://{self.headers.get('Host') or host.base_url[7:]}{self.path}"
            request = func.HttpRequest(
                method=self.command,
                url=url,
                headers=headers,
                params={k: v[0] for k, v in parse_qs(parts.query).items()},
                route_params=route_params,
                body=body,
            )
            response = host.invoke_http(function, request)
            out = dict(response.headers.items())
            if response.mimetype and "content-type" not in {k.lower() for k in out}:
                charset = f"; charset={response.charset}" if response.charset else ""
                out["Content-Type"] = f"{response.mimetype}{charset}"
            self._answer(response.status_code, response.get_body() or b"", out)

        def __getattr__(self, name: str) -> Callable[[], None]:
            """Every method reaches `_serve`, TRACE and made-up ones included (http.server
            looks up `do_<METHOD>`, and without one would answer its own HTML 501). The
            Functions host routes on path and method together, so a method no function
            declares is a 404 like an unknown path, not a 405."""
            if name.startswith("do_"):
                return self._serve
            raise AttributeError(name)

        def send_error(
            self, code: int, message: str | None = None, explain: str | None = None
        ) -> None:
            """A request http.server cannot parse (bad request line, header too long) gets
            the same one-line text answer as any other refusal, not http.server's HTML page."""
            self.log_error("code %d, message %s", code, message)
            self.close_connection = True
            self._plain(code, message or HTTPStatus(code).phrase)

    return Handler
