"""Shopee Open Platform v2: connect a shop, upload images, create and keep listings in step.

Contract (checked against Shopee's published reference as reproduced by public SDKs):

- Every call carries ``partner_id``, ``timestamp`` (seconds) and ``sign`` in the query.
  ``sign = hex(HMAC_SHA256(partner_key, partner_id + path + timestamp))`` for public calls
  (authorize link, token calls) and ``… + access_token + shop_id`` for shop calls, which
  also carry ``access_token`` and ``shop_id`` in the query. ``path`` is the full path
  (``/api/v2/product/add_item``); neither the query nor the body is signed.
- Every reply is ``{error, message, warning, request_id, response}``; a non-empty
  ``error`` is a failure whatever the HTTP status. Token replies are flat
  (``access_token``, ``refresh_token``, ``expire_in`` at the top level).
- Shopee's authorize link has no ``state`` parameter, so the app's state rides in the
  query of the ``redirect`` URL; Shopee appends ``code`` and ``shop_id`` to it.

SKU model (our choice, see ``create_listing``): a draft with one SKU becomes one item
with ``item_sku`` = that SKU and price/stock on the item (``model_id`` left out, recorded
as ``"0"`` in ``RemoteListing.sku_ids``). A draft with several SKUs becomes an item whose
parent ``item_sku`` is the first SKU, then one variation tier with one model per SKU
(``product/init_tier_variation``, ``model_sku`` = seller SKU). If that second step is
interrupted, the item is found again by its first SKU and ``complete_listing`` adds the
variations, so a retry never leaves a twin behind.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import hmac
import json
import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode, urlsplit

from integrations import api, base, errors

log = logging.getLogger(__name__)

PRODUCTION_API = "https://partner.shopeemobile.com/api/v2"
LOGISTICS_TTL_SECONDS = 600
API_PREFIX = "/api/v2"
SHOP_URL = "https://shopee.vn/product/{shop_id}/{item_id}"
REFRESH_TTL = 30 * 86400  # documented lifetime of a refresh token
DEFAULT_ACCESS_TTL = 4 * 3600
NO_MODEL = "0"  # model id of an item without variations
TIER_NAME = "Phân loại"
OPTION_MAX = 20  # Shopee's limit on a variation option's length
SEARCH_STATUSES = ("NORMAL", "UNLIST", "REVIEWING", "BANNED")

ACCESS_TOKEN_ERRORS = frozenset({"invalid_acceess_token", "invalid_access_token"})
QUOTA_ERRORS = frozenset({"error_daily_item_limit", "error_item_limit", "error_quota"})
SERVER_ERRORS = frozenset({"error_server", "error_inner", "error_busy", "error_system_busy"})
SETUP_ERRORS = frozenset({"error_auth", "error_param", "error_permission"})
NOT_CONTENT_ERRORS = frozenset({"error_auth", "error_permission", "error_shop"})
FIELD_KEY = re.compile(r"[a-z_]+(?:\[\d+\])?(?:\.[a-z_]+)*")


def sign(
    partner_key: str,
    partner_id: str,
    path: str,
    timestamp: int | str,
    access_token: str = "",
    shop_id: str = "",
) -> str:
    """Shopee's request signature: lower-case hex HMAC-SHA256 keyed by the partner key's
    UTF-8 bytes (not hex-decoded) over partner_id + path + timestamp [+ token + shop]."""
    message = f"{partner_id}{path}{timestamp}{access_token}{shop_id}"
    return hmac.new(partner_key.encode(), message.encode(), hashlib.sha256).hexdigest()


def api_root(url: str) -> str:
    """A configured base URL without its ``/api/v2`` suffix (both spellings are accepted)."""
    return url.strip().rstrip("/").removesuffix(API_PREFIX).rstrip("/")


def _number(value: str) -> int | str:
    """Shopee wants numeric ids as JSON numbers."""
    return int(value) if value.isdigit() else value


def _field_root(key: str) -> str:
    return re.split(r"[.\[]", key, maxsplit=1)[0]


def parse_fields(message: str, names: Mapping[str, str]) -> dict[str, list[errors.Problem | str]]:
    """Per-field messages from ``"field: text; field: text"``; anything else under "listing".

    ``names`` maps Shopee's field names to ours (exact key first, then its root).
    """
    out: dict[str, list[errors.Problem | str]] = {}
    for part in message.split(";"):
        part = part.strip()
        if not part:
            continue
        key, sep, text = part.partition(":")
        key = key.strip()
        if sep and FIELD_KEY.fullmatch(key):
            ours = names.get(key) or names.get(_field_root(key)) or key
            out.setdefault(ours, []).append(text.strip())
        else:
            out.setdefault("listing", []).append(part)
    return out


def _response(reply: Mapping[str, Any]) -> dict[str, Any]:
    inner = reply.get("response")
    return inner if isinstance(inner, dict) else {}


class ShopeeAdapter(api.SignedJsonAdapter):
    name = "shopee"
    title = "Shopee"
    config_schema = api.schema(
        *api.credentials(
            "partner_id",
            "Partner ID",
            "partner_key",
            "Partner key",
            "Numeric app id from Shopee's console",
        ),
        base.ConfigField(
            "api_base_url",
            "API base URL",
            default=PRODUCTION_API,
            help="With or without /api/v2; test host: https://partner.test-stable.shopeemobile.com",
        ),
        api.address(
            "auth_base_url",
            "",
            "Host of the shop authorization page; empty = the API base URL",
            label="Authorization base URL",
        ),
        base.ConfigField(
            "logistic_ids",
            "Shipping channel ids",
            required=False,
            help="Comma-separated logistic ids to enable on new listings; "
            "empty = every channel enabled in the shop",
        ),
    )
    # title 1–120, up to 9 images and 3000 characters of description: the defaults
    rules = base.Rules(description_min=1, image_max_bytes=10_000_000, sku_max=50)

    @property
    def partner_id(self) -> str:
        return self.config["partner_id"]

    @property
    def partner_key(self) -> str:
        return self.config["partner_key"]

    @functools.cached_property
    def _api_path(self) -> str:
        """What is signed before a call's own path: the base URL's path and ``/api/v2``."""
        return f"{urlsplit(self.api_root()).path}{API_PREFIX}"

    @functools.cached_property
    def _logistics_cache(self) -> dict[str, tuple[float, list[dict[str, Any]]]]:
        """Shop id → (fetched at, enabled shipping channels); the list rarely changes."""
        return {}

    def api_root(self) -> str:
        return api_root(self.config["api_base_url"])

    @classmethod
    def config_problems(cls, config: Mapping[str, str]) -> dict[str, list[errors.Problem | str]]:
        problems: dict[str, list[errors.Problem | str]] = {}
        if not config["partner_id"].isdigit():
            problems["partner_id"] = [errors.Problem("not_a_number", {}, "must be a number")]
        ids = [x.strip() for x in config["logistic_ids"].split(",") if x.strip()]
        if any(not x.isdigit() for x in ids):
            problems["logistic_ids"] = [
                errors.Problem("numbers_list", {}, "must be numbers separated by commas")
            ]
        return problems

    # --- transport -------------------------------------------------------------
    def _call(
        self,
        method: str,
        path: str,
        *,
        tokens: base.Tokens | None = None,
        query: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
        form: Mapping[str, str] | None = None,
        fields: Mapping[str, str] | None = None,
        refreshing: bool = False,
    ) -> dict[str, Any]:
        """One signed call; returns the reply or raises the typed error it carries.

        ``path`` is relative to ``/api/v2`` (``/product/add_item``). ``fields`` (content
        calls only) maps Shopee field names to ours for ValidationFailed.
        """
        timestamp = int(self.clock())
        full_path = f"{self._api_path}{path}"  # what is signed: /api/v2/product/add_item
        params: dict[str, Any] = {"partner_id": self.partner_id, "timestamp": timestamp}
        if tokens is None:
            params["sign"] = sign(self.partner_key, self.partner_id, full_path, timestamp)
        else:
            shop_id = self._shop_id(tokens)
            params["access_token"] = tokens.access_token
            params["shop_id"] = shop_id
            params["sign"] = sign(
                self.partner_key,
                self.partner_id,
                full_path,
                timestamp,
                tokens.access_token,
                shop_id,
            )
        params.update(query or {})
        headers: dict[str, str] = {}
        data: bytes | Mapping[str, Any] | None = form
        if body is not None:
            data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            headers["Content-Type"] = "application/json"
        response = self.client.send(
            method, f"{API_PREFIX}{path}", params=params, data=data, files=files, headers=headers
        )
        call = api.Call(write=method.upper() != "GET", fields=fields, refreshing=refreshing)
        return self.read_reply(response, call)

    def answered(self, body: Mapping[str, Any]) -> bool:
        """Every reply has ``error``; a non-empty one is a failure whatever the HTTP status."""
        return bool(body.get("error"))

    def reply_error(
        self, body: Mapping[str, Any], status: int, call: api.Call
    ) -> errors.ChannelError | None:
        """The typed error for an in-body Shopee error code."""
        error = str(body.get("error") or "")
        if not error:
            return None
        message = str(body.get("message") or body.get("msg") or error)
        bare = error.rsplit(".", 1)[-1]
        lowered = message.lower()
        if "rate_limit" in bare:
            kind = api.Fault.RATE_LIMITED
        elif bare in SERVER_ERRORS:
            kind = api.Fault.TRANSIENT
        elif bare == "error_sign":
            return errors.PermanentError(
                f"Shopee refused the request signature; check the partner key: {message}",
                code=error,
                status=status,
                reason="bad_credentials",
            )
        elif bare in SETUP_ERRORS and ("timestamp" in lowered or "partner" in lowered):
            return errors.PermanentError(
                f"Shopee refused the partner id or the request time; check the partner id "
                f"and the server clock: {message}",
                code=error,
                status=status,
                reason="credentials_or_clock",
            )
        elif call.refreshing or bare in ACCESS_TOKEN_ERRORS:
            kind = api.Fault.AUTH  # a refused refresh token: reconnect the shop
        elif bare in QUOTA_ERRORS:
            kind = api.Fault.QUOTA
        elif "not_found" in bare:
            kind = api.Fault.NOT_FOUND
        elif call.fields is not None and bare not in NOT_CONTENT_ERRORS:
            return self.fault(
                api.Fault.CONTENT,
                message,
                code=error,
                status=status,
                fields=parse_fields(message, call.fields),
            )
        else:
            kind = api.Fault.REFUSED
        return self.fault(kind, message, code=error, status=status, write=call.write)

    def _item_url(self, shop_id: str, item_id: str) -> str:
        """The item's page: on shopee.vn, or on the sandbox when connected to one."""
        return self.product_page(item_id, SHOP_URL.format(shop_id=shop_id, item_id=item_id))

    def _shop_id(self, tokens: base.Tokens) -> str:
        shop_id = str(tokens.extra.get("shop_id") or "")
        if not shop_id:
            raise errors.PermanentError(
                "no Shopee shop id stored; reconnect the shop", code="no_shop", reason="reconnect"
            )
        return shop_id

    # --- connect ---------------------------------------------------------------
    def authorize_url(self, redirect_uri: str, state: str) -> str:
        """Shopee has no state parameter: the state rides in the redirect URL's query."""
        root = api_root(self.config["auth_base_url"] or self.config["api_base_url"])
        path = f"{urlsplit(root).path}{API_PREFIX}/shop/auth_partner"
        timestamp = int(self.clock())
        sep = "&" if "?" in redirect_uri else "?"
        redirect = f"{redirect_uri}{sep}{urlencode({'state': state})}"
        query = {
            "partner_id": self.partner_id,
            "timestamp": timestamp,
            "sign": sign(self.partner_key, self.partner_id, path, timestamp),
            "redirect": redirect,
        }
        root_url = root.removesuffix(urlsplit(root).path)
        return f"{root_url}{path}?{urlencode(query)}"

    def exchange_code(self, code: str, params: Mapping[str, str]) -> base.Tokens:
        shop_id = str(params.get("shop_id") or "").strip()
        if not code or not shop_id:
            raise errors.PermanentError(
                "the Shopee callback has no code or shop id",
                code="bad_callback",
                reason="bad_callback",
            )
        reply = self._call(
            "POST",
            "/auth/token/get",
            body={"code": code, "shop_id": _number(shop_id), "partner_id": int(self.partner_id)},
        )
        tokens = self._tokens(reply, shop_id)
        name = self._shop_name(tokens)
        if name:
            tokens.extra["shop_name"] = name
        return tokens

    def _shop_name(self, tokens: base.Tokens) -> str:
        """The shop's name as Shopee shows it ("" when Shopee will not say)."""
        try:
            reply = self._call("GET", "/shop/get_shop_info", tokens=tokens)
        except errors.ChannelError as exc:
            log.warning("could not read the Shopee shop name: %s", exc.message)
            return ""
        return str(reply.get("shop_name") or _response(reply).get("shop_name") or "").strip()

    def refresh(self, tokens: base.Tokens) -> base.Tokens:
        """New tokens; Shopee refresh tokens are single-use, callers must serialise this."""
        shop_id = self._shop_id(tokens)
        reply = self._call(
            "POST",
            "/auth/access_token/get",
            body={
                "refresh_token": tokens.refresh_token,
                "shop_id": _number(shop_id),
                "partner_id": int(self.partner_id),
            },
            refreshing=True,
        )
        return self._tokens(reply, shop_id, extra=tokens.extra)

    def _tokens(
        self, reply: Mapping[str, Any], shop_id: str, extra: Mapping[str, str] | None = None
    ) -> base.Tokens:
        data: Mapping[str, Any] = reply
        if "access_token" not in reply and isinstance(reply.get("response"), dict):
            data = reply["response"]
        access = str(data.get("access_token") or "")
        refresh = str(data.get("refresh_token") or "")
        if not access or not refresh:
            raise errors.PermanentError(
                "Shopee sent no tokens", code="no_tokens", reason="bad_reply"
            )
        now = self.clock()
        expire_in = float(data.get("expire_in") or DEFAULT_ACCESS_TTL)
        return base.Tokens(
            access_token=access,
            refresh_token=refresh,
            access_expires_at=api.utc(now + expire_in),
            refresh_expires_at=api.utc(now + REFRESH_TTL),
            extra={**(extra or {}), "shop_id": shop_id},
        )

    # --- images ----------------------------------------------------------------
    def upload_image(self, tokens: base.Tokens, path: str) -> str:
        reply = self._call(
            "POST",
            "/media_space/upload_image",
            tokens=tokens,
            files=self.image_file("image", path),
            form={"scene": "normal"},
            fields={"image": "images"},
        )
        inner = _response(reply)
        info = inner.get("image_info")
        if not isinstance(info, dict):
            listed = inner.get("image_info_list") or [{}]
            info = listed[0].get("image_info") if isinstance(listed[0], dict) else None
        image_id = str((info or {}).get("image_id") or "")
        if not image_id:
            raise errors.TransientError(
                "Shopee returned no image id", code="no_image_id", reason="bad_reply"
            )
        return image_id

    # --- listings --------------------------------------------------------------
    def create_listing(self, tokens: base.Tokens, draft: base.ListingDraft) -> base.RemoteListing:
        if not draft.skus:
            raise errors.ValidationFailed(
                "a listing needs a SKU",
                fields={"skus": [errors.Problem("skus_missing", {}, "at least one SKU")]},
            )
        image_ids = self.uploaded_images(draft)
        if not draft.category_id.isdigit():
            raise errors.ValidationFailed(
                "no Shopee category",
                fields={
                    "category_id": [
                        errors.Problem("category_invalid", {}, "not a Shopee category id")
                    ]
                },
            )
        logistics = self._logistics(tokens)
        first = draft.skus[0]
        single = len(draft.skus) == 1
        body: dict[str, Any] = {
            "item_name": draft.title,
            "description": draft.description,
            "item_sku": first.seller_sku,
            "original_price": first.price if single else min(s.price for s in draft.skus),
            "seller_stock": [
                {"stock": first.stock if single else sum(s.stock for s in draft.skus)}
            ],
            "weight": round(draft.weight_grams / 1000, 3),
            "category_id": int(draft.category_id),
            "image": {"image_id_list": image_ids},
            "logistic_info": logistics,
            "condition": "NEW",
            "item_status": "NORMAL",
            "brand": {"brand_id": 0, "original_brand_name": "NoBrand"},
        }
        attributes = [
            {
                "attribute_id": int(key),
                "attribute_value_list": [{"value_id": 0, "original_value_name": value}],
            }
            for key, value in draft.attributes.items()
            if key.isdigit() and value
        ]
        if attributes:
            body["attribute_list"] = attributes
        reply = self._call(
            "POST", "/product/add_item", tokens=tokens, body=body, fields=self._item_fields(draft)
        )
        item_id = str(_response(reply).get("item_id") or "")
        if not item_id:
            raise errors.TransientError(
                "Shopee created no item id", uncertain=True, code="no_item_id", reason="bad_reply"
            )
        shop_id = self._shop_id(tokens)
        url = self._item_url(shop_id, item_id)
        if single:
            return base.RemoteListing(item_id, {first.seller_sku: NO_MODEL}, url, "NORMAL")
        sku_ids = self._add_models(tokens, item_id, draft)
        return base.RemoteListing(item_id, sku_ids, url, "NORMAL")

    def _item_fields(self, draft: base.ListingDraft) -> dict[str, str]:
        names = {
            "item_name": "title",
            "description": "description",
            "image": "images",
            "category_id": "category_id",
            "weight": "weight_grams",
            "logistic_info": "logistic_info",
            "attribute_list": "attributes",
            "item_sku": "skus",
            "original_price": "skus",
            "seller_stock": "skus",
        }
        # The item-level price is the single SKU's, or the cheapest SKU's for models.
        cheapest = min(draft.skus, key=lambda s: s.price)
        names["original_price"] = f"skus.{cheapest.seller_sku}.price"
        if len(draft.skus) == 1:
            names["seller_stock"] = f"skus.{cheapest.seller_sku}.stock"
        return names

    def _logistics(self, tokens: base.Tokens) -> list[dict[str, Any]]:
        """Shipping channels to turn on for a new item: configured, else all the shop has on."""
        configured = [x.strip() for x in self.config["logistic_ids"].split(",") if x.strip()]
        if configured:
            return [{"logistic_id": int(x), "enabled": True} for x in configured]
        shop = self._shop_id(tokens)
        cached = self._logistics_cache.get(shop)
        if cached is not None and self.clock() - cached[0] < LOGISTICS_TTL_SECONDS:
            return cached[1]
        reply = self._call("GET", "/logistics/get_channel_list", tokens=tokens)
        channels = _response(reply).get("logistics_channel_list") or []
        enabled = [
            {"logistic_id": int(c["logistics_channel_id"]), "enabled": True}
            for c in channels
            if isinstance(c, dict) and c.get("enabled") and c.get("logistics_channel_id")
        ]
        if not enabled:
            raise errors.ValidationFailed(
                "no shipping channel is turned on in the Shopee shop",
                fields={
                    "logistic_info": [
                        errors.Problem(
                            "no_shipping_channel",
                            {},
                            "turn on a shipping channel in Shopee Seller Centre",
                        )
                    ]
                },
                code="no_logistics",
            )
        self._logistics_cache[shop] = (self.clock(), enabled)
        return enabled

    def _add_models(
        self, tokens: base.Tokens, item_id: str, draft: base.ListingDraft
    ) -> dict[str, str]:
        """One variation tier, one model per SKU; undo the item if this step fails."""
        options: list[str] = []
        for index, sku in enumerate(draft.skus):
            option = (sku.name or sku.seller_sku)[:OPTION_MAX]
            if option in options:
                option = f"{option[: OPTION_MAX - 4]} #{index + 1}"
            options.append(option)
        body = {
            "item_id": int(item_id),
            "tier_variation": [
                {"name": TIER_NAME, "option_list": [{"option": option} for option in options]}
            ],
            "model": [
                {
                    "tier_index": [index],
                    "model_sku": sku.seller_sku,
                    "original_price": sku.price,
                    "seller_stock": [{"stock": sku.stock}],
                }
                for index, sku in enumerate(draft.skus)
            ],
        }
        names = {"tier_variation": "skus", "model": "skus"}
        for index, sku in enumerate(draft.skus):
            names[f"model[{index}].original_price"] = f"skus.{sku.seller_sku}.price"
            names[f"model[{index}].seller_stock"] = f"skus.{sku.seller_sku}.stock"
            names[f"model[{index}].model_sku"] = f"skus.{sku.seller_sku}"
        # If this fails, the item stays without variations; the next attempt finds it by
        # its item_sku (the first SKU) and ``complete_listing`` adds them.
        reply = self._call(
            "POST", "/product/init_tier_variation", tokens=tokens, body=body, fields=names
        )
        wanted = {sku.seller_sku for sku in draft.skus}
        sku_ids = {
            str(m.get("model_sku")): str(m.get("model_id"))
            for m in _response(reply).get("model") or []
            if isinstance(m, dict) and m.get("model_id") is not None
        }
        if not wanted <= set(sku_ids):
            sku_ids = self._model_ids(tokens, item_id)
        return {s.seller_sku: sku_ids[s.seller_sku] for s in draft.skus if s.seller_sku in sku_ids}

    def _model_ids(self, tokens: base.Tokens, item_id: str) -> dict[str, str]:
        reply = self._call(
            "GET", "/product/get_model_list", tokens=tokens, query={"item_id": item_id}
        )
        return {
            str(m.get("model_sku")): str(m.get("model_id"))
            for m in _response(reply).get("model") or []
            if isinstance(m, dict) and m.get("model_sku") and m.get("model_id") is not None
        }

    def update_price_stock(
        self, tokens: base.Tokens, listing: base.RemoteListing, skus: Sequence[base.Sku]
    ) -> None:
        """Set price and stock of each SKU (stock 0 is sent as 0, never skipped)."""
        if not skus:
            return
        item_id = int(listing.external_id)
        prices: list[dict[str, Any]] = []
        stocks: list[dict[str, Any]] = []
        for sku in skus:
            model_id = listing.sku_ids.get(sku.seller_sku)
            if model_id is None:
                raise errors.NotFound(
                    f"SKU {sku.seller_sku} is not on Shopee item {listing.external_id}",
                    code="unknown_sku",
                    reason="sku_not_on_marketplace",
                    params={"sku": sku.seller_sku},
                )
            price: dict[str, Any] = {"original_price": sku.price}
            stock: dict[str, Any] = {"seller_stock": [{"stock": sku.stock}]}
            if model_id != NO_MODEL:
                price = {"model_id": int(model_id), **price}
                stock = {"model_id": int(model_id), **stock}
            prices.append(price)
            stocks.append(stock)
        by_model = {model_id: seller_sku for seller_sku, model_id in listing.sku_ids.items()}
        price_names = {"price_list": "skus", "original_price": "skus"}
        reply = self._call(
            "POST",
            "/product/update_price",
            tokens=tokens,
            body={"item_id": item_id, "price_list": prices},
            fields=price_names,
        )
        self._raise_failures(reply, by_model, "price")
        reply = self._call(
            "POST",
            "/product/update_stock",
            tokens=tokens,
            body={"item_id": item_id, "stock_list": stocks},
            fields={"stock_list": "skus", "seller_stock": "skus"},
        )
        self._raise_failures(reply, by_model, "stock")

    @staticmethod
    def _raise_failures(reply: Mapping[str, Any], by_model: Mapping[str, str], what: str) -> None:
        failures = _response(reply).get("failure_list") or []
        if not failures:
            return
        fields: dict[str, list[errors.Problem | str]] = {}
        for failure in failures:
            if not isinstance(failure, dict):
                continue
            seller_sku = by_model.get(str(failure.get("model_id", 0)), "?")
            reason = str(failure.get("failed_reason") or "refused")
            fields.setdefault(f"skus.{seller_sku}.{what}", []).append(reason)
        raise errors.ValidationFailed(
            f"Shopee refused the new {what} of some SKUs", fields=fields, code="failure_list"
        )

    def deactivate(self, tokens: base.Tokens, listing: base.RemoteListing) -> None:
        self._unlist(tokens, listing, True)

    def activate(self, tokens: base.Tokens, listing: base.RemoteListing) -> None:
        self._unlist(tokens, listing, False)

    def _unlist(self, tokens: base.Tokens, listing: base.RemoteListing, unlist: bool) -> None:
        reply = self._call(
            "POST",
            "/product/unlist_item",
            tokens=tokens,
            body={"item_list": [{"item_id": int(listing.external_id), "unlist": unlist}]},
        )
        for failure in _response(reply).get("failure_list") or []:
            if not isinstance(failure, dict):
                continue
            reason = str(failure.get("failed_reason") or "refused")
            if "not found" in reason.lower() or "not exist" in reason.lower():
                raise errors.NotFound(f"Shopee cannot find the item: {reason}", code="not_found")
            raise errors.PermanentError(
                f"Shopee refused to change the item: {reason}",
                code="unlist",
                params={"said": reason},
            )

    def complete_listing(
        self, tokens: base.Tokens, listing: base.RemoteListing, draft: base.ListingDraft
    ) -> base.RemoteListing:
        """Add the variations an interrupted create left out (add_item done, models not)."""
        wanted = {sku.seller_sku for sku in draft.skus}
        if wanted <= set(listing.sku_ids):
            return listing
        # What we hold may be stale (a lost reply may have added the variations): ask Shopee.
        listing = self._listing(tokens, listing.external_id) or listing
        if wanted <= set(listing.sku_ids):
            return listing
        if len(draft.skus) > 1 and set(listing.sku_ids.values()) <= {NO_MODEL}:
            sku_ids = self._add_models(tokens, listing.external_id, draft)
            return dataclasses.replace(listing, sku_ids=sku_ids)
        missing = ", ".join(sorted(wanted - set(listing.sku_ids)))
        raise errors.PermanentError(
            f"the Shopee item has other variations than the catalog: {missing}",
            code="variations_differ",
            reason="variations_differ",
            params={"skus": missing},
        )

    def find_by_sku(self, tokens: base.Tokens, seller_sku: str) -> base.RemoteListing | None:
        """The live (or unlisted) item carrying ``seller_sku`` as item or model SKU."""
        reply = self._call(
            "GET",
            "/product/search_item",
            tokens=tokens,
            query={
                "item_sku": seller_sku,
                "page_size": 10,
                "offset": 0,
                "item_status": list(SEARCH_STATUSES),
            },
        )
        for item_id in _response(reply).get("item_id_list") or []:
            listing = self._listing(tokens, str(item_id))
            # search_item may match loosely: keep only an exact SKU match.
            if listing is not None and seller_sku in listing.sku_ids:
                return listing
        return None

    def _listing(self, tokens: base.Tokens, item_id: str) -> base.RemoteListing | None:
        reply = self._call(
            "GET",
            "/product/get_item_base_info",
            tokens=tokens,
            query={"item_id_list": item_id},
        )
        items = [i for i in _response(reply).get("item_list") or [] if isinstance(i, dict)]
        if not items:
            return None
        item = items[0]
        if item.get("has_model"):
            sku_ids = self._model_ids(tokens, item_id)
        else:
            item_sku = str(item.get("item_sku") or "")
            sku_ids = {item_sku: NO_MODEL} if item_sku else {}
        return base.RemoteListing(
            external_id=item_id,
            sku_ids=sku_ids,
            url=self._item_url(self._shop_id(tokens), item_id),
            status=str(item.get("item_status") or ""),
        )

    def list_categories(self, tokens: base.Tokens) -> list[base.Category]:
        reply = self._call("GET", "/product/get_category", tokens=tokens, query={"language": "vi"})
        out: list[base.Category] = []
        for row in _response(reply).get("category_list") or []:
            if not isinstance(row, dict) or not row.get("category_id"):
                continue
            parent = row.get("parent_category_id") or ""
            out.append(
                base.Category(
                    id=str(row["category_id"]),
                    name=str(
                        row.get("display_category_name") or row.get("original_category_name") or ""
                    ),
                    leaf=not row.get("has_children"),
                    parent_id=str(parent) if parent else "",
                )
            )
        return out
