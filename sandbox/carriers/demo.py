"""The carrier sandboxes as ``make run`` serves them: real time, status webhooks to the demo
club's carrier accounts on the app, and an autopilot that moves every parcel along its
carrier's usual route (picked up, on its way, out for delivery, delivered) a step every
``step_seconds``, so the demo's parcels reach "delivered" with nobody at a carrier."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from sandbox.carriers import common, ghn, ghtk, viettelpost, vnpost

# The order ``python -m sandbox`` serves them in (ports after the messaging sandbox).
SANDBOXES: dict[str, type[common.CarrierSandbox]] = {
    "ghn": ghn.GHNSandbox,
    "ghtk": ghtk.GHTKSandbox,
    "viettelpost": viettelpost.ViettelPostSandbox,
    "vnpost": vnpost.VNPostSandbox,
}
CONFIGS: dict[str, Callable[[str], dict[str, str]]] = {
    "ghn": ghn.demo_config,
    "ghtk": ghtk.demo_config,
    "viettelpost": viettelpost.demo_config,
    "vnpost": vnpost.demo_config,
}
# Each carrier's own codes from booked to delivered (sandbox/carriers/*.py, shipping.md).
ROUTES: dict[str, tuple[str, ...]] = {
    "ghn": ("ready_to_pick", "picking", "picked", "transporting", "delivering", "delivered"),
    "ghtk": ("2", "12", "3", "4", "5"),
    "viettelpost": ("-100", "103", "105", "200", "500", "501"),
    "vnpost": ("1", "2", "6", "10", "12", "14"),
}
# The webhook keys the demo club's carrier accounts keep (app/setup/demo.py): public test values.
DEMO_WEBHOOK_KEYS = {name: f"sandbox-{name}-demo" for name in SANDBOXES}
STEP_SECONDS = 30.0


def demo_config(name: str, url: str) -> dict[str, str]:
    """The adapter config (secrets included) for the sandbox ``name`` served at ``url``."""
    return CONFIGS[name](url)


class Autopilot:
    """Moves each parcel of ``sandbox`` one step along ``route`` every ``step_seconds``
    (parcels off the route — cancelled, returned by hand — are left alone)."""

    def __init__(
        self, sandbox: common.CarrierSandbox, route: tuple[str, ...], step_seconds: float
    ) -> None:
        self.sandbox = sandbox
        self.route = route
        self.step_seconds = step_seconds
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True, name="carrier-autopilot")

    def start(self) -> Autopilot:
        self.thread.start()
        return self

    def tick(self, now: float | None = None) -> int:
        """Move the parcels due a step; how many moved."""
        depot = self.sandbox.depot
        moment = time.time() if now is None else now
        due: list[tuple[str, str]] = []
        with depot.lock:
            for parcel in depot.parcels.values():
                if parcel.status not in self.route or not parcel.history:
                    continue
                step = self.route.index(parcel.status)
                if (
                    step + 1 < len(self.route)
                    and moment - parcel.history[-1].at >= self.step_seconds
                ):
                    due.append((parcel.code, self.route[step + 1]))
        for code, status in due:
            depot.move(code, status)
        return len(due)

    def _run(self) -> None:
        while not self.stop.wait(min(5.0, self.step_seconds / 2)):
            self.tick()


def sandbox(
    name: str, app_url: str | None = None, *, step_seconds: float = STEP_SECONDS
) -> tuple[common.CarrierSandbox, Autopilot]:
    """The demo's sandbox ``name`` in real time; with ``app_url`` its webhooks go to the demo
    club's account there. Its autopilot is started."""
    served: Any = SANDBOXES[name](realtime=True)
    if app_url:
        served.depot.webhook_url = (
            f"{app_url.rstrip('/')}/webhooks/carriers/{DEMO_WEBHOOK_KEYS[name]}"
        )
    return served, Autopilot(served, ROUTES[name], step_seconds).start()
