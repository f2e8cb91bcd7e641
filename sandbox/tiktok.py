"""TikTok Shop sandbox: the consent page, the auth host and the Open API (202309) on one port.

Paths: ``/open/authorize`` (consent page, as on services.tiktokshop.com),
``/api/v2/token/get`` and ``/api/v2/token/refresh`` (as on auth.tiktok-shops.com) and the
API paths (``/authorization/202309/shops``, ``/product/202309/…``, and Search Products in
versions 202309 and 202312, both taking ``seller_skus``), so an adapter points
``authorize_url_base``, ``auth_base_url`` and ``api_base_url`` all at the server.

Like the real gateway every API call carries ``app_key``, ``timestamp`` (seconds) and
``sign`` in the query and the access token in the ``x-tts-access-token`` header; shop
resources also need ``shop_cipher`` (and image upload and the shops call must not have it).
The sandbox recomputes ``hex(HMAC_SHA256(secret, secret + path + sorted k+v + body +
secret))`` with its own code over the raw body bytes (nothing for multipart). Replies are
``{code, message, data, request_id}``; refusals use TikTok's codes: ``36009004`` (bad app key,
missing sign, skewed timestamp, cipher problems), ``106001`` (bad signature), ``105001`` /
``105002`` (unknown / expired access token), ``36004004`` (bad auth code), ``36004005`` /
``36004001`` (unknown or spent / expired refresh token), ``36009002`` with HTTP 429 and
``Retry-After`` (rate limit), ``36009003`` (server fault), ``12052093`` (daily create quota)
and the product codes of the Create Product page for content problems (one per reply, the
first found, naming the seller SKU where there is one). Batch calls (inventory update,
activate, deactivate) answer ``code 0`` with ``data.errors`` for what they refused.

Simplifications: products pass audit at once (status ``ACTIVATE``); one default warehouse per
shop; tokens use the core lifetimes; refresh tokens are single-use (stricter than TikTok).
Duplicate seller SKUs across products are allowed, as on TikTok, so the core's duplicate
count shows whether a client created a product twice.
"""

from __future__ import annotations

import decimal
import hashlib
import hmac
import io
import json
import re
import secrets
import time
import warnings
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from PIL import Image, UnidentifiedImageError
from werkzeug.wrappers import Request, Response

from sandbox import core

DEMO_APP_KEY = "6a7b8c9d0e1f2"
DEMO_APP_SECRET = "tiktok-sandbox-secret"
DEMO_SERVICE_ID = "7311000000000000001"
DEFAULT_CREATE_QUOTA = 100  # new shops: 100 product creates a day
DEFAULT_WAREHOUSE_ID = "7068517275539719942"

VERSION = "202309"
AUTHORIZE_PATH = "/open/authorize"
TOKEN_GET = "/api/v2/token/get"
TOKEN_REFRESH = "/api/v2/token/refresh"
SHOPS = f"/authorization/{VERSION}/shops"
IMAGES_UPLOAD = f"/product/{VERSION}/images/upload"
PRODUCTS = f"/product/{VERSION}/products"
SEARCHES = frozenset({f"{PRODUCTS}/search", "/product/202312/products/search"})
ACTIVATE = f"{PRODUCTS}/activate"
DEACTIVATE = f"{PRODUCTS}/deactivate"
_PRODUCT_UPDATE = re.compile(rf"^/product/{VERSION}/products/([0-9]+)/(inventory|prices)/update$")
NO_CIPHER = frozenset({SHOPS, IMAGES_UPLOAD})  # TikTok refuses shop_cipher on these

