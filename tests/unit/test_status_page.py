"""The status page's HTML: self-contained, escaped, readable on a phone, reloading itself.

What it looks like in a browser is pinned in tests/e2e/test_status_page_browser.py; these
pin the document itself."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

from shared.domain.journal import CommandStatus, Trigger, route_switch_subject
from shared.status.page import DEFAULT_REFRESH_S, render
from shared.status.timer_runs import TimerOutcome, TimerRun
from shared.status.view import StatusView
from tests.unit.test_status_view import (
    BACKUP,
    DONE,
    GROUP,
    NOW,
    PRIMARY,
    change,
    command,
    failed_over,
    view,
)

HOSTILE = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


class Document(HTMLParser):
    """The tags, attributes and text of a page, as a browser would parse them."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.styles: list[str] = []
        self._in_style = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        (self.styles if self._in_style else self.text).append(data)

    def named(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]

    @property
    def visible(self) -> str:
        return " ".join(" ".join(self.text).split())


def busy_view() -> StatusView:
    """Every section filled, with hostile text wherever a vendor or operator supplies it."""
    at = NOW - timedelta(minutes=4)
    entries = [
        *command("eval-1", "evaluate_trunk_group", *DONE, at=at, group=GROUP),
        change(
            "eval-1",
            "evaluate_trunk_group",
            route_switch_subject("R"),
            at=at,
            before=f"{PRIMARY}, {BACKUP}",
            after=f"{BACKUP}, {PRIMARY}",
            reason=f"{PRIMARY} is down: {HOSTILE}",
            trigger=Trigger.TIMER,
            group=GROUP,
        ),
        *command("buy-1", "purchase_number", CommandStatus.ACCEPTED, numbers=["+12025550100"]),
        *command(
            "dead-1",
            "purchase_number",
            CommandStatus.RUNNING,
            CommandStatus.DEAD_LETTERED,
            reason=f"Twilio said {HOSTILE}",
        ),
        *command("sweep", "reconcile", *DONE, at=at, trigger=Trigger.TIMER),
        change("sweep", "reconcile", f"IVR {HOSTILE} DNIS", at=at, before="[]", after="[x]"),
    ]
    failed = TimerRun(
        timer="audit_timer",
        started_at=NOW - timedelta(hours=2),
        finished_at=NOW - timedelta(hours=2),
        outcome=TimerOutcome.FAILED,
        detail=HOSTILE,
    )
    return view(entries, failed_over(), timers={"audit_timer": failed})


def test_the_page_is_html5_for_a_phone_and_reloads_itself() -> None:
    html = render(busy_view(), refresh_s=30)
    page = Document(html)
    assert html.startswith("<!DOCTYPE html>")
    assert page.named("html")[0]["lang"] == "en"
    assert {"name": "viewport", "content": "width=device-width, initial-scale=1"} in page.named(
        "meta"
    )
    assert {"http-equiv": "refresh", "content": "30"} in page.named("meta")
    default = Document(render(busy_view()))
    assert {"http-equiv": "refresh", "content": str(DEFAULT_REFRESH_S)} in default.named("meta")


def test_the_page_fetches_nothing_from_anywhere() -> None:
    page = Document(render(busy_view()))
    assert not page.named("script") and not page.named("link") and not page.named("img")
    references = [
        value
        for _, attrs in page.tags
        for name, value in attrs.items()
        if name in {"src", "href", "action", "srcset", "poster", "data"}
    ]
    assert references == []
    css = " ".join(page.styles)
    assert "url(" not in css and "@import" not in css
    assert not re.search(r"(?:https?:)?//[\w.-]+\.[a-z]", css)


def test_hostile_text_from_vendors_and_operators_is_shown_as_text() -> None:
    html = render(busy_view())
    page = Document(html)
    assert "<script" not in html and "<img" not in html
    assert page.named("script") == [] and page.named("img") == []
    assert all("onerror" not in attrs for _, attrs in page.tags)
    assert HOSTILE in page.visible  # shown, as the characters it is made of
    assert html.count("&lt;script&gt;") >= 4  # switch reason, dead letter, change, timer


def test_hostile_names_in_the_policy_are_escaped_in_attributes_too() -> None:
    hostile_group = view(health=None).groups[0].model_copy(update={"name": HOSTILE})
    shown = view().model_copy(update={"groups": (hostile_group,)})
    page = Document(render(shown))
    assert page.named("script") == []
    article = page.named("article")[0]
    assert article["aria-label"] == HOSTILE


def test_times_are_utc_with_how_long_ago() -> None:
    page = Document(render(busy_view()))
    assert "2026-12-01 11:56:00 UTC (4 min ago)" in page.visible
    assert "(2 h ago)" in page.visible


def test_states_are_words_not_only_colours() -> None:
    page = Document(render(busy_view()))
    for word in ("down", "up", "active", "standby", "queued", "dead-lettered", "failed"):
        assert re.search(rf"\b{word}\b", page.visible), word


def test_sections_have_headings_and_tables_have_column_headers() -> None:
    page = Document(render(busy_view()))
    headings = [t for t, _ in page.tags if t in {"h1", "h2", "h3"}]
    assert headings.count("h1") == 1 and headings.count("h2") >= 7
    assert page.named("th") and all(th.get("scope") == "col" for th in page.named("th"))
    assert len(page.named("table")) == len(page.named("caption"))
    for section in (
        "Trunk groups",
        "Last reconcile",
        "Pending commands (1)",
        "Dead-lettered commands (1)",
        "Recent commands",
        "Recent changes",
    ):
        assert section in page.visible, section


def test_an_all_well_page_says_so_in_words() -> None:
    healthy = failed_over().model_copy(update={"members": {}})
    page = Document(render(view([], healthy)))
    assert "Overall: all well" in page.visible
    assert "Nothing pending." in page.visible and "Nothing dead-lettered." in page.visible
    problems = Document(render(busy_view()))
    assert "Overall: needs attention" in problems.visible
