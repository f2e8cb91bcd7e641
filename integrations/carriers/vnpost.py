"""Vietnam Post's MyVNPost partner API (prod ``https://connect-my.vnpost.vn``, UAT
``https://my-uat.vnpost.vn/MYVNP_API``), JSON, header ``token``.

The contract needs a partner account; what is here comes from shipping.md and integrators'
public code (endpoint lists and request/response classes in several repositories). Fields
marked *unconfirmed* are that code's reading, not a document's.

- Token: ``POST /customer-partner/GetAccessToken {"username", "password", "customerCode"}``
  → ``{"success": true, "token"}``; kept per adapter instance, renewed once when a call is
  refused for it (HTTP 401/403; *the refusal's shape is unconfirmed*).
- Addresses: names, old or new (VNPost accepts both): ``Place.legacy``'s province, district
  and ward names when the place has them, else the 2025 province and commune with an empty
  district (*name-only addresses without VNPost's own codes: unconfirmed*).
- Fee: ``POST /customer-partner/ServicesCharge {"scope": 1, "customerCode", "contractCode",
  "data": {sender*/receiver* names, receiverNational "VN", weight (g), length/width/height
  (cm), serviceCode, addonService}}`` → a list of ``{serviceCode, serviceName, totalFee,
  mainFee, vasFee}`` (*reply fields unconfirmed*), cheapest first.
- Create: ``POST /customer-partner/CreateOrder {"orderCreationStatus": 1, "type": "GUI",
  "customerCode", "contractCode", "informationOrder": {sender*, receiver*, serviceCode,
  saleOrderCode = our reference, contentNote, weight, width/length/height, addonService:
  [{"code": "GTG021", "propValue": "PROP0018:<COD>"}] (COD), deliveryRequire, …}}`` →
  ``{orderHdrID, originalID, itemCode (the tracking code), saleOrderCode, totalFee, status}``.
- Find: ``GET /customer-partner/getOrder?type=2&code=<saleOrderCode>`` (``type=1`` takes the
  itemCode; *type values inferred from integrators' code*). ``book`` calls it after a lost
  reply or when the create is refused (whether VNPost refuses a ``saleOrderCode`` already
  used is *unconfirmed*: the sandbox does), so a retried booking never makes a second parcel.
- Cancel: ``POST /customer-partner/orderCancel {"OriginalId"}`` (the parcel's ``originalID``,
  looked up with ``getOrder?type=1``) → ``[{type, note, message, originalId, caseId}]``;
  ``type`` ``ERROR`` = refused (*unconfirmed*).
- Status: polling with ``GET /customer-partner/GetStatusHistoryOrder?type=1&code=<itemCode>``
  → ``{"data": [{"itemCode", "statusHistory": [{statusCode, statusName, createdDate
  "dd/mm/yyyy", createHour "HH:MM:SS"}]}]}`` (Vietnam time). Status codes 0–22 as
  integrators list them (``STATUS_MAP``; names translated there, meanings inferred).
- Webhook: **no VNPost contract found**. The shape this adapter accepts is ours (*unconfirmed*,
  to be agreed with VNPost): ``POST`` JSON ``{"itemCode", "saleOrderCode", "statusCode",
  "statusName", "statusDate": "dd/mm/yyyy HH:MM:SS", "codAmount", "totalFee"}`` with header
  ``X-Webhook-Token: <webhook_token>``; dedupe key ``itemCode:statusCode:statusDate``.
- Labels: no print API found → ``NotSupported`` (the app draws its own).
- Rate limit: *none documented*. Assumption: **5 requests per second per account**.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar

import requests

from integrations import base, errors, http, webhooks
from integrations.carriers import base as carriers
from integrations.carriers import postal

API_BASE_URL = "https://connect-my.vnpost.vn"
RATE_LIMIT = 5.0  # requests per second: an assumption (no documented limit)
DEFAULT_SERVICE = "CTN009"  # the default service code in integrators' code (unconfirmed)
COD_SERVICE = "GTG021"  # add-on: collect on delivery
COD_PROPERTY = "PROP0018"  # its amount
WEBHOOK_HEADER = "X-Webhook-Token"
AUTH_STATUSES = (401, 403)
CANCEL_FAILED = "ERROR"

S = carriers.ShipStatus
# MyVNPost's domestic status codes as integrators list them (code 20 = part returned).
STATUS_MAP: dict[str, carriers.ShipStatus] = {
    "0": S.CREATED,  # draft saved
    "1": S.CREATED,  # created
    "2": S.PICKING,  # sent to the pickup postman
    "3": S.PICKING,  # processing
    "4": S.PICKING,  # collecting the goods
    "5": S.PICKING,  # collecting failed (the postman tries again)
    "6": S.PICKED_UP,  # collected
    "7": S.PICKED_UP,  # the post office received the goods
    "8": S.PICKING,  # collection failed
    "9": S.CANCELLED,  # collection cancelled
    "10": S.IN_TRANSIT,
    "11": S.IN_TRANSIT,  # arrived at the delivering post office
    "12": S.DELIVERING,
    "13": S.IN_TRANSIT,  # forwarded
    "14": S.DELIVERED,
    "15": S.DELIVERY_FAILED,
    "16": S.RETURNING,  # waiting for the return to be approved
    "17": S.RETURNING,  # return approved
    "18": S.RETURNING,  # return started
    "19": S.RETURNED,
    "20": S.DELIVERED,  # delivered in part, the rest returned
    "21": S.DELIVERED,  # COD paid to the sender
    "22": S.CANCELLED,  # delivery cancelled
}
PARTIAL = frozenset({"20"})


class VNPostCarrier(postal.PostalCarrier):
    name = "vnpost"
    title = "Bưu điện Việt Nam (MyVNPost)"
    capabilities = frozenset(
        {
            carriers.Capability.QUOTE,
            carriers.Capability.CANCEL,
            carriers.Capability.WEBHOOK,
            carriers.Capability.POLL,
            carriers.Capability.FIND_BY_REFERENCE,
        }
    )
    rate_limit = RATE_LIMIT
    STATUS_MAP = STATUS_MAP
    config_schema: ClassVar[tuple[base.ConfigField, ...]] = (
        base.ConfigField("api_base_url", "API address", default=API_BASE_URL),
        *postal.LOGIN_FIELDS,
        base.ConfigField("customer_code", "Customer code"),
        base.ConfigField("contract_code", "Contract code", required=False),
        base.ConfigField("service", "Default service code", default=DEFAULT_SERVICE),
        base.ConfigField("webhook_token", "Webhook token", secret=True, required=False),
    )

    # transport ---------------------------------------------------------------------------
    def _send(
        self,
        method: str,
        path: str,
        payload: Any = None,
        *,
        params: Mapping[str, Any] | None = None,
        token: str = "",
    ) -> requests.Response:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["token"] = token
        data = None if payload is None else json.dumps(payload, ensure_ascii=False).encode()
        response = self.client.send(method, path, params=params, data=data, headers=headers)
        if response.status_code in AUTH_STATUSES:
            raise errors.AuthExpired(
                "VNPost refused the token",
                code=f"http_{response.status_code}",
                status=response.status_code,
            )
        return response

    def _call(
        self,
        method: str,
        path: str,
        payload: Any = None,
        *,
        params: Mapping[str, Any] | None = None,
    ) -> requests.Response:
        return self.session.call(
            lambda token: self._send(method, path, payload, params=params, token=token)
        )

    def _login(self) -> str:
        body = {
            "username": self.config["username"],
            "password": self.config["password"],
            "customerCode": self.config["customer_code"],
        }
        try:
            reply = self.client.any_json(
                self._send("POST", "/customer-partner/GetAccessToken", body)
            )
        except errors.AuthExpired as exc:
            raise errors.PermanentError(
                "VNPost refused the login",
                code=exc.code,
                status=exc.status,
                reason="credentials_refused",
            ) from exc
        token = str(reply.get("token") or "") if isinstance(reply, dict) else ""
        if not token or (isinstance(reply, dict) and reply.get("success") is False):
            raise errors.PermanentError(
                "VNPost refused the login", code="login", reason="credentials_refused"
            )
        return token

    # addresses ---------------------------------------------------------------------------
    def _place(self, place: carriers.Place, side: str) -> dict[str, str]:
        legacy = place.legacy
        province, district, commune = (
            (legacy.province, legacy.district, legacy.ward)
            if legacy is not None
            else (place.province, "", place.commune)
        )
        return {
            f"{side}Name": place.name,
            f"{side}Phone": place.phone,
            f"{side}Address": place.street,
            f"{side}ProvinceName": province,
            f"{side}DistrictName": district,
            f"{side}CommuneName": commune,
        }

    def _cod(self, cod_amount: int) -> list[dict[str, str]]:
        if cod_amount <= 0:
            return []
        return [{"code": COD_SERVICE, "propValue": f"{COD_PROPERTY}:{cod_amount}"}]

    # quotes ------------------------------------------------------------------------------
    def quote(self, request: carriers.ShipmentRequest) -> list[carriers.Quote]:
        parcel = request.parcel
        data: dict[str, Any] = {
            **self._place(request.sender, "sender"),
            **self._place(request.recipient, "receiver"),
            "receiverNational": "VN",
            "weight": parcel.weight_g,
            "length": parcel.length_cm,
            "width": parcel.width_cm,
            "height": parcel.height_cm,
            "serviceCode": request.service,
            "addonService": self._cod(request.cod_amount),
            "vehicle": "BO",
        }
        body = {
            "scope": 1,
            "customerCode": self.config["customer_code"],
            "contractCode": self.config.get("contract_code", ""),
            "data": data,
        }
        reply = _checked(self._call("POST", "/customer-partner/ServicesCharge", body))
        rows = reply.get("data") if isinstance(reply, dict) else reply
        quotes = [
            carriers.Quote(
                carrier=self.name,
                service=str(row.get("serviceCode") or ""),
                service_name=str(row.get("serviceName") or row.get("serviceCode") or ""),
                fee=postal.as_int(row.get("totalFee")),
                cod_fee=postal.as_int(row.get("vasFee")),
                raw=row,
            )
            for row in (rows if isinstance(rows, list) else [])
            if isinstance(row, dict) and row.get("serviceCode")
        ]
        return sorted(quotes, key=lambda q: (q.fee, q.service))

    # booking -----------------------------------------------------------------------------
    def order_body(self, request: carriers.ShipmentRequest) -> dict[str, Any]:
        parcel = request.parcel
        return {
            "orderCreationStatus": 1,
            "type": "GUI",
            "customerCode": self.config["customer_code"],
            "contractCode": self.config.get("contract_code", ""),
            "informationOrder": {
                **self._place(request.sender, "sender"),
                **self._place(request.recipient, "receiver"),
                "serviceCode": request.service or self.config.get("service") or DEFAULT_SERVICE,
                "saleOrderCode": request.reference,
                "contentNote": postal.goods_name([i.name for i in request.items]),
                "weight": str(parcel.weight_g),
                "width": parcel.width_cm,
                "length": parcel.length_cm,
                "height": parcel.height_cm,
                "orderValue": request.declared_value,
                "addonService": self._cod(request.cod_amount),
                "additionRequest": [],
                "vehicle": "BO",
                "sendType": "1",  # the postman picks up (2 = dropped at a post office)
                "deliveryRequire": "2",  # the buyer may look before paying
                "deliveryInstruction": request.note,
            },
        }

    def book(self, request: carriers.ShipmentRequest) -> carriers.Booking:
        body = self.order_body(request)
        try:
            response = self._call("POST", "/customer-partner/CreateOrder", body)
        except errors.TransientError as exc:
            if not exc.uncertain:
                raise
            found = self.find(request.reference)
            if found is None:
                raise errors.TransientError(
                    "VNPost's reply was lost and no parcel was made",
                    code=exc.code,
                    status=exc.status,
                    reason=exc.reason,
                ) from exc
            return found
        if response.status_code >= 400:
            found = self.find(request.reference)
            if found is not None:
                return found  # the reference was already used: that parcel
            raise _refused(self.client.any_json(response), response.status_code, "booking_refused")
        row = self.client.any_json(response)
        if not isinstance(row, dict) or not row.get("itemCode"):
            raise _refused(row if isinstance(row, dict) else {}, 200, "booking_refused")
        return self._booking(row, request.reference, created=True)

    def _booking(
        self, row: Mapping[str, Any], reference: str, *, created: bool
    ) -> carriers.Booking:
        return carriers.Booking(
            carrier=self.name,
            tracking_code=str(row["itemCode"]),
            reference=str(row.get("saleOrderCode") or reference),
            fee=postal.as_int(row.get("totalFee")),
            created=created,
            raw=dict(row),
        )

    def _order(self, kind: int, code: str) -> dict[str, Any] | None:
        response = self._call(
            "GET", "/customer-partner/getOrder", params={"type": kind, "code": code}
        )
        if response.status_code == 404:
            return None
        reply = _checked(response)
        if isinstance(reply, dict) and "data" in reply and not reply.get("itemCode"):
            reply = reply["data"]
        if isinstance(reply, list):
            reply = reply[0] if reply else None
        return reply if isinstance(reply, dict) and reply.get("itemCode") else None

    def find(self, reference: str) -> carriers.Booking | None:
        row = self._order(2, reference)
        return None if row is None else self._booking(row, reference, created=False)

    # after booking -----------------------------------------------------------------------
    def cancel(self, tracking_code: str) -> None:
        row = self._order(1, tracking_code)
        if row is None:
            raise errors.NotFound(f"VNPost has no parcel {tracking_code}", code="not_found")
        response = self._call(
            "POST", "/customer-partner/orderCancel", {"OriginalId": row.get("originalID")}
        )
        reply = _checked(response)
        results = reply if isinstance(reply, list) else [reply]
        failed = [r for r in results if isinstance(r, dict) and r.get("type") == CANCEL_FAILED]
        if failed:
            raise _refused(failed[0], response.status_code, "cancel_refused")

    def track(self, tracking_code: str) -> list[carriers.StatusUpdate]:
        reply = _checked(
            self._call(
                "GET",
                "/customer-partner/GetStatusHistoryOrder",
                params={"type": 1, "code": tracking_code},
            )
        )
        blocks = reply.get("data") if isinstance(reply, dict) else reply
        updates = []
        for block in blocks if isinstance(blocks, list) else [blocks]:
            if not isinstance(block, dict):
                continue
            code = str(block.get("itemCode") or tracking_code)
            for event in block.get("statusHistory") or []:
                if not isinstance(event, dict):
                    continue
                when = f"{event.get('createdDate', '')} {event.get('createHour', '')}".strip()
                updates.append(
                    self._update(
                        code,
                        "",
                        event.get("statusCode"),
                        when,
                        str(event.get("statusName") or ""),
                        event,
                    )
                )
        return sorted(updates, key=lambda u: u.occurred_at)

    def _update(
        self,
        tracking: str,
        reference: str,
        status: object,
        when: str,
        words: str,
        raw: Mapping[str, Any],
        *,
        cod_amount: int | None = None,
        fee: int | None = None,
    ) -> carriers.StatusUpdate:
        code = str(status if status is not None else "").strip()
        return carriers.StatusUpdate(
            carrier=self.name,
            tracking_code=tracking,
            reference=reference,
            status=self.map_status(code),
            carrier_status=code,
            occurred_at=postal.local_time(when),
            event_key=f"{tracking}:{code}:{when}",
            description=words,
            cod_amount=cod_amount,
            fee=fee,
            partial=code in PARTIAL,
            raw=raw,
        )

    def parse_webhook(
        self, headers: Mapping[str, str], body: bytes, query: Mapping[str, str]
    ) -> list[carriers.StatusUpdate]:
        webhooks.require_match(
            webhooks.header(headers, WEBHOOK_HEADER),
            self.config.get("webhook_token", ""),
            "bad_token",
        )
        data = webhooks.json_object(body)
        tracking = str(data.get("itemCode") or "").strip()
        if not tracking or data.get("statusCode") is None:
            raise webhooks.MalformedBody(
                "itemCode or statusCode missing",
                code="bad_field",
                params={"field": "itemCode" if not tracking else "statusCode"},
            )
        return [
            self._update(
                tracking,
                str(data.get("saleOrderCode") or ""),
                data.get("statusCode"),
                str(data.get("statusDate") or ""),
                str(data.get("statusName") or ""),
                data,
                cod_amount=postal.as_int(data["codAmount"]) if "codAmount" in data else None,
                fee=postal.as_int(data["totalFee"]) if "totalFee" in data else None,
            )
        ]


# helpers ---------------------------------------------------------------------------------
def _checked(response: requests.Response) -> Any:
    """The reply's JSON, or the refusal (HTTP 4xx) as ``ValidationFailed``."""
    reply = http.HttpClient.any_json(response)
    if response.status_code >= 400:
        raise _refused(
            reply if isinstance(reply, dict) else {}, response.status_code, "carrier_refused"
        )
    return reply


def _refused(reply: Mapping[str, Any], status: int, reason: str) -> errors.ValidationFailed:
    return errors.ValidationFailed(
        f"VNPost refused the call (HTTP {status})",
        code=str(reply.get("error") or reply.get("type") or f"http_{status}"),
        status=status,
        reason=reason,
        fields={"request": [str(reply.get("message") or "")]},
    )