IMAGE_URI_PREFIX = "tos-alisg-i-aphluv4xwc-sg/"
IMAGE_URL_HOST = "https://p16-oec-sg.ibyteimg.com/"
IMAGE_USE_CASES = frozenset(
    {
        "MAIN_IMAGE",
        "ATTRIBUTE_IMAGE",
        "DESCRIPTION_IMAGE",
        "CERTIFICATION_IMAGE",
        "SIZE_CHART_IMAGE",
    }
)
IMAGE_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "BMP"})
MAX_IMAGE_BYTES = 10 * 1024 * 1024
IMAGE_MIN_PX = 100
IMAGE_MAX_PX = 20_000
TITLE_MAX = 255
DESCRIPTION_MAX = 10_000
MAIN_IMAGES_MAX = 9
SKUS_MAX = 100
SELLER_SKU_MAX = 50
VALUE_NAME_MAX = 50
QUANTITY_MAX = 999_999
BATCH_MAX = 20
STATUSES = frozenset(
    {
        "ALL",
        "DRAFT",
        "PENDING",
        "FAILED",
        "ACTIVATE",
        "SELLER_DEACTIVATED",
        "PLATFORM_DEACTIVATED",
        "FREEZE",
        "DELETED",
    }
)


class Refusal(Exception):
    """A TikTok error reply raised from inside a handler."""

    def __init__(self, code: int, message: str, status: int = 200) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def compute_sign(secret: str, path: str, params: Mapping[str, str], body: bytes = b"") -> str:
    """The signature the gateway expects (written here independently of the adapter)."""
    pieces = [path]
    for name in sorted(params):
        if name in ("sign", "access_token"):
            continue
        pieces.append(f"{name}{params[name]}")
    wrapped = secret.encode("utf-8") + "".join(pieces).encode("utf-8") + body
    wrapped += secret.encode("utf-8")
    return hmac.new(secret.encode("utf-8"), wrapped, hashlib.sha256).hexdigest()


def new_cipher() -> str:
    """An opaque shop cipher shaped like TikTok's (``ROW_…``)."""
    return "ROW_" + secrets.token_urlsafe(18)


def request_id() -> str:
    return time.strftime("%Y%m%d%H%M%S", time.gmtime()) + secrets.token_hex(10).upper()


