"""Base class for a vendor emulator: a real HTTP server on loopback with state behind it.

Request pipeline, in the order a vendor's edge would apply it:
admin routes (unlogged) -> injected latency -> authentication -> route match (404/405)
-> injected fault -> vendor rate limit -> handler -> the vendor's response headers (on
every answer, errors included). Every method goes through it, those no
route serves (TRACE, OPTIONS, made-up ones) included: 405 on a path that exists, 404 on
one that does not, in the vendor's error body like any other error. Every vendor request is
logged with the endpoint template it matched, which is what call-count tests and benchmarks
read.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
import threading
import time
import traceback
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from pydantic import ValidationError

from sandbox.emulators.core.faults import FaultConfig, FaultInjector, FaultKind
from sandbox.emulators.core.request_log import RequestLog
from sandbox.emulators.core.routing import Request, Response, Route, Router, VendorError

log = logging.getLogger(__name__)

ADMIN_PREFIX = "/__admin"


@dataclass
class Outcome:
    """What the pipeline decided for one request: the answer (None = dropped) and why."""

    response: Response | None
    endpoint: str
    fault: str | None = None


class Emulator(ABC):
    """A stateful vendor API on a loopback port.

    Subclasses register vendor routes in `register_routes`, shape errors in
    `error_response`, and may override `authenticate`, `admit` (rate limits) and
    `throttle_error` (what an injected 429 looks like). All state
    mutation happens under `self.lock`, so concurrent SDK calls see consistent state.
    """

    name: str = "emulator"

    def __init__(self, faults: FaultConfig | None = None) -> None:
        self.lock = threading.RLock()
        self.router = Router()
        self.admin = Router()
        self.faults = FaultInjector(faults)
        self.log = RequestLog()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._register_core_admin()
        self.register_routes(self.router)
        self.register_admin_routes(self.admin)

    # ----------------------------------------------------------------- vendor hooks
    @abstractmethod
    def register_routes(self, router: Router) -> None:
        """Add the vendor's API routes."""

    def register_admin_routes(self, admin: Router) -> None:
        """Add vendor-specific control routes under /__admin (e.g. trunk down/up)."""

    @abstractmethod
    def error_response(self, error: VendorError, request: Request | None) -> Response:
        """Render an error in the vendor's own body shape."""

    def authenticate(self, request: Request, route: Route | None) -> None:
        """Raise VendorError(401) for bad credentials; set `request.principal`."""

    def admit(self, request: Request, route: Route) -> Callable[[], None] | None:
        """Apply the vendor's rate limits; raise VendorError(429) or return a release hook."""
        return None

    def throttle_error(self) -> VendorError:
        """The answer to an injected throttle fault: 429 with `Retry-After: retry_after_s`.
        A vendor whose 429s carry no Retry-After (Twilio) answers its own instead."""
        return VendorError(
            429,
            "Too many requests (injected fault)",
            headers={"Retry-After": str(self.faults.config.retry_after_s)},
        )

    def response_headers(self, request: Request, response: Response) -> dict[str, str]:
        """Headers the vendor puts on every answer to a vendor request, successes and errors
        alike (rate-limit counters, correlation ids). They never replace a header the answer
        already carries (a 429's own `Retry-After`). Admin routes and dropped requests get
        none; neither does a request http.server could not parse."""
        return {}

    @abstractmethod
    def snapshot(self) -> dict[str, Any]:
        """The whole state as JSON, for /__admin/state and debugging."""

    @abstractmethod
    def reset(self) -> None:
        """Return to the state the emulator was seeded with."""

    # ----------------------------------------------------------------- lifecycle
    def start(self, host: str = "127.0.0.1", port: int = 0) -> Self:
        if self._server is not None:
            raise RuntimeError(f"{self.name} emulator already running")
        server = _Server((host, port), _make_handler(self))
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{self.name}-emulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        if self._server is None:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError(f"{self.name} emulator is not running")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @contextmanager
    def faults_applied(self, config: FaultConfig) -> Iterator[None]:
        """Apply a fault config for the duration of a block, then restore the previous."""
        previous = self.faults.config
        self.faults.configure(config)
        try:
            yield
        finally:
            self.faults.configure(previous)

    # ----------------------------------------------------------------- admin API
    def _register_core_admin(self) -> None:
        a = self.admin
        a.add("GET", ADMIN_PREFIX + "/health", lambda r: Response(200, {"ok": True}))
        a.add("GET", ADMIN_PREFIX + "/requests", self._admin_requests)
        a.add("DELETE", ADMIN_PREFIX + "/requests", self._admin_clear_requests)
        a.add(
            "GET",
            ADMIN_PREFIX + "/faults",
            lambda r: Response(200, self.faults.config.model_dump()),
        )
        a.add("PUT", ADMIN_PREFIX + "/faults", self._admin_set_faults)
        a.add("GET", ADMIN_PREFIX + "/state", lambda r: Response(200, self.snapshot()))
        a.add("POST", ADMIN_PREFIX + "/reset", self._admin_reset)

    def _admin_requests(self, request: Request) -> Response:
        entries = self.log.entries()
        return Response(
            200,
            {
                "requests": [e.model_dump() for e in entries],
                "by_endpoint": dict(self.log.count_by_endpoint()),
                "total": len(entries),
            },
        )

    def _admin_clear_requests(self, request: Request) -> Response:
        self.log.clear()
        return Response(204)

    def _admin_set_faults(self, request: Request) -> Response:
        self.faults.configure(FaultConfig.model_validate(request.json()))
        return Response(200, self.faults.config.model_dump())

    def _admin_reset(self, request: Request) -> Response:
        with self.lock:
            self.reset()
        self.log.clear()
        return Response(204)

    # ----------------------------------------------------------------- pipeline
    def _admin_dispatch(self, request: Request) -> Response:
        route, params, known = self.admin.match(request.method, request.path)
        if route is None:
            return Response(405 if known else 404, {"error": "unknown admin route"})
        request.params = params
        try:
            return route.handler(request)
        except (ValueError, ValidationError) as exc:
            return Response(400, {"error": str(exc)})

    def dispatch(self, request: Request) -> Outcome:
        """Run one vendor request through the pipeline."""
        outcome = self._pipeline(request)
        if outcome.response is not None:
            for name, value in self.response_headers(request, outcome.response).items():
                outcome.response.headers.setdefault(name, value)
        return outcome

    def _pipeline(self, request: Request) -> Outcome:
        route, params, known = self.router.match(request.method, request.path)
        endpoint = route.endpoint if route else f"{request.method} <unmatched>"
        request.params = params
        decision = self.faults.decide(
            request.method,
            request.path,
            versioned_write=bool(route and route.versioned_write),
        )
        if decision.delay_s:
            time.sleep(decision.delay_s)
        injected = decision.kind.value if decision.kind else None
        try:
            self.authenticate(request, route)
            if route is None:
                if known:
                    raise VendorError(405, f"method {request.method} not allowed here")
                raise VendorError(404, f"the requested resource {request.path} was not found")
            if decision.kind is FaultKind.TIMEOUT:
                time.sleep(self.faults.config.timeout_hold_s)
                return Outcome(None, endpoint, injected)
            if decision.kind is FaultKind.RESET:
                return Outcome(None, endpoint, injected)
            if decision.kind is FaultKind.THROTTLE:
                raise self.throttle_error()
            if decision.kind in (FaultKind.SERVER_ERROR, FaultKind.CONFLICT):
                assert decision.status is not None
                raise VendorError(decision.status, f"injected fault: {decision.kind.value}")
            injected = None
            release = self.admit(request, route)
            try:
                return Outcome(route.handler(request), endpoint)
            finally:
                if release is not None:
                    release()
        except VendorError as error:
            response = self.error_response(error, request)
            response.headers.update(error.headers)
            return Outcome(response, endpoint, injected)
        except (ValueError, ValidationError) as exc:
            return Outcome(self.error_response(VendorError(400, _describe(exc)), request), endpoint)
        except Exception:  # an emulator bug: answer 500 and make it visible in the log
            log.error("%s emulator bug:\n%s", self.name, traceback.format_exc())
            bug = VendorError(500, "emulator internal error")
            return Outcome(self.error_response(bug, request), endpoint, "emulator-bug")


