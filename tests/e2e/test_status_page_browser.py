"""The status page in a real browser: headless Chromium (Debian's, `make browser`) driven by
Playwright against function_app in the local host, with the emulators behind it.

Assertions are on what a person sees (visible text, found by role and label), and waits are
on that state (Playwright's `expect` retries until it holds), never on time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests
from playwright.sync_api import Browser, Locator, Page, ViewportSize, expect

from sandbox.browser import headless_chromium
from sandbox.runner import HostOptions, Sandbox
from sandbox.scenario import load_scenario
from tests.e2e.conftest import Running
from tests.e2e.test_failover import BACKUP, GROUP, PRIMARY, Estate, fast_policy
from tests.support.secret_watch import WATCH

# An iPhone SE's CSS viewport: the narrowest phone in common use.
PHONE = ViewportSize(width=375, height=667)
# Long enough for a page reload and a worker run on a busy 2-core box.
SEEN_WITHIN_MS = 20_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with headless_chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def fast_health(tmp_path: Path) -> Iterator[Running]:
    """The sandbox with thresholds short enough to fail over in a few health checks."""
    options = HostOptions(policy_path=fast_policy(tmp_path, "never"), run_timers=False)
    with Sandbox(load_scenario("default"), host=options) as sandbox:
        yield Running(sandbox)


@pytest.fixture(autouse=True)
def key_never_logged(request: pytest.FixtureRequest) -> Iterator[None]:
    """The function key travels in the page's address: no log line may carry it."""
    found = [name for name in ("running", "fast_health") if name in request.fixturenames]
    if not found:
        yield
        return
    key = request.getfixturevalue(found[0]).host.function_key
    WATCH.extra.add(key)
    try:
        yield
    finally:
        WATCH.extra.discard(key)


def status_url(running: Running, refresh: int | None = None) -> str:
    """The page's address as the sandbox prints it: the function key as `?code=`."""
    url = running.sandbox.status_page_url()
    assert url == f"{running.host.base_url}/api/status?code={quote(running.host.function_key)}"
    return url if refresh is None else f"{url}&refresh={refresh}"


def vendor_requests(running: Running) -> int:
    sandbox = running.sandbox
    return len(sandbox.twilio.log.entries()) + len(sandbox.genesys.log.entries())


def section(page: Page, heading: str | re.Pattern[str]) -> Locator:
    return page.get_by_role("region", name=heading)


def fail_over(running: Running) -> None:
    estate = Estate(running)
    estate.health_check()  # first sight: the primary is active
    estate.set_trunk(PRIMARY, connected=False)
    estate.health_check()
    estate.health_check()  # failures_to_down reached: traffic moves
    assert estate.first() == BACKUP


@pytest.mark.slow
def test_after_a_failover_the_page_shows_the_new_active_member_and_why(
    fast_health: Running, page: Page
) -> None:
    fail_over(fast_health)
    before = vendor_requests(fast_health)

    answer = page.goto(status_url(fast_health))
    assert answer is not None and answer.status == 200

    group = page.get_by_role("article", name=GROUP)
    expect(group.get_by_role("heading", name=GROUP)).to_be_visible()
    expect(group.get_by_text(f"Active member: {BACKUP}")).to_be_visible()
    members = group.get_by_role("table", name=f"Members of {GROUP}")
    expect(members.get_by_role("row", name=re.compile(PRIMARY))).to_contain_text("down")
    expect(members.get_by_role("row", name=re.compile(BACKUP))).to_contain_text("active")
    switches = group.get_by_role("table", name=f"Last switches of {GROUP}")
    expect(switches.get_by_role("row")).to_have_count(2)  # the header and the one switch
    expect(switches).to_contain_text(f"{PRIMARY} → {BACKUP}")
    expect(switches).to_contain_text(f"failover: {PRIMARY} is down")
    expect(switches).to_contain_text("timer")  # the journal's entry: it knows the trigger
    expect(switches).to_contain_text(
        re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(\d+ s ago\)")
    )
    expect(page.get_by_role("heading", name="Overall: needs attention")).to_be_visible()
    expect(section(page, "Overall: needs attention")).to_contain_text(f"{PRIMARY} is down")

    page.reload()
    expect(group.get_by_text(f"Active member: {BACKUP}")).to_be_visible()
    assert vendor_requests(fast_health) == before, "viewing the page called a vendor"


