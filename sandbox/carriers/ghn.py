"""Sandbox GHN: the Shiip public API as ``integrations.carriers.ghn`` speaks it, under
``/shiip/public-api`` (so an adapter's ``api_base_url`` is ``<server>/shiip/public-api``),
plus the print pages under ``/a5/public-api/``.

- Auth: header ``Token`` = ``DEMO_TOKEN`` on every call (else HTTP 401 ``{"code": 401,
  "message": "Token is not valid!"}``); ``ShopId`` = ``DEMO_SHOP_ID`` on the order calls
  (fee, create, cancel, soc); ``shop_id`` in the body of available-services.
- Places: names (the name-based variant). 2025 names (empty district) must be a real
  province and one of its communes; old names (a district given) are taken when none is empty
  (not yet checked against the old map). Unknown places: code 400.
- Fees (deterministic): service 2 (light) 22,000 đ within a province / 30,000 đ between
  provinces for the first 500 g, + 5,000 đ per started 500 g above; service 5 (heavy)
  32,000 / 40,000 đ + 2,500 đ per 500 g. Billable weight = max(weight, L×W×H ÷ 5) g (volume
  weight at 5,000 cm³ per kg). Insurance 0.5 % of ``insurance_value`` above 1,000,000 đ.
  ``total`` = service fee + insurance.
- A second create with a used ``client_order_code``: code 400 "client_order_code đã tồn tại".
- Statuses move through ``/_sandbox/…`` (see ``sandbox.carriers.common``); the webhook is
  GHN's JSON (``Type`` ``create`` for the first, ``update_cod``/``update_fee`` when the move
  says so, else ``switch_status``), retried 10 times 5 s apart until answered 200.
- Cancel: only in ``ready_to_pick``, ``picking``, ``money_collect_picking``.
- Rate limit: the adapter's (``GHNCarrier.rate_limit``); over it HTTP 429 in GHN's envelope.
"""

from __future__ import annotations

import html
import json
import time
import uuid
from typing import Any

from werkzeug.wrappers import Request, Response

from integrations.carriers import ghn as adapter
from sandbox.carriers.common import (
    CarrierSandbox,
    Depot,
    Event,
    SandboxParcel,
    Tariff,
    iso_utc,
    json_response,
    place_problem,
    read_json,
    same_province,
)

DEMO_TOKEN = "3b75c988-ff34-11eb-b255-166e45bc1992"
DEMO_SHOP_ID = "885"
PREFIX = adapter.API_SUFFIX
PRINT_PREFIX = "/a5/public-api/"
PRINT_TTL = 30 * 60
MAX_WEIGHT_G = 50_000
MAX_INSURANCE = 5_000_000
SERVICES: tuple[dict[str, Any], ...] = (
    {"service_id": 53320, "short_name": "Chuyển phát thương mại điện tử", "service_type_id": 2},
    {"service_id": 53319, "short_name": "Chuyển phát truyền thống", "service_type_id": 5},
)
TARIFFS = {
    2: Tariff(22_000, 30_000, 5_000, volume_divisor=5),
    5: Tariff(32_000, 40_000, 2_500, volume_divisor=5),
}
CANCELLABLE = frozenset({"ready_to_pick", "picking", "money_collect_picking"})
NOT_FOUND = "Lỗi gọi API: corev2_tenant_order_detail - code=404, message=Đơn hàng không tồn tại"


def demo_config(url: str) -> dict[str, str]:
    """``GHNCarrier`` config (secrets included) for this sandbox served at ``url``."""
    return {"token": DEMO_TOKEN, "shop_id": DEMO_SHOP_ID, "api_base_url": f"{url}{PREFIX}"}


def ok(data: Any) -> Response:
    return json_response({"code": 200, "message": "Success", "data": data})


def fail(message: str, code: int = 400) -> Response:
    body = {"code": code, "message": message, "data": None, "code_message": "USER_ERR_COMMON"}
    return json_response(body, code)


def _place(body: dict[str, Any], prefix: str) -> str:
    return place_problem(
        str(body.get(f"{prefix}_province_name") or ""),
        str(body.get(f"{prefix}_district_name") or ""),
        str(body.get(f"{prefix}_ward_name") or ""),
    )


