"""Sandbox GHTK: the open API as ``integrations.carriers.ghtk`` speaks it (an adapter's
``api_base_url`` is the server's address).

- Auth: headers ``Token`` = ``DEMO_TOKEN`` and ``X-Client-Source`` = ``DEMO_CLIENT_SOURCE``
  (else HTTP 401 ``{"success": false, "message": "Cần cung cấp token hợp lệ", "error_code":
  "20101"}``).
- Places: names. 2025 names (empty district) must be a real province and one of its
  communes; old names (a district given) are taken when none is empty (not yet checked against
  the old map). Unknown places: HTTP 422, ``success: false``.
- Fees (deterministic): road 22,000 đ within a province / 30,000 đ between provinces for the
  first 500 g, + 2,500 đ per started 500 g above (weight only); fly 30,000 đ + 5,000 đ per
  500 g, between provinces only (within one: ``delivery: false``). Insurance 0.5 % of
  ``value`` above 1,000,000 đ.
- A second create with a used ``order.id``: ``{"success": false, "error": {"code":
  "ORDER_ID_EXIST", "partner_id", "ghtk_label", "status"}}``.
- Labels: a one-page PDF (A5 or A6) made by hand (``sandbox.carriers.common.minimal_pdf``).
- Cancel: only in statuses 1, 2, 12.
- Webhook: form-encoded, posted to the registered address with ``?hash=<webhook_hash>``
  added (``DEMO_WEBHOOK_HASH`` unless given); retried once (60 s later) until answered 200.
- Rate limit: the adapter's (``GHTKCarrier.rate_limit``); over it HTTP 429 in GHTK's envelope.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from typing import Any

from werkzeug.wrappers import Request, Response

from integrations.carriers import ghtk as adapter
from sandbox.carriers.common import (
    PAGE_SIZES,
    CarrierSandbox,
    Depot,
    Event,
    SandboxParcel,
    Tariff,
    json_response,
    minimal_pdf,
    place_problem,
    read_json,
    same_province,
)
from vietnam.zone import VIETNAM

DEMO_TOKEN = "APITokenSample-ca441e70288cB0515F310742"
DEMO_CLIENT_SOURCE = "S308157"
DEMO_WEBHOOK_HASH = "ghtk-sandbox-hash-7f3a9c2e"
TARIFFS = {
    "road": Tariff(22_000, 30_000, 2_500),
    "fly": Tariff(30_000, 30_000, 5_000),
}
CANCELLABLE = frozenset({"1", "2", "12"})
STATUS_TEXT = {
    "-1": "Hủy đơn hàng",
    "1": "Chưa tiếp nhận",
    "2": "Đã tiếp nhận",
    "12": "Đang lấy hàng",
    "3": "Đã lấy hàng/Đã nhập kho",
    "4": "Đã điều phối giao hàng/Đang giao hàng",
    "5": "Đã giao hàng/Chưa đối soát",
    "6": "Đã đối soát",
    "9": "Không giao được hàng",
    "20": "Đang trả hàng",
    "21": "Đã trả hàng",
}
NOT_FOUND = "Không tìm thấy vận đơn"


def demo_config(url: str) -> dict[str, str]:
    """``GHTKCarrier`` config (secrets included) for this sandbox served at ``url``."""
    return {
        "token": DEMO_TOKEN,
        "client_source": DEMO_CLIENT_SOURCE,
        "webhook_hash": DEMO_WEBHOOK_HASH,
        "api_base_url": url,
    }


def fail(message: str, status: int = 200, **extra: Any) -> Response:
    return json_response({"success": False, "message": message, **extra}, status)


def _local(seconds: float) -> str:
    """``2016-11-02T12:18:39+07:00`` (GHTK's times, Vietnam's offset)."""
    return dt.datetime.fromtimestamp(seconds, VIETNAM).isoformat(timespec="seconds")


def _number(value: Any) -> float:
    try:
        return float(value or 0)
    except (TypeError, ValueError):
        return 0.0


def _place(source: Any, prefix: str) -> str:
    return place_problem(
        str(source.get(f"{prefix}province") or ""),
        str(source.get(f"{prefix}district") or ""),
        str(source.get(f"{prefix}ward") or ""),
    )


class GHTKSandbox(CarrierSandbox):
    name = "ghtk"
    write_paths = ("/services/shipment/order", "/services/shipment/cancel")

    def __init__(
        self,
        depot: Depot | None = None,
        *,
        webhook_hash: str = DEMO_WEBHOOK_HASH,
        **depot_options: Any,
    ) -> None:
        depot_options.setdefault("rate_limit", adapter.GHTKCarrier.rate_limit)
        depot_options.setdefault("retries", 1)
        depot_options.setdefault("retry_seconds", 60.0)
        super().__init__(depot, **depot_options)
        self.webhook_hash = webhook_hash

    # envelope ------------------------------------------------------------------------------
    def rate_limited(self) -> Response:
        return fail("Too many requests", 429, error_code="429")

    def server_error(self, status: int) -> Response:
        return fail("Đã có lỗi xảy ra!", status, error_code="10101")

    # routes --------------------------------------------------------------------------------
    def route(self, request: Request) -> Response:
        if (
            request.headers.get("Token") != DEMO_TOKEN
            or request.headers.get("X-Client-Source") != DEMO_CLIENT_SOURCE
        ):
            return fail("Cần cung cấp token hợp lệ", 401, error_code="20101")
        path, method = request.path, request.method
        if path == "/services/shipment/fee" and method == "GET":
            return self.fee(request.args)
        if path.rstrip("/") == "/services/shipment/order" and method == "POST":
            return self.create(read_json(request))
        if path.startswith("/services/shipment/v2/") and method == "GET":
            return self.status(path.removeprefix("/services/shipment/v2/"))
        if path.startswith("/services/label/") and method == "GET":
            return self.label(path.removeprefix("/services/label/"), request.args)
        if path.startswith("/services/shipment/cancel/") and method == "POST":
            return self.cancel(path.removeprefix("/services/shipment/cancel/"))
        return fail("Đường dẫn không tồn tại, vui lòng thử lại sau", 404, error_code="10104")

    def _parcel(self, ref: str) -> SandboxParcel | None:
        """By label, or by our code as ``partner_id:<id>``."""
        ref = urllib.parse.unquote(ref)
        if ref.startswith("partner_id:"):
            return self.depot.find_reference(ref.removeprefix("partner_id:"))
        return self.depot.parcels.get(ref)

    def _fees(self, source: Any, transport: str, weight_g: int) -> dict[str, Any]:
        near = same_province(str(source.get("pick_province")), str(source.get("province")))
        tariff = TARIFFS[transport]
        return {
            "name": "area1" if near else "area2",
            "fee": tariff.fee(weight_g, near),
            "insurance_fee": tariff.insurance(int(_number(source.get("value")))),
            "delivery": not (transport == "fly" and near),
        }

    def fee(self, args: Any) -> Response:
        transport = args.get("transport") or "road"
        if transport not in TARIFFS:
            return fail("Phương thức vận chuyển không hợp lệ", 422, error_code="30104")
        problem = _place(args, "pick_") or _place(args, "")
        if problem:
            return fail(f"Địa chỉ không hợp lệ ({problem})", 422)
        weight = int(_number(args.get("weight")))
        if weight <= 0:
            return fail("Khối lượng không hợp lệ", 422)
        return json_response({"success": True, "fee": self._fees(args, transport, weight)})

    def create(self, body: dict[str, Any]) -> Response:
        order = body.get("order")
        products = body.get("products")
        if not isinstance(order, dict) or not isinstance(products, list) or not products:
            return fail("Thiếu thông tin đơn hàng", 422, error_code="30101")
        required = (
            "id",
            "pick_name",
            "pick_address",
            "pick_tel",
            "name",
            "tel",
            "address",
            "hamlet",
        )
        missing = [f for f in required if not str(order.get(f) or "").strip()]
        if missing:
            return fail(f"Thiếu thông tin: {', '.join(missing)}", 422, error_code="30101")
        if len(str(order["id"])) >= 250:
            return fail("Trường order.id phải có độ dài dưới 250 kí tự.", 422, error_code="30102")
        transport = str(order.get("transport") or "road")
        if transport not in TARIFFS:
            return fail("Phương thức vận chuyển không hợp lệ", 422, error_code="30104")
        problem = _place(order, "pick_") or _place(order, "")
        if problem:
            return fail(f"Địa chỉ không hợp lệ ({problem})", 422)
        kilos = _number(order.get("total_weight")) or sum(
            _number(p.get("weight")) * max(1, int(_number(p.get("quantity"))))
            for p in products
            if isinstance(p, dict)
        )
        weight = round(kilos * 1000)
        if weight <= 0:
            return fail(
                "Đơn hàng chưa có khối lượng. Vui lòng kiểm tra lại.", 422, error_code="30103"
            )
        fees = self._fees(order, transport, weight)
        if not fees["delivery"]:
            return fail("Không hỗ trợ vận chuyển đường bay trong tỉnh", 422)
        reference = str(order["id"])

        def build(number: int) -> SandboxParcel:
            label = f"S1.A1.{17_373_470 + number}"
            reply: dict[str, Any] = {
                "partner_id": reference,
                "label": label,
                "area": "1" if fees["name"] == "area1" else "2",
                "fee": str(fees["fee"]),
                "insurance_fee": str(fees["insurance_fee"]),
                "estimated_pick_time": "Sáng " + _local(self.depot.now())[:10],
                "estimated_deliver_time": "Chiều " + _local(self.depot.now() + 3 * 86400)[:10],
                "products": [],
                "status_id": 2,
                "tracking_id": 17_373_470 + number,
            }
            return SandboxParcel(
                code=label,
                reference=reference,
                created_at=self.depot.now(),
                body={"request": body, "reply": reply},
                cod_amount=int(_number(order.get("pick_money"))),
                fee=int(fees["fee"]) + int(fees["insurance_fee"]),
                weight_g=weight,
            )

        parcel, made = self.depot.create(reference, build, "2")
        if not made:
            error = {
                "code": "ORDER_ID_EXIST",
                "partner_id": reference,
                "ghtk_label": parcel.code,
                "created": _local(parcel.created_at),
                "status": int(parcel.status),
            }
            return fail("Mã đơn hàng đã tồn tại trong hệ thống", error=error)
        reply = parcel.body["reply"]
        return json_response(
            {
                "success": True,
                "message": "Các đơn hàng đã được add vào hệ thống GHTK thành công.",
                "order": reply,
            }
        )

    def status(self, ref: str) -> Response:
        parcel = self._parcel(ref)
        if parcel is None:
            return fail(NOT_FOUND)
        order = parcel.body["request"]["order"]
        reply = parcel.body["reply"]
        last = parcel.history[-1].at if parcel.history else parcel.created_at
        view = {
            "label_id": parcel.code,
            "partner_id": parcel.reference,
            "status": parcel.status,
            "status_text": STATUS_TEXT.get(parcel.status, ""),
            "created": _local(parcel.created_at),
            "modified": _local(last),
            "message": order.get("note") or "",
            "pick_date": _local(parcel.created_at)[:10],
            "deliver_date": "",
            "customer_fullname": order.get("name"),
            "customer_tel": order.get("tel"),
            "address": order.get("address"),
            "storage_day": 0,
            "ship_money": int(reply["fee"]),
            "insurance": int(reply["insurance_fee"]),
            "value": int(_number(order.get("value"))),
            "weight": parcel.weight_g,
            "pick_money": parcel.cod_amount,
            "is_freeship": int(_number(order.get("is_freeship"))),
        }
        return json_response({"success": True, "message": "", "order": view})

    def label(self, ref: str, args: Any) -> Response:
        parcel = self._parcel(ref)
        if parcel is None:
            return fail(NOT_FOUND)
        paper = str(args.get("paper_size") or "A5").upper()
        if paper not in ("A5", "A6"):
            return fail("paper_size không hợp lệ", 422)
        order = parcel.body["request"]["order"]
        lines = [
            "GHTK",
            parcel.code,
            f"Ma don: {parcel.reference}",
            f"Nguoi nhan: {order.get('name')} {order.get('tel')}",
            f"{order.get('address')}, {order.get('ward')}, {order.get('province')}",
            f"Thu ho: {parcel.cod_amount} d",
        ]
        size = PAGE_SIZES[paper]
        if args.get("original") == "landscape":
            size = (size[1], size[0])
        return Response(minimal_pdf(lines, size), content_type="application/pdf")

    def cancel(self, ref: str) -> Response:
        with self.depot.lock:
            parcel = self._parcel(ref)
            if parcel is None:
                return fail(NOT_FOUND)
            if parcel.status == "-1":
                return fail("Đơn hàng đã bị hủy")
            if parcel.status not in CANCELLABLE:
                return fail("Đơn hàng đã lấy hàng, không thể hủy")
            self.depot.move(parcel.code, "-1", description="Hủy đơn hàng")
        return json_response({"success": True, "message": "", "log_id": f"cancel-{parcel.code}"})

    # webhook -------------------------------------------------------------------------------
    def webhook_address(self, url: str) -> str:
        parts = urllib.parse.urlsplit(url)
        query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        if not any(key == "hash" for key, _ in query):
            query.append(("hash", self.webhook_hash))
        return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))

    def webhook_call(self, parcel: SandboxParcel, event: Event) -> tuple[dict[str, str], bytes]:
        fields = {
            "partner_id": parcel.reference,
            "label_id": parcel.code,
            "status_id": event.status,
            "action_time": _local(event.at),
            "reason_code": "",
            "reason": event.description,
            "weight": f"{parcel.weight_g / 1000:g}",
            "fee": str(event.fee_then),
            "pick_money": str(event.cod_then),
            "return_part_package": "1" if event.partial else "0",
        }
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return headers, urllib.parse.urlencode(fields).encode()
