"""GHN (Giao Hàng Nhanh): the Shiip public API (docs: api.ghn.vn/home/docs).

Headers ``Token`` (every call) and ``ShopId`` (order calls). Replies ``{"code": 200,
"message": "Success", "data": …}``; refusals ``{"code": 400, "message", "data": null,
"code_message": "USER_ERR_COMMON"}`` (HTTP status = code).

- quote: ``POST v2/shipping-order/available-services`` (the route's services), then ``POST
  v2/shipping-order/fee`` per service → ``data.total``, ``service_fee``, ``insurance_fee``;
- book: ``POST v2/shipping-order/create``, the name-based variant (doc id 123:
  ``to_ward_name``, ``to_district_name``, ``to_province_name``, ``from_*``, ``return_*``):
  the place's old three-level names when ``Place.legacy`` is set, else its 2025 names with an
  empty district. The same name fields go to ``available-services`` and ``fee``, which
  document district ids only (*unconfirmed* that they take names; GHN published no plan for
  the 2025 map). ``client_order_code`` = our reference;
- find: ``POST v2/shipping-order/detail-by-client-code {"client_order_code"}`` (doc id
  118/119; ``data`` is shown as a list in the doc and an object elsewhere: both are read),
  its fee from ``POST v2/shipping-order/soc {"order_code"}`` (doc id 71);
- label: ``POST v2/a5/gen-token {"order_codes"}`` → a print page link valid 30 minutes
  (``/a5/public-api/printA5`` for A5/A4, ``print80x80`` for A6);
- cancel: ``POST v2/switch-status/cancel {"order_codes"}`` → ``data[]{order_code, result,
  message}``;
- track: ``POST v2/shipping-order/detail {"order_code"}`` → ``status`` and ``log[]``;
- webhook: JSON, unsigned: the app's callback address carries a secret of its own (checked by
  the app), so ``parse_webhook`` only reads. Dedupe key ``OrderCode|Type|Time``; ``Type``
  ``update_cod`` / ``update_fee`` carry the new COD / fee. GHN retries a non-200 answer 10
  times, 5 s apart.

Rate limit: GHN publishes none (its API docs, the issue trackers and integrators' pages
searched: no figure found). *Assumption*: 5 calls per second per account, paced by a token
bucket; a 429 pauses the bucket.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import requests

from integrations import base as integrations_base
from integrations import errors, webhooks
from integrations.carriers import base, kit

PROD_URL = "https://online-gateway.ghn.vn/shiip/public-api"
STAGING_URL = "https://dev-online-gateway.ghn.vn/shiip/public-api"
API_SUFFIX = "/shiip/public-api"
LABEL_TTL = dt.timedelta(minutes=30)
PRINT_PAGES = {
    base.Paper.A6: "print80x80",
    base.Paper.A5: "printA5",
    base.Paper.A4: "printA5",
}
LIGHT_SERVICE = 2  # service_type_id: 2 light (e-commerce), 5 heavy
REQUIRED_NOTE = "CHOXEMHANGKHONGTHU"  # the buyer may look, not try
PAYMENT_SHOP = 1  # payment_type_id: 1 the shop pays the fee, 2 the buyer does
PAYMENT_BUYER = 2
CANCELLED = "cancel"

STATUS_MAP: Mapping[str, base.ShipStatus] = {
    "ready_to_pick": base.ShipStatus.CREATED,
    "picking": base.ShipStatus.PICKING,
    "money_collect_picking": base.ShipStatus.PICKING,
    "picked": base.ShipStatus.PICKED_UP,
    "storing": base.ShipStatus.IN_TRANSIT,
    "transporting": base.ShipStatus.IN_TRANSIT,
    "sorting": base.ShipStatus.IN_TRANSIT,
    "delivering": base.ShipStatus.DELIVERING,
    "money_collect_delivering": base.ShipStatus.DELIVERING,
    "delivered": base.ShipStatus.DELIVERED,
    "delivery_fail": base.ShipStatus.DELIVERY_FAILED,
    # failed, held for return: the shop may still ask for another delivery
    "waiting_to_return": base.ShipStatus.DELIVERY_FAILED,
    "return": base.ShipStatus.RETURNING,
    "return_transporting": base.ShipStatus.RETURNING,
    "return_sorting": base.ShipStatus.RETURNING,
    "returning": base.ShipStatus.RETURNING,
    "return_fail": base.ShipStatus.RETURNING,  # a return attempt failed; still coming back
    "returned": base.ShipStatus.RETURNED,
    "cancel": base.ShipStatus.CANCELLED,
    "exception": base.ShipStatus.EXCEPTION,
    "damage": base.ShipStatus.LOST,
    "lost": base.ShipStatus.LOST,
}


def _names(prefix: str, place: base.Place) -> dict[str, str]:
    """The name-based fields of one end: old names when the place has them, else 2025 names
    (no district)."""
    legacy = place.legacy
    return {
        f"{prefix}_name": place.name,
        f"{prefix}_phone": place.phone,
        f"{prefix}_address": place.street,
        f"{prefix}_ward_name": legacy.ward if legacy else place.commune,
        f"{prefix}_district_name": legacy.district if legacy else "",
        f"{prefix}_province_name": legacy.province if legacy else place.province,
    }


def _route(request: base.ShipmentRequest) -> dict[str, Any]:
    route = _names("from", request.sender)
    route.update(_names("to", request.recipient))
    return route


def _parcel(request: base.ShipmentRequest) -> dict[str, Any]:
    """Weight (g) and size (cm) in GHN's names, with the values to insure and to collect."""
    names = ("weight", "length", "width", "height")
    fields: dict[str, Any] = dict(zip(names, dataclasses.astuple(request.parcel), strict=True))
    fields.update(insurance_value=request.declared_value, cod_value=request.cod_amount)
    return fields