def _describe(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}"
            for err in exc.errors()
        )
    return str(exc) or exc.__class__.__name__


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128


def _make_handler(emulator: Emulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = f"byoc-sync-{emulator.name}-emulator"

        def setup(self) -> None:
            super().setup()
            # Headers and body go out as two writes; with Nagle on, the second waits for the
            # client's delayed ACK (~40 ms a request), which would swamp latency figures.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            log.debug("%s: " + format, emulator.name, *args)

        def _serve(self) -> None:
            started = time.monotonic()
            split = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            request = Request(
                method=self.command,
                path=split.path,
                query=parse_qs(split.query, keep_blank_values=True),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
            )
            if split.path.startswith(ADMIN_PREFIX + "/"):
                self._write(emulator._admin_dispatch(request))
                return
            outcome = emulator.dispatch(request)
            # Log before answering: a client that has its answer can count on seeing it logged.
            emulator.log.record(
                method=request.method,
                path=request.path,
                query=split.query,
                endpoint=outcome.endpoint,
                status=outcome.response.status if outcome.response is not None else 0,
                started=started,
                fault=outcome.fault,
                principal=request.principal,
            )
            if outcome.response is None:
                self._drop(reset=outcome.fault == FaultKind.RESET.value)
            else:
                self._write(outcome.response)

        def _write(self, response: Response) -> None:
            payload = response.encode()
            self.send_response(response.status)
            headers = {"Content-Type": "application/json", **response.headers}
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if payload and self.command != "HEAD":
                self.wfile.write(payload)

        def _drop(self, *, reset: bool) -> None:
            self.close_connection = True
            if reset:
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
            with contextlib.suppress(OSError):
                self.connection.close()

        def __getattr__(self, name: str) -> Callable[[], None]:
            """Every method reaches the pipeline, TRACE and made-up ones included (http.server
            looks up `do_<METHOD>`, and without one would answer its own HTML 501): the
            vendor answers a method it does not serve with its own error body and a 4xx."""
            if name.startswith("do_"):
                return self._serve
            raise AttributeError(name)

        def send_error(
            self, code: int, message: str | None = None, explain: str | None = None
        ) -> None:
            """A request http.server cannot even parse (bad request line, header too long)
            still gets the vendor's error body, not http.server's HTML page."""
            self.log_error("code %d, message %s", code, message)
            self.close_connection = True
            error = VendorError(code, message or HTTPStatus(code).phrase)
            self._write(emulator.error_response(error, None))

    return Handler
