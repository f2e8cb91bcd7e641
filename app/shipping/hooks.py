"""The carriers' status webhooks (``/webhooks/carriers/<key>``): public, no CSRF token, the
carrier's own body; JSON answers."""

from __future__ import annotations

import flask

from app import extensions
from app.core import permissions
from app.http import webhooks as http_webhooks
from app.shipping import webhooks

hooks = http_webhooks.blueprint("carrier_hooks", __name__, "/webhooks/carriers")


@hooks.route("/<key>", methods=["POST"])
@permissions.public
def receive(key: str) -> flask.Response:
    """A carrier's call: read with the account's adapter, each update applied once."""
    body = http_webhooks.read_body(webhooks.MAX_BODY_BYTES)
    request = flask.request
    reply = webhooks.receive(
        extensions.session(), key, dict(request.headers), body, dict(request.args)
    )
    response = flask.jsonify(reply.body)
    response.status_code = reply.status
    return response
