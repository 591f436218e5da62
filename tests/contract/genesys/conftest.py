"""Fixtures for the Genesys contract tests: the emulator on a loopback port, the official SDK
pointed at it, and a checker proving every response body fits the SDK's models exactly."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import PureCloudPlatformClientV2 as genesys
import pytest
import requests
import yaml

from sandbox.emulators.genesys import GenesysEmulator, GenesysScenario
from shared.adapters.vendor_clients import genesys_api_client
from shared.settings import Settings
from tests.contract.conftest import close_contract_emulator

# The BYOC setup guide's shape: two Twilio trunks, a site whose outbound route tries the
# primary first, one DID pool and two call routes (IVR configurations) with DNIS.
BYOC_SEED = """
did_pools:
  - start_phone_number: "+13175550100"
    end_phone_number: "+13175550199"
    description: Twilio numbers for BYOC Cloud
    comments: managed by byoc-sync
ivrs:
  - name: Main IVR
    dnis: ["+13175550100", "+13175550101"]
    open_hours_flow: Main Menu
    closed_hours_flow: After Hours
    schedule_group: Business Hours
  - name: Support IVR
    dnis: ["+13175550150"]
    open_hours_flow: Support Menu
trunk_base_settings:
  - name: BYOC-Primary-Twilio
    properties: {trunk_transport_serverProxyList: [byoc-primary.pstn.twilio.com]}
  - name: BYOC-Failover-Twilio
    properties: {trunk_transport_serverProxyList: [byoc-failover.pstn.twilio.com]}
trunks:
  - trunk_base: BYOC-Primary-Twilio
    registers_status: UP    # SIP registration mode, as the BYOC guide sets it up
    inbound_call_count: 3
    outbound_call_count: 2
  - trunk_base: BYOC-Failover-Twilio
sites:
  - name: HQ
    outbound_routes:
      - name: TG-BYOC-Primary-Failover
        classification_types: [National, International, Emergency]
        distribution: SEQUENTIAL
        external_trunk_bases: [BYOC-Primary-Twilio, BYOC-Failover-Twilio]
"""


def byoc_scenario(**overrides: Any) -> GenesysScenario:
    data = yaml.safe_load(BYOC_SEED)
    data.update(overrides)
    return GenesysScenario.model_validate(data)


class ContractChecker:
    """Captures every raw response body the SDK receives and checks it against the model the
    SDK deserialised it into: a field the model's attribute_map lacks is a contract break."""

    def __init__(self) -> None:
        self.captured: list[str] = []
        self.problems: list[str] = []
        self.checked = 0

    def hook(self, response: Any) -> Any:
        self.captured.append(response.data)
        return response

    def check(self, call: str, result: Any) -> None:
        raws, self.captured = self.captured, []
        assert len(raws) == 1, f"{call}: expected one response, captured {len(raws)}"
        raw = raws[0]
        self.checked += 1
        if result is None:
            if raw:
                self.problems.append(f"{call}: body {raw[:80]!r} where the SDK expects none")
            return
        value = json.loads(raw)
        if isinstance(result, list):
            kind = f"list[{type(result[0]).__name__}]" if result else "list[object]"
        else:
            kind = type(result).__name__
        self.problems.extend(f"{call}: {p}" for p in check_against_model(value, kind, "$"))
        if "outdated_sdk_version" in json.dumps(
            genesys.ApiClient().sanitize_for_serialization(result)
        ):
            self.problems.append(f"{call}: an enum value the SDK does not know")


_PRIMITIVES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "datetime": (str,),
    "date": (str,),
}


