"""GHTK (Giao Hàng Tiết Kiệm): the open API (docs: docs.giaohangtietkiem.vn, api.ghtk.vn,
pro-docs.ghtk.vn).

Headers ``Token: <API token>`` and ``X-Client-Source: <partner code>``. Replies ``{"success":
true, …}``; refusals ``{"success": false, "message", "error_code"?, "log_id"?}`` (HTTP 200 or
4xx).

- quote: ``GET /services/shipment/fee`` (names, ``weight`` in grams, ``value``,
  ``transport=road|fly``), once per transport → ``fee{name, fee, insurance_fee, delivery}``
  (``delivery: false``: not served);
- book: ``POST /services/shipment/order/?ver=1.5`` JSON ``{products[], order{}}``: product
  weights in kg, ``pick_money`` = COD, ``hamlet`` "Khác", ``order.id`` = our reference; old
  three-level names when ``Place.legacy`` is set, else the 2025 names with an empty district.
  A used ``order.id`` is refused with ``error.code`` ``ORDER_ID_EXIST``;
- find: ``GET /services/shipment/v2/partner_id:{reference}``; track: ``GET
  /services/shipment/v2/{label}`` → ``order{label_id, partner_id, status, modified, …}``;
- label: ``GET /services/label/{label}?original=portrait&paper_size=A5|A6`` → the PDF (one
  parcel per call; no A4);
- cancel: ``POST /services/shipment/cancel/{label}``, taken only in statuses 1, 2 and 12;
- webhook: ``application/x-www-form-urlencoded`` (the docs also show JSON: both read) to the
  address the shop registered with ``?hash=<secret>``: the ``hash`` must equal the account's
  ``webhook_hash`` (else ``BadSignature``). Dedupe key ``label_id|status_id|action_time``;
  ``return_part_package=1`` is a partial delivery. Status 6 = delivered and COD settled.

Rate limit: GHTK publishes none (its docs' error table lists no 429 or limit code; issue
trackers and integrators' pages searched: no figure found). *Assumption*: 5 calls per
second per account, paced by a token bucket; a 429 pauses the bucket.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import requests

from integrations import base as integrations_base
from integrations import errors, webhooks
from integrations.carriers import base, kit

PROD_URL = "https://services.giaohangtietkiem.vn"
STAGING_URL = "https://services-staging.ghtklab.com"
TRANSPORTS = ("road", "fly")
HAMLET_OTHER = "Khác"  # "no hamlet": the field is required
ORDER_ID_EXIST = "ORDER_ID_EXIST"
CANCELLABLE = frozenset({"1", "2", "12"})
CANCELLED = "-1"
PAPERS = {base.Paper.A5: "A5", base.Paper.A6: "A6"}

STATUS_MAP: Mapping[str, base.ShipStatus] = {
    "-1": base.ShipStatus.CANCELLED,
    "1": base.ShipStatus.CREATED,  # not yet received by GHTK
    "2": base.ShipStatus.CREATED,  # received, waiting for pickup
    "12": base.ShipStatus.PICKING,
    "3": base.ShipStatus.PICKED_UP,  # picked up / in the warehouse
    "4": base.ShipStatus.DELIVERING,
    "5": base.ShipStatus.DELIVERED,  # delivered, COD not yet reconciled
    "6": base.ShipStatus.DELIVERED,  # reconciled: COD settled
    "7": base.ShipStatus.PICKING,  # pickup failed: the courier comes back (or it is cancelled)
    "8": base.ShipStatus.PICKING,  # pickup delayed
    "9": base.ShipStatus.DELIVERY_FAILED,
    "10": base.ShipStatus.DELIVERING,  # delivery delayed
    "11": base.ShipStatus.RETURNED,  # return debt reconciled
    "13": base.ShipStatus.LOST,  # compensation
    "20": base.ShipStatus.RETURNING,
    "21": base.ShipStatus.RETURNED,
    # the courier's own reports
    "123": base.ShipStatus.PICKED_UP,
    "127": base.ShipStatus.PICKING,  # pickup failed
    "128": base.ShipStatus.PICKING,  # pickup delayed
    "45": base.ShipStatus.DELIVERED,
    "49": base.ShipStatus.DELIVERY_FAILED,
    "410": base.ShipStatus.DELIVERING,  # delivery delayed
}


def _names(prefix: str, place: base.Place) -> dict[str, str]:
    legacy = place.legacy
    return {
        f"{prefix}province": legacy.province if legacy else place.province,
        f"{prefix}district": legacy.district if legacy else "",
        f"{prefix}ward": legacy.ward if legacy else place.commune,
    }


def _kg(grams: int) -> float:
    return round(grams / 1000, 3)


class GHTKCarrier(kit.PacedCarrier):
    """One GHTK shop (its API token and partner code)."""

    name = "ghtk"
    title = "Giao Hàng Tiết Kiệm (GHTK)"
    config_schema: ClassVar[tuple[integrations_base.ConfigField, ...]] = (
        integrations_base.ConfigField("token", "API token", secret=True),
        integrations_base.ConfigField("client_source", "X-Client-Source (partner code)"),
        integrations_base.ConfigField(
            "webhook_hash", "Webhook hash (the ?hash= of the registered address)", secret=True
        ),
        integrations_base.ConfigField("api_base_url", "API address", default=PROD_URL),
    )
    rate_limit: ClassVar[float] = 5.0  # assumed: GHTK publishes no limit (see the module doc)
    STATUS_MAP: ClassVar[Mapping[str, base.ShipStatus]] = STATUS_MAP

    # calls ---------------------------------------------------------------------------------
    def _headers(self) -> dict[str, str]:
        return {"Token": self.config["token"], "X-Client-Source": self.config["client_source"]}

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        payload: Mapping[str, Any] | None = None,
    ) -> requests.Response:
        headers = self._headers()
        body = None
        if payload is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(payload, ensure_ascii=False).encode()
        response = self.client.send(method, path, params=params, data=body, headers=headers)
        if response.status_code in (401, 403):
            raise kit.credentials_refused(self.name, response)
        return response

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        payload: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The reply once ``success`` is true; else ``ValidationFailed`` (``ReferenceTaken``
        for a used ``order.id``)."""
        response = self._send(method, path, params=params, payload=payload)
        reply = self.client.json(response)
        if reply.get("success") is True:
            return reply
        detail = kit.mapping(reply.get("error"))
        code = str(detail.get("code") or reply.get("error_code") or f"http_{response.status_code}")
        message = str(reply.get("message") or "")
        if code == ORDER_ID_EXIST:
            raise kit.ReferenceTaken(
                "GHTK: order.id already used", code=code, status=response.status_code
            )
        raise kit.refused(self.name, code, message, status=response.status_code)

    # quote ---------------------------------------------------------------------------------
    def quote(self, request: base.ShipmentRequest) -> list[base.Quote]:
        params = {
            **_names("pick_", request.sender),
            **_names("", request.recipient),
            "address": request.recipient.street,
            "weight": request.parcel.weight_g,
            "value": request.declared_value,
            "deliver_option": "none",
        }
        quotes = []
        for transport in TRANSPORTS:
            reply = self._call(
                "GET", "/services/shipment/fee", params={**params, "transport": transport}
            )
            fee = kit.mapping(reply.get("fee"))
            if fee.get("delivery") is False:
                continue  # not served this way
            quotes.append(
                base.Quote(
                    carrier=self.name,
                    service=transport,
                    service_name=transport,
                    fee=kit.integer(fee.get("fee")) + kit.integer(fee.get("insurance_fee")),
                    insurance_fee=kit.integer(fee.get("insurance_fee")),
                    raw=fee,
                )
            )
        if not quotes:
            raise kit.refused(self.name, "no_delivery", "not served", reason="not_served")
        return sorted(quotes, key=lambda q: q.fee)

    # book ----------------------------------------------------------------------------------
    def book(self, request: base.ShipmentRequest) -> base.Booking:
        return kit.book_idempotently(
            lambda: self._create(request), lambda: self.find(request.reference)
        )

    def _order(self, request: base.ShipmentRequest) -> dict[str, Any]:
        sender, recipient = request.sender, request.recipient
        products = [
            {
                "name": item.name,
                "weight": _kg(item.weight_g),
                "quantity": item.quantity,
                "product_code": item.code,
                "price": item.price,
            }
            for item in request.items
        ] or [{"name": "Hàng hóa", "weight": _kg(request.parcel.weight_g), "quantity": 1}]
        order = {
            "id": request.reference,
            "pick_name": sender.name,
            "pick_address": sender.street,
            **_names("pick_", sender),
            "pick_tel": sender.phone,
            "name": recipient.name,
            "tel": recipient.phone,
            "address": recipient.street,
            **_names("", recipient),
            "hamlet": HAMLET_OTHER,
            "is_freeship": "0" if request.buyer_pays_fee else "1",
            "pick_money": request.cod_amount,
            "value": request.declared_value,
            "total_weight": _kg(request.parcel.weight_g),
            "note": request.note,
            "transport": request.service or "road",
            "pick_option": "cod",
            "deliver_option": "none",
        }
        return {"products": products, "order": order}

    def _create(self, request: base.ShipmentRequest) -> base.Booking:
        reply = self._call(
            "POST",
            "/services/shipment/order/",
            params={"ver": "1.5"},
            payload=self._order(request),
        )
        order = kit.mapping(reply.get("order"))
        return base.Booking(
            carrier=self.name,
            tracking_code=str(order.get("label") or ""),
            reference=str(order.get("partner_id") or request.reference),
            fee=kit.integer(order.get("fee")) + kit.integer(order.get("insurance_fee")),
            sort_code=str(order.get("sorting_code") or ""),
            expected_delivery=kit.parse_time(order.get("estimated_deliver_time")),
            raw=order,
        )

    def _status(self, ref: str) -> dict[str, Any] | None:
        """``order{}`` of ``GET /services/shipment/v2/{ref}``, None when GHTK has none."""
        path = f"/services/shipment/v2/{urllib.parse.quote(ref, safe=':')}"
        try:
            reply = self._call("GET", path)
        except errors.ValidationFailed:
            return None
        order = kit.mapping(reply.get("order"))
        return dict(order) if order.get("label_id") else None

    def find(self, reference: str) -> base.Booking | None:
        order = self._status(f"partner_id:{reference}")
        if order is None:
            return None
        return base.Booking(
            carrier=self.name,
            tracking_code=str(order["label_id"]),
            reference=str(order.get("partner_id") or reference),
            fee=kit.integer(order.get("ship_money")) + kit.integer(order.get("insurance")),
            expected_delivery=kit.parse_time(order.get("deliver_date")),
            created=False,
            raw=order,
        )

    # label, cancel -------------------------------------------------------------------------
    def label(
        self, tracking_codes: Sequence[str], paper: base.Paper = base.Paper.A6
    ) -> base.LabelDocument:
        if len(tracking_codes) != 1:
            raise errors.NotSupported(
                "GHTK prints one parcel per call", reason="one_label_per_call"
            )
        if paper not in PAPERS:
            raise errors.NotSupported(
                "GHTK prints A5 or A6", reason="paper_not_supported", params={"paper": paper}
            )
        code = urllib.parse.quote(tracking_codes[0], safe="")
        response = self._send(
            "GET",
            f"/services/label/{code}",
            params={"original": "portrait", "paper_size": PAPERS[paper]},
        )
        if response.content.startswith(b"%PDF"):
            return base.LabelDocument(content_type="application/pdf", content=response.content)
        reply = self.client.json(response)
        raise kit.refused(
            self.name,
            str(reply.get("error_code") or f"http_{response.status_code}"),
            str(reply.get("message") or ""),
            status=response.status_code,
        )

    def cancel(self, tracking_code: str) -> None:
        code = urllib.parse.quote(tracking_code, safe=":")
        try:
            self._call("POST", f"/services/shipment/cancel/{code}")
            return
        except errors.ValidationFailed as exc:
            refusal = exc
        order = self._status(tracking_code)
        status = str(order.get("status")) if order else ""
        if status == CANCELLED:
            return  # cancelled already (a retried call)
        if order is not None and status not in CANCELLABLE:
            raise kit.refused(
                self.name, refusal.code, f"status {status}", reason="too_late"
            ) from refusal
        raise refusal

    # status --------------------------------------------------------------------------------
    def track(self, tracking_code: str) -> list[base.StatusUpdate]:
        order = self._status(tracking_code)
        if order is None:
            raise errors.NotFound(f"no GHTK parcel {tracking_code}")
        occurred = kit.parse_time(order.get("modified")) or kit.utc(self.clock())
        return [
            self._update(
                order,
                status=str(order.get("status") or ""),
                occurred=occurred,
                description=str(order.get("status_text") or ""),
                fee=order.get("ship_money"),
            )
        ]

    def _update(
        self,
        data: Mapping[str, Any],
        *,
        status: str,
        occurred: dt.datetime,
        description: str,
        fee: object,
        partial: bool = False,
    ) -> base.StatusUpdate:
        """One update from a status reply or a webhook (both name the label ``label_id``, our
        code ``partner_id`` and the COD ``pick_money``)."""
        label = str(data["label_id"])
        return base.StatusUpdate(
            carrier=self.name,
            tracking_code=label,
            reference=str(data.get("partner_id") or ""),
            status=self.map_status(status),
            carrier_status=status,
            occurred_at=occurred,
            event_key=kit.event_key(label, status, when=occurred),
            description=description,
            cod_amount=_number(data.get("pick_money")),
            fee=_number(fee),
            partial=partial,
            raw=data,
        )

    def parse_webhook(
        self, headers: Mapping[str, str], body: bytes, query: Mapping[str, str]
    ) -> list[base.StatusUpdate]:
        webhooks.require_match(
            str(query.get("hash") or ""), self.config["webhook_hash"], "bad_signature"
        )
        data = _webhook_fields(headers, body)
        label = str(data.get("label_id") or "")
        status = str(data.get("status_id") or "").strip()
        occurred = kit.parse_time(data.get("action_time"))
        for field, value in (("label_id", label), ("status_id", status)):
            if not value:
                raise webhooks.MalformedBody(f"{field} missing", params={"field": field})
        if occurred is None:
            raise webhooks.MalformedBody("action_time unreadable", params={"field": "action_time"})
        return [
            self._update(
                data,
                status=status,
                occurred=occurred,
                description=str(data.get("reason") or ""),
                fee=data.get("fee"),
                partial=str(data.get("return_part_package") or "0").strip() == "1",
            )
        ]


def _number(value: object) -> int | None:
    return None if value is None or value == "" else kit.integer(value)


def _webhook_fields(headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
    """A webhook body: form-encoded (GHTK's default) or JSON."""
    kind = webhooks.header(headers, "Content-Type").lower()
    if "json" in kind or body.lstrip().startswith(b"{"):
        return webhooks.json_object(body)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise webhooks.MalformedBody("body is not UTF-8", code="not_utf8") from exc
    return dict(urllib.parse.parse_qsl(text, keep_blank_values=True))
