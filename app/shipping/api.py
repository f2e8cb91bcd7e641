"""The shipping API: parcels (filters, stuck ones, one with its events, cancelling), the fee
comparison and booking jobs, and an order's delivery address.

Another club's parcel or order answers 404, as a missing one does. An address that matches
several communes answers 422 with ``fields.candidates`` (their names)."""

from __future__ import annotations

from typing import Any

import flask_login
import flask_smorest

from app import extensions
from app.core import permissions
from app.shipping import addresses, booking, parcels
from app.shipping import schemas as ship_schemas

blp = flask_smorest.Blueprint(
    "shipping_api",
    __name__,
    url_prefix="/api/v1",
    description="Giao hàng: địa chỉ của đơn, kiện hàng, so sánh phí, đặt giao hàng, huỷ kiện",
)


@blp.route("/orders/<int:order_id>/shipping-address", methods=["PUT"])
@permissions.require("shipping.book")
@blp.arguments(ship_schemas.AddressSchema)
@blp.response(200, ship_schemas.OrderAddressSchema)
def set_address(body: dict[str, Any], order_id: int) -> object:
    """Set where the order goes: typed text (old or new form) or a province and commune."""
    return addresses.set_address(extensions.session(), flask_login.current_user, order_id, **body)


@blp.route("/shipping/parcels", methods=["GET"])
@permissions.require("shipping.book")
@blp.arguments(ship_schemas.ParcelListArgsSchema, location="query")
@blp.response(200, ship_schemas.ParcelPageSchema)
def list_parcels(args: dict[str, Any]) -> object:
    """The clubs' parcels, newest first (``stuck=true``: only the ones that need a look)."""
    filters = parcels.ParcelFilters.from_args(args)
    return parcels.list_parcels(
        extensions.session(), flask_login.current_user, filters, args["page"], args["per_page"]
    )


@blp.route("/shipping/parcels/<int:shipment_id>", methods=["GET"])
@permissions.require("shipping.book")
@blp.response(200, ship_schemas.ParcelDetailSchema)
def get_parcel(shipment_id: int) -> object:
    return parcels.get_parcel(extensions.session(), flask_login.current_user, shipment_id)


@blp.route("/shipping/parcels/<int:shipment_id>/cancel", methods=["POST"])
@permissions.require("shipping.book")
@blp.response(200, ship_schemas.ParcelDetailSchema)
def cancel_parcel(shipment_id: int) -> object:
    """Cancel a parcel not picked up yet (422 when it is too late)."""
    return parcels.cancel(extensions.session(), flask_login.current_user, shipment_id)


@blp.route("/shipping/quotes", methods=["POST"])
@permissions.require("shipping.book")
@blp.arguments(ship_schemas.QuoteRequestSchema)
@blp.response(202, ship_schemas.job_schemas.JobSchema)
def start_quotes(body: dict[str, Any]) -> object:
    """Compare every active carrier's fees for the orders' parcels (a job; its result holds
    the table)."""
    return booking.start_quotes(extensions.session(), flask_login.current_user, body["order_ids"])


@blp.route("/shipping/bookings", methods=["POST"])
@permissions.require("shipping.book")
@blp.arguments(ship_schemas.BookingRequestSchema)
@blp.response(202, ship_schemas.BookingSchema)
def start_booking(body: dict[str, Any]) -> object:
    """Book the chosen orders with the chosen carriers (a job) and say which were skipped."""
    job, skipped = booking.start_booking(
        extensions.session(), flask_login.current_user, body["choices"]
    )
    return {"job": job, "skipped": skipped}
