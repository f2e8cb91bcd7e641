"""Shopee Open Platform v2 sandbox: the calls the toolkit makes, answered the way Shopee does.

Enforced: partner id, timestamp within ``core.TIMESTAMP_SKEW``, the HMAC-SHA256 sign
(public calls over partner_id + path + timestamp, shop calls + access_token + shop_id),
live access tokens bound to their shop, single-use refresh tokens, daily create quota,
content rules with per-field messages (``"field: text; field: text"`` in ``message``),
images that were uploaded here, unknown items. Failures are in the body
(``{error, message, warning, request_id, response}``); rate limiting is HTTP 200 with
``error_rate_limit`` like the real one. The signature check is this module's own code.

Sandbox-only choices (not Shopee facts): the category tree and shipping channels below,
the quota error code ``error_daily_item_limit``, ``search_item`` matching a model SKU as
well as the parent ``item_sku``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import secrets
from collections.abc import Callable, Mapping
from typing import Any, TypeGuard

from werkzeug.wrappers import Request, Response

from sandbox import core

DEMO_PARTNER_ID = "2004571"
DEMO_PARTNER_KEY = "shpk7a4d6b3f9c2e8a1b5d7f3c6e9a2b4d8f1c3e5a7b9d2f4c6e8a1b3d5f7c9e2a"
DEMO_APP_KEY = DEMO_PARTNER_ID  # the names the other sandboxes use
DEMO_APP_SECRET = DEMO_PARTNER_KEY

PREFIX = "/api/v2/"
TITLE_MAX = 120
DESCRIPTION_MAX = 3000
IMAGES_MAX = 9
IMAGE_MAX_BYTES = 10 * 1024 * 1024
SKU_MAX = 100
OPTION_MAX = 20
MODELS_MAX = 50
SEARCH_PAGE_MAX = 100
IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")
DELETED = "DELETED"  # internal status; shown as SELLER_DELETE like Shopee

# (category_id, parent_id, name, has_children)
CATEGORIES: tuple[tuple[int, int, str, bool], ...] = (
    (200001, 0, "Bách hóa Online", True),
    (200010, 200001, "Gia vị & Nước chấm", False),
    (200011, 200001, "Trà, Cà phê & Đồ uống", False),
    (200012, 200001, "Đặc sản vùng miền", False),
    (200013, 200001, "Bánh kẹo & Đồ ăn vặt", False),
    (200002, 0, "Sức khỏe", True),
    (200020, 200002, "Thực phẩm chức năng", False),
    (200003, 0, "Nhà cửa & Đời sống", True),
    (200030, 200003, "Đồ thủ công mỹ nghệ", False),
)
PARENT_CATEGORIES = frozenset(c[0] for c in CATEGORIES if c[3])
# (logistics_channel_id, name, enabled in the demo shop)
CHANNELS: tuple[tuple[int, str, bool], ...] = (
    (50011, "Giao Hàng Nhanh (sandbox)", True),
    (50012, "Hỏa Tốc (sandbox)", False),
)
DEMO_LOGISTIC_ID = 50011
ENABLED_CHANNELS = frozenset(c[0] for c in CHANNELS if c[2])


@dataclasses.dataclass(frozen=True)
class Spec:
    methods: frozenset[str]
    scope: str  # "consent" | "public" | "shop"
    write: bool = False
    limited: bool = True


_GET = frozenset({"GET"})
_POST = frozenset({"POST"})
ROUTES: dict[str, Spec] = {
    "shop/auth_partner": Spec(frozenset({"GET", "POST"}), "consent", limited=False),
    "auth/token/get": Spec(_POST, "public", write=True, limited=False),
    "auth/access_token/get": Spec(_POST, "public", write=True, limited=False),
    "shop/get_shop_info": Spec(_GET, "shop"),
    "media_space/upload_image": Spec(_POST, "shop", write=True),
    "product/add_item": Spec(_POST, "shop", write=True),
    "product/init_tier_variation": Spec(_POST, "shop", write=True),
    "product/update_price": Spec(_POST, "shop", write=True),
    "product/update_stock": Spec(_POST, "shop", write=True),
    "product/unlist_item": Spec(_POST, "shop", write=True),
    "product/delete_item": Spec(_POST, "shop", write=True),
    "product/search_item": Spec(_GET, "shop"),
    "product/get_item_base_info": Spec(_GET, "shop"),
    "product/get_model_list": Spec(_GET, "shop"),
    "product/get_category": Spec(_GET, "shop"),
    "logistics/get_channel_list": Spec(_GET, "shop"),
}


def sign(partner_key: str, message: str) -> str:
    return hmac.new(partner_key.encode(), message.encode(), hashlib.sha256).hexdigest()


def reply(
    response: Any = None, *, error: str = "", message: str = "", status: int = 200, **flat: Any
) -> Response:
    """Shopee's envelope; ``flat`` fields sit at the top level (token replies)."""
    body: dict[str, Any] = {
        "request_id": secrets.token_hex(16),
        "error": error,
        "message": message,
        "warning": "",
    }
    if response is not None:
        body["response"] = response
    body.update(flat)
    return core.json_response(body, status=status)