def _route_problem(body: dict[str, Any]) -> Response | None:
    for prefix in ("from", "to"):
        problem = _place(body, prefix)
        if problem:
            return fail(f"{prefix}: địa chỉ không hợp lệ ({problem})")
    return None


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _service_type(body: dict[str, Any]) -> int:
    kind = _int(body.get("service_type_id"))
    if not kind:
        service_id = _int(body.get("service_id"))
        kind = next(
            (int(s["service_type_id"]) for s in SERVICES if s["service_id"] == service_id), 0
        )
    return kind


def _fees(body: dict[str, Any], kind: int) -> dict[str, int]:
    tariff = TARIFFS[kind]
    dims = (_int(body.get("length")), _int(body.get("width")), _int(body.get("height")))
    near = same_province(
        str(body.get("from_province_name") or ""), str(body.get("to_province_name") or "")
    )
    service = tariff.fee(_int(body.get("weight")), near, dims)
    insurance = tariff.insurance(_int(body.get("insurance_value")))
    return {"service_fee": service, "insurance_fee": insurance, "total": service + insurance}


class GHNSandbox(CarrierSandbox):
    name = "ghn"
    write_paths = (f"{PREFIX}/v2/shipping-order/create", f"{PREFIX}/v2/switch-status/cancel")

    def __init__(self, depot: Depot | None = None, **depot_options: Any) -> None:
        depot_options.setdefault("rate_limit", adapter.GHNCarrier.rate_limit)
        depot_options.setdefault("retries", 10)
        depot_options.setdefault("retry_seconds", 5.0)
        super().__init__(depot, **depot_options)
        self.print_tokens: dict[str, tuple[list[str], float]] = {}

    def counted(self, request: Request) -> bool:
        return not request.path.startswith(PRINT_PREFIX)

    # envelope ------------------------------------------------------------------------------
    def rate_limited(self) -> Response:
        return fail("Too many requests", 429)

    def server_error(self, status: int) -> Response:
        return fail("Hệ thống đang bận, vui lòng thử lại sau", status)

    # routes --------------------------------------------------------------------------------
    def route(self, request: Request) -> Response:
        path = request.path
        if path.startswith(PRINT_PREFIX):
            return self.print_page(request)
        if not path.startswith(PREFIX + "/"):
            return fail("Not found", 404)
        if request.headers.get("Token") != DEMO_TOKEN:
            return fail("Token is not valid!", 401)
        handler = self.handlers.get(path[len(PREFIX) :])
        if handler is None:
            return fail("Not found", 404)
        name, needs_shop = handler
        if needs_shop and request.headers.get("ShopId") != DEMO_SHOP_ID:
            return fail("ShopId không hợp lệ", 401)
        response: Response = getattr(self, name)(read_json(request))
        return response

    handlers = {
        "/v2/shipping-order/available-services": ("services", False),
        "/v2/shipping-order/fee": ("fee", True),
        "/v2/shipping-order/create": ("create", True),
        "/v2/shipping-order/detail": ("detail", False),
        "/v2/shipping-order/detail-by-client-code": ("detail_by_client_code", False),
        "/v2/shipping-order/soc": ("soc", True),
        "/v2/a5/gen-token": ("gen_token", False),
        "/v2/switch-status/cancel": ("cancel", True),
    }

    def services(self, body: dict[str, Any]) -> Response:
        if str(body.get("shop_id")) != DEMO_SHOP_ID:
            return fail("shop_id không hợp lệ")
        return _route_problem(body) or ok(list(SERVICES))

    def fee(self, body: dict[str, Any]) -> Response:
        kind = _service_type(body)
        if kind not in TARIFFS:
            return fail("service_id hoặc service_type_id không hợp lệ")
        if not 0 < _int(body.get("weight")) <= MAX_WEIGHT_G:
            return fail("weight không hợp lệ")
        if _int(body.get("insurance_value")) > MAX_INSURANCE:
            return fail("insurance_value tối đa 5.000.000")
        refused = _route_problem(body)
        if refused is not None:
            return refused
        fees = _fees(body, kind)
        zero = dict.fromkeys(
            ("pick_station_fee", "coupon_value", "r2s_fee", "cod_fee", "cod_failed_fee"), 0
        )
        return ok({**fees, **zero})

    def create(self, body: dict[str, Any]) -> Response:
        reference = str(body.get("client_order_code") or "")
        missing = [
            field
            for field in ("client_order_code", "to_name", "to_phone", "to_address")
            if not str(body.get(field) or "").strip()
        ]
        if missing:
            return fail(f"Thiếu thông tin: {', '.join(missing)}")
        kind = _service_type(body)
        if kind not in TARIFFS:
            return fail("service_type_id không hợp lệ")
        if not 0 < _int(body.get("weight")) <= MAX_WEIGHT_G:
            return fail("weight không hợp lệ")
        if _int(body.get("payment_type_id")) not in (1, 2):
            return fail("payment_type_id không hợp lệ")
        if kind == 5 and not body.get("items"):
            return fail("items bắt buộc với hàng nặng")
        refused = _route_problem(body)
        if refused is not None:
            return refused
        fees = _fees(body, kind)

        def build(number: int) -> SandboxParcel:
            now = self.depot.now()
            code = f"GA{number:06d}VN"
            data: dict[str, Any] = {
                "order_code": code,
                "sort_code": f"{number % 90 + 10:02d}-{kind}0-{number % 7:02d}",
                "trans_type": "truck",
                "ward_encode": "",
                "district_encode": "",
                "fee": {
                    "main_service": fees["service_fee"],
                    "insurance": fees["insurance_fee"],
                    "station_do": 0,
                    "station_pu": 0,
                    "return": 0,
                    "r2s": 0,
                    "coupon": 0,
                },
                "total_fee": fees["total"],
                "expected_delivery_time": iso_utc(now + 3 * 86400, millis=False),
            }
            return SandboxParcel(
                code=code,
                reference=reference,
                created_at=now,
                body={"request": body, "reply": data},
                cod_amount=_int(body.get("cod_amount")),
                fee=fees["total"],
                weight_g=_int(body.get("weight")),
            )

        parcel, made = self.depot.create(reference, build, "ready_to_pick")
        if not made:
            return fail(f"Đơn hàng với client_order_code {reference} đã tồn tại")
        return ok(parcel.body["reply"])

    def _order(self, parcel: SandboxParcel) -> dict[str, Any]:
        asked = parcel.body["request"]
        log = [{"status": e.status, "updated_date": iso_utc(e.at)} for e in parcel.history]
        return {
            "shop_id": int(DEMO_SHOP_ID),
            "order_code": parcel.code,
            "client_order_code": parcel.reference,
            "status": parcel.status,
            "to_name": asked.get("to_name"),
            "to_phone": asked.get("to_phone"),
            "to_address": asked.get("to_address"),
            "to_ward_name": asked.get("to_ward_name"),
            "to_province_name": asked.get("to_province_name"),
            "weight": parcel.weight_g,
            "length": asked.get("length"),
            "width": asked.get("width"),
            "height": asked.get("height"),
            "service_type_id": _service_type(asked),
            "payment_type_id": asked.get("payment_type_id"),
            "cod_amount": parcel.cod_amount,
            "insurance_value": asked.get("insurance_value"),
            "required_note": asked.get("required_note"),
            "content": asked.get("content"),
            "note": asked.get("note"),
            "items": asked.get("items") or [],
            "leadtime": parcel.body["reply"]["expected_delivery_time"],
            "log": log,
            "updated_date": log[-1]["updated_date"] if log else "",
        }

    def detail(self, body: dict[str, Any]) -> Response:
        parcel = self.depot.parcels.get(str(body.get("order_code") or ""))
        return fail(NOT_FOUND) if parcel is None else ok(self._order(parcel))

    def detail_by_client_code(self, body: dict[str, Any]) -> Response:
        parcel = self.depot.find_reference(str(body.get("client_order_code") or ""))
        return fail(NOT_FOUND) if parcel is None else ok(self._order(parcel))

    def soc(self, body: dict[str, Any]) -> Response:
        parcel = self.depot.parcels.get(str(body.get("order_code") or ""))
        if parcel is None:
            return fail(NOT_FOUND)
        lines = dict(parcel.body["reply"]["fee"])
        lines["main_service"] = parcel.fee - lines["insurance"]
        payment = {
            "value": parcel.fee,
            "payment_type": 1,
            "created_date": iso_utc(parcel.created_at),
        }
        return ok({"order_code": parcel.code, "detail": lines, "payment": [payment]})

    def gen_token(self, body: dict[str, Any]) -> Response:
        codes = [str(code) for code in body.get("order_codes") or []]
        if not codes or any(code not in self.depot.parcels for code in codes):
            return fail(NOT_FOUND)
        token = str(uuid.uuid4())
        with self.depot.lock:
            self.print_tokens[token] = (codes, time.time() + PRINT_TTL)
        return ok({"token": token})

    def cancel(self, body: dict[str, Any]) -> Response:
        rows = []
        with self.depot.lock:
            for code in [str(c) for c in body.get("order_codes") or []]:
                parcel = self.depot.parcels.get(code)
                if parcel is None:
                    rows.append({"order_code": code, "result": False, "message": "Không tồn tại"})
                elif parcel.status in CANCELLABLE:
                    self.depot.move(code, "cancel", description="Hủy đơn hàng")
                    rows.append({"order_code": code, "result": True, "message": "OK"})
                else:
                    words = f"Không thể hủy đơn ở trạng thái {parcel.status}"
                    rows.append({"order_code": code, "result": False, "message": words})
        return ok(rows)

    def print_page(self, request: Request) -> Response:
        page = request.path[len(PRINT_PREFIX) :]
        token = request.args.get("token", "")
        with self.depot.lock:
            codes, expires = self.print_tokens.get(token, ([], 0.0))
        if page not in ("printA5", "print80x80", "print52x70") or not codes:
            return fail("Token không hợp lệ")
        if expires < time.time():
            return fail("Token đã hết hạn")
        blocks = []
        for code in codes:
            parcel = self.depot.parcels[code]
            reply, asked = parcel.body["reply"], parcel.body["request"]
            blocks.append(
                '<section class="label">'
                f"<h1>{html.escape(code)}</h1><p>{html.escape(reply['sort_code'])}</p>"
                f"<p>{html.escape(str(asked.get('to_name') or ''))}</p>"
                f"<p>COD {parcel.cod_amount}</p></section>"
            )
        body = f'<!doctype html><html><body class="{page}">{"".join(blocks)}</body></html>'
        return Response(body, content_type="text/html; charset=utf-8")

    # webhook -------------------------------------------------------------------------------
    def webhook_call(self, parcel: SandboxParcel, event: Event) -> tuple[dict[str, str], bytes]:
        asked, reply = parcel.body["request"], parcel.body["reply"]
        if event.kind:
            kind = event.kind
        elif event is parcel.history[0]:
            kind = "create"
        elif event.cod_amount is not None:
            kind = "update_cod"
        elif event.fee is not None:
            kind = "update_fee"
        else:
            kind = "switch_status"
        fees = reply["fee"]
        body = {
            "CODAmount": event.cod_then,
            "CODTransferDate": None,
            "ClientOrderCode": parcel.reference,
            "ConvertedWeight": parcel.weight_g,
            "Description": event.description,
            "Fee": {
                "CODFailedFee": 0,
                "CODFee": 0,
                "Coupon": 0,
                "DeliverRemoteAreasFee": 0,
                "DocumentReturn": 0,
                "DoubleCheck": 0,
                "Insurance": fees["insurance"],
                "MainService": fees["main_service"],
                "PickRemoteAreasFee": 0,
                "R2S": 0,
                "Return": 0,
                "StationDO": 0,
                "StationPU": 0,
                "Total": event.fee_then,
            },
            "Height": _int(asked.get("height")),
            "IsPartialReturn": event.partial,
            "Length": _int(asked.get("length")),
            "OrderCode": parcel.code,
            "PartialReturnCode": "",
            "PaymentType": _int(asked.get("payment_type_id")),
            "Reason": "",
            "ReasonCode": "",
            "ShopID": int(DEMO_SHOP_ID),
            "Status": event.status,
            "Time": iso_utc(event.at),
            "TotalFee": event.fee_then,
            "Type": kind,
            "Warehouse": "Bưu Cục Sandbox",
            "Weight": parcel.weight_g,
            "Width": _int(asked.get("width")),
        }
        headers = {"Content-Type": "application/json"}
        return headers, json.dumps(body, ensure_ascii=False).encode()
