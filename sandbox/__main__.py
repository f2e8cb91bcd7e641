"""Serve the sandbox marketplaces: ``python -m sandbox [--host H] [--port-base P]``.

Shopee on P, TikTok Shop on P+1, Lazada on P+2 (the order of ``servers.DIALECTS``), then
the live chats: Facebook Live on P+3, YouTube Live on P+4 and TikTok LIVE on P+5 (its web
look-up and sign server; the push server it names takes a free port) (``servers.LIVE_CHATS``),
each playing a scripted hour-long live in real time from the moment the sandbox starts; then
the bank on P+6 (its SePay, Casso and payOS webhooks and payOS's merchant API; with
``--app-url`` SePay calls the demo club's connection on the app from the start: pay an order
with ``POST /_sandbox/pay {"amount": …, "content": "DH…"}``); then buyer messaging on P+7
(Zalo OAuth, OA and ZNS, and Messenger; with ``--app-url`` its delivery callbacks and buyers'
texts go to the demo club's message connections; what a buyer received:
``GET /_sandbox/messages?phone=…`` or the page ``/_sandbox/inbox?phone=…``); then the
carriers GHN, GHTK, Viettel Post and Vietnam Post on P+8…P+11 (``sandbox.carriers.demo``:
with ``--app-url`` their status webhooks go to the demo club's carrier accounts, and every
booked parcel moves a step along its route every ``--parcel-step`` seconds until delivered).
"""

from __future__ import annotations

import argparse
import signal
import threading
from typing import Any

from sandbox import core, messaging, servers
from sandbox.carriers import demo as carrier_demo


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port-base", type=int, default=5701)
    parser.add_argument(
        "--rate-limit",
        type=float,
        default=10.0,
        help="requests per second each sandbox accepts (0 = unlimited)",
    )
    parser.add_argument(
        "--app-url",
        default="",
        help="the app's address, where the bank's SePay and the messaging sandbox send the "
        "demo club's webhooks",
    )
    parser.add_argument(
        "--parcel-step",
        type=float,
        default=carrier_demo.STEP_SECONDS,
        help="seconds between two moves of a demo parcel at the sandbox carriers",
    )
    args = parser.parse_args(argv)
    running: list[core.Server[Any]] = []
    for offset, name in enumerate(servers.DIALECTS):
        dialect = servers.dialect(name)
        dialect.state.rate_limit = args.rate_limit
        server = core.Server(dialect, port=args.port_base + offset, host=args.host).start()
        running.append(server)
        print(f"sandbox {name}: {server.url}", flush=True)
    for offset, name in enumerate(servers.LIVE_CHATS, start=len(servers.DIALECTS)):
        chat = core.Server(servers.live_chat(name), port=args.port_base + offset, host=args.host)
        running.append(chat.start())
        print(f"sandbox {name} live: {chat.url}", flush=True)
    offset = len(servers.DIALECTS) + len(servers.LIVE_CHATS)
    bank = core.Server(
        servers.bank_sandbox(args.app_url or None), port=args.port_base + offset, host=args.host
    )
    running.append(bank.start())
    print(f"sandbox bank: {bank.url}", flush=True)
    messages = messaging.Server(
        servers.messaging_sandbox(args.app_url or None),
        port=args.port_base + offset + 1,
        host=args.host,
    )
    running.append(messages.start())
    print(f"sandbox messaging: {messages.url}", flush=True)
    pilots = []
    for number, name in enumerate(carrier_demo.SANDBOXES, start=offset + 2):
        served, pilot = carrier_demo.sandbox(
            name, args.app_url or None, step_seconds=args.parcel_step
        )
        carrier = core.Server(served, port=args.port_base + number, host=args.host)
        running.append(carrier.start())
        pilots.append((served, pilot))
        print(f"sandbox carrier {name}: {carrier.url}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    for server in running:
        server.stop()
    bank.dialect.bank.close()
    for served, pilot in pilots:
        pilot.stop.set()
        served.depot.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
