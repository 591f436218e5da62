"""A property-based pass over Twilio's published OpenAPI specs, operation by operation: every
operation the emulator serves gets requests generated from Twilio's own schema (valid ones,
and invalid ones), and whatever comes back must be what the spec promises.

The SDK-driven contract tests only send what the SDK sends; this pass sends what the spec
allows and what it forbids (unknown fields, wrong types, out-of-range values, other
accounts' SIDs), so drift between the emulator and the spec is caught by the suite rather
than by chance. It asks of every answer:

- never a 5xx (no fault is injected here);
- a failure in Twilio's error body (`code`, `message`, `more_info`, `status`);
- a success valid against the spec's response schema, every property present, for the
  operation the emulator says it served (its request log names the route).

Nothing is asserted about which requests succeed: whether Twilio accepts a request the spec
allows (or refuses one it forbids) is Twilio's behaviour, not the spec's.

Bounded and repeatable: schemathesis (pinned in pyproject) builds Hypothesis strategies
from the specs; Hypothesis runs derandomised (the same requests on every run) with a fixed
number of examples per operation and no shrinking, so the pass costs the same each time.
Each example starts from the seeded account (`reset`), so examples cannot disturb each
other, and half the examples use SIDs that exist, so they reach past the 404s.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, note, settings
from schemathesis import GenerationMode

from sandbox.emulators.twilio import TwilioEmulator, TwilioScenario
from sandbox.emulators.twilio.monitor import Actor
from tests.contract.twilio.conftest import SEED, SPEC_FILES, Exchange, SpecValidator

# A fixed budget per operation: the pass cannot quietly grow past what CI allows.
pytestmark = [pytest.mark.contract, pytest.mark.slow, pytest.mark.timeout(30)]

# Examples per operation and generation mode with the SIDs of seeded resources, then with
# generated SIDs (mostly 404s: another account, no such resource). An operation without a
# body or query has only one request per SID, so Hypothesis stops short of the numbers.
# All 53 operations take about 20 s; fewer examples stop finding bugs that hide behind one
# enum value out of five.
EXAMPLES = {GenerationMode.POSITIVE: 15, GenerationMode.NEGATIVE: 8}
RANDOM_SIDS_EXAMPLES = 2
# The primary trunk carries every kind of sub-resource, and each account list a member, so
# each {Sid} has one to name.
FUZZ_SEED: dict[str, Any] = {
    **SEED,
    "credential_lists": [
        {
            "friendly_name": "genesys-creds",
            "credentials": [{"username": "genesys-edge", "password": "Sandbox-Passw0rd"}],
        }
    ],
    "ip_access_control_lists": [
        {
            "friendly_name": "genesys-edges",
            "ip_addresses": [{"ip_address": "54.172.60.0", "cidr_prefix_length": 23}],
        }
    ],
    "trunks": [
        {**SEED["trunks"][0], "ip_access_control_lists": ["genesys-edges"]},
        *SEED["trunks"][1:],
    ],
}
# Path prefix -> the spec host serving it; the first matching prefix wins.
SPEC_HOSTS = {
    "/2010-04-01/": "https://api.twilio.com",
    "/v1/Events": "https://monitor.twilio.com",
    "/v1/Alerts": "https://monitor.twilio.com",
    "/v1/": "https://trunking.twilio.com",
}
OPERATIONS = [route.endpoint for route in TwilioEmulator().router.routes]


def spec_host(template: str) -> str:
    return next(host for prefix, host in SPEC_HOSTS.items() if template.startswith(prefix))


@pytest.fixture(scope="module")
def fuzz_schemas(spec_validator: SpecValidator) -> dict[str, schemathesis.BaseSchema]:
    """The same spec documents the validator holds, loaded into schemathesis."""
    return {
        host: schemathesis.openapi.from_dict(spec_validator.raw[host])
        for host in SPEC_FILES
        if host in SPEC_HOSTS.values()
    }


def reseed(emu: TwilioEmulator) -> None:
    """Back to the seeded account, plus one Monitor event and one alert (seeding records
    none), so the Events and Alerts routes have a record to list and fetch. Their SIDs are
    the same every time."""
    with emu.lock:
        emu.reset()
        number = emu.state.numbers_on(next(iter(emu.state.trunks)))[0]
        emu.state.actor = Actor.api(emu.account_sid, "127.0.0.1")
        emu.state.update_number(number, {"friendly_name": "renamed by the fuzz seed"})
        emu.state.actor = None
        emu.state.monitor.raise_alert("32011", emu.state.clock(), alert_text="fuzz seed")


@pytest.fixture
def fuzz_emu() -> Iterator[TwilioEmulator]:
    """Not `emu`: these requests come from no SDK, so they count for no route coverage."""
    emulator = TwilioEmulator(TwilioScenario.model_validate(FUZZ_SEED)).start()
    reseed(emulator)
    try:
        yield emulator
    finally:
        emulator.stop()
    bugs = [e for e in emulator.log.entries() if e.status >= 500 and e.fault is None]
    assert not bugs, f"5xx without an injected fault: {bugs}"


def existing(template: str, emu: TwilioEmulator) -> dict[str, str]:
    """Path parameters naming resources the seeded account has."""
    s = emu.state
    primary = next(t for t in s.trunks.values() if t.friendly_name == "BYOC-Primary")
    on_primary = s.numbers_on(primary.sid)[0].sid
    credential_list = next(iter(s.credential_lists.values()))
    acl = next(iter(s.ip_access_control_lists.values()))
    sids = {
        "IncomingPhoneNumbers": on_primary,
        "PhoneNumbers": on_primary,
        "CredentialLists": credential_list.sid,
        "IpAccessControlLists": acl.sid,
        "Credentials": next(iter(credential_list.credentials)),
        "IpAddresses": next(iter(acl.ip_addresses)),
        "OriginationUrls": next(iter(primary.origination_urls)),
        "Trunks": primary.sid,
        "Events": s.monitor.events[0].sid,
        "Alerts": s.monitor.alerts[0].sid,
    }
    before_sid = template.split("/{Sid}")[0].rsplit("/", 1)[-1]
    params = {
        "AccountSid": s.account_sid,
        "CountryCode": "US",
        "TrunkSid": primary.sid,
        "CredentialListSid": credential_list.sid,
        "IpAccessControlListSid": acl.sid,
        "Sid": sids.get(before_sid, ""),
    }
    return {name: value for name, value in params.items() if "{" + name + "}" in template}


@pytest.mark.parametrize("endpoint", OPERATIONS)
def test_generated_requests_get_answers_twilios_spec_allows(
    endpoint: str,
    fuzz_emu: TwilioEmulator,
    fuzz_schemas: dict[str, schemathesis.BaseSchema],
    spec_validator: SpecValidator,
) -> None:
    method, template = endpoint.split(" ", 1)
    host = spec_host(template)
    try:
        operation = fuzz_schemas[host][template][method]
    except KeyError:
        pytest.fail(f"{endpoint} is served by the emulator but is not in Twilio's spec")
    emu = fuzz_emu
    basic = base64.b64encode(f"{emu.account_sid}:{emu.auth_token}".encode()).decode()
    headers = {"Authorization": f"Basic {basic}"}
    known = existing(template, emu)

    def send(case: Any) -> None:
        note(case.as_curl_command())
        reseed(emu)
        response = case.call(base_url=emu.base_url, timeout=10)
        entry = emu.log.entries()[-1]
        served = entry.endpoint.split(" ", 1)[1]
        answered = served if "<unmatched>" not in served else template
        exchange = Exchange(
            entry.method, host + answered, {}, {}, response.status_code, response.text
        )
        assert response.status_code < 500, response.text
        problems = spec_validator.check_answer(exchange)
        assert not problems, "\n".join(problems)

    # With the SIDs fixed, an operation with neither query nor body has nothing left to
    # make invalid: its invalid requests are the generated-SID ones alone.
    invalidatable = bool(len(operation.query) or len(operation.body))
    for mode, examples in EXAMPLES.items():
        runs = [(known, examples), ({}, RANDOM_SIDS_EXAMPLES)]
        if mode is GenerationMode.NEGATIVE and not invalidatable:
            runs = runs[1:]
        for path_parameters, share in runs:
            strategy = operation.as_strategy(
                generation_mode=mode, path_parameters=path_parameters, headers=headers
            )
            settings(
                max_examples=share,
                derandomize=True,
                deadline=None,
                database=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
                print_blob=False,
            )(given(case=strategy)(send))()
    assert emu.log.count(endpoint=endpoint) > 0, "no generated request reached the route"