def invalid(problems: list[tuple[str, str]]) -> Response:
    return reply(error="error_param", message="; ".join(f"{k}: {v}" for k, v in problems))


def not_found(item_id: Any) -> Response:
    return reply(error="error_item_not_found", message=f"Item {item_id} does not exist.")


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def _number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _index_in(value: Any, size: int) -> bool:
    """Whether ``value`` is an integer tier index in ``0 <= value < size``."""
    index = _int(value)
    return index is not None and 0 <= index < size


def _stock_of(entry: Any) -> int | None:
    """The stock in ``[{"stock": n}]`` (Shopee's seller_stock), or None if malformed."""
    if not isinstance(entry, list) or not entry or not isinstance(entry[0], dict):
        return None
    return _int(entry[0].get("stock"))


def _status(product: core.Product) -> str:
    return "SELLER_DELETE" if product.status == DELETED else product.status


class ShopeeSandbox(core.Dialect):
    name = "shopee"
    shop_name = "Gian hàng OCOP Sandbox"

    def __init__(
        self,
        state: core.State | None = None,
        *,
        partners: Mapping[str, str] | None = None,
        **options: Any,
    ) -> None:
        super().__init__(state, **options)
        self.partners = dict(partners or {DEMO_PARTNER_ID: DEMO_PARTNER_KEY})
        self._handlers: dict[str, Callable[[Request, str], Response]] = {
            "auth/token/get": self._token_get,
            "auth/access_token/get": self._access_token_get,
            "shop/get_shop_info": self._get_shop_info,
            "media_space/upload_image": self._upload_image,
            "product/add_item": self._add_item,
            "product/init_tier_variation": self._init_tier_variation,
            "product/update_price": self._update_price,
            "product/update_stock": self._update_stock,
            "product/unlist_item": self._unlist_item,
            "product/delete_item": self._delete_item,
            "product/search_item": self._search_item,
            "product/get_item_base_info": self._get_item_base_info,
            "product/get_model_list": self._get_model_list,
            "product/get_category": self._get_category,
            "logistics/get_channel_list": self._get_channel_list,
        }

    # --- core hooks --------------------------------------------------------------
    def classify(self, request: Request) -> core.Route | None:
        if not request.path.startswith(PREFIX):
            return None
        name = request.path.removeprefix(PREFIX).strip("/")
        spec = ROUTES.get(name)
        if spec is None:
            return None
        return core.Route(name=name, write=spec.write, limited=spec.limited)

    def handle(self, request: Request, route: core.Route) -> Response:
        spec = ROUTES[route.name]
        if request.method not in spec.methods:
            return reply(
                error="error_not_found", message=f"{request.method} is not allowed", status=405
            )
        problem, shop_id = self._authenticate(request, shop=spec.scope == "shop")
        if problem is not None:
            return problem
        if spec.scope == "consent":
            return self.authorize_page(request)
        try:
            return self._handlers[route.name](request, shop_id)
        finally:
            request.close()  # uploaded files sit in temporary files until closed

    def rate_limited(self, request: Request, route: core.Route) -> Response:
        return reply(
            error="error_rate_limit",
            message="Too many requests for this partner; retry after 1 second.",
        )

    def server_error(self, status: int) -> Response:
        return reply(
            error="error_server", message="Something wrong. Please try later.", status=status
        )

    # --- checks --------------------------------------------------------------------
    def _authenticate(self, request: Request, *, shop: bool) -> tuple[Response | None, str]:
        """Partner, timestamp, sign and (shop calls) access token; (refusal, shop_id)."""
        args = request.args
        partner_id = args.get("partner_id", "")
        if not partner_id:
            return reply(
                error="error_param", message="There is no partner_id in query.", status=400
            ), ""
        key = self.partners.get(partner_id)
        if key is None:
            return reply(error="error_auth", message="Invalid partner_id.", status=403), ""
        timestamp = args.get("timestamp", "")
        seconds = _int(timestamp)
        if seconds is None:
            return reply(
                error="error_param", message="There is no timestamp in query.", status=400
            ), ""
        if not self.state.timestamp_ok(seconds):
            message = "Invalid timestamp: it must be within 5 minutes of the server time."
            return reply(error="error_param", message=message, status=403), ""
        given = args.get("sign", "")
        if not given:
            return reply(error="error_param", message="There is no sign in query.", status=400), ""
        access_token = shop_id = ""
        if shop:
            access_token = args.get("access_token", "")
            shop_id = args.get("shop_id", "")
            if not access_token or not shop_id:
                message = "There is no access_token or shop_id in query."
                return reply(error="error_param", message=message, status=400), ""
        expected = sign(key, f"{partner_id}{request.path}{timestamp}{access_token}{shop_id}")
        if not hmac.compare_digest(expected, given):
            return reply(error="error_sign", message="Wrong sign.", status=403), ""
        if shop:
            token = self.state.check_access(access_token)
            if token is None or token.shop_id != shop_id:
                return reply(
                    error="invalid_acceess_token", message="Invalid access_token.", status=403
                ), ""
        return None, shop_id

    def _json(self, request: Request) -> dict[str, Any] | None:
        body = request.get_json(force=True, silent=True)
        return body if isinstance(body, dict) else None

    def _product(self, shop_id: str, item_id: Any) -> core.Product | None:
        product = self.state.products.get(str(_int(item_id)))
        if product is None or product.shop_id != shop_id or product.status == DELETED:
            return None
        return product

    # --- auth --------------------------------------------------------------------
    def _token_get(self, request: Request, shop_id: str) -> Response:
        body = self._json(request)
        if body is None:
            return reply(error="error_param", message="Body must be a JSON object.", status=400)
        if str(body.get("partner_id", "")) != request.args.get("partner_id"):
            return reply(error="error_param", message="partner_id in body does not match.")
        code = str(body.get("code") or "")
        granted = self.state.take_code(code) if code else None
        if granted is None:
            return reply(error="error_auth", message="Invalid code.", status=403)
        if str(body.get("shop_id", "")) != granted:
            return reply(error="error_param", message="shop_id does not match the code.")
        access, refresh = self.state.issue_tokens(granted)
        return reply(
            access_token=access.value,
            refresh_token=refresh.value,
            expire_in=core.ACCESS_TTL,
        )

    def _get_shop_info(self, request: Request, shop_id: str) -> Response:
        """The shop's name and region, at the top level of the reply like Shopee's."""
        with self.state.lock:
            shop = self.state.shops.get(shop_id)
            name = shop.name if shop is not None else self.shop_name
        body: dict[str, object] = {
            "request_id": secrets.token_hex(16),
            "error": "",
            "message": "",
            "warning": "",
        }
        body.update(shop_name=name, region="VN", status="NORMAL", is_cb=False)
        return core.json_response(body)  # not reply(): its ``status`` is the HTTP status

    def _access_token_get(self, request: Request, shop_id: str) -> Response:
        body = self._json(request)
        if body is None:
            return reply(error="error_param", message="Body must be a JSON object.", status=400)
        value = str(body.get("refresh_token") or "")
        with self.state.lock:
            known = self.state.tokens.get(value)
            if known is not None and str(body.get("shop_id", "")) != known.shop_id:
                return reply(error="error_param", message="shop_id does not match the token.")
            result = self.state.use_refresh(value)
        if isinstance(result, str):
            messages = {
                "used": "Invalid refresh_token: it has already been used.",
                "expired": "Invalid refresh_token: it has expired.",
            }
            message = messages.get(result, "Invalid refresh_token.")
            return reply(error="error_auth", message=message, status=403)
        access, refresh = result
        return reply(
            access_token=access.value,
            refresh_token=refresh.value,
            expire_in=core.ACCESS_TTL,
            shop_id=_int(access.shop_id) or access.shop_id,
            partner_id=_int(request.args.get("partner_id")),
        )

    # --- media -------------------------------------------------------------------
    def _upload_image(self, request: Request, shop_id: str) -> Response:
        upload = request.files.get("image")
        if upload is None:
            return invalid([("image", "no image file in the request")])
        content = upload.read()
        if not content:
            return invalid([("image", "the file is empty")])
        if len(content) > IMAGE_MAX_BYTES:
            return invalid([("image", "the file is larger than 10 MB")])
        if not content.startswith(IMAGE_MAGIC):
            return invalid([("image", "only JPG and PNG images are accepted")])
        image_id = f"sbx-{secrets.token_hex(16)}"
        with self.state.lock:
            self.state.images[image_id] = len(content)
        return reply({"image_info": {"image_id": image_id, "image_url_list": []}})

    # --- products ----------------------------------------------------------------
    def _item_problems(self, body: Mapping[str, Any]) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        name = body.get("item_name")
        if not isinstance(name, str) or not name.strip():
            problems.append(("item_name", "is required"))
        elif len(name) > TITLE_MAX:
            problems.append(("item_name", f"must be at most {TITLE_MAX} characters"))
        description = body.get("description")
        if not isinstance(description, str) or not description.strip():
            problems.append(("description", "is required"))
        elif len(description) > DESCRIPTION_MAX:
            problems.append(("description", f"must be at most {DESCRIPTION_MAX} characters"))
        price = body.get("original_price")
        if not _number(price) or price <= 0:
            problems.append(("original_price", "must be greater than 0"))
        stock = _stock_of(body.get("seller_stock"))
        if stock is None:
            problems.append(("seller_stock", "is required"))
        elif stock < 0:
            problems.append(("seller_stock", "stock cannot be negative"))
        weight = body.get("weight")
        if not _number(weight) or weight <= 0:
            problems.append(("weight", "must be greater than 0 kg"))
        category = _int(body.get("category_id"))
        if category is None or category <= 0:
            problems.append(("category_id", "is required"))
        elif category in PARENT_CATEGORIES:
            problems.append(("category_id", "choose a leaf category"))
        sku = body.get("item_sku")
        if not isinstance(sku, str) or not sku.strip():
            problems.append(("item_sku", "is required"))
        elif len(sku) > SKU_MAX:
            problems.append(("item_sku", f"must be at most {SKU_MAX} characters"))
        problems.extend(self._image_problems(body.get("image")))
        problems.extend(self._logistic_problems(body.get("logistic_info")))
        return problems

    def _image_problems(self, image: Any) -> list[tuple[str, str]]:
        ids = image.get("image_id_list") if isinstance(image, dict) else None
        if not isinstance(ids, list) or not ids:
            return [("image", "at least one image is required")]
        if len(ids) > IMAGES_MAX:
            return [("image", f"at most {IMAGES_MAX} images")]
        with self.state.lock:
            missing = [str(i) for i in ids if str(i) not in self.state.images]
        if missing:
            return [("image", f"image {', '.join(missing)} was not uploaded")]
        return []

    def _logistic_problems(self, logistics: Any) -> list[tuple[str, str]]:
        if not isinstance(logistics, list) or not logistics:
            return [("logistic_info", "at least one shipping channel is required")]
        enabled = [
            _int(x.get("logistic_id"))
            for x in logistics
            if isinstance(x, dict) and x.get("enabled")
        ]
        if not enabled:
            return [("logistic_info", "at least one shipping channel must be enabled")]
        unknown = [str(x) for x in enabled if x not in ENABLED_CHANNELS]
        if unknown:
            return [("logistic_info", f"channel {', '.join(unknown)} is not enabled in this shop")]
        return []

    def _add_item(self, request: Request, shop_id: str) -> Response:
        body = self._json(request)
        if body is None:
            return reply(error="error_param", message="Body must be a JSON object.", status=400)
        problems = self._item_problems(body)
        if problems:
            return invalid(problems)
        if not self.state.take_create_quota(shop_id):
            wait = self.state.seconds_to_midnight()
            return reply(
                error="error_daily_item_limit",
                message=f"Daily limit of new items reached; retry after {wait} seconds.",
            )
        item_sku = body["item_sku"]
        stock = _stock_of(body["seller_stock"])
        payload = {**body, "has_model": False, "tier_variation": []}
        product = self.state.create_product(
            shop_id,
            payload,
            {item_sku: {"sku_id": "0", "price": body["original_price"], "stock": stock}},
        )
        if body.get("item_status") == "UNLIST":
            with self.state.lock:
                product.status = "UNLIST"
        return reply(
            {
                "item_id": int(product.item_id),
                "item_name": body["item_name"],
                "item_sku": item_sku,
                "item_status": product.status,
                "price_info": {
                    "original_price": body["original_price"],
                    "current_price": body["original_price"],
                },
                "seller_stock": [{"stock": stock}],
                "images": {"image_id_list": body["image"]["image_id_list"]},
            }
        )

    def _model_problems(self, body: Mapping[str, Any]) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        tiers = body.get("tier_variation")
        sizes: list[int] = []
        if not isinstance(tiers, list) or not 1 <= len(tiers) <= 2:
            problems.append(("tier_variation", "one or two variation tiers are required"))
        else:
            for t, tier in enumerate(tiers):
                options = tier.get("option_list") if isinstance(tier, dict) else None
                names = [o.get("option") for o in options or [] if isinstance(o, dict)]
                named = [n for n in names if isinstance(n, str) and n.strip()]
                if not names or len(named) != len(names):
                    problems.append((f"tier_variation[{t}]", "every option needs a name"))
                elif len(set(named)) != len(named):
                    problems.append((f"tier_variation[{t}]", "option names must be unique"))
                elif any(len(n) > OPTION_MAX for n in named):
                    problems.append(
                        (f"tier_variation[{t}]", f"options are {OPTION_MAX} characters at most")
                    )
                sizes.append(len(names))
        models = body.get("model")
        if not isinstance(models, list) or not models:
            return [*problems, ("model", "at least one model is required")]
        if len(models) > MODELS_MAX:
            return [*problems, ("model", f"at most {MODELS_MAX} models")]
        seen_skus: set[str] = set()
        seen_index: set[tuple[int, ...]] = set()
        for i, model in enumerate(models):
            if not isinstance(model, dict):
                problems.append((f"model[{i}]", "must be an object"))
                continue
            index = model.get("tier_index")
            if (
                not isinstance(index, list)
                or len(index) != len(sizes)
                or not all(_index_in(x, n) for x, n in zip(index, sizes, strict=True))
            ):
                problems.append((f"model[{i}].tier_index", "does not match the variation tiers"))
            elif tuple(index) in seen_index:
                problems.append((f"model[{i}].tier_index", "is used by another model"))
            else:
                seen_index.add(tuple(index))
            price = model.get("original_price")
            if not _number(price) or price <= 0:
                problems.append((f"model[{i}].original_price", "must be greater than 0"))
            stock = _stock_of(model.get("seller_stock"))
            if stock is None or stock < 0:
                problems.append((f"model[{i}].seller_stock", "stock must be 0 or more"))
            sku = model.get("model_sku")
            if not isinstance(sku, str) or not sku.strip() or len(sku) > SKU_MAX:
                problems.append(
                    (f"model[{i}].model_sku", f"is required, {SKU_MAX} characters at most")
                )
            elif sku in seen_skus:
                problems.append((f"model[{i}].model_sku", "is used by another model"))
            else:
                seen_skus.add(sku)
        return problems

    def _init_tier_variation(self, request: Request, shop_id: str) -> Response:
        body = self._json(request)
        if body is None:
            return reply(error="error_param", message="Body must be a JSON object.", status=400)
        with self.state.lock:
            product = self._product(shop_id, body.get("item_id"))
            if product is None:
                return not_found(body.get("item_id"))
            if product.payload.get("has_model"):
                return invalid([("tier_variation", "the item already has variations")])
            problems = self._model_problems(body)
            if problems:
                return invalid(problems)
            product.skus = {}
            out = []
            for model in body["model"]:
                model_id = self.state.next_id()
                stock = _stock_of(model["seller_stock"])
                product.skus[model["model_sku"]] = {
                    "sku_id": model_id,
                    "price": model["original_price"],
                    "stock": stock,
                    "tier_index": list(model["tier_index"]),
                }
                out.append(
                    {
                        "model_id": int(model_id),
                        "model_sku": model["model_sku"],
                        "tier_index": list(model["tier_index"]),
                        "price_info": [{"original_price": model["original_price"]}],
                        "seller_stock": [{"stock": stock}],
                    }
                )
            product.payload["has_model"] = True
            product.payload["tier_variation"] = body["tier_variation"]
        return reply(
            {
                "item_id": int(product.item_id),
                "tier_variation": body["tier_variation"],
                "model": out,
            }
        )

    def _entry_sku(self, product: core.Product, entry: Mapping[str, Any]) -> str | None:
        """The seller SKU an update entry addresses (model_id, or none for a plain item)."""
        model_id = _int(entry.get("model_id", 0))
        if not product.payload.get("has_model"):
            return next(iter(product.skus)) if model_id in (0, None) else None
        for seller_sku, values in product.skus.items():
            if model_id is not None and values["sku_id"] == str(model_id):
                return seller_sku
        return None

    def _update_price(self, request: Request, shop_id: str) -> Response:
        return self._update(request, shop_id, "price_list", "price")

    def _update_stock(self, request: Request, shop_id: str) -> Response:
        return self._update(request, shop_id, "stock_list", "stock")

    def _update(self, request: Request, shop_id: str, list_name: str, what: str) -> Response:
        body = self._json(request)
        if body is None:
            return reply(error="error_param", message="Body must be a JSON object.", status=400)
        entries = body.get(list_name)
        if not isinstance(entries, list) or not 1 <= len(entries) <= MODELS_MAX:
            return invalid([(list_name, f"must hold 1 to {MODELS_MAX} entries")])
        successes: list[dict[str, Any]] = []
        failures: list[dict[str, Any]] = []
        with self.state.lock:
            product = self._product(shop_id, body.get("item_id"))
            if product is None:
                return not_found(body.get("item_id"))
            for entry in entries:
                entry = entry if isinstance(entry, dict) else {}
                model_id = _int(entry.get("model_id", 0)) or 0
                seller_sku = self._entry_sku(product, entry)
                if seller_sku is None:
                    failures.append({"model_id": model_id, "failed_reason": "model not found"})
                    continue
                if what == "price":
                    price = entry.get("original_price")
                    if not _number(price) or price <= 0:
                        failures.append(
                            {"model_id": model_id, "failed_reason": "price must be greater than 0"}
                        )
                        continue
                    product.skus[seller_sku]["price"] = price
                    successes.append({"model_id": model_id, "original_price": price})
                else:
                    stock = _stock_of(entry.get("seller_stock"))
                    if stock is None or stock < 0:
                        failures.append(
                            {"model_id": model_id, "failed_reason": "stock must be 0 or more"}
                        )
                        continue
                    product.skus[seller_sku]["stock"] = stock
                    successes.append({"model_id": model_id, "seller_stock": [{"stock": stock}]})
            if successes:
                self.state.outcomes[f"{what}_updates"] += 1
        return reply({"success_list": successes, "failure_list": failures})

    def _unlist_item(self, request: Request, shop_id: str) -> Response:
        body = self._json(request)
        items = body.get("item_list") if body else None
        if not isinstance(items, list) or not 1 <= len(items) <= MODELS_MAX:
            return invalid([("item_list", f"must hold 1 to {MODELS_MAX} items")])
        successes: list[dict[str, Any]] = []
        failures: list[dict[str, Any]] = []
        with self.state.lock:
            for entry in items:
                entry = entry if isinstance(entry, dict) else {}
                item_id = _int(entry.get("item_id"))
                unlist = entry.get("unlist")
                product = self._product(shop_id, item_id)
                if product is None:
                    failures.append({"item_id": item_id, "failed_reason": "item not found"})
                elif not isinstance(unlist, bool):
                    failures.append(
                        {"item_id": item_id, "failed_reason": "unlist must be true or false"}
                    )
                else:
                    product.status = "UNLIST" if unlist else "NORMAL"
                    successes.append({"item_id": item_id, "unlist": unlist})
        return reply({"success_list": successes, "failure_list": failures})

    def _delete_item(self, request: Request, shop_id: str) -> Response:
        body = self._json(request) or {}
        with self.state.lock:
            product = self._product(shop_id, body.get("item_id"))
            if product is None:
                return not_found(body.get("item_id"))
            product.status = DELETED
            self.state.outcomes["products_deleted"] += 1
        return reply({})

    def _search_item(self, request: Request, shop_id: str) -> Response:
        args = request.args
        page_size = _int(args.get("page_size"))
        if page_size is None or not 1 <= page_size <= SEARCH_PAGE_MAX:
            return invalid([("page_size", f"must be 1 to {SEARCH_PAGE_MAX}")])
        offset = _int(args.get("offset") or "0") or 0
        statuses = set(args.getlist("item_status")) or {"NORMAL", "UNLIST", "REVIEWING", "BANNED"}
        sku = args.get("item_sku", "")
        name = args.get("item_name", "").lower()
        with self.state.lock:
            found = [
                int(p.item_id)
                for p in self.state.products.values()
                if p.shop_id == shop_id
                and _status(p) in statuses
                and (not sku or p.payload.get("item_sku") == sku or sku in p.skus)
                and (sku or not name or name in str(p.payload.get("item_name", "")).lower())
            ]
        page = found[offset : offset + page_size]
        more = offset + page_size < len(found)
        return reply(
            {
                "item_id_list": page,
                "total_count": len(found),
                "next_offset": str(offset + page_size) if more else "",
            }
        )

    def _item_info(self, product: core.Product) -> dict[str, Any]:
        payload = product.payload
        has_model = bool(payload.get("has_model"))
        total = sum(int(v.get("stock") or 0) for v in product.skus.values())
        info: dict[str, Any] = {
            "item_id": int(product.item_id),
            "category_id": _int(payload.get("category_id")),
            "item_name": payload.get("item_name", ""),
            "description": payload.get("description", ""),
            "item_sku": payload.get("item_sku", ""),
            "item_status": _status(product),
            "has_model": has_model,
            "create_time": int(product.created_at),
            "weight": str(payload.get("weight", "")),
            "image": {"image_id_list": list(payload.get("image", {}).get("image_id_list", []))},
            "stock_info_v2": {"summary_info": {"total_available_stock": total}},
        }
        if not has_model:
            only = next(iter(product.skus.values()))
            info["price_info"] = [
                {
                    "currency": "VND",
                    "original_price": only["price"],
                    "current_price": only["price"],
                }
            ]
            info["stock_info_v2"]["seller_stock"] = [{"stock": only["stock"]}]
        return info

    def _get_item_base_info(self, request: Request, shop_id: str) -> Response:
        raw = ",".join(request.args.getlist("item_id_list"))
        ids = [x.strip() for x in raw.split(",") if x.strip()]
        if not ids or len(ids) > 50 or any(_int(x) is None for x in ids):
            return invalid([("item_id_list", "must hold 1 to 50 item ids")])
        with self.state.lock:
            products = [self.state.products.get(x) for x in ids]
            items = [self._item_info(p) for p in products if p is not None and p.shop_id == shop_id]
        if not items:
            return not_found(raw)
        return reply({"item_list": items})

    def _get_model_list(self, request: Request, shop_id: str) -> Response:
        item_id = request.args.get("item_id")
        with self.state.lock:
            product = self.state.products.get(str(_int(item_id)))
            if product is None or product.shop_id != shop_id:
                return not_found(item_id)
            if not product.payload.get("has_model"):
                return reply({"tier_variation": [], "model": []})
            models = [
                {
                    "model_id": int(values["sku_id"]),
                    "model_sku": seller_sku,
                    "tier_index": values.get("tier_index", []),
                    "price_info": [
                        {"original_price": values["price"], "current_price": values["price"]}
                    ],
                    "stock_info_v2": {
                        "summary_info": {"total_available_stock": values["stock"]},
                        "seller_stock": [{"stock": values["stock"]}],
                    },
                }
                for seller_sku, values in product.skus.items()
            ]
            tiers = product.payload.get("tier_variation", [])
        return reply({"tier_variation": tiers, "model": models})

    def _get_category(self, request: Request, shop_id: str) -> Response:
        rows = [
            {
                "category_id": category_id,
                "parent_category_id": parent,
                "original_category_name": name,
                "display_category_name": name,
                "has_children": has_children,
            }
            for category_id, parent, name, has_children in CATEGORIES
        ]
        return reply({"category_list": rows})

    def _get_channel_list(self, request: Request, shop_id: str) -> Response:
        rows = [
            {
                "logistics_channel_id": channel_id,
                "logistics_channel_name": name,
                "enabled": enabled,
                "cod_enabled": True,
                "fee_type": "SIZE_INPUT",
            }
            for channel_id, name, enabled in CHANNELS
        ]
        return reply({"logistics_channel_list": rows})
