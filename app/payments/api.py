"""The payments API: the club's connections to SePay, Casso and payOS (never a secret back),
its transactions (by default the review list), and settling one by hand.

Another club's connection or transaction answers 404, as a missing one does. Settling a
transaction someone else settled first answers ``409 conflict``; an order not waiting for
money ``409`` with ``fields.order_id``.
"""

from __future__ import annotations

from typing import Any

import flask_login
import flask_smorest

from app import extensions
from app.core import permissions
from app.payments import connections, matching, review
from app.payments import schemas as payment_schemas

blp = flask_smorest.Blueprint(
    "payments_api",
    __name__,
    url_prefix="/api/v1/payments",
    description="Nhận tiền chuyển khoản: kết nối SePay, Casso, payOS; giao dịch; đối soát tay",
)


def _user() -> Any:
    return flask_login.current_user


@blp.route("/connections", methods=["GET"])
@permissions.require("payments.manage")
@blp.response(200, payment_schemas.ConnectionSchema(many=True))
def list_connections() -> object:
    """The connections of the clubs the user reaches, with their webhook addresses."""
    return connections.connections_for(extensions.session(), _user())


@blp.route("/connections", methods=["POST"])
@permissions.require("payments.manage")
@blp.arguments(payment_schemas.ConnectionCreateSchema)
@blp.response(201, payment_schemas.ConnectionSchema)
def create_connection(body: dict[str, Any]) -> object:
    """Connect the user's club to a service for one bank account. payOS is told the webhook
    address at once (422 with payOS's refusal when it does not take it)."""
    return connections.connect(
        extensions.session(),
        _user(),
        provider=body["provider"],
        bank_bin=body["bank_bin"],
        account_number=body["account_number"],
        label=body["label"],
        settings=body["settings"],
        webhook_url=payment_schemas.webhook_url,
    )


@blp.route("/connections/<int:connection_id>", methods=["GET"])
@permissions.require("payments.manage")
@blp.response(200, payment_schemas.ConnectionSchema)
def get_connection(connection_id: int) -> object:
    return connections.get_connection(extensions.session(), _user(), connection_id)


@blp.route("/connections/<int:connection_id>", methods=["DELETE"])
@permissions.require("payments.manage")
@blp.response(204)
def delete_connection(connection_id: int) -> None:
    """Remove a connection: its webhook address answers 404 from now on; its transactions
    stay."""
    connections.delete(extensions.session(), _user(), connection_id)


@blp.route("/transactions", methods=["GET"])
@permissions.require("payments.review")
@blp.arguments(payment_schemas.TransactionListArgsSchema, location="query")
@blp.response(200, payment_schemas.TransactionPageSchema)
def list_transactions(args: dict[str, Any]) -> object:
    """The club's transactions, newest first: by default the review list (``state=review``)."""
    filters = review.Filters(
        state=args["state"],
        date_from=args.get("date_from"),
        date_to=args.get("date_to"),
        q=args["q"].strip(),
    )
    return review.transactions(
        extensions.session(), _user(), filters, args["page"], args["per_page"]
    )


@blp.route("/transactions/<int:transaction_id>", methods=["GET"])
@permissions.require("payments.review")
@blp.response(200, payment_schemas.TransactionSchema)
def get_transaction(transaction_id: int) -> object:
    return review.get_transaction(extensions.session(), _user(), transaction_id)


@blp.route("/transactions/<int:transaction_id>/assign", methods=["POST"])
@permissions.require("payments.review")
@blp.arguments(payment_schemas.AssignSchema)
@blp.response(200, payment_schemas.TransactionSchema)
def assign(body: dict[str, Any], transaction_id: int) -> object:
    """Count a transaction of the review list towards an order of the club."""
    return matching.assign(extensions.session(), _user(), transaction_id, body["order_id"])


@blp.route("/transactions/<int:transaction_id>/set-aside", methods=["POST"])
@permissions.require("payments.review")
@blp.response(200, payment_schemas.TransactionSchema)
def set_aside(transaction_id: int) -> object:
    """Take a transaction off the review list without an order."""
    return matching.set_aside(extensions.session(), _user(), transaction_id)