@pytest.mark.slow
def test_the_page_reloads_itself_and_shows_a_purchase_once_done(
    running: Running, page: Page
) -> None:
    page.goto(status_url(running, refresh=5))
    recent = section(page, "Recent commands")
    expect(recent).to_contain_text("No commands in the journal window.")

    answer = running.call("POST", "numbers", json={"route": "main", "area_code": "202"})
    assert answer.status_code == 202, answer.text
    number, command_id = answer.json()["phone_number"], answer.json()["command_id"]
    running.drain()

    # No navigation from the test: the page's own refresh brings the purchase in.
    row = recent.get_by_role("row", name=re.compile(re.escape(command_id)))
    expect(row).to_contain_text("purchase_number", timeout=SEEN_WITHIN_MS)
    expect(row).to_contain_text("succeeded")
    expect(row).to_contain_text(number)
    expect(row).to_contain_text("api")
    expect(section(page, "Pending commands (0)")).to_contain_text("Nothing pending.")
    expect(section(page, "Recent changes")).to_contain_text(number)


def test_a_dead_lettered_command_shows_with_its_reason(running: Running, page: Page) -> None:
    genesys = running.sandbox.genesys.base_url
    faults = {"server_error_rate": 1.0, "path_pattern": "didpools", "methods": ["POST"]}
    requests.put(f"{genesys}/__admin/faults", json=faults, timeout=10).raise_for_status()
    answer = running.call("POST", "numbers", json={"route": "main", "area_code": "202"})
    assert answer.status_code == 202, answer.text
    command_id = answer.json()["command_id"]
    running.drain()

    page.goto(status_url(running))
    dead = section(page, re.compile(r"Dead-lettered commands \(1\)"))
    row = dead.get_by_role("row", name=re.compile(re.escape(command_id)))
    expect(row).to_contain_text("dead-lettered")
    expect(row).to_contain_text(re.compile(r"Genesys .*HTTP 50\d", re.IGNORECASE))
    expect(section(page, "Overall: needs attention")).to_contain_text("1 dead-lettered command(s)")


def horizontal_overflow(page: Page) -> Any:
    """How far the page, or any box in it a reader can scroll sideways (a table's wrapper),
    is wider than it shows."""
    return page.evaluate(
        """() => Math.max(...[document.documentElement, ...document.querySelectorAll('*')]
            .filter(e => e === document.documentElement
                || ['auto', 'scroll'].includes(getComputedStyle(e).overflowX))
            .map(e => e.scrollWidth - e.clientWidth))"""
    )


@pytest.mark.slow
def test_the_page_fits_a_phone_screen(fast_health: Running, browser: Browser) -> None:
    fail_over(fast_health)
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = phone.new_page()
        page.goto(status_url(fast_health))
        group = page.get_by_role("article", name=GROUP)
        expect(group.get_by_text(f"Active member: {BACKUP}")).to_be_visible()
        switch = group.get_by_role("table", name=f"Last switches of {GROUP}")
        assert horizontal_overflow(page) <= 0
        # Folded into cards: each value is labelled by its column, as a narrow screen shows.
        cell = switch.get_by_role("cell").filter(has_text=f"failover: {PRIMARY}").first
        label = cell.evaluate("td => getComputedStyle(td, '::before').content")
        assert label == '"Why: "'
        width = cell.evaluate("td => td.getBoundingClientRect().right")
        assert width <= PHONE["width"]
    finally:
        phone.close()


def test_the_page_needs_the_function_key(running: Running, page: Page) -> None:
    answer = page.goto(f"{running.host.base_url}/api/status")
    assert answer is not None and answer.status == 401
    wrong = page.goto(f"{running.host.base_url}/api/status?code=not-the-key")
    assert wrong is not None and wrong.status == 401


def test_each_timer_shows_its_last_run(running: Running, page: Page) -> None:
    assert running.host.fire_timer("twilio_feed_timer").ok  # its first poll reads nothing
    page.goto(status_url(running))
    timers = page.get_by_role("table", name="Last run of each timer")
    feed = timers.get_by_role("row", name=re.compile(r"^Twilio change feed "))
    expect(feed).to_contain_text("ok")
    expect(feed).to_contain_text("first poll: watermark set")
    expect(feed).to_contain_text(re.compile(r"UTC \(\d+ s ago\)"))
    expect(timers.get_by_role("row", name=re.compile(r"^reconcile "))).to_contain_text(
        "unknown (no run recorded)"
    )


def test_the_answer_is_html_no_one_caches_frames_or_refers_from(running: Running) -> None:
    answer = requests.get(status_url(running), timeout=30)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    assert "default-src 'none'" in answer.headers["Content-Security-Policy"]
    assert answer.headers["X-Correlation-Id"]
    refused = requests.get(status_url(running, refresh=1), timeout=30)
    assert refused.status_code == 400
    assert refused.json()["error"] == "refresh must be whole seconds from 5 to 3600"
