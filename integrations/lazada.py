"""Lazada Open Platform (Vietnam): connect, images, create, price/stock, (de)activate, look-up.

Every call follows the official ``lazop`` SDK: the system parameters
``app_key``, ``sign_method=sha256``, ``timestamp`` (milliseconds) and, for
seller calls, ``access_token`` travel with the business parameters (GET: query
string; POST: form body, multipart when a file is attached) and ``sign`` is

    UPPER(hex(HMAC_SHA256(app_secret, api_path + concat(k + v for k in sorted(params)))))

over every parameter except ``sign`` and files. ``api_path`` is the path after
the gateway base (``/product/create``), without the ``/rest`` prefix. Token
calls go to the auth gateway (``https://auth.lazada.com/rest``), everything
else to the Vietnam gateway (``https://api.lazada.vn/rest``).

Replies are JSON; ``code == "0"`` is success, anything else is an error with
``type`` (ISV / ISP / SYSTEM), ``code``, ``message``, ``request_id`` and, for
content problems, a ``detail`` list of ``{field, seller_sku?, message}``.
Rate limiting arrives as HTTP 200 with ``code == "ApiCallLimit"``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from typing import Any
from xml.sax import saxutils

from integrations import api, base, errors

API_BASE_URL = "https://api.lazada.vn/rest"
AUTH_BASE_URL = "https://auth.lazada.com/rest"
AUTHORIZE_URL_BASE = "https://auth.lazada.com"
SIGN_METHOD = "sha256"
COUNTRY = "vn"
DEFAULT_BRAND = "No Brand"
DEFAULT_PACKAGE_CM = "10"

TITLE = "Lazada"
# In-body error codes and what they mean for us (a reply of type SYSTEM is transient too).
CODES = api.Codes(
    rate_limited=frozenset({"ApiCallLimit", "AppCallLimit", "E901", "901"}),
    auth=frozenset({"IllegalAccessToken", "IllegalRefreshToken"}),
    quota=frozenset({"DailyCreateLimitExceeded"}),
    not_found=frozenset({"ItemNotFound", "SkuNotFound", "208", "E208"}),
    transient=frozenset(
        {"ServiceUnavailable", "ServiceTimeout", "InternalError", "E006", "6", "1000"}
    ),
)

# Lazada payload field → the field name the app (and ``ChannelAdapter.validate``) uses.
FIELD_NAMES = {
    "name": "title",
    "description": "description",
    "short_description": "description",
    "PrimaryCategory": "category_id",
    "Images": "images",
    "Image": "images",
    "brand": "brand",
    "brand_id": "brand",
    "Skus": "skus",
    "Sku": "skus",
    "SellerSku": "seller_sku",
    "price": "price",
    "Price": "price",
    "quantity": "stock",
    "Quantity": "stock",
    "package_weight": "weight",
    "package_length": "package_length",
    "package_width": "package_width",
    "package_height": "package_height",
}
SKU_LEVEL = frozenset(
    {"seller_sku", "price", "stock", "weight", "package_length", "package_width", "package_height"}
)


def sign(secret: str, api_path: str, params: Mapping[str, str]) -> str:
    """Lazada's request signature (see the module docstring); ``sign`` itself is left out."""
    text = api_path + "".join(f"{k}{params[k]}" for k in sorted(params) if k != "sign")
    digest = hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha256)
    return digest.hexdigest().upper()


def detail_fields(detail: Sequence[Any]) -> dict[str, list[errors.Problem | str]]:
    """Lazada's ``detail`` list as ``{field: [messages]}`` in the app's field names."""
    fields: dict[str, list[errors.Problem | str]] = {}
    for item in detail:
        if not isinstance(item, Mapping):
            fields.setdefault("payload", []).append(str(item))
            continue
        raw = str(item.get("field") or "")
        name = FIELD_NAMES.get(raw, raw or "payload")
        seller_sku = str(item.get("seller_sku") or item.get("SellerSku") or "")
        if seller_sku and name in SKU_LEVEL:
            name = f"skus.{seller_sku}" if name == "seller_sku" else f"skus.{seller_sku}.{name}"
        message = str(item.get("message") or item.get("msg") or "refused")
        fields.setdefault(name, []).append(message)
    return fields


