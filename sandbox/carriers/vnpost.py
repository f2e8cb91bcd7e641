"""Vietnam Post's MyVNPost partner API as a sandbox (``/customer-partner/*``).

Answered the way ``integrations/carriers/vnpost.py`` reads MyVNPost (itself from integrators'
code; the contract is not public): ``GetAccessToken`` → ``{"success", "token"}``, header
``token`` (unknown or expired → HTTP 401), Spring-style refusals ``{"status", "timestamp",
"error", "message", "path"}`` with HTTP 400/404, names of places old (province, district,
ward: ``vietnam.addresses``' old map) or new (province, commune: ``vietnam.admin_units``),
an unknown one refused.

Sandbox choices (not VNPost facts):

- Fees (đồng): charged weight = max(grams, L×W×H cm³ ÷ 6); main fee = base + step ×
  ceil(max(0, w − 500) ÷ 500) with base/step 18,000/3,000 when both ends name the same
  province (old or new name) and 32,000/6,000 otherwise; service ``CTN009`` ×100 %,
  ``EMS`` ×140 % (rounded down); COD add-on (``GTG021``) 0.8 % of the COD rounded down
  (``vasFee``); ``totalFee`` = main + COD fee.
- Tracking codes ``EP`` + 9 digits + ``VN``; a new parcel starts at status 1; cancel
  (before collection: statuses 0–5 and 8) moves it to 9.
- A ``saleOrderCode`` already used is refused (HTTP 400); ``getOrder?type=2`` finds it.
- The status webhook ``{"itemCode", "saleOrderCode", "statusCode", "statusName",
  "statusDate", "codAmount", "totalFee"}`` with ``X-Webhook-Token`` (the adapter's shape; no
  VNPost contract found), 3 retries 5 s apart.
- Rate limit 5 calls/s (the adapter's stated assumption), HTTP 429 above it.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Mapping
from typing import Any

from werkzeug.wrappers import Request, Response

from integrations.carriers.postal import bare, match_name
from sandbox.carriers import common, postal
from vietnam import addresses, admin_units
from vietnam.zone import VIETNAM

DEMO_USERNAME = "ocop-demo"
DEMO_PASSWORD = "vnpost-sandbox-pass"
DEMO_CUSTOMER_CODE = "C0012345"
DEMO_WEBHOOK_TOKEN = "vnpost-sandbox-hook-3c9d"
PREFIX = "/customer-partner"


def demo_config(url: str) -> dict[str, str]:
    """``VNPostCarrier`` config (secrets included) for this sandbox served at ``url``."""
    return {
        "api_base_url": url,
        "username": DEMO_USERNAME,
        "password": DEMO_PASSWORD,
        "customer_code": DEMO_CUSTOMER_CODE,
        "webhook_token": DEMO_WEBHOOK_TOKEN,
    }


RATE_LIMIT = 5.0
RETRIES = 3
RETRY_SECONDS = 5.0
WEBHOOK_HEADER = "X-Webhook-Token"
FIRST_STATUS = "1"
CANCELLED = "9"
CANCELLABLE = frozenset({"0", "1", "2", "3", "4", "5", "8"})
COD_SERVICE = "GTG021"
COD_PROPERTY = "PROP0018"
SERVICES: dict[str, tuple[str, int]] = {
    "CTN009": ("Chuyển phát thương mại điện tử", 100),
    "EMS": ("Chuyển phát nhanh EMS", 140),
}
STATUS_NAMES = {
    "1": "Đã tạo đơn",
    "2": "Đã giao bưu tá nhận",
    "6": "Nhận hàng thành công",
    "9": "Hủy nhận hàng",
    "10": "Đang vận chuyển",
    "12": "Đang phát",
    "14": "Phát thành công",
    "15": "Phát không thành công",
    "18": "Bắt đầu chuyển hoàn",
    "19": "Chuyển hoàn thành công",
    "20": "Phát một phần",
}


def locate(province: str, district: str, commune: str) -> str | None:
    """The place's province (folded, without its unit word) when the names are a real place
    on the old map (with a district) or the 2025 one (without); None otherwise."""
    if district.strip():
        p_code = match_name(province, ((u.code, u.name) for u in addresses.legacy_provinces()))
        if p_code is None:
            return None
        districts = addresses.legacy_districts(p_code)
        d_code = match_name(district, ((u.code, u.name) for u in districts))
        if d_code is None:
            return None
        wards = addresses.legacy_wards(d_code)
        if (commune or wards) and match_name(commune, ((u.code, u.name) for u in wards)) is None:
            return None
        return bare(province)
    unit = admin_units.find_province(province)
    if unit is None or admin_units.find_commune(unit.code, commune) is None:
        return None
    return bare(unit.name)


def cod_amount(addons: Any) -> int:
    for addon in addons if isinstance(addons, list) else []:
        if isinstance(addon, dict) and addon.get("code") == COD_SERVICE:
            prop, _, value = str(addon.get("propValue") or "").partition(":")
            if prop == COD_PROPERTY:
                return postal.as_int(value)
    return 0


def price(data: Mapping[str, Any], service: str, same_province: bool) -> dict[str, Any]:
    """The sandbox's fee for ``service`` (see the module doc)."""
    name, percent = SERVICES[service]
    weight = postal.charged_weight(
        *(postal.as_int(data.get(k)) for k in ("weight", "length", "width", "height"))
    )
    base, step = (18_000, 3_000) if same_province else (32_000, 6_000)
    main = postal.stepped_fee(weight, base, step, percent)
    vas = cod_amount(data.get("addonService")) * 8 // 1000
    return {
        "serviceCode": service,
        "serviceName": name,
        "mainFee": main,
        "vasFee": vas,
        "totalFee": main + vas,
        "priceWeight": weight,
    }


