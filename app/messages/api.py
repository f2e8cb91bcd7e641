"""The buyer messages' API: an order's message log, and the club's rule for each order event
(``PUT`` sets one: channel, ZNS template and its parameters, or a text)."""

from __future__ import annotations

from typing import Any

import flask_login
import flask_smorest

from app import extensions
from app.core import permissions
from app.messages import rules, sending
from app.messages import schemas as message_schemas

blp = flask_smorest.Blueprint(
    "messages_api",
    __name__,
    url_prefix="/api/v1",
    description="Tin nhắn cho người mua: nhật ký tin của đơn, quy tắc gửi theo sự kiện",
)


def _user() -> Any:
    return flask_login.current_user


@blp.route("/orders/<int:order_id>/messages", methods=["GET"])
@permissions.require("orders.record")
@blp.response(200, message_schemas.OrderMessageSchema(many=True))
def order_messages(order_id: int) -> object:
    """The messages about the order (live desk replies and order events), oldest first."""
    return sending.order_log(extensions.session(), _user(), order_id)


@blp.route("/messages/rules", methods=["GET"])
@permissions.require("messages.manage")
@blp.response(200, message_schemas.RuleSchema(many=True))
def list_rules() -> object:
    """The club's rules, one per order event that has one."""
    return list(rules.rules_for(extensions.session(), _user()).values())


@blp.route("/messages/rules/<event>", methods=["PUT"])
@permissions.require("messages.manage")
@blp.arguments(message_schemas.RuleInputSchema)
@blp.response(200, message_schemas.RuleSchema)
def put_rule(body: dict[str, Any], event: str) -> object:
    """Set what the buyer is told on ``event`` (``taken``, ``payment_qr``, ``paid``,
    ``shipped``, ``delivered``, ``cancelled``, ``payment_reminder``)."""
    data = {**body, "template": body.pop("template_id", None)}
    return rules.save_rule(extensions.session(), _user(), event, data)
