"""The local Functions host as a process of its own, on a durable broker, so it can be
killed (`kill -9`) and started again on the same queue: what a Function App instance
crashing mid-command looks like, and what the crash-safety tests do to it.

    python -m sandbox.azure.host_process --settings settings.json --journal broker.journal

`settings.json` holds the app settings (as `local.settings.json`'s `Values`) except the
Service Bus connection, which is this process's own broker. When ready, one JSON line on
stdout: `{"url": ..., "function_key": ..., "ServiceBusConnection": ...}`. It runs until
it is killed (SIGKILL: a crash) or told to stop (SIGTERM or SIGINT: a shutdown, as when
Azure scales in or deploys): then, like the Functions host, it receives no more messages,
lets the invocations running finish and settle their messages (up to `--drain-timeout`),
and exits; messages still waiting stay on the journal for the next host.

It never outlives the process that started it: on Linux it asks for SIGTERM when that
parent ends, however it ends (`sandbox.watchdog.die_with_parent`), and shuts down as above.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path

import function_app
from sandbox.azure.functions_host import LocalHost
from sandbox.azure.servicebus import AmqpBrokerServer, Broker
from sandbox.watchdog import die_with_parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--settings", type=Path, required=True, help="JSON app settings")
    parser.add_argument("--journal", type=Path, required=True, help="the broker's journal file")
    parser.add_argument("--lock-duration", type=float, default=60.0, help="message lock, s")
    parser.add_argument("--max-delivery-count", type=int, default=10)
    parser.add_argument(
        "--drain-timeout",
        type=float,
        default=60.0,
        help="on SIGTERM, how long running invocations may take to finish, s",
    )
    args = parser.parse_args(argv)
    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    die_with_parent(signal.SIGTERM)  # after the handler: the signal means "shut down"

    broker = Broker(lock_duration_s=args.lock_duration, journal=args.journal)
    amqp = AmqpBrokerServer(broker).start()
    settings = {
        **json.loads(args.settings.read_text()),
        "ServiceBusConnection": amqp.connection_string,
    }
    host = LocalHost(
        function_app.app,
        broker=broker,
        settings=settings,
        max_delivery_count=args.max_delivery_count,
        run_timers=False,
    ).start()
    print(
        json.dumps(
            {
                "url": host.base_url,
                "function_key": host.function_key,
                "ServiceBusConnection": amqp.connection_string,
            }
        ),
        flush=True,
    )
    stopped.wait()
    if not host.finish_in_flight(args.drain_timeout):
        print(
            f"host_process: invocations still running after {args.drain_timeout:g} s; "
            "their messages are delivered again once their locks expire",
            file=sys.stderr,
            flush=True,
        )
    host.stop()
    amqp.stop()
    broker.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
