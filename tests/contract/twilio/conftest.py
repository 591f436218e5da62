"""Fixtures for the Twilio contract tests: the emulator, an SDK client, and a spec validator.

Every request the official SDK sends and every answer it gets is recorded by a capturing
HTTP client and checked against Twilio's published OpenAPI specs when the test ends, so a
test that passes has also proven the wire format, not just the SDK's tolerance of it.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from twilio.http.response import Response as TwilioResponse
from twilio.rest import Client

from sandbox.emulators.twilio import TwilioEmulator, TwilioScenario
from shared.adapters.vendor_clients import BaseUrlTwilioHttpClient, twilio_client
from shared.settings import Settings
from tests.contract.conftest import close_contract_emulator

REPO_ROOT = Path(__file__).resolve().parents[3]
# Twilio's published OpenAPI specs, from the @twilio/cli-core npm package pinned in the
# Makefile and unpacked into .tools by `make test-deps`.
SPECS_DIR = REPO_ROOT / ".tools" / "twilio-cli-core" / "src" / "services" / "twilio-api"
SPEC_FILES = {
    "https://api.twilio.com": "twilio_api_v2010.json",
    "https://trunking.twilio.com": "twilio_trunking_v1.json",
    "https://monitor.twilio.com": "twilio_monitor_v1.json",
    "https://events.twilio.com": "twilio_events_v1.json",
}

# Where a published spec contradicts itself, the validator holds the emulator to the reading
# Twilio's documentation gives, and nowhere else. Monitor v1: `actor_sid` (and the ActorSid
# filter) carries the pattern ^US...$, while the same property's description says it "can be
# either a User ID (^US...$) or an Account SID (^AC...$)", and twilio.com/docs/usage/
# monitor-events shows API changes as `source` api, `actor_type` account, `actor_sid` AC....
ACTOR_SID_PATTERN = "^(US|AC)[0-9a-fA-F]{32}$"


def apply_spec_errata(host: str, spec: dict[str, Any]) -> dict[str, Any]:
    if host == "https://monitor.twilio.com":
        event = spec["components"]["schemas"]["monitor.v1.event"]
        event["properties"]["actor_sid"]["pattern"] = ACTOR_SID_PATTERN
        for parameter in spec["paths"]["/v1/Events"]["get"]["parameters"]:
            if parameter["name"] == "ActorSid":
                parameter["schema"]["pattern"] = ACTOR_SID_PATTERN
    return spec


SEED: dict[str, Any] = {
    "credential_lists": ["genesys-creds"],
    "ip_access_control_lists": ["genesys-edges"],
    "available_numbers": [
        {"area_code": "202", "count": 6, "region": "DC", "locality": "Washington"},
        {"area_code": "312", "count": 4, "region": "IL", "locality": "Chicago"},
        {"type": "toll-free", "area_code": "888", "count": 2},
    ],
    "trunks": [
        {
            "friendly_name": "BYOC-Primary",
            "domain_name": "byoc-primary.pstn.twilio.com",
            "origination_urls": [
                {"sip_url": "sip:primary.byoc.example.com", "priority": 10, "weight": 10}
            ],
            "credential_lists": ["genesys-creds"],
        },
        {
            "friendly_name": "BYOC-Failover",
            "domain_name": "byoc-failover.pstn.twilio.com",
            "origination_urls": [
                {"sip_url": "sip:failover.byoc.example.com", "priority": 20, "weight": 5}
            ],
            "ip_access_control_lists": ["genesys-edges"],
        },
    ],
    "incoming_numbers": [
        {"phone_number": "+14155550100", "trunk": "BYOC-Primary"},
        {"phone_number": "+14155550101", "trunk": "BYOC-Primary"},
        {"phone_number": "+14155550102", "friendly_name": "spare"},
    ],
}


@dataclass
class Exchange:
    """One SDK request/response pair, with the URL as the SDK built it (real Twilio host)."""

    method: str
    url: str
    params: dict[str, Any]
    data: dict[str, Any]
    status: int
    text: str
    auth: tuple[str, str] | None = None
    deliberately_invalid: bool = False


class CapturingHttpClient(BaseUrlTwilioHttpClient):
    """The product's HTTP client, recording each exchange for spec validation."""

    def __init__(self, base_url: str) -> None:
        super().__init__(base_url, timeout=10)
        self.exchanges: list[Exchange] = []
        self._invalid = False

    @contextmanager
    def sending_invalid_requests(self) -> Iterator[None]:
        """Mark requests a test sends against the spec on purpose (malformed SIDs...)."""
        self._invalid = True
        try:
            yield
        finally:
            self._invalid = False

    def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> TwilioResponse:
        response = super().request(
            method, url, params, data, headers, auth, timeout, allow_redirects
        )
        self.exchanges.append(
            Exchange(
                method.upper(),
                url,
                dict(params or {}),
                dict(data or {}),
                response.status_code,
                response.text,
                auth,
                self._invalid,
            )
        )
        return response


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass
class SpecValidator:
    """Checks SDK exchanges against Twilio's OpenAPI documents (loaded once per session)."""

    raw: dict[str, dict[str, Any]]
    apps: dict[str, Any]
    _paths: dict[str, list[tuple[re.Pattern[str], str]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for host, spec in self.raw.items():
            self._paths[host] = [
                (re.compile("^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(p)) + "$"), p)
                for p in spec["paths"]
            ]

    def operation(self, host: str, path: str, method: str) -> dict[str, Any]:
        for regex, template in self._paths[host]:
            if regex.match(path):
                op: dict[str, Any] = self.raw[host]["paths"][template][method.lower()]
                return op
        raise AssertionError(f"{method} {host}{path} is not an operation of Twilio's spec")

    def resolve(self, host: str, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            node: Any = self.raw[host]
            for part in schema["$ref"].lstrip("#/").split("/"):
                node = node[part]
            schema = node
        return schema

    def check(self, ex: Exchange) -> list[str]:
        from openapi_core.testing import MockRequest

        problems: list[str] = []
        split = urlsplit(ex.url)
        host = f"{split.scheme}://{split.netloc}"
        where = f"{ex.method} {split.path}"
        op = self.operation(host, split.path, ex.method)
        args = {**dict(parse_qsl(split.query)), **{k: _text(v) for k, v in ex.params.items()}}
        known_query = {p["name"] for p in op.get("parameters", []) if p["in"] == "query"}
        problems += [f"{where}: query {k} not in spec" for k in args if k not in known_query]
        body = b""
        content_type = "application/json"
        if ex.method == "POST":
            form_schema = op["requestBody"]["content"]["application/x-www-form-urlencoded"]
            known_form = set(form_schema["schema"].get("properties", {}))
            problems += [f"{where}: form {k} not in spec" for k in ex.data if k not in known_form]
            # An empty value is Twilio's documented way to clear a field (TrunkSid=""),
            # which the spec's patterns cannot express; validate the fields actually set.
            body = urlencode({k: _text(v) for k, v in ex.data.items() if v != ""}).encode()
            content_type = "application/x-www-form-urlencoded"
        user, password = ex.auth or ("", "")
        basic = base64.b64encode(f"{user}:{password}".encode()).decode()
        headers = {"Authorization": f"Basic {basic}"}
        request = MockRequest(host, ex.method, split.path, args=args, data=body, headers=headers)
        request.content_type = content_type
        app = self.apps[host]
        try:
            app.validate_request(request)
        except Exception as exc:  # openapi-core raises a family of validation errors
            if not ex.deliberately_invalid:
                problems.append(f"{where}: request invalid: {exc!r} {exc.__cause__}")
        return problems + self._answer(ex, request, op)

    def check_answer(self, ex: Exchange) -> list[str]:
        """The answer alone, for requests nobody vouches for (generated from the spec,
        unknown fields and all): Twilio's error shape on a failure, else the spec's schema
        with every property present."""
        from openapi_core.testing import MockRequest

        split = urlsplit(ex.url)
        host = f"{split.scheme}://{split.netloc}"
        op = self.operation(host, split.path, ex.method)
        return self._answer(ex, MockRequest(host, ex.method, split.path), op)

    def _answer(self, ex: Exchange, request: Any, op: dict[str, Any]) -> list[str]:
        from openapi_core.testing import MockResponse

        split = urlsplit(ex.url)
        host = f"{split.scheme}://{split.netloc}"
        where = f"{ex.method} {split.path}"
        if ex.status >= 400:
            payload = json.loads(ex.text)
            if set(payload) != {"code", "message", "more_info", "status"}:
                return [f"{where}: error body is not Twilio's shape: {payload}"]
            return []
        problems: list[str] = []
        response = MockResponse(ex.text.encode(), ex.status)
        try:
            self.apps[host].validate_response(request, response)
        except Exception as exc:
            problems.append(f"{where}: response invalid: {exc!r} {exc.__cause__}")
        problems += self._complete(host, op, ex, where)
        return problems

    def _complete(self, host: str, op: dict[str, Any], ex: Exchange, where: str) -> list[str]:
        """Every property the schema defines must be present (the spec marks none required)."""
        declared = op["responses"].get(str(ex.status), {}).get("content", {})
        if not declared or not ex.text:
            return []
        schema = self.resolve(host, declared["application/json"]["schema"])
        payload = json.loads(ex.text)
        records = [payload]
        for name, prop in schema.get("properties", {}).items():
            if prop.get("type") == "array" and "$ref" in prop.get("items", {}):
                schema = self.resolve(host, prop["items"])
                records = payload[name]
        expected = set(schema.get("properties", {}))
        return [
            f"{where}: response lacks {sorted(expected - set(r))}"
            for r in records
            if expected - set(r)
        ]


@pytest.fixture(scope="session")
def spec_validator() -> SpecValidator:
    """Twilio's specs, loaded once; absent specs fail every test that needs them."""
    missing = sorted(f for f in SPEC_FILES.values() if not (SPECS_DIR / f).is_file())
    if missing:
        pytest.fail(
            f"Twilio OpenAPI specs missing from {SPECS_DIR} ({', '.join(missing)}): "
            "run `make test-deps`",
            pytrace=False,
        )
    from openapi_core import OpenAPI

    raw = {
        host: apply_spec_errata(host, json.loads((SPECS_DIR / f).read_text()))
        for host, f in SPEC_FILES.items()
    }
    apps = {host: OpenAPI.from_dict(spec) for host, spec in raw.items()}
    return SpecValidator(raw, apps)


@pytest.fixture
def scenario() -> TwilioScenario:
    return TwilioScenario.model_validate(SEED)


@pytest.fixture
def emu(scenario: TwilioScenario) -> Iterator[TwilioEmulator]:
    emulator = TwilioEmulator(scenario)
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()
        close_contract_emulator(emulator)


def make_client(emu: TwilioEmulator, sid: str | None = None, token: str | None = None) -> Client:
    settings = Settings(
        twilio_account_sid=sid or emu.account_sid,
        twilio_auth_token=token or emu.auth_token,
        twilio_api_base_url=emu.base_url,
    )
    return twilio_client(settings, http_client=CapturingHttpClient(emu.base_url))


@pytest.fixture
def client(emu: TwilioEmulator, spec_validator: SpecValidator) -> Iterator[Client]:
    """The official SDK against the emulator; its exchanges are spec-checked at teardown."""
    sdk = make_client(emu)
    yield sdk
    http = sdk.http_client
    assert isinstance(http, CapturingHttpClient)
    problems = [p for ex in http.exchanges for p in spec_validator.check(ex)]
    assert not problems, "\n".join(problems)