def error_for(
    body: Mapping[str, Any],
    *,
    write: bool = False,
    now: float | None = None,
    status: int | None = None,
) -> errors.ChannelError | None:
    """The typed error a reply carries (``code != "0"``), or None when it says "done"."""
    code = str(body.get("code", "0"))
    if code == "0":
        return None
    message = str(body.get("message") or code)
    detail = body.get("detail")
    kind = CODES.fault(code)
    # content problems, field by field
    if (
        isinstance(detail, list)
        and detail
        and kind in (None, api.Fault.NOT_FOUND, api.Fault.TRANSIENT)
    ):
        fields = detail_fields(detail)
        return api.fault(TITLE, api.Fault.CONTENT, message, code=code, status=status, fields=fields)
    if kind is None:
        kind = api.Fault.TRANSIENT if body.get("type") == "SYSTEM" else api.Fault.REFUSED
    return api.fault(TITLE, kind, message, code=code, status=status, write=write, now=now)


def check(body: Mapping[str, Any], **options: Any) -> dict[str, Any]:
    """``body`` when ``code == "0"``, else raise the typed error
    (``options`` as for ``error_for``)."""
    return api.checked(error_for(body, **options), dict(body))


def _payload(product: Mapping[str, Any]) -> str:
    """A JSON ``payload``: raw UTF-8 (Vietnamese stays readable), no spaces."""
    return json.dumps({"Request": {"Product": product}}, ensure_ascii=False, separators=(",", ":"))


