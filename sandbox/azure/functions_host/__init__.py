"""A local Functions host: runs `function_app.app` on this machine with the triggers' semantics.

It reads each function's trigger from the app's own metadata (the same decorators Azure
indexes), serves HTTP triggers on a real port with function-key checks, fires timers on
their NCRONTAB schedules and delivers the Service Bus queue to its trigger from the sandbox
broker (peek-lock, delivery count, dead-lettering, duplicate detection, sessions). The
function code cannot tell it apart from Azure: only the settings differ.
"""

from sandbox.azure.functions_host.host import Invocation, LocalHost

__all__ = ["Invocation", "LocalHost"]
