"""Request/response values and the path router shared by the vendor emulators.

The emulators speak real HTTP so the official SDKs run unmodified; this module keeps the
HTTP plumbing out of the vendor modules, which only describe routes and state.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Request:
    """One parsed HTTP request as a route handler sees it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes
    params: dict[str, str] = field(default_factory=dict)
    # Set by the emulator's authentication hook (OAuth client id, account SID, ...).
    principal: str | None = None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def query_one(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def form(self) -> dict[str, list[str]]:
        """Form-encoded body (Twilio's request format), keeping repeated keys."""
        return parse_qs(self.body.decode("utf-8"), keep_blank_values=True)

    def form_one(self, name: str, default: str | None = None) -> str | None:
        values = self.form().get(name)
        return values[0] if values else default

    def json(self) -> Any:
        """JSON body; raises ValueError on malformed JSON so callers can answer 400."""
        if not self.body:
            raise ValueError("request body is empty")
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Response:
    """What a handler returns; `body` is JSON-serialised unless it is already bytes."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body, separators=(",", ":")).encode("utf-8")


class VendorError(Exception):
    """Raised by handlers to answer with the vendor's error shape.

    The emulator's `error_response` turns it into the vendor-specific body, so handlers
    never build error bodies by hand and every error of one vendor looks the same.
    """

    def __init__(
        self,
        status: int,
        message: str,
        code: str | int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = headers or {}


Handler = Callable[[Request], Response]


@dataclass(frozen=True)
class Route:
    method: str
    template: str  # e.g. "/v1/Trunks/{Sid}" — also the endpoint name in the request log
    regex: re.Pattern[str]
    handler: Handler
    # Writes guarded by an optimistic-concurrency version: the fault injector may answer 409.
    versioned_write: bool = False

    @property
    def endpoint(self) -> str:
        return f"{self.method} {self.template}"


_PARAM = re.compile(r"\{(\w+)\}")


def compile_template(template: str) -> re.Pattern[str]:
    """`/a/{Id}.json` -> regex with a named group per parameter (no slashes inside)."""
    parts: list[str] = []
    last = 0
    for match in _PARAM.finditer(template):
        parts.append(re.escape(template[last : match.start()]))
        parts.append(f"(?P<{match.group(1)}>[^/]+?)")
        last = match.end()
    parts.append(re.escape(template[last:]))
    return re.compile("^" + "".join(parts) + "$")


class Router:
    """Maps (method, path) to a handler; distinguishes unknown paths from wrong methods."""

    def __init__(self) -> None:
        self._routes: list[Route] = []

    def add(
        self, method: str, template: str, handler: Handler, *, versioned_write: bool = False
    ) -> None:
        self._routes.append(
            Route(method.upper(), template, compile_template(template), handler, versioned_write)
        )

    def route(
        self, method: str, template: str, *, versioned_write: bool = False
    ) -> Callable[[Handler], Handler]:
        """Decorator form of `add`."""

        def register(handler: Handler) -> Handler:
            self.add(method, template, handler, versioned_write=versioned_write)
            return handler

        return register

    @property
    def routes(self) -> list[Route]:
        return list(self._routes)

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
        """Return (route, params, path_known). path_known without a route means 405."""
        path_known = False
        for route in self._routes:
            found = route.regex.match(path)
            if found is None:
                continue
            path_known = True
            if route.method == method.upper():
                return route, found.groupdict(), True
        return None, {}, path_known
