"""The ceiling of bench/payments: a WSGI app that only checks a SePay webhook's signature
(the same ``SePaySource.verify`` as the app, with the demo bank's secret) and answers what
SePay wants, with no database, no Flask and nothing stored. Served by gunicorn with the same
workers and threads as the app, so the two columns differ only by the app's work.

    gunicorn bench.payments.bare:app
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from typing import Any

from integrations.payments.sepay import SePaySource
from integrations.webhooks import WebhookRejected
from sandbox import bank

_SOURCE: SePaySource | None = None


def _source() -> SePaySource:
    global _SOURCE
    if _SOURCE is None:
        _SOURCE = SePaySource(bank.demo_credentials()["sepay"])
    return _SOURCE


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    headers = {
        key[5:].replace("_", "-").title(): value
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    reply: dict[str, object]
    try:
        transfers = _source().verify(headers, body, now=dt.datetime.now(dt.UTC))
    except WebhookRejected as exc:
        status, reply = "400 Bad Request", {"error": exc.reason}
    else:
        status, reply = "200 OK", {"success": True, "transfers": len(transfers)}
    data = json.dumps(reply).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]
