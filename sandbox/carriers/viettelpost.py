"""Viettel Post's partner API as a sandbox, under ``/v2`` like the real one.

Answered the way ``integrations/carriers/viettelpost.py`` reads Viettel Post:
``{"status", "error", "message", "data"}`` envelopes (``getPriceAll`` a bare list), a login
token in the ``Token`` header (unknown or expired → HTTP 401, ``status`` 401), masters of the
old three-level map (ids = the statistics office's pre-2025 codes, from ``vietnam.addresses``;
provinces named without their unit word, districts and wards in capitals, as Viettel Post
lists them), ``ORDER_NUMBER`` refused when already used (``error: true``, the existing
parcel in ``data``), cancel (``UpdateOrder`` TYPE 4) before pickup only, a print link, and
the status webhook ``{"DATA", "TOKEN"}``.

Sandbox choices (not Viettel Post facts):

- Fees (đồng): charged weight ``w`` = max(grams, L×W×H cm³ ÷ 6, i.e. the 6,000 cm³/kg
  volumetric rule); main fee = base + step × ceil(max(0, w − 500) ÷ 500), with base/step
  16,500/2,500 inside one province and 30,000/5,000 between provinces; per service
  ``VHT`` (express) ×150 %, ``VCN`` (fast) ×100 %, ``LCOD`` (e-commerce saver) ×80 %, rounded
  down to the đồng; COD fee 1 % of ``MONEY_COLLECTION`` rounded down; total = main + COD fee.
  Times: inside a province VHT 12 h, VCN 24 h, LCOD 48 h; between provinces 24 h, 48 h, 72 h.
- Tracking codes ``18`` + 10 digits; a new parcel starts at status ``-100``.
- The duplicate refusal: ``{"status": 204, "error": true, "message": "ORDER_NUMBER … đã tồn
  tại", "data": {ORDER_NUMBER, ORDER_REFERENCE, MONEY_TOTAL, …}}``.
- Rate limit 5 calls/s (the adapter's stated assumption), HTTP 429 in the envelope above it.
- Webhook retries: 3 more attempts 5 s apart after a non-200 (an assumption; not documented).

Extra admin calls: ``POST /_sandbox/expire-tokens`` (every token stops working),
``POST /_sandbox/rate {"rate_limit"}``, ``GET /_sandbox/print/<key>`` (the printed labels).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import secrets
from collections.abc import Mapping
from typing import Any

from werkzeug.wrappers import Request, Response

from sandbox.carriers import common, postal
from vietnam import addresses
from vietnam.zone import VIETNAM

DEMO_USERNAME = "0901234567"
DEMO_PASSWORD = "vtp-sandbox-pass"
DEMO_WEBHOOK_TOKEN = "vtp-sandbox-hook-5b1e9c"
DEMO_PRINT_TOKEN = "vtp-sandbox-print-77d0"
PREFIX = "/v2"


def demo_config(url: str) -> dict[str, str]:
    """``ViettelPostCarrier`` config (secrets included) for this sandbox served at ``url``."""
    return {
        "api_base_url": f"{url}{PREFIX}",
        "username": DEMO_USERNAME,
        "password": DEMO_PASSWORD,
        "webhook_token": DEMO_WEBHOOK_TOKEN,
        "print_token": DEMO_PRINT_TOKEN,
    }


RATE_LIMIT = 5.0
RETRIES = 3
RETRY_SECONDS = 5.0
LOCAL_FORMAT = "%d/%m/%Y %H:%M:%S"
FIRST_STATUS = "-100"
CANCELLABLE = frozenset({"-100", "100", "101", "102", "103", "104"})

# code → (name, percent of the VCN fee, hours inside a province, hours between provinces)
SERVICES: dict[str, tuple[str, int, int, int]] = {
    "VHT": ("Chuyển phát hỏa tốc", 150, 12, 24),
    "VCN": ("Chuyển phát nhanh", 100, 24, 48),
    "LCOD": ("TMĐT tiết kiệm", 80, 48, 72),
}
STATUS_NAMES = {
    "-100": "Đơn hàng mới tạo, chưa duyệt",
    "100": "Tiếp nhận đơn hàng",
    "103": "Giao cho bưu cục",
    "104": "Giao cho bưu tá đi nhận",
    "105": "Bưu tá đã nhận hàng",
    "107": "Đối tác yêu cầu hủy qua API",
    "200": "Nhận từ bưu tá - Bưu cục gốc",
    "300": "Khai thác đi",
    "400": "Nhận bảng kê đến",
    "500": "Giao bưu tá đi phát",
    "501": "Phát thành công",
    "502": "Chuyển hoàn bưu cục gốc",
    "503": "Hủy - Theo yêu cầu khách hàng",
    "504": "Hoàn thành công - Chuyển trả người gửi",
    "505": "Tồn - Thông báo chuyển hoàn",
    "506": "Tồn - Khách hàng nghỉ, không có nhà",
    "508": "Phát tiếp",
    "515": "Bưu cục phát duyệt hoàn",
    "550": "Đơn vị yêu cầu phát tiếp",
}


@dataclasses.dataclass
class Masters:
    """The old three-level map as Viettel Post lists it (ids = pre-2025 codes)."""

    provinces: dict[int, str]
    districts: dict[int, tuple[int, str]]  # id → (province id, name)
    wards: dict[int, tuple[int, str]]  # id → (district id, name)

    @functools.cached_property
    def with_wards(self) -> frozenset[int]:
        """Districts that have wards (the five island districts have none)."""
        return frozenset(district for district, _ in self.wards.values())


def _province_name(name: str) -> str:
    for word in ("Thành phố ", "Tỉnh "):
        if name.startswith(word):
            return name[len(word) :]
    return name


@functools.cache
def masters() -> Masters:
    provinces: dict[int, str] = {}
    districts: dict[int, tuple[int, str]] = {}
    wards: dict[int, tuple[int, str]] = {}
    for province in addresses.legacy_provinces():
        provinces[province.code] = _province_name(province.name)
        for district in addresses.legacy_districts(province.code):
            districts[district.code] = (province.code, district.name.upper())
            for ward in addresses.legacy_wards(district.code):
                wards[ward.code] = (district.code, ward.name.upper())
    return Masters(provinces, districts, wards)


def charged_weight(body: Mapping[str, Any]) -> int:
    return postal.charged_weight(
        *(
            _int(body.get(k))
            for k in ("PRODUCT_WEIGHT", "PRODUCT_LENGTH", "PRODUCT_WIDTH", "PRODUCT_HEIGHT")
        )
    )


def price(body: Mapping[str, Any], service: str) -> dict[str, Any]:
    """The sandbox's fee for ``service`` (see the module doc)."""
    name, percent, near, far = SERVICES[service]
    same = _int(body.get("SENDER_PROVINCE")) == _int(body.get("RECEIVER_PROVINCE"))
    weight = charged_weight(body)
    base, step = (16_500, 2_500) if same else (30_000, 5_000)
    fee = postal.stepped_fee(weight, base, step, percent)
    cod_fee = max(0, _int(body.get("MONEY_COLLECTION"))) // 100
    hours = near if same else far
    return {
        "service": service,
        "name": name,
        "main": fee,
        "cod_fee": cod_fee,
        "total": fee + cod_fee,
        "hours": hours,
        "weight": weight,
    }