def check_against_model(value: Any, kind: str, path: str) -> list[str]:
    """Recursively compare JSON with a swagger type string (`list[X]`, `dict(str, X)`, model)."""
    if value is None or kind == "object":
        return []
    if kind.startswith("list["):
        if not isinstance(value, list):
            return [f"{path}: expected a list, got {type(value).__name__}"]
        inner = kind[5:-1]
        return [
            p for i, v in enumerate(value) for p in check_against_model(v, inner, f"{path}[{i}]")
        ]
    if kind.startswith("dict("):
        if not isinstance(value, dict):
            return [f"{path}: expected an object, got {type(value).__name__}"]
        inner = kind[5:-1].split(",", 1)[1].strip()
        return [p for k, v in value.items() for p in check_against_model(v, inner, f"{path}.{k}")]
    if kind in _PRIMITIVES:
        ok = isinstance(value, _PRIMITIVES[kind]) and not (
            kind in ("int", "float") and isinstance(value, bool)
        )
        return [] if ok else [f"{path}: expected {kind}, got {value!r}"]
    model = getattr(genesys.models, kind)()
    if not isinstance(value, dict):
        return [f"{path}: expected a {kind} object, got {type(value).__name__}"]
    by_json = {json_name: attr for attr, json_name in model.attribute_map.items()}
    problems: list[str] = []
    for key, item in value.items():
        if key not in by_json:
            problems.append(f"{path}.{key}: not in {kind}.attribute_map")
            continue
        problems.extend(
            check_against_model(item, model.swagger_types[by_json[key]], f"{path}.{key}")
        )
    return problems


class Checked:
    """Wraps an SDK API object so every method call's response goes through the checker."""

    def __init__(self, api: Any, checker: ContractChecker) -> None:
        self._api = api
        self._checker = checker

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self._api, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            self._checker.captured.clear()
            result = method(*args, **kwargs)
            self._checker.check(name, result)
            return result

        return call


def sdk_client(emu: GenesysEmulator) -> Any:
    """An authenticated SDK `ApiClient` built exactly as byoc-sync builds it."""
    client = emu.scenario.oauth_clients[0]
    return genesys_api_client(
        Settings(
            genesyscloud_oauthclient_id=client.client_id,
            genesyscloud_oauthclient_secret=client.client_secret,
            genesyscloud_api_host=emu.base_url,
        )
    )


@pytest.fixture
def scenario() -> GenesysScenario:
    return byoc_scenario()


@pytest.fixture
def emu(scenario: GenesysScenario) -> Iterator[GenesysEmulator]:
    emulator = GenesysEmulator(scenario)
    emulator.start()
    try:
        yield emulator
        close_contract_emulator(emulator)
    finally:
        emulator.stop()


@pytest.fixture
def checker() -> Iterator[ContractChecker]:
    checker = ContractChecker()
    yield checker
    assert not checker.problems, "\n".join(checker.problems)
    assert not checker.captured, f"responses captured but never checked: {checker.captured}"


@pytest.fixture
def api_client(emu: GenesysEmulator, checker: ContractChecker) -> Any:
    client = sdk_client(emu)
    # The SDK insists on a one-argument function (it counts co_argcount), not a bound method.
    client.get_http_client().set_post_request_hook(lambda response: checker.hook(response))
    return client


@pytest.fixture
def edge(api_client: Any, checker: ContractChecker) -> Any:
    return Checked(genesys.TelephonyProvidersEdgeApi(api_client), checker)


@pytest.fixture
def architect(api_client: Any, checker: ContractChecker) -> Any:
    return Checked(genesys.ArchitectApi(api_client), checker)


@pytest.fixture
def raw(emu: GenesysEmulator, api_client: Any) -> requests.Session:
    """Plain HTTP with the SDK's token, for bodies the SDK cannot produce."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {api_client.access_token}"
    return session


def assert_error_body(body: Any, status: int, code: str | None = None) -> None:
    """Genesys' ErrorBody shape, and nothing the SDK's ErrorBody model lacks."""
    assert isinstance(body, dict)
    assert check_against_model(body, "ErrorBody", "$") == []
    assert body["status"] == status
    assert body["message"] and body["contextId"]
    assert isinstance(body["details"], list) and body["errors"] == []
    for detail in body["details"]:  # e.g. REQUIRED_FIELD_MISSING naming the field
        assert detail["errorCode"] and detail["fieldName"]
    if code is not None:
        assert body["code"] == code


def model(cls: Any, **attrs: Any) -> Any:
    """SDK models take no constructor arguments; set attributes the way SDK users do."""
    instance = cls()
    for name, value in attrs.items():
        setattr(instance, name, value)
    return instance
