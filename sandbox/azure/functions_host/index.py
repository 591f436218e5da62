"""What the host learns from `function_app.app`: each function's trigger, resolved.

`%NAME%` in a trigger property is an app setting, resolved when the host starts, as Azure
does; a missing setting stops the host with the setting's name (Azure refuses to index the
function the same way).
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import azure.functions as func

from sandbox.azure.functions_host.ncrontab import Schedule

_SETTING = re.compile(r"%([^%]+)%")


class IndexingError(RuntimeError):
    """The app cannot run in this host as configured; the message names the function."""


@dataclass(frozen=True)
class HttpFunction:
    name: str
    arg_name: str
    route: str
    methods: frozenset[str]
    auth_level: str  # anonymous | function | admin
    call: Callable[..., Any]
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class TimerFunction:
    name: str
    arg_name: str
    schedule: Schedule
    run_on_startup: bool
    call: Callable[..., Any]


@dataclass(frozen=True)
class QueueFunction:
    name: str
    arg_name: str
    queue: str
    connection: str
    sessions: bool
    call: Callable[..., Any]


@dataclass(frozen=True)
class AppIndex:
    http: tuple[HttpFunction, ...]
    timers: tuple[TimerFunction, ...]
    queues: tuple[QueueFunction, ...]


def resolve(value: str, settings: Mapping[str, str], function: str) -> str:
    def lookup(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in settings:
            raise IndexingError(f"function {function}: app setting {name} is not set")
        return settings[name]

    return _SETTING.sub(lookup, value)


def route_pattern(route: str) -> re.Pattern[str]:
    """`numbers/{e164}` → a regex with a named group per parameter (constraints ignored)."""
    parts = []
    for piece in re.split(r"(\{[^}]+\})", route.strip("/")):
        if piece.startswith("{"):
            name = piece[1:-1].split(":", 1)[0].rstrip("?")
            parts.append(f"(?P<{name}>[^/]+)")
        else:
            parts.append(re.escape(piece))
    return re.compile("^" + "".join(parts) + "$")


def _connection_configured(name: str, settings: Mapping[str, str]) -> bool:
    return bool(settings.get(name) or settings.get(f"{name}__fullyQualifiedNamespace"))


_built: weakref.WeakKeyDictionary[func.FunctionApp, list[Any]] = weakref.WeakKeyDictionary()


def app_functions(app: func.FunctionApp) -> list[Any]:
    """The app's functions, built once per process: the Python worker indexes an app once, and
    the SDK refuses a second `get_functions()` (it sees every name as a duplicate)."""
    if app not in _built:
        _built[app] = app.get_functions()
    return _built[app]


def index_app(app: func.FunctionApp, settings: Mapping[str, str]) -> AppIndex:
    http: list[HttpFunction] = []
    timers: list[TimerFunction] = []
    queues: list[QueueFunction] = []
    for function in app_functions(app):
        name = function.get_function_name()
        trigger: Any = function.get_trigger()
        call = function.get_user_function()
        kind = trigger.type
        if kind == "httpTrigger":
            route = trigger.route or name
            methods = frozenset(
                str(m.value if hasattr(m, "value") else m).upper()
                for m in (trigger.methods or ["GET", "POST"])
            )
            level = trigger.auth_level
            http.append(
                HttpFunction(
                    name,
                    trigger.name,
                    route,
                    methods,
                    str(level.value if hasattr(level, "value") else level or "function"),
                    call,
                    route_pattern(route),
                )
            )
        elif kind == "timerTrigger":
            schedule = Schedule.parse(resolve(trigger.schedule, settings, name))
            timers.append(
                TimerFunction(name, trigger.name, schedule, bool(trigger.run_on_startup), call)
            )
        elif kind == "serviceBusTrigger":
            if not _connection_configured(trigger.connection, settings):
                raise IndexingError(
                    f"function {name}: connection {trigger.connection} is not set "
                    f"({trigger.connection} or {trigger.connection}__fullyQualifiedNamespace)"
                )
            queues.append(
                QueueFunction(
                    name,
                    trigger.name,
                    resolve(trigger.queue_name, settings, name),
                    trigger.connection,
                    bool(trigger.is_sessions_enabled),
                    call,
                )
            )
        else:
            raise IndexingError(f"function {name}: trigger {kind} is not supported by this host")
    return AppIndex(tuple(http), tuple(timers), tuple(queues))