def envelope(data: Any = None, *, message: str = "OK", status: int = 200) -> dict[str, Any]:
    return {"status": status, "error": status != 200, "message": message, "data": data}


def refuse(message: str, status: int = 400, data: Any = None, http: int = 200) -> Response:
    return common.json_response(envelope(data, message=message, status=status), http)


class ViettelPostSandbox(postal.PostalSandbox):
    name = "viettelpost"
    write_paths = ("/order/createOrder", "/order/UpdateOrder")

    def __init__(self, depot: common.Depot | None = None, **depot_options: Any) -> None:
        options = {"rate_limit": RATE_LIMIT, "retries": RETRIES, "retry_seconds": RETRY_SECONDS}
        super().__init__(depot, **{**options, **depot_options})
        self.prints: dict[str, tuple[list[str], float]] = {}
        self.webhook_token = DEMO_WEBHOOK_TOKEN

    # envelope answers ----------------------------------------------------------------------
    def rate_limited(self) -> Response:
        return common.json_response(envelope(message="Too many requests", status=429), 429)

    def server_error(self, status: int) -> Response:
        return common.json_response(envelope(message="System error", status=status), status)

    # admin ---------------------------------------------------------------------------------
    def extra_admin(self, request: Request, parts: list[str]) -> Response | None:
        if len(parts) == 2 and parts[0] == "print":
            return self.printed(parts[1])
        if parts == ["reset"]:
            with self.lock:
                self.prints.clear()
        return None

    def printed(self, key: str) -> Response:
        with self.lock:
            found = self.prints.get(key)
        if found is None or found[1] < self.depot.now():
            return Response("Link hết hạn", status=404)
        lines = " ".join(found[0])
        pdf = f"%PDF-1.4\n% Viettel Post sandbox labels: {lines}\n%%EOF\n".encode()
        return Response(pdf, content_type="application/pdf")

    # API -----------------------------------------------------------------------------------
    def route(self, request: Request) -> Response:
        if not request.path.startswith(PREFIX + "/"):
            return refuse("Not found", 404, http=404)
        path = request.path[len(PREFIX) :]
        body = common.read_json(request)
        if path == "/user/Login" and request.method == "POST":
            return self.login(body)
        if not self.token_ok(request.headers.get("Token", "")):
            return refuse("Token is invalid or expired", 401, http=401)
        handlers = {
            ("GET", "/categories/listProvince"): self.list_provinces,
            ("GET", "/categories/listDistrict"): self.list_districts,
            ("GET", "/categories/listWards"): self.list_wards,
            ("POST", "/order/getPriceAll"): self.price_all,
            ("POST", "/order/getPrice"): self.price_one,
            ("POST", "/order/createOrder"): self.create,
            ("POST", "/order/UpdateOrder"): self.update,
            ("POST", "/order/encryptLinkPrint"): self.print_link,
        }
        handler = handlers.get((request.method, path))
        if handler is None:
            return refuse("Not found", 404, http=404)
        return handler(request, body)

    def login(self, body: Mapping[str, Any]) -> Response:
        if body.get("USERNAME") != DEMO_USERNAME or body.get("PASSWORD") != DEMO_PASSWORD:
            return refuse("Username or password is not valid!", 205)
        token = self.issue_token(secrets.token_urlsafe(24))
        return common.json_response(
            envelope({"userId": 1384, "token": token, "partner": 1384, "phone": DEMO_USERNAME})
        )

    def list_provinces(self, request: Request, body: Mapping[str, Any]) -> Response:
        rows = [
            {"PROVINCE_ID": code, "PROVINCE_CODE": str(code), "PROVINCE_NAME": name}
            for code, name in masters().provinces.items()
        ]
        return common.json_response(envelope(rows))

    def list_districts(self, request: Request, body: Mapping[str, Any]) -> Response:
        wanted = _int(request.args.get("provinceId", "-1"))
        rows = [
            {
                "DISTRICT_ID": code,
                "DISTRICT_VALUE": str(code),
                "DISTRICT_NAME": name,
                "PROVINCE_ID": province,
            }
            for code, (province, name) in masters().districts.items()
            if wanted in (-1, province)
        ]
        return common.json_response(envelope(rows))

    def list_wards(self, request: Request, body: Mapping[str, Any]) -> Response:
        wanted = _int(request.args.get("districtId", "-1"))
        rows = [
            {"WARDS_ID": code, "WARDS_NAME": name, "DISTRICT_ID": district}
            for code, (district, name) in masters().wards.items()
            if wanted in (-1, district)
        ]
        return common.json_response(envelope(rows))

    def _route_problem(self, body: Mapping[str, Any], wards: bool = False) -> str:
        m = masters()
        for side in ("SENDER", "RECEIVER"):
            province = _int(body.get(f"{side}_PROVINCE"))
            district_id = _int(body.get(f"{side}_DISTRICT"))
            district = m.districts.get(district_id)
            if province not in m.provinces:
                return f"{side}_PROVINCE không hợp lệ"
            if district is None or district[0] != province:
                return f"{side}_DISTRICT không hợp lệ"
            ward_id = _int(body.get(f"{side}_WARD"))
            if wards and (ward_id or district_id in m.with_wards):
                ward = m.wards.get(ward_id)
                if ward is None or ward[0] != district_id:
                    return f"{side}_WARD không hợp lệ"
        if _int(body.get("PRODUCT_WEIGHT")) <= 0:
            return "PRODUCT_WEIGHT phải lớn hơn 0"
        return ""

    def price_all(self, request: Request, body: Mapping[str, Any]) -> Response:
        problem = self._route_problem(body)
        if problem:
            return refuse(problem)
        rows = []
        for code in SERVICES:
            fee = price(body, code)
            rows.append(
                {
                    "MA_DV_CHINH": code,
                    "TEN_DICHVU": fee["name"],
                    "GIA_CUOC": fee["total"],
                    "THOI_GIAN": f"{fee['hours']} giờ",
                    "EXCHANGE_WEIGHT": fee["weight"],
                    "EXTRA_SERVICE": [],
                }
            )
        return common.json_response(rows)

    def price_one(self, request: Request, body: Mapping[str, Any]) -> Response:
        problem = self._route_problem(body)
        service = str(body.get("ORDER_SERVICE") or "")
        if not problem and service not in SERVICES:
            problem = "ORDER_SERVICE không hợp lệ"
        if problem:
            return refuse(problem)
        return common.json_response(envelope(_money(price(body, service))))

    def create(self, request: Request, body: Mapping[str, Any]) -> Response:
        depot = self.depot
        with depot.lock:
            depot.create_calls += 1
        reference = str(body.get("ORDER_NUMBER") or "").strip()
        service = str(body.get("ORDER_SERVICE") or "")
        problem = self._route_problem(body, wards=True)
        if not reference:
            problem = problem or "ORDER_NUMBER không được để trống"
        if service not in SERVICES:
            problem = problem or "ORDER_SERVICE không hợp lệ"
        for side in ("SENDER", "RECEIVER"):
            phone = str(body.get(f"{side}_PHONE") or "")
            if not (phone.isdigit() and len(phone) == 10 and phone.startswith("0")):
                problem = problem or f"{side}_PHONE không hợp lệ"
        if _int(body.get("MONEY_COLLECTION")) < 0:
            problem = problem or "MONEY_COLLECTION không hợp lệ"
        if problem:
            return refuse(problem)
        with depot.lock:
            existing = depot.find_reference(reference)
            if existing is not None:
                return refuse(
                    f"ORDER_NUMBER {reference} đã tồn tại",
                    204,
                    data=self._order_data(existing),
                )
            fee = price(body, service)
            code = f"18{depot.next_number():010d}"
            parcel = common.SandboxParcel(
                code=code,
                reference=reference,
                created_at=depot.now(),
                body=dict(body),
                cod_amount=_int(body.get("MONEY_COLLECTION")),
                fee=fee["total"],
                weight_g=fee["weight"],
            )
            depot.add(parcel, FIRST_STATUS)
        return common.json_response(envelope(self._order_data(parcel)))

    def _order_data(self, parcel: common.SandboxParcel) -> dict[str, Any]:
        fee = price(parcel.body, str(parcel.body.get("ORDER_SERVICE")))
        return {
            "ORDER_NUMBER": parcel.code,
            "ORDER_REFERENCE": parcel.reference,
            "MONEY_COLLECTION": parcel.cod_amount,
            "EXCHANGE_WEIGHT": parcel.weight_g,
            **_money(fee),
        }

    def update(self, request: Request, body: Mapping[str, Any]) -> Response:
        depot = self.depot
        code = str(body.get("ORDER_NUMBER") or "")
        if _int(body.get("TYPE")) != 4:
            return refuse("TYPE không được hỗ trợ trong sandbox")
        with depot.lock:
            parcel = depot.parcels.get(code)
            if parcel is None:
                return refuse(f"Không tìm thấy vận đơn {code}")
            if parcel.status not in CANCELLABLE:
                return refuse(f"Vận đơn {code} đã lấy hàng, không thể hủy")
            depot.move(code, "107", description=str(body.get("NOTE") or ""))
        return common.json_response(envelope(message="Hủy đơn hàng thành công"))

    def print_link(self, request: Request, body: Mapping[str, Any]) -> Response:
        if body.get("PRINT_TOKEN") != DEMO_PRINT_TOKEN:
            return refuse("PRINT_TOKEN không hợp lệ")
        codes = [str(c) for c in body.get("ORDER_ARRAY") or []]
        missing = [c for c in codes if c not in self.depot.parcels]
        if not codes or missing:
            return refuse(f"Không tìm thấy vận đơn {', '.join(missing)}")
        key = secrets.token_urlsafe(12)
        expires = _int(body.get("EXPIRY_TIME")) / 1000 or self.depot.now() + 1800
        with self.lock:
            self.prints[key] = (codes, expires)
        link = f"{request.host_url}_sandbox/print/{key}"
        return common.json_response(envelope(message=link))

    # webhooks --------------------------------------------------------------------------------
    def webhook_call(
        self, parcel: common.SandboxParcel, event: common.Event
    ) -> tuple[dict[str, str], bytes]:
        when = dt.datetime.fromtimestamp(event.at, VIETNAM).strftime(LOCAL_FORMAT)
        status: int | str = _int(event.status) if _numeric(event.status) else event.status
        fee = price(parcel.body, str(parcel.body.get("ORDER_SERVICE")))
        data = {
            "ORDER_NUMBER": parcel.code,
            "ORDER_REFERENCE": parcel.reference,
            "ORDER_STATUSDATE": when,
            "ORDER_STATUS": status,
            "STATUS_NAME": STATUS_NAMES.get(event.status, "Trạng thái khác"),
            "LOCALION_CURRENTLY": "Bưu cục sandbox",
            "NOTE": event.description,
            "MONEY_COLLECTION": parcel.cod_amount,
            "MONEY_FEECOD": fee["cod_fee"],
            "MONEY_TOTALFEE": fee["total"],
            "MONEY_TOTAL": parcel.cod_amount,
            "EXPECTED_DELIVERY": f"Khoảng {fee['hours'] // 24 or 1} ngày làm việc",
            "PRODUCT_WEIGHT": parcel.weight_g,
            "ORDER_SERVICE": parcel.body.get("ORDER_SERVICE"),
            "ORDER_PAYMENT": parcel.body.get("ORDER_PAYMENT"),
        }
        body = json.dumps({"DATA": data, "TOKEN": self.webhook_token}, ensure_ascii=False)
        return {"Content-Type": "application/json"}, body.encode()


def _money(fee: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "MONEY_TOTAL": fee["total"],
        "MONEY_TOTAL_FEE": fee["main"],
        "MONEY_FEE": fee["main"],
        "MONEY_COLLECTION_FEE": fee["cod_fee"],
        "MONEY_FEE_VAT": 0,
        "KPI_HT": fee["hours"],
        "EXCHANGE_WEIGHT": fee["weight"],
    }


def _numeric(value: str) -> bool:
    return value.lstrip("-").isdigit()


_int = postal.as_int
