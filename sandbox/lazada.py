"""Lazada Open Platform sandbox: the auth gateway, the consent page and the Vietnam API on one port.

Paths: ``/oauth/authorize`` (consent page), ``/rest/auth/token/create`` and
``/rest/auth/token/refresh`` (auth gateway), ``/rest/<api path>`` (API gateway),
so an adapter points ``authorize_url_base`` at the server, and both
``auth_base_url`` and ``api_base_url`` at ``<server>/rest``.

Like the real gateway every call carries ``app_key``, ``timestamp`` (ms),
``sign_method=sha256`` and ``sign``; the sandbox recomputes
``UPPER(hex(HMAC_SHA256(secret, api_path + concat(k+v sorted))))`` with its own
code, and refuses unknown app keys, skewed timestamps, bad signatures, expired
or unknown access tokens and reused refresh tokens. Errors come back as HTTP
200 with ``{type, code, message, request_id}`` (plus ``detail`` for content
problems); rate limiting is HTTP 200 with ``code: "ApiCallLimit"``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import hmac
import json
import secrets
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from sandbox import core

DEMO_APP_KEY = "123456"
DEMO_APP_SECRET = "lazada-sandbox-secret"

IMAGE_HOST = "https://vn-live-02.slatic.net/p/"
MAX_IMAGE_BYTES = 3_145_728
NAME_MAX = 255
DESCRIPTION_MAX = 25_000
IMAGES_MAX = 8
SKU_STATUSES = ("active", "inactive", "deleted")

AUTH_APIS = frozenset({"/auth/token/create", "/auth/token/refresh"})
# api path → is it a write (subject to "done, then 504")
APIS: dict[str, bool] = {
    "/auth/token/create": True,
    "/auth/token/refresh": True,
    "/image/upload": True,
    "/image/migrate": True,
    "/product/create": True,
    "/product/update": True,
    "/product/price_quantity/update": True,
    "/product/deactivate": True,
    "/products/get": False,
    "/product/item/get": False,
}


def compute_sign(secret: str, api_path: str, params: Mapping[str, str]) -> str:
    """The signature the gateway expects (written here independently of the adapter)."""
    parts = [api_path]
    for key in sorted(params):
        if key != "sign":
            parts.append(key + params[key])
    mac = hmac.new(secret.encode("utf-8"), "".join(parts).encode("utf-8"), hashlib.sha256)
    return mac.hexdigest().upper()


def request_id() -> str:
    return secrets.token_hex(12) + "1"


def reply(body: dict[str, Any], status: int = 200) -> Response:
    return core.json_response({**body, "request_id": request_id()}, status=status)


def ok(data: Any = None, **extra: Any) -> Response:
    body: dict[str, Any] = {"code": "0", **extra}
    if data is not None:
        body["data"] = data
    return reply(body)


def fail(
    code: str, message: str, *, kind: str = "ISV", detail: list[dict[str, Any]] | None = None
) -> Response:
    body: dict[str, Any] = {"type": kind, "code": code, "message": message}
    if detail:
        body["detail"] = detail
    return reply(body)


def as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, list) else [value]


def _xml_value(element: ET.Element) -> Any:
    children = list(element)
    if not children:
        return (element.text or "").strip()
    out: dict[str, Any] = {}
    for child in children:
        value = _xml_value(child)
        if child.tag in out:
            existing = out[child.tag]
            out[child.tag] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            out[child.tag] = value
    return out


def parse_payload(text: str) -> dict[str, Any] | None:
    """A JSON or XML ``payload`` as a dict rooted at ``Request`` (None when unreadable)."""
    text = text.strip()
    try:
        if text.startswith("{"):
            data = json.loads(text)
            return data if isinstance(data, dict) else None
        if text.startswith("<"):
            root = ET.fromstring(text)
            return {root.tag: _xml_value(root)}
    except (ValueError, ET.ParseError):
        return None
    return None


def _number(value: Any) -> decimal.Decimal | None:
    try:
        number = decimal.Decimal(str(value).strip())
    except (decimal.InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _timestamp_seconds(raw: str) -> float | None:
    raw = raw.strip()
    if raw.isdigit():
        return int(raw) / 1000.0
    try:
        when = dt.datetime.fromisoformat(raw)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.timestamp()


class LazadaSandbox(core.Dialect):
    name = "lazada"
    shop_name = "Gian hàng Lazada thử nghiệm"

    def __init__(
        self,
        state: core.State | None = None,
        *,
        apps: Mapping[str, str] | None = None,
        **options: Any,
    ) -> None:
        super().__init__(state, **options)
        self.apps = dict(apps or {DEMO_APP_KEY: DEMO_APP_SECRET})

    # --- routing -------------------------------------------------------------
    def classify(self, request: Request) -> core.Route | None:
        if request.path == "/oauth/authorize":
            return core.Route("oauth/authorize", limited=False)
        if not request.path.startswith("/rest/"):
            return None
        api = request.path.removeprefix("/rest")
        if api not in APIS:
            return None
        return core.Route(api.lstrip("/"), write=APIS[api], limited=api not in AUTH_APIS)

    def rate_limited(self, request: Request, route: core.Route) -> Response:
        return fail(
            "ApiCallLimit",
            "The request has exceeded the API call frequency limit; "
            "this ban will last 1 more seconds",
        )

    def server_error(self, status: int) -> Response:
        return reply(
            {
                "type": "SYSTEM",
                "code": "ServiceUnavailable",
                "message": "The service is temporarily unavailable (sandbox fault)",
            },
            status=status,
        )

    # --- consent page --------------------------------------------------------
    def authorize_page(self, request: Request) -> Response:
        client_id = request.values.get("client_id", "")
        if client_id not in self.apps:
            return Response("unknown client_id (app key)", status=400)
        if request.values.get("response_type") != "code":
            return Response("response_type must be code", status=400)
        return super().authorize_page(request)

    def authorize_redirect(
        self, redirect_uri: str, code: str, shop_id: str, params: dict[str, str]
    ) -> str:
        sep = "&" if "?" in redirect_uri else "?"
        return f"{redirect_uri}{sep}{urlencode({'code': code, **params})}"

    # --- calls ---------------------------------------------------------------
    def handle(self, request: Request, route: core.Route) -> Response:
        if route.name == "oauth/authorize":
            return self.authorize_page(request)
        api = "/" + route.name
        params = {**request.args.to_dict(), **request.form.to_dict()}
        refused = self._authenticate(api, params)
        if refused is not None:
            return refused
        if api == "/auth/token/create":
            return self._token_create(params)
        if api == "/auth/token/refresh":
            return self._token_refresh(params)
        if not params.get("access_token"):
            return fail("MISSING_PARAMETER", "missing required parameter: access_token")
        token = self.state.check_access(params["access_token"])
        if token is None:
            return fail("IllegalAccessToken", "The specified access token is invalid or expired")
        shop_id = token.shop_id
        if api == "/image/upload":
            return self._image_upload(request)
        if api == "/image/migrate":
            return self._image_migrate(params)
        if api == "/product/create":
            return self._product_create(shop_id, params)
        if api == "/product/price_quantity/update":
            return self._price_quantity(shop_id, params)
        if api == "/product/deactivate":
            return self._deactivate(shop_id, params)
        if api == "/product/update":
            return self._update(shop_id, params)
        if api == "/products/get":
            return self._products_get(shop_id, params)
        return self._item_get(shop_id, params)

    def _authenticate(self, api: str, params: dict[str, str]) -> Response | None:
        for name in ("app_key", "timestamp", "sign_method", "sign"):
            if not params.get(name):
                return fail("MISSING_PARAMETER", f"missing required parameter: {name}")
        secret = self.apps.get(params["app_key"])
        if secret is None:
            return fail("InvalidAppKey", "The specified app key is invalid")
        if params["sign_method"] != "sha256":
            return fail("InvalidSignMethod", "Only sign_method=sha256 is supported")
        seconds = _timestamp_seconds(params["timestamp"])
        if seconds is None or not self.state.timestamp_ok(seconds):
            return fail(
                "InvalidTimestamp",
                "The timestamp is invalid or too far from the server time",
            )
        expected = compute_sign(secret, api, params)
        if not hmac.compare_digest(expected, params["sign"]):
            self.state.outcomes["bad_signature"] += 1
            return fail(
                "IncompleteSignature",
                "The request signature does not conform to platform standards",
            )
        return None

    # --- auth ------------------------------------------------------------------
    def _token_body(self, access: core.Token, refresh: core.Token) -> Response:
        now = self.state.now()
        shop_id = access.shop_id
        return ok(
            access_token=access.value,
            refresh_token=refresh.value,
            expires_in=int(access.expires_at - now),
            refresh_expires_in=int(refresh.expires_at - now),
            country="vn",
            account_platform="seller_center",
            account=f"seller{shop_id}@sandbox.lazada.vn",
            country_user_info=[
                {
                    "country": "vn",
                    "seller_id": shop_id,
                    "user_id": shop_id,
                    "short_code": f"VN{shop_id}",
                }
            ],
        )

    def _token_create(self, params: dict[str, str]) -> Response:
        shop_id = self.state.take_code(params.get("code", ""))
        if shop_id is None:
            return fail("InvalidCode", "Invalid authorization code", kind="ISP")
        return self._token_body(*self.state.issue_tokens(shop_id))

    def _token_refresh(self, params: dict[str, str]) -> Response:
        result = self.state.use_refresh(params.get("refresh_token", ""))
        if isinstance(result, str):
            return fail(
                "IllegalRefreshToken",
                f"The specified refresh token is invalid or expired ({result})",
            )
        return self._token_body(*result)

    # --- images ----------------------------------------------------------------
    def _image_upload(self, request: Request) -> Response:
        upload = request.files.get("image")
        if upload is None:
            return fail("MISSING_PARAMETER", "missing required parameter: image")
        try:
            content = upload.read()
        finally:
            request.close()  # release the spooled upload now, not at garbage collection
        problem = ""
        ext = ""
        if not content:
            problem = "The image file is empty"
        elif len(content) > MAX_IMAGE_BYTES:
            problem = "The image is larger than 3 MB"
        elif content.startswith(b"\xff\xd8\xff"):
            ext = ".jpg"
        elif content.startswith(b"\x89PNG\r\n\x1a\n"):
            ext = ".png"
        else:
            problem = "Only JPG and PNG images are accepted"
        if problem:
            return fail(
                "InvalidParameter",
                problem,
                kind="ISP",
                detail=[{"field": "Image", "message": problem}],
            )
        digest = hashlib.md5(content).hexdigest()
        url = f"{IMAGE_HOST}{digest}{ext}"
        with self.state.lock:
            self.state.images[url] = len(content)
        return ok({"image": {"hash_code": digest, "url": url}})

    def _image_migrate(self, params: dict[str, str]) -> Response:
        data = parse_payload(params.get("payload", ""))
        if data is None:
            return fail("5", "E005: Invalid Request Format")
        image = (data.get("Request") or {}).get("Image") or {}
        source = str(image.get("Url") or "") if isinstance(image, dict) else ""
        if not source.startswith(("http://", "https://")):
            message = "Url must be an http(s) address of a JPG or PNG image"
            return fail(
                "InvalidParameter",
                message,
                kind="ISP",
                detail=[{"field": "Image", "message": message}],
            )
        digest = hashlib.md5(source.encode("utf-8")).hexdigest()
        url = f"{IMAGE_HOST}{digest}.jpg"
        with self.state.lock:
            self.state.images[url] = 0
        return ok({"image": {"hash_code": digest, "url": url}})

    # --- products ----------------------------------------------------------------
    def _product_of(
        self, params: dict[str, str], name: str = "payload"
    ) -> dict[str, Any] | Response:
        """The Product of the parameter ``name`` (JSON or XML), or the gateway's refusal."""
        if not params.get(name):
            return fail("MISSING_PARAMETER", f"missing required parameter: {name}")
        data = parse_payload(params[name])
        product = None if data is None else (data.get("Request") or {}).get("Product")
        if not isinstance(product, dict):
            return fail("5", "E005: Invalid Request Format")
        return product

    def _product_create(self, shop_id: str, params: dict[str, str]) -> Response:
        product = self._product_of(params)
        if isinstance(product, Response):
            return product
        with self.state.lock:  # validate, count and store as one step (no twin SKUs)
            return self._create_locked(shop_id, product)

    def _create_locked(self, shop_id: str, product: dict[str, Any]) -> Response:
        detail: list[dict[str, Any]] = []

        def problem(field: str, message: str, seller_sku: str = "") -> None:
            item = {"field": field, "message": message}
            if seller_sku:
                item["seller_sku"] = seller_sku
            detail.append(item)

        category = str(product.get("PrimaryCategory") or "").strip()
        if not category.isdigit():
            problem("PrimaryCategory", "A leaf category id (PrimaryCategory) is required")
        attributes = product.get("Attributes")
        attributes = attributes if isinstance(attributes, dict) else {}
        name = str(attributes.get("name") or "").strip()
        if not name:
            problem("name", "Product name is required")
        elif len(name) > NAME_MAX:
            problem("name", f"Product name must be at most {NAME_MAX} characters")
        if len(str(attributes.get("description") or "")) > DESCRIPTION_MAX:
            problem("description", f"Description must be at most {DESCRIPTION_MAX} characters")
        if not (attributes.get("brand") or attributes.get("brand_id")):
            problem("brand", 'Brand is required (use "No Brand" when there is none)')
        images_block = product.get("Images")
        images = as_list(images_block.get("Image")) if isinstance(images_block, dict) else []
        if not images:
            problem("Images", "At least one image is required")
        elif len(images) > IMAGES_MAX:
            problem("Images", f"At most {IMAGES_MAX} images are allowed")
        for url in images:
            if str(url) not in self.state.images:
                problem("Images", f"Image is not hosted on Lazada, upload it first: {url}")
        skus_block = product.get("Skus")
        rows = as_list(skus_block.get("Sku")) if isinstance(skus_block, dict) else []
        if not rows:
            problem("Skus", "At least one SKU is required")
        skus: dict[str, dict[str, Any]] = {}
        for row in rows:
            row = row if isinstance(row, dict) else {}
            seller_sku = str(row.get("SellerSku") or "").strip()
            if not seller_sku:
                problem("SellerSku", "SellerSku is required")
                continue
            if seller_sku in skus:
                problem("SellerSku", "SellerSku repeats in this product", seller_sku)
            elif self.state.find_by_sku(shop_id, seller_sku) is not None:
                problem("SellerSku", "SellerSku already exists in this shop", seller_sku)
            price = _number(row.get("price"))
            if price is None or price <= 0:
                problem("price", "price must be a number greater than 0", seller_sku)
            quantity = _number(row.get("quantity"))
            if quantity is None or quantity != quantity.to_integral_value():
                problem("quantity", "quantity must be a whole number", seller_sku)
            elif quantity < 0:
                problem("quantity", "quantity cannot be negative", seller_sku)
            for dim in ("package_weight", "package_length", "package_width", "package_height"):
                value = _number(row.get(dim))
                if value is None or value <= 0:
                    problem(dim, f"{dim} must be greater than 0", seller_sku)
            skus[seller_sku] = {
                "price": int(price) if price is not None and price > 0 else 0,
                "stock": int(quantity) if quantity is not None and quantity >= 0 else 0,
                "status": "active",
            }
        if detail:
            return fail(
                "InvalidParameter", "The product has invalid fields", kind="ISP", detail=detail
            )
        if not self.state.take_create_quota(shop_id):
            shop = self.state.shops.get(shop_id)
            quota = shop.create_quota if shop else 0
            return fail(
                "DailyCreateLimitExceeded",
                f"The shop reached its limit of {quota} new products today; "
                f"it resets in {self.state.seconds_to_midnight()} seconds",
                kind="ISP",
            )
        created = self.state.create_product(shop_id, product, skus)
        created.status = "active"
        sku_list = [
            {
                "seller_sku": seller_sku,
                "sku_id": int(values["sku_id"]),
                "shop_sku": f"{created.item_id}_VNAMZ-{values['sku_id']}",
            }
            for seller_sku, values in created.skus.items()
        ]
        return ok({"item_id": int(created.item_id), "sku_list": sku_list})

    def _live_product(self, shop_id: str, item_id: str) -> core.Product | None:
        product = self.state.products.get(item_id)
        if product is None or product.shop_id != shop_id or product.status == "DELETED":
            return None
        return product

    def _locate(self, shop_id: str, row: dict[str, Any]) -> core.Product | None:
        """The product a SKU row belongs to: by ItemId, else by SkuId, else by SellerSku."""
        item_id = str(row.get("ItemId") or "").strip()
        if item_id:
            return self._live_product(shop_id, item_id)
        sku_id = str(row.get("SkuId") or "").strip()
        if sku_id:
            for product in self.state.products.values():
                if (
                    product.shop_id == shop_id
                    and product.status != "DELETED"
                    and any(v["sku_id"] == sku_id for v in product.skus.values())
                ):
                    return product
            return None
        seller_sku = str(row.get("SellerSku") or "").strip()
        return self.state.find_by_sku(shop_id, seller_sku) if seller_sku else None

    @staticmethod
    def _sku_key(product: core.Product, row: dict[str, Any]) -> str | None:
        sku_id = str(row.get("SkuId") or "").strip()
        if sku_id:
            for seller_sku, values in product.skus.items():
                if values["sku_id"] == sku_id:
                    return seller_sku
            return None
        seller_sku = str(row.get("SellerSku") or "").strip()
        return seller_sku if seller_sku in product.skus else None

    @staticmethod
    def _refresh_status(product: core.Product) -> None:
        statuses = {values.get("status", "active") for values in product.skus.values()}
        if statuses == {"deleted"}:
            product.status = "DELETED"
        elif "active" in statuses:
            product.status = "active"
        else:
            product.status = "inactive"

    def _price_quantity(self, shop_id: str, params: dict[str, str]) -> Response:
        product = self._product_of(params)
        if isinstance(product, Response):
            return product
        skus_block = product.get("Skus")
        rows = as_list(skus_block.get("Sku")) if isinstance(skus_block, dict) else []
        if not rows:
            return fail("200", "E200: Empty SellerSku")
        detail: list[dict[str, Any]] = []
        changes: list[tuple[core.Product, str, dict[str, int]]] = []
        with self.state.lock:
            for row in rows:
                row = row if isinstance(row, dict) else {}
                target = self._locate(shop_id, row)
                label = str(row.get("SellerSku") or row.get("SkuId") or row.get("ItemId") or "")
                if target is None:
                    return fail("ItemNotFound", f"Item not found for SKU {label}", kind="ISP")
                key = self._sku_key(target, row)
                if key is None:
                    detail.append(
                        {"field": "SellerSku", "seller_sku": label, "message": "SKU not found"}
                    )
                    continue
                update: dict[str, int] = {}
                raw_price = row.get("Price", row.get("price"))
                if raw_price is not None:
                    price = _number(raw_price)
                    if price is None or price <= 0:
                        detail.append(
                            {"field": "Price", "seller_sku": key, "message": "Price must be > 0"}
                        )
                    else:
                        update["price"] = int(price)
                raw_quantity = row.get("Quantity", row.get("quantity"))
                if raw_quantity is not None:
                    quantity = _number(raw_quantity)
                    if quantity is None or quantity < 0 or quantity % 1:
                        detail.append(
                            {
                                "field": "Quantity",
                                "seller_sku": key,
                                "message": "Quantity must be a whole number, 0 or more",
                            }
                        )
                    else:
                        update["stock"] = int(quantity)
                if raw_price is None and raw_quantity is None:
                    detail.append(
                        {"field": "Sku", "seller_sku": key, "message": "Price or Quantity needed"}
                    )
                changes.append((target, key, update))
            if detail:
                return fail("501", "E501: Update product failed", kind="ISP", detail=detail)
            for target, key, update in changes:
                target.skus[key].update(update)
        return ok({})

    def _deactivate(self, shop_id: str, params: dict[str, str]) -> Response:
        product = self._product_of(params, "apiRequestBody")
        if isinstance(product, Response):
            return product
        item_id = str(product.get("ItemId") or "").strip()
        if not item_id:
            return fail("InvalidParameter", "Parameter ItemId is mandatory")
        block = product.get("Skus")
        wanted: list[dict[str, Any]] = []
        if isinstance(block, dict):
            wanted += [{"SkuId": v} for v in as_list(block.get("SkuId"))]
            wanted += [{"SellerSku": v} for v in as_list(block.get("SellerSku"))]
            wanted += [r for r in as_list(block.get("Sku")) if isinstance(r, dict)]
        with self.state.lock:
            target = self._live_product(shop_id, item_id)
            if target is None:
                return fail("ItemNotFound", f"Item {item_id} not found", kind="ISP")
            keys = []
            for row in wanted:
                key = self._sku_key(target, row)
                if key is None:
                    label = str(row.get("SkuId") or row.get("SellerSku") or "")
                    return fail(
                        "InvalidParameter",
                        "SKU not in this item",
                        kind="ISP",
                        detail=[{"field": "SkuId", "seller_sku": label, "message": "not found"}],
                    )
                keys.append(key)
            for key in keys or list(target.skus):
                target.skus[key]["status"] = "inactive"
            self._refresh_status(target)
        return ok({})

    def _update(self, shop_id: str, params: dict[str, str]) -> Response:
        product = self._product_of(params)
        if isinstance(product, Response):
            return product
        skus_block = product.get("Skus")
        rows = [
            r
            for r in (as_list(skus_block.get("Sku")) if isinstance(skus_block, dict) else [])
            if isinstance(r, dict)
        ]
        if not rows:
            return fail("InvalidParameter", "At least one Sku with its SkuId is required")
        with self.state.lock:
            anchor = (
                {"ItemId": product.get("ItemId"), **rows[0]} if product.get("ItemId") else rows[0]
            )
            target = self._locate(shop_id, anchor)
            if target is None:
                return fail("ItemNotFound", "Item not found", kind="ISP")
            detail: list[dict[str, Any]] = []
            planned: list[tuple[str, dict[str, Any]]] = []
            for row in rows:
                key = self._sku_key(target, row)
                if key is None:
                    label = str(row.get("SkuId") or row.get("SellerSku") or "")
                    detail.append({"field": "SkuId", "seller_sku": label, "message": "not found"})
                    continue
                update: dict[str, Any] = {}
                status = row.get("Status")
                if status is not None:
                    if str(status).lower() not in SKU_STATUSES:
                        detail.append(
                            {
                                "field": "Status",
                                "seller_sku": key,
                                "message": "Status must be active, inactive or deleted",
                            }
                        )
                    else:
                        update["status"] = str(status).lower()
                if row.get("price") is not None:
                    price = _number(row["price"])
                    if price is None or price <= 0:
                        detail.append({"field": "price", "seller_sku": key, "message": "> 0"})
                    else:
                        update["price"] = int(price)
                if row.get("quantity") is not None:
                    quantity = _number(row["quantity"])
                    if quantity is None or quantity < 0 or quantity % 1:
                        detail.append({"field": "quantity", "seller_sku": key, "message": ">= 0"})
                    else:
                        update["stock"] = int(quantity)
                planned.append((key, update))
            attributes = product.get("Attributes")
            attributes = attributes if isinstance(attributes, dict) else {}
            name = attributes.get("name")
            if name is not None and not (0 < len(str(name).strip()) <= NAME_MAX):
                detail.append({"field": "name", "message": f"1-{NAME_MAX} characters"})
            if detail:
                return fail(
                    "InvalidParameter", "The update has invalid fields", kind="ISP", detail=detail
                )
            for key, update in planned:
                target.skus[key].update(update)
            stored = target.payload.setdefault("Attributes", {})
            for field in ("name", "description"):
                if attributes.get(field) is not None:
                    stored[field] = attributes[field]
            self._refresh_status(target)
        return ok({"item_status": target.status})

    def _view(self, product: core.Product) -> dict[str, Any]:
        """A product as /products/get and /product/item/get show it."""
        images_block = product.payload.get("Images")
        images = as_list(images_block.get("Image")) if isinstance(images_block, dict) else []
        rows = {
            str(r.get("SellerSku")): r
            for r in as_list((product.payload.get("Skus") or {}).get("Sku"))
            if isinstance(r, dict)
        }
        skus = []
        for seller_sku, values in product.skus.items():
            row = rows.get(seller_sku, {})
            skus.append(
                {
                    "SellerSku": seller_sku,
                    "SkuId": int(values["sku_id"]),
                    "ShopSku": f"{product.item_id}_VNAMZ-{values['sku_id']}",
                    "Url": f"https://www.lazada.vn/-i{product.item_id}-s{values['sku_id']}.html",
                    "Status": values.get("status", "active"),
                    "quantity": values["stock"],
                    "price": float(values["price"]),
                    **{
                        k: str(row[k])
                        for k in (
                            "package_weight",
                            "package_length",
                            "package_width",
                            "package_height",
                        )
                        if k in row
                    },
                }
            )
        category = str(product.payload.get("PrimaryCategory") or "0")
        return {
            "item_id": int(product.item_id),
            "primary_category": int(category) if category.isdigit() else 0,
            "attributes": product.payload.get("Attributes") or {},
            "images": images,
            "status": product.status,
            "created_time": str(int(product.created_at * 1000)),
            "skus": skus,
        }

    def _products_get(self, shop_id: str, params: dict[str, str]) -> Response:
        wanted: set[str] | None = None
        if params.get("sku_seller_list"):
            try:
                listed = json.loads(params["sku_seller_list"])
            except ValueError:
                listed = None
            if not isinstance(listed, list):
                return fail("InvalidParameter", "sku_seller_list must be a JSON array")
            wanted = {str(s) for s in listed}
        status_filter = params.get("filter", "all")
        try:
            limit = max(1, min(50, int(params.get("limit", "10"))))
            offset = max(0, int(params.get("offset", "0")))
        except ValueError:
            return fail("InvalidParameter", "limit and offset must be numbers")

        def matches(product: core.Product) -> bool:
            if product.shop_id != shop_id:
                return False
            if wanted is not None and not wanted.intersection(product.skus):
                return False
            if status_filter == "deleted":
                return product.status == "DELETED"
            if product.status == "DELETED":
                return False
            if status_filter == "live":
                return product.status == "active"
            if status_filter == "inactive":
                return product.status == "inactive"
            if status_filter == "sold-out":
                return all(v["stock"] == 0 for v in product.skus.values())
            return status_filter == "all"

        with self.state.lock:
            found = [p for p in self.state.products.values() if matches(p)]
            page = [self._view(p) for p in found[offset : offset + limit]]
        return ok({"total_products": len(found), "products": page})

    def _item_get(self, shop_id: str, params: dict[str, str]) -> Response:
        item_id = params.get("item_id", "").strip()
        if not item_id:
            return fail("MISSING_PARAMETER", "missing required parameter: item_id")
        with self.state.lock:
            product = self._live_product(shop_id, item_id)
            if product is None:
                return fail("ItemNotFound", f"Item {item_id} not found", kind="ISP")
            return ok(self._view(product))
