"""The status page as one self-contained HTML5 document: pure, from a `StatusView`.

It has to work where operators are: on a locked-down network (no CDN, no web font, no
script: the CSS is inline and nothing is fetched from anywhere), on a phone at 3 a.m.
(tables fold into labelled cards on a narrow screen) and on a wall screen left open (it
reloads itself). Every value on it came from a vendor, an operator or a policy file, so every
value is escaped. Colour is never the only signal: each state is also a word.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from html import escape

from shared.status.timer_runs import TimerOutcome
from shared.status.view import (
    ChangeView,
    CommandView,
    GroupView,
    ReconcileView,
    StatusView,
    TimerView,
)

DEFAULT_REFRESH_S = 15
TITLE = "byoc-sync status"

_CSS = """
:root { color-scheme: light dark; --fg: #1b1f24; --bg: #fff; --muted: #57606a;
  --line: #d0d7de; --card: #f6f8fa; --good: #1a7f37; --bad: #cf222e; --warn: #9a6700; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9198a1; --line: #30363d; --card: #161b22;
    --good: #3fb950; --bad: #f85149; --warn: #d29922; } }
* { box-sizing: border-box; }
body { margin: 0; padding: 1rem; font: 16px/1.45 system-ui, -apple-system, "Segoe UI",
  Roboto, sans-serif; color: var(--fg); background: var(--bg); }
main, header { max-width: 72rem; margin: 0 auto; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; margin: 1.75rem 0 .5rem; border-bottom: 1px solid var(--line);
  padding-bottom: .25rem; }
h3 { font-size: 1.05rem; margin: 0 0 .25rem; }
h4 { font-size: .95rem; margin: .75rem 0 .25rem; }
p { margin: .25rem 0; }
.meta, .ago, .note { color: var(--muted); font-size: .875rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 6px;
  padding: .75rem; margin: .75rem 0; }
.banner { border-left: 4px solid var(--good); }
.banner h2 { margin-top: 0; }
.banner.attention { border-left-color: var(--bad); }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
caption { text-align: left; padding: .25rem 0; }
th, td { text-align: left; vertical-align: top; padding: .35rem .5rem;
  border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
th { font-weight: 600; white-space: nowrap; }
time { white-space: nowrap; }
code { font-size: .85em; overflow-wrap: anywhere; }
.state { font-weight: 600; white-space: nowrap; }
.state.up, .state.ok, .state.succeeded { color: var(--good); }
.state.down, .state.failed, .state.dead_lettered { color: var(--bad); }
.state.unknown, .state.skipped, .state.queued, .state.running { color: var(--warn); }
ul.problems { margin: .25rem 0; padding-left: 1.25rem; }
@media (max-width: 40rem) {
  body { padding: .5rem; }
  table, caption, tbody, tr, td { display: block; width: 100%; }
  thead { position: absolute; width: 1px; height: 1px; overflow: hidden;
    clip: rect(0 0 0 0); }
  tr { border: 1px solid var(--line); border-radius: 6px; margin: .5rem 0; padding: .25rem; }
  td { border: 0; padding: .2rem .35rem; }
  td[data-label]::before { content: attr(data-label) ": "; font-weight: 600; }
}
"""


def _text(value: object) -> str:
    return escape(str(value), quote=True)


def _ago(seconds: float) -> str:
    if seconds < 0:
        return "just now"
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{int(seconds // size)} {unit} ago"
    return f"{int(seconds)} s ago"


def _time(at: datetime | None, now: datetime) -> str:
    """A moment in UTC with how long ago it was (an operator reads the second, a log search
    needs the first)."""
    if at is None:
        return "—"
    utc = at.astimezone(UTC)
    return (
        f'<time datetime="{_text(utc.isoformat())}">{utc:%Y-%m-%d %H:%M:%S} UTC</time> '
        f'<span class="ago">({_ago((now - utc).total_seconds())})</span>'
    )


def _state(word: str) -> str:
    """A state as a word, coloured by its class (the word carries it without colour)."""
    return f'<span class="state {_text(word)}">{_text(word.replace("_", "-"))}</span>'


def _table(caption: str, headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A table whose cells are already HTML; each cell carries its column's label, which a
    narrow screen shows in front of it once the table folds into cards."""
    head = "".join(f'<th scope="col">{_text(h)}</th>' for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td data-label="{_text(h)}">{cell}</td>' for h, cell in zip(headers, row, strict=True)
        )
        + "</tr>"
        for row in rows
    )
    return (
        f'<div class="table-wrap"><table><caption class="meta">{_text(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def _transition(before: str | None, after: str | None) -> str:
    """Before and after on lines of their own: either may itself read "A → B" (a route's
    trunk order), so an arrow between them would be ambiguous."""

    def shown(value: str | None) -> str:
        return _text("—" if value is None else value)

    return f"before: {shown(before)}<br>after: {shown(after)}"


def _switches(group: GroupView, now: datetime) -> str:
    if not group.switches:
        return '<p class="note">No switch recorded.</p>'
    rows = [
        (
            _time(s.at, now),
            f"{_text(s.from_member or '—')} → {_text(s.to_member or '—')}",
            _text(s.reason or "—"),
            _text(s.trigger or "—"),
        )
        for s in group.switches
    ]
    headers = ("When", "From → to", "Why", "Trigger")
    return _table(f"Last switches of {group.name}", headers, rows)


def _group(group: GroupView, now: datetime) -> str:
    if group.active is None:
        active = "<p>Active member: <strong>unknown</strong> (not evaluated yet)</p>"
    else:
        pinned = " — pinned by an operator" if group.pinned == group.active else ""
        active = (
            f"<p>Active member: <strong>{_text(group.active)}</strong>{_text(pinned)}, "
            f"since {_time(group.active_since, now)}</p>"
        )
    members = _table(
        f"Members of {group.name}",
        ("Member", "Priority", "State", "Active", "Probes failed / ok", "Last probe"),
        (
            (
                _text(m.name),
                _text(m.priority),
                _state(m.state),
                "<strong>active</strong>" if m.active else "standby",
                f"{m.failures} / {m.successes}",
                f"{_text(m.last_probe or '—')}<br>{_time(m.last_probed_at, now)}",
            )
            for m in group.members
        ),
    )
    return (
        f'<article class="card" aria-label="{_text(group.name)}"><h3>{_text(group.name)}</h3>'
        f'{active}<p class="note">Last evaluation: {_text(group.summary)}</p>{members}'
        f"<h4>Last switches</h4>{_switches(group, now)}</article>"
    )


def _numbers_or_group(numbers: Sequence[str], group: str | None) -> str:
    parts = [", ".join(numbers)] if numbers else []
    if group:
        parts.append(f"group {group}")
    return _text("; ".join(parts) or "—")


def _commands(caption: str, commands: Sequence[CommandView], now: datetime) -> str:
    rows = [
        (
            _time(c.updated_at, now),
            f"{_text(c.command_type)}<br><code>{_text(c.command_id)}</code>",
            _text(c.trigger),
            _state(c.status.value)
            + (f" (delivery {_text(c.delivery)})" if c.delivery and c.delivery > 1 else ""),
            _numbers_or_group(c.phone_numbers, c.trunk_group),
            _text(c.reason or "; ".join(c.steps) or "—"),
        )
        for c in commands
    ]
    headers = ("Updated", "Command", "Trigger", "Status", "Numbers / group", "Reason / steps")
    return _table(caption, headers, rows)


def _changes(caption: str, changes: Sequence[ChangeView], now: datetime) -> str:
    rows = [
        (
            _time(c.at, now),
            _text(c.subject),
            _transition(c.before, c.after),
            _text(c.reason or "—"),
            _numbers_or_group(c.phone_numbers, c.trunk_group),
            f"{_text(c.command_type)} ({_text(c.trigger)})<br><code>{_text(c.command_id)}</code>",
        )
        for c in changes
    ]
    headers = ("When", "What", "Change", "Why", "Numbers / group", "Command")
    return _table(caption, headers, rows)


def _more(shown: int, total: int) -> str:
    return f'<p class="note">Showing the newest {shown} of {total}.</p>' if total > shown else ""


def _reconcile(last: ReconcileView | None, now: datetime) -> str:
    if last is None:
        return '<p class="note">No reconcile in the journal window.</p>'
    command = last.command
    drift = (
        "no drift: nothing needed changing"
        if last.change_count == 0
        else f"{last.change_count} change(s) made to correct drift"
    )
    summary = (
        f"<p>{_state(command.status.value)} — {_text(drift)}; triggered by "
        f"{_text(command.trigger)}, updated {_time(command.updated_at, now)}</p>"
    )
    if command.reason:
        summary += f"<p>Reason: {_text(command.reason)}</p>"
    if not last.changes:
        return summary
    table = _changes("Changes of the last reconcile", last.changes, now)
    return summary + table + _more(len(last.changes), last.change_count)


def _timers(timers: Sequence[TimerView], now: datetime) -> str:
    rows = [
        (
            _text(t.label),
            _state(t.last.outcome.value) if t.last else _state("unknown") + " (no run recorded)",
            _time(t.last.finished_at if t.last else None, now),
            _text(t.last.detail or "—") if t.last else "—",
        )
        for t in timers
    ]
    return _table("Last run of each timer", ("Timer", "Outcome", "Finished", "Detail"), rows)


def _banner(view: StatusView) -> str:
    if not view.problems:
        return (
            '<section class="card banner" aria-labelledby="overall"><h2 id="overall">'
            "Overall: all well</h2><p>Every trunk-group member is up, nothing is "
            "dead-lettered and no timer failed.</p></section>"
        )
    items = "".join(f"<li>{_text(p)}</li>" for p in view.problems)
    return (
        '<section class="card banner attention" aria-labelledby="overall">'
        '<h2 id="overall">Overall: needs attention</h2>'
        f'<ul class="problems">{items}</ul></section>'
    )


def _section(key: str, title: str, body: str) -> str:
    return f'<section aria-labelledby="{key}"><h2 id="{key}">{_text(title)}</h2>{body}</section>'


def _failed_timers(timers: Sequence[TimerView]) -> int:
    return sum(1 for t in timers if t.last and t.last.outcome is TimerOutcome.FAILED)


def render(view: StatusView, refresh_s: int = DEFAULT_REFRESH_S) -> str:
    """The whole page. `refresh_s` is how often the browser reloads it."""
    now = view.generated_at
    groups = "".join(_group(g, now) for g in view.groups) or (
        '<p class="note">The policy has no trunk groups.</p>'
    )
    pending = (
        _commands("Commands accepted or running", view.pending, now)
        + _more(len(view.pending), view.pending_count)
        if view.pending
        else '<p class="note">Nothing pending.</p>'
    )
    dead = (
        _commands("Commands given up on, with the reason", view.dead_lettered, now)
        + _more(len(view.dead_lettered), view.dead_lettered_count)
        if view.dead_lettered
        else '<p class="note">Nothing dead-lettered.</p>'
    )
    routine = (
        f'<p class="note">{view.routine_hidden} routine health evaluation(s) that changed '
        "nothing are not listed.</p>"
        if view.routine_hidden
        else ""
    )
    commands = (
        _commands("Newest commands first", view.recent_commands, now)
        if view.recent_commands
        else '<p class="note">No commands in the journal window.</p>'
    )
    changes = (
        _changes("Newest vendor changes first", view.recent_changes, now)
        + _more(len(view.recent_changes), view.change_count)
        if view.recent_changes
        else '<p class="note">No vendor changes in the journal window.</p>'
    )
    journal_note = (
        f'<p class="note">The journal could not be read: {_text(view.journal_problem)}</p>'
        if view.journal_problem
        else ""
    )
    timers_title = "Timers" + (" (a timer failed)" if _failed_timers(view.timers) else "")
    body = "".join(
        (
            _banner(view),
            _section("groups", "Trunk groups", groups),
            journal_note,
            _section("reconcile", "Last reconcile", _reconcile(view.last_reconcile, now)),
            _section("pending", f"Pending commands ({view.pending_count})", pending),
            _section("dead-lettered", f"Dead-lettered commands ({view.dead_lettered_count})", dead),
            _section("commands", "Recent commands", routine + commands),
            _section("changes", "Recent changes", changes),
            _section("timers", timers_title, _timers(view.timers, now)),
        )
    )
    refresh = max(1, int(refresh_s))
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="refresh" content="{refresh}">'
        f"<title>{_text(TITLE)}</title><style>{_CSS}</style></head><body>"
        f"<header><h1>{_text(TITLE)}</h1>"
        f'<p class="meta">Updated {_time(now, now)} · reloads every {refresh} s · journal '
        f"since {_time(view.since, now)}</p></header>"
        f"<main>{body}</main></body></html>"
    )
