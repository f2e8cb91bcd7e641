"""The carriers' status webhooks (``/webhooks/carriers/<key>``): public, no CSRF token, the
carrier's own body; JSON answers."""

from __future__ import annotations

import flask
import werkzeug

from app import extensions
from app.core import errors, permissions
from app.shipping import webhooks

hooks = flask.Blueprint("carrier_hooks", __name__, url_prefix="/webhooks/carriers")


@hooks.errorhandler(errors.AppError)
def _json_error(error: errors.AppError) -> flask.Response:
    return errors.json_response(error)


@hooks.route("/<key>", methods=["POST"])
@permissions.public
def receive(key: str) -> flask.Response:
    """A carrier's call: read with the account's adapter, each update applied once."""
    request = flask.request
    if request.content_length is not None and request.content_length > webhooks.MAX_BODY_BYTES:
        raise webhooks.TooLarge()
    request.max_content_length = webhooks.MAX_BODY_BYTES
    try:
        body = request.get_data(cache=True)
    except werkzeug.exceptions.RequestEntityTooLarge:
        raise webhooks.TooLarge() from None
    reply = webhooks.receive(
        extensions.session(), key, dict(request.headers), body, dict(request.args)
    )
    response = flask.jsonify(reply.body)
    response.status_code = reply.status
    return response