class VNPostSandbox(postal.PostalSandbox):
    name = "vnpost"
    write_paths = ("/customer-partner/CreateOrder", "/customer-partner/orderCancel")

    def __init__(self, depot: common.Depot | None = None, **depot_options: Any) -> None:
        options = {"rate_limit": RATE_LIMIT, "retries": RETRIES, "retry_seconds": RETRY_SECONDS}
        super().__init__(depot, **{**options, **depot_options})
        self.webhook_token = DEMO_WEBHOOK_TOKEN

    # refusals ------------------------------------------------------------------------------
    def error(self, request: Request, message: str, status: int = 400) -> Response:
        reasons = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 429: "Too Many"}
        body = {
            "status": status,
            "timestamp": dt.datetime.now(dt.UTC).isoformat(),
            "error": reasons.get(status, "Error"),
            "message": message,
            "path": request.path,
        }
        return common.json_response(body, status)

    def rate_limited(self) -> Response:
        return common.json_response(
            {"status": 429, "error": "Too Many Requests", "message": "Quá nhiều yêu cầu"}, 429
        )

    def server_error(self, status: int) -> Response:
        return common.json_response(
            {"status": status, "error": "Server Error", "message": "Lỗi hệ thống"}, status
        )

    # API -----------------------------------------------------------------------------------
    def route(self, request: Request) -> Response:
        path = request.path.removeprefix(PREFIX)
        if path == request.path:
            return self.error(request, "Not found", 404)
        body = common.read_json(request)
        if path == "/GetAccessToken" and request.method == "POST":
            return self.login(request, body)
        if not self.token_ok(request.headers.get("token", "")):
            return self.error(request, "Token không hợp lệ hoặc đã hết hạn", 401)
        handlers = {
            ("POST", "/ServicesCharge"): self.charge,
            ("POST", "/CreateOrder"): self.create,
            ("GET", "/getOrder"): self.get_order,
            ("POST", "/orderCancel"): self.cancel,
            ("GET", "/GetStatusHistoryOrder"): self.history,
        }
        handler = handlers.get((request.method, path))
        if handler is None:
            return self.error(request, "Not found", 404)
        return handler(request, body)

    def login(self, request: Request, body: Mapping[str, Any]) -> Response:
        given = (body.get("username"), body.get("password"), body.get("customerCode"))
        if given != (DEMO_USERNAME, DEMO_PASSWORD, DEMO_CUSTOMER_CODE):
            return common.json_response(
                {"success": False, "message": "Tài khoản hoặc mật khẩu không đúng"}, 401
            )
        token = self.issue_token(secrets.token_urlsafe(24))
        return common.json_response({"success": True, "token": token})

    def _route(self, request: Request, data: Mapping[str, Any]) -> tuple[bool, str]:
        """(same province?, problem); a problem names the first place not understood."""
        ends = []
        for side in ("sender", "receiver"):
            where = locate(
                str(data.get(f"{side}ProvinceName") or ""),
                str(data.get(f"{side}DistrictName") or ""),
                str(data.get(f"{side}CommuneName") or ""),
            )
            if where is None:
                return False, f"Địa chỉ {side} không hợp lệ"
            ends.append(where)
        if postal.as_int(data.get("weight")) <= 0:
            return False, "Khối lượng phải lớn hơn 0"
        return ends[0] == ends[1], ""

    def charge(self, request: Request, body: Mapping[str, Any]) -> Response:
        data = body.get("data")
        if not isinstance(data, dict):
            return self.error(request, "data không hợp lệ")
        same, problem = self._route(request, data)
        if problem:
            return self.error(request, problem)
        wanted = str(data.get("serviceCode") or "")
        if wanted and wanted not in SERVICES:
            return self.error(request, "serviceCode không hợp lệ")
        codes = [wanted] if wanted else list(SERVICES)
        return common.json_response([price(data, code, same) for code in codes])

    def create(self, request: Request, body: Mapping[str, Any]) -> Response:
        depot = self.depot
        with depot.lock:
            depot.create_calls += 1
        order = body.get("informationOrder")
        if not isinstance(order, dict) or body.get("customerCode") != DEMO_CUSTOMER_CODE:
            return self.error(request, "customerCode hoặc informationOrder không hợp lệ")
        same, problem = self._route(request, order)
        reference = str(order.get("saleOrderCode") or "").strip()
        service = str(order.get("serviceCode") or "")
        if not problem and not reference:
            problem = "saleOrderCode không được để trống"
        if not problem and service not in SERVICES:
            problem = "serviceCode không hợp lệ"
        for side in ("sender", "receiver"):
            phone = str(order.get(f"{side}Phone") or "")
            if not problem and not (phone.isdigit() and len(phone) == 10):
                problem = f"{side}Phone không hợp lệ"
        if problem:
            return self.error(request, problem)
        fee = price(order, service, same)
        with depot.lock:
            if depot.find_reference(reference) is not None:
                return self.error(request, f"saleOrderCode {reference} đã tồn tại")
            number = depot.next_number()
            parcel = common.SandboxParcel(
                code=f"EP{number:09d}VN",
                reference=reference,
                created_at=depot.now(),
                body={**order, "originalID": str(700000 + number), "fee": fee},
                cod_amount=cod_amount(order.get("addonService")),
                fee=fee["totalFee"],
                weight_g=fee["priceWeight"],
            )
            depot.add(parcel, FIRST_STATUS)
        return common.json_response(self.order_view(parcel))

    def order_view(self, parcel: common.SandboxParcel) -> dict[str, Any]:
        body = parcel.body
        return {
            "orderHdrID": f"HDR{parcel.code}",
            "originalID": body["originalID"],
            "itemCode": parcel.code,
            "saleOrderCode": parcel.reference,
            "status": postal.as_int(parcel.status),
            "serviceCode": body.get("serviceCode"),
            "codAmount": parcel.cod_amount,
            "weight": postal.as_int(body.get("weight")),
            **{k: body["fee"][k] for k in ("totalFee", "mainFee", "vasFee", "priceWeight")},
            "receiverName": body.get("receiverName"),
            "receiverProvinceName": body.get("receiverProvinceName"),
            "createdDate": _local(parcel.created_at),
        }

    def _find(self, request: Request) -> common.SandboxParcel | None:
        code = request.args.get("code", "")
        with self.depot.lock:
            if request.args.get("type") == "2":
                return self.depot.find_reference(code)
            return self.depot.parcels.get(code)

    def get_order(self, request: Request, body: Mapping[str, Any]) -> Response:
        parcel = self._find(request)
        if parcel is None:
            return self.error(request, "Không tìm thấy đơn hàng", 404)
        return common.json_response(self.order_view(parcel))

    def cancel(self, request: Request, body: Mapping[str, Any]) -> Response:
        original = str(body.get("OriginalId") or "")
        depot = self.depot
        with depot.lock:
            parcel = next(
                (p for p in depot.parcels.values() if p.body.get("originalID") == original), None
            )
            result = {"type": "ERROR", "note": "", "originalId": original, "caseId": 0}
            if parcel is None:
                return common.json_response([{**result, "message": "Không tìm thấy đơn hàng"}])
            if parcel.status not in CANCELLABLE:
                message = "Đơn hàng đã được nhận, không thể hủy"
                return common.json_response([{**result, "message": message}])
            depot.move(parcel.code, CANCELLED, description="Khách hàng hủy qua API")
        caseid = depot.next_number()
        return common.json_response(
            [{**result, "type": "SUCCESS", "message": "Hủy thành công", "caseId": caseid}]
        )

    def history(self, request: Request, body: Mapping[str, Any]) -> Response:
        parcel = self._find(request)
        if parcel is None:
            return self.error(request, "Không tìm thấy đơn hàng", 404)
        events = [
            {
                "createdDate": _local(e.at, "%d/%m/%Y"),
                "createHour": _local(e.at, "%H:%M:%S"),
                "statusCode": postal.as_int(e.status),
                "statusName": STATUS_NAMES.get(e.status, "Trạng thái khác"),
            }
            for e in parcel.history
        ]
        return common.json_response({"data": [{"itemCode": parcel.code, "statusHistory": events}]})

    # webhooks --------------------------------------------------------------------------------
    def webhook_call(
        self, parcel: common.SandboxParcel, event: common.Event
    ) -> tuple[dict[str, str], bytes]:
        data = {
            "itemCode": parcel.code,
            "saleOrderCode": parcel.reference,
            "statusCode": postal.as_int(event.status)
            if event.status.lstrip("-").isdigit()
            else event.status,
            "statusName": STATUS_NAMES.get(event.status, "Trạng thái khác"),
            "statusDate": _local(event.at),
            "codAmount": parcel.cod_amount,
            "totalFee": parcel.fee,
        }
        headers = {"Content-Type": "application/json", WEBHOOK_HEADER: self.webhook_token}
        return headers, json.dumps(data, ensure_ascii=False).encode()


def _local(at: float, fmt: str = "%d/%m/%Y %H:%M:%S") -> str:
    return dt.datetime.fromtimestamp(at, VIETNAM).strftime(fmt)