class GHNCarrier(kit.PacedCarrier):
    """One GHN shop (its token and shop id)."""

    name = "ghn"
    title = "Giao Hàng Nhanh (GHN)"
    config_schema: ClassVar[tuple[integrations_base.ConfigField, ...]] = (
        integrations_base.ConfigField("token", "Token", secret=True),
        integrations_base.ConfigField("shop_id", "ShopId"),
        integrations_base.ConfigField("api_base_url", "API address", default=PROD_URL),
    )
    rate_limit: ClassVar[float] = 5.0  # assumed: GHN publishes no limit (see the module doc)
    STATUS_MAP: ClassVar[Mapping[str, base.ShipStatus]] = STATUS_MAP

    # calls ---------------------------------------------------------------------------------
    def _call(self, path: str, payload: Mapping[str, Any], *, shop: bool = True) -> Any:
        """The reply's ``data``; refusals as ``ValidationFailed`` (``errors.NotFound`` when
        the order does not exist)."""
        headers = {"Token": self.config["token"], "Content-Type": "application/json"}
        if shop:
            headers["ShopId"] = self.config["shop_id"]
        body = json.dumps(payload, ensure_ascii=False).encode()
        response = self.client.send("POST", path, data=body, headers=headers)
        return self._data(response)

    def _data(self, response: requests.Response) -> Any:
        if response.status_code in (401, 403):
            raise kit.credentials_refused(self.name, response)
        reply = self.client.json(response)
        code = kit.integer(reply.get("code"))
        if response.status_code == 200 and code == 200:
            return reply.get("data")
        message = str(reply.get("message") or "")
        carrier_code = str(reply.get("code_message") or code or response.status_code)
        raise kit.refused(self.name, carrier_code, message, status=response.status_code)

    # quote ---------------------------------------------------------------------------------
    def quote(self, request: base.ShipmentRequest) -> list[base.Quote]:
        route = _route(request)
        services = self._call(
            "/v2/shipping-order/available-services",
            {"shop_id": int(self.config["shop_id"]), **route},
            shop=False,
        )
        quotes = []
        for service in services if isinstance(services, list) else []:
            service = kit.mapping(service)
            service_type = kit.integer(service.get("service_type_id"))
            if not service_type:
                continue
            fee = kit.mapping(
                self._call(
                    "/v2/shipping-order/fee",
                    {
                        **route,
                        **_parcel(request),
                        "service_id": kit.integer(service.get("service_id")),
                        "service_type_id": service_type,
                    },
                )
            )
            quotes.append(
                base.Quote(
                    carrier=self.name,
                    service=str(service_type),
                    service_name=str(service.get("short_name") or ""),
                    fee=kit.integer(fee.get("total")),
                    insurance_fee=kit.integer(fee.get("insurance_fee")),
                    cod_fee=kit.integer(fee.get("cod_fee")),
                    raw=fee,
                )
            )
        if not quotes:
            raise kit.refused(
                self.name, "no_service", "no service on this route", reason="not_served"
            )
        return sorted(quotes, key=lambda q: q.fee)

    # book ----------------------------------------------------------------------------------
    def book(self, request: base.ShipmentRequest) -> base.Booking:
        return kit.book_idempotently(
            lambda: self._create(request),
            lambda: self.find(request.reference),
            probe_refusals=True,  # GHN's "code already used" has no code of its own
        )

    def _create(self, request: base.ShipmentRequest) -> base.Booking:
        payload: dict[str, Any] = {
            **_route(request),
            **_parcel(request),
            "client_order_code": request.reference,
            "payment_type_id": PAYMENT_BUYER if request.buyer_pays_fee else PAYMENT_SHOP,
            "required_note": REQUIRED_NOTE,
            "note": request.note,
            "content": ", ".join(item.name for item in request.items)[:2000],
            "cod_amount": request.cod_amount,
            "service_type_id": int(request.service or LIGHT_SERVICE),
            "items": [
                {
                    "name": item.name,
                    "code": item.code,
                    "quantity": item.quantity,
                    "price": item.price,
                    "weight": item.weight_g,
                }
                for item in request.items
            ],
        }
        payload["return_phone"] = request.sender.phone
        payload["return_address"] = request.sender.street
        data = kit.mapping(self._call("/v2/shipping-order/create", payload))
        return base.Booking(
            carrier=self.name,
            tracking_code=str(data.get("order_code") or ""),
            reference=request.reference,
            fee=kit.integer(data.get("total_fee")),
            sort_code=str(data.get("sort_code") or ""),
            expected_delivery=kit.parse_time(data.get("expected_delivery_time")),
            raw=data,
        )

    def find(self, reference: str) -> base.Booking | None:
        try:
            data = self._call(
                "/v2/shipping-order/detail-by-client-code", {"client_order_code": reference}
            )
        except errors.ValidationFailed:
            return None  # "order does not exist"
        if isinstance(data, list):
            data = data[0] if data else None
        order = kit.mapping(data)
        code = str(order.get("order_code") or "")
        if not code:
            return None
        return base.Booking(
            carrier=self.name,
            tracking_code=code,
            reference=str(order.get("client_order_code") or reference),
            fee=self._fee_of(code),
            sort_code=str(order.get("sort_code") or ""),
            expected_delivery=kit.parse_time(order.get("leadtime")),
            created=False,
            raw=order,
        )

    def _fee_of(self, order_code: str) -> int:
        """Everything GHN charges for the order so far (``soc``: its fee lines less coupon)."""
        data = kit.mapping(self._call("/v2/shipping-order/soc", {"order_code": order_code}))
        lines = kit.mapping(data.get("detail"))
        total = sum(kit.integer(v) for k, v in lines.items() if k != "coupon")
        return total - kit.integer(lines.get("coupon"))

    # label, cancel -------------------------------------------------------------------------
    def label(
        self, tracking_codes: Sequence[str], paper: base.Paper = base.Paper.A6
    ) -> base.LabelDocument:
        data = kit.mapping(
            self._call("/v2/a5/gen-token", {"order_codes": list(tracking_codes)}, shop=False)
        )
        token = str(data.get("token") or "")
        if not token:
            raise errors.TransientError("no print token in the reply", reason="bad_reply")
        origin = self.config["api_base_url"].rstrip("/").removesuffix(API_SUFFIX)
        return base.LabelDocument(
            content_type="text/uri-list",
            url=f"{origin}/a5/public-api/{PRINT_PAGES[paper]}?token={token}",
            expires_at=kit.utc(self.clock()) + LABEL_TTL,
        )

    def cancel(self, tracking_code: str) -> None:
        data = self._call("/v2/switch-status/cancel", {"order_codes": [tracking_code]})
        rows = [kit.mapping(row) for row in (data if isinstance(data, list) else [])]
        row = next((r for r in rows if r.get("order_code") == tracking_code), {})
        if row.get("result") is True:
            return
        now = self.track(tracking_code)
        if now and now[-1].carrier_status == CANCELLED:
            return  # cancelled already (a retried call)
        raise kit.refused(
            self.name,
            "cancel_refused",
            str(row.get("message") or ""),
            reason="too_late",
        )

    # status --------------------------------------------------------------------------------
    def track(self, tracking_code: str) -> list[base.StatusUpdate]:
        try:
            order = kit.mapping(
                self._call("/v2/shipping-order/detail", {"order_code": tracking_code})
            )
        except errors.ValidationFailed as exc:
            raise errors.NotFound(f"no GHN order {tracking_code}", code=exc.code) from exc
        reference = str(order.get("client_order_code") or "")
        log = [kit.mapping(entry) for entry in order.get("log") or [] if isinstance(entry, dict)]
        if not log:
            log = [{"status": order.get("status"), "updated_date": order.get("updated_date")}]
        updates = []
        for index, entry in enumerate(log):
            status = str(entry.get("status") or "")
            when = kit.parse_time(entry.get("updated_date")) or kit.utc(self.clock())
            kind = "create" if index == 0 and status == "ready_to_pick" else "switch_status"
            updates.append(
                base.StatusUpdate(
                    carrier=self.name,
                    tracking_code=tracking_code,
                    reference=reference,
                    status=self.map_status(status),
                    carrier_status=status,
                    occurred_at=when,
                    # as the webhook's key for the same move (GHN logs the webhook's Time)
                    event_key=kit.event_key(tracking_code, kind, when=when),
                    raw=entry,
                )
            )
        return updates

    def parse_webhook(
        self, headers: Mapping[str, str], body: bytes, query: Mapping[str, str]
    ) -> list[base.StatusUpdate]:
        data = webhooks.json_object(body)
        code = data.get("OrderCode")
        kind = data.get("Type")
        when = data.get("Time")
        if not isinstance(code, str) or not code:
            raise webhooks.MalformedBody("OrderCode missing", params={"field": "OrderCode"})
        if not isinstance(kind, str) or not kind:
            raise webhooks.MalformedBody("Type missing", params={"field": "Type"})
        occurred = kit.parse_time(when)
        if occurred is None:
            raise webhooks.MalformedBody("Time unreadable", params={"field": "Time"})
        status = str(data.get("Status") or "")
        kind = kind.lower()
        return [
            base.StatusUpdate(
                carrier=self.name,
                tracking_code=code,
                reference=str(data.get("ClientOrderCode") or ""),
                status=self.map_status(status),
                carrier_status=status,
                occurred_at=occurred,
                event_key=kit.event_key(code, kind, when=occurred),
                description=str(data.get("Description") or ""),
                cod_amount=kit.integer(data.get("CODAmount")) if kind == "update_cod" else None,
                fee=kit.integer(data.get("TotalFee")) if kind == "update_fee" else None,
                partial=data.get("IsPartialReturn") is True,
                raw=data,
            )
        ]