def reply(
    code: int = 0,
    message: str = "Success",
    data: Any = None,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    body = {"code": code, "message": message, "request_id": request_id(), "data": data or {}}
    return core.json_response(body, status=status, headers=headers)


def _decimal(value: Any) -> decimal.Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = decimal.Decimal(str(value).strip())
    except (decimal.InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _object(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one (a missing or malformed field)."""
    return value if isinstance(value, dict) else {}


def _not_a_sku(index: int, product_id: str) -> Refusal:
    """The refusal of ``skus[index]`` naming a SKU id that is not one of the product's."""
    return Refusal(
        98001004,
        f"Parameter skus[{index}].id is invalid. Reason: not a SKU of product "
        f"{product_id}. Expected: a SKU id of this product.",
    )


def _check_failed(sku_id: str, **error: Any) -> dict[str, Any]:
    """One SKU's entry in a batch's ``errors``: the check failed, for the reason ``error``."""
    return {
        "code": 12052990,
        "message": "The check failed.",
        "detail": {"sku_id": sku_id, "extra_errors": [error]},
    }


def _whole(value: Any) -> int | None:
    """An integer quantity (JSON number or numeric string), None otherwise."""
    number = _decimal(value)
    if number is None or number != number.to_integral_value():
        return None
    return int(number)


class TikTokSandbox(core.Dialect):
    name = "tiktok"
    shop_name = "Gian hàng TikTok thử nghiệm"

    def __init__(
        self,
        state: core.State | None = None,
        *,
        apps: Mapping[str, str] | None = None,
        service_ids: Iterable[str] | None = None,
        create_quota: int = DEFAULT_CREATE_QUOTA,
        **options: Any,
    ) -> None:
        super().__init__(state or core.State(create_quota=create_quota, **options))
        self.apps = dict(apps or {DEMO_APP_KEY: DEMO_APP_SECRET})
        self.service_ids = set(service_ids or {DEMO_SERVICE_ID})

    # --- routing -------------------------------------------------------------------------
    def classify(self, request: Request) -> core.Route | None:
        path, method = request.path, request.method
        if path == AUTHORIZE_PATH:
            return core.Route("open/authorize", limited=False)
        if path in (TOKEN_GET, TOKEN_REFRESH) and method == "GET":
            return core.Route(path.lstrip("/"), write=True, limited=False)
        if path == SHOPS and method == "GET":
            return core.Route(path.lstrip("/"))
        if path in SEARCHES and method == "POST":
            return core.Route(path.lstrip("/"))
        if path in (IMAGES_UPLOAD, PRODUCTS, ACTIVATE, DEACTIVATE) and method == "POST":
            return core.Route(path.lstrip("/"), write=True)
        match = _PRODUCT_UPDATE.match(path)
        if match and method == "POST":
            name = f"product/{VERSION}/products/{{product_id}}/{match[2]}/update"
            return core.Route(name, write=True)
        return None

    def rate_limited(self, request: Request, route: core.Route) -> Response:
        return reply(
            36009002,
            "Too many requests. You've made too many requests in a short period of time.",
            status=429,
            headers={"Retry-After": "1"},
        )

    def server_error(self, status: int) -> Response:
        return reply(
            36009003,
            "Internal error. Please try again. If the issue persists after multiple attempts, "
            "please contact platform support. (sandbox fault)",
            status=status,
        )

    # --- consent page --------------------------------------------------------------------
    def authorize_page(self, request: Request) -> Response:
        service_id = request.values.get("service_id", "")
        if service_id not in self.service_ids and service_id not in self.apps:
            return Response("unknown service_id", status=400)
        return super().authorize_page(request)

    def authorize_redirect(
        self, redirect_uri: str, code: str, shop_id: str, params: dict[str, str]
    ) -> str:
        sep = "&" if "?" in redirect_uri else "?"
        query = {"code": code, "locale": "vi-VN", "shop_region": "VN", **params}
        return f"{redirect_uri}{sep}{urlencode(query)}"

    def demo_shop(self) -> core.Shop:
        """The shop the consent page grants: the first one, else a new one."""
        with self.state.lock:
            for shop in self.state.shops.values():
                return self._ciphered(shop)
            return self.state.add_shop(self.state.next_id(), self.shop_name, cipher=new_cipher())

    def _ciphered(self, shop: core.Shop) -> core.Shop:
        """Shops added without a cipher (admin endpoint) get one on first use."""
        with self.state.lock:
            if not shop.cipher:
                shop.cipher = new_cipher()
            return shop

    # --- calls ---------------------------------------------------------------------------
    def handle(self, request: Request, route: core.Route) -> Response:
        try:
            if route.name == "open/authorize":
                return self.authorize_page(request)
            path = request.path
            if path == TOKEN_GET:
                return self._token_get(request.args.to_dict())
            if path == TOKEN_REFRESH:
                return self._token_refresh(request.args.to_dict())
            shop, body = self._authenticate(request)
            if path == SHOPS:
                return self._shops(shop)
            if path == IMAGES_UPLOAD:
                return self._image_upload(request)
            if path == PRODUCTS:
                return self._create(shop, body)
            if path in SEARCHES:
                return self._search(shop, request.args.to_dict(), body)
            if path in (ACTIVATE, DEACTIVATE):
                return self._set_status(shop, body, activate=path == ACTIVATE)
            match = _PRODUCT_UPDATE.match(path)
            assert match is not None
            if match[2] == "inventory":
                return self._inventory_update(shop, match[1], body)
            return self._prices_update(shop, match[1], body)
        except Refusal as refusal:
            return reply(refusal.code, refusal.message, status=refusal.status)

    def _authenticate(self, request: Request) -> tuple[core.Shop, dict[str, Any]]:
        """Gateway checks in the real order; returns the shop and the parsed JSON body."""
        params = request.args.to_dict()
        secret = self.apps.get(params.get("app_key", ""))
        if secret is None:
            raise Refusal(36009004, "Invalid credentials. Invalid `app_key` query parameter.", 400)
        if not params.get("sign"):
            raise Refusal(
                36009004,
                "Missing credentials. The request does not include a required signature in "
                "the query.",
                400,
            )
        raw_ts = params.get("timestamp", "")
        if not raw_ts.isdigit():
            raise Refusal(
                36009004,
                "Invalid timestamp. The value of the `timestamp` query parameter must be Unix "
                "seconds.",
                400,
            )
        if not self.state.timestamp_ok(int(raw_ts)):
            raise Refusal(
                36009004,
                "Invalid timestamp. The value of the `timestamp` query parameter must not be "
                "earlier than 5 minutes before the current time.",
                400,
            )
        multipart = request.mimetype == "multipart/form-data"
        raw = b"" if multipart else request.get_data(cache=True)
        expected = compute_sign(secret, request.path, params, raw)
        if not hmac.compare_digest(expected, params["sign"]):
            self.state.outcomes["bad_signature"] += 1
            raise Refusal(106001, "Invalid credentials. The signature is invalid.", 401)
        value = request.headers.get("x-tts-access-token", "")
        if not value:
            raise Refusal(
                36009004, "Invalid credentials. The `x-tts-access-token` header is invalid.", 401
            )
        with self.state.lock:
            token = self.state.tokens.get(value)
            if token is None or token.kind != "access":
                raise Refusal(105001, "Invalid credentials. The access token is invalid.", 401)
            if token.expires_at <= self.state.now():
                raise Refusal(105002, "access token is expired, please refresh it", 401)
            shop = self.state.shops.get(token.shop_id)
        if shop is None:
            raise Refusal(105001, "Invalid credentials. The access token is invalid.", 401)
        shop = self._ciphered(shop)
        cipher = params.get("shop_cipher")
        if request.path in NO_CIPHER:
            if cipher is not None:
                raise Refusal(
                    36009004,
                    "Unexpected identifier. The `shop_cipher` query parameter is not required "
                    "for this request.",
                    400,
                )
        elif not cipher:
            raise Refusal(
                36009004,
                "Missing identifier. The `shop_cipher` query parameter is required for this "
                "request.",
                400,
            )
        elif cipher != shop.cipher:
            raise Refusal(
                36009004, "Invalid identifier. The `shop_cipher` query parameter is invalid.", 400
            )
        body: dict[str, Any] = {}
        if raw:
            try:
                parsed = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                raise Refusal(36009004, "invalid param error: the body is not JSON", 400) from None
            if not isinstance(parsed, dict):
                raise Refusal(36009004, "invalid param error: the body must be an object", 400)
            body = parsed
        return shop, body

    # --- auth host -----------------------------------------------------------------------
    def _app_secret_ok(self, params: dict[str, str]) -> None:
        secret = self.apps.get(params.get("app_key", ""))
        if secret is None:
            raise Refusal(36009004, "Invalid credentials. Invalid `app_key` query parameter.", 400)
        if not hmac.compare_digest(secret, params.get("app_secret", "")):
            raise Refusal(
                36009004, "Invalid credentials. The `app_secret` does not match the app.", 400
            )

    def _token_reply(self, access: core.Token, refresh: core.Token) -> Response:
        shop = self.state.shops.get(access.shop_id)
        return reply(
            data={
                "access_token": access.value,
                "access_token_expire_in": int(access.expires_at),
                "refresh_token": refresh.value,
                "refresh_token_expire_in": int(refresh.expires_at),
                "open_id": f"sandbox-open-{access.shop_id}",
                "seller_name": shop.name if shop else self.shop_name,
                "seller_base_region": "VN",
                "user_type": 0,
                "granted_scopes": ["seller.product.basic", "seller.product.write"],
            },
            message="success",
        )

    def _token_get(self, params: dict[str, str]) -> Response:
        self._app_secret_ok(params)
        if params.get("grant_type") != "authorized_code":
            raise Refusal(36009004, "invalid param error: grant_type must be authorized_code", 400)
        shop_id = self.state.take_code(params.get("auth_code", ""))
        if shop_id is None:
            raise Refusal(36004004, "invalid auth code")
        return self._token_reply(*self.state.issue_tokens(shop_id))

    def _token_refresh(self, params: dict[str, str]) -> Response:
        self._app_secret_ok(params)
        if params.get("grant_type") != "refresh_token":
            raise Refusal(36009004, "invalid param error: grant_type must be refresh_token", 400)
        result = self.state.use_refresh(params.get("refresh_token", ""))
        if result == "expired":
            raise Refusal(36004001, "rt has expired")
        if isinstance(result, str):
            raise Refusal(36004005, f"can not find related auth record ({result} refresh token)")
        return self._token_reply(*result)

    # --- shops and images ----------------------------------------------------------------
    def _shops(self, shop: core.Shop) -> Response:
        entry = {
            "id": shop.shop_id,
            "name": shop.name,
            "region": "VN",
            "seller_type": "LOCAL",
            "cipher": shop.cipher,
            "code": f"VNLC{shop.shop_id}",
        }
        return reply(data={"shops": [entry]})

    def _image_upload(self, request: Request) -> Response:
        try:
            use_case = request.form.get("use_case", "MAIN_IMAGE")
            upload = request.files.get("data")
            content = upload.read() if upload is not None else b""
        finally:
            request.close()  # release the spooled upload now, not at garbage collection
        if use_case not in IMAGE_USE_CASES:
            raise Refusal(36009004, f"invalid param error: unknown use_case {use_case}", 400)
        if upload is None or not content:
            raise Refusal(36009004, "invalid param error: `data` (the image file) is required", 400)
        if len(content) > MAX_IMAGE_BYTES:
            raise Refusal(12052302, "The main images size exceed limit. (10 MB at most)")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                with Image.open(io.BytesIO(content)) as image:
                    kind, (width, height) = image.format, image.size
        except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError):
            kind, width, height = None, 0, 0
        if kind not in IMAGE_FORMATS:
            raise Refusal(12052304, "Main product image format not support. (JPG, PNG, WEBP, BMP)")
        if not (IMAGE_MIN_PX <= width <= IMAGE_MAX_PX and IMAGE_MIN_PX <= height <= IMAGE_MAX_PX):
            raise Refusal(
                12052301,
                f"Width and length of main image must be at least {IMAGE_MIN_PX} "
                f"(and at most {IMAGE_MAX_PX}); got {width}x{height}",
            )
        uri = IMAGE_URI_PREFIX + secrets.token_hex(16)
        with self.state.lock:
            self.state.images[uri] = len(content)
        return reply(
            data={
                "uri": uri,
                "url": f"{IMAGE_URL_HOST}{uri}~tplv-aphluv4xwc-origin-jpeg.jpeg",
                "width": width,
                "height": height,
                "use_case": use_case,
            }
        )

    # --- products ------------------------------------------------------------------------
    def _check_product(self, body: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """The SKUs to store, or a Refusal for the first problem (TikTok answers one code)."""
        title = body.get("title")
        if not isinstance(title, str) or not title.strip():
            raise Refusal(12052261, "product name is empty")
        if len(title) > TITLE_MAX:
            raise Refusal(12052051, f"The product name exceed max limit characters ({TITLE_MAX})")
        description = body.get("description")
        if not isinstance(description, str) or not description.strip():
            raise Refusal(12052015, "The product description is required")
        if len(description) > DESCRIPTION_MAX:
            raise Refusal(
                12052013,
                f"The product description cannot exceed maximum characters ({DESCRIPTION_MAX})",
            )
        category = str(body.get("category_id") or "").strip()
        if not category:
            raise Refusal(12052023, "Category does not exist")
        if not category.isdigit():
            raise Refusal(12052002, "Incorrect category format")
        images = body.get("main_images")
        if not isinstance(images, list) or not images:
            raise Refusal(12052028, "Main product image is required")
        if len(images) > MAIN_IMAGES_MAX:
            raise Refusal(12052306, f"main product images count exceed limit ({MAIN_IMAGES_MAX})")
        for image in images:
            uri = str(image.get("uri") or "") if isinstance(image, dict) else ""
            if uri not in self.state.images:
                raise Refusal(12052722, f"The image URI does not exist in TikTok Shop. ({uri})")
        rows = body.get("skus")
        if not isinstance(rows, list) or not rows:
            raise Refusal(
                98001004,
                "Parameter skus is invalid. Reason: no SKU given. Expected: 1 to 100 SKUs.",
            )
        if len(rows) > SKUS_MAX:
            raise Refusal(12052050, "A single product cannot have more than 100 different SKUs")
        skus: dict[str, dict[str, Any]] = {}
        combos: set[tuple[tuple[str, str], ...]] = set()
        names: set[str] | None = None
        for index, row in enumerate(rows):
            row = row if isinstance(row, dict) else {}
            seller_sku = row.get("seller_sku")
            if not isinstance(seller_sku, str) or not seller_sku.strip():
                raise Refusal(12019059, f"seller sku is invalid (skus[{index}] has none)")
            if len(seller_sku) > SELLER_SKU_MAX:
                raise Refusal(
                    12052054,
                    "The seller SKU text length cannot exceed max limit characters "
                    f"({SELLER_SKU_MAX}; seller_sku {seller_sku})",
                )
            if seller_sku in skus:
                raise Refusal(12019059, f"seller sku is invalid ({seller_sku} appears twice)")
            price = self._price(row.get("price"), seller_sku)
            stock = self._quantity(row.get("inventory"), seller_sku)
            if len(rows) > 1:
                combo = self._sales_attributes(row.get("sales_attributes"), seller_sku)
                keys = {name for name, _ in combo}
                if names is not None and keys != names:
                    raise Refusal(
                        12052550, f"SKU property must contain all properties ({seller_sku})"
                    )
                names = keys
                if combo in combos:
                    raise Refusal(
                        12052560, f"The SKU contains duplicate sales attribute. ({seller_sku})"
                    )
                combos.add(combo)
            skus[seller_sku] = {
                "price": price,
                "stock": stock,
                "warehouse_id": DEFAULT_WAREHOUSE_ID,
                "sales_attributes": row.get("sales_attributes") or [],
            }
        weight = _object(body.get("package_weight"))
        value = _decimal(weight.get("value"))
        if value is None or value <= 0:
            raise Refusal(12052181, "The package weight of the product can not be zero.")
        if weight.get("unit") == "POUND":
            raise Refusal(
                12019061,
                "Product weight or dimensions unit does not support the imperial units on "
                "non-US local products.",
            )
        if weight.get("unit") != "KILOGRAM":
            raise Refusal(12052006, "Incorrect parcel weight format")
        box = body.get("package_dimensions")
        box = box if isinstance(box, dict) else {}
        if box.get("unit") == "INCH":
            raise Refusal(
                12019061,
                "Product weight or dimensions unit does not support the imperial units on "
                "non-US local products.",
            )
        sides = [_decimal(box.get(k)) for k in ("length", "width", "height")]
        if box.get("unit") != "CENTIMETER" or any(s is None or s <= 0 for s in sides):
            raise Refusal(12052116, "product package size is invalid")
        return skus

    def _price(self, price: Any, seller_sku: str) -> int:
        """A SKU's price in whole đồng, or the gateway's refusal of it."""
        price = _object(price)
        amount = _decimal(price.get("amount"))
        if amount is None or amount <= 0 or amount != amount.to_integral_value():
            raise Refusal(
                12052073,
                f"The product price is invalid (seller_sku {seller_sku}: a whole number of "
                "đồng greater than 0)",
            )
        if price.get("currency") != "VND":
            raise Refusal(
                12052084,
                "The provided currency is not available for this shop/region "
                f"(seller_sku {seller_sku}: VND)",
            )
        return int(amount)

    def _quantity(self, inventory: Any, seller_sku: str) -> int:
        rows = inventory if isinstance(inventory, list) else []
        if not rows:
            raise Refusal(
                12052055,
                "The SKU inventory quantity for the warehouse must be within allowed limits. "
                f"(seller_sku {seller_sku}: no inventory given)",
            )
        total = 0
        for entry in rows:
            entry = entry if isinstance(entry, dict) else {}
            warehouse = entry.get("warehouse_id")
            if warehouse not in (None, "", DEFAULT_WAREHOUSE_ID):
                raise Refusal(12052097, f"The warehouse does not exist ({warehouse})")
            quantity = _whole(entry.get("quantity"))
            if quantity is None or not 0 <= quantity <= QUANTITY_MAX:
                raise Refusal(
                    12052055,
                    "The SKU inventory quantity for the warehouse must be within allowed "
                    f"limits. (seller_sku {seller_sku}: 0 to {QUANTITY_MAX})",
                )
            total += quantity
        return total

    @staticmethod
    def _sales_attributes(value: Any, seller_sku: str) -> tuple[tuple[str, str], ...]:
        """Sorted (name, value) pairs of a SKU; every SKU of a multi-SKU product needs them."""
        entries = value if isinstance(value, list) else []
        pairs: list[tuple[str, str]] = []
        for entry in entries:
            entry = entry if isinstance(entry, dict) else {}
            name = str(entry.get("name") or entry.get("id") or "").strip()
            value_name = str(entry.get("value_name") or entry.get("value_id") or "").strip()
            if not name or not value_name:
                pairs = []
                break
            if len(value_name) > VALUE_NAME_MAX:
                raise Refusal(
                    12052249,
                    f"The sales attribute value name characters cannot exceed {VALUE_NAME_MAX}, "
                    f"attribute value name is :{value_name}. ({seller_sku})",
                )
            pairs.append((name, value_name))
        if not pairs:
            raise Refusal(12052550, f"SKU property must contain all properties ({seller_sku})")
        return tuple(sorted(pairs))

    def _create(self, shop: core.Shop, body: dict[str, Any]) -> Response:
        skus = self._check_product(body)
        if not self.state.take_create_quota(shop.shop_id):
            raise Refusal(
                12052093,
                "Exceeded the product listing limit for the seller. "
                f"(sandbox: {shop.create_quota} new products a day; the limit resets in "
                f"{self.state.seconds_to_midnight()} seconds)",
            )
        with self.state.lock:
            created = self.state.create_product(shop.shop_id, body, skus)
            created.status = "ACTIVATE"
        return reply(
            data={
                "product_id": created.item_id,
                "skus": [
                    {
                        "id": values["sku_id"],
                        "seller_sku": seller_sku,
                        "sales_attributes": values["sales_attributes"],
                    }
                    for seller_sku, values in created.skus.items()
                ],
                "warnings": [],
            }
        )

    def _product_of(self, shop: core.Shop, product_id: str) -> core.Product:
        product = self.state.products.get(product_id)
        if product is None or product.status == "DELETED":
            raise Refusal(12052260, f"The product ID does not exist ({product_id})")
        if product.shop_id != shop.shop_id:
            raise Refusal(12052034, "This product doesn't belong to this shop")
        return product

    @staticmethod
    def _sku_key(product: core.Product, sku_id: str) -> str | None:
        for seller_sku, values in product.skus.items():
            if values["sku_id"] == sku_id:
                return seller_sku
        return None

    def _rows(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        rows = body.get("skus")
        if not isinstance(rows, list) or not rows or len(rows) > SKUS_MAX:
            raise Refusal(
                98001004,
                "Parameter skus is invalid. Reason: no SKU given. Expected: 1 to 100 SKUs.",
            )
        return [r if isinstance(r, dict) else {} for r in rows]

    def _inventory_update(self, shop: core.Shop, product_id: str, body: dict[str, Any]) -> Response:
        rows = self._rows(body)
        with self.state.lock:
            product = self._product_of(shop, product_id)
            changes: dict[str, int] = {}
            problems: list[dict[str, Any]] = []
            for index, row in enumerate(rows):
                sku_id = str(row.get("id") or "")
                key = self._sku_key(product, sku_id)
                if key is None:
                    not_ours = _not_a_sku(index, product_id)
                    problems.append(
                        _check_failed(sku_id, code=not_ours.code, message=not_ours.message)
                    )
                    continue
                try:
                    changes[key] = self._quantity(row.get("inventory"), key)
                except Refusal as refusal:
                    problems.append(
                        _check_failed(
                            sku_id,
                            warehouse_id=DEFAULT_WAREHOUSE_ID,
                            code=refusal.code,
                            message=refusal.message,
                        )
                    )
            if problems:  # the sandbox applies all or nothing
                return reply(data={"errors": problems})
            for key, stock in changes.items():
                product.skus[key]["stock"] = stock
        return reply()

    def _prices_update(self, shop: core.Shop, product_id: str, body: dict[str, Any]) -> Response:
        rows = self._rows(body)
        with self.state.lock:
            product = self._product_of(shop, product_id)
            changes: dict[str, int] = {}
            for index, row in enumerate(rows):
                sku_id = str(row.get("id") or "")
                key = self._sku_key(product, sku_id)
                if key is None:
                    raise _not_a_sku(index, product_id)
                changes[key] = self._price(row.get("price"), key)
            for key, whole_price in changes.items():
                product.skus[key]["price"] = whole_price
        return reply()

    def _set_status(self, shop: core.Shop, body: dict[str, Any], *, activate: bool) -> Response:
        ids = body.get("product_ids")
        if not isinstance(ids, list) or not ids or len(ids) > BATCH_MAX:
            raise Refusal(
                98001004,
                "Parameter product_ids is invalid. Reason: no product given. "
                f"Expected: 1 to {BATCH_MAX} product ids.",
            )
        problems: list[dict[str, Any]] = []
        with self.state.lock:
            for raw_id in ids:
                product_id = str(raw_id)
                product = self.state.products.get(product_id)
                if product is None or product.status == "DELETED":
                    problems.append(
                        {
                            "code": 12052260,
                            "message": "The product ID does not exist",
                            "detail": {"product_id": product_id},
                        }
                    )
                elif product.shop_id != shop.shop_id:
                    problems.append(
                        {
                            "code": 12052048,
                            "message": "You can't edit other sellers' products",
                            "detail": {"product_id": product_id},
                        }
                    )
                else:  # audit passes at once in the sandbox; repeating is a no-op
                    product.status = "ACTIVATE" if activate else "SELLER_DEACTIVATED"
        return reply(data={"errors": problems} if problems else {})

    def _view(self, product: core.Product) -> dict[str, Any]:
        """A product as Search Products shows it."""
        payload = product.payload
        created = int(product.created_at)
        return {
            "id": product.item_id,
            "title": str(payload.get("title") or ""),
            "status": product.status,
            "skus": [
                {
                    "id": values["sku_id"],
                    "seller_sku": seller_sku,
                    "price": {
                        "currency": "VND",
                        "sale_price": str(values["price"]),
                        "tax_exclusive_price": str(values["price"]),
                    },
                    "inventory": [
                        {"warehouse_id": values["warehouse_id"], "quantity": values["stock"]}
                    ],
                }
                for seller_sku, values in product.skus.items()
            ],
            "sales_regions": ["VN"],
            "create_time": created,
            "update_time": created,
        }

    def _search(self, shop: core.Shop, args: dict[str, str], body: dict[str, Any]) -> Response:
        size = _whole(args.get("page_size"))
        if size is None or not 1 <= size <= 100:
            raise Refusal(36009004, "invalid param error: page_size must be 1 to 100", 400)
        token = args.get("page_token", "") or "0"
        if not token.isdigit():
            raise Refusal(36009004, "invalid param error: page_token is invalid", 400)
        offset = int(token)
        status = str(body.get("status") or "ALL")
        if status not in STATUSES:
            raise Refusal(36009004, f"invalid param error: unknown status {status}", 400)
        wanted_skus = body.get("seller_skus")
        wanted_ids = body.get("sku_ids")
        for name, value in (("seller_skus", wanted_skus), ("sku_ids", wanted_ids)):
            if value is not None and not isinstance(value, list):
                raise Refusal(36009004, f"invalid param error: {name} must be a list", 400)
        seller_skus = {str(s) for s in wanted_skus} if wanted_skus else None
        sku_ids = {str(s) for s in wanted_ids} if wanted_ids else None

        def matches(product: core.Product) -> bool:
            if product.shop_id != shop.shop_id:
                return False
            if status == "ALL" and product.status == "DELETED":
                return False
            if status != "ALL" and product.status != status:
                return False
            if seller_skus is not None and not seller_skus.intersection(product.skus):
                return False
            return sku_ids is None or any(v["sku_id"] in sku_ids for v in product.skus.values())

        with self.state.lock:
            found = [p for p in self.state.products.values() if matches(p)]
            page = [self._view(p) for p in found[offset : offset + size]]
        more = offset + size < len(found)
        return reply(
            data={
                "products": page,
                "total_count": len(found),
                "next_page_token": str(offset + size) if more else "",
            }
        )
