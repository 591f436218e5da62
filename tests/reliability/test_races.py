"""Races: workers changing the DNIS of one IVR at the same time lose no update.

Genesys guards an IVR configuration with its `version`: a PUT carrying a stale version is a
409. The adapter re-reads and re-applies its delta on a 409, so concurrent writers serialise
instead of overwriting each other.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sandbox.emulators.genesys import GenesysEmulator, GenesysScenario
from shared.adapters.genesys import GenesysAdapter
from shared.adapters.retry import RetryPolicy
from shared.ports import RetriesExhausted
from tests.e2e.conftest import Running
from tests.integration.conftest import genesys_adapter

WRITERS = 8
PER_WRITER = 5


def _ivr(adapter: GenesysAdapter, name: str) -> tuple[str, ...]:
    return next(i for i in adapter.list_ivrs() if i.name == name).dnis


def test_concurrent_dnis_writers_on_one_ivr_lose_no_update() -> None:
    numbers = [f"+1415555{n:04d}" for n in range(WRITERS * PER_WRITER)]
    seed = GenesysScenario.model_validate(
        {
            "requests_per_minute": 0,
            "did_pools": [{"start_phone_number": numbers[0], "end_phone_number": numbers[-1]}],
            "ivrs": [{"name": "Main IVR", "dnis": ["+14155550990", "+14155550991"]}],
        }
    )
    retry = RetryPolicy(max_attempts=3, max_wait_s=0.01)
    with GenesysEmulator(seed) as emu:
        ivr_id = next(i.id for i in genesys_adapter(emu, retry).list_ivrs())
        start = threading.Barrier(WRITERS)

        def writer(index: int) -> tuple[int, int]:
            """Each writer adds its own numbers one by one (and takes one seeded number
            off); a write the adapter gives up on is sent again, as a redelivery would."""
            adapter = genesys_adapter(emu, retry)  # its own SDK client, like another worker
            start.wait()
            gave_up = 0
            mine = numbers[index * PER_WRITER : (index + 1) * PER_WRITER]
            removal = ["+14155550990"] if index == 0 else ["+14155550991"] if index == 1 else []
            for position, number in enumerate(mine):
                while True:
                    try:
                        adapter.update_ivr_dnis(
                            ivr_id, add=[number], remove=removal if position == 0 else []
                        )
                        break
                    except RetriesExhausted:
                        gave_up += 1
            return index, gave_up

        with ThreadPoolExecutor(WRITERS) as pool:
            results = list(pool.map(writer, range(WRITERS)))
        assert len(results) == WRITERS
        final = _ivr(genesys_adapter(emu, retry), "Main IVR")
        assert sorted(final) == sorted(numbers)  # every add kept, both removals kept
        conflicts = [e for e in emu.log.entries() if e.status == 409]
        assert conflicts, "the writers never collided: the test proved nothing"


def test_concurrent_purchases_for_one_ivr_all_land_through_the_worker(running: Running) -> None:
    numbers = [f"+1202555{n:04d}" for n in range(102, 118)]

    def buy(number: str) -> int:
        answer = running.call("POST", "numbers", json={"route": "main", "phone_number": number})
        return answer.status_code

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(buy, numbers)) == {202}
    running.drain()
    _, genesys = running.adapters()
    main = _ivr(genesys, "Main IVR")
    assert set(numbers) <= set(main)
    assert len(main) == len(set(main))  # and none twice
    assert running.dead_letters() == []
    runs = running.worker_runs()
    assert any(  # sessions ran side by side, so the writes really raced
        a is not b and a.started_at <= b.started_at < a.started_at + timedelta(seconds=a.duration_s)
        for a in runs
        for b in runs
    )


def test_concurrent_requests_for_an_area_code_each_get_a_number_of_their_own(
    running: Running,
) -> None:
    def buy(_: int) -> str:
        answer = running.call("POST", "numbers", json={"route": "main", "area_code": "202"})
        assert answer.status_code == 202, answer.text
        return str(answer.json()["phone_number"])

    with ThreadPoolExecutor(8) as pool:
        chosen = list(pool.map(buy, range(12)))
    assert len(set(chosen)) == 12  # each request holds its own number
    running.drain()
    twilio, genesys = running.adapters()
    assert set(chosen) <= {n.phone_number for n in twilio.list_numbers()}
    assert set(chosen) <= set(_ivr(genesys, "Main IVR"))
    assert running.dead_letters() == []


def test_a_number_another_request_is_buying_is_refused_with_409(running: Running) -> None:
    body = {"route": "main", "phone_number": "+12025550112"}
    first = running.call("POST", "numbers", json=body, headers={"Idempotency-Key": "a"})
    other = running.call("POST", "numbers", json=body, headers={"Idempotency-Key": "b"})
    assert (first.status_code, other.status_code) == (202, 409)
    assert "+12025550112 is being bought by another request" in other.json()["error"]
    running.drain()
    assert [r.ok for r in running.worker_runs()] == [True]  # bought once
