"""TikTok Shop Partner API (version 202309): connect, images, create, price/stock, (de)activate,
look-up.

Contract (checked against the official docs as reproduced by public SDKs, see the report):

- Sellers authorise on ``https://services.tiktokshop.com/open/authorize?service_id=…&state=…``;
  TikTok sends the browser back to the redirect URL registered for the app with ``code`` and
  ``state`` (plus ``shop_region`` and ``locale``). We also pass ``redirect_uri``: the real page
  uses the registered URL, the sandbox honours the parameter.
- Tokens come from the auth host: ``GET https://auth.tiktok-shops.com/api/v2/token/get``
  (``app_key``, ``app_secret``, ``auth_code``, ``grant_type=authorized_code`` — TikTok's
  spelling) and ``GET /api/v2/token/refresh`` (``refresh_token``,
  ``grant_type=refresh_token``). The reply is ``{code, message, data, request_id}``;
  ``data.access_token_expire_in`` and ``data.refresh_token_expire_in`` are Unix timestamps
  (seconds), not durations. Token calls are not signed.
- Every API call (``https://open-api.tiktokglobalshop.com``) carries ``app_key``,
  ``timestamp`` (seconds) and ``sign`` in the query, the access token in the
  ``x-tts-access-token`` header and, for shop resources, ``shop_cipher`` (learnt from
  ``GET /authorization/202309/shops``; image upload and the shops call must not carry it).
  ``sign = hex(HMAC_SHA256(secret, secret + path + concat(k + v for sorted query params but
  sign and access_token) + body + secret))``; the body is the exact JSON bytes sent (raw
  UTF-8, nothing for multipart).
- Replies are ``{code, message, data, request_id}``; ``code != 0`` is a failure whatever the
  HTTP status. Batch calls (inventory update, activate, deactivate) may answer ``code == 0``
  with ``data.errors`` listing what was refused. Rate limiting is HTTP 429 with code
  ``36009002``; an expired access token is ``105002``.
- Look-up by seller SKU uses Search Products version 202312, whose body takes
  ``seller_skus`` (the 202309 body documents only ``status`` and time filters).

SKU model: every seller SKU becomes one TikTok SKU of a single product. With several SKUs
each gets the custom sales attribute "Phân loại" (value: the SKU's name, else its seller SKU)
because TikTok needs a sales attribute to tell the SKUs apart.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import html
import json
import re
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any

from integrations import api, base, errors

API_BASE_URL = "https://open-api.tiktokglobalshop.com"
AUTH_BASE_URL = "https://auth.tiktok-shops.com"
AUTHORIZE_URL_BASE = "https://services.tiktokshop.com"
AUTHORIZE_PATH = "/open/authorize"
VERSION = "202309"
CURRENCY = "VND"
REGION = "VN"
DEFAULT_ACCESS_TTL = 7 * 86400  # documented default lifetime of an access token
PRODUCT_URL = "https://www.tiktok.com/view/product/{product_id}"
SEARCH_VERSION = "202312"  # the version whose Search Products filters by ``seller_skus``
SEARCH_PAGE_SIZE = 50
SEARCH_MAX_PAGES = 4  # safety net should the filter be ignored: look at 200 products at most
SALES_ATTRIBUTE = "Phân loại"
VALUE_NAME_MAX = 50
DEFAULT_PACKAGE_CM = "10"
IMAGE_USE_CASE = "MAIN_IMAGE"

UNSIGNED_PARAMS = frozenset({"sign", "access_token", "x-tts-access-token"})

TITLE = "TikTok Shop"
# Codes from TikTok's common-errors page and the endpoint pages' error tables.
CODES = api.Codes(
    rate_limited=frozenset({"36009002", "12052109"}),
    quota=frozenset({"12052093"}),  # "Exceeded the product listing limit for the seller."
    auth=frozenset(
        {
            "105001",  # access token invalid
            "105002",  # access token is expired, please refresh it
            "36004001",  # refresh token has expired
            "36004005",  # can not find related auth record (unknown / spent refresh token)
        }
    ),
    transient=frozenset({"36009003", "36009007", "12001000", "33001002", "12052881"}),
    not_found=frozenset({"12052260", "12052034", "12052048"}),
)
INVALID_PARAM = "36009004"  # overloaded: bad app key, missing sign, timestamp, header, cipher…
PARAM_INVALID = "98001004"  # "Parameter {{param_name}} is invalid. Reason: … Expected: …"
CHECK_FAILED = "12052990"  # wraps ``detail.extra_errors`` in batch replies

# Error code → the field the app knows. "sku:<f>" means "skus.<seller sku>.<f>" ("sku:" alone:
# the SKU itself), resolved against the seller SKUs of the request.
FIELD_BY_CODE: dict[str, str] = {
    **dict.fromkeys(("12052051", "12052261", "12052262", "12052263", "12052931"), "title"),
    **dict.fromkeys(
        ("12019006", "12052013", "12052015", "12052344", "12052345", "12052346", "12052932"),
        "description",
    ),
    **dict.fromkeys(
        (
            "12052002",
            "12052023",
            "12052024",
            "12052025",
            "12052217",
            "12052220",
            "12052221",
            "12052223",
            "12052225",
            "12052226",
            "12052227",
            "12052446",
        ),
        "category_id",
    ),
    **dict.fromkeys(
        (
            "12052028",
            "12052300",
            "12052301",
            "12052302",
            "12052304",
            "12052305",
            "12052306",
            "12052722",
        ),
        "images",
    ),
    **dict.fromkeys(("12019011", "12052006", "12052181"), "weight"),
    **dict.fromkeys(
        ("12019012", "12052003", "12052004", "12052005", "12052116", "12052915"),
        "package_dimensions",
    ),
    **dict.fromkeys(("12019013", "12052026", "12052200", "12052201", "12052208"), "brand"),
    **dict.fromkeys(("12052050", "12052550", "12052560", "12052249"), "skus"),
    **dict.fromkeys(("12052073", "12052092", "12052570", "12052571", "12052084"), "sku:price"),
    **dict.fromkeys(("12052055",), "sku:stock"),
    **dict.fromkeys(("12019059", "12052054"), "sku:"),
}
# First segment of a ``98001004`` parameter path → field.
PARAM_FIELDS = {
    "title": "title",
    "description": "description",
    "category_id": "category_id",
    "main_images": "images",
    "package_weight": "weight",
    "package_dimensions": "package_dimensions",
    "brand_id": "brand",
    "skus": "skus",
}
_PARAM_NAME = re.compile(r"Parameter\s+`?([A-Za-z0-9_.\[\]]+)`?\s+is invalid")


# --- signing -------------------------------------------------------------------------------
def string_to_sign(path: str, params: Mapping[str, Any], body: bytes = b"") -> bytes:
    """``path + concat(k + v for sorted params) + body`` (before wrapping in the secret)."""
    text = path + "".join(f"{k}{params[k]}" for k in sorted(params) if k not in UNSIGNED_PARAMS)
    return text.encode("utf-8") + body


def sign(secret: str, path: str, params: Mapping[str, Any], body: bytes = b"") -> str:
    """TikTok Shop's request signature; pass ``body=b""`` for GET and multipart requests."""
    key = secret.encode("utf-8")
    message = key + string_to_sign(path, params, body) + key
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def json_body(payload: Mapping[str, Any]) -> bytes:
    """The exact bytes sent (and signed): compact JSON, Vietnamese kept as raw UTF-8."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# --- errors --------------------------------------------------------------------------------
def _sku_in(message: str, seller_skus: Sequence[str]) -> str | None:
    """The seller SKU a message names (the longest match), or the only SKU there is."""
    named = [s for s in seller_skus if s and s in message]
    if named:
        return max(named, key=len)
    return seller_skus[0] if len(seller_skus) == 1 else None


def _field_for(code: str, message: str, seller_skus: Sequence[str]) -> str | None:
    if code == "12052910":  # "Invalid input parameters."
        return "payload"
    field = FIELD_BY_CODE.get(code)
    if code == PARAM_INVALID:
        match = _PARAM_NAME.search(message)
        if not match:
            return "payload"
        param = match.group(1)
        head = re.split(r"[.\[]", param, maxsplit=1)[0]
        field = PARAM_FIELDS.get(head, param)
        if head == "skus":
            if "price" in param:
                field = "sku:price"
            elif "inventory" in param or "quantity" in param:
                field = "sku:stock"
            elif "seller_sku" in param:
                field = "sku:"
    if field is None or not field.startswith("sku:"):
        return field
    part = field.removeprefix("sku:")
    seller_sku = _sku_in(message, seller_skus)
    if seller_sku is None:
        return "skus"
    return f"skus.{seller_sku}.{part}" if part else f"skus.{seller_sku}"


def error_for(
    body: Mapping[str, Any],
    *,
    write: bool = False,
    now: float | None = None,
    seller_skus: Sequence[str] = (),
    status: int | None = None,
) -> errors.ChannelError | None:
    """The typed error a reply carries (``code != 0``), or None when it says "done"."""
    code = str(body.get("code", 0))
    if code == "0":
        return None
    message = str(body.get("message") or code)
    lowered = message.lower()
    kind = CODES.fault(code)
    if code == INVALID_PARAM and ("access_token" in lowered or "access-token" in lowered):
        kind = api.Fault.AUTH
    if kind is None:
        field = _field_for(code, message, seller_skus)
        if field is not None:
            return api.fault(
                TITLE,
                api.Fault.CONTENT,
                message,
                code=code,
                status=status,
                fields={field: [message]},
            )
        kind = api.Fault.REFUSED
    return api.fault(TITLE, kind, message, code=code, status=status, write=write, now=now)


def check(body: Mapping[str, Any], **options: Any) -> dict[str, Any]:
    """``body["data"]`` when ``code == 0``, else raise the typed error
    (``options`` as for ``error_for``)."""
    data = body.get("data")
    return api.checked(error_for(body, **options), dict(data) if isinstance(data, Mapping) else {})


def check_batch(
    data: Mapping[str, Any],
    *,
    write: bool = True,
    now: float | None = None,
    seller_skus: Sequence[str] = (),
) -> None:
    """Raise for the first entry of ``data.errors`` (batch calls answer ``code == 0``)."""
    entries = [e for e in data.get("errors") or [] if isinstance(e, Mapping)]
    if not entries:
        return
    first = entries[0]
    detail = first.get("detail")
    detail = detail if isinstance(detail, Mapping) else {}
    extras = [e for e in detail.get("extra_errors") or [] if isinstance(e, Mapping)]
    inner = extras[0] if str(first.get("code")) == CHECK_FAILED and extras else first
    about = ", ".join(
        f"{k} {detail[k]}" for k in ("product_id", "sku_id", "warehouse_id") if detail.get(k)
    )
    message = str(inner.get("message") or first.get("message") or "refused")
    if about:
        message = f"{message} ({about})"
    code = inner.get("code", first.get("code", -1))
    check({"code": code, "message": message}, write=write, now=now, seller_skus=seller_skus)
    # ``check`` returns only for code 0: an error entry is a refusal all the same.
    raise errors.PermanentError(
        f"TikTok Shop refused part of the request: {message}", params={"said": message}
    )


def _expiry(value: Any, now: float) -> dt.datetime | None:
    """TikTok sends epoch seconds; a small number is read as a lifetime, to be safe."""
    try:
        seconds = int(float(value or 0))
    except (TypeError, ValueError):
        return None
    if seconds <= 0:
        return None
    return api.utc(seconds if seconds > 1_000_000_000 else now + seconds)


def description_html(text: str) -> str:
    """TikTok wants an HTML description: plain text becomes escaped ``<p>`` paragraphs."""
    if re.search(r"<\s*[a-zA-Z][^>]*>", text):
        return text
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return "".join(f"<p>{html.escape(line, quote=False)}</p>" for line in lines)


def _price(dong: int) -> dict[str, str]:
    return {"amount": str(int(dong)), "currency": CURRENCY}


def _kilograms(grams: int) -> str:
    kg = f"{max(int(grams), 1) / 1000:.3f}".rstrip("0").rstrip(".")
    return kg or "0.001"


def _variation_values(skus: Sequence[base.Sku]) -> dict[str, str]:
    """One distinct sales-attribute value per SKU: its name, else its seller SKU."""
    values = {s.seller_sku: (s.name.strip() or s.seller_sku)[:VALUE_NAME_MAX] for s in skus}
    if len(set(values.values())) < len(values):
        values = {s.seller_sku: s.seller_sku[:VALUE_NAME_MAX] for s in skus}
    return values


class TikTokAdapter(api.SignedJsonAdapter):
    name = "tiktok"
    title = TITLE
    config_schema = api.schema(
        *api.credentials("app_key", "App key", "app_secret", "App secret"),
        base.ConfigField(
            "service_id",
            "Service ID",
            required=False,
            help="Partner Center service ID used in the seller authorization link "
            "(the app key is used when empty)",
        ),
        base.ConfigField(
            "warehouse_id",
            "Warehouse ID",
            required=False,
            help="Only for shops with several warehouses: where stock is counted",
        ),
        api.address("api_base_url", API_BASE_URL, "TikTok Shop Open API host"),
        api.address("auth_base_url", AUTH_BASE_URL, "Token get/refresh host"),
        api.address(
            "authorize_url_base",
            AUTHORIZE_URL_BASE,
            "Where sellers approve the app (/open/authorize is added)",
        ),
    )
    rules = base.Rules(
        title_max=255, description_max=10_000, image_min_px=300, image_max_bytes=5_000_000
    )

    @functools.cached_property
    def _path_prefix(self) -> str:
        """The base URL's path: the server sees (and checks the signature against) it too."""
        return urllib.parse.urlsplit(self.client.base_url).path.rstrip("/")

    # --- transport -----------------------------------------------------------------------
    def signed_query(
        self, path: str, query: Mapping[str, Any] | None = None, body: bytes = b""
    ) -> dict[str, str]:
        """System + extra query parameters with ``sign`` added (what goes on the wire)."""
        params = {
            "app_key": self.config["app_key"],
            "timestamp": str(int(self.clock())),
            **{k: str(v) for k, v in (query or {}).items() if v is not None},
        }
        params["sign"] = sign(self.config["app_secret"], self._path_prefix + path, params, body)
        return params

    def call(
        self,
        method: str,
        path: str,
        *,
        tokens: base.Tokens,
        query: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
        form: Mapping[str, str] | None = None,
        shop: bool = True,
        write: bool | None = None,
        seller_skus: Sequence[str] = (),
    ) -> dict[str, Any]:
        """One signed API call; returns ``data`` when ``code == 0``."""
        extra = dict(query or {})
        if shop:
            extra["shop_cipher"] = self._cipher(tokens)
        headers = {"x-tts-access-token": tokens.access_token}
        raw = b""
        if body is not None:
            raw = json_body(body)
            headers["Content-Type"] = "application/json"
        params = self.signed_query(path, extra, raw)
        is_write = method.upper() != "GET" if write is None else write
        try:
            response = self.client.send(
                method,
                path,
                params=params,
                data=raw if body is not None else form,
                files=files,
                headers=headers,
            )
        except errors.TransientError as exc:
            if not is_write:  # a search is a POST but changes nothing remotely
                exc.uncertain = False
            raise
        return self.read_reply(response, api.Call(write=is_write, seller_skus=seller_skus))

    def answered(self, body: Mapping[str, Any]) -> bool:
        return "code" in body

    def reply_error(
        self, body: Mapping[str, Any], status: int, call: api.Call
    ) -> errors.ChannelError | None:
        if "code" not in body:
            return errors.TransientError(
                "TikTok Shop sent a reply without a result code",
                uncertain=call.write,
                status=status,
                code="bad_reply",
                reason="bad_reply",
            )
        now = self.clock()
        return error_for(
            body, write=call.write, now=now, seller_skus=call.seller_skus, status=status
        )

    def reply_result(self, body: Mapping[str, Any]) -> dict[str, Any]:
        data = body.get("data")
        return dict(data) if isinstance(data, Mapping) else {}

    def _auth(self, path: str, params: Mapping[str, str]) -> dict[str, Any]:
        """A token call on the auth host (query carries the app secret, nothing is signed)."""
        query = {
            "app_key": self.config["app_key"],
            "app_secret": self.config["app_secret"],
            **params,
        }
        url = self.config_url("auth_base_url", path)
        try:
            response = self.client.send("GET", path, params=query, url=url)
            return self.read_reply(response, api.Call(write=False))
        except errors.ChannelError as exc:
            raise self._scrubbed(exc) from None

    def _scrubbed(self, exc: errors.ChannelError) -> errors.ChannelError:
        """Keep the app secret (it rides in the token URL) out of messages and tracebacks."""
        secret = self.config["app_secret"]
        if secret and secret in exc.message:
            exc.message = exc.message.replace(secret, "***")
            exc.args = (exc.message,)
        exc.__cause__ = None
        exc.__suppress_context__ = True
        return exc

    # --- connect -------------------------------------------------------------------------
    def authorize_url(self, redirect_uri: str, state: str) -> str:
        service_id = self.config["service_id"] or self.config["app_key"]
        query = {"service_id": service_id, "state": state, "redirect_uri": redirect_uri}
        return self.authorize_page(AUTHORIZE_PATH, query)

    def exchange_code(self, code: str, params: Mapping[str, str]) -> base.Tokens:
        query = {"auth_code": self.callback_code(code, params), "grant_type": "authorized_code"}
        data = self._auth("/api/v2/token/get", query)
        tokens = self._tokens(data, {})
        region = str(params.get("shop_region") or "")
        tokens.extra.update(self._pick_shop(self.shops(tokens), region))
        return tokens

    def refresh(self, tokens: base.Tokens) -> base.Tokens:
        data = self._auth(
            "/api/v2/token/refresh",
            {"refresh_token": tokens.refresh_token, "grant_type": "refresh_token"},
        )
        fresh = self._tokens(data, tokens.extra)
        if not fresh.extra.get("shop_cipher"):
            fresh.extra.update(self._pick_shop(self.shops(fresh), fresh.extra.get("shop_region")))
        return fresh

    def _tokens(self, data: Mapping[str, Any], extra: Mapping[str, str]) -> base.Tokens:
        access = str(data.get("access_token") or "")
        if not access:
            raise errors.PermanentError("TikTok Shop returned no access token", code="no_token")
        now = self.clock()
        seller = {
            "open_id": str(data.get("open_id") or ""),
            "seller_name": str(data.get("seller_name") or ""),
            "seller_base_region": str(data.get("seller_base_region") or ""),
        }
        return base.Tokens(
            access_token=access,
            refresh_token=str(data.get("refresh_token") or ""),
            access_expires_at=_expiry(data.get("access_token_expire_in"), now)
            or api.utc(now + DEFAULT_ACCESS_TTL),
            refresh_expires_at=_expiry(data.get("refresh_token_expire_in"), now),
            extra={**extra, **{k: v for k, v in seller.items() if v}},
        )

    def shops(self, tokens: base.Tokens) -> list[dict[str, Any]]:
        """The shops the seller authorised (``GET /authorization/202309/shops``)."""
        data = self.call("GET", f"/authorization/{VERSION}/shops", tokens=tokens, shop=False)
        return [dict(s) for s in data.get("shops") or [] if isinstance(s, Mapping)]

    @staticmethod
    def _pick_shop(shops: Sequence[Mapping[str, Any]], region: str | None) -> dict[str, str]:
        usable = [s for s in shops if s.get("cipher")]
        if not usable:
            raise errors.PermanentError(
                "TikTok Shop authorised no shop for this app", code="no_shop", reason="no_shop"
            )
        wanted = (region or REGION).upper()
        shop = next((s for s in usable if str(s.get("region", "")).upper() == wanted), None)
        shop = shop or next(
            (s for s in usable if str(s.get("region", "")).upper() == REGION), usable[0]
        )
        out = {
            "shop_id": str(shop.get("id") or ""),
            "shop_cipher": str(shop.get("cipher") or ""),
            "shop_name": str(shop.get("name") or ""),
            "shop_region": str(shop.get("region") or ""),
            "shop_code": str(shop.get("code") or ""),
        }
        return {k: v for k, v in out.items() if v}

    def _product_url(self, product_id: str) -> str:
        """The product's page: on tiktok.com, or on the sandbox when connected to one."""
        return self.product_page(product_id, PRODUCT_URL.format(product_id=product_id))

    def _cipher(self, tokens: base.Tokens) -> str:
        cipher = tokens.extra.get("shop_cipher")
        if not cipher:  # tokens from before the cipher was known: learn it once
            tokens.extra.update(
                self._pick_shop(self.shops(tokens), tokens.extra.get("shop_region"))
            )
            cipher = tokens.extra["shop_cipher"]
        return cipher

    # --- listings ------------------------------------------------------------------------
    def upload_image(self, tokens: base.Tokens, path: str) -> str:
        """Host an image on TikTok Shop; returns its ``uri`` (what ``main_images`` carries)."""
        data = self.call(
            "POST",
            f"/product/{VERSION}/images/upload",
            tokens=tokens,
            files=self.image_file("data", path),
            form={"use_case": IMAGE_USE_CASE},
            shop=False,
        )
        uri = str(data.get("uri") or "")
        if not uri:
            raise errors.TransientError(
                "TikTok Shop returned no image uri", code="no_image_uri", reason="bad_reply"
            )
        return uri

    def _inventory(self, quantity: int, tokens: base.Tokens) -> dict[str, Any]:
        row: dict[str, Any] = {"quantity": int(quantity)}
        warehouse = self.config.get("warehouse_id") or tokens.extra.get("warehouse_id")
        if warehouse:
            row["warehouse_id"] = warehouse
        return row

    def product_payload(self, draft: base.ListingDraft, tokens: base.Tokens) -> dict[str, Any]:
        """The body of ``POST /product/202309/products`` for ``draft``."""
        attributes = dict(draft.attributes)
        dimensions = {
            k: str(attributes.pop(f"package_{k}", DEFAULT_PACKAGE_CM))
            for k in ("length", "width", "height")
        }
        several = len(draft.skus) > 1
        values = _variation_values(draft.skus) if several else {}
        skus = []
        for sku in draft.skus:
            row: dict[str, Any] = {
                "seller_sku": sku.seller_sku,
                "price": _price(sku.price),
                "inventory": [self._inventory(sku.stock, tokens)],
            }
            if several:
                row["sales_attributes"] = [
                    {"name": SALES_ATTRIBUTE, "value_name": values[sku.seller_sku]}
                ]
            skus.append(row)
        return {
            "title": draft.title,
            "description": description_html(draft.description),
            "category_id": draft.category_id,
            "main_images": [{"uri": img.remote_id} for img in draft.images],
            "skus": skus,
            "package_weight": {"value": _kilograms(draft.weight_grams), "unit": "KILOGRAM"},
            "package_dimensions": {**dimensions, "unit": "CENTIMETER"},
        }

    def create_listing(self, tokens: base.Tokens, draft: base.ListingDraft) -> base.RemoteListing:
        self.uploaded_images(draft)
        data = self.call(
            "POST",
            f"/product/{VERSION}/products",
            tokens=tokens,
            body=self.product_payload(draft, tokens),
            seller_skus=[s.seller_sku for s in draft.skus],
        )
        product_id = str(data.get("product_id") or "")
        if not product_id:
            raise errors.TransientError(
                "TikTok Shop accepted the product but sent no product id",
                uncertain=True,
                code="no_product_id",
                reason="bad_reply",
            )
        sku_ids = {
            str(s.get("seller_sku")): str(s.get("id"))
            for s in data.get("skus") or []
            if isinstance(s, Mapping) and s.get("seller_sku")
        }
        return base.RemoteListing(product_id, sku_ids, url=self._product_url(product_id))

    def update_price_stock(
        self, tokens: base.Tokens, listing: base.RemoteListing, skus: Sequence[base.Sku]
    ) -> None:
        """Stock first (a 0 must land even if the price call then fails), then prices."""
        if not skus:
            return
        unknown = [s.seller_sku for s in skus if not listing.sku_ids.get(s.seller_sku)]
        if unknown:
            raise errors.ValidationFailed(
                "no TikTok Shop SKU id recorded for some SKUs",
                fields={
                    f"skus.{s}": [errors.Problem("sku_not_on_marketplace", {"sku": s}, "no SKU id")]
                    for s in unknown
                },
                code="no_sku_id",
            )
        seller_skus = [s.seller_sku for s in skus]
        base_path = f"/product/{VERSION}/products/{listing.external_id}"
        stock_rows = [
            {"id": listing.sku_ids[s.seller_sku], "inventory": [self._inventory(s.stock, tokens)]}
            for s in skus
        ]
        price_rows = [{"id": listing.sku_ids[s.seller_sku], "price": _price(s.price)} for s in skus]
        for what, rows in (("inventory", stock_rows), ("prices", price_rows)):
            data = self.call(
                "POST",
                f"{base_path}/{what}/update",
                tokens=tokens,
                body={"skus": rows},
                seller_skus=seller_skus,
            )
            check_batch(data, now=self.clock(), seller_skus=seller_skus)

    def _set_active(self, tokens: base.Tokens, listing: base.RemoteListing, action: str) -> None:
        data = self.call(
            "POST",
            f"/product/{VERSION}/products/{action}",
            tokens=tokens,
            body={"product_ids": [listing.external_id]},
        )
        check_batch(data, now=self.clock())

    def deactivate(self, tokens: base.Tokens, listing: base.RemoteListing) -> None:
        self._set_active(tokens, listing, "deactivate")

    def activate(self, tokens: base.Tokens, listing: base.RemoteListing) -> None:
        self._set_active(tokens, listing, "activate")

    def find_by_sku(self, tokens: base.Tokens, seller_sku: str) -> base.RemoteListing | None:
        """Search by seller SKU; every product returned is checked for an exact match."""
        page_token = ""
        for _ in range(SEARCH_MAX_PAGES):
            data = self.call(
                "POST",
                f"/product/{SEARCH_VERSION}/products/search",
                tokens=tokens,
                query={"page_size": SEARCH_PAGE_SIZE, "page_token": page_token or None},
                body={"seller_skus": [seller_sku]},
                write=False,
            )
            found = self._match(data.get("products") or [], seller_sku)
            if found is not None:
                return found
            page_token = str(data.get("next_page_token") or "")
            if not page_token:
                break
        return None

    def _match(self, products: Sequence[Any], seller_sku: str) -> base.RemoteListing | None:
        for product in products:
            if not isinstance(product, Mapping) or product.get("status") == "DELETED":
                continue
            skus = [s for s in product.get("skus") or [] if isinstance(s, Mapping)]
            if not any(str(s.get("seller_sku")) == seller_sku for s in skus):
                continue
            product_id = str(product.get("id"))
            return base.RemoteListing(
                product_id,
                {str(s.get("seller_sku")): str(s.get("id")) for s in skus if s.get("seller_sku")},
                url=self._product_url(product_id),
                status=str(product.get("status") or ""),
            )
        return None
