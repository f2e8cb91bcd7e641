"""Viettel Post's partner API (``https://partner.viettelpost.vn/v2``), JSON, header ``Token``.

Replies are ``{"status": 200, "error": false, "message": "…", "data": …}``; a refusal has
``error: true`` and the carrier's words in ``message`` (``getPriceAll`` answers a bare list).

- Token: ``POST /user/Login {"USERNAME", "PASSWORD"}`` → ``data.token``, kept per adapter
  instance and renewed once when a call is refused for it (HTTP 401/403 or ``status``
  401/403 in the envelope). The partner flow's ``/user/ownerconnect`` (a shop's long-lived
  token) is *unconfirmed* and not used: the account's own login is.
- Masters: ``GET /categories/listProvince`` (``PROVINCE_ID, PROVINCE_CODE, PROVINCE_NAME``),
  ``/categories/listDistrict?provinceId=`` (``DISTRICT_ID, DISTRICT_VALUE, DISTRICT_NAME``),
  ``/categories/listWards?districtId=`` (``WARDS_ID, WARDS_NAME``): the old three-level map.
  A place is resolved from its ``Place.legacy`` names, accent- and case-insensitively
  (``vietnam.text.fold``; "HUYỆN LẠC THỦY" = "Huyện Lạc Thủy" = "Lạc Thủy"), lists cached
  per instance. A place without old names takes those of the old ward its 2025 commune
  came from (``vietnam.addresses.to_place_names``). A place it cannot resolve is
  ``ValidationFailed`` with reason ``place_unknown`` (params ``level``, ``name``), or
  ``legacy_place_missing`` when no old names are known for it.
- Fee: ``POST /order/getPriceAll`` (every service on the route: ``MA_DV_CHINH, TEN_DICHVU,
  GIA_CUOC, THOI_GIAN``; cheapest first) or ``/order/getPrice`` with ``ORDER_SERVICE`` (one
  service: ``data.MONEY_TOTAL``, ``MONEY_COLLECTION_FEE``, ``KPI_HT`` hours; *these reply
  fields are from integrators' code, unconfirmed*).
- Create: ``POST /order/createOrder`` with ``ORDER_NUMBER`` = our reference, ``MONEY_COLLECTION``
  = COD, weights in grams, ``LIST_ITEM`` → ``data{ORDER_NUMBER (the tracking code),
  MONEY_TOTAL, MONEY_TOTAL_FEE, EXCHANGE_WEIGHT, KPI_HT}``. ``ORDER_PAYMENT`` (who pays what
  at the door: 1 nothing, 2 goods + fee, 3 goods only, 4 fee only) is *unconfirmed* (sources
  disagree).
- Idempotency: no status or search endpoint is documented for the partner API (integrators
  name ``/order/getOrderStatusByOrderNumber`` once, without a contract, so it is not used),
  so ``find`` is not supported. Viettel Post refuses a second ``createOrder`` with an
  ``ORDER_NUMBER`` already used; ``book`` tries the create again after a lost reply and reads
  that refusal: its ``data.ORDER_NUMBER`` is the parcel made first (*the refusal's exact
  shape is unconfirmed*; the sandbox answers ``error: true`` with the existing parcel in
  ``data``), returned with ``created = False``.
- Cancel: ``POST /order/UpdateOrder {"TYPE": 4, "ORDER_NUMBER", "NOTE"}``.
- Label: ``POST /order/encryptLinkPrint {"TYPE": 1, "ORDER_ARRAY", "EXPIRY_TIME" (ms),
  "PRINT_TOKEN"}`` → a print link in ``message`` (needs the account's print token; the
  paper is chosen on the print page; other ``TYPE`` values *unconfirmed*).
- Webhook (URL and secret set on the portal): ``{"DATA": {ORDER_NUMBER, ORDER_REFERENCE,
  ORDER_STATUSDATE "dd/mm/yyyy HH:MM:SS" Vietnam time, ORDER_STATUS, STATUS_NAME,
  LOCALION_CURRENTLY (sic), NOTE, MONEY_COLLECTION, MONEY_FEECOD, MONEY_TOTALFEE, …},
  "TOKEN": "<secret>"}``; ``TOKEN`` must equal the configured ``webhook_token``
  (``BadSignature`` otherwise); dedupe key ``ORDER_NUMBER:ORDER_STATUS:ORDER_STATUSDATE``.
  Retries on a failed delivery: *not documented*; the sandbox assumes 3 retries 5 s apart.
- Rate limit: *none documented* (searched docs, integrators' code and issues). Assumption:
  **5 requests per second per account**; the adapter's client paces itself there and the
  sandbox answers HTTP 429 above it.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from integrations import base, errors, webhooks
from integrations.carriers import base as carriers
from integrations.carriers import postal
from vietnam import addresses

API_BASE_URL = "https://partner.viettelpost.vn/v2"
RATE_LIMIT = 5.0  # requests per second: an assumption (no documented limit)
DEFAULT_SERVICE = "VCN"  # "Chuyển phát nhanh" (express)
PRODUCT_TYPE = "HH"  # goods (as opposed to "TH", documents)
LABEL_LINK_MINUTES = 30
AUTH_STATUSES = (401, 403)

S = carriers.ShipStatus
# Every code shipping.md lists (Viettel Post's status table, from integrators' code).
STATUS_MAP: dict[str, carriers.ShipStatus] = {
    "-100": S.CREATED,  # new order, not yet accepted
    "-108": S.PICKED_UP,  # the sender dropped it at a post office
    "-109": S.PICKED_UP,  # … at a collection point
    "-110": S.PICKED_UP,  # … handed over
    "100": S.CREATED,  # accepted by Viettel Post
    "101": S.CREATED,  # Viettel Post asks the sender to cancel
    "102": S.CREATED,  # pending
    "103": S.PICKING,  # assigned to a post office
    "104": S.PICKING,  # assigned to a pickup courier
    "105": S.PICKED_UP,
    "106": S.RETURNING,  # the partner takes the goods back
    "107": S.CANCELLED,  # cancelled through the API
    "200": S.IN_TRANSIT,  # at the origin office
    "201": S.CANCELLED,  # entry cancelled
    "202": S.IN_TRANSIT,  # entry corrected
    "300": S.IN_TRANSIT,
    "301": S.IN_TRANSIT,
    "302": S.IN_TRANSIT,
    "303": S.IN_TRANSIT,
    "320": S.IN_TRANSIT,  # in integrators' lists, inside the 300s dispatch range
    "400": S.IN_TRANSIT,
    "401": S.IN_TRANSIT,
    "402": S.IN_TRANSIT,
    "403": S.IN_TRANSIT,
    "500": S.DELIVERING,
    "501": S.DELIVERED,
    "502": S.RETURNING,  # return to origin
    "503": S.CANCELLED,  # cancelled / destroyed
    "504": S.RETURNED,  # back with the sender
    "505": S.RETURNING,  # return notice
    "506": S.DELIVERY_FAILED,  # customer absent
    "507": S.DELIVERING,  # the customer collects it at the office
    "508": S.DELIVERY_FAILED,  # redelivery
    "509": S.IN_TRANSIT,  # forwarded
    "510": S.IN_TRANSIT,  # delivery assignment cancelled (back at the office)
    "515": S.RETURNING,  # return approved
    "550": S.DELIVERY_FAILED,  # re-delivery requested
}


def order_payment(cod_amount: int, buyer_pays_fee: bool) -> int:
    """``ORDER_PAYMENT``: 1 collect nothing, 2 goods + fee, 3 goods only, 4 fee only."""
    if cod_amount > 0:
        return 2 if buyer_pays_fee else 3
    return 4 if buyer_pays_fee else 1


class ViettelPostCarrier(postal.PostalCarrier):
    name = "viettelpost"
    title = "Viettel Post"
    capabilities = frozenset(
        {
            carriers.Capability.QUOTE,
            carriers.Capability.LABEL_PDF,
            carriers.Capability.CANCEL,
            carriers.Capability.WEBHOOK,
        }
    )
    rate_limit = RATE_LIMIT
    STATUS_MAP = STATUS_MAP
    config_schema: ClassVar[tuple[base.ConfigField, ...]] = (
        base.ConfigField("api_base_url", "API address", default=API_BASE_URL),
        *postal.LOGIN_FIELDS,
        base.ConfigField("webhook_token", "Webhook token", secret=True, required=False),
        base.ConfigField(
            "group_address_id",
            "Pickup address id (GROUPADDRESS_ID)",
            required=False,
            help="From /user/listInventory; empty = the sender address of each parcel",
        ),
        base.ConfigField("service", "Default service code", default=DEFAULT_SERVICE),
        base.ConfigField("print_token", "Print token", secret=True, required=False),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._masters_lock = threading.Lock()  # Viettel Post's masters, read once per instance
        self._provinces: list[tuple[int, str]] | None = None
        self._districts: dict[int, list[tuple[int, str]]] = {}
        self._wards: dict[int, list[tuple[int, str]]] = {}

    # transport ---------------------------------------------------------------------------
    def _send(
        self,
        method: str,
        path: str,
        payload: Mapping[str, Any] | None = None,
        *,
        params: Mapping[str, Any] | None = None,
        token: str = "",
    ) -> Any:
        """The reply's JSON (object or list); ``AuthExpired`` when the token is refused."""
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Token"] = token
        data = None if payload is None else json.dumps(payload, ensure_ascii=False).encode()
        response = self.client.send(method, path, params=params, data=data, headers=headers)
        body = self.client.any_json(response)
        status = body.get("status") if isinstance(body, dict) else None
        if response.status_code in AUTH_STATUSES or status in AUTH_STATUSES:
            raise errors.AuthExpired(
                "Viettel Post refused the token",
                code=f"http_{response.status_code}",
                status=response.status_code,
            )
        return body

    def _call(
        self,
        method: str,
        path: str,
        payload: Mapping[str, Any] | None = None,
        *,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        """The reply with a fresh token (renewed once on refusal)."""
        return self.session.call(
            lambda token: self._send(method, path, payload, params=params, token=token)
        )

    def _login(self) -> str:
        body = self._login_reply()
        data = body.get("data") if isinstance(body, dict) else None
        token = str(data.get("token") or "") if isinstance(data, dict) else ""
        if not token:
            raise errors.PermanentError(
                "Viettel Post refused the login",
                code=str(body.get("status", "")) if isinstance(body, dict) else "",
                reason="credentials_refused",
            )
        return token

    def _login_reply(self) -> Any:
        try:
            return self._send(
                "POST",
                "/user/Login",
                {"USERNAME": self.config["username"], "PASSWORD": self.config["password"]},
            )
        except errors.AuthExpired as exc:
            raise errors.PermanentError(
                "Viettel Post refused the login",
                code=exc.code,
                status=exc.status,
                reason="credentials_refused",
            ) from exc

    # masters -----------------------------------------------------------------------------
    def _master(self, path: str, params: Mapping[str, Any], id_key: str, name_key: str) -> Any:
        rows = _data(self._call("GET", path, params=params))
        if not isinstance(rows, list):
            return []
        return [
            (int(row[id_key]), str(row.get(name_key) or ""))
            for row in rows
            if isinstance(row, dict) and str(row.get(id_key, "")).lstrip("-").isdigit()
        ]

    def provinces(self) -> list[tuple[int, str]]:
        with self._masters_lock:
            if self._provinces is None:
                self._provinces = self._master(
                    "/categories/listProvince", {}, "PROVINCE_ID", "PROVINCE_NAME"
                )
            return self._provinces

    def districts(self, province_id: int) -> list[tuple[int, str]]:
        with self._masters_lock:
            if province_id not in self._districts:
                self._districts[province_id] = self._master(
                    "/categories/listDistrict",
                    {"provinceId": province_id},
                    "DISTRICT_ID",
                    "DISTRICT_NAME",
                )
            return self._districts[province_id]

    def wards(self, district_id: int) -> list[tuple[int, str]]:
        with self._masters_lock:
            if district_id not in self._wards:
                self._wards[district_id] = self._master(
                    "/categories/listWards",
                    {"districtId": district_id},
                    "WARDS_ID",
                    "WARDS_NAME",
                )
            return self._wards[district_id]

    def resolve(self, place: carriers.Place, role: str = "recipient") -> tuple[int, int, int]:
        """Viettel Post's (province, district, ward) ids for ``place`` from its old names."""
        legacy = place.legacy
        if legacy is None:
            # The old ward the 2025 commune came from (one that went in whole, first).
            unit = addresses.to_place_names(place.province_code, place.commune_code)
            if unit is not None:
                legacy = carriers.LegacyPlace(unit.province, unit.district, unit.ward)
        if legacy is None:
            raise errors.ValidationFailed(
                f"{role} has no pre-2025 address",
                fields={role: [errors.Problem("legacy_place_missing", {"role": role})]},
                reason="legacy_place_missing",
                params={"role": role},
            )
        province = postal.match_name(legacy.province, self.provinces())
        if province is None:
            raise _unknown(role, "province", legacy.province)
        district = postal.match_name(legacy.district, self.districts(province))
        if district is None:
            raise _unknown(role, "district", legacy.district)
        wards = self.wards(district)
        if not legacy.ward and not wards:
            return province, district, 0  # an island district that has no wards
        ward = postal.match_name(legacy.ward, wards)
        if ward is None:
            raise _unknown(role, "ward", legacy.ward)
        return province, district, ward

    # quotes ------------------------------------------------------------------------------
    def _price_body(self, request: carriers.ShipmentRequest) -> dict[str, Any]:
        sender = self.resolve(request.sender, "sender")
        recipient = self.resolve(request.recipient, "recipient")
        parcel = request.parcel
        return {
            "SENDER_PROVINCE": sender[0],
            "SENDER_DISTRICT": sender[1],
            "RECEIVER_PROVINCE": recipient[0],
            "RECEIVER_DISTRICT": recipient[1],
            "PRODUCT_TYPE": PRODUCT_TYPE,
            "PRODUCT_WEIGHT": parcel.weight_g,
            "PRODUCT_PRICE": request.declared_value,
            "MONEY_COLLECTION": request.cod_amount,
            "PRODUCT_LENGTH": parcel.length_cm,
            "PRODUCT_WIDTH": parcel.width_cm,
            "PRODUCT_HEIGHT": parcel.height_cm,
            "TYPE": 1,
        }

    def quote(self, request: carriers.ShipmentRequest) -> list[carriers.Quote]:
        body = self._price_body(request)
        if request.service:
            data = _data(
                self._call("POST", "/order/getPrice", {**body, "ORDER_SERVICE": request.service})
            )
            row = data if isinstance(data, dict) else {}
            hours = postal.as_int(row.get("KPI_HT"))
            return [
                carriers.Quote(
                    carrier=self.name,
                    service=request.service,
                    service_name=request.service,
                    fee=postal.as_int(row.get("MONEY_TOTAL")),
                    cod_fee=postal.as_int(row.get("MONEY_COLLECTION_FEE")),
                    expected_days=max(1, -(-hours // 24)) if hours else None,
                    raw=row,
                )
            ]
        reply = self._call("POST", "/order/getPriceAll", body)
        rows = reply if isinstance(reply, list) else _data(reply)
        quotes = [
            carriers.Quote(
                carrier=self.name,
                service=str(row.get("MA_DV_CHINH") or ""),
                service_name=str(row.get("TEN_DICHVU") or ""),
                fee=postal.as_int(row.get("GIA_CUOC")),
                expected_days=postal.expected_days(row.get("THOI_GIAN")),
                raw=row,
            )
            for row in (rows if isinstance(rows, list) else [])
            if isinstance(row, dict) and row.get("MA_DV_CHINH")
        ]
        return sorted(quotes, key=lambda q: (q.fee, q.service))

    # booking -----------------------------------------------------------------------------
    def order_body(self, request: carriers.ShipmentRequest) -> dict[str, Any]:
        sender = self.resolve(request.sender, "sender")
        recipient = self.resolve(request.recipient, "recipient")
        parcel = request.parcel
        group = self.config.get("group_address_id", "")
        return {
            "ORDER_NUMBER": request.reference,
            "GROUPADDRESS_ID": int(group) if group.isdigit() else 0,
            "CUS_ID": 0,
            "SENDER_FULLNAME": request.sender.name,
            "SENDER_ADDRESS": _address(request.sender),
            "SENDER_PHONE": request.sender.phone,
            "SENDER_WARD": sender[2],
            "SENDER_DISTRICT": sender[1],
            "SENDER_PROVINCE": sender[0],
            "RECEIVER_FULLNAME": request.recipient.name,
            "RECEIVER_ADDRESS": _address(request.recipient),
            "RECEIVER_PHONE": request.recipient.phone,
            "RECEIVER_WARD": recipient[2],
            "RECEIVER_DISTRICT": recipient[1],
            "RECEIVER_PROVINCE": recipient[0],
            "PRODUCT_NAME": postal.goods_name([i.name for i in request.items]),
            "PRODUCT_DESCRIPTION": request.note,
            "PRODUCT_QUANTITY": sum(i.quantity for i in request.items) or 1,
            "PRODUCT_PRICE": request.declared_value,
            "PRODUCT_WEIGHT": parcel.weight_g,
            "PRODUCT_LENGTH": parcel.length_cm,
            "PRODUCT_WIDTH": parcel.width_cm,
            "PRODUCT_HEIGHT": parcel.height_cm,
            "PRODUCT_TYPE": PRODUCT_TYPE,
            "ORDER_PAYMENT": order_payment(request.cod_amount, request.buyer_pays_fee),
            "ORDER_SERVICE": request.service or self.config.get("service") or DEFAULT_SERVICE,
            "ORDER_SERVICE_ADD": "",
            "ORDER_NOTE": request.note,
            "MONEY_COLLECTION": request.cod_amount,
            "LIST_ITEM": [
                {
                    "PRODUCT_NAME": item.name,
                    "PRODUCT_PRICE": item.price,
                    "PRODUCT_WEIGHT": item.weight_g,
                    "PRODUCT_QUANTITY": item.quantity,
                }
                for item in request.items
            ],
        }

    def book(self, request: carriers.ShipmentRequest) -> carriers.Booking:
        body = self.order_body(request)
        return postal.book_with_retries(lambda: self._create(request.reference, body))

    def _create(self, reference: str, body: Mapping[str, Any]) -> carriers.Booking:
        reply = self._call("POST", "/order/createOrder", body)
        envelope = reply if isinstance(reply, dict) else {}
        data = envelope.get("data")
        row = data if isinstance(data, dict) else {}
        tracking = str(row.get("ORDER_NUMBER") or "")
        if envelope.get("error") is True:
            if tracking and tracking != reference:
                # The reference is taken: the parcel made by an earlier (lost) call.
                return self._booking(reference, row, created=False)
            raise _refused(envelope, "booking_refused")
        if not tracking:
            raise errors.TransientError(
                "Viettel Post answered without an order number",
                uncertain=True,
                code="no_order_number",
                reason="bad_reply",
            )
        return self._booking(reference, row, created=True)

    def _booking(
        self, reference: str, row: Mapping[str, Any], *, created: bool
    ) -> carriers.Booking:
        hours = postal.as_int(row.get("KPI_HT"))
        expected = (
            dt.datetime.fromtimestamp(self.clock(), dt.UTC) + dt.timedelta(hours=hours)
            if hours and created
            else None
        )
        return carriers.Booking(
            carrier=self.name,
            tracking_code=str(row["ORDER_NUMBER"]),
            reference=reference,
            fee=postal.as_int(row.get("MONEY_TOTAL")),
            expected_delivery=expected,
            created=created,
            raw=dict(row),
        )

    # after booking -----------------------------------------------------------------------
    def cancel(self, tracking_code: str) -> None:
        reply = self._call(
            "POST",
            "/order/UpdateOrder",
            {"TYPE": 4, "ORDER_NUMBER": tracking_code, "NOTE": "Hủy đơn"},
        )
        if not isinstance(reply, dict) or reply.get("error") is True:
            raise _refused(reply if isinstance(reply, dict) else {}, "cancel_refused")

    def label(
        self, tracking_codes: Sequence[str], paper: carriers.Paper = carriers.Paper.A6
    ) -> carriers.LabelDocument:
        print_token = self.config.get("print_token", "")
        if not print_token:
            raise errors.NotSupported(
                "Viettel Post labels need the account's print token", reason="no_print_token"
            )
        expires = dt.datetime.fromtimestamp(self.clock(), dt.UTC) + dt.timedelta(
            minutes=LABEL_LINK_MINUTES
        )
        reply = self._call(
            "POST",
            "/order/encryptLinkPrint",
            {
                "TYPE": 1,
                "ORDER_ARRAY": list(tracking_codes),
                "EXPIRY_TIME": int(expires.timestamp() * 1000),
                "PRINT_TOKEN": print_token,
            },
        )
        if not isinstance(reply, dict) or reply.get("error") is True:
            raise _refused(reply if isinstance(reply, dict) else {}, "label_refused")
        link = str(reply.get("message") or "")
        if not link.startswith(("http://", "https://")):
            raise errors.TransientError(
                "Viettel Post's print reply has no link", code="no_link", reason="bad_reply"
            )
        return carriers.LabelDocument("text/uri-list", url=link, expires_at=expires)

    def parse_webhook(
        self, headers: Mapping[str, str], body: bytes, query: Mapping[str, str]
    ) -> list[carriers.StatusUpdate]:
        parsed = webhooks.json_object(body)
        webhooks.require_match(
            str(parsed.get("TOKEN") or ""), self.config.get("webhook_token", ""), "bad_token"
        )
        data = parsed.get("DATA")
        if not isinstance(data, dict):
            raise webhooks.MalformedBody(
                "DATA is not an object", code="bad_field", params={"field": "DATA"}
            )
        tracking = str(data.get("ORDER_NUMBER") or "").strip()
        status = str(data.get("ORDER_STATUS", "")).strip()
        when = str(data.get("ORDER_STATUSDATE") or "").strip()
        if not tracking or not status:
            raise webhooks.MalformedBody(
                "ORDER_NUMBER or ORDER_STATUS missing",
                code="bad_field",
                params={"field": "ORDER_NUMBER" if not tracking else "ORDER_STATUS"},
            )
        words = " — ".join(
            str(data.get(k) or "").strip()
            for k in ("STATUS_NAME", "LOCALION_CURRENTLY", "NOTE")
            if str(data.get(k) or "").strip()
        )
        return [
            carriers.StatusUpdate(
                carrier=self.name,
                tracking_code=tracking,
                reference=str(data.get("ORDER_REFERENCE") or ""),
                status=self.map_status(status),
                carrier_status=status,
                occurred_at=postal.local_time(when),
                event_key=f"{tracking}:{status}:{when}",
                description=words,
                cod_amount=postal.as_int(data["MONEY_COLLECTION"])
                if "MONEY_COLLECTION" in data
                else None,
                fee=postal.as_int(data["MONEY_TOTALFEE"]) if "MONEY_TOTALFEE" in data else None,
                raw=data,
            )
        ]

    def webhook_reply(self) -> tuple[int, dict[str, Any]]:
        return 200, {"status": 200, "error": False, "message": "OK"}


# helpers ---------------------------------------------------------------------------------
def _data(reply: Any) -> Any:
    """The envelope's ``data``, or the refusal as ``ValidationFailed``."""
    if not isinstance(reply, dict):
        return reply
    if reply.get("error") is True:
        raise _refused(reply, "carrier_refused")
    return reply.get("data")


def _refused(envelope: Mapping[str, Any], reason: str) -> errors.ValidationFailed:
    status = str(envelope.get("status", ""))
    return errors.ValidationFailed(
        f"Viettel Post refused the call: {status}",
        code=status,
        reason=reason,
        fields={"request": [str(envelope.get("message") or "")]},
    )


def _unknown(role: str, level: str, name: str) -> errors.ValidationFailed:
    params = {"role": role, "level": level, "name": name}
    return errors.ValidationFailed(
        f"Viettel Post does not know the {role}'s {level} {name!r}",
        fields={f"{role}.{level}": [errors.Problem("place_unknown", params)]},
        reason="place_unknown",
        params=params,
    )


def _address(place: carriers.Place) -> str:
    legacy = place.legacy
    if legacy is None:
        return place.one_line()
    return ", ".join(p for p in (place.street, legacy.ward, legacy.district, legacy.province) if p)