class LazadaAdapter(api.SignedJsonAdapter):
    name = "lazada"
    title = TITLE
    config_schema = api.schema(
        *api.credentials("app_key", "App Key", "app_secret", "App Secret"),
        api.address("api_base_url", API_BASE_URL, "Lazada Vietnam gateway, ending in /rest"),
        api.address(
            "auth_base_url", AUTH_BASE_URL, "Token create/refresh gateway, ending in /rest"
        ),
        api.address(
            "authorize_url_base",
            AUTHORIZE_URL_BASE,
            "Where sellers approve the app (/oauth/authorize is added)",
        ),
    )
    rules = base.Rules(
        title_max=255,
        description_max=25000,
        images_max=8,
        image_min_px=330,
        image_max_bytes=3_000_000,
    )

    # --- transport -----------------------------------------------------------
    def signed_params(
        self, api_path: str, params: Mapping[str, Any], access_token: str | None = None
    ) -> dict[str, str]:
        """System + business parameters with ``sign`` added (what goes on the wire)."""
        out = {
            "app_key": self.config["app_key"],
            "sign_method": SIGN_METHOD,
            "timestamp": str(int(self.clock() * 1000)),
        }
        if access_token:
            out["access_token"] = access_token
        out.update({k: str(v) for k, v in params.items() if v is not None})
        out["sign"] = sign(self.config["app_secret"], api_path, out)
        return out

    def call(
        self,
        method: str,
        api_path: str,
        params: Mapping[str, Any] | None = None,
        *,
        tokens: base.Tokens | None = None,
        files: Mapping[str, Any] | None = None,
        auth: bool = False,
    ) -> dict[str, Any]:
        """One signed call; returns the JSON body when ``code == "0"``."""
        signed = self.signed_params(api_path, params or {}, tokens.access_token if tokens else None)
        url = self.config_url("auth_base_url", api_path) if auth else None
        write = method.upper() != "GET"
        if write:
            response = self.client.send(method, api_path, data=signed, files=files, url=url)
        else:
            response = self.client.send(method, api_path, params=signed, url=url)
        return self.read_reply(response, api.Call(write=write))

    def answered(self, body: Mapping[str, Any]) -> bool:
        return "code" in body

    def reply_error(
        self, body: Mapping[str, Any], status: int, call: api.Call
    ) -> errors.ChannelError | None:
        return error_for(body, write=call.write, now=self.clock(), status=status)

    # --- connect -------------------------------------------------------------
    def authorize_url(self, redirect_uri: str, state: str) -> str:
        query = {
            "response_type": "code",
            "force_auth": "true",
            "redirect_uri": redirect_uri,
            "client_id": self.config["app_key"],
            "state": state,
        }
        return self.authorize_page("/oauth/authorize", query)

    def exchange_code(self, code: str, params: Mapping[str, str]) -> base.Tokens:
        code = self.callback_code(code, params)
        body = self.call("POST", "/auth/token/create", {"code": code}, auth=True)
        return self._tokens(body)

    def refresh(self, tokens: base.Tokens) -> base.Tokens:
        body = self.call(
            "POST", "/auth/token/refresh", {"refresh_token": tokens.refresh_token}, auth=True
        )
        fresh = self._tokens(body)
        return base.Tokens(
            fresh.access_token,
            fresh.refresh_token,
            fresh.access_expires_at,
            fresh.refresh_expires_at,
            {**tokens.extra, **fresh.extra},
        )

    def _tokens(self, body: Mapping[str, Any]) -> base.Tokens:
        access = str(body.get("access_token") or "")
        refresh = str(body.get("refresh_token") or "")
        if not access:
            raise errors.PermanentError(
                "Lazada returned no access token", code="no_token", reason="bad_reply"
            )
        now = self.clock()
        refresh_in = int(body.get("refresh_expires_in") or 0)
        users = [u for u in body.get("country_user_info") or [] if isinstance(u, Mapping)]
        user = next((u for u in users if str(u.get("country", "")).lower() == COUNTRY), None)
        user = user or (users[0] if users else {})
        extra = {
            "seller_id": str(user.get("seller_id") or ""),
            "user_id": str(user.get("user_id") or ""),
            "short_code": str(user.get("short_code") or ""),
            "country": str(user.get("country") or body.get("country") or ""),
            "account": str(body.get("account") or ""),
        }
        return base.Tokens(
            access_token=access,
            refresh_token=refresh,
            access_expires_at=api.utc(now + int(body.get("expires_in") or 0)),
            refresh_expires_at=api.utc(now + refresh_in) if refresh_in > 0 else None,
            extra={k: v for k, v in extra.items() if v},
        )

    # --- listings ------------------------------------------------------------
    def upload_image(self, tokens: base.Tokens, path: str) -> str:
        """Host an image on Lazada; returns its Lazada URL (what ``Images`` must carry)."""
        if path.startswith(("http://", "https://")):
            body = self.call(
                "POST",
                "/image/migrate",
                {
                    "payload": "<Request><Image><Url>"
                    f"{saxutils.escape(path)}</Url></Image></Request>"
                },
                tokens=tokens,
            )
        else:
            body = self.call(
                "POST",
                "/image/upload",
                tokens=tokens,
                files=self.image_file("image", path),
            )
        url = str(((body.get("data") or {}).get("image") or {}).get("url") or "")
        if not url:
            raise errors.TransientError(
                "Lazada returned no image URL", code="no_image_url", reason="bad_reply"
            )
        return url

    def create_listing(self, tokens: base.Tokens, draft: base.ListingDraft) -> base.RemoteListing:
        images = self.uploaded_images(draft)
        attributes = dict(draft.attributes)
        package = {
            key: str(attributes.pop(key, DEFAULT_PACKAGE_CM))
            for key in ("package_length", "package_width", "package_height")
        }
        product = {
            "PrimaryCategory": draft.category_id,
            "Images": {"Image": images},
            "Attributes": {
                **attributes,
                "name": draft.title,
                "description": draft.description,
                "brand": draft.brand or DEFAULT_BRAND,
            },
            "Skus": {
                "Sku": [
                    {
                        "SellerSku": sku.seller_sku,
                        "quantity": str(sku.stock),
                        "price": str(sku.price),
                        "package_weight": f"{max(draft.weight_grams, 10) / 1000:.2f}",
                        **package,
                    }
                    for sku in draft.skus
                ]
            },
        }
        body = self.call("POST", "/product/create", {"payload": _payload(product)}, tokens=tokens)
        data = body.get("data") or {}
        item_id = str(data.get("item_id") or "")
        if not item_id:
            raise errors.TransientError(
                "Lazada accepted the product but sent no item id", uncertain=True, code="no_item_id"
            )
        sku_ids = {
            str(s.get("seller_sku")): str(s.get("sku_id"))
            for s in data.get("sku_list") or []
            if isinstance(s, Mapping) and s.get("seller_sku")
        }
        first_sku = next(iter(sku_ids.values()), "")
        live = f"https://www.lazada.vn/-i{item_id}-s{first_sku}.html" if first_sku else ""
        url = self.product_page(item_id, live) if live else ""
        return base.RemoteListing(
            item_id, sku_ids, url=url, status=str(data.get("item_status") or "")
        )

    def update_price_stock(
        self, tokens: base.Tokens, listing: base.RemoteListing, skus: Sequence[base.Sku]
    ) -> None:
        if not skus:
            return
        rows = []
        for sku in skus:
            row = {"ItemId": listing.external_id, "SellerSku": sku.seller_sku}
            if listing.sku_ids.get(sku.seller_sku):
                row["SkuId"] = listing.sku_ids[sku.seller_sku]
            # Always both, as strings: a stock of 0 must reach Lazada as "0".
            row["Price"] = str(sku.price)
            row["Quantity"] = str(sku.stock)
            rows.append(row)
        payload = _payload({"Skus": {"Sku": rows}})
        self.call("POST", "/product/price_quantity/update", {"payload": payload}, tokens=tokens)

    def deactivate(self, tokens: base.Tokens, listing: base.RemoteListing) -> None:
        sku_ids = "".join(
            f"<SkuId>{saxutils.escape(v)}</SkuId>" for v in listing.sku_ids.values() if v
        )
        skus = f"<Skus>{sku_ids}</Skus>" if sku_ids else ""
        body = (
            "<Request><Product>"
            f"<ItemId>{saxutils.escape(listing.external_id)}</ItemId>{skus}"
            "</Product></Request>"
        )
        self.call("POST", "/product/deactivate", {"apiRequestBody": body}, tokens=tokens)

    def activate(self, tokens: base.Tokens, listing: base.RemoteListing) -> None:
        """Lazada has no "activate" call: UpdateProduct with each SKU's Status "active"."""
        if not listing.sku_ids:
            raise errors.ValidationFailed(
                "the listing has no Lazada SKU ids to activate",
                fields={"skus": [errors.Problem("sku_not_on_marketplace", {}, "no SKU ids")]},
                code="no_sku_ids",
            )
        rows = [
            {"SkuId": sku_id, "SellerSku": seller_sku, "Status": "active"}
            for seller_sku, sku_id in listing.sku_ids.items()
        ]
        payload = _payload({"ItemId": listing.external_id, "Attributes": {}, "Skus": {"Sku": rows}})
        self.call("POST", "/product/update", {"payload": payload}, tokens=tokens)

    def find_by_sku(self, tokens: base.Tokens, seller_sku: str) -> base.RemoteListing | None:
        body = self.call(
            "GET",
            "/products/get",
            {
                "filter": "all",
                "sku_seller_list": json.dumps([seller_sku], ensure_ascii=False),
                "limit": "10",
            },
            tokens=tokens,
        )
        for product in (body.get("data") or {}).get("products") or []:
            skus = [s for s in product.get("skus") or [] if isinstance(s, Mapping)]
            if not any(str(s.get("SellerSku")) == seller_sku for s in skus):
                continue
            sku_ids = {str(s.get("SellerSku")): str(s.get("SkuId")) for s in skus}
            urls = [str(s.get("Url")) for s in skus if s.get("Url")]
            return base.RemoteListing(
                str(product.get("item_id")),
                sku_ids,
                url=urls[0] if urls else "",
                status=str(product.get("status") or ""),
            )
        return None
